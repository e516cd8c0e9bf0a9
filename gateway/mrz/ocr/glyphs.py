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


Blob = tuple[int, int, int, int]


def _geometry(ink: np.ndarray) -> tuple[float, float, float, int, int, list[Blob]]:
    """(cap height, centre row at x = 0, slope, first column, last column) of the text line,
    from its glyph-sized connected ink blobs: at least a third of the band tall, their middle in
    the band. Background texture, dust and slivers of the neighbouring lines are thinner or lie
    outside it. The cap height is the 75th percentile of the blob heights (letters and digits are
    full height, `<` and broken strokes less), the centre line a fit through the full-height ones."""
    a, b = _band(ink)
    band = b - a
    if band < 5:
        raise SegmentationError("the text line is too small to read")
    binary = (ink > 0.45).astype(np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    blobs = []
    for i in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[i])
        mid = y + h / 2
        if 0.3 * band <= h <= 1.4 * band and a - 0.3 * band <= mid <= b + 0.3 * band and w <= 4 * band \
                and area >= 0.02 * band * band:
            blobs.append((x, y, w, h))
    if not blobs:
        raise SegmentationError("no characters found in the line image")
    cap = float(np.percentile([h for *_, h in blobs], 75))
    if cap < 5:
        raise SegmentationError("the text line is too small to read")
    tall = [(x + w / 2, y + h / 2) for x, y, w, h in blobs if h >= 0.8 * cap]
    xs = np.array([t[0] for t in tall])
    ys = np.array([t[1] for t in tall])
    slope = 0.0
    if len(tall) >= 4 and np.ptp(xs) > 4 * cap:
        slope = float(np.clip(np.polyfit(xs, ys, 1)[0], -0.05, 0.05))
    c0 = float(np.median(ys - slope * xs))

    order = sorted(blobs)
    x0s = np.array([x for x, *_ in order])
    x1s = np.array([x + w for x, _, w, _ in order])
    # Drop outliers at either end: a blob more than three pitches from the rest is not text.
    gap = 3.0 * cap
    start, end = 0, len(order) - 1
    while start < end and x0s[start + 1] - x1s[start] > gap:
        start += 1
    while end > start and x0s[end] - np.max(x1s[start:end]) > gap:
        end -= 1
    return cap, c0, slope, int(x0s[start]), int(np.max(x1s[start : end + 1])), order[start : end + 1]


def _refine_centres(blobs: list[Blob], offset: float, pitch: float, n: int, cap: float,
                    c0: float, slope: float) -> tuple[np.ndarray, np.ndarray]:
    """Cell centres (x, y) for cells 0..n-1. Starts from the uniform pitch; where enough single
    glyphs can be told apart, fits x and y as quadratics of the cell index through their centres,
    so perspective and a slightly bent line (phone photos, page curl) keep every cell on its
    glyph instead of drifting by half a pitch at the ends."""
    k = np.arange(n, dtype=np.float64)
    xs = offset + (k + 0.5) * pitch
    ys = c0 + slope * xs
    singles = [(x + w / 2, y + h / 2, h) for x, y, w, h in blobs if w < 1.15 * pitch]
    if len(singles) < 8:
        return xs, ys
    bx = np.array([b[0] for b in singles])
    by = np.array([b[1] for b in singles])
    tall = np.array([b[2] >= 0.8 * cap for b in singles])
    for _ in range(2):
        idx = np.rint((bx[:, None] - xs[None, :]) ** 2).argmin(axis=1)
        near = np.abs(bx - xs[idx]) < 0.3 * pitch
        _, first = np.unique(idx[near], return_index=True)
        chosen = np.flatnonzero(near)[first]
        if len(chosen) < 8 or np.ptp(idx[chosen]) < n / 3:
            break
        ki = idx[chosen].astype(np.float64)
        lin = np.polyfit(ki, bx[chosen], 1)
        quad = np.polyfit(ki, bx[chosen], 2)
        rms_lin = float(np.sqrt(np.mean((np.polyval(lin, ki) - bx[chosen]) ** 2)))
        rms_quad = float(np.sqrt(np.mean((np.polyval(quad, ki) - bx[chosen]) ** 2)))
        # A bend only where the glyphs show one clearly; blob centres wobble by a pixel or two.
        cx = quad if len(chosen) >= 12 and rms_quad < 0.6 * rms_lin and rms_lin > 0.06 * pitch else lin
        fitted = np.polyval(cx, k)
        # Keep the fit only if it is a plausible, gentle warp of the uniform row.
        if np.max(np.abs(fitted - xs)) > 0.8 * pitch * 2 or np.min(np.diff(fitted)) < 0.6 * pitch:
            break
        xs = fitted
        sel = chosen[tall[chosen]]
        if len(sel) >= 6 and np.ptp(idx[sel]) >= n / 3:
            cy = np.polyfit(idx[sel].astype(np.float64), by[sel], 2)
            fitted_y = np.polyval(cy, k)
            if np.max(np.abs(fitted_y - ys)) < 0.6 * cap:
                ys = fitted_y
    return xs, ys


