"""Where each field and check digit sits in each ICAO format (Doc 9303 Parts 4–7).

The layouts are data, not code, so the parser, the OCR corrector and the generator read the same
table and cannot disagree about a position.
"""

from __future__ import annotations

from dataclasses import dataclass

from .charset import DIGITS, FILLER, LETTERS

# What a position may hold. OCR correction uses these to know which substitutions make sense.
ALPHA = frozenset(LETTERS | {FILLER})
NUMERIC = frozenset(DIGITS)
ALNUM = frozenset(LETTERS | DIGITS | {FILLER})
DATE = frozenset(DIGITS | {FILLER})  # unknown day or month may be filled with '<' (birth dates)
SEX = frozenset("MFX<")
CHECK = frozenset(DIGITS | {FILLER})  # '<' only where the format allows an empty field's digit


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    line: int
    start: int
    end: int
    alphabet: frozenset[str]


@dataclass(frozen=True, slots=True)
class Check:
    """A check digit at (line, pos) over the concatenation of `spans` (line, start, end)."""

    name: str
    spans: tuple[tuple[int, int, int], ...]
    line: int
    pos: int
    filler_allowed: bool = False  # an all-filler field may carry '<' as its check digit


@dataclass(frozen=True, slots=True)
class Layout:
    name: str
    lines: int
    length: int
    fields: tuple[Field, ...]
    checks: tuple[Check, ...]

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


def _two_line(name: str, length: int, optional_end: int, composite: bool, optional_check: bool) -> Layout:
    """TD2, TD3 and both visa formats share one shape; they differ in length and tail."""
    fields = [
        Field("document_code", 0, 0, 2, ALPHA),
        Field("issuing_state", 0, 2, 5, ALPHA),
        Field("name", 0, 5, length, ALPHA),
        Field("document_number", 1, 0, 9, ALNUM),
        Field("document_number_check", 1, 9, 10, CHECK),
        Field("nationality", 1, 10, 13, ALPHA),
        Field("birth_date", 1, 13, 19, DATE),
        Field("birth_date_check", 1, 19, 20, CHECK),
        Field("sex", 1, 20, 21, SEX),
        Field("expiry_date", 1, 21, 27, NUMERIC),
        Field("expiry_date_check", 1, 27, 28, CHECK),
        Field("optional_data", 1, 28, optional_end, ALNUM),
    ]
    checks = [
        Check("document_number", ((1, 0, 9),), 1, 9),
        Check("birth_date", ((1, 13, 19),), 1, 19),
        Check("expiry_date", ((1, 21, 27),), 1, 27),
    ]
    if optional_check:
        fields.append(Field("optional_data_check", 1, optional_end, optional_end + 1, CHECK))
        checks.append(Check("optional_data", ((1, 28, optional_end),), 1, optional_end, filler_allowed=True))
    if composite:
        fields.append(Field("composite_check", 1, length - 1, length, CHECK))
        checks.append(Check("composite", ((1, 0, 10), (1, 13, 20), (1, 21, length - 1)), 1, length - 1))
    return Layout(name, 2, length, tuple(fields), tuple(checks))


TD3 = _two_line("TD3", 44, 42, composite=True, optional_check=True)
TD2 = _two_line("TD2", 36, 35, composite=True, optional_check=False)
MRVA = _two_line("MRVA", 44, 44, composite=False, optional_check=False)
MRVB = _two_line("MRVB", 36, 36, composite=False, optional_check=False)

TD1 = Layout(
    "TD1",
    3,
    30,
    (
        Field("document_code", 0, 0, 2, ALPHA),
        Field("issuing_state", 0, 2, 5, ALPHA),
        Field("document_number", 0, 5, 14, ALNUM),
        Field("document_number_check", 0, 14, 15, CHECK),
        Field("optional_data", 0, 15, 30, ALNUM),
        Field("birth_date", 1, 0, 6, DATE),
        Field("birth_date_check", 1, 6, 7, CHECK),
        Field("sex", 1, 7, 8, SEX),
        Field("expiry_date", 1, 8, 14, NUMERIC),
        Field("expiry_date_check", 1, 14, 15, CHECK),
        Field("nationality", 1, 15, 18, ALPHA),
        Field("optional_data_2", 1, 18, 29, ALNUM),
        Field("composite_check", 1, 29, 30, CHECK),
        Field("name", 2, 0, 30, ALPHA),
    ),
    (
        Check("document_number", ((0, 5, 14),), 0, 14),
        Check("birth_date", ((1, 0, 6),), 1, 6),
        Check("expiry_date", ((1, 8, 14),), 1, 14),
        Check("composite", ((0, 5, 30), (1, 0, 7), (1, 8, 15), (1, 18, 29)), 1, 29),
    ),
)

LAYOUTS = {layout.name: layout for layout in (TD1, TD2, TD3, MRVA, MRVB)}

# First character of the document code each format may carry (Doc 9303 Parts 4–7).
DOCUMENT_CODE_FIRST = {
    "TD1": frozenset("AIC"),
    "TD2": frozenset("AIC"),
    "TD3": frozenset("P"),
    "MRVA": frozenset("V"),
    "MRVB": frozenset("V"),
}
