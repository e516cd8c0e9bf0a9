"""`gateway mrz listen`: print each MRZ a line reader delivers, as `gateway mrz check` would.

    gateway mrz listen --device serial:/dev/ttyUSB0 --framing auto
    gateway mrz listen --device desk1-mrz --config /etc/gateway/gateway.toml --json
    gateway mrz listen --device hid:0DB5:0100 --detach-kernel-driver

Runs until interrupted (or `--count` MRZs). The reader may be unplugged and plugged in again: the
listener says so on stderr and carries on. MRZs go to stdout (one JSON object per line with
`--json`); everything else - attach, detach, frame errors, noise - goes to stderr, without MRZ text.
Exit status: 0 (stopped by SIGTERM or --count), 130 interrupted, 2 bad arguments / not a serial port.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import signal
import sys
import threading
from pathlib import Path

from gateway.drivers.byte_source import NO_BACKEND, NOT_FOUND, PortError
from gateway.drivers.hid_port import HidSettings
from gateway.drivers.line_events import (
    DEGRADED,
    FrameProblem,
    FrameSkipped,
    FramingChosen,
    HealthChanged,
    MRZRead,
    ReaderAttached,
    ReaderDetached,
    ReaderUnavailable,
)
from gateway.drivers.serial_port import PARITIES, SerialSettings, check_port
from gateway.framing import FRAMINGS
from gateway.service.config import ConfigError, load_config
from gateway.service.line_readers import LineReaderConfig, build_reader

from .mrz_command import render

PROG = "gateway mrz listen"
EXIT_OK, EXIT_BAD_ARGS = 0, 2


def register(mrz_sub: argparse._SubParsersAction) -> None:
    p = mrz_sub.add_parser(
        "listen",
        help="print each MRZ a line reader delivers",
        description="Listen to an MRZ line reader (serial/USB-CDC or USB HID) and print each MRZ as "
        "`gateway mrz check` would, until interrupted. Survives unplugging and replugging.",
    )
    p.add_argument("--device", required=True, metavar="ID|serial:PATH|hid:VID:PID",
                   help="a line reader of the config file, a serial port path, or USB vendor:product ids (hex)")
    p.add_argument("--config", type=Path, metavar="PATH", help="TOML config file (for --device ID)")
    p.add_argument("--framing", choices=FRAMINGS, help="wire framing (default: the config's, else auto)")
    p.add_argument("--baud", type=int, help="serial: baud rate (default 9600)")
    p.add_argument("--parity", choices=sorted(PARITIES), help="serial: parity (default N)")
    p.add_argument("--detach-kernel-driver", action="store_true", help="hid: take the interface from usbhid")
    p.add_argument("--json", action="store_true", help="one JSON object per MRZ and line")
    p.add_argument("--today", metavar="YYYY-MM-DD", help="reference date for century and expiry (default: today)")
    p.add_argument("--count", type=int, metavar="N", help="stop after N MRZs")
    p.set_defaults(handler=run_listen)


def _fail(reason: str) -> int:
    print(f"{PROG}: {reason}", file=sys.stderr)
    return EXIT_BAD_ARGS


def _note(text: str) -> None:
    print(f"{PROG}: {text}", file=sys.stderr, flush=True)


def _device_config(args: argparse.Namespace) -> LineReaderConfig:
    spec: str = args.device
    if spec.startswith("serial:"):
        settings = SerialSettings(port=spec[len("serial:"):], baudrate=args.baud or 9600, parity=args.parity or "N")
        return LineReaderConfig(id=spec, driver="serial", framing=args.framing or "auto", serial=settings)
    if spec.startswith("hid:"):
        try:
            vid, pid = (int(x, 16) for x in spec[len("hid:"):].split(":"))
        except ValueError:
            raise ValueError("hid: needs vendor and product ids in hex, e.g. hid:0DB5:0100") from None
        settings_h = HidSettings(vendor_id=vid, product_id=pid, detach_kernel_driver=args.detach_kernel_driver)
        return LineReaderConfig(id=spec, driver="hid", framing=args.framing or "auto", hid=settings_h)
    if args.config is None:
        raise ValueError("--device ID needs --config; or give serial:PATH or hid:VID:PID")
    config = load_config(args.config)
    for c in config.line_readers:
        if c.id == spec:
            if args.framing:
                c = dataclasses.replace(c, framing=args.framing)
            return c
    if any(d.id == spec for d in config.devices):
        raise ValueError(f"device {spec!r} is not a line reader (driver serial or hid)")
    raise ValueError(f"no device {spec!r} in {args.config}")


def run_listen(args: argparse.Namespace) -> int:
    today = None
    if args.today:
        try:
            today = dt.date.fromisoformat(args.today)
        except ValueError:
            return _fail("--today must be a date YYYY-MM-DD")
    if args.count is not None and args.count < 1:
        return _fail("--count must be at least 1")
    try:
        config = _device_config(args)
    except (ValueError, ConfigError) as exc:
        return _fail(str(exc))
    if config.serial is not None:
        try:
            check_port(config.serial.port)
        except PortError as exc:
            if exc.code != NOT_FOUND:  # not a tty / no permission: waiting will not fix it
                return _fail(exc.message)
    reader = build_reader(config, today=(lambda: today) if today else None)
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    printed = 0
    try:
        events = reader.subscribe(maxsize=4096)  # before start: no event may be missed
        with reader, events:
            _note(f"listening on {config.where} (framing {config.framing}); Ctrl-C to stop")
            while not stop.is_set():
                event = events.get(0.2)
                if event is None:
                    continue
                if isinstance(event, MRZRead):
                    _print_mrz(event, args.json)
                    printed += 1
                    if args.count and printed >= args.count:
                        break
                elif isinstance(event, ReaderUnavailable) and event.code == NO_BACKEND:
                    return _fail(event.message)
                else:
                    _describe(event)
    finally:
        signal.signal(signal.SIGTERM, previous)
    return EXIT_OK


def _print_mrz(event: MRZRead, as_json: bool) -> None:
    if as_json:
        print(json.dumps(event.result.to_dict(), ensure_ascii=False), flush=True)
    else:
        print(render(event.result) + "\n", flush=True)


def _describe(event: object) -> None:
    if isinstance(event, ReaderAttached):
        _note(f"reader attached on {event.source}")
    elif isinstance(event, ReaderDetached):
        _note(f"reader detached: {event.message}; waiting for it to come back")
    elif isinstance(event, ReaderUnavailable):
        if event.code == NOT_FOUND:
            _note(f"waiting for the reader: {event.message}")
        else:
            _note(f"reader unavailable ({event.code}): {event.message}; retrying")
    elif isinstance(event, FramingChosen):
        _note(f"framing detected: {event.framing}")
    elif isinstance(event, FrameProblem):
        _note(f"frame error {event.code}: {event.message}")
    elif isinstance(event, FrameSkipped):
        _note(f"skipped a {event.kind} frame ({event.nbytes} bytes)")
    elif isinstance(event, HealthChanged) and event.state == DEGRADED:
        _note(f"reader degraded ({event.reason}): {event.message}")
