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

from .charset import DIGITS, check_digit
from .correction import PRIMARY, correct, correct_readings, uncertain_fields
from .errors import MRZError
from .formats import Layout
from .generate import build_mrz
from .numbers import number_patterns
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
    return _check(lines, None, today, autocorrect)


def check_readings(readings: Sequence[LineReading], *, today: dt.date | None = None,
                   autocorrect: bool = True) -> MRZResult:
    """`check` for OCR output: every line with per-character alternatives and probabilities
    (`gateway.mrz.ocr.LineReading`, or anything with `.chars[i].alternatives`).

    Among the readings that satisfy every check digit and field alphabet the correction prefers
    the one the OCR found most likely; it is ambiguous only when the runner-up is nearly as
    likely (see `gateway.mrz.correction`). Raises `MRZError` when the lines do not form an MRZ
    (e.g. a line with a character too many or too few).
    """
    if not readings:
        raise MRZError("no MRZ text given")
    lines = [r.text for r in readings]
    for n, line in enumerate(lines, 1):
        if not line:
            raise MRZError(f"line {n}: the recogniser read no characters")
    lines = split_lines(lines)
    alternatives = [[c.alternatives for c in r.chars] for r in readings]
    return _check(lines, alternatives, today, autocorrect)


def _check(lines: list[str], alternatives: list[list[Sequence[tuple[str, float]]]] | None,
           today: dt.date | None, autocorrect: bool) -> MRZResult:
    layout = detect_layout(lines)
    today = today or dt.date.today()
    result = parse_lines(lines, layout, today)
    if result.valid or not autocorrect:
        return _doubts(result, lines, alternatives, layout)
    # The issuer as the uncovered-position rule will read it (a digit there is its likeliest letter).
    state = "".join(PRIMARY.get(c, c) if c in DIGITS else c for c in lines[0][2:5]).rstrip("<")
    patterns = number_patterns(state, layout.name)
    if alternatives is None:
        outcome = correct(lines, layout, number_patterns=patterns)
    else:
        outcome = correct_readings(lines, alternatives, layout, number_patterns=patterns)
    if outcome.ambiguous:
        result.ambiguous = True
        result.errors.append(Issue(
            "ambiguous_correction",
            f"{outcome.candidates} readings satisfy the check digits and none is clearly likelier; none was chosen",
        ))
        return result
    if outcome.lines is None or not outcome.corrections:
        return result
    corrected = parse_lines(outcome.lines, layout, today)
    corrected.corrections = list(outcome.corrections)
    if corrected.valid:
        corrected.warnings.append(Issue("corrected", f"{len(outcome.corrections)} OCR substitution(s) applied"))
    # Otherwise the correction made the check digits hold but something else (e.g. an unknown
    # country) is still wrong: show the corrected reading, still invalid.
    return _doubts(corrected, list(outcome.lines), alternatives, layout)


def _doubts(result: MRZResult, lines: list[str], alternatives: list[list[Sequence[tuple[str, float]]]] | None,
            layout: Layout) -> MRZResult:
    """OCR input only: a character no check digit covers, read with doubt (see `UNCERTAIN_BELOW`), makes
    the result invalid (`uncertain_reading`) instead of passing a possibly wrong name as valid."""
    if alternatives is None:
        return result
    for name in uncertain_fields(lines, alternatives, layout):
        result.errors.append(Issue("uncertain_reading", f"a character of {name} that no check digit covers was "
                                   "read with low confidence; rescan or confirm it on the document", name))
    return result
