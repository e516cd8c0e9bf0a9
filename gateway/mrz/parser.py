"""Parse and validate an MRZ: every field, every check digit, with the reasons for the verdict.

Pure functions on strings. `parse` never raises for an MRZ that is merely wrong (bad check digit,
impossible date, unknown country): those come back as `errors` in the result so a person can see
them. Only input that is not an MRZ at all (wrong shape, foreign characters) raises `MRZError`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from .charset import _VALUE_TABLE, FILLER, MRZ_CHARS
from .countries import known_codes
from .errors import MRZError
from .formats import DOCUMENT_CODE_FIRST, LAYOUTS, Layout
from .result import ABSENT, FAIL, OK, Issue, MRZResult

_SHAPES = {(3, 30): "TD1", (2, 36): "TD2", (2, 44): "TD3"}
_CONCATENATED = {90: (3, 30), 72: (2, 36), 88: (2, 44)}
_FORMAT_NAMES = "TD1 (3×30), TD2 (2×36), TD3 (2×44), MRV-A (2×44) or MRV-B (2×36)"
# A document is not issued for longer than this; an expiry date further out is read in the century before.
_EXPIRY_YEARS_AHEAD = 20


_LONG_NUMBER_MESSAGES = {
    "without_filler": "document number continues in the optional data; its check digit covers the number "
                      "without the filler after the ninth character",
    "with_filler": "document number continues in the optional data; its check digit covers the filler after "
                   "the ninth character too",
    "either": "document number continues in the optional data; its check digit holds with and without the "
              "filler after the ninth character",
    "neither": "document number continues in the optional data; its check digit holds neither with nor without "
               "the filler after the ninth character",
}
_MRZ_LINE = re.compile(r"[A-Z0-9<]+")
_DIGIT_CHAR = "0123456789"
_EMPTY_TD3_OPTIONAL = FILLER * 14


def split_lines(mrz: str | Sequence[str]) -> list[str]:
    """Normalise input to MRZ lines: one string with newlines, one concatenated string, or lines.

    Surrounding white space and blank lines are dropped (OCR and terminals add them); anything
    else outside the MRZ alphabet is an error with its line and position.
    """
    raw = mrz.splitlines() if isinstance(mrz, str) else mrz
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
        if _MRZ_LINE.fullmatch(line) is None:
            _raise_bad_character(n, line)
    return lines


def _raise_bad_character(n: int, line: str) -> None:
    for pos, ch in enumerate(line, 1):
        if ch not in MRZ_CHARS:
            what = "a lower-case letter" if ch.isalpha() and ch.islower() else "a character"
            raise MRZError(f"line {n}, position {pos}: {what} outside the MRZ set (A-Z, 0-9, <)")


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






_DAYS_IN_MONTH = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _date(text: str, values: bytes, kind: str, today_key: int, today_year: int) -> tuple[str | None, str | None]:
    """Read YYMMDD; return (ISO date, problem). The century is inferred: a birth date is never in
    the future, an expiry date at most `_EXPIRY_YEARS_AHEAD` years ahead.

    Works on integers and ISO strings rather than `datetime.date` objects: date construction was a
    fifth of the validation time. `today_key` is today as YYYYMMDD.
    """
    if FILLER in text:
        return None, "incomplete"
    if max(values) > 9:
        return None, "invalid"
    mm, dd = values[2] * 10 + values[3], values[4] * 10 + values[5]
    if not (1 <= mm <= 12 and 1 <= dd <= _DAYS_IN_MONTH[mm]):
        return None, "invalid"
    year = today_year - today_year % 100 + values[0] * 10 + values[1]
    if kind == "birth":
        if year * 10000 + mm * 100 + dd > today_key:
            year -= 100
    elif year > today_year + _EXPIRY_YEARS_AHEAD:
        year -= 100
    elif year <= today_year + _EXPIRY_YEARS_AHEAD - 100:
        year += 100
    if mm == 2 and dd == 29 and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        return None, "invalid"
    return f"{year:04d}-{text[2:4]}-{text[4:6]}", None


def _class(alphabet: frozenset[str]) -> str:
    return "[" + "".join(sorted(alphabet)) + "]"


def _patterns_of(layout: Layout) -> tuple[re.Pattern[str], ...]:
    patterns = []
    for ln in range(layout.lines):
        fields = sorted((f for f in layout.fields if f.line == ln), key=lambda f: f.start)
        patterns.append(re.compile("".join(f"{_class(f.alphabet)}{{{f.end - f.start}}}" for f in fields)))
    return tuple(patterns)


# Precomputed per format name (hashing a string is cached by Python; hashing a Layout is not).
_PATTERNS = {name: _patterns_of(layout) for name, layout in LAYOUTS.items()}


def _cd_ok(values: bytes, digit: str) -> bool:
    """`values` are the covered characters already translated to their check-digit values. The
    7-3-1 sum is taken as three strided sums, each a single C-level pass over bytes."""
    return digit == _DIGIT_CHAR[(7 * sum(values[0::3]) + 3 * sum(values[1::3]) + sum(values[2::3])) % 10]


def _values(line: str) -> bytes:
    return line.encode("ascii").translate(_VALUE_TABLE)


def parse_lines(lines: Sequence[str], layout: Layout, today: dt.date) -> MRZResult:
    """Parse lines already known to have `layout`'s shape.

    Positions are written out per format rather than looked up in `layout.fields`: this is the hot
    path (tens of thousands of MRZs a second), and the tests regenerate every format through the
    layout table, so the two cannot drift apart unnoticed.
    """
    fmt = layout.name
    errors: list[Issue] = []
    warnings: list[Issue] = []
    optional_check = composite_check = composite_data = optional_2 = None
    # Check-digit values of every character, computed once per line (digits map to themselves).
    if fmt == "TD1":
        l1, l2, name_field = lines
        v1, v2 = _values(l1), _values(l2)
        doc_code, state_raw, number, number_check, optional = l1[0:2], l1[2:5], l1[5:14], l1[14], l1[15:30]
        number_values = v1[5:14]
        birth_raw, birth_check, sex, expiry_raw, expiry_check = l2[0:6], l2[6], l2[7], l2[8:14], l2[14]
        birth_values, expiry_values = v2[0:6], v2[8:14]
        nat_raw, optional_2, composite_check = l2[15:18], l2[18:29], l2[29]
        composite_data = v1[5:30] + v2[0:7] + v2[8:15] + v2[18:29]
    else:
        l1, l2 = lines
        v2 = _values(l2)
        doc_code, state_raw, name_field = l1[0:2], l1[2:5], l1[5:]
        number, number_check, nat_raw = l2[0:9], l2[9], l2[10:13]
        number_values = v2[0:9]
        birth_raw, birth_check, sex, expiry_raw, expiry_check = l2[13:19], l2[19], l2[20], l2[21:27], l2[27]
        birth_values, expiry_values = v2[13:19], v2[21:27]
        if fmt == "TD3":
            optional, optional_check, composite_check = l2[28:42], l2[42], l2[43]
            composite_data = v2[0:10] + v2[13:20] + v2[21:43]
        elif fmt == "TD2":
            optional, composite_check = l2[28:35], l2[35]
            composite_data = v2[0:10] + v2[13:20] + v2[21:35]
        else:
            optional = l2[28:]

    # Characters each field may hold: a digit in a name is an OCR error, not a name. One regex per
    # line checks every field at once; only a failing line is examined field by field.
    for ln, pattern in enumerate(_PATTERNS[fmt]):
        if pattern.fullmatch(lines[ln]) is None:
            for f in layout.fields:
                if f.line == ln and any(ch not in f.alphabet for ch in lines[ln][f.start : f.end]):
                    errors.append(Issue("invalid_characters", f"{f.name} holds characters its field does not allow",
                                        f.name))

    if doc_code[0] not in DOCUMENT_CODE_FIRST[fmt]:
        errors.append(Issue("invalid_document_code", f"document code is not valid for {fmt}", "document_code"))

    # Document number, including the TD1/TD2 form longer than nine characters: filler in the check
    # digit position, the rest of the number in the optional data, its check digit after it.
    # Issuers differ on what the check digit covers (Doc 9303 Part 5 note j is read both ways):
    # the whole number without the filler after the ninth character, or the characters as printed,
    # filler included. Either is accepted, and the result says which one held.
    long_number = None
    number_ok = None
    if number_check == FILLER and composite_data is not None and optional_check is None \
            and optional[:1] not in ("", FILLER):
        overflow = optional.split(FILLER, 1)[0]
        if len(overflow) >= 2:
            head = number
            number = number + overflow[:-1]
            number_values = _values(number)
            number_check = overflow[-1]
            optional = optional[len(overflow) :]
            without = _cd_ok(number_values, number_check)
            with_filler = _cd_ok(_values(head + FILLER + overflow[:-1]), number_check)
            number_ok = without or with_filler
            long_number = ("either" if without and with_filler else "without_filler" if without
                           else "with_filler" if with_filler else "neither")

    checks = {
        "document_number": (OK if number_ok else FAIL) if number_ok is not None
        else OK if _cd_ok(number_values, number_check) else FAIL,
        "birth_date": OK if _cd_ok(birth_values, birth_check) else FAIL,
        "expiry_date": OK if _cd_ok(expiry_values, expiry_check) else FAIL,
    }
    if optional_check is not None:
        if optional_check == FILLER and optional == _EMPTY_TD3_OPTIONAL:
            checks["optional_data"] = ABSENT
        else:
            checks["optional_data"] = OK if _cd_ok(v2[28:42], optional_check) else FAIL
    if composite_data is not None:
        checks["composite"] = OK if _cd_ok(composite_data, composite_check) else FAIL
    if FAIL in checks.values():
        for name, state in checks.items():
            if state == FAIL:
                errors.append(Issue("check_digit_failed", f"check digit of {name} does not match", name))

    today_iso, today_year = today.isoformat(), today.year
    today_key = today_year * 10000 + today.month * 100 + today.day
    birth, birth_problem = _date(birth_raw, birth_values, "birth", today_key, today_year)
    if birth_problem == "incomplete":
        warnings.append(Issue("birth_date_incomplete", "birth date is partly unknown (filler in it)", "birth_date"))
    elif birth_problem:
        errors.append(Issue("invalid_date", "birth date is not a calendar date", "birth_date"))
    expiry, expiry_problem = _date(expiry_raw, expiry_values, "expiry", today_key, today_year)
    if expiry_problem:
        errors.append(Issue("invalid_date", "expiry date is not a calendar date", "expiry_date"))
    elif expiry is not None and expiry < today_iso:
        warnings.append(Issue("expired", "the document has expired", "expiry_date"))
    if birth is not None and expiry is not None and expiry <= birth:
        errors.append(Issue("dates_inconsistent", "expiry date is not after the birth date", "expiry_date"))

    codes = known_codes()
    state = state_raw.rstrip(FILLER)
    nationality = nat_raw.rstrip(FILLER)
    for fname, code in (("issuing_state", state), ("nationality", nationality)):
        if code not in codes:
            if code == "DEU":
                warnings.append(Issue("deu_for_germany", f"{fname} is DEU; ICAO's code for Germany is D", fname))
            elif code.isalpha() or not code:
                errors.append(Issue("unknown_country", f"{fname} is not an ICAO code", fname))

    primary, sep, secondary = name_field.partition("<<")
    primary = primary.replace(FILLER, " ").strip()
    secondary = " ".join(secondary.replace(FILLER, " ").split()) if sep else ""
    if not primary and not secondary:
        errors.append(Issue("missing_name", "the name field is empty", "name"))
    if name_field[-1] != FILLER:
        warnings.append(Issue("name_possibly_truncated", "the name fills its whole field and may be truncated", "name"))
    if long_number is not None:
        warnings.append(Issue("long_document_number", _LONG_NUMBER_MESSAGES[long_number], "document_number"))
        if long_number == "with_filler":
            warnings.append(Issue("document_number_check_includes_filler",
                                  "the document number's check digit is computed over the filler after its ninth "
                                  "character (an issuer's variant of Doc 9303 Part 5)", "document_number"))

    fields: dict[str, str | None] = {
        "document_code": doc_code.rstrip(FILLER),
        "issuing_state": state,
        "document_number": number.rstrip(FILLER),
        "primary_identifier": primary,
        "secondary_identifier": secondary,
        "nationality": nationality,
        "birth_date": birth,
        "sex": sex,
        "expiry_date": expiry,
        "optional_data": optional.strip(FILLER),
        "optional_data_2": optional_2.rstrip(FILLER) if optional_2 is not None else None,
    }
    return MRZResult(fmt, tuple(lines), fields, checks, errors, warnings)
