"""`gateway-sim translator`: run the simulated translation device until stopped."""

from __future__ import annotations

import argparse
import sys

from simulators.console import said, serve_console

from .device import FAULTS, DeviceSettings, SimulatedTranslator
from .dictionary import LANGUAGES


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "translator",
        help="a simulated translation handheld (the gateway's JSON-lines protocol over TCP or a pty)",
        description="Serve a simulated translation device. It answers from a small built-in dictionary. "
        "While it runs, type on stdin: `fault NAME` (" + ", ".join(FAULTS) + "), `cloud` / `offline` "
        "(switch translation mode; sends a status line), `status`, `quit`.",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument("--listen", metavar="HOST:PORT", default="127.0.0.1:7301",
                       help="TCP address (default 127.0.0.1:7301; port 0 picks a free one)")
    where.add_argument("--pty", action="store_true", help="serve on a new pseudo-terminal (prints its path)")
    p.add_argument("--fault", choices=FAULTS, default="none", help="misbehave from the start")
    p.add_argument("--mute-after", type=int, metavar="N", help="stop answering after N answered requests")
    p.add_argument("--latency-ms", type=float, default=0.0, help="delay before each answer")
    p.add_argument("--cloud", action="store_true",
                   help="a device that translates online (says offline=false): "
                   "the gateway must refuse it personal data")
    p.add_argument("--languages", default=",".join(LANGUAGES), help="comma-separated language codes offered")
    p.set_defaults(handler=run_translator)


def run_translator(args: argparse.Namespace) -> int:
    from .serve import PtyDevice, TcpDevice

    languages = tuple(x.strip() for x in args.languages.split(",") if x.strip())
    settings = DeviceSettings(languages=languages, cloud=args.cloud, latency_s=max(0.0, args.latency_ms) / 1000,
                              fault=args.fault, mute_after=args.mute_after)
    device = SimulatedTranslator(settings)
    if args.pty:
        server = PtyDevice(device).start()
        print(f"pty: {server.slave_path}", flush=True)
        print(f"address: serial://{server.slave_path}", flush=True)
    else:
        host, _, port = args.listen.rpartition(":")
        try:
            server = TcpDevice(device, host or "127.0.0.1", int(port)).start()
        except (OSError, ValueError) as exc:
            print(f"gateway-sim: cannot listen on {args.listen}: {exc}", file=sys.stderr)
            return 2
        print(f"address: tcp://{server.address[0]}:{server.address[1]}", flush=True)
    usage = "fault " + "|".join(FAULTS) + ", cloud, offline, status, quit"

    def fault(words: list[str]) -> str:
        if len(words) != 1 or words[0] not in FAULTS:
            return f"commands: {usage}"
        settings.fault = words[0]
        return f"fault {words[0]}"

    def mode(cloud: bool):
        def command(_: list[str]) -> str:
            settings.cloud = cloud
            server.broadcast(device.status_line())
            return f"mode {'cloud' if cloud else 'offline'}"
        return command

    try:
        serve_console({"fault": fault, "cloud": mode(True), "offline": mode(False),
                       "status": said(lambda: server.broadcast(device.status_line()), "status sent")},
                      usage=usage, banner=[f"translator: languages {','.join(languages)}; "
                                           f"{'cloud' if args.cloud else 'offline'}; fault {args.fault}"])
    finally:
        server.close()
    return 0
