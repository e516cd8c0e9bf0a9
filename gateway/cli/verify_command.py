"""`gateway verify`: ask the daemon to verify a document and print the verdict.

Exit status: 0 GENUINE, 1 NOT_GENUINE, 3 INCONCLUSIVE, 2 the call failed (one-line reason on stderr).
`--json` prints the shape of `gateway chip read --json` (access, files, mrz, face_image, apdus,
timings) plus `printed_mrz`, `verdict` and `checks`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

EXIT = {"GENUINE": 0, "NOT_GENUINE": 1, "INCONCLUSIVE": 3}
EXIT_ERROR = 2


def register(sub: argparse._SubParsersAction) -> None:
    from gateway.service.config import DEFAULT_LISTEN

    p = sub.add_parser(
        "verify",
        help="verify a document through the running daemon",
        description="Verify a document through the gateway daemon: the printed MRZ and, when access is given, "
        "the chip. Exit status 0 GENUINE, 1 NOT_GENUINE, 3 INCONCLUSIVE, 2 error.",
    )
    p.add_argument("--server", default=DEFAULT_LISTEN, metavar="ADDR",
                   help=f"daemon address: host:port or unix:/path (default {DEFAULT_LISTEN})")
    p.add_argument("--mrz", metavar="TEXT",
                   help="the printed MRZ (lines joined by newlines, or concatenated); '-' reads it from stdin. "
                   "Also the chip's access key unless --can or --doc-number is given")
    p.add_argument("--device-mrz", action="store_true",
                   help="take the printed MRZ from the device: the reader's own scanner (a simulated reader) "
                   "or the MRZ line reader of its desk (a recent swipe, else waits for the next one); with "
                   "--mrz-only, --reader may name the line reader or a desk")
    p.add_argument("--page-image", type=Path, metavar="FILE",
                   help="a scan or photo of the data page: the printed MRZ is read off it (instead of --mrz)")
    p.add_argument("--ir-image", type=Path, metavar="FILE",
                   help="with --page-image: the same scan under infrared light (check mrz_ir_visible)")
    p.add_argument("--uv-image", type=Path, metavar="FILE",
                   help="with --page-image: the same scan under ultraviolet light (check uv_dull_paper)")
    p.add_argument("--save-portrait", type=Path, metavar="PATH",
                   help="with --page-image: save the portrait cropped from the page (JPEG) here")
    p.add_argument("--can", metavar="CAN", help="card access number for PACE")
    p.add_argument("--doc-number", metavar="NUMBER", help="chip access by document number (with --birth, --expiry)")
    p.add_argument("--birth", metavar="YYMMDD")
    p.add_argument("--expiry", metavar="YYMMDD")
    p.add_argument("--mrz-only", action="store_true", help="check the printed MRZ only, do not read the chip")
    p.add_argument("--reader", default="", metavar="ID", help="device id (default: the first reader with a document)")
    p.add_argument("--checks", metavar="LIST", help="comma-separated check names to run (default: all)")
    p.add_argument("--save-face", type=Path, metavar="PATH", help="save the face image from the chip here")
    p.add_argument("--today", metavar="YYYY-MM-DD", help="reference date for expiry (default: the daemon's today)")
    p.add_argument("--progress", action="store_true", help="show progress (streaming call) on stderr")
    p.add_argument("--timeout", type=float, default=120.0, metavar="S", help="deadline for the call (default 120)")
    p.add_argument("--wait", type=float, default=0.0, metavar="S",
                   help="wait up to S seconds for the daemon to be up and SERVING (for scripts; default 0)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--token-file", type=Path, metavar="PATH", help="bearer token file (or env GATEWAY_TOKEN)")
    p.add_argument("--tls-ca", type=Path, metavar="PEM", help="use TLS; verify the server with this CA")
    p.add_argument("--tls-cert", type=Path, metavar="PEM", help="client certificate for mutual TLS")
    p.add_argument("--tls-key", type=Path, metavar="PEM", help="client key for mutual TLS")
    p.add_argument("--wait-document", action="store_true",
                   help="one touch: wait for a document on the desk's document reader (--reader DESK), capture "
                   "the page under white/IR/UV, read its MRZ and the chip with it, run every check")
    from gateway.cli.report_options import add_report_arguments  # the check report (Prüfprotokoll)

    add_report_arguments(p)
    p.set_defaults(handler=run_verify)


def _fail(reason: str) -> int:
    print(f"gateway verify: {reason}", file=sys.stderr)
    return EXIT_ERROR


def _request_args(args: argparse.Namespace) -> dict[str, object]:
    mrz = sys.stdin.read() if args.mrz == "-" else args.mrz
    key_parts = (args.doc_number, args.birth, args.expiry)
    if any(key_parts) and not all(key_parts):
        raise ValueError("--doc-number, --birth and --expiry go together")
    if args.can and all(key_parts):
        raise ValueError("give --can or --doc-number/--birth/--expiry, not both")
    if sum(map(bool, (mrz, args.device_mrz, args.page_image, args.wait_document))) > 1:
        raise ValueError("give one of --mrz, --device-mrz, --page-image and --wait-document")
    if args.save_portrait and not args.page_image:
        raise ValueError("--save-portrait needs --page-image")
    request: dict[str, object] = {"mrz": mrz, "reader_id": args.reader, "return_face_image": bool(args.save_face),
                                  "use_device_mrz": args.device_mrz, "return_portrait": bool(args.save_portrait)}
    for flag, path, field in (("--page-image", args.page_image, "page_image"),
                              ("--ir-image", args.ir_image, "page_image_ir"),
                              ("--uv-image", args.uv_image, "page_image_uv")):
        if path is None:
            continue
        if not args.page_image:
            raise ValueError(f"{flag} needs --page-image (the white-light scan of the same page)")
        try:
            request[field] = path.read_bytes()
        except OSError as exc:
            raise ValueError(f"cannot read {path}: {exc.strerror}") from None
    printed = bool(mrz or args.device_mrz or args.page_image or args.wait_document)
    if args.wait_document:
        request["wait_document"] = True
        if not (args.can or all(key_parts)):
            return request  # the chip key is the MRZ read off the page, when the desk has a chip reader
    if args.checks:
        request["checks"] = [c.strip() for c in args.checks.split(",") if c.strip()]
    if args.today:
        request["reference_date"] = dt.date.fromisoformat(args.today)
    if args.mrz_only:
        if not printed:
            raise ValueError("--mrz-only needs --mrz, --device-mrz or --page-image")
        return request
    if args.can:
        request["can"] = args.can
    elif all(key_parts):
        request["document_key"] = key_parts
    elif printed:
        request["use_printed_mrz"] = True
    else:
        raise ValueError("give --mrz, --device-mrz, --page-image, --can or --doc-number/--birth/--expiry")
    return request


def run_verify(args: argparse.Namespace) -> int:
    from gateway.cli.report_options import report_request, write_reports
    from gateway.client import GatewayClient, GatewayError, TlsOptions
    from gateway.service import model
    from gateway.service.model import VerifyResult

    try:
        request = _request_args(args)
        request.update(report_request(args))  # what the check report needs fetched (face image)
    except ValueError as exc:
        return _fail(str(exc))
    token = None
    if args.token_file:
        try:
            token = args.token_file.read_text().split()[0]
        except (OSError, IndexError):
            return _fail(f"cannot read a token from {args.token_file}")
    tls = TlsOptions(args.tls_ca, args.tls_cert, args.tls_key) if args.tls_ca or args.tls_cert else None
    try:
        with GatewayClient(args.server, token=token, tls=tls, timeout=args.timeout) as client:
            if args.wait > 0 and not client.wait_ready(args.wait):
                return _fail(f"the daemon at {args.server} did not become ready within {args.wait:g} s")
            if args.progress or args.wait_document:
                result = None
                for item in client.verify_stream(**request):
                    if isinstance(item, VerifyResult):
                        result = item
                    elif args.progress or isinstance(item, model.AwaitingDocument):
                        print(f"  … {_describe(item)}", file=sys.stderr)
                if result is None:
                    return _fail("the daemon ended the stream without a result")
            else:
                result = client.verify(**request)
    except GatewayError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot read TLS material: {exc.strerror}")
    report_problem = write_reports(result, args)  # the check report, written only when asked
    if report_problem:
        return _fail(report_problem)
    if args.save_face and result.face_image is not None and result.face_image.data:
        args.save_face.write_bytes(result.face_image.data)
    if args.save_portrait and result.portrait:
        args.save_portrait.write_bytes(result.portrait)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(render(result))
    return EXIT.get(result.verdict.status.value, EXIT_ERROR)


def _describe(event: object) -> str:
    from gateway.service import model

    if isinstance(event, model.Queued):
        return f"waiting for reader {event.reader_id} (position {event.position})"
    if isinstance(event, model.AwaitingMRZ):
        return f"swipe the document on {event.device_id} (waiting up to {event.timeout_s:.0f} s)"
    if isinstance(event, model.MRZReceived):
        fixed = f", {len(event.result.corrections)} character(s) corrected" if event.result.corrections else ""
        return f"MRZ read by {event.device_id}{fixed}"
    if isinstance(event, model.AwaitingDocument):
        return f"place the document on {event.device_id} (waiting up to {event.timeout_s:.0f} s)"
    if isinstance(event, model.DocumentPlaced):
        return f"document placed on {event.device_id}"
    if isinstance(event, model.PagesCaptured):
        return f"page captured ({', '.join(event.lights)}) in {event.seconds:.2f} s"
    if isinstance(event, model.Started):
        return f"started on {event.reader_id or '(no reader: MRZ only)'}"
    if isinstance(event, model.DocumentDetected):
        return "document detected"
    if isinstance(event, model.AccessEstablished):
        return f"chip opened with {event.access.protocol}"
    if isinstance(event, model.FileProgress):
        return f"{event.name} {event.percent}%"
    if isinstance(event, model.CheckCompleted):
        return f"{event.check.name}: {event.check.status.value}"
    return type(event).__name__


def render(result: object) -> str:
    from gateway.service.model import VerifyResult

    assert isinstance(result, VerifyResult)
    lines = [f"{result.verdict.status.value}"]
    if result.access:
        lines.append(f"  {'access':<24}{result.access.protocol} {result.access.algorithm}".rstrip())
    if result.files:
        lines.append(f"  {'files':<24}" + ", ".join(f"{f.name} ({f.size} B)" for f in result.files))
    if result.page is not None:
        page = result.page
        lines.append(f"  {'page image':<24}MRZ read by {page.engine}, turned {page.rotation}°, "
                     f"{page.effective_dpi:.0f} dpi")
        for w in page.warnings:
            lines.append(f"  {'image ' + w.severity:<24}{w.message_en}")
    # OCR corrections of the printed MRZ must be visible to the person at the desk.
    for c in result.printed_mrz.corrections if result.printed_mrz else ():
        how = "confirmed by check digits" if c.checked else "no check digit here: please confirm"
        where = f"line {c.line} position {c.position}"
        lines.append(f"  {'MRZ corrected':<24}{where}: {c.from_char} -> {c.to_char} ({how})")
    for c in result.verdict.checks:
        note = f"  {c.reason}" if c.reason else ""
        lines.append(f"  {c.name:<24}{c.status.value}{note}")
        if c.status.value != "PASSED" and c.message_en:
            lines.append(f"  {'':<24}{c.message_en}")
    return "\n".join(lines)
