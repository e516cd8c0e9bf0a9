"""The `gateway` console command. Each area registers its own subcommand module."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import chip_command, devices_command, mrz_command, phrase_command, serve_command, verify_command


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gateway",
        description="Identity-document gateway: MRZ checks, eMRTD chip reading and verification.",
    )
    sub = parser.add_subparsers(dest="area", required=True, metavar="COMMAND")
    mrz_command.register(sub)
    chip_command.register(sub)
    serve_command.register(sub)
    verify_command.register(sub)
    phrase_command.register(sub)
    devices_command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        print("gateway: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
