"""`gateway-sim mrz-reader`: a serial MRZ line reader on a real pseudo-terminal.

    gateway-sim mrz-reader --framing desko --profile td3-bac --link /tmp/gateway-mrz0
    gateway-sim mrz-reader --framing 3m --mrz "$(printf '%s\\n' LINE1 LINE2)" --every 5 --fault misread

It prints the pty path and the stable symlink, then emits a frame for every `swipe` on stdin, every
SIGUSR1 and every `--every` seconds. Commands: `swipe [FAULT ...]`, `garbage [N]`, `flood [N]`,
`longline`, `magstripe`, `barcode`, `unplug`, `replug`, `quit`. Faults: see `--help`.
"""

from __future__ import annotations

import argparse
import contextlib
import queue
import random
import signal
import sys
import threading
from pathlib import Path

from . import faults, frames
from .pty_port import PtyPort

DEFAULT_LINK = Path("/tmp/gateway-mrz0")
COMMANDS = "swipe [FAULT ...], garbage [N], flood [N], longline, magstripe, barcode, unplug, replug, quit"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "mrz-reader",
        help="an MRZ line reader (Desko, Access-IS, 3M or plain framing) on a real pseudo-terminal",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Open a pseudo-terminal that behaves like a serial MRZ line reader: it prints the pty path "
        "and a stable symlink, and sends a frame for each `swipe` on stdin, each SIGUSR1, and every --every "
        "seconds. Runs until `quit`, SIGTERM or Ctrl-C.",
        epilog=f"stdin commands: {COMMANDS}\nswipe faults: {', '.join(faults.SWIPE_FAULTS)}\n"
        "  garbage: noise before the frame; split: the frame in two writes; bad-bcc: wrong 3M check byte;\n"
        "  misread: a birth-date digit read as its look-alike letter (0->O); pause: silence mid-frame\n"
        "  (--pause-s); truncate: half a frame, then the whole; wrong-baud: the frame as a UART at the\n"
        "  wrong baud rate receives it.",
    )
    p.add_argument("--framing", choices=frames.FRAMINGS, default="desko", help="wire framing (default desko)")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--mrz", metavar="TEXT", help="MRZ lines joined by newlines (or concatenated)")
    source.add_argument("--profile", metavar="NAME|PATH", help="a chip simulator profile (its printed MRZ)")
    p.add_argument("--link", type=Path, default=DEFAULT_LINK,
                   help=f"stable symlink to the pty (default {DEFAULT_LINK})")
    p.add_argument("--no-link", action="store_true", help="do not create a symlink")
    p.add_argument("--every", type=float, metavar="S", help="swipe every S seconds")
    p.add_argument("--fault", action="append", default=[], choices=faults.SWIPE_FAULTS,
                   help="apply this fault to every swipe (repeatable)")
    p.add_argument("--pause-s", type=float, default=2.0, help="length of the `pause` fault (default 2 s)")
    p.add_argument("--seed", type=int, help="seed for the noise faults (reproducible runs)")
    p.set_defaults(handler=run)


def _lines(args: argparse.Namespace) -> list[str]:
    if args.mrz:
        from simulators.chip.mrz_secret import MrzLayoutError, split_mrz

        try:
            return list(split_mrz(args.mrz))
        except MrzLayoutError as exc:
            raise SystemExit(f"gateway-sim: {exc}") from None
    from simulators.chip.lds_builder import mrz_lines
    from simulators.chip.profile import ProfileError, load_profile

    try:
        return mrz_lines(load_profile(args.profile or "td3-bac"))
    except ProfileError as exc:
        raise SystemExit(f"gateway-sim: {exc}") from None


def run(args: argparse.Namespace) -> int:
    lines = _lines(args)
    try:
        faults.swipe(args.framing, lines, args.fault)
    except faults.FaultError as exc:
        print(f"gateway-sim: {exc}", file=sys.stderr)
        return 2
    rng = random.Random(args.seed)
    port = PtyPort(None if args.no_link else args.link)
    stop = threading.Event()
    actions: queue.SimpleQueue[tuple[str, list[str]]] = queue.SimpleQueue()  # safe to put from a signal handler

    def say(text: str) -> None:
        print(text, flush=True)

    def perform(command: str, words: list[str]) -> None:
        if command == "quit":
            stop.set()
        elif command == "swipe":
            plan = faults.swipe(args.framing, lines, [*args.fault, *words], pause_s=args.pause_s, rng=rng)
            sent = port.play(plan, stop)
            say(f"swiped ({sent} bytes{', faults ' + ' '.join(words) if words else ''})")
        elif command in ("garbage", "flood"):
            size = int(words[0]) if words else (64 if command == "garbage" else 1_048_576)
            say(f"{command}: {port.write(faults.noise(rng, size))} bytes")
        elif command == "longline":
            say(f"longline: {port.write(frames.long_line(args.framing))} bytes")
        elif command in ("magstripe", "barcode"):
            if args.framing not in ("desko", "accessis"):
                raise faults.FaultError(f"{command} frames exist in the desko/accessis framing only")
            data = frames.accessis_magstripe() if command == "magstripe" else frames.accessis_barcode()
            say(f"{command}: {port.write(data)} bytes")
        elif command == "unplug":
            port.unplug()
            say("unplugged")
        elif command == "replug":
            path = port.plug()
            say(f"replugged: {path}" + (f" (link {port.link})" if port.link else ""))

    def worker() -> None:
        while not stop.is_set():
            try:
                command, words = actions.get(timeout=0.2)
            except queue.Empty:
                continue
            try:
                perform(command, words)
            except (faults.FaultError, ValueError) as exc:
                say(f"error: {exc}")

    def read_commands() -> None:
        for raw in sys.stdin:
            words = raw.split()
            if not words:
                continue
            command, rest = words[0].lower(), words[1:]
            if command in ("quit", "exit", "stop"):
                actions.put(("quit", []))  # after the commands before it
                return
            if command == "swipe":
                bad = sorted(set(rest) - set(faults.SWIPE_FAULTS))
                if bad:
                    say(f"error: unknown fault(s) {', '.join(bad)}; known: {', '.join(faults.SWIPE_FAULTS)}")
                    continue
            elif command not in ("garbage", "flood", "longline", "magstripe", "barcode", "unplug", "replug"):
                say(f"commands: {COMMANDS}")
                continue
            actions.put((command, rest))

    def every() -> None:
        while not stop.wait(args.every):
            actions.put(("swipe", []))

    path = port.plug()
    signal.signal(signal.SIGUSR1, lambda *_: actions.put(("swipe", [])))
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    say(f"pty: {path}")
    if port.link:
        say(f"link: {port.link}")
    say(f"reader: {args.framing} framing, {len(lines)}-line MRZ of {len(lines[0])} characters; commands: {COMMANDS}")
    threading.Thread(target=worker, name="sim-worker", daemon=True).start()
    if sys.stdin is not None and not sys.stdin.closed:
        threading.Thread(target=read_commands, name="sim-stdin", daemon=True).start()
    if args.every:
        threading.Thread(target=every, name="sim-every", daemon=True).start()
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            port.unplug()
    return 0
