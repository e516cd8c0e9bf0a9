"""The MRZ engine: parse, validate, correct OCR readings, and generate (sans-IO, pure Python).

    >>> from gateway.mrz import check
    >>> result = check(["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    ...                 "L898902C36UTO7408122F1204159ZE184226B<<<<<10"])
    >>> result.valid, result.fields["document_number"]
    (True, 'L898902C3')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .charset import check_digit
from .correction import correct
from .errors import MRZError
from .generate import build_mrz
from .parser import detect_layout, parse, parse_lines, split_lines
from .result import Correction, Issue, MRZResult
from .transliterate import transliterate

if TYPE_CHECKING:
    from .ocr.reading import LineReading

__all__ = [
    "Correction",
    "Issue",
    "MRZError",
    "MRZResult",
    "build_mrz",
    "check",
    "check_digit",
    "check_readings",
    "parse",
    "transliterate",
]


def check(mrz: str | Sequence[str], *, today: dt.date | None = None, autocorrect: bool = True) -> MRZResult:
    """Parse and validate; when check digits or field alphabets fail, try OCR correction.

    A corrected result is valid and lists each substitution in `corrections`, so a person can
    confirm it. When several readings fit equally well nothing is changed and the result says
    `ambiguous`.
    """
    lines = split_lines(mrz)
    layout = detect_layout(lines)
    today = today or dt.date.today()
    result = parse_lines(lines, layout, today)
    if result.valid or not autocorrect:
        return result
    outcome = correct(lines, layout)
    if outcome.ambiguous:
        result.ambiguous = True
        result.errors.append(Issue(
            "ambiguous_correction",
            f"{outcome.candidates} readings satisfy the check digits equally well; none was chosen",
        ))
        return result
    if outcome.lines is None or not outcome.corrections:
        return result
    corrected = parse_lines(outcome.lines, layout, today)
    corrected.corrections = list(outcome.corrections)
    if corrected.valid:
        corrected.warnings.append(Issue("corrected", f"{len(outcome.corrections)} OCR substitution(s) applied"))
        return corrected
    # Correction made the check digits hold but something else (e.g. an unknown country) is still
    # wrong: show the corrected reading, still invalid.
    return corrected


def check_readings(readings: Sequence[LineReading], *, today: dt.date | None = None,
                   autocorrect: bool = True) -> MRZResult:
    """`check` for OCR output: every line with per-character alternatives and probabilities.

    The correction then prefers, among the readings that satisfy every check digit and field
    alphabet, the one the OCR found most likely (see `gateway.mrz.correction`)."""
    return check([r.text for r in readings], today=today, autocorrect=autocorrect)
