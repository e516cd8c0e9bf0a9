"""`gateway-sim desk`: one simulated clearing desk — page scanner (white/IR/UV over SANE's net
backend) or document camera (MJPEG), optionally an MRZ line reader (pty), and the chip (vpcd) —
serving one document or a forgery of it, placed and removed together.

    gateway-sim desk --profile forgery-ir-invisible-mrz --write-config /tmp/desk.toml
    gateway serve --config /tmp/desk.toml &
    gateway verify --reader desk1 --wait-document     # then type `place` here

Commands on stdin: `place [PROFILE]`, `remove`, `quit`; SIGUSR1 toggles place/remove.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulators.console import said, serve_console

COMMANDS = "place [PROFILE], remove, quit"


def _profiles_help() -> str:
    try:
        from simulators.documents.desk_profiles import DESK_PROFILES
    except ImportError:  # pragma: no cover - the table ships with the renderer
        return ""
    rows = [f"  {name:<28} {p.description}" for name, p in DESK_PROFILES.items()]
    return "desk profiles (any chip simulator profile works too, with a genuine page):\n" + "\n".join(rows)


def register(sub: argparse._SubParsersAction) -> None:
    from simulators.chip.vpcd import DEFAULT_PORT

    p = sub.add_parser(
        "desk", help="one simulated desk: page scanner (white/IR/UV via SANE) and chip, one document",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Start the scanner and the chip of one simulated desk document reader with matching "
        "data (or a forgery), and print (or write) the daemon config that uses them.",
        epilog=_profiles_help() + f"\n\nstdin commands: {COMMANDS}")
    p.add_argument("--profile", default="genuine-td3", metavar="NAME", help="desk or chip profile")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"vpcd port (default {DEFAULT_PORT})")
    p.add_argument("--kbit-s", type=float, default=424.0, help="contactless link speed (default 424; 0: no delay)")
    p.add_argument("--dpi", type=int, default=300, help="scan resolution the daemon asks for (default 300)")
    p.add_argument("--optical", choices=("scanner", "camera", "none"), default="scanner",
                   help="the desk's optical device: a page scanner with white/IR/UV behind SANE's net backend "
                   "(default), a document camera (MJPEG over HTTP, white light), or none")
    p.add_argument("--line-reader", type=Path, metavar="LINK",
                   help="also an MRZ line reader (Desko framing) on a pseudo-terminal linked here; "
                   "`place` swipes the document through it")
    p.add_argument("--write-config", type=Path, metavar="PATH", help="write the daemon's [[devices]] config here")
    p.add_argument("--empty", action="store_true", help="start with no document placed")
    p.add_argument("--no-pcscd", action="store_true", help="do not start pcscd (connect to vpcd only)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from .desk import SimulatedDesk

    handle = None
    if not args.no_pcscd:
        from simulators.pcscd import PcscdError, ensure_pcscd

        try:
            handle = ensure_pcscd()
        except PcscdError as exc:
            print(f"gateway-sim: {exc}", file=sys.stderr)
            return 2
    try:
        desk = SimulatedDesk(args.profile, args.port, kbit_s=args.kbit_s or None, dpi=args.dpi,
                             optical=args.optical, line_reader=args.line_reader)
    except (OSError, ValueError, KeyError) as exc:
        print(f"gateway-sim: cannot start the desk: {exc}", file=sys.stderr)
        if handle is not None:
            handle.stop()
        return 2
    config = desk.daemon_config()
    if args.write_config:
        args.write_config.write_text(config)
    if not args.empty:
        desk.place()
    banner = [f"chip reader: {desk.chip_reader}"]
    if desk.scanner_device:
        banner.append(f"scanner: {desk.scanner_device} (SANE_CONFIG_DIR={desk.sane_config_dir})")
    if desk.camera_url:
        banner.append(f"camera: {desk.camera_url}")
    if args.line_reader:
        banner.append(f"line reader: {args.line_reader}")
    banner.append(f"config: {args.write_config}" if args.write_config else config)
    banner.append(f"desk: profile {args.profile}{' (no document)' if args.empty else ''}; type {COMMANDS}")

    def place(words: list[str]) -> str:
        desk.place(words[0] if words else None)
        return "document placed"

    try:
        serve_console({"place": place, "remove": said(desk.remove, "document removed")}, usage=COMMANDS,
                      banner=banner, errors=(KeyError, ValueError),
                      on_usr1=lambda: (desk.remove if desk.placed else desk.place)())
    finally:
        desk.close()
        if handle is not None:
            handle.stop()
    return 0
