"""Synthetic MRZ line images in OCR-B with the degradations of scans and phone photos.

The training data recipe of both engines (Tesseract LSTM and the glyph classifier) and the
held-out evaluation set: one seeded generator, so every figure in README.md can be reproduced.
Each image is ONE MRZ line as the optical stage hands it to a recogniser: grayscale, upright
(up to the skew left after deskewing), dark text on a light background, cropped with a margin
that may catch slivers of the neighbouring lines.

Degradations, each drawn per line (ranges in `Degradation`): character pitch and stroke weight,
rotation, baseline jitter, resolution (cap height 9–40 px), background level, texture (guilloche
waves, blotches) and uneven lighting, ink level, Gaussian or motion blur, sensor noise, JPEG.

Text: lines of real MRZs built with `gateway.mrz.build_mrz` from invented persons (every format
and line), plus random strings over the MRZ alphabet with filler runs, so the model learns glyphs,
not a language.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import string
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from gateway.mrz import MRZError, build_mrz

FONT = Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf")  # Debian fonts-ocr-b (public domain)
ALPHABET = string.ascii_uppercase + string.digits + "<"
HI_SIZE = 64  # glyphs are drawn at this font size, then scaled down

_COUNTRIES = ["UTO", "D", "BGR", "ROU", "POL", "HUN", "GRC", "ITA", "ESP", "HRV", "SVK", "CZE", "XXA", "TUR", "UKR"]
_FORMATS = [("TD1", "ID"), ("TD1", "I"), ("TD1", "IR"), ("TD2", "I"), ("TD3", "P"), ("TD3", "PD"),
            ("MRVA", "V"), ("MRVB", "V"), ("TD1", "AC")]


@dataclass(frozen=True)
class Degradation:
    """The ranges one line's degradations are drawn from; `clean()` is a plain crisp scan."""

    cap_height: tuple[float, float] = (9.0, 40.0)   # pixels, log-uniform
    pitch: tuple[float, float] = (0.95, 1.25)       # × the font's advance
    rotation: float = 1.2                           # ± degrees
    blur: tuple[float, float] = (0.0, 1.3)          # Gaussian σ in output pixels
    motion_blur: float = 0.15                       # probability
    noise: tuple[float, float] = (0.0, 14.0)        # σ of Gaussian noise, grey levels
    jpeg: float = 0.5                               # probability of JPEG compression
    jpeg_quality: tuple[int, int] = (20, 90)
    texture: float = 0.6                            # probability of a background pattern
    lighting: float = 0.6                           # probability of uneven lighting
    neighbours: float = 0.35                        # probability of slivers of adjacent lines
    contrast: tuple[float, float] = (70.0, 230.0)   # background minus ink, grey levels
    weight: float = 0.4                             # probability of bolder or thinner strokes

    @classmethod
    def mild(cls) -> Degradation:
        """A good scan: the curriculum's first part (CTC training from scratch leaves its
        all-blank plateau much sooner on legible lines)."""
        return cls(cap_height=(16.0, 36.0), rotation=0.6, blur=(0.0, 0.7), motion_blur=0.0, noise=(0.0, 5.0),
                   jpeg=0.3, jpeg_quality=(60, 95), texture=0.3, lighting=0.3, contrast=(120.0, 230.0))

    @classmethod
    def clean(cls) -> Degradation:
        return cls(cap_height=(26.0, 30.0), pitch=(1.0, 1.0), rotation=0.0, blur=(0.3, 0.3), motion_blur=0.0,
                   noise=(0.0, 0.0), jpeg=0.0, texture=0.0, lighting=0.0, neighbours=0.0,
                   contrast=(200.0, 200.0), weight=0.0)


_font_cache: dict[int, ImageFont.FreeTypeFont] = {}


def _font(size: int = HI_SIZE) -> ImageFont.FreeTypeFont:
    if size not in _font_cache:
        _font_cache[size] = ImageFont.truetype(str(FONT), size)
    return _font_cache[size]


def random_text(rng: random.Random, length: int | None = None) -> str:
    """A line of a random, valid MRZ of an invented person (75 %) or a random MRZ-alphabet string
    with filler runs (25 %)."""
    if rng.random() < 0.25:
        n = length or rng.choice([30, 36, 44])
        out = []
        while len(out) < n:
            r = rng.random()
            if r < 0.2:
                out.extend("<" * rng.randint(1, 8))
            elif r < 0.6:
                out.extend(rng.choice(string.digits) for _ in range(rng.randint(1, 8)))
            else:
                out.extend(rng.choice(ALPHABET) for _ in range(rng.randint(1, 8)))
        return "".join(out[:n])
    while True:
        fmt, code = rng.choice(_FORMATS)
        if length is not None and {"TD1": 30, "TD2": 36, "MRVB": 36}.get(fmt, 44) != length:
            continue
        try:
            lines = _random_mrz(rng, fmt, code)
        except MRZError:
            continue
        return rng.choice(lines)


