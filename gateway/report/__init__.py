"""The check report (Prüfprotokoll): a verification's result as a TR-03135-shaped record, as JSON
and as a one-page PDF. Sans-IO: a `VerifyResult` in, a dict or bytes out; writing a file is the
caller's business (`gateway.cli.report_options`, only when asked), the daemon never writes one.

    record = build_record(result)                 # no personal data, no images
    to_json(record), render_pdf(record)           # bytes
"""

from gateway.report.json_export import to_json
from gateway.report.record import CHECK_GROUPS, GROUPS, RECORD_FORMAT, RESULT_IMAGES, build_record, check_info

__all__ = ["CHECK_GROUPS", "GROUPS", "RECORD_FORMAT", "RESULT_IMAGES", "build_record", "check_info", "render_pdf",
           "to_json"]


def render_pdf(record: dict) -> bytes:
    """The one-page PDF of a record (`gateway.report.pdf`; imported on first use, fpdf2 is heavy)."""
    from gateway.report.pdf import render_pdf as _render

    return _render(record)
