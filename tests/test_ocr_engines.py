"""MRZ line recognisers on lines rendered here in OCR-B (Pillow, Debian's fonts-ocr-b): the
glyph classifier, Tesseract with our model and with Debian's `eng`, the vote, and the default.

The renderer below is deliberately not training/ocrb-mrz/synth.py: the engines were trained on
that one's output, so the tests draw their lines with other code (whole-line text drawing,
Gaussian blur and noise from numpy) and other persons' data.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from gateway.mrz import build_mrz, check_readings
from gateway.mrz.ocr import (
    MRZ_ALPHABET,
    CharReading,
    LineReading,
    RecogniserUnavailable,
    default_recogniser,
    engines,
)
from gateway.mrz.ocr.glyphs import GlyphRecogniser
from gateway.mrz.ocr.tesseract import TesseractRecogniser
from gateway.mrz.ocr.vote import VotingRecogniser, pool

FONT = "/usr/share/fonts/opentype/ocr-b/OCRB.otf"
TODAY = dt.date(2026, 11, 22)
TD3 = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]
TD1 = build_mrz(format="TD1", document_code="ID", issuing_state="BGR", document_number="AA4472091",
                primary_identifier="Стоянова", secondary_identifier="Йорданка", nationality="BGR",
                birth_date=dt.date(1979, 6, 30), sex="F", expiry_date=dt.date(2033, 2, 14), optional_data="7906301234")
TD2 = build_mrz(format="TD2", document_code="I", issuing_state="ROU", document_number="RX0815246",
                primary_identifier="Țurcanu", secondary_identifier="Ștefan", nationality="ROU",
                birth_date=dt.date(1968, 12, 1), sex="M", expiry_date=dt.date(2029, 9, 9))
ALL_LINES = [*TD3, *TD1, *TD2]


def render(text: str, *, cap: float = 28.0, blur: float = 0.6, noise: float = 3.0, pitch: float = 1.0,
           seed: int = 0, background: int = 235, ink: int = 40) -> np.ndarray:
    """One MRZ line as the image stage crops it: grey paper, dark OCR-B, a small margin."""
    size = max(6, round(cap / 0.72))
    font = ImageFont.truetype(FONT, size)
    advance = font.getlength("0") * pitch
    w = int(advance * len(text) + 2 * cap)
    h = int(cap * 2.0)
    img = Image.new("L", (w, h), background)
    draw = ImageDraw.Draw(img)
    top = (h - cap) / 2 - (font.getbbox("A")[1])
    for i, ch in enumerate(text):
        draw.text((cap + i * advance, top), ch, font=font, fill=ink)
    if blur > 0:
        img = img.filter(ImageFilter.GaussianBlur(blur))
    arr = np.asarray(img, dtype=np.float32)
    arr += np.random.default_rng(seed).normal(0, noise, arr.shape)
    return np.clip(arr, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def glyphs():
    return engines.glyphs()


@pytest.fixture(scope="module")
def own_tesseract():
    try:
        return engines.own_tesseract()
    except RecogniserUnavailable as exc:  # pragma: no cover - the model is committed
        pytest.fail(str(exc))


@pytest.mark.parametrize("text", ALL_LINES)
def test_glyph_classifier_reads_clean_lines_exactly(glyphs, text: str) -> None:
    r = glyphs.recognise(render(text), len(text))
    assert r.text == text
    assert len(r.chars) == len(text) and r.engine == "glyphs:ocrb"
    for c in r.chars:
        probs = [p for _, p in c.alternatives]
        assert probs == sorted(probs, reverse=True) and sum(probs) <= 1.0 + 1e-6
        assert c.box is not None and c.box[2] > 0 and c.box[3] > 0
    # Boxes run left to right at the line's pitch.
    xs = [c.box[0] for c in r.chars]
    assert xs == sorted(xs)


def test_glyph_classifier_finds_the_length_itself(glyphs) -> None:
    for text in (TD3[1], TD1[0], TD2[1]):
        assert glyphs.recognise(render(text)).text == text


def test_glyph_boxes_locate_the_characters(glyphs) -> None:
    text = TD3[1]
    img = render(text, cap=30, noise=0)
    r = glyphs.recognise(img, len(text))
    font = ImageFont.truetype(FONT, round(30 / 0.72))
    advance = font.getlength("0")
    for i, c in enumerate(r.chars):
        centre = c.box[0] + c.box[2] / 2
        assert abs(centre - (30 + (i + 0.5) * advance)) < 0.25 * advance


def test_probabilities_separate_clear_and_smudged_characters(glyphs) -> None:
    text = TD3[1]
    img = render(text, noise=0)
    r = glyphs.recognise(img, len(text))
    clear = r.chars[5].confidence
    # Smudge the sixth character (a 0): a blot over its middle.
    x = r.chars[5].box
    smudged = img.copy()
    smudged[x[1] + x[3] // 3 : x[1] + 2 * x[3] // 3, x[0] : x[0] + x[2]] = 40
    r2 = glyphs.recognise(smudged, len(text))
    assert r2.chars[5].confidence < clear
    assert r2.chars[4].char == text[4] and r2.chars[6].char == text[6]


def test_blank_and_noise_lines_give_no_confident_reading(glyphs) -> None:
    blank = np.full((56, 1300), 230, np.uint8)
    assert glyphs.recognise(blank, 44).chars == ()
    noise = np.random.default_rng(3).integers(0, 256, (56, 1300)).astype(np.uint8)
    r = glyphs.recognise(noise, 44)
    assert r.chars == () or np.mean([c.confidence for c in r.chars]) < 0.9


@pytest.mark.parametrize("text", [TD3[1], TD1[1], TD2[0]])
def test_own_tesseract_model_reads_clean_lines(own_tesseract, text: str) -> None:
    r = own_tesseract.recognise(render(text), len(text))
    assert r.engine == "tesseract:ocrb_mrz"
    assert all(c.box is not None for c in r.chars)
    # Weaker than the glyph classifier (README): at most one slip per clean line (a substitution,
    # or a thin I dropped at a line's start, Tesseract's habit).
    assert _edit_distance(r.text, text) <= 1


def _edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def test_stock_eng_model_runs_with_choices() -> None:
    eng = engines.eng()
    r = eng.recognise(render(TD3[1], cap=30), 44)
    assert r.engine == "tesseract:eng" and len(r.chars) >= 40
    assert all(ch in MRZ_ALPHABET for ch in r.text)
    assert any(len(c.alternatives) > 1 for c in r.chars)  # lstm_choice_mode=2 reports competitors


def test_missing_models_fail_closed_with_the_path(tmp_path) -> None:
    with pytest.raises(RecogniserUnavailable, match="not found"):
        TesseractRecogniser(tmp_path / "nothing.traineddata")
    with pytest.raises(RecogniserUnavailable, match="not found"):
        GlyphRecogniser(tmp_path / "nothing.npz")
    bad = tmp_path / "ocrb_mrz.traineddata"
    bad.write_bytes(b"not a model")
    with pytest.raises(RecogniserUnavailable, match="could not load"):
        TesseractRecogniser(bad)


def test_bad_line_images_are_refused_with_a_reason(glyphs) -> None:
    with pytest.raises(ValueError, match="grayscale"):
        glyphs.recognise(np.zeros((40, 400, 3), np.uint8), 44)
    with pytest.raises(ValueError, match="uint8"):
        glyphs.recognise(np.zeros((40, 400), np.float32), 44)
    with pytest.raises(ValueError, match="too small"):
        glyphs.recognise(np.zeros((3, 400), np.uint8), 44)


def test_pool_keeps_what_only_one_engine_saw() -> None:
    a = CharReading((("O", 0.7), ("0", 0.3)), (10, 0, 20, 30))
    b = CharReading((("0", 0.9), ("D", 0.1)))
    p = pool(a, b)
    assert p.char == "0" and p.box == a.box
    probs = dict(p.alternatives)
    assert math.isclose(probs["0"], 0.6) and math.isclose(probs["O"], 0.35) and math.isclose(probs["D"], 0.05)


def test_vote_of_glyphs_and_tesseract_reads_and_aligns(glyphs, own_tesseract) -> None:
    voter = VotingRecogniser(glyphs, own_tesseract)
    text = TD1[0]
    r = voter.recognise(render(text), len(text))
    assert r.text == text and r.engine == "glyphs:ocrb+tesseract:ocrb_mrz"
    assert len(r.chars) == len(text)


def test_default_recogniser_and_check_readings_read_a_whole_mrz() -> None:
    rec = default_recogniser()
    assert rec is default_recogniser()  # loaded once
    readings = [rec.recognise(render(t, seed=i), len(t)) for i, t in enumerate(TD1)]
    r = check_readings(readings, today=TODAY)
    assert r.valid and r.lines == tuple(TD1)
    assert r.fields["document_number"] == "AA4472091"


DOCUMENTS = [TD3, TD1, TD2]


@settings(max_examples=20, deadline=None)
@given(st.sampled_from(DOCUMENTS), st.floats(16, 40), st.floats(0.0, 1.0), st.floats(0, 8), st.floats(0.95, 1.2),
       st.integers(0, 1000), st.integers(150, 255), st.integers(0, 80))
def test_a_rendered_mrz_reads_back_exactly(lines: list[str], cap: float, blur: float, noise: float, pitch: float,
                                           seed: int, background: int, ink: int) -> None:
    """Every line through the default recogniser, then the check-digit correction: the MRZ
    comes back exactly across blur, noise, resolution, pitch and contrast."""
    readings = []
    for i, text in enumerate(lines):
        img = render(text, cap=cap, blur=blur * cap / 28, noise=noise, pitch=pitch, seed=seed + i,
                     background=background, ink=ink)
        readings.append(default_recogniser().recognise(img, len(text)))
    r = check_readings(readings, today=TODAY)
    assert r.lines == tuple(lines), [x.text for x in readings]
    assert r.valid


def test_line_reading_text_and_from_text() -> None:
    r = LineReading.from_text("P<UTO")
    assert r.text == "P<UTO" and r.chars[0].alternatives == (("P", 1.0),)
