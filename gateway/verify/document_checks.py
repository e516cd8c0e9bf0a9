"""The checks on the document as printed and as dated: printed MRZ check digits, printed MRZ vs
the chip's DG1, and expiry. None of them decides authenticity alone (a misread printed MRZ or an
expired passport is not a forgery), except a *well-read* printed MRZ that contradicts the chip:
then the data page and the chip belong to different documents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from gateway.mrz import MRZError, MRZResult, check
from gateway.verdict import Check
from gateway.verify.reasons import failed, not_performed, passed

MRZ_CHECK_DIGITS = "mrz_check_digits"
MRZ_MATCHES_CHIP = "mrz_matches_chip"
DOCUMENT_EXPIRY = "document_expiry"


def _normal(lines: Sequence[str]) -> tuple[str, ...]:
    return tuple(line.strip().upper() for line in lines)


def mrz_checks(printed: str | Sequence[str] | None, chip: MRZResult | None, today: dt.date) -> list[Check]:
    if printed is None:
        return [not_performed(MRZ_CHECK_DIGITS, "MRZ_NOT_GIVEN"), not_performed(MRZ_MATCHES_CHIP, "MRZ_NOT_GIVEN")]
    try:
        result = check(printed, today=today, autocorrect=False)
        printed_lines = _normal(result.lines)
        digits_ok = all(v in ("ok", "absent") for v in result.checks.values()) and not result.errors
    except MRZError:
        printed_lines = _normal(printed.split() if isinstance(printed, str) else printed)
        digits_ok = False
    digits = passed(MRZ_CHECK_DIGITS, "MRZ_VALID") if digits_ok else failed(
        MRZ_CHECK_DIGITS, "MRZ_INVALID", decisive=False)
    if chip is None:
        return [digits, not_performed(MRZ_MATCHES_CHIP, "DG1_NOT_READ")]
    if printed_lines == _normal(chip.lines):
        return [digits, passed(MRZ_MATCHES_CHIP, "MRZ_MATCHES_CHIP")]
    # A printed MRZ with wrong check digits is more likely misread than substituted.
    return [digits, failed(MRZ_MATCHES_CHIP, "MRZ_MISMATCH", decisive=digits_ok)]


def expiry_check(chip: MRZResult | None, today: dt.date) -> tuple[Check, bool | None]:
    """(check, expired?) from DG1's expiry date."""
    expiry = chip.fields.get("expiry_date") if chip is not None else None
    if not expiry:
        return not_performed(DOCUMENT_EXPIRY, "DG1_NOT_READ"), None
    try:
        date = dt.date.fromisoformat(expiry)
    except ValueError:
        return not_performed(DOCUMENT_EXPIRY, "DG1_NOT_READ"), None
    if date < today:
        return failed(DOCUMENT_EXPIRY, "DOCUMENT_EXPIRED", detail=expiry, decisive=False), True
    return passed(DOCUMENT_EXPIRY, "DOCUMENT_VALID", detail=expiry), False
