"""`gateway-sim scanner`: a simulated desk document scanner behind the SANE network protocol.

    gateway-sim scanner --profile td3-bac
    gateway-sim scanner --profile td3-bac --forgery ir_invisible_mrz --host auto --empty

It prints the SANE_CONFIG_DIR to use and the device name (`net:HOST:gateway-sim`), so that
`SANE_CONFIG_DIR=DIR scanimage -d net:HOST:gateway-sim --source IR > ir.pnm` scans the page through
libsane's own net backend. Commands on stdin: `place [PROFILE]`, `remove`, `vanish` (drop all
connections, go silent), `vanish-mid-scan`, `back`, `stall`, `resume`, `quit`; SIGUSR1 toggles
place/remove.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from simulators.console import said, serve_console

COMMANDS = "place [PROFILE], remove, vanish, vanish-mid-scan, back, stall, resume, quit"


def register(sub: argparse._SubParsersAction) -> None:
    from simulators.documents import FORGERIES

    p = sub.add_parser(
        "scanner", help="a desk document scanner (white/IR/UV) reachable through SANE's net backend",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Serve the SANE network protocol (what saned speaks) on HOST:6566, with one device "
        "`gateway-sim` that scans the page of a chip simulator profile under white, IR or UV light "
        "(option --source White|IR|UV, --resolution 75..600) and reports a document on its glass through "
        "the read-only `page-loaded` sensor. libsane's net backend always uses port 6566, so pick a host "
        "of your own in 127.0.0.0/8 (--host auto) when a saned runs here.",
        epilog=f"stdin commands: {COMMANDS}")
    p.add_argument("--profile", default="td3-bac", metavar="NAME|PATH", help="chip simulator profile (default td3-bac)")
    p.add_argument("--forgery", action="append", default=[], choices=sorted(FORGERIES),
                   help="print the page with this forgery (repeatable)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on; `auto`: a free 127.x.y.z")
    p.add_argument("--port", type=int, default=6566, help="port (libsane's net backend only uses 6566)")
    p.add_argument("--sane-config", type=Path, metavar="DIR",
                   help="write dll.conf/net.conf for the net backend here (default: a temporary directory)")
    p.add_argument("--empty", action="store_true", help="start with no document on the glass")
    p.set_defaults(handler=run)


def _spec(profile: str, forgeries: list[str]) -> object:
    from simulators.chip.profile import ProfileError
    from simulators.documents.profiles import spec_from_profile

    try:
        return spec_from_profile(profile, forgeries=frozenset(forgeries))
    except ProfileError as exc:
        raise ValueError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    from .sane_config import write_sane_config
    from .server import SimulatedScanner

    try:
        spec = _spec(args.profile, args.forgery)
    except ValueError as exc:
        print(f"gateway-sim: {exc}", file=sys.stderr)
        return 2
    try:
        sim = SimulatedScanner(host=None if args.host == "auto" else args.host, port=args.port)
    except OSError as exc:
        print(f"gateway-sim: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    placements = 0

    def place(s: object) -> None:
        nonlocal placements
        placements += 1
        sim.place(s, seed=placements)

    if not args.empty:
        place(spec)
    folder = args.sane_config or Path(tempfile.mkdtemp(prefix="gateway-sane-"))
    env = write_sane_config(folder, [sim.host])

    def place_cmd(words: list[str]) -> str:
        nonlocal spec
        if words:
            spec = _spec(words[0], args.forgery)
        place(spec)
        return "document placed"

    def stall(on: bool) -> None:
        sim.stall = on

    commands = {
        "place": place_cmd,
        "remove": said(sim.remove, "document removed"),
        "vanish": said(sim.vanish, "scanner gone"),
        "vanish-mid-scan": said(lambda: sim.vanish(mid_scan=True), "scanner will vanish during the next scan"),
        "back": said(sim.restore, "scanner back"),
        "stall": said(lambda: stall(True), "scans stall half-way"),
        "resume": said(lambda: stall(False), "scans run"),
    }
    try:
        serve_console(commands, usage=COMMANDS,
                      banner=[f"device: {sim.device}", f"env: SANE_CONFIG_DIR={env['SANE_CONFIG_DIR']}",
                              f"scanner: profile {args.profile}{' (no document)' if args.empty else ''}; "
                              f"type {COMMANDS}"],
                      on_usr1=lambda: place(spec) if sim.placed is None else sim.remove())
    finally:
        sim.close()
    return 0
