"""The check report's options, shared by `gateway verify` and `gateway chip read`.

A report is written only when asked: `--report-json PATH` and/or `--report-pdf PATH` name the files,
nothing else does. Holder data (`--report-personal-data`) and images (`--report-images`: the chip's
face and the portrait cut off the page, when the result holds them) go into the report only with
their flag, and only together with a report to write.

    add_report_arguments(parser)                 # in the command's argparse set-up
    request.update(report_request(args))         # before the call: what the report needs fetched
    problem = write_reports(result, args)        # after the result: writes the files asked for
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("check report (Prüfprotokoll; written only when a path is given)")
    group.add_argument("--report-json", type=Path, metavar="PATH",
                       help="write the check report as JSON (docs/check-report.schema.json) to PATH")
    group.add_argument("--report-pdf", type=Path, metavar="PATH",
                       help="write the check report as a one-page PDF (German) to PATH")
    group.add_argument("--report-personal-data", action="store_true",
                       help="include the holder's data (name, document number, dates) in the report "
                       "(default: none)")
    group.add_argument("--report-images", action="store_true",
                       help="include the chip's face image and the page portrait in the report (default: none)")


def wants_report(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "report_json", None) or getattr(args, "report_pdf", None))


def report_request(args: argparse.Namespace) -> dict[str, Any]:
    """What the verification must fetch for the report (the face image bytes for `--report-images`,
    and the portrait with a page image). ValueError for a report flag without a report to write."""
    if not wants_report(args):
        for flag in ("report_personal_data", "report_images"):
            if getattr(args, flag, False):
                raise ValueError(f"--{flag.replace('_', '-')} needs --report-json or --report-pdf")
        return {}
    if not args.report_images:
        return {}
    return {"return_face_image": True, **({"return_portrait": True} if getattr(args, "page_image", None) else {})}


def write_reports(result: Any, args: argparse.Namespace, *, device: dict[str, str] | None = None) -> str | None:
    """Write the reports asked for; None when done (or none asked), else a one-line problem."""
    if not wants_report(args):
        return None
    from gateway.report import RESULT_IMAGES, build_record, render_pdf, to_json

    record = build_record(result, include_personal_data=args.report_personal_data,
                          images=RESULT_IMAGES if args.report_images else (), device=device)
    outputs: list[tuple[Path, bytes]] = []
    if args.report_json:
        outputs.append((args.report_json, to_json(record)))
    if args.report_pdf:
        outputs.append((args.report_pdf, render_pdf(record)))
    for path, data in outputs:
        problem = _write(path, data)
        if problem:
            return problem
    return None


def _write(path: Path, data: bytes) -> str | None:
    """Whole file or nothing: written beside the target, then renamed over it; owner-only (0600),
    since a report may hold personal data."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        return f"cannot write the report to {path}: {exc.strerror}"
    return None


__all__ = ["add_report_arguments", "report_request", "wants_report", "write_reports"]
