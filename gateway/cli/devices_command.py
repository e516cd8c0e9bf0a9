"""`gateway devices`: configured devices, what is attached, and config blocks for the rest.

    gateway devices --config /etc/gateway/gateway.toml
    gateway devices --json

Serial ports come from pyserial's list_ports (USB-serial ports under their stable
/dev/serial/by-id name) plus terminal devices matching `--scan` globs (default: the simulator's
/tmp/gateway-mrz* links); USB HID interfaces from pyusb. PC/SC chip readers are listed as configured;
what pcscd sees is `gateway chip readers`. Nothing is read from any device.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from gateway.drivers.byte_source import PortError
from gateway.drivers.discovery import SIM_LINKS, SerialPortInfo, UsbHidInfo, find_usb, list_serial_ports, list_usb_hid
from gateway.drivers.serial_port import check_port
from gateway.service.config import ConfigError, ServeConfig, load_config
from gateway.service.line_readers import LineReaderConfig


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "devices",
        help="list configured and attached devices; config blocks for unconfigured readers",
        description="Show the devices of the config file with their state, the serial ports and USB HID "
        "interfaces that are plugged in, and a ready-to-paste [[devices]] block for each that is not configured.",
    )
    p.add_argument("--config", type=Path, metavar="PATH", help="TOML config file (as for gateway serve)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--scan", action="append", metavar="GLOB",
                   help=f"also look for terminal devices matching GLOB (repeatable; default {SIM_LINKS})")
    p.add_argument("--no-usb", action="store_true", help="do not list USB devices")
    p.set_defaults(handler=run_devices)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "reader"


def _serial_state(c: LineReaderConfig) -> dict[str, Any]:
    assert c.serial is not None
    try:
        check_port(c.serial.port)
    except PortError as exc:
        return {"attached": False, "state": exc.code, "message": exc.message}
    real = os.path.realpath(c.serial.port)
    return {"attached": True, "state": "PRESENT", "message": f"terminal device {real}"}


def _hid_state(c: LineReaderConfig, backend: Any) -> dict[str, Any]:
    assert c.hid is not None
    try:
        present = find_usb(c.hid.vendor_id, c.hid.product_id, c.hid.serial_number, backend=backend)
    except PortError as exc:
        return {"attached": False, "state": exc.code, "message": exc.message}
    return {"attached": present, "state": "PRESENT" if present else "NOT_FOUND",
            "message": "plugged in" if present else "not plugged in"}


def serial_block(port: SerialPortInfo, taken: set[str]) -> str:
    device_id = _unique(f"mrz-{_slug(os.path.basename(port.device))}", taken)
    about = ", ".join(x for x in (port.kind, port.manufacturer, port.product) if x)
    return "\n".join([
        "[[devices]]",
        f'id = "{device_id}"',
        'desk = "desk1"                # the desk this reader stands at (groups it with that desk\'s chip reader)',
        'kind = "DOCUMENT_READER"',
        'driver = "serial"',
        f'port = "{port.device}"' + (f"   # {about}" if about else ""),
        'framing = "auto"              # or desko, accessis, 3m, plain',
        "baudrate = 9600               # the reader's setting; parity = \"N\", bytesize = 8, stopbits = 1",
    ])


def hid_block(dev: UsbHidInfo, taken: set[str]) -> str:
    device_id = _unique(f"mrz-{dev.vendor_id:04x}-{dev.product_id:04x}", taken)
    about = " ".join(x for x in (dev.manufacturer, dev.product) if x)
    lines = [
        "[[devices]]",
        f'id = "{device_id}"',
        'desk = "desk1"                # the desk this reader stands at',
        'kind = "DOCUMENT_READER"',
        'driver = "hid"',
        f"vendor_id = 0x{dev.vendor_id:04X}" + (f"          # {about}" if about else ""),
        f"product_id = 0x{dev.product_id:04X}",
    ]
    if dev.serial_number:
        lines.append(f'serial_number = "{dev.serial_number}"')
    lines += [f"interface = {dev.interface}"]
    if dev.endpoint is not None:
        lines.append(f"endpoint = 0x{dev.endpoint:02X}")
    lines += ["detach_kernel_driver = true    # let the gateway take the interface from usbhid",
              'report_format = "length-prefixed"   # or "raw"', 'framing = "auto"']
    return "\n".join(lines)


def _unique(base: str, taken: set[str]) -> str:
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    taken.add(name)
    return name


def survey(config: ServeConfig, *, scan: tuple[str, ...] = (SIM_LINKS,), usb: bool = True,
           usb_backend: Any = None) -> dict[str, Any]:
    """Everything `gateway devices` shows, as data."""
    configured: list[dict[str, Any]] = []
    line_ids = {c.id for c in config.line_readers}
    for c in config.line_readers:
        state = _serial_state(c) if c.serial is not None else _hid_state(c, usb_backend) if usb else \
            {"attached": None, "state": "NOT_CHECKED", "message": "USB not listed (--no-usb)"}
        configured.append({"id": c.id, "type": "line reader", "driver": c.driver, "where": c.where,
                           "desk": c.desk, "framing": c.framing, **state})
    for d in config.devices:
        if d.id in line_ids:
            continue
        configured.append({"id": d.id, "type": "chip reader" if d.pcsc_reader else "device",
                           "driver": "pcsc" if d.pcsc_reader else "none", "where": d.pcsc_reader or "",
                           "desk": config.desks.get(d.id, ""), "attached": None, "state": "SEE_PCSC",
                           "message": "`gateway chip readers` lists what pcscd sees"})
    taken = {c["id"] for c in configured}

    serial_cfg = {os.path.realpath(c.serial.port): c.id for c in config.line_readers if c.serial is not None}
    ports = []
    blocks = []
    for port in list_serial_ports(scan):
        owner = serial_cfg.get(os.path.realpath(port.device))
        ports.append({**port.to_dict(), "configured_as": owner})
        if owner is None:
            blocks.append(serial_block(port, taken))

    hid: list[dict[str, Any]] = []
    usb_error = None
    if usb:
        try:
            interfaces = list_usb_hid(usb_backend)
        except PortError as exc:
            interfaces, usb_error = [], exc.message
        for dev in interfaces:
            owner = next((c.id for c in config.line_readers if c.hid is not None
                          and (c.hid.vendor_id, c.hid.product_id) == (dev.vendor_id, dev.product_id)
                          and c.hid.serial_number in (None, dev.serial_number)
                          and c.hid.interface == dev.interface), None)
            hid.append({**dev.to_dict(), "configured_as": owner})
            if owner is None and not dev.keyboard:
                blocks.append(hid_block(dev, taken))
    return {"configured": configured, "serial_ports": ports, "usb_hid": hid, "usb_error": usb_error,
            "usb_listed": usb, "config_blocks": blocks}


def render(report: dict[str, Any], config_path: Path | None) -> str:
    out = [f"Configured devices ({config_path or 'no config file'}):"]
    if not report["configured"]:
        out.append("  (none)")
    for c in report["configured"]:
        desk = f"desk {c['desk']}" if c["desk"] else "no desk"
        state = {True: "attached", False: "NOT ATTACHED", None: ""}[c["attached"]]
        out.append(f"  {c['id']:<16} {c['type']:<12} {c['driver']:<6} {c['where']:<32} {desk:<14} "
                   f"{state} - {c['message']}".rstrip(" -"))
    out.append("Serial ports:")
    if not report["serial_ports"]:
        out.append("  (none)")
    for p in report["serial_ports"]:
        via = f" -> {p['target']}" if p["target"] else ""
        ids = f" usb {p['vid']:04x}:{p['pid']:04x}" if p["vid"] is not None else ""
        about = " ".join(x for x in (p["manufacturer"], p["product"]) if x)
        owner = f"configured as {p['configured_as']}" if p["configured_as"] else "not configured"
        out.append(f"  {p['device']}{via}  {p['kind']}{ids}{'  ' + about if about else ''}  {owner}")
    if report["usb_listed"]:
        out.append("USB HID interfaces:")
        if report["usb_error"]:
            out.append(f"  cannot list: {report['usb_error']}")
        elif not report["usb_hid"]:
            out.append("  (none)")
        for d in report["usb_hid"]:
            about = " ".join(x for x in (d["manufacturer"], d["product"]) if x)
            ep = f" endpoint 0x{d['endpoint']:02x}" if d["endpoint"] is not None else " no interrupt-IN endpoint"
            owner = f"configured as {d['configured_as']}" if d["configured_as"] else (
                "keyboard (a keyboard-wedge reader types into the desktop; not usable as a line reader)"
                if d["keyboard"] else "not configured")
            serial = f" serial {d['serial_number']}" if d["serial_number"] else ""
            out.append(f"  {d['ids']} bus {d['bus']} address {d['address']} interface {d['interface']}{ep}"
                       f"{'  ' + about if about else ''}{serial}  {owner}")
    if report["config_blocks"]:
        out.append("")
        out.append("# Attached but not configured - paste into the config file and set id and desk:")
        for block in report["config_blocks"]:
            out += ["", block]
    return "\n".join(out)


def run_devices(args: argparse.Namespace, usb_backend: Any = None) -> int:
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"gateway devices: {exc}", file=sys.stderr)
        return 2
    scan = tuple(args.scan) if args.scan else (SIM_LINKS,)
    report = survey(config, scan=scan, usb=not args.no_usb, usb_backend=usb_backend)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print(render(report, args.config))
    return 0
