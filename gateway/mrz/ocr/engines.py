"""The engines this package offers, each built from its model file, and which one is the default.

Measured in training/ocrb-mrz/README.md (held-out lines and whole rendered documents):
see `DEFAULT` for the winner and its figures. Every constructor raises `RecogniserUnavailable` with the reason
when its model or library is missing; nothing downloads anything.
"""

from __future__ import annotations

from pathlib import Path

from .reading import LineRecogniser, RecogniserUnavailable

DATA = Path(__file__).resolve().parent.parent / "data"
TESSERACT_MODEL = DATA / "ocrb_mrz.traineddata"
GLYPH_MODEL = DATA / "ocrb_glyphs.npz"
SYSTEM_TESSDATA = (Path("/usr/share/tesseract-ocr/5/tessdata"), Path("/usr/share/tesseract-ocr/4.00/tessdata"))


def eng() -> LineRecogniser:
    """Debian's stock `eng` model through the same engine: the baseline every figure is compared with."""
    from .tesseract import TesseractRecogniser

    for d in SYSTEM_TESSDATA:
        if (d / "eng.traineddata").is_file():
            return TesseractRecogniser(d / "eng.traineddata", name="tesseract:eng", min_height=40)
    raise RecogniserUnavailable("Tesseract's eng model not found; install the Debian package tesseract-ocr-eng")


def own_tesseract() -> LineRecogniser:
    """Tesseract with the project's own OCR-B MRZ model (training/ocrb-mrz/train_tesseract.py)."""
    from .tesseract import TesseractRecogniser

    return TesseractRecogniser(TESSERACT_MODEL, name="tesseract:ocrb_mrz")


def glyphs() -> LineRecogniser:
    """Pitch segmentation + the project's own glyph classifier (training/ocrb-mrz/train_glyphs.py)."""
    from .glyphs import GlyphRecogniser

    return GlyphRecogniser(GLYPH_MODEL, name="glyphs:ocrb")


def vote() -> LineRecogniser:
    """The glyph classifier with our Tesseract model's second opinion per character."""
    from .vote import VotingRecogniser

    return VotingRecogniser(glyphs(), own_tesseract())


# Measured (training/ocrb-mrz/README.md, 60 rendered documents end to end): glyphs 95.0 % exact
# at 0.072 s a page and 3.5 ms a line; the vote 95.0 % at 0.127 s; our Tesseract model 73.3 %;
# Debian's eng 11.7 %. The vote's lower character error rate did not buy a single page more, so
# the fastest of the best wins.
DEFAULT = glyphs
