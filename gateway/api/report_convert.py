"""The check report over the API: `VerifyRequest.report` (fields 20-29) in, `VerifyResponse.report_json`
/ `report_pdf` (fields 25-29) out, and the verification details as JSON (`details_json`).

The report is made from the same `VerifyResult` the response carries, by the same sans-IO builder the
CLI uses (`gateway.report`); it is returned and nowhere else: the daemon writes no report to disk.
"""

from __future__ import annotations

import json
from typing import Any

from gateway.report import RESULT_IMAGES, build_record, render_pdf, to_json
from gateway.service import model
from gateway.service.validation import RawVerifyRequest

from .protos import verification_pb2 as pb


def request_images(raw: RawVerifyRequest, m: pb.VerifyRequest) -> None:
    """`report.include_images` needs the face image bytes (and the page portrait, with a page image)."""
    if m.HasField("report") and m.report.include_images:
        raw.return_face_image = True
        raw.return_portrait = raw.return_portrait or bool(m.page_image)


def details_to_pb(details: dict[str, Any]) -> str:
    return json.dumps(details, sort_keys=True, default=str) if details else ""


def details_from_pb(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def attach_report(response: pb.VerifyResponse, result: model.VerifyResult, report: pb.ReportRequest) -> None:
    """Fill `report_json` / `report_pdf` as `report` asks (CPU work: call it off the event loop)."""
    if not (report.json or report.pdf):
        return
    record = build_record(result, include_personal_data=report.include_personal_data,
                          images=RESULT_IMAGES if report.include_images else ())
    if report.json:
        response.report_json = to_json(record)
    if report.pdf:
        response.report_pdf = render_pdf(record)


__all__ = ["attach_report", "details_from_pb", "details_to_pb", "request_images"]