def _word(rng: random.Random, lo: int, hi: int) -> str:
    return "".join(rng.choice(string.ascii_uppercase) for _ in range(rng.randint(lo, hi)))


def _random_mrz(rng: random.Random, fmt: str, code: str) -> list[str]:
    birth = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(0, 34000))
    expiry = dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(0, 16000))
    long_number = fmt in ("TD1", "TD2") and rng.random() < 0.1
    alnum = string.ascii_uppercase + string.digits
    digit_heavy = rng.random() < 0.6
    pool = string.digits if digit_heavy else alnum
    number = "".join(rng.choice(pool) for _ in range(12 if long_number else rng.randint(6, 9)))
    if not digit_heavy or rng.random() < 0.5:
        number = rng.choice(string.ascii_uppercase) + number[1:]
    width = {"TD1": 15, "TD2": 7, "TD3": 14, "MRVA": 16, "MRVB": 8}[fmt] - (4 if long_number else 0)
    optional = "".join(rng.choice(string.digits if rng.random() < 0.7 else alnum)
                       for _ in range(rng.randint(0, width)))
    given = " ".join(_word(rng, 2, 9) for _ in range(rng.randint(0, 3)))
    country = rng.choice(_COUNTRIES)
    return build_mrz(
        format=fmt, document_code=code, issuing_state=country, document_number=number,
        primary_identifier=" ".join(_word(rng, 2, 12) for _ in range(rng.randint(1, 2))),
        secondary_identifier=given, nationality=rng.choice([country, *_COUNTRIES]),
        birth_date=birth, sex=rng.choice("MFX<"), expiry_date=expiry, optional_data=optional,
        optional_data_2="".join(rng.choice(string.digits) for _ in range(rng.randint(0, 11)))
        if fmt == "TD1" else "",
    )


