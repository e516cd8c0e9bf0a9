"""`gateway-sim`: device simulators for development and CI.

    gateway-sim chip --profile td1-eu-pace            # a PACE-only EU ID card on vpcd port 35963
    gateway-sim chip --mrz "$(cat mrz.txt)" --can 123456 --access pace --port 35964
    gateway-sim chip --list-profiles
    gateway-sim pki ./trust                           # the test PKI's CSCAs, CRLs and master list
    gateway-sim translator --listen 127.0.0.1:7301    # a translation handheld (JSON lines over TCP)
    gateway-sim translator --pty --fault busy         # ... on a pseudo-terminal, answering BUSY
    gateway-sim mrz-reader --framing desko --profile td3-bac --link /tmp/gateway-mrz0   # a serial MRZ reader
    gateway-sim render --format TD3 --degrade rotation=90,skew=4,scene=phone --out ./pages
    gateway-sim render --profile td1-eu-pace --light ir --out ./pages   # the page of a chip profile
    gateway-sim camera --profile td3-bac --port 8081  # a document camera: MJPEG over HTTP; `place` on stdin

While a card runs, type `remove`, `insert` or `quit` on stdin (or send SIGUSR1 to toggle the card)
to pull it off the reader and put it back, as a person would.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from simulators.console import serve_console

DEFAULT_PORT = 35963


def _profile_help() -> str:
    from simulators.chip.profile import list_profiles, load_profile

    rows = []
    for name in list_profiles():
        try:
            rows.append(f"  {name:<28} {load_profile(name).description}")
        except Exception as exc:  # a broken shipped profile must not break --help
            rows.append(f"  {name:<28} (cannot load: {type(exc).__name__})")
    return "shipped profiles:\n" + "\n".join(rows)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gateway-sim", description="Device simulators for the gateway.")
    sub = parser.add_subparsers(dest="device", required=True, metavar="DEVICE")

    chip = sub.add_parser(
        "chip",
        help="a simulated eMRTD chip on a vpcd reader (pcscd sees a real reader with a real card)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Serve a simulated eMRTD chip to pcscd through the vsmartcard-vpcd virtual reader. "
        "Starts pcscd with the project's reader.conf when none runs. Runs until stopped (Ctrl-C, or "
        "`quit` on stdin); `remove` / `insert` on stdin or SIGUSR1 pull the card and put it back.",
        epilog=_profile_help(),
    )
    source = chip.add_mutually_exclusive_group()
    source.add_argument("--profile", metavar="NAME|PATH", help="a shipped profile name or a TOML/JSON file")
    source.add_argument("--mrz", metavar="TEXT", help="quick card: MRZ lines joined by newlines, or concatenated")
    source.add_argument("--list-profiles", action="store_true", help="list the shipped profiles and exit")
    chip.add_argument("--can", metavar="N", help="card access number for PACE (with --mrz)")
    chip.add_argument("--access", choices=("bac", "pace", "both"), default="both",
                      help="access protocols the quick card offers (with --mrz; default both)")
    chip.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"vpcd port (default {DEFAULT_PORT})")
    chip.add_argument("--kbit-s", type=float, default=None,
                      help="contactless link speed (106-848) for the timing model; 0 = no delay "
                      "(default: the profile's, else none)")
    chip.add_argument("--no-pcscd", action="store_true", help="do not start pcscd (connect to vpcd only)")
    chip.set_defaults(handler=run_chip)

    pki = sub.add_parser("pki", help="write the test PKI's trust material (CSCAs, CRLs, master list)")
    pki.add_argument("folder", type=Path)
    pki.add_argument("--countries", default=None, help="comma-separated MRZ country codes (default: all shipped)")
    pki.set_defaults(handler=run_pki)

    from simulators.translator.cli import register as register_translator

    register_translator(sub)
    from simulators.linereader import cli as linereader_cli

    linereader_cli.register(sub)
    from simulators.scanner import cli as scanner_cli

    scanner_cli.register(sub)
    from simulators.camera import cli as camera_cli

    camera_cli.register(sub)
    from simulators.desk import cli as desk_cli

    desk_cli.register(sub)
    from simulators.documents import FORGERIES, FORMATS, LIGHTS, PROFILES

    render = sub.add_parser(
        "render", help="render document pages (OCR-B MRZ, drawn portrait) as a scanner or phone sees them",
        description="Render TD1/TD2/TD3/MRV pages with their ground truth (a JSON file beside each image). "
        "Invented persons and ICAO specimens only; seeded and deterministic.")
    what = render.add_mutually_exclusive_group()
    what.add_argument("--format", choices=FORMATS, help="an invented document of this format (default: random)")
    what.add_argument("--profile", metavar="NAME|PATH", help="the page of a chip simulator profile")
    what.add_argument("--mrz", metavar="TEXT", help="print these MRZ lines (joined by newlines)")
    what.add_argument("--specimen", choices=("TD3", "TD2", "TD1", "TD1-DE"), help="an ICAO specimen")
    render.add_argument("--degrade", default="", metavar="K=V,...",
                        help="e.g. rotation=90,skew=5,blur=0.05,motion=0.2,noise=4,jpeg=70,perspective=0.05,"
                        "lighting=0.4,glare=6,glare_on_mrz=yes,dpi=200,scene=none|scanner|phone")
    render.add_argument("--mix", choices=PROFILES, help="random degradations of this kind (benchmark mixes)")
    render.add_argument("--light", choices=LIGHTS, default="white")
    render.add_argument("--side", choices=("mrz", "front"), default="mrz", help="TD1: the MRZ or the portrait side")
    render.add_argument("--forgery", action="append", default=[], choices=sorted(FORGERIES))
    render.add_argument("--seed", type=int, default=0)
    render.add_argument("--count", type=int, default=1, help="pictures with seeds seed..seed+count-1")
    render.add_argument("--out", type=Path, required=True, metavar="DIR")
    render.set_defaults(handler=run_render)
    return parser


def _fail(message: str) -> int:
    print(f"gateway-sim: {message}", file=sys.stderr)
    return 2


def run_chip(args: argparse.Namespace) -> int:
    from simulators.chip.profile import ProfileError, list_profiles, load_profile, profile_from_args
    from simulators.chip.serve import serve_profile

    if args.list_profiles:
        print("\n".join(list_profiles()))
        return 0
    try:
        if args.mrz:
            profile = profile_from_args(args.mrz, can=args.can, access=args.access)
        else:
            profile = load_profile(args.profile or "td3-bac")
    except ProfileError as exc:
        return _fail(str(exc))

    handle = None
    if not args.no_pcscd:
        from simulators.pcscd import PcscdError, ensure_pcscd

        try:
            handle = ensure_pcscd()
        except PcscdError as exc:
            return _fail(str(exc))
        if args.port not in handle.available_ports():
            return _fail(handle.why_unavailable(args.port))
    try:
        from simulators.pcscd import reader_name

        name = reader_name(args.port)
    except ValueError:
        name = f"vpcd port {args.port}"

    chip = serve_profile(profile, args.port, kbit_s=args.kbit_s)

    def remove(_: list[str]) -> str:
        chip.remove()
        return "card removed"

    def insert(_: list[str]) -> str:
        chip.insert()
        return "card inserted"

    try:
        serve_console({"remove": remove, "insert": insert}, usage="remove, insert, quit",
                      banner=[f"reader: {name}",
                              f"card: profile {profile.name} on vpcd port {args.port}; type remove / insert / quit"],
                      on_usr1=lambda: (chip.remove if chip.slot.inserted else chip.insert)())
    finally:
        chip.close()
        if handle is not None:
            handle.stop()
    return 0


def run_pki(args: argparse.Namespace) -> int:
    from simulators.chip.pki import TestPKI

    countries = args.countries.split(",") if args.countries else None
    paths = TestPKI.shared().write_trust(args.folder, countries=countries)
    print(f"trust material written to {args.folder}: {paths}")
    return 0


def run_render(args: argparse.Namespace) -> int:
    from simulators.documents import Degradation, DocumentSpec, random_case, render, specimen_spec
    from simulators.documents.profiles import spec_from_profile

    forgeries = frozenset(args.forgery)
    try:
        base = Degradation.parse(args.degrade)
        for k in range(args.count):
            seed = args.seed + k
            d = base
            spec = None
            if args.mix:
                spec, d = random_case(seed, args.mix)
            if args.profile:
                spec = spec_from_profile(args.profile, forgeries=forgeries)
            elif args.specimen:
                spec = specimen_spec(args.specimen)
            elif args.mrz:
                from simulators.documents.profiles import _spec_from_lines

                spec = _spec_from_lines(tuple(x.strip() for x in args.mrz.split("\n") if x.strip()), seed,
                                        forgeries)
            elif spec is None or args.format:
                from simulators.documents import invented_document

                fields, person = invented_document(seed, args.format)
                spec = DocumentSpec(fields, person, portrait_seed=seed, design_seed=seed)
            if forgeries and not spec.forgeries:
                spec = DocumentSpec(spec.fields, spec.person, spec.mrz_lines, spec.portrait_seed, spec.design_seed,
                                    forgeries)
            doc = render(spec, seed=seed, degradation=d, light=args.light, side=args.side)
            path = doc.save(args.out, f"{spec.format.lower()}-{seed:05d}-{args.light}")
            print(path)
    except (ValueError, KeyError) as exc:
        return _fail(f"render: {exc}")
    except OSError as exc:
        return _fail(f"render: cannot write to {args.out}: {exc.strerror}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
