"""Parse and validate an MRZ: every field, every check digit, with the reasons for the verdict.

Pure functions on strings. `parse` never raises for an MRZ that is merely wrong (bad check digit,
impossible date, unknown country): those come back as `errors` in the result so a person can see
them. Only input that is not an MRZ at all (wrong shape, foreign characters) raises `MRZError`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from .charset import FILLER, LETTERS, MRZ_CHARS, check_digit
from .countries import known_codes
from .errors import MRZError
from .formats import DOCUMENT_CODE_FIRST, LAYOUTS, Layout
from .result import ABSENT, FAIL, OK, Issue, MRZResult

_SHAPES = {(3, 30): "TD1", (2, 36): "TD2", (2, 44): "TD3"}
_CONCATENATED = {90: (3, 30), 72: (2, 36), 88: (2, 44)}
_FORMAT_NAMES = "TD1 (3×30), TD2 (2×36), TD3 (2×44), MRV-A (2×44) or MRV-B (2×36)"
# A document is not issued for longer than this; an expiry date further out is read in the century before.
_EXPIRY_YEARS_AHEAD = 20


def split_lines(mrz: str | Sequence[str]) -> list[str]:
    """Normalise input to MRZ lines: one string with newlines, one concatenated string, or lines.

    Surrounding white space and blank lines are dropped (OCR and terminals add them); anything
    else outside the MRZ alphabet is an error with its line and position.
    """
    raw = mrz.splitlines() if isinstance(mrz, str) else list(mrz)
    lines = []
    for item in raw:
        if not isinstance(item, str):
            raise MRZError("MRZ lines must be text")
        stripped = item.strip()
        if stripped:
            lines.append(stripped)
    if not lines:
        raise MRZError("no MRZ text given")
    if len(lines) == 1 and len(lines[0]) in _CONCATENATED:
        count, length = _CONCATENATED[len(lines[0])]
        lines = [lines[0][i * length : (i + 1) * length] for i in range(count)]
    for n, line in enumerate(lines, 1):
        for pos, ch in enumerate(line, 1):
            if ch not in MRZ_CHARS:
                what = "a lower-case letter" if ch.isalpha() and ch.islower() else "a character"
                raise MRZError(f"line {n}, position {pos}: {what} outside the MRZ set (A-Z, 0-9, <)")
    return lines


def detect_layout(lines: Sequence[str]) -> Layout:
    shape = (len(lines), len(lines[0]))
    lengths = {len(line) for line in lines}
    if len(lengths) != 1:
        detail = ", ".join(str(len(line)) for line in lines)
        raise MRZError(f"MRZ lines differ in length ({detail} characters); expected {_FORMAT_NAMES}")
    name = _SHAPES.get(shape)
    if name is None:
        raise MRZError(
            f"{len(lines)} line(s) of {len(lines[0])} characters is not an MRZ format; expected {_FORMAT_NAMES}"
        )
    if lines[0][0] == "V" and name in ("TD2", "TD3"):
        name = "MRVB" if name == "TD2" else "MRVA"
    return LAYOUTS[name]


def parse(mrz: str | Sequence[str], *, today: dt.date | None = None) -> MRZResult:
    """Parse and validate without correcting; see `gateway.mrz.check` for the OCR-correcting entry."""
    lines = split_lines(mrz)
    return parse_lines(lines, detect_layout(lines), today or dt.date.today())


def _clean(s: str) -> str:
    return s.rstrip(FILLER)


def _names(name_field: str) -> tuple[str, str]:
    primary, sep, secondary = name_field.partition("<<")
    primary = primary.replace(FILLER, " ").strip()
    secondary = secondary.replace(FILLER, " ").strip() if sep else ""
    return primary, " ".join(secondary.split())


def _date(text: str, kind: str, today: dt.date) -> tuple[dt.date | None, str | None]:
    """Read YYMMDD; return (date, problem). The century is inferred: a birth date is never in the
    future, an expiry date at most `_EXPIRY_YEARS_AHEAD` years ahead."""
    if FILLER in text:
        return None, "incomplete"
    if not text.isdigit():
        return None, "invalid"
    yy, mm, dd = int(text[:2]), int(text[2:4]), int(text[4:])
    if kind == "birth":
        year = 2000 + yy if 2000 + yy <= today.year else 1900 + yy
    else:
        base = today.year - today.year % 100
        year = base + yy
        if year > today.year + _EXPIRY_YEARS_AHEAD:
            year -= 100
        elif year <= today.year + _EXPIRY_YEARS_AHEAD - 100:
            year += 100
    try:
        value = dt.date(year, mm, dd)
        if kind == "birth" and value > today:
            value = dt.date(year - 100, mm, dd)
    except ValueError:
        return None, "invalid"
    return value, None


def _digit_ok(data: str, digit: str) -> bool:
    return digit in "0123456789" and check_digit(data) == ord(digit) - 48


def parse_lines(lines: Sequence[str], layout: Layout, today: dt.date) -> MRZResult:
    """Parse lines already known to have `layout`'s shape."""
    errors: list[Issue] = []
    warnings: list[Issue] = []
    checks: dict[str, str] = {}
    get = {f.name: lines[f.line][f.start : f.end] for f in layout.fields}

    # Characters each field may hold: a digit in a name is an OCR error, not a name.
    for f in layout.fields:
        value = get[f.name]
        if any(ch not in f.alphabet for ch in value):
            errors.append(Issue("invalid_characters", f"{f.name} holds characters its field does not allow", f.name))

    doc_code = get["document_code"]
    if doc_code[0] not in DOCUMENT_CODE_FIRST[layout.name]:
        errors.append(Issue("invalid_document_code", f"document code is not valid for {layout.name}", "document_code"))

    # Document number, including the TD1/TD2 form longer than nine characters: filler in the check
    # digit position, the rest of the number in the optional data, its check digit after it.
    number = get["document_number"]
    number_check = get["document_number_check"]
    optional = get["optional_data"]
    long_number = False
    if number_check == FILLER and layout.name in ("TD1", "TD2") and optional[:1] not in ("", FILLER):
        overflow = optional.split(FILLER, 1)[0]
        if len(overflow) >= 2:
            long_number = True
            number = number + overflow[:-1]
            number_check = overflow[-1]
            optional = optional[len(overflow) :]
    checks["document_number"] = OK if _digit_ok(number, number_check) else FAIL

    birth_raw, expiry_raw = get["birth_date"], get["expiry_date"]
    checks["birth_date"] = OK if _digit_ok(birth_raw, get["birth_date_check"]) else FAIL
    checks["expiry_date"] = OK if _digit_ok(expiry_raw, get["expiry_date_check"]) else FAIL

    if "optional_data_check" in get:
        digit = get["optional_data_check"]
        raw_optional = get["optional_data"]
        if digit == FILLER and raw_optional.strip(FILLER) == "":
            checks["optional_data"] = ABSENT
        else:
            checks["optional_data"] = OK if _digit_ok(raw_optional, digit) else FAIL

    for chk in layout.checks:
        if chk.name != "composite":
            continue
        data = "".join(lines[ln][a:b] for ln, a, b in chk.spans)
        checks["composite"] = OK if _digit_ok(data, lines[chk.line][chk.pos]) else FAIL

    for name, state in checks.items():
        if state == FAIL:
            errors.append(Issue("check_digit_failed", f"check digit of {name} does not match", name))

    birth, birth_problem = _date(birth_raw, "birth", today)
    if birth_problem == "incomplete":
        warnings.append(Issue("birth_date_incomplete", "birth date is partly unknown (filler in it)", "birth_date"))
    elif birth_problem:
        errors.append(Issue("invalid_date", "birth date is not a calendar date", "birth_date"))
    expiry, expiry_problem = _date(expiry_raw, "expiry", today)
    if expiry_problem:
        errors.append(Issue("invalid_date", "expiry date is not a calendar date", "expiry_date"))
    elif expiry is not None and expiry < today:
        warnings.append(Issue("expired", "the document has expired", "expiry_date"))
    if birth is not None and expiry is not None and expiry <= birth:
        errors.append(Issue("dates_inconsistent", "expiry date is not after the birth date", "expiry_date"))

    codes = known_codes()
    state = _clean(get["issuing_state"])
    nationality = _clean(get["nationality"])
    for fname, code in (("issuing_state", state), ("nationality", nationality)):
        if code == "DEU":
            warnings.append(Issue("deu_for_germany", f"{fname} is DEU; ICAO's code for Germany is D", fname))
        elif code not in codes and all(ch in LETTERS for ch in code):
            errors.append(Issue("unknown_country", f"{fname} is not an ICAO code", fname))

    name_field = get["name"]
    primary, secondary = _names(name_field)
    if not primary and not secondary:
        errors.append(Issue("missing_name", "the name field is empty", "name"))
    if name_field[-1] != FILLER:
        warnings.append(Issue("name_possibly_truncated", "the name fills its whole field and may be truncated", "name"))

    fields: dict[str, str | None] = {
        "document_code": _clean(doc_code),
        "issuing_state": state,
        "document_number": _clean(number),
        "primary_identifier": primary,
        "secondary_identifier": secondary,
        "nationality": nationality,
        "birth_date": birth.isoformat() if birth else None,
        "sex": get["sex"],
        "expiry_date": expiry.isoformat() if expiry else None,
        "optional_data": optional.strip(FILLER),
        "optional_data_2": _clean(get["optional_data_2"]) if "optional_data_2" in get else None,
    }
    if long_number:
        warnings.append(Issue("long_document_number", "document number continues in the optional data",
                              "document_number"))
    return MRZResult(layout.name, tuple(lines), fields, checks, errors, warnings)

