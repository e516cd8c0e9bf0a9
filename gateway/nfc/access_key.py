"""The secret a reader needs to open a chip: MRZ data (BAC and PACE) or the CAN (PACE only).

The MRZ key can come straight from the three fields a person types, or from the full MRZ text an
OCR reader delivered; then it goes through `gateway.mrz` first, so an OCR confusion that the check
digits resolve does not turn into a refused chip. The values are personal data: they never appear
in a repr, a log line or an exception message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from gateway.mrz.charset import check_digit_char

from .protocol.pace import PACEPassword

_DOC_NUMBER = re.compile(r"[A-Z0-9<]{1,30}")
_YYMMDD = re.compile(r"\d{6}")
_CAN = re.compile(r"\d{6}")

# Where birth and expiry dates (YYMMDD) sit on the second line of each layout (Doc 9303 Parts 4-7).
_DATES_ON_LINE_2 = {"TD1": (0, 8), "TD2": (13, 21), "TD3": (13, 21), "MRVA": (13, 21), "MRVB": (13, 21)}


def mrz_information(document_number: str, date_of_birth: str, date_of_expiry: str) -> str:
    """Doc 9303 Part 11 §9.7.2: document number (padded with '<' to 9) + check digit, birth date
    YYMMDD + check digit, expiry date YYMMDD + check digit. Numbers longer than 9 characters are
    used in full. The check digits are `gateway.mrz`'s, the one implementation of Part 3's rule."""
    doc = document_number.upper().ljust(9, "<")
    for name, value in (("date of birth", date_of_birth), ("date of expiry", date_of_expiry)):
        if len(value) != 6 or not value.isdigit():
            raise AccessKeyError(f"{name} must be YYMMDD")
    if not _DOC_NUMBER.fullmatch(doc):
        raise AccessKeyError("document number must be 1-30 characters A-Z, 0-9 or <")
    return "".join(v + check_digit_char(v) for v in (doc, date_of_birth, date_of_expiry))


class AccessKeyError(ValueError):
    """The access data given cannot be a valid MRZ key or CAN (the message names the field only)."""


@dataclass(frozen=True, slots=True)
class MRZKey:
    """Document number, date of birth and date of expiry (YYMMDD) as printed in the MRZ."""

    document_number: str
    date_of_birth: str
    date_of_expiry: str

    def __post_init__(self) -> None:
        number = self.document_number.strip().upper()
        object.__setattr__(self, "document_number", number)
        if not _DOC_NUMBER.fullmatch(number):
            raise AccessKeyError("document number must be 1-30 characters A-Z, 0-9 or <")
        for name in ("date_of_birth", "date_of_expiry"):
            value = getattr(self, name).strip()
            object.__setattr__(self, name, value)
            if not _YYMMDD.fullmatch(value):
                raise AccessKeyError(f"{name.replace('_', ' ')} must be six digits YYMMDD")

    def __repr__(self) -> str:
        return "MRZKey(<hidden>)"

    @property
    def information(self) -> str:
        """The MRZ information of Doc 9303 Part 11 §9.7.2 that BAC and PACE hash."""
        return mrz_information(self.document_number, self.date_of_birth, self.date_of_expiry)

    def pace_password(self) -> PACEPassword:
        return PACEPassword.mrz(self.information)

    @property
    def kind(self) -> str:
        return "MRZ"

    @classmethod
    def from_mrz(cls, mrz: str | Sequence[str]) -> MRZKey:
        """From MRZ text (lines joined by newlines, or concatenated) via the project's MRZ engine,
        which also applies check-digit-confirmed OCR corrections."""
        from gateway.mrz import MRZError, check

        try:
            result = check(mrz)
        except MRZError as exc:
            raise AccessKeyError(f"the MRZ cannot be read: {exc}") from None
        layout = _DATES_ON_LINE_2.get(result.format.replace("-", ""))
        if layout is None or len(result.lines) < 2:
            raise AccessKeyError(f"an MRZ of format {result.format} carries no chip access key")
        line2 = result.lines[1]
        birth_at, expiry_at = layout
        number = result.fields.get("document_number") or ""
        try:
            return cls(number.replace(" ", "<"), line2[birth_at : birth_at + 6], line2[expiry_at : expiry_at + 6])
        except AccessKeyError as exc:
            raise AccessKeyError(f"the MRZ does not yield an access key: {exc}") from None


@dataclass(frozen=True, slots=True)
class CANKey:
    """The six-digit card access number printed on the front of ID cards (PACE only)."""

    can: str

    def __post_init__(self) -> None:
        value = self.can.strip()
        object.__setattr__(self, "can", value)
        if not _CAN.fullmatch(value):
            raise AccessKeyError("the CAN must be six digits")

    def __repr__(self) -> str:
        return "CANKey(<hidden>)"

    def pace_password(self) -> PACEPassword:
        return PACEPassword.can(self.can)

    @property
    def kind(self) -> str:
        return "CAN"


AccessKey = MRZKey | CANKey

__all__ = ["AccessKey", "AccessKeyError", "CANKey", "MRZKey"]
