"""The glyph classifier: MRZ lines cut into character cells by their pitch, each cell classified.

MRZ text is OCR-B at a fixed pitch and every one of its 37 glyphs (the filler `<` included) is
centred in its cell, so a line of known length is a row of equal cells: find the text's extent,
fit the pitch and offset that put the cell boundaries on the emptiest columns, cut the cells and
classify each with a small neural network (one hidden layer, numpy only). Its softmax gives a
probability for every character, which is exactly what the check-digit correction wants.

The weights (`gateway/mrz/data/ocrb_glyphs.npz`) are trained by
`training/ocrb-mrz/train_glyphs.py` on cells cut by this very segmenter from rendered lines,
so training and use see the same cuts.
"""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np

from .reading import MRZ_ALPHABET, CharReading, LineReading, RecogniserUnavailable, check_line_image

CELL_H, CELL_W = 26, 18  # classifier input (rows, columns)
LENGTHS = (30, 36, 44)
_PITCH_PER_CAP = (0.85, 1.45)  # OCR-B MRZ pitch over cap height, generous
_MIN_PROB = 1e-4


class SegmentationError(ValueError):
    """The line image holds no row of characters that can be cut into cells."""


def ink_map(line: np.ndarray) -> np.ndarray:
    """0 = paper, 1 = full ink; background and uneven lighting removed by a grey closing (the
    local maximum over a window wider than any stroke) and local contrast normalised."""
    img = line.astype(np.float32)
    h = img.shape[0]
    k = max(5, (h // 2) | 1)
    bg = cv2.dilate(img, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    bg = cv2.blur(bg, (k, k))
    diff = np.clip(bg - img, 0, None)
    hi = float(np.percentile(diff, 99.0))
    if hi < 8.0:  # no contrast at all: blank
        return np.zeros_like(diff)
    # Contrast relative to the strongest ink nearby (uneven lighting fades one end of a line), but
    # never below 40 % of the line's: a text-free stretch of paper texture must stay paper.
    local = cv2.dilate(diff, cv2.getStructuringElement(cv2.MORPH_RECT, (3 * h | 1, h | 1)))
    local = np.maximum(cv2.blur(local, (3 * h | 1, 1)), 0.4 * hi)
    # Paper texture and noise sit below a quarter of the ink's contrast; cut it off softly.
    return np.clip((diff / local - 0.25) / 0.55, 0.0, 1.0)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    padded = np.concatenate(([False], mask, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return list(zip(edges[0::2].tolist(), edges[1::2].tolist(), strict=True))


def _band(ink: np.ndarray) -> tuple[int, int]:
    """Rows of the text line: the run of inked rows with the most ink, preferring the centre
    (a loose crop may hold slivers of the lines above and below)."""
    rows = ink.mean(axis=1)
    if rows.max() <= 0:
        raise SegmentationError("no text found in the line image")
    runs = _runs(rows > 0.25 * rows.max())
    h = ink.shape[0]

    def score(run: tuple[int, int]) -> float:
        a, b = run
        centre = (a + b) / 2
        return float(rows[a:b].sum()) * (1.0 - 0.5 * abs(centre - h / 2) / h)

    a, b = max(runs, key=score)
    return a, b


def _extent(ink: np.ndarray, a: int, b: int) -> tuple[int, int]:
    """First and last column of the characters: the connected ink blobs that are glyph-sized
    (at least a third of the cap height tall, their middle inside the band). Background texture,
    dust and slivers of the neighbouring lines are thinner or lie outside the band."""
    cap = b - a
    binary = (ink > 0.45).astype(np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    xs0, xs1 = [], []
    for i in range(1, n):
        x, y, w, h, area = stats[i]
        mid = y + h / 2
        if h >= 0.33 * cap and a - cap * 0.25 <= mid <= b + cap * 0.25 and h <= 2.2 * cap and w <= 4 * cap \
                and area >= 0.02 * cap * cap:
            xs0.append(x)
            xs1.append(x + w)
    if not xs0:
        raise SegmentationError("no characters found in the line image")
    order = np.argsort(xs0)
    x0s, x1s = np.array(xs0)[order], np.array(xs1)[order]
    # Drop outliers at either end: a blob more than three pitches from the rest is not text.
    gap = 3.0 * cap
    start, end = 0, len(x0s) - 1
    while start < end and x0s[start + 1] - x1s[start] > gap:
        start += 1
    while end > start and x0s[end] - np.max(x1s[start:end]) > gap:
        end -= 1
    return int(x0s[start]), int(np.max(x1s[start : end + 1]))


def _skewed_centres(ink: np.ndarray, band: tuple[int, int], x0: int, x1: int) -> tuple[float, float]:
    """Centre row of the band as y = c + s·x, fitted on a few slices (residual skew)."""
    a, b = band
    h = b - a
    lo, hi = max(0, a - h // 2), min(ink.shape[0], b + h // 2)
    xs, ys = [], []
    for s0 in np.linspace(x0, x1, 7)[:-1]:
        s0 = int(s0)
        s1 = int(s0 + (x1 - x0) / 6)
        rows = ink[lo:hi, s0:s1].sum(axis=1)
        if rows.sum() > 0:
            xs.append((s0 + s1) / 2)
            ys.append(lo + float((rows * np.arange(len(rows))).sum() / rows.sum()))
    if len(xs) < 3:
        return (a + b) / 2, 0.0
    slope, _ = np.polyfit(xs, ys, 1)
    slope = float(np.clip(slope, -0.05, 0.05))
    return float(np.median(np.array(ys) - slope * np.array(xs))), slope


def _fit_pitch(cols: np.ndarray, left: int, right: int, n: int) -> tuple[float, float, float]:
    """(offset, pitch, score): every glyph covers its cell's centre, so the first cell starts at
    most half a pitch before the first ink and the last ends at most half a pitch after the last;
    among those fits the one whose boundaries cross the least ink."""
    span = right - left
    best = (left - 0.0, span / n, np.inf)
    pitches = np.linspace(span / (n - 0.35), span / (n - 1.1), 48)
    xs = np.arange(len(cols), dtype=np.float32)
    k = np.arange(n + 1, dtype=np.float32)
    for p in pitches:
        # first cell start o: left - 0.5p <= o <= left, and o + n·p >= right
        lo = max(left - 0.5 * p, right - n * p)
        hi = min(float(left), right - (n - 0.5) * p)
        if hi < lo:
            continue
        offsets = np.linspace(lo, hi, 12)
        bounds = offsets[:, None] + k[None, :] * p
        vals = np.interp(bounds[:, 1:-1], xs, cols)
        scores = vals.sum(axis=1)
        i = int(np.argmin(scores))
        if scores[i] < best[2]:
            best = (float(offsets[i]), float(p), float(scores[i]))
    return best


def segment(line: np.ndarray, length: int | None = None) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """Cut a line image into `length` cells: (cells as float32 [n, CELL_H, CELL_W], boxes x, y, w, h).
    Without `length`, the format whose pitch fits the text's height best is taken."""
    ink = ink_map(check_line_image(line))
    a, b = _band(ink)
    cap = b - a
    if cap < 5:
        raise SegmentationError("the text line is too small to read")
    band_ink = ink[max(0, a - cap // 3) : b + cap // 3]
    cols = band_ink.sum(axis=0)
    left, right = _extent(ink, a, b)
    if length is None:
        pitch_guess = cap * 1.08
        length = min(LENGTHS, key=lambda n: abs((right - left) / n - pitch_guess))
    if (right - left) / length < cap * _PITCH_PER_CAP[0] * 0.5:
        raise SegmentationError("the line holds fewer characters than expected")
    smooth = cv2.GaussianBlur(cols.astype(np.float32).reshape(1, -1), (0, 0), max(0.6, cap / 14)).ravel()
    offset, pitch, _ = _fit_pitch(smooth, left, right, length)
    c0, slope = _skewed_centres(ink, (a, b), left, right)

    half_h = cap * 0.68
    half_w = pitch * 0.6
    cells = np.empty((length, CELL_H, CELL_W), dtype=np.float32)
    shrink = 2 * half_h / CELL_H
    src = cv2.GaussianBlur(ink, (0, 0), 0.5 * shrink) if shrink > 1.3 else ink  # against aliasing
    boxes = []
    h, w = ink.shape
    # Map each cell onto the classifier grid with one affine warp per cell (sub-pixel, with the skew).
    for i in range(length):
        cx = offset + (i + 0.5) * pitch
        cy = c0 + slope * cx
        sx = (2 * half_w) / CELL_W
        sy = (2 * half_h) / CELL_H
        # Output (u, v) samples input (cx - half_w + sx·u, cy - half_h + sy·v): WARP_INVERSE_MAP.
        m = np.array([[sx, 0.0, cx - half_w], [0.0, sy, cy - half_h]], dtype=np.float32)
        cells[i] = cv2.warpAffine(src, m, (CELL_W, CELL_H), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                  borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)
        x = round(cx - pitch / 2)
        y = round(cy - cap / 2)
        boxes.append((max(0, x), max(0, y), min(w, round(pitch)), min(h, cap)))
    return cells, boxes


def features(cells: np.ndarray) -> np.ndarray:
    """Classifier input: cell pixels, each cell scaled to unit peak ink (faint print looks like
    dark print)."""
    flat = cells.reshape(len(cells), -1)
    peak = flat.max(axis=1, keepdims=True)
    return flat / np.maximum(peak, 0.2)


class GlyphModel:
    """One hidden layer, ReLU, softmax over the 37 MRZ characters. Weights from an .npz file."""

    def __init__(self, w1: np.ndarray, b1: np.ndarray, w2: np.ndarray, b2: np.ndarray,
                 mean: np.ndarray, scale: np.ndarray, temperature: float = 1.0) -> None:
        self.w1, self.b1 = w1.astype(np.float32), b1.astype(np.float32)
        self.w2, self.b2 = w2.astype(np.float32), b2.astype(np.float32)
        self.mean, self.scale = mean.astype(np.float32), scale.astype(np.float32)
        self.temperature = float(temperature)

    @classmethod
    def load(cls, path: Path) -> GlyphModel:
        with np.load(path) as z:
            if str(z["alphabet"]) != MRZ_ALPHABET:
                raise RecogniserUnavailable(f"glyph model {path.name} was trained for another alphabet")
            return cls(z["w1"], z["b1"], z["w2"], z["b2"], z["mean"], z["scale"], float(z["temperature"]))

    def logits(self, x: np.ndarray) -> np.ndarray:
        hidden = np.maximum((x - self.mean) * self.scale @ self.w1 + self.b1, 0.0)
        return hidden @ self.w2 + self.b2

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        z = self.logits(x) / self.temperature
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)


class GlyphRecogniser:
    """`LineRecogniser` over `segment` + `GlyphModel`. Returns exactly `length` characters."""

    def __init__(self, model: Path | str, *, name: str = "glyphs", keep: int = 5) -> None:
        path = Path(model)
        if not path.is_file():
            raise RecogniserUnavailable(f"glyph model not found: {path}")
        self.model = GlyphModel.load(path)
        self.name = name
        self._keep = keep
        self._lock = threading.Lock()

    def recognise(self, line: np.ndarray, length: int | None = None) -> LineReading:
        try:
            cells, boxes = segment(line, length)
        except SegmentationError:
            return LineReading((), self.name)
        probs = self.model.probabilities(features(cells))
        order = np.argsort(-probs, axis=1)[:, : self._keep]
        chars = []
        for i, box in enumerate(boxes):
            alts = tuple((MRZ_ALPHABET[j], float(max(_MIN_PROB, probs[i, j]))) for j in order[i])
            chars.append(CharReading(alts, box))
        return LineReading(tuple(chars), self.name)
