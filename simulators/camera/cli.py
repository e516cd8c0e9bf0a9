"""`gateway-sim camera`: a document camera as an MJPEG-over-HTTP stream.

    gateway-sim camera --profile td3-bac --port 8081        # http://127.0.0.1:8081/stream.mjpg
    gateway-sim camera --fault corrupt-frames --corrupt-every 5
    gateway-sim camera --fault stall --after 3               # silent after 3 s, connection kept
    gateway-sim camera --fault drop --after 3                # connection closed after 3 s

It prints the stream URL, then serves an empty desk. Commands on stdin: `place [PROFILE]` (the page
slides in, the focus settles, it lies still), `remove`, `drop` (close the open connections now),
`stall` / `resume`, `quit`.
"""

from __future__ import annotations

import argparse
import sys

from simulators.console import said, serve_console

FAULTS = ("corrupt-frames", "stall", "drop")
COMMANDS = "place [PROFILE], remove, drop, stall, resume, quit"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "camera",
        help="a document camera: an MJPEG-over-HTTP stream of a desk where a rendered page is placed",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Serve multipart/x-mixed-replace JPEG frames of a desk on GET /stream.mjpg (and the "
        "current frame on GET /frame.jpg). `place` puts the page of a chip simulator profile on the desk "
        "(sliding in, motion-blurred, then still); `remove` takes it away.",
        epilog=f"stdin commands: {COMMANDS}\nfaults: corrupt-frames (every --corrupt-every-th frame is "
        "garbage between JPEG markers), stall (no more frames --after S seconds into a connection, which "
        "stays open), drop (the connection closed --after S seconds)",
    )
    p.add_argument("--profile", metavar="NAME|PATH", default="td3-bac",
                   help="the chip simulator profile whose page `place` puts down (default td3-bac)")
    p.add_argument("--placed", action="store_true", help="start with the document already placed")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8081, help="TCP port (default 8081; 0: any free port)")
    p.add_argument("--fps", type=float, default=10.0, help="frames per second (default 10)")
    p.add_argument("--size", default="1280x960", metavar="WxH", help="frame size (default 1280x960)")
    p.add_argument("--quality", type=int, default=90, help="JPEG quality 1..100 (default 90)")
    p.add_argument("--fault", action="append", default=[], choices=FAULTS, help="a stream fault (repeatable)")
    p.add_argument("--corrupt-every", type=int, default=5, metavar="N", help="with corrupt-frames (default 5)")
    p.add_argument("--after", type=float, default=3.0, metavar="S", help="with stall/drop (default 3 s)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(handler=run)


def _size(text: str) -> tuple[int, int]:
    w, sep, h = text.lower().partition("x")
    if not sep or not w.isdigit() or not h.isdigit() or not (64 <= int(w) <= 4096 and 64 <= int(h) <= 4096):
        raise ValueError(f"--size {text!r}: give WxH with each side 64..4096")
    return int(w), int(h)


def run(args: argparse.Namespace) -> int:
    from simulators.chip.profile import ProfileError
    from simulators.documents.profiles import spec_from_profile

    from .scene import Scene
    from .server import CameraServer, Faults

    def fail(message: str) -> int:
        print(f"gateway-sim: camera: {message}", file=sys.stderr)
        return 2

    try:
        width, height = _size(args.size)
        if not 1 <= args.quality <= 100:
            raise ValueError("--quality must lie in 1..100")
        if args.corrupt_every < 2:
            raise ValueError("--corrupt-every must be at least 2 (else no frame is whole)")
        faults = Faults(corrupt_every=args.corrupt_every if "corrupt-frames" in args.fault else 0,
                        stall_after=args.after if "stall" in args.fault else None,
                        drop_after=args.after if "drop" in args.fault else None)
        spec = spec_from_profile(args.profile)
        server = CameraServer(Scene(width, height, seed=args.seed), host=args.host, port=args.port, fps=args.fps,
                              quality=args.quality, faults=faults, seed=args.seed)
    except (ValueError, ProfileError) as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(f"cannot listen on {args.host}:{args.port}: {exc.strerror}")
    if args.placed:
        server.place(spec)
    server.start()

    def place(words: list[str]) -> str:
        server.place(spec_from_profile(words[0]) if words else spec)
        return "document placed"

    commands = {
        "place": place,
        "remove": said(server.remove, "document removed"),
        "drop": said(server.drop_connections, "connections dropped"),
        "stall": said(lambda: server.stall_connections(True), "stream stalled"),
        "resume": said(lambda: server.stall_connections(False), "stream resumed"),
    }
    try:
        serve_console(commands, usage=COMMANDS, errors=(ValueError, ProfileError),
                      banner=[f"stream: {server.url}",
                              f"camera: {width}x{height} at {args.fps:g} fps; type {COMMANDS}"])
    finally:
        server.close()
        print(f"frames sent: {server.stats.frames} ({server.stats.corrupt_sent} corrupt)", flush=True)
    return 0
