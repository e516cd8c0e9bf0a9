"""Draw one document page (data page / card side) as ink layers: background tint and guilloche,
a UV-only emblem, pre-printed captions, personal data, a drawn portrait and the OCR-B MRZ.

Geometry is exact: MRZ characters sit on the 2.54 mm grid, so the ground truth (MRZ box, line
boxes, portrait box) is known in page pixels before any degradation moves it.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from simulators.chip.face_image import draw_face

from .inks import BRIGHT_UV_PAPER, InkLayer, Paper, compose
from .layout import LAYOUTS, PITCH_MM, TD1_FRONT_PORTRAIT
from .mrz_text import LINE_COUNT, LINE_LENGTH, MrzFields
from .mrz_text import compose as compose_mrz
from .persons import Person

OCRB = "/usr/share/fonts/opentype/ocr-b/OCRB.otf"  # Debian fonts-ocr-b (public domain)
SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"  # Debian fonts-dejavu-core: Latin + Cyrillic
SANS_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
_OCRB_ADVANCE = 0.72296875  # advance width / em of every OCR-B glyph (monospaced font)

FORGERIES = frozenset({"ir_invisible_mrz", "uv_bright_paper", "swapped_photo", "no_uv_feature"})

_STATE_NAMES = {
    "BGR": ("РЕПУБЛИКА БЪЛГАРИЯ", "REPUBLIC OF BULGARIA"), "ROU": ("ROMÂNIA", "ROMANIA"),
    "POL": ("RZECZPOSPOLITA POLSKA", "REPUBLIC OF POLAND"), "HUN": ("MAGYARORSZÁG", "HUNGARY"),
    "D": ("BUNDESREPUBLIK DEUTSCHLAND", "FEDERAL REPUBLIC OF GERMANY"), "UTO": ("UTOPIA", "UTOPIA"),
}
_DOC_NAMES = {"TD1": "IDENTITY CARD", "TD2": "IDENTITY CARD", "TD3": "PASSPORT", "MRV-A": "VISA", "MRV-B": "VISA"}


@dataclass(frozen=True)
class DocumentSpec:
    """What to print. `mrz_lines` overrides the lines composed from `fields` (e.g. an MRZ that
    differs from the chip's, or an ICAO specimen). `portrait_seed` picks the drawn face (the chip
    simulator's DG2 face uses the same drawing: equal seeds give the same face)."""

    fields: MrzFields
    person: Person | None = None
    mrz_lines: tuple[str, ...] | None = None
    portrait_seed: int = 1
    design_seed: int = 0
    forgeries: frozenset[str] = field(default_factory=frozenset)
    issue_date: dt.date | None = None

    def __post_init__(self) -> None:
        unknown = set(self.forgeries) - FORGERIES
        if unknown:
            raise ValueError(f"unknown forgery switch(es) {sorted(unknown)}; known: {sorted(FORGERIES)}")

    @property
    def format(self) -> str:
        return self.fields.format

    def lines(self) -> list[str]:
        lines = list(self.mrz_lines) if self.mrz_lines is not None else compose_mrz(self.fields)
        fmt = self.format
        if len(lines) != LINE_COUNT[fmt] or any(len(x) != LINE_LENGTH[fmt] for x in lines):
            raise ValueError(f"{fmt} needs {LINE_COUNT[fmt]} lines of {LINE_LENGTH[fmt]} characters")
        return lines


Quad = tuple[tuple[float, float], ...]


@dataclass
class Page:
    """A rendered page (RGB uint8) with its geometry in page pixels."""

    image: np.ndarray
    dpi: float
    format: str
    side: str
    light: str
    mrz_lines: list[str]
    mrz_line_quads: list[Quad]
    portrait_quad: Quad | None
    layers: list[InkLayer]
    paper: Paper

    def relight(self, light: str) -> np.ndarray:
        """The same page under another light (no redraw)."""
        return compose(self.paper, self.layers, self.image.shape[:2], light)


def _rect(x: float, y: float, w: float, h: float) -> Quad:
    return ((x, y), (x + w, y), (x + w, y + h), (x, y + h))


@functools.lru_cache(maxsize=64)
def _font(path: str, px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, max(4, px))


def _text_mask(shape: tuple[int, int], items: list[tuple[float, float, str, str, int]]) -> np.ndarray:
    """Coverage mask of text items (x, y, text, font path, size px), anchored left-baseline."""
    img = Image.new("L", (shape[1], shape[0]), 0)
    d = ImageDraw.Draw(img)
    for x, y, text, path, size in items:
        d.text((x, y), text, font=_font(path, size), fill=255, anchor="ls")
    return np.asarray(img, np.float32) / 255.0


def _guilloche(shape: tuple[int, int], mm: float, rng: np.random.Generator) -> np.ndarray:
    h, w = shape
    img = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(img)
    width = max(1, round(0.08 * mm))
    # wave bands across the page
    xs = np.linspace(0, w, max(50, w // 3))
    for k in range(int(rng.integers(10, 18))):
        y0 = rng.uniform(0, h)
        amp, per, ph = rng.uniform(1.5, 5) * mm, rng.uniform(15, 40) * mm, rng.uniform(0, 6.3)
        ys = y0 + amp * np.sin(xs / per * 2 * math.pi + ph) + 0.5 * amp * np.sin(xs / per * 5.1 + k)
        d.line(list(zip(xs.tolist(), ys.tolist(), strict=True)), fill=255, width=width)
    # a rosette (hypotrochoid)
    cx, cy = rng.uniform(0.5, 0.85) * w, rng.uniform(0.25, 0.6) * h
    big, small, dist = rng.uniform(9, 16) * mm, rng.uniform(2, 5) * mm, rng.uniform(3, 8) * mm
    t = np.linspace(0, 2 * math.pi * 20, 4000)
    px = cx + (big - small) * np.cos(t) + dist * np.cos((big - small) / small * t)
    py = cy + (big - small) * np.sin(t) - dist * np.sin((big - small) / small * t)
    d.line(list(zip(px.tolist(), py.tolist(), strict=True)), fill=255, width=width)
    return np.asarray(img, np.float32) / 255.0 * 0.8


def _tint(shape: tuple[int, int], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    a = rng.uniform(0, 2 * math.pi)
    ramp = (np.cos(a) * xx / w + np.sin(a) * yy / h)
    mask = (0.18 + 0.10 * ramp).astype(np.float32)
    c1, c2 = rng.uniform(0.55, 0.95, 3), rng.uniform(0.55, 0.95, 3)
    t = np.clip(ramp - ramp.min(), 0, None)
    t = (t / max(float(t.max()), 1e-6))[..., None]
    colour = (c1 * (1 - t) + c2 * t).astype(np.float32)
    return np.clip(mask, 0, 1), colour


def _emblem(shape: tuple[int, int], cx: float, cy: float, r: float) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    cv2.circle(mask, (round(cx), round(cy)), round(r), 255, max(2, round(r / 10)), cv2.LINE_AA)
    pts = [(cx + r * 0.8 * math.cos(math.pi / 2 + k * 4 * math.pi / 5),
            cy - r * 0.8 * math.sin(math.pi / 2 + k * 4 * math.pi / 5)) for k in range(5)]
    cv2.polylines(mask, [np.round(np.array(pts)).astype(np.int32)], True, 255, max(2, round(r / 12)), cv2.LINE_AA)
    return mask.astype(np.float32) / 255.0


def _fmt_date(d: dt.date | str) -> str:
    return d.strftime("%d.%m.%Y") if isinstance(d, dt.date) else str(d)


def render_page(spec: DocumentSpec, dpi: float = 300.0, light: str = "white", side: str = "mrz") -> Page:
    """Render the MRZ side (`side="mrz"`) or, for TD1, the portrait side (`side="front"`)."""
    fmt = spec.format
    lay = LAYOUTS[fmt]
    if side not in ("mrz", "front"):
        raise ValueError("side must be 'mrz' or 'front'")
    if side == "front" and fmt != "TD1":
        raise ValueError("only TD1 has its portrait and MRZ on different sides")
    mm = dpi / 25.4
    shape = (round(lay.height * mm), round(lay.width * mm))
    rng = np.random.default_rng(spec.design_seed * 1_000_003 + 11)
    paper = Paper(uv_glow=BRIGHT_UV_PAPER) if "uv_bright_paper" in spec.forgeries else Paper()
    layers: list[InkLayer] = []

    tint_mask, tint_colour = _tint(shape, rng)
    layers.append(InkLayer("tint", tint_mask, tint_colour, 0.0, uv_absorption=0.05))
    g_colour = tuple(float(v) for v in rng.uniform(0.35, 0.8, 3))
    layers.append(InkLayer("guilloche", _guilloche(shape, mm, rng), g_colour, 0.0, uv_absorption=0.2))
    if "no_uv_feature" not in spec.forgeries:
        r = 9 * mm
        cx, cy = shape[1] * 0.7, shape[0] * 0.42
        layers.append(InkLayer("uv_emblem", _emblem(shape, cx, cy, r), (1.0, 1.0, 1.0), 0.0,
                               uv_emission=(0.35, 0.95, 0.45), uv_absorption=0.0))

    f = spec.fields
    person = spec.person
    native, english = _STATE_NAMES.get(f.issuing_state, (f.issuing_state, f.issuing_state))
    caption_px, value_px, header_px = round(1.5 * mm), round(2.6 * mm), round(3.2 * mm)
    portrait_quad: Quad | None = None
    captions: list[tuple[float, float, str, str, int]] = []
    values: list[tuple[float, float, str, str, int]] = []
    captions.append((4 * mm, lay.header_height * 0.55 * mm, native, SANS_BOLD, header_px))
    captions.append((4 * mm, lay.header_height * 0.92 * mm, f"{english}  ·  {_DOC_NAMES[fmt]}", SANS, caption_px + 2))

    portrait_box = lay.portrait if side == "mrz" else TD1_FRONT_PORTRAIT
    if portrait_box is not None:
        px, py, pw, ph = portrait_box
        x0, y0, w0, h0 = round(px * mm), round(py * mm), round(pw * mm), round(ph * mm)
        # Drawn at the chip's DG2 size (480 x 600) and scaled: the drawing's colours follow its random
        # stream, which depends on the size, so this keeps page and chip the same face.
        face = draw_face(480, 600, spec.portrait_seed + (7777 if "swapped_photo" in spec.forgeries else 0))
        face = cv2.resize(face, (w0, h0), interpolation=cv2.INTER_AREA)
        face_rgb = cv2.cvtColor(face, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0
        mask = np.zeros(shape, np.float32)
        mask[y0:y0 + h0, x0:x0 + w0] = 1.0
        colour = np.ones((*shape, 3), np.float32)
        colour[y0:y0 + h0, x0:x0 + w0] = face_rgb
        ir = np.zeros(shape, np.float32)
        ir[y0:y0 + h0, x0:x0 + w0] = 0.75 * (1.0 - face_rgb.mean(axis=2))
        layers.append(InkLayer("portrait", mask, colour, ir, uv_absorption=0.6))
        portrait_quad = _rect(x0, y0, w0, h0)
        text_x = (px + pw + 4) * mm
    else:
        text_x = 5 * mm

    rows: list[tuple[str, str]] = []
    if side == "front" or fmt != "TD1":
        rows = [("Surname / Nom", person.primary if person else f.primary_identifier),
                ("Given names / Prénoms", person.secondary if person else f.secondary_identifier),
                ("Nationality", f.nationality),
                ("Date of birth", _fmt_date(person.birth_date if person else f.birth_date)),
                ("Sex", f.sex),
                ("Document no.", f.document_number),
                ("Date of expiry", _fmt_date(f.expiry_date))]
    else:
        rows = [("Place of birth", person.place_of_birth if person else "—"),
                ("Date of issue", _fmt_date(spec.issue_date or dt.date(2024, 5, 2))),
                ("Authority", f"{english[:18]}"),
                ("Height", f"{160 + (spec.design_seed % 35)} cm")]
    y = (lay.header_height + 3.0) * mm
    limit = (lay.mrz_zone_top - 1.0) * mm
    step = (caption_px + value_px) * 1.25
    for cap, val in rows:
        if y + step > limit:
            break
        captions.append((text_x, y + caption_px, cap, SANS, caption_px))
        values.append((text_x, y + caption_px + value_px * 1.1, val.upper(), SANS, value_px))
        y += step
    layers.append(InkLayer("captions", _text_mask(shape, captions), (0.15, 0.22, 0.45), 0.0, uv_absorption=0.4))
    layers.append(InkLayer("personal_data", _text_mask(shape, values), (0.08, 0.08, 0.1), 0.85, uv_absorption=0.7))

    lines = spec.lines()
    quads: list[Quad] = []
    if side == "mrz":
        pitch = PITCH_MM * mm
        size = round(pitch / _OCRB_ADVANCE)
        cap = 0.71 * size
        items = []
        for centre, text in zip(lay.mrz_line_centres, lines, strict=True):
            baseline = centre * mm + cap / 2
            for i, ch in enumerate(text):
                items.append((lay.mrz_left * mm + i * pitch, baseline, ch, OCRB, size))
            quads.append(_rect(lay.mrz_left * mm, baseline - 0.77 * size, len(text) * pitch, 0.77 * size))
        ir = 0.0 if "ir_invisible_mrz" in spec.forgeries else 1.0
        layers.append(InkLayer("mrz", _text_mask(shape, items), (0.05, 0.05, 0.06), ir, uv_absorption=0.8))
    image = compose(paper, layers, shape, light)
    return Page(image, dpi, fmt, side, light, lines, quads, portrait_quad, layers, paper)
