"""MRZ line recognisers: one MRZ line image in, per-character alternatives with probabilities out.

    >>> from gateway.mrz.ocr import default_recogniser          # doctest: +SKIP
    >>> reading = default_recogniser().recognise(line_image, 44)  # doctest: +SKIP
    >>> reading.text, reading.chars[0].alternatives             # doctest: +SKIP

The engines:
- `tesseract:eng` — Debian's stock English LSTM model, the baseline (poor on OCR-B's `<`, 0/O);
- the default engine is chosen in `default_recogniser` from what `training/ocrb-mrz/README.md`
  measured; a missing model or library raises `RecogniserUnavailable` (fail closed, no fallback).
"""

from __future__ import annotations

import threading
from pathlib import Path

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
    "normalise_alternatives",
]

SYSTEM_TESSDATA = (Path("/usr/share/tesseract-ocr/5/tessdata"), Path("/usr/share/tesseract-ocr/4.00/tessdata"))

_default: LineRecogniser | None = None
_default_lock = threading.Lock()


def eng_recogniser() -> LineRecogniser:
    """Debian's stock `eng` model through the same engine: the baseline every figure is compared with."""
    from .tesseract import TesseractRecogniser

    for d in SYSTEM_TESSDATA:
        if (d / "eng.traineddata").is_file():
            return TesseractRecogniser(d / "eng.traineddata", name="tesseract:eng", min_height=40)
    raise RecogniserUnavailable("Tesseract's eng model not found; install the Debian package tesseract-ocr-eng")


def default_recogniser() -> LineRecogniser:
    """The engine(s) that won the measurement, loaded once per process. Raises
    `RecogniserUnavailable` with the reason when a model or library is missing."""
    global _default
    with _default_lock:
        if _default is None:
            _default = eng_recogniser()
        return _default
