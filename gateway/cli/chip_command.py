"""`gateway chip read` (and `gateway chip readers`): read and verify an eMRTD chip on a PC/SC reader.

The read is `gateway.verify.read_and_verify`, the same recipe the daemon's Verify runs, so the
checks and the verdict are the daemon's. Exit status: 0 read complete (whatever the verdict);
2 bad arguments (also a malformed MRZ, CAN or date); 3 no reader or no card; 4 the chip refused
the access key; 5 the card was lost during the read; 6 secure messaging failed verification
(nothing read is kept); 7 any other chip or data error (a chip that misbehaves included);
8 the read did not finish within `--timeout`. Failures print one line on stderr that never
contains the document's data; the document's data goes only to stdout, the user's own output.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from gateway import limits

EXIT_OK, EXIT_USAGE, EXIT_NO_CARD, EXIT_ACCESS_DENIED, EXIT_CARD_LOST, EXIT_UNTRUSTED, EXIT_CHIP_ERROR = (
    0, 2, 3, 4, 5, 6, 7,
)
EXIT_DEADLINE = 8
PROG = "gateway chip read"


def register(sub: argparse._SubParsersAction) -> None:
    chip = sub.add_parser("chip", help="eMRTD chip tools (PC/SC readers)")
    chip_sub = chip.add_subparsers(dest="chip_command", required=True, metavar="COMMAND")
    read = chip_sub.add_parser(
        "read",
        help="read and verify an eMRTD chip (passport, ID card) over PACE or BAC",
        description="Read an eMRTD chip and verify it: EF.CardAccess, PACE (or BAC), EF.COM, DG1, DG14/DG15, "
        "chip and active authentication, DG2, EF.SOD, passive authentication against --trust. Exit status: "
        "0 ok, 2 bad arguments, 3 no reader/card, 4 access key refused, 5 card lost, 6 secure messaging not "
        "trusted, 7 other chip error, 8 timeout.",
    )
    read.add_argument("--reader", metavar="NAME", help="PC/SC reader (default: the first reader holding a card)")
    key = read.add_argument_group("access key: --mrz, --can, or --doc-number with --birth and --expiry")
    key.add_argument("--mrz", metavar="TEXT", help="the printed MRZ, lines joined by newlines or concatenated: "
                     "the access key (unless --can is given) and compared with the chip's DG1")
    key.add_argument("--page-image", metavar="FILE", help="a scan or photo of the data page: the printed MRZ is read "
                     "off it (gateway.mrz.image) and is the access key unless --can is given")
    key.add_argument("--ir-image", metavar="FILE", help="with --page-image: the same scan under infrared light "
                     "(optical check mrz_ir_visible)")
    key.add_argument("--uv-image", metavar="FILE", help="with --page-image: the same scan under ultraviolet light "
                     "(optical check uv_dull_paper)")
    key.add_argument("--can", metavar="DIGITS", help="the 6-digit card access number (PACE only); may go with --mrz "
                     "or --page-image")
    key.add_argument("--doc-number", metavar="NUMBER", help="document number as in the MRZ")
    key.add_argument("--birth", metavar="YYMMDD", help="date of birth")
    key.add_argument("--expiry", metavar="YYMMDD", help="date of expiry")
    read.add_argument(
        "--files", metavar="LIST",
        help="more files to read besides EF.COM, DG1, DG2, EF.SOD (and DG14/DG15 for authentication), "
        "comma-separated, e.g. dg11,dg12",
    )
    read.add_argument("--protocol", choices=("auto", "pace", "bac"), default="auto",
                      help="access protocol (default: PACE when offered, else BAC)")
    read.add_argument("--checks", metavar="LIST",
                      help="run only these checks (comma-separated names; default: all); others are reported "
                      "NOT_PERFORMED, so a required one makes the verdict INCONCLUSIVE")
    read.add_argument("--save-face", metavar="PATH", help="write the face image (JPEG or JPEG 2000) to PATH")
    read.add_argument("--wait", metavar="SECONDS", type=float, default=0.0,
                      help="wait up to SECONDS for a card, and for a pulled card to come back (default 0)")
    read.add_argument("--timeout", metavar="SECONDS", type=float, default=limits.DEFAULT_READ_DEADLINE_S,
                      help=f"give up a read that takes longer (default {limits.DEFAULT_READ_DEADLINE_S:g})")
    read.add_argument("--trust", metavar="PATH", action="append",
                      help="CSCA master list (.ml), certificate or CRL file, or a folder of them (repeatable); "
                      "without it the issuer cannot be checked and the verdict is at best INCONCLUSIVE")
    read.add_argument("--json", action="store_true", help="machine-readable output")
    from gateway.cli.report_options import add_report_arguments  # the check report (Prüfprotokoll)

    add_report_arguments(read)
    read.set_defaults(handler=run_read)

    readers = chip_sub.add_parser("readers", help="list PC/SC readers and whether they hold a card")
    readers.add_argument("--json", action="store_true", help="machine-readable output")
    readers.set_defaults(handler=run_readers)


def _fail(code: int, reason: str, prog: str = PROG) -> int:
    print(f"{prog}: {reason}", file=sys.stderr)
    return code


# --- access key and options ------------------------------------------------------------------------


def _page_capture(args: argparse.Namespace) -> Any:
    """--page-image with --ir-image / --uv-image: one scan under three lights (None: no page)."""
    from gateway.verify import PageCapture

    ir, uv = getattr(args, "ir_image", None), getattr(args, "uv_image", None)
    if (ir or uv) and not args.page_image:
        raise ValueError("--ir-image and --uv-image need --page-image (the white-light scan of the same page)")
    if not args.page_image:
        return None
    return PageCapture(Path(args.page_image).read_bytes(), Path(ir).read_bytes() if ir else None,
                       Path(uv).read_bytes() if uv else None)


def _access_key(args: argparse.Namespace) -> Any:
    from gateway.nfc.access_key import CANKey, MRZKey

    triple = (args.doc_number, args.birth, args.expiry)
    if args.mrz and args.page_image:
        raise ValueError("give the printed MRZ as --mrz or as --page-image, not both")
    printed = bool(args.mrz or args.page_image)
    given = [name for name, on in (("--mrz/--page-image", printed and not args.can), ("--can", args.can),
                                   ("--doc-number", any(triple))) if on]
    if len(given) != 1:
        raise ValueError("give exactly one access key: --mrz, --page-image, --can, or --doc-number with "
                         "--birth and --expiry")
    if args.mrz:
        from gateway.mrz import MRZError, check

        try:
            check(_mrz_text(args))
        except MRZError as exc:
            raise ValueError(f"--mrz: {exc}") from None
    if args.can:
        return CANKey(args.can)
    if args.page_image:
        return None  # the key is the MRZ read off the page
    if args.mrz:
        return MRZKey.from_mrz(_mrz_text(args))
    if not all(triple):
        raise ValueError("--doc-number needs --birth and --expiry (YYMMDD)")
    return MRZKey(args.doc_number, args.birth, args.expiry)


def _mrz_text(args: argparse.Namespace) -> str | None:
    return args.mrz.replace("\\n", "\n") if args.mrz else None


def _options(args: argparse.Namespace) -> Any:
    from gateway.cli.report_options import report_request
    from gateway.nfc.reading import files_from_names
    from gateway.verdict import CHECK_NAMES
    from gateway.verify import VerifyOptions

    files = files_from_names(args.files) if args.files else ()
    if any(name in ("EF.CardAccess", "EF.CardSecurity") for name in files or ()):
        raise ValueError("EF.CardAccess is always read; --files takes EF.COM, EF.SOD and DG1-DG16")
    checks = None
    if args.checks:
        checks = frozenset(c.strip() for c in args.checks.split(",") if c.strip())
        unknown = sorted(checks - set(CHECK_NAMES))
        if unknown:
            raise ValueError(f"unknown check {unknown[0]!r}; known: {', '.join(CHECK_NAMES)}")
    if args.wait < 0:
        raise ValueError("--wait must not be negative")
    if args.timeout <= 0:
        raise ValueError("--timeout must be positive")
    face = bool(args.save_face or report_request(args))  # the check report's --report-images needs it too
    return VerifyOptions(checks=checks, files=tuple(files or ()), protocol=args.protocol,
                         want_face_image=face, wait_for_card_s=args.wait, deadline_s=args.timeout)


# --- the read --------------------------------------------------------------------------------------


def run_read(args: argparse.Namespace) -> int:
    from gateway.mrz import MRZError
    from gateway.nfc.access_key import AccessKeyError

    try:
        key = _access_key(args)
        options = _options(args)
        page = _page_capture(args)
    except OSError as exc:
        return _fail(EXIT_USAGE, f"cannot read {exc.filename} ({exc.strerror})")
    except (AccessKeyError, ValueError) as exc:
        return _fail(EXIT_USAGE, str(exc))
    from gateway.cli.verdict_render import load_trust, render_verdict, trust_summary
    from gateway.drivers import pcsc
    from gateway.mrz.image import ImageError
    from gateway.nfc.reading import (
        AccessDeniedError,
        AccessNotPossibleError,
        CardLostError,
        ChipReadError,
        ReadDeadlineError,
    )
    from gateway.transport import NoCardError, ReaderUnavailableError, TransportError
    from gateway.verify import read_and_verify
    from gateway.verify.pipeline import PageUnreadableError

    store = load_trust(args.trust) if args.trust else None
    try:
        reader_name = _choose_reader(args.reader, args.wait)
        connection = pcsc.PcscConnection(reader_name).connect()
    except TransportError as exc:
        return _fail(EXIT_NO_CARD, str(exc))

    def on_event(event: Any) -> None:
        if type(event).__name__ == "DocumentLost" and args.wait > 0:
            print(f"{PROG}: {event.reason}; put it back on the reader (waiting up to {args.wait:g} s)",
                  file=sys.stderr)

    try:
        result = read_and_verify(connection, key, store, options, printed_mrz=_mrz_text(args), page=page,
                                 on_event=on_event)
    except AccessDeniedError as exc:
        return _fail(EXIT_ACCESS_DENIED, str(exc))
    except CardLostError as exc:
        return _fail(EXIT_CARD_LOST, str(exc))
    except ReadDeadlineError as exc:
        return _fail(EXIT_DEADLINE, f"{exc} ({args.timeout:g} s)")
    except (AccessNotPossibleError, ChipReadError) as exc:
        return _fail(EXIT_CHIP_ERROR, str(exc))
    except (ReaderUnavailableError, NoCardError) as exc:
        return _fail(EXIT_NO_CARD, str(exc))
    except TransportError as exc:
        return _fail(EXIT_CARD_LOST, str(exc))
    except MRZError as exc:
        return _fail(EXIT_USAGE, f"--mrz: {exc}")
    except (ImageError, PageUnreadableError) as exc:
        return _fail(EXIT_USAGE, f"--page-image: {exc}")
    except ValueError as exc:  # a page image with printed MRZ text, or IR/UV without white
        return _fail(EXIT_USAGE, str(exc))
    finally:
        connection.disconnect()

    result.reader_id = reader_name
    report = result.to_dict()
    report["verification"] = result.details
    if store is not None:
        report["trust"] = trust_summary(store)
    problems = []
    if args.save_face:
        problem = _save_face(result, args.save_face, report)
        if problem:
            problems.append(problem)
    from gateway.cli.report_options import write_reports

    problems += filter(None, [write_reports(result, args)])  # the check report, written only when asked
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(render(report) + "\n" + render_verdict(report))
    access = result.verdict.get("chip_access")
    if access is not None and access.reason == "SM_FAILURE":
        return _fail(EXIT_UNTRUSTED, "secure messaging check failed; the chip's answers cannot be trusted and "
                     "nothing read was kept")
    if access is not None and access.reason == "CHIP_MISBEHAVES":
        return _fail(EXIT_CHIP_ERROR, "the chip behaves as no genuine chip does; the read was stopped")
    if problems:
        return _fail(EXIT_CHIP_ERROR, problems[0])
    return EXIT_OK


def _save_face(result: Any, path: str, report: dict[str, Any]) -> str | None:
    face = result.face_image
    if face is None or not face.data:
        return "the chip holds no face image to save"
    try:
        Path(path).write_bytes(face.data)
    except OSError as exc:
        return f"cannot write the face image to {path}: {exc.strerror}"
    report["face_image"]["saved_to"] = path
    return None


def _choose_reader(name: str | None, wait_s: float) -> str:
    """The named reader (exact name, or a unique part of one), else the first reader with a card."""
    import time

    from gateway.drivers import pcsc
    from gateway.transport import NoCardError, ReaderUnavailableError

    deadline = time.monotonic() + wait_s
    while True:
        readers = pcsc.list_readers()
        if name is not None:
            matches = [r for r in readers if r == name] or [r for r in readers if name.lower() in r.lower()]
            if len(matches) > 1:
                raise ReaderUnavailableError(f"--reader {name!r} matches {len(matches)} readers; be more exact")
            if matches and (pcsc.card_present(matches[0]) or time.monotonic() >= deadline):
                if not pcsc.card_present(matches[0]):
                    raise NoCardError(f"no card in reader {matches[0]!r}")
                return matches[0]
            if not matches and time.monotonic() >= deadline:
                raise ReaderUnavailableError(f"no reader named {name!r} (readers: {len(readers)})")
        else:
            found = pcsc.first_reader_with_card()
            if found is not None:
                return found
            if time.monotonic() >= deadline:
                if not readers:
                    raise ReaderUnavailableError("no PC/SC reader found")
                raise NoCardError(f"no card in any of the {len(readers)} reader(s)")
        time.sleep(0.2)


# --- text ------------------------------------------------------------------------------------------


def render(report: dict[str, Any]) -> str:
    from gateway.cli.mrz_command import render as render_mrz
    from gateway.mrz import check

    out = []
    if report["reader"]:
        out.append(f"  {'reader':<24}{report['reader']}")
    access = report["access"]
    if access is not None:
        how = access["protocol"] + (f" ({access['algorithm']}, {access['password']})" if access["algorithm"] else "")
        out.append(f"  {'access':<24}{how}")
    if report["files"]:
        out.append(f"  {'files':<24}{', '.join(f'{n} {s} B' for n, s in report['files'].items())}")
    if report["absent"]:
        out.append(f"  {'not on chip':<24}{', '.join(report['absent'])}")
    face = report["face_image"]
    if face:
        out.append(f"  {'face image':<24}{face['format']} {face['width']}x{face['height']}, {face['bytes']} bytes")
    timings = ", ".join(f"{k} {v:.3f} s" for k, v in report["timings"].items() if k != "total")
    out.append(f"  {'apdus':<24}{report['apdus']} ({report['bytes']['sent']} bytes sent, "
               f"{report['bytes']['received']} received)")
    out.append(f"  {'time':<24}{report['timings']['total']:.3f} s ({timings})")
    for quirk in report["quirks"]:
        out.append(f"  {'chip quirk':<24}{quirk['code']}: {quirk['message']['en']}")
    for warning in report["warnings"]:
        out.append(f"  {'warning':<24}{warning}")
    text = "\n".join(out)
    if report["mrz"] is not None:
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
