"""The checks on the document as printed and as dated: the printed MRZ's check digits, the printed
MRZ against the chip's DG1, and expiry. One rule each, for every way the printed MRZ arrives (typed,
a line reader, an OCR'd image): it has been through `gateway.mrz.check` with its check-digit
correction, and these checks judge that reading.

None of them decides authenticity alone (a misread printed MRZ or an expired passport is not a
forgery), except a *well-read* printed MRZ that contradicts the chip: then the data page and the
chip belong to different documents.
"""

from __future__ import annotations

import datetime as dt

from gateway.mrz import MRZResult
from gateway.verdict import Check
from gateway.verify.reasons import failed, not_performed, passed

MRZ_CHECK_DIGITS = "mrz_check_digits"
MRZ_MATCHES_CHIP = "mrz_matches_chip"
DOCUMENT_EXPIRY = "document_expiry"


def check_digits_check(printed: MRZResult | None) -> Check:
    if printed is None:
        return not_performed(MRZ_CHECK_DIGITS, "MRZ_NOT_GIVEN")
    if printed.valid:
        return passed(MRZ_CHECK_DIGITS, "MRZ_VALID")
    # More often a misreading than a forgery; a forged page is caught by mrz_matches_chip.
    return failed(MRZ_CHECK_DIGITS, "MRZ_INVALID", decisive=False)


def _normal(lines: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(line.strip().upper() for line in lines)


def matches_chip_check(printed: MRZResult | None, chip: MRZResult | None, *, chip_read: bool) -> Check:
    if printed is None:
        return not_performed(MRZ_MATCHES_CHIP, "MRZ_NOT_GIVEN")
    if not chip_read:
        return not_performed(MRZ_MATCHES_CHIP, "CHIP_NOT_READ")
    if chip is None:
        return not_performed(MRZ_MATCHES_CHIP, "DG1_NOT_READ")
    if _normal(printed.lines) == _normal(chip.lines):
        return passed(MRZ_MATCHES_CHIP, "MRZ_MATCHES_CHIP")
    # A printed MRZ with wrong check digits is more likely misread than substituted.
    return failed(MRZ_MATCHES_CHIP, "MRZ_MISMATCH", decisive=printed.valid)


def expiry_check(mrz: MRZResult | None, today: dt.date, *, missing: str = "DG1_NOT_READ") -> tuple[Check, bool | None]:
    """(check, expired?) from the MRZ's expiry date (the chip's DG1 when read, else the printed MRZ)."""
    if mrz is None:
        return not_performed(DOCUMENT_EXPIRY, missing), None
    expiry = mrz.fields.get("expiry_date")
    try:
        date = dt.date.fromisoformat(expiry) if expiry else None
    except ValueError:
        date = None
    if date is None or expiry is None:
        return not_performed(DOCUMENT_EXPIRY, "EXPIRY_UNREADABLE"), None
    if date < today:
        return failed(DOCUMENT_EXPIRY, "DOCUMENT_EXPIRED", detail=expiry, decisive=False), True
    return passed(DOCUMENT_EXPIRY, "DOCUMENT_VALID", detail=expiry), False