def _fit_pitch(cols: np.ndarray, left: int, right: int, n: int,
               ends: tuple[float, float] | None = None) -> tuple[float, float, float]:
    """(offset of the first cell, pitch, score). The pitch is the period of the column profile
    (its strongest Fourier component near span / n): unlike the text's extent, the period does
    not suffer when the crop cuts the last glyph or a speck widens the extent. The phase puts the
    glyph centres; of the rows of `n` consecutive cells, the one holding the most ink is taken."""
    span = max(1, right - left)
    weights = cols.astype(np.float64)
    weights = weights - weights.mean()
    # One zero-padded FFT gives the profile's spectrum finely enough (pitch resolution p²/L with a
    # parabolic peak fit) at a fraction of the cost of evaluating each candidate period.
    size = 1 << int(np.ceil(np.log2(max(4096, 32 * len(cols)))))
    spectrum = np.fft.rfft(weights, n=size)
    if ends is not None and ends[1] - ends[0] > 0.5 * span:
        # The first and last glyphs' centres are n − 1 pitches apart: a sharp estimate, refined
        # by a spectral peak within ±1.5 % if there is one (a cut glyph at an end moves it less).
        expected_pitch = (ends[1] - ends[0]) / (n - 1)
        k_lo = max(1, int(np.floor(size / (1.015 * expected_pitch))))
        k_hi = min(len(spectrum) - 2, int(np.ceil(size / (0.985 * expected_pitch))))
        sigma = 0.01
    else:
        expected_pitch = span / (n - 0.35)  # glyphs are ~0.65 pitch wide
        k_lo = max(1, int(np.floor(size * max(1.0, n - 1.3) / span)))
        k_hi = min(len(spectrum) - 2, int(np.ceil(size * (n + 0.7) / span)))
        sigma = 0.02
    power = np.abs(spectrum[k_lo : k_hi + 1])
    # The period nearest to the expected one among the spectrum's interior peaks; an edge of the
    # window is no peak (texture and the spectrum's side lobes rise there).
    interior = np.flatnonzero((power[1:-1] >= power[:-2]) & (power[1:-1] >= power[2:])) + 1
    if interior.size:
        expected = size / expected_pitch
        ks = k_lo + interior
        prior = np.exp(-0.5 * ((ks - expected) / (sigma * expected)) ** 2)
        k = int(ks[int(np.argmax(power[interior] * prior))])
    elif ends is not None and sigma < 0.02:
        k = 0  # no peak near the glyphs' own estimate: keep it
    else:
        k = k_lo + int(np.argmax(power))
    if k:
        a, b, c = np.abs(spectrum[k - 1 : k + 2])
        shift = 0.5 * (a - c) / (a - 2 * b + c) if (a - 2 * b + c) < 0 else 0.0
        pitch = size / (k + float(np.clip(shift, -0.5, 0.5)))
    else:
        pitch = expected_pitch
    x = np.arange(len(cols), dtype=np.float64)
    phase = float(np.angle(np.exp(-2j * np.pi * x / pitch) @ weights))
    first_centre = (-phase / (2 * np.pi)) * pitch % pitch  # a glyph centre: where the wave peaks
    cum = np.concatenate(([0.0], np.cumsum(cols, dtype=np.float64)))

    def ink_between(a: float, b: float) -> float:
        a_i = int(np.clip(round(a), 0, len(cols)))
        b_i = int(np.clip(round(b), 0, len(cols)))
        return float(cum[b_i] - cum[a_i])

    total = float(cum[-1])
    best = (left - 0.0, pitch, -np.inf)
    if ends is not None:
        # The row whose first cell sits on the first glyph, or whose last sits on the last one
        # (they differ only when something beside the text looks like a glyph): ink decides.
        first, last = ends
        candidates = {round((first - first_centre) / pitch), round((last - first_centre) / pitch) - (n - 1)}
    else:
        k_lo = int(np.floor((left - first_centre) / pitch)) - 2
        k_hi = int(np.ceil((right - first_centre) / pitch)) - n + 2
        candidates = set(range(k_lo, k_hi + 1))
    for k0 in sorted(candidates):
        start = first_centre + (k0 - 0.5) * pitch
        inside = ink_between(start, start + n * pitch)
        score = inside - 2.0 * (total - inside)
        if score > best[2]:
            best = (start, pitch, score)
    return best


