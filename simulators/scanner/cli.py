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
import signal
import sys
import tempfile
import threading
from pathlib import Path

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
    except (ProfileError, ValueError) as exc:
        raise SystemExit(f"gateway-sim: {exc}") from None


def run(args: argparse.Namespace) -> int:
    from .sane_config import write_sane_config
    from .server import SimulatedScanner

    spec = _spec(args.profile, args.forgery)
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
    stop = threading.Event()

    def toggle(*_: object) -> None:
        if sim.placed is None:
            place(spec)
        else:
            sim.remove()

    signal.signal(signal.SIGUSR1, toggle)
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"device: {sim.device}", flush=True)
    print(f"env: SANE_CONFIG_DIR={env['SANE_CONFIG_DIR']}", flush=True)
    print(f"scanner: profile {args.profile}{' (no document)' if args.empty else ''}; type {COMMANDS}", flush=True)

    def read_commands() -> None:
        nonlocal spec
        for line in sys.stdin:
            word, _, rest = line.strip().partition(" ")
            word = word.lower()
            if word == "place":
                if rest.strip():
                    spec = _spec(rest.strip(), args.forgery)
                place(spec)
                print("document placed", flush=True)
            elif word == "remove":
                sim.remove()
                print("document removed", flush=True)
            elif word == "vanish":
                sim.vanish()
                print("scanner gone", flush=True)
            elif word == "vanish-mid-scan":
                sim.vanish(mid_scan=True)
                print("scanner will vanish during the next scan", flush=True)
            elif word == "back":
                sim.restore()
                print("scanner back", flush=True)
            elif word == "stall":
                sim.stall = True
                print("scans stall half-way", flush=True)
            elif word == "resume":
                sim.stall = False
                print("scans run", flush=True)
            elif word in ("quit", "exit", "stop"):
                break
            elif word:
                print(f"commands: {COMMANDS}", flush=True)
        else:
            return  # stdin closed (a service): run until a signal
        stop.set()

    if sys.stdin is not None and not sys.stdin.closed:
        threading.Thread(target=read_commands, name="sim-stdin", daemon=True).start()
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        sim.close()
    return 0
