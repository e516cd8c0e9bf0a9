"""Request validation: every problem is reported with the request field it concerns.

A bad request is the caller's bug, so it is rejected up front (INVALID_ARGUMENT naming the fields)
before any device is touched. An MRZ that parses but fails its check digits is NOT a bad request: it
is a document fact and becomes a FAILED check in the verdict.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from gateway.limits import MAX_FIELD_VIOLATIONS
from gateway.mrz import MRZError
from gateway.mrz.parser import detect_layout, split_lines
from gateway.verdict import CHECK_NAMES

from .errors import FieldViolation, invalid
from .model import ChipAccessSpec, VerifyInput

MAX_MRZ_CHARS = 300  # 3 x 30 or 2 x 44 plus separators; anything longer is not an MRZ
MAX_READER_ID_CHARS = 200
_CAN = re.compile(r"[0-9]{6}")
_DOC_NUMBER = re.compile(r"[A-Z0-9<]{1,22}")
_YYMMDD = re.compile(r"[0-9]{6}")


@dataclass
class RawVerifyRequest:
    """The request as received (wire-neutral): `access_kind` is the chosen oneof member or ''."""

    reader_id: str = ""
    mrz: str = ""
    access_kind: str = ""  # "" | "use_printed_mrz" | "mrz" | "document_key" | "can"
    access_mrz: str = ""
    access_can: str = ""
    document_key: tuple[str, str, str] = ("", "", "")
    use_printed_mrz: bool = False
    checks: list[str] = field(default_factory=list)
    return_face_image: bool = False
    reference_date: str = ""
    use_device_mrz: bool = False
    page_image: bytes = b""
    return_portrait: bool = False
    page_image_ir: bytes = b""
    page_image_uv: bytes = b""
    wait_document: bool = False


def _mrz_violation(text: str, name: str) -> FieldViolation | None:
    if len(text) > MAX_MRZ_CHARS:
        return FieldViolation(name, f"longer than {MAX_MRZ_CHARS} characters: not an MRZ")
    try:
        detect_layout(split_lines(text))  # the shape only: the verifier parses it once, fully
    except MRZError as exc:
        return FieldViolation(name, f"not an MRZ: {exc}")
    return None


def _yymmdd(value: str) -> bool:
    if not _YYMMDD.fullmatch(value):
        return False
    try:
        dt.date(2000 + int(value[:2]), int(value[2:4]), int(value[4:]))
    except ValueError:
        return False
    return True


def validate_request(raw: RawVerifyRequest) -> VerifyInput:
    """Turn a raw request into a VerifyInput or raise ServiceError(INVALID_ARGUMENT) naming the fields."""
    violations: list[FieldViolation] = []
    mrz = raw.mrz.strip() or None
    if mrz is not None and (v := _mrz_violation(mrz, "mrz")):
        violations.append(v)
    if len(raw.reader_id) > MAX_READER_ID_CHARS:
        violations.append(FieldViolation("reader_id", "too long"))

    access: ChipAccessSpec | None = None
    kind = raw.access_kind
    if kind == "use_printed_mrz":
        if not raw.use_printed_mrz:
            violations.append(FieldViolation("chip_access.use_printed_mrz", "must be true when chosen"))
        elif mrz is None and not raw.page_image and not raw.use_device_mrz and not raw.wait_document:
            violations.append(FieldViolation("chip_access.use_printed_mrz",
                                             "needs the printed MRZ in field mrz, page_image or use_device_mrz"))
        else:
            access = ChipAccessSpec(mrz_text=mrz, from_printed=True)
    elif kind == "mrz":
        text = raw.access_mrz.strip()
        if not text:
            violations.append(FieldViolation("chip_access.mrz", "empty"))
        elif v := _mrz_violation(text, "chip_access.mrz"):
            violations.append(v)
        else:
            access = ChipAccessSpec(mrz_text=text)
    elif kind == "document_key":
        number, birth, expiry = (part.strip().upper() for part in raw.document_key)
        before = len(violations)
        if not _DOC_NUMBER.fullmatch(number):
            violations.append(FieldViolation("chip_access.document_key.document_number",
                                             "1-22 characters A-Z, 0-9 or <"))
        if not _yymmdd(birth):
            violations.append(FieldViolation("chip_access.document_key.birth_date", "must be a date YYMMDD"))
        if not _yymmdd(expiry):
            violations.append(FieldViolation("chip_access.document_key.expiry_date", "must be a date YYMMDD"))
        if len(violations) == before:
            access = ChipAccessSpec(document_key=(number, birth, expiry))
    elif kind == "can":
        if not _CAN.fullmatch(raw.access_can):
            violations.append(FieldViolation("chip_access.can", "the card access number is 6 digits"))
        else:
            access = ChipAccessSpec(can=raw.access_can)
    elif kind:
        violations.append(FieldViolation("chip_access", f"unknown password source {kind!r}"))

    checks: frozenset[str] | None = None
    if raw.checks:
        unknown = [i for i, name in enumerate(raw.checks) if name not in CHECK_NAMES]
        if unknown:  # the known names once, not once per unknown entry: details must not grow with the request
            violations.append(FieldViolation("checks", f"unknown check name(s); known: {', '.join(CHECK_NAMES)}"))
            violations.extend(FieldViolation(f"checks[{i}]", "unknown check") for i in unknown)
        checks = frozenset(raw.checks)

    reference_date: dt.date | None = None
    if raw.reference_date:
        try:
            reference_date = dt.date.fromisoformat(raw.reference_date)
        except ValueError:
            violations.append(FieldViolation("reference_date", "must be a date YYYY-MM-DD"))

    if raw.use_device_mrz and raw.mrz.strip():
        violations.append(FieldViolation("use_device_mrz", "give the MRZ in field mrz or use_device_mrz, not both"))
    if raw.page_image and (mrz is not None or raw.use_device_mrz):
        violations.append(FieldViolation("page_image", "give the printed MRZ as text, a page image or from the "
                                                       "device, one of them"))
    if raw.wait_document and (mrz is not None or raw.page_image or raw.use_device_mrz):
        violations.append(FieldViolation("wait_document", "the printed MRZ comes from the desk's page scan: "
                                                          "not with mrz, page_image or use_device_mrz"))
    if raw.return_portrait and not (raw.page_image or raw.wait_document):
        violations.append(FieldViolation("return_portrait", "needs a page image"))
    for name in ("page_image_ir", "page_image_uv"):
        if getattr(raw, name) and not raw.page_image:
            violations.append(FieldViolation(name, "needs the white-light page image of the same scan in page_image"))
    if mrz is None and not raw.page_image and not raw.use_device_mrz and not raw.wait_document and not kind \
            and not violations:
        violations.append(FieldViolation("mrz", "give the printed MRZ (text, page_image or use_device_mrz), "
                                                "chip access, or both"))
    if violations:
        return _raise(violations)
    return VerifyInput(
        reader_id=raw.reader_id,
        mrz=mrz,
        chip_access=access,
        checks=checks,
        return_face_image=raw.return_face_image,
        reference_date=reference_date,
        page_image=bytes(raw.page_image) or None,
        return_portrait=raw.return_portrait,
        page_image_ir=bytes(raw.page_image_ir) or None,
        page_image_uv=bytes(raw.page_image_uv) or None,
        use_device_mrz=raw.use_device_mrz,
        wait_document=raw.wait_document,
    )


def _raise(violations: list[FieldViolation]) -> VerifyInput:
    raise invalid(capped(violations))


def capped(violations: list[FieldViolation], limit: int = MAX_FIELD_VIOLATIONS) -> list[FieldViolation]:
    """The first `limit` violations, and one more that counts the rest: the first few say what to fix,
    and the error details stay far below gRPC's 8 KiB metadata limit whatever the request holds."""
    if len(violations) <= limit:
        return violations
    rest = len(violations) - (limit - 1)
    return [*violations[: limit - 1], FieldViolation("(more)", f"{rest} further field violation(s) not listed")]
