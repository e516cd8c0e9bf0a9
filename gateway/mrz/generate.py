"""Build a valid MRZ from field values (simulators and tests use it to make documents)."""

from __future__ import annotations

import datetime as dt

from .charset import DIGITS, FILLER, LETTERS, check_digit_char
from .errors import MRZError
from .formats import DOCUMENT_CODE_FIRST, LAYOUTS
from .transliterate import transliterate

_ALNUM = LETTERS | DIGITS


def _pad(value: str, width: int, what: str) -> str:
    if len(value) > width:
        raise MRZError(f"{what} is longer than its field ({width} characters)")
    return value + FILLER * (width - len(value))


def _code(value: str, what: str) -> str:
    value = value.upper()
    if not 1 <= len(value) <= 3 or any(c not in LETTERS for c in value):
        raise MRZError(f"{what} must be one to three letters")
    return _pad(value, 3, what)


def _date(value: dt.date | str | None, what: str) -> str:
    if value is None:
        return FILLER * 6
    if isinstance(value, dt.date):
        return value.strftime("%y%m%d")
    if len(value) != 6 or any(c not in DIGITS and c != FILLER for c in value):
        raise MRZError(f"{what} must be a date or six characters YYMMDD")
    return value


def _alnum(value: str, what: str) -> str:
    value = value.upper().replace(" ", FILLER)
    if any(c not in _ALNUM and c != FILLER for c in value):
        raise MRZError(f"{what} may only hold letters, digits and <")
    return value


def name_field(primary: str, secondary: str, width: int, system: str = "icao") -> str:
    """Primary and secondary identifiers joined by `<<`, truncated per Doc 9303 Part 3 4.6: the
    secondary identifier is shortened first, the primary only if it alone does not fit; a truncated
    name ends in a letter so a reader can tell it was cut."""
    p = transliterate(primary, system)
    s = transliterate(secondary, system) if secondary else ""
    if not p and not s:
        raise MRZError("a name needs a primary or a secondary identifier")
    full = f"{p}<<{s}" if s else p
    if len(full) > width:
        room = width - len(p) - 2
        if s and room >= 1:
            s = s[:room].rstrip(FILLER)
            full = f"{p}<<{s}"
        else:
            # Keep at least the initial of the secondary identifier.
            keep = width - 3 if s else width
            p = p[:keep].rstrip(FILLER)
            full = f"{p}<<{s[:1]}" if s else p
    return _pad(full, width, "name")


def build_mrz(
    *,
    format: str,
    document_code: str,
    issuing_state: str,
    document_number: str,
    primary_identifier: str,
    secondary_identifier: str = "",
    nationality: str,
    birth_date: dt.date | str | None,
    sex: str,
    expiry_date: dt.date | str,
    optional_data: str = "",
    optional_data_2: str = "",
    transliteration: str = "icao",
) -> list[str]:
    """The MRZ lines for the given values. Raises MRZError when a value cannot be written."""
    fmt = format.upper().replace("-", "")
    if fmt not in LAYOUTS:
        raise MRZError(f"unknown MRZ format {format!r}; use TD1, TD2, TD3, MRVA or MRVB")
    layout = LAYOUTS[fmt]
    code = document_code.upper()
    if not 1 <= len(code) <= 2 or any(c not in LETTERS for c in code) or code[0] not in DOCUMENT_CODE_FIRST[fmt]:
        raise MRZError(f"document code is not valid for {fmt}")
    code = _pad(code, 2, "document code")
    state = _code(issuing_state, "issuing state")
    nat = _code(nationality, "nationality")
    sex = (sex or FILLER).upper()
    if sex not in ("M", "F", "X", FILLER):
        raise MRZError("sex must be M, F, X or <")
    birth = _date(birth_date, "birth date")
    expiry = _date(expiry_date, "expiry date")
    number = _alnum(document_number, "document number").rstrip(FILLER)
    opt = _alnum(optional_data, "optional data")
    opt2 = _alnum(optional_data_2, "optional data 2")
    if not number:
        raise MRZError("document number is empty")

    # Document numbers over nine characters (TD1, TD2): first nine, filler as check digit, the rest
    # and its check digit at the start of the optional data, then a filler.
    if len(number) > 9:
        if fmt not in ("TD1", "TD2"):
            raise MRZError(f"document numbers longer than 9 characters do not fit {fmt}")
        number_field = number[:9] + FILLER
        opt = number[9:] + check_digit_char(number) + FILLER + opt
    else:
        number_field = _pad(number, 9, "document number") + check_digit_char(_pad(number, 9, "document number"))

    birth_part = birth + check_digit_char(birth)
    expiry_part = expiry + check_digit_char(expiry)

    if fmt == "TD1":
        line1 = code + state + number_field + _pad(opt, 15, "optional data")
        opt2_field = _pad(opt2, 11, "optional data 2")
        line2 = birth_part + sex + expiry_part + nat + opt2_field
        composite = line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]
        line2 += check_digit_char(composite)
        line3 = name_field(primary_identifier, secondary_identifier, 30, transliteration)
        return [line1, line2, line3]

    if optional_data_2:
        raise MRZError(f"{fmt} has no second optional data field")
    length = layout.length
    line1 = code + state + name_field(primary_identifier, secondary_identifier, length - 5, transliteration)
    head = number_field + nat + birth_part + sex + expiry_part
    if fmt == "TD3":
        opt_field = _pad(opt, 14, "optional data")
        opt_digit = FILLER if not opt.strip(FILLER) else check_digit_char(opt_field)
        body = head + opt_field + opt_digit
        composite = body[0:10] + body[13:20] + body[21:43]
        return [line1, body + check_digit_char(composite)]
    if fmt == "TD2":
        body = head + _pad(opt, 7, "optional data")
        composite = body[0:10] + body[13:20] + body[21:35]
        return [line1, body + check_digit_char(composite)]
    return [line1, head + _pad(opt, length - 28, "optional data")]
