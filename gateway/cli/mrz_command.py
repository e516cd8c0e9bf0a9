"""`gateway mrz check`: validate (and OCR-correct) MRZ lines from arguments or stdin."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from gateway.mrz import MRZError, MRZResult, check

EXIT_VALID, EXIT_INVALID, EXIT_NOT_MRZ = 0, 1, 2


def register(sub: argparse._SubParsersAction) -> None:
    mrz = sub.add_parser("mrz", help="machine readable zone tools")
    mrz_sub = mrz.add_subparsers(dest="mrz_command", required=True, metavar="COMMAND")
    chk = mrz_sub.add_parser(
        "check",
        help="parse and validate an MRZ",
        description="Parse and validate an MRZ (TD1, TD2, TD3, MRV-A, MRV-B), correcting OCR confusions "
        "that the check digits resolve. Exit status: 0 valid, 1 parsed but invalid, 2 not an MRZ.",
    )
    chk.add_argument("lines", nargs="*", help="MRZ lines; read from stdin, one per line, when none are given")
    chk.add_argument("--json", action="store_true", help="machine-readable output")
    chk.add_argument("--today", metavar="YYYY-MM-DD", help="reference date for century and expiry (default: today)")
    chk.add_argument("--no-correct", action="store_true", help="report check digit failures without OCR correction")
    chk.set_defaults(handler=run_check)
    from . import mrz_listen  # `gateway mrz listen`: MRZs from a line reader

    mrz_listen.register(mrz_sub)


def _fail(reason: str) -> int:
    print(f"gateway mrz check: {reason}", file=sys.stderr)
    return EXIT_NOT_MRZ


def run_check(args: argparse.Namespace) -> int:
    today = None
    if args.today:
        try:
            today = dt.date.fromisoformat(args.today)
        except ValueError:
            return _fail("--today must be a date YYYY-MM-DD")
    text = "\n".join(args.lines) if args.lines else sys.stdin.read()
    try:
        result = check(text, today=today, autocorrect=not args.no_correct)
    except MRZError as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(render(result))
    return EXIT_VALID if result.valid else EXIT_INVALID


def render(result: MRZResult) -> str:
    """A summary for a person at the desk: the verdict first, then fields, checks and reasons."""
    f = result.fields
    out = [f"{result.format}  {'VALID' if result.valid else 'INVALID'}"]
    rows = [
        ("document", f"{f['document_code']}  {f['issuing_state']}  {f['document_number']}"),
        ("name", ", ".join(x for x in (f["primary_identifier"], f["secondary_identifier"]) if x)),
        ("nationality", f["nationality"] or ""),
        ("birth date", f["birth_date"] or "(not a date)"),
        ("sex", f["sex"] or ""),
        ("expiry date", f["expiry_date"] or "(not a date)"),
    ]
    if f.get("optional_data"):
        rows.append(("optional data", f["optional_data"] or ""))
    if f.get("optional_data_2"):
        rows.append(("optional data 2", f["optional_data_2"] or ""))
    rows.append(("check digits", ", ".join(f"{k} {v}" for k, v in result.checks.items())))
    out += [f"  {k:<24}{v}" for k, v in rows]
    for c in result.corrections:
        how = "confirmed by check digits" if c.checked else "no check digit here: please confirm"
        out.append(f"  {'corrected':<24}line {c.line} position {c.position}: {c.from_char} -> {c.to_char} ({how})")
    for w in result.warnings:
        out.append(f"  {'warning':<24}{w.message}")
    for e in result.errors:
        out.append(f"  {'error':<24}{e.message}")
    return "\n".join(out)
