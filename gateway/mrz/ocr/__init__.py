"""MRZ line recognisers: one MRZ line image in, per-character alternatives with probabilities out.

    >>> from gateway.mrz.ocr import default_recogniser          # doctest: +SKIP
    >>> reading = default_recogniser().recognise(line_image, 44)  # doctest: +SKIP
    >>> reading.text, reading.chars[0].alternatives             # doctest: +SKIP

The engines:
- `tesseract:eng` — Debian's stock English LSTM model, the baseline (poor on OCR-B's `<`, 0/O);
- `tesseract:ocrb_mrz` — Tesseract with the project's own model for the 37 MRZ characters;
- `glyphs:ocrb` — cells cut by pitch, each classified by the project's own small network;
- votes of several engines (`vote.VotingRecogniser`).
The default (`engines.DEFAULT`) is what `training/ocrb-mrz/README.md` measured best; a missing
model or library raises `RecogniserUnavailable` (fail closed, no fallback).
"""

from __future__ import annotations

import threading

from . import engines
from .reading import (
    MRZ_ALPHABET,
    CharReading,
    LineReading,
    LineRecogniser,
    RecogniserUnavailable,
    normalise_alternatives,
)

__all__ = [
    "MRZ_ALPHABET",
    "CharReading",
    "LineReading",
    "LineRecogniser",
    "RecogniserUnavailable",
    "default_recogniser",
    "eng_recogniser",
    "engines",
    "normalise_alternatives",
]

_default: LineRecogniser | None = None
_default_lock = threading.Lock()


def eng_recogniser() -> LineRecogniser:
    """Debian's stock `eng` model (the baseline)."""
    return engines.eng()


def default_recogniser() -> LineRecogniser:
    """The engine(s) that won the measurement (`engines.DEFAULT`), loaded once per process.
    Raises `RecogniserUnavailable` with the reason when a model or library is missing: there is
    no silent fallback to a weaker engine."""
    global _default
    with _default_lock:
        if _default is None:
            _default = engines.DEFAULT()
        return _default