def _glyph_row(text: str, pitch: float, jitter: float, rng: random.Random, weight: int) -> Image.Image:
    """Coverage image (0 = paper, 255 = ink) of one line of text at HI_SIZE."""
    font = _font()
    ascent, descent = font.getmetrics()
    width = int(pitch * len(text) + HI_SIZE)
    img = Image.new("L", (width, ascent + descent + HI_SIZE // 2), 0)
    draw = ImageDraw.Draw(img)
    x = HI_SIZE / 2
    for ch in text:
        dy = rng.uniform(-jitter, jitter)
        dx = rng.uniform(-jitter, jitter)
        draw.text((x + dx, HI_SIZE / 4 + dy), ch, font=font, fill=255)
        x += pitch
    if weight > 0:
        img = img.filter(ImageFilter.MaxFilter(weight))
    elif weight < 0:
        img = img.filter(ImageFilter.MinFilter(-weight))
    return img


def _background(h: int, w: int, rng: random.Random, d: Degradation, level: float) -> np.ndarray:
    bg = np.full((h, w), level, dtype=np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if rng.random() < d.texture:
        for _ in range(rng.randint(1, 4)):  # guilloche-like waves
            amp = rng.uniform(4, 28)
            fx, fy = rng.uniform(0.02, 0.3), rng.uniform(0.02, 0.4)
            phase = rng.uniform(0, 6.3)
            wave = np.sin(xx * fx + np.sin(yy * fy + phase) * rng.uniform(0.5, 4) + phase)
            bg -= amp * (wave > rng.uniform(0.6, 0.95))
        if rng.random() < 0.5:  # blotches
            small = np.random.default_rng(rng.randrange(1 << 30)).normal(0, 1, (max(2, h // 8), max(2, w // 8)))
            blot = np.array(Image.fromarray(small.astype(np.float32)).resize((w, h), Image.BICUBIC))
            bg += blot * rng.uniform(3, 15)
    if rng.random() < d.lighting:
        gx, gy = rng.uniform(-1, 1), rng.uniform(-1, 1)
        bg += (gx * (xx / max(w, 1) - 0.5) + gy * (yy / max(h, 1) - 0.5)) * rng.uniform(20, 90)
    return bg


def render_line(text: str, rng: random.Random, d: Degradation | None = None) -> np.ndarray:
    """One degraded line image (uint8, dark on light) showing `text`."""
    d = d or Degradation()
    font = _font()
    advance = font.getlength("0")
    pitch = advance * rng.uniform(*d.pitch)
    weight = rng.choice([-3, 3]) if rng.random() < d.weight else 0
    coverage = _glyph_row(text, pitch, 0.6 if d.rotation else 0.0, rng, weight)
    bbox = font.getbbox("A")
    cap_hi = bbox[3] - bbox[1]

    # Slivers of the lines above and below, as a loose crop of a 2- or 3-line MRZ catches them.
    line_gap = cap_hi * rng.uniform(1.6, 2.1)
    layers = [(coverage, 0.0)]
    if rng.random() < d.neighbours:
        for sign in (-1, 1):
            if rng.random() < 0.7:
                other = _glyph_row(random_text(rng)[: len(text)], pitch, 0.6, rng, weight)
                layers.append((other, sign * line_gap))
    w_hi, h_hi = coverage.size
    pad = int(line_gap)
    canvas = Image.new("L", (w_hi, h_hi + 2 * pad), 0)
    for layer, dy in layers:
        canvas.paste(layer, (0, int(pad + dy)), layer)
    angle = rng.uniform(-d.rotation, d.rotation) if d.rotation else 0.0
    if angle:
        canvas = canvas.rotate(angle, resample=Image.BICUBIC, expand=False)

    # Crop around the middle line with a random margin, then scale to the target resolution.
    top_text = pad + HI_SIZE / 4 + (font.getmetrics()[0] - cap_hi)
    lo, hi = d.cap_height
    cap = float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
    scale = cap / cap_hi
    m_top = cap_hi * rng.uniform(0.03, 0.75)  # the image stage crops tightly; loose crops happen too
    m_bottom = cap_hi * rng.uniform(0.03, 0.75)
    m_left = pitch * rng.uniform(0.1, 1.5)
    m_right = pitch * rng.uniform(0.1, 1.5)
    x0 = HI_SIZE / 2 - m_left
    x1 = HI_SIZE / 2 + pitch * (len(text) - 1) + advance + m_right
    y0 = top_text - m_top
    y1 = top_text + cap_hi + m_bottom
    crop = canvas.crop((int(x0), int(y0), int(x1), int(y1)))
    out_w = max(20, round(crop.size[0] * scale))
    out_h = max(8, round(crop.size[1] * scale))
    alpha = np.asarray(crop.resize((out_w, out_h), Image.LANCZOS), dtype=np.float32) / 255.0

    contrast = rng.uniform(*d.contrast)
    level = rng.uniform(min(255.0, 60.0 + contrast), 255.0) if contrast < 195 else 255.0
    ink = max(0.0, level - contrast)
    bg = _background(out_h, out_w, rng, d, level)
    img = bg * (1 - alpha) + ink * alpha

    sigma = rng.uniform(*d.blur)
    pil = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    if sigma > 0.05:
        pil = pil.filter(ImageFilter.GaussianBlur(sigma))
    if rng.random() < d.motion_blur:
        k = rng.choice([3, 5])
        kernel = [0.0] * (k * k)
        for i in range(k):
            kernel[(k // 2) * k + i] = 1.0 / k
        pil = pil.filter(ImageFilter.Kernel((k, k), kernel))
    img = np.asarray(pil, dtype=np.float32)
    noise = rng.uniform(*d.noise)
    if noise > 0:
        img = img + np.random.default_rng(rng.randrange(1 << 30)).normal(0, noise, img.shape)
    out = np.clip(img, 0, 255).astype(np.uint8)
    if rng.random() < d.jpeg:
        buf = io.BytesIO()
        Image.fromarray(out).save(buf, "JPEG", quality=rng.randint(*d.jpeg_quality))
        out = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("L"))
    return out


def samples(seed: int, count: int, d: Degradation | None = None,
            short: tuple[int, int] | None = None) -> list[tuple[str, np.ndarray]]:
    """`count` (text, image) pairs, reproducible from `seed`. With `short`, pieces of that many
    characters cut from MRZ lines (a curriculum for training from scratch)."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        text = random_text(rng)
        if short:
            n = rng.randint(*short)
            start = rng.randrange(0, len(text) - n + 1)
            text = text[start : start + n]
        out.append((text, render_line(text, rng, d)))
    return out
