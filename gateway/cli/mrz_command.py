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

    rd = mrz_sub.add_parser(
        "read",
        help="read the MRZ from scanned or photographed document images",
        description="Locate, read and check the MRZ in images (PNG, JPEG, JPEG 2000, TIFF; any rotation). "
        "Exit status: 0 valid, 1 read but invalid (or image quality too poor to trust it), 2 no single MRZ "
        "found or the file is not a readable image (one-line reason on stderr).",
    )
    rd.add_argument("images", nargs="+", metavar="IMAGE", help="image files")
    rd.add_argument("--json", action="store_true", help="machine-readable output (an array for several images)")
    rd.add_argument("--today", metavar="YYYY-MM-DD", help="reference date for century and expiry (default: today)")
    rd.add_argument("--portrait", metavar="OUT", help="write the portrait crop to OUT (JPEG or PNG by extension; "
                    "with several images, OUT gets the image number before the extension)")
    rd.set_defaults(handler=run_read)


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


def _read_one(path: str, today: dt.date | None, portrait_out: str | None) -> tuple[int, dict | None, str | None]:
    """(exit status, JSON object or None, one-line reason or None) for one image file."""
    from gateway.mrz.image import ImageError, read_mrz_image

    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        return EXIT_NOT_MRZ, None, f"{path}: cannot read the file ({exc.strerror or type(exc).__name__})"
    try:
        r = read_mrz_image(data, today=today, portrait=portrait_out is not None)
    except ImageError as exc:
        return EXIT_NOT_MRZ, None, f"{path}: {exc}"
    image = {"file": path, **r.to_dict()}
    if r.mrz is None:
        obj = {"format": None, "valid": False, "fields": {}, "checks": {}, "corrections": [], "ambiguous": False,
               "warnings": [], "errors": [{"code": w.code.lower(), "message": w.message} for w in r.warnings
                                          if w.severity == "reject"], "lines": [], "image": image}
        reason = next((w.message for w in r.warnings if w.severity == "reject"), "no MRZ found")
        return EXIT_NOT_MRZ, obj, f"{path}: {reason}"
    if portrait_out is not None and r.portrait is not None and r.portrait.image is not None:
        ext = ".png" if portrait_out.lower().endswith(".png") else ".jpg"
        try:
            with open(portrait_out, "wb") as fh:
                fh.write(r.portrait.encode(ext))
            image["portrait_file"] = portrait_out
        except OSError as exc:
            return EXIT_NOT_MRZ, None, f"{portrait_out}: cannot write the portrait ({exc.strerror})"
    obj = {**r.mrz.to_dict(), "image": image}
    return (EXIT_VALID if r.valid else EXIT_INVALID), obj, None


def _numbered(out: str | None, k: int, n: int) -> str | None:
    if out is None or n == 1:
        return out
    stem, dot, ext = out.rpartition(".")
    return f"{stem}-{k}.{ext}" if dot else f"{out}-{k}"


def run_read(args: argparse.Namespace) -> int:
    today = None
    if args.today:
        try:
            today = dt.date.fromisoformat(args.today)
        except ValueError:
            print("gateway mrz read: --today must be a date YYYY-MM-DD", file=sys.stderr)
            return EXIT_NOT_MRZ
    from gateway.mrz.ocr import RecogniserUnavailable

    status, objects = 0, []
    for k, path in enumerate(args.images, 1):
        try:
            code, obj, reason = _read_one(path, today, _numbered(args.portrait, k, len(args.images)))
        except RecogniserUnavailable as exc:
            print(f"gateway mrz read: no OCR engine: {exc}", file=sys.stderr)
            return 3
        status = max(status, code)
        if reason:
            print(f"gateway mrz read: {reason}", file=sys.stderr)
        if obj is not None:
            objects.append(obj)
            if not args.json:
                print(render_read(obj))
    if args.json:
        out = objects[0] if len(args.images) == 1 and objects else objects
        if objects or len(args.images) > 1:
            print(json.dumps(out, ensure_ascii=False, indent=2))
    return status


def render_read(obj: dict) -> str:
    """The image facts, then the MRZ summary as `mrz check` prints it."""
    img = obj["image"]
    head = f"{img['file']}: {img['status']}"
    if img.get("rotation") is not None:
        head += f", rotation {img['rotation']}, skew {img['skew']:+.1f}, {img['effective_dpi']:.0f} dpi"
    head += f", {img['timings_ms'].get('total', 0):.0f} ms, engine {img['engine']}"
    out = [head]
    for w in img["warnings"]:
        out.append(f"  {'image':<24}{w['message']} / {w['message_de']}")
    if obj.get("format"):
        result = MRZResult(obj["format"], tuple(obj["lines"]), obj["fields"], obj["checks"])
        from gateway.mrz.result import Correction, Issue

        result.corrections = [Correction(c["line"], c["position"], c["from"], c["to"], c["checked"])
                              for c in obj["corrections"]]
        result.warnings = [Issue(w["code"], w["message"], w.get("field")) for w in obj["warnings"]]
        result.errors = [Issue(e["code"], e["message"], e.get("field")) for e in obj["errors"]]
        out.append(render(result))
    return "\n".join(out)