def segment(line: np.ndarray, length: int | None = None) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """Cut a line image into `length` cells: (cells as float32 [n, CELL_H, CELL_W], boxes x, y, w, h).
    Without `length`, the format whose pitch fits the text's height best is taken."""
    ink = ink_map(check_line_image(line))
    cap_f, c0, slope, left, right, blobs = _geometry(ink)
    cap = round(cap_f)
    top = max(0, round(c0 - 0.8 * cap_f))
    cols = ink[top : round(c0 + 0.8 * cap_f) + 1].sum(axis=0)
    if length is None:
        # Every MRZ character, the filler too, is one blob in a legible line: count them; touching
        # glyphs make fewer, broken ones more, so the format nearest the count (or, when blobs
        # merged wholesale, the pitch) decides.
        count = len(blobs)
        if count >= 24:
            length = min(LENGTHS, key=lambda n: abs(count - n))
        else:
            length = min(LENGTHS, key=lambda n: abs((right - left) / n - cap_f * 1.0))
    if (right - left) / length < cap_f * _PITCH_PER_CAP[0] * 0.5:
        raise SegmentationError("the line holds fewer characters than expected")
    smooth = cv2.GaussianBlur(cols.astype(np.float32).reshape(1, -1), (0, 0), max(0.6, cap_f / 14)).ravel()
    last = max(blobs, key=lambda b: b[0] + b[2])
    ends = (blobs[0][0] + blobs[0][2] / 2, last[0] + last[2] / 2)
    offset, pitch, _ = _fit_pitch(smooth, left, right, length, ends)
    centres_x, centres_y = _refine_centres(blobs, offset, pitch, length, cap_f, c0, slope)

    half_h = cap_f * 0.68
    half_w = pitch * 0.6
    cells = np.empty((length, CELL_H, CELL_W), dtype=np.float32)
    shrink = 2 * half_h / CELL_H
    src = cv2.GaussianBlur(ink, (0, 0), 0.5 * shrink) if shrink > 1.3 else ink  # against aliasing
    boxes = []
    h, w = ink.shape
    # Map each cell onto the classifier grid with one affine warp per cell (sub-pixel, with the skew).
    for i in range(length):
        cx = float(centres_x[i])
        cy = float(centres_y[i])
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
        # cv2.gemm, not numpy's BLAS: for a few dozen cells a multi-threaded BLAS spends more time
        # waking its threads on a busy machine than multiplying.
        x = np.ascontiguousarray((x - self.mean) * self.scale, dtype=np.float32)
        hidden = np.maximum(cv2.gemm(x, self.w1, 1.0, None, 0.0) + self.b1, 0.0)
        return cv2.gemm(hidden, self.w2, 1.0, None, 0.0) + self.b2

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
            # Alternatives below 1e-4 are dropped, not raised to it: the probabilities stay a
            # (partial) distribution, summing to at most 1.
            alts = tuple((MRZ_ALPHABET[j], float(probs[i, j])) for n, j in enumerate(order[i])
                         if n == 0 or probs[i, j] >= _MIN_PROB)
            chars.append(CharReading(alts, box))
        return LineReading(tuple(chars), self.name)
