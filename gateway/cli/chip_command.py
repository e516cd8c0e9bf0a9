"""`gateway chip read` (and `gateway chip readers`): read an eMRTD chip on a PC/SC reader.

Exit status: 0 read complete; 2 bad arguments (also a malformed MRZ, CAN or date); 3 no reader or
no card; 4 the chip refused the access key; 5 the card was lost during the read; 6 secure messaging
failed verification (nothing returned); 7 any other chip or data error. Failures print one line on
stderr that never contains the document's data; the document's data goes only to stdout, which is
the user's own output.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_USAGE, EXIT_NO_CARD, EXIT_ACCESS_DENIED, EXIT_CARD_LOST, EXIT_UNTRUSTED, EXIT_CHIP_ERROR = (
    0, 2, 3, 4, 5, 6, 7,
)
PROG = "gateway chip read"


def register(sub: argparse._SubParsersAction) -> None:
    chip = sub.add_parser("chip", help="eMRTD chip tools (PC/SC readers)")
    chip_sub = chip.add_subparsers(dest="chip_command", required=True, metavar="COMMAND")
    read = chip_sub.add_parser(
        "read",
        help="read an eMRTD chip (passport, ID card) over PACE or BAC",
        description="Read an eMRTD chip: EF.CardAccess, PACE (or BAC), then the chosen files. "
        "Exit status: 0 ok, 2 bad arguments, 3 no reader/card, 4 access key refused, "
        "5 card lost, 6 secure messaging not trusted, 7 other chip error.",
    )
    read.add_argument("--reader", metavar="NAME", help="PC/SC reader (default: the first reader holding a card)")
    key = read.add_argument_group("access key (one of)")
    key.add_argument("--mrz", metavar="TEXT", help="the MRZ lines joined by newlines, or concatenated")
    key.add_argument("--can", metavar="DIGITS", help="the 6-digit card access number (PACE only)")
    key.add_argument("--doc-number", metavar="NUMBER", help="document number as in the MRZ")
    key.add_argument("--birth", metavar="YYMMDD", help="date of birth")
    key.add_argument("--expiry", metavar="YYMMDD", help="date of expiry")
    read.add_argument(
        "--files", metavar="LIST",
        help="files to read, comma-separated (default: EF.COM,DG1,DG2,EF.SOD), e.g. dg1,dg2,dg11,sod",
    )
    read.add_argument("--protocol", choices=("auto", "pace", "bac"), default="auto",
                      help="access protocol (default: PACE when offered, else BAC)")
    read.add_argument("--aa", action="store_true", help="also read DG15/DG14 for active authentication")
    read.add_argument("--ca", action="store_true", help="also read DG14 for chip authentication")
    read.add_argument("--save-face", metavar="PATH", help="write the face image (JPEG or JPEG 2000) to PATH")
    read.add_argument("--wait", metavar="SECONDS", type=float, default=0.0,
                      help="wait up to SECONDS for a card, and for a pulled card to come back (default 0)")
    read.add_argument("--json", action="store_true", help="machine-readable output")
    read.add_argument("--trust", metavar="PATH", action="append",
                      help="CSCA master list, certificate/CRL file or folder (repeatable): run AA/CA and print "
                      "the verdict and its checks (gateway.verify)")
    read.set_defaults(handler=run_read)

    readers = chip_sub.add_parser("readers", help="list PC/SC readers and whether they hold a card")
    readers.add_argument("--json", action="store_true", help="machine-readable output")
    readers.set_defaults(handler=run_readers)


def _fail(code: int, reason: str, prog: str = PROG) -> int:
    print(f"{prog}: {reason}", file=sys.stderr)
    return code


# --- access key and options ------------------------------------------------------------------------


def _access_key(args: argparse.Namespace) -> Any:
    from gateway.nfc.access_key import CANKey, MRZKey

    triple = (args.doc_number, args.birth, args.expiry)
    given = [name for name, on in (("--mrz", args.mrz), ("--can", args.can), ("--doc-number", any(triple))) if on]
    if len(given) != 1:
        raise ValueError("give exactly one access key: --mrz, --can, or --doc-number with --birth and --expiry")
    if args.mrz:
        return MRZKey.from_mrz(args.mrz.replace("\\n", "\n"))
    if args.can:
        return CANKey(args.can)
    if not all(triple):
        raise ValueError("--doc-number needs --birth and --expiry (YYMMDD)")
    return MRZKey(args.doc_number, args.birth, args.expiry)


# --- the read --------------------------------------------------------------------------------------


def run_read(args: argparse.Namespace) -> int:
    from gateway.drivers import pcsc
    from gateway.drivers.chip_runner import read_chip
    from gateway.nfc.access_key import AccessKeyError
    from gateway.nfc.reader import (
        AccessDeniedError,
        AccessNotPossibleError,
        CardLostError,
        ChipReadError,
        ReadOptions,
        UntrustedSessionError,
        files_from_names,
    )
    from gateway.transport import TransportError

    try:
        key = _access_key(args)
        files = files_from_names(args.files) if args.files else None
        if args.wait < 0:
            raise ValueError("--wait must not be negative")
        if files is not None and any(name in ("EF.CardAccess", "EF.CardSecurity") for name in files):
            raise ValueError("EF.CardAccess is always read; --files takes EF.COM, EF.SOD and DG1-DG16")
    except (AccessKeyError, ValueError) as exc:
        return _fail(EXIT_USAGE, str(exc))
    from gateway.verify.cli_support import steps_for

    aa, ca = args.aa or bool(args.trust), args.ca or bool(args.trust)
    options = ReadOptions(
        files=files, protocol=args.protocol, active_authentication=aa, chip_authentication=ca,
        steps=steps_for(aa, ca),
    )

    try:
        reader_name = _choose_reader(args.reader, args.wait)
        connection = pcsc.PcscConnection(reader_name).connect()
    except TransportError as exc:
        return _fail(EXIT_NO_CARD, str(exc))

    def on_event(event: Any) -> None:
        if event.kind == "card_lost" and args.wait > 0:
            print(f"{PROG}: {event.reason}; put it back on the reader (waiting up to {args.wait:g} s)",
                  file=sys.stderr)

    try:
        result = read_chip(connection, key, options, on_event=on_event, wait_for_card_s=args.wait)
    except AccessDeniedError as exc:
        return _fail(EXIT_ACCESS_DENIED, str(exc))
    except UntrustedSessionError as exc:
        return _fail(EXIT_UNTRUSTED, str(exc))
    except CardLostError as exc:
        return _fail(EXIT_CARD_LOST, str(exc))
    except AccessNotPossibleError as exc:
        return _fail(EXIT_CHIP_ERROR, str(exc))
    except ChipReadError as exc:
        return _fail(EXIT_CHIP_ERROR, str(exc))
    except (pcsc.ReaderUnavailableError, pcsc.NoCardError) as exc:
        return _fail(EXIT_NO_CARD, str(exc))
    except TransportError as exc:
        return _fail(EXIT_CARD_LOST, str(exc))
    finally:
        connection.disconnect()

    report, problems = build_report(result, reader_name, save_face=args.save_face)
    if args.trust:
        from gateway.verify.cli_support import render_verdict, verdict_section

        mrz = args.mrz.replace("\\n", "\n") if args.mrz else None
        report.update(verdict_section(result, args.trust, printed_mrz=mrz))
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(render(report) + ("\n" + render_verdict(report) if args.trust else ""))
    if problems:
        return _fail(EXIT_CHIP_ERROR, problems[0])
    return EXIT_OK


def _choose_reader(name: str | None, wait_s: float) -> str:
    """The named reader (exact name, or a unique part of one), else the first reader with a card."""
    import time

    from gateway.drivers import pcsc

    deadline = time.monotonic() + wait_s
    while True:
        readers = pcsc.list_readers()
        if name is not None:
            matches = [r for r in readers if r == name] or [r for r in readers if name.lower() in r.lower()]
            if len(matches) > 1:
                raise pcsc.ReaderUnavailableError(f"--reader {name!r} matches {len(matches)} readers; be more exact")
            if matches and (pcsc.card_present(matches[0]) or time.monotonic() >= deadline):
                if not pcsc.card_present(matches[0]):
                    raise pcsc.NoCardError(f"no card in reader {matches[0]!r}")
                return matches[0]
            if not matches and time.monotonic() >= deadline:
                raise pcsc.ReaderUnavailableError(f"no reader named {name!r} (readers: {len(readers)})")
        else:
            found = pcsc.first_reader_with_card()
            if found is not None:
                return found
            if time.monotonic() >= deadline:
                if not readers:
                    raise pcsc.ReaderUnavailableError("no PC/SC reader found")
                raise pcsc.NoCardError(f"no card in any of the {len(readers)} reader(s)")
        time.sleep(0.2)


# --- report ----------------------------------------------------------------------------------------


def build_report(result: Any, reader_name: str, *, save_face: str | None = None) -> tuple[dict[str, Any], list[str]]:
    """The JSON object of `gateway chip read --json`, and the problems that make the read fail."""
    from gateway.nfc.lds import LDSError, decode_image, dg1_to_mrz_result, parse_dg2

    problems: list[str] = []
    warnings = list(result.warnings)
    mrz = None
    if "DG1" in result.files:
        try:
            mrz = dg1_to_mrz_result(result.files["DG1"]).to_dict()
        except LDSError as exc:
            problems.append(str(exc))
    face = None
    if "DG2" in result.files:
        try:
            image = parse_dg2(result.files["DG2"]).face
            width, height = image.width, image.height
            try:
                decoded = decode_image(image.image)
                width, height = decoded.width, decoded.height
            except LDSError as exc:
                warnings.append(str(exc))
            face = {"format": image.format, "width": width, "height": height, "bytes": len(image.image)}
            if save_face:
                try:
                    Path(save_face).write_bytes(image.image)
                    face["saved_to"] = save_face
                except OSError as exc:
                    problems.append(f"cannot write the face image to {save_face}: {exc.strerror}")
        except LDSError as exc:
            problems.append(str(exc))
    stats = result.stats
    report = {
        "reader": reader_name,
        "access": result.access.to_dict(),
        "files": {name: len(data) for name, data in result.files.items()},
        "absent": list(result.absent),
        "denied": list(result.denied),
        "mrz": mrz,
        "face_image": face,
        "apdus": stats.apdus,
        "bytes": {"sent": stats.bytes_sent, "received": stats.bytes_received},
        "timings": {**{k: round(v, 4) for k, v in stats.timings.items()}, "total": round(stats.total_s, 4)},
        "reading": {
            "block_size": stats.block_size,
            "extended_length": stats.extended_length,
            "sfi": stats.sfi,
            "refusals": stats.refusals,
            "recoveries": stats.recoveries,
        },
        "warnings": warnings,
    }
    if result.steps:
        report["steps"] = {
            name: {"passed": o.passed, "detail": o.detail, "reason": o.data.get("reason")}
            for name, o in result.steps.items()
        }
    return report, problems


def render(report: dict[str, Any]) -> str:
    from gateway.cli.mrz_command import render as render_mrz

    access = report["access"]
    how = access["protocol"] + (f" ({access['algorithm']}, {access['password']})" if access["algorithm"] else "")
    files = ", ".join(f"{name} {size} B" for name, size in report["files"].items())
    out = [f"  {'reader':<24}{report['reader']}", f"  {'access':<24}{how}", f"  {'files':<24}{files}"]
    if report["absent"]:
        out.append(f"  {'not on chip':<24}{', '.join(report['absent'])}")
    face = report["face_image"]
    if face:
        out.append(f"  {'face image':<24}{face['format']} {face['width']}x{face['height']}, {face['bytes']} bytes")
    timings = ", ".join(f"{k} {v:.3f} s" for k, v in report["timings"].items() if k != "total")
    out.append(f"  {'apdus':<24}{report['apdus']} ({report['bytes']['sent']} bytes sent, "
               f"{report['bytes']['received']} received)")
    out.append(f"  {'time':<24}{report['timings']['total']:.3f} s ({timings})")
    for name, step in report.get("steps", {}).items():
        out.append(f"  {name:<24}{step['reason'] or step['passed']}: {step['detail']}")
    for warning in report["warnings"]:
        out.append(f"  {'warning':<24}{warning}")
    text = "\n".join(out)
    if report["mrz"] is not None:
        from gateway.mrz import check

        text = render_mrz(check(report["mrz"]["lines"], autocorrect=False)) + "\n" + text
    return text


# --- readers ---------------------------------------------------------------------------------------


def run_readers(args: argparse.Namespace) -> int:
    from gateway.drivers import pcsc
    from gateway.transport import TransportError

    try:
        readers = [{"reader": r, "card": pcsc.card_present(r)} for r in pcsc.list_readers()]
    except TransportError as exc:
        return _fail(EXIT_NO_CARD, str(exc), "gateway chip readers")
    if args.json:
        print(json.dumps(readers, indent=2))
    else:
        for r in readers:
            print(f"{r['reader']}\t{'card' if r['card'] else 'empty'}")
    return EXIT_OK if readers else EXIT_NO_CARD
