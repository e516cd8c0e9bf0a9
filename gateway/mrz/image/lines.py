"""From a candidate band to upright MRZ line images: which way is up, how many lines, the exact
skew of each line, the character pitch and the format.

Works on a patch cut out of the full-resolution picture along the band, so nothing is lost to the
locator's pyramid. Ink is found with a black-hat transform relative to the strongest strokes, the
same way the locator does, which tolerates lighting gradients and tint.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from .locate import Band

LINE_HEIGHT_PX = 32  # cap height of the line images handed to the recogniser
_LENGTHS = {2: (36, 44), 3: (30,)}


@dataclass(frozen=True)
class Frame:
    """An upright frame in the picture: origin (top-left), reading direction `d` and down `n`."""

    origin: np.ndarray
    d: np.ndarray
    scale: float  # patch pixels per picture pixel

    @property
    def n(self) -> np.ndarray:
        return np.array([-self.d[1], self.d[0]])

    def matrix(self) -> np.ndarray:
        r = np.stack([self.d, self.n]) * self.scale
        return np.hstack([r, (-r @ self.origin)[:, None]])

    def to_picture(self, pts: np.ndarray) -> np.ndarray:
        pts = np.asarray(pts, np.float64).reshape(-1, 2) / self.scale
        return self.origin + pts[:, :1] * self.d + pts[:, 1:2] * self.n

    def cut(self, gray: np.ndarray, width: float, height: float) -> np.ndarray:
        src = gray
        if self.scale < 0.6:
            src = cv2.GaussianBlur(gray, (0, 0), 0.4 / self.scale)
        return cv2.warpAffine(src, self.matrix(), (max(8, round(width)), max(8, round(height))),
                              flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)

    def valid(self, shape: tuple[int, int], width: float, height: float) -> np.ndarray:
        """Which patch pixels lie inside the picture (outside, the border repeats and is no ink)."""
        ones = np.full(shape, 255, np.uint8)
        m = cv2.warpAffine(ones, self.matrix(), (max(8, round(width)), max(8, round(height))),
                           flags=cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        return cv2.erode(m, np.ones((5, 5), np.uint8)) > 0


@dataclass
class LineGeometry:
    quad: np.ndarray          # 4 corners in picture coordinates (top-left, top-right, bottom-right, bottom-left)
    image: np.ndarray         # upright line image for the recogniser
    extent_ratio: float       # this line's ink length over the longest line's


@dataclass
class Segmentation:
    lines: list[LineGeometry]
    length: int               # characters per line (30, 36 or 44)
    pitch: float              # character pitch in picture pixels
    cap_height: float         # in picture pixels
    angle: float              # reading direction, degrees counter-clockwise
    orientation_votes: int    # filler chevrons pointing the right way minus the wrong way
    band_patch: np.ndarray    # the whole band, upright, at LINE_HEIGHT_PX cap height
    quad: np.ndarray          # the MRZ's corners in picture coordinates


def _ink(patch: np.ndarray, stroke_scale: float) -> np.ndarray:
    k = max(7, int(stroke_scale) | 1)
    bh = cv2.morphologyEx(patch, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    top = float(np.percentile(bh, 99.5))
    if top < 12:
        return np.zeros_like(patch, dtype=bool)
    return bh > max(10.0, 0.35 * top)


def _runs(profile: np.ndarray, thr: float) -> list[tuple[int, int]]:
    on = profile > thr
    runs, start = [], None
    for i, v in enumerate(on):
        if v and start is None:
            start = i
        elif not v and start is not None:
            runs.append((start, i))
            start = None
    if start is not None:
        runs.append((start, len(on)))
    return runs


def _line_runs(ink: np.ndarray) -> list[tuple[int, int]]:
    prof = cv2.GaussianBlur(ink.sum(axis=1).astype(np.float32).reshape(-1, 1), (1, 5), 0).ravel()
    peak = float(prof.max()) if prof.size else 0.0
    if peak <= 0:
        return []
    best: list[tuple[int, int]] = []
    for f in (0.25, 0.4, 0.55, 0.7):
        runs = [r for r in _runs(prof, f * peak) if r[1] - r[0] >= 3 and r[0] > 0 and r[1] < len(prof)]
        if not runs:
            continue
        mass = [float(prof[a:b].sum()) for a, b in runs]
        runs = [r for r, m in zip(runs, mass, strict=True) if m >= 0.3 * max(mass)]
        # MRZ lines are equally tall: a much thinner run is something else the patch took in (the
        # document's edge, a line of other print at the band's end seen at an angle)
        tallest = max(b - a for a, b in runs)
        runs = [(a, b) for a, b in runs if b - a >= 0.5 * tallest]
        heights = [b - a for a, b in runs]
        if 2 <= len(runs) <= 3 and max(heights) <= 1.8 * min(heights):
            return runs
        if not best or (len(runs) > len(best) and len(runs) <= 3):
            best = runs
    return best


def _extent(cols: np.ndarray, gap: float) -> tuple[int, int]:
    """First and last ink column of the longest stretch whose gaps stay below `gap`."""
    idx = np.flatnonzero(cols)
    if idx.size == 0:
        return 0, 0
    breaks = np.flatnonzero(np.diff(idx) > gap)
    starts = np.concatenate([[0], breaks + 1])
    ends = np.concatenate([breaks, [idx.size - 1]])
    k = int(np.argmax(idx[ends] - idx[starts]))
    return int(idx[starts[k]]), int(idx[ends[k]]) + 1


def _trim(cols: np.ndarray, x0: int, x1: int, pitch: float) -> tuple[int, int]:
    """Drop a lone mark at either end of a line's extent: a card edge, a shadow, a speck, one
    a glyph and a half wide at most and more than 1.25 pitches away from the rest. Within an MRZ line every
    cell holds a glyph (the filler is printed), so no gap there is wider than about 0.7 pitch."""
    idx = np.flatnonzero(cols[x0:x1]) + x0
    if idx.size == 0:
        return x0, x1
    breaks = np.flatnonzero(np.diff(idx) > 0.45 * pitch)
    starts = np.concatenate([[0], breaks + 1])
    ends = np.concatenate([breaks, [idx.size - 1]])
    islands = [(int(idx[s]), int(idx[e]) + 1) for s, e in zip(starts, ends, strict=True)]
    while len(islands) >= 2 and islands[0][1] - islands[0][0] < 1.5 * pitch \
            and islands[1][0] - islands[0][1] > 1.25 * pitch:
        islands.pop(0)
    while len(islands) >= 2 and islands[-1][1] - islands[-1][0] < 1.5 * pitch \
            and islands[-1][0] - islands[-2][1] > 1.25 * pitch:
        islands.pop()
    return islands[0][0], islands[-1][1]


def _fits_lines(counts: list[np.ndarray], start: float, span: float, length: int, pitch: float,
                cap: float) -> bool:
    """Whether a row of `length` cells from `start` holds each line exactly: its first and last
    cells inked on every line (fillers are printed), and not every line going on beyond either
    end. A second hypothesis must pass this: a 44-character MRV-A cut to 36 characters is a
    valid MRV-B (its check digits all lie in the first 28 characters), so a reading alone cannot
    tell them apart."""
    def ink(c: np.ndarray, a: float, b: float) -> float:
        lo, hi = max(0, round(a)), min(c.size, round(b))
        return float(np.minimum(c[lo:hi], 0.5 * cap).sum()) if hi > lo else 0.0

    end = start + span
    beyond_left = beyond_right = True
    for c in counts:
        cell = ink(c, start, end) / length
        if cell <= 0:
            return False
        if ink(c, start, start + 0.67 * pitch) < 0.2 * cell or ink(c, end - 0.67 * pitch, end) < 0.2 * cell:
            return False
        beyond_left &= ink(c, start - pitch, start - 0.15 * pitch) >= 0.35 * cell
        beyond_right &= ink(c, end + 0.15 * pitch, end + pitch) >= 0.35 * cell
    return not (beyond_left or beyond_right)


_SLANTS = np.linspace(-0.3, 0.3, 13)  # steps of 0.05, refined by a parabola


def _slant(band: np.ndarray, centres: list[float]) -> float:
    """How far the glyphs lean (x shift per row, positive: the top leans left), from the shear that
    makes the lines' column profiles sharpest (OCR-B's stems are upright); 0 below 0.04 (noise)."""
    k = LINE_HEIGHT_PX | 1
    bh = cv2.morphologyEx(band, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    top = float(np.percentile(bh, 99.5))
    if top < 12:
        return 0.0
    ink = (bh > 0.35 * top).astype(np.float32)
    half = 0.6 * LINE_HEIGHT_PX
    scores = []
    for sl in _SLANTS:
        score = 0.0
        for cy in centres:
            y0, y1 = max(0, round(cy - half)), min(band.shape[0], round(cy + half))
            rows = ink[y0:y1]
            m = np.array([[1.0, -sl, sl * ((y1 - y0) / 2)], [0.0, 1.0, 0.0]], np.float32)
            sheared = cv2.warpAffine(rows, m, (rows.shape[1], rows.shape[0]), flags=cv2.INTER_LINEAR,
                                     borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)
            prof = sheared.sum(axis=0)
            score += float(np.dot(prof, prof))
        scores.append(score)
    i = int(np.argmax(scores))
    best = float(_SLANTS[i])
    if 0 < i < len(scores) - 1:
        a, b, c = scores[i - 1], scores[i], scores[i + 1]
        den = a - 2 * b + c
        if den < 0:
            best += 0.5 * (a - c) / den * float(_SLANTS[1] - _SLANTS[0])
    return best if abs(best) >= 0.04 else 0.0


def _chevron_votes(ink: np.ndarray, runs: list[tuple[int, int]], cap: float) -> int:
    """Filler characters `<` have their point on the left; upside down they point right."""
    votes = 0
    for a, b in runs:
        sub = ink[a:b].astype(np.uint8)
        n, _, stats, _ = cv2.connectedComponentsWithStats(sub, connectivity=8)
        for i in range(1, n):
            x, y, w, h, area = stats[i]
            if not (0.45 * cap <= h <= 1.15 * cap and 0.35 * cap <= w <= 0.95 * cap):
                continue
            if area > 0.45 * w * h:
                continue
            comp = sub[y:y + h, x:x + w]
            third = max(1, w // 4)

            def spread(cols: np.ndarray, h: int = h) -> tuple[float, int]:
                rows = np.flatnonzero(cols.any(axis=1))
                if rows.size == 0:
                    return 0.0, 0
                pieces = 1 + int(np.count_nonzero(np.diff(rows) > max(2, h // 6)))
                return (rows[-1] - rows[0] + 1) / h, pieces

            ls, lp = spread(comp[:, :third])
            rs, rp = spread(comp[:, -third:])
            if ls < 0.45 and rs > 0.7 and rp >= 2:
                votes += 1
            elif rs < 0.45 and ls > 0.7 and lp >= 2:
                votes -= 1
    return votes


def _pitch(cols: np.ndarray, cap: float) -> float | None:
    """The character pitch from the autocorrelation of the column profile, or None when the line is
    not periodic (proportional print of the visual zone is not; a fixed-pitch MRZ line is)."""
    x = cols.astype(np.float32) - cols.mean()
    if x.size < 4 * cap:
        return None
    ac = np.correlate(x, x, mode="full")[x.size - 1:]
    lo, hi = int(0.75 * cap), int(1.35 * cap) + 1
    if hi >= ac.size or lo < 1 or ac[0] <= 0:
        return None
    k = lo + int(np.argmax(ac[lo:hi]))
    if ac[k] < 0.25 * ac[0]:
        return None
    if 0 < k < ac.size - 1:  # parabolic refinement
        y0, y1, y2 = ac[k - 1], ac[k], ac[k + 1]
        den = y0 - 2 * y1 + y2
        if den < 0:
            return k + 0.5 * float(y0 - y2) / float(den)
    return float(k)


def segment(gray: np.ndarray, band: Band, flip: bool = False, length: int | None = None) -> Segmentation | None:
    """Upright lines of `band` (turned by 180 degrees with `flip`), or None if it holds no MRZ.
    `length` forces the characters per line (a second hypothesis for a two-line band, 36 or 44,
    when the first one's check digits fail); by default the line's extent over its pitch decides."""
    d = np.array(band.direction, np.float64) * (-1 if flip else 1)
    n = np.array([-d[1], d[0]])
    margin_t = 0.9 * band.thickness  # wide enough to take in a line the locator missed
    margin_l = 0.06 * band.length
    scale = float(np.clip(110.0 / max(band.thickness, 1.0), 0.25, 4.0))
    for _ in range(2):  # second pass with the measured skew
        origin = np.array(band.centre) - d * (band.length / 2 + margin_l) - n * (band.thickness / 2 + margin_t)
        frame = Frame(origin, d, scale)
        pw, ph = (band.length + 2 * margin_l) * scale, (band.thickness + 2 * margin_t) * scale
        patch = frame.cut(gray, pw, ph)
        ink = _ink(patch, 0.25 * ph) & frame.valid(gray.shape, pw, ph)
        ink[ink.mean(axis=1) > 0.45] = False  # a full-width edge (document border), not print
        runs = _line_runs(ink)
        if not 2 <= len(runs) <= 3:
            return None
        slopes, weights = [], []
        for a, b in runs:
            ys, xs = np.nonzero(ink[a:b])
            if xs.size < 50 or np.ptp(xs) < 10:
                continue
            p = np.polyfit(xs.astype(np.float64), ys.astype(np.float64), 1)
            slopes.append(p[0])
            weights.append(xs.size)
        if not slopes:
            return None
        slope = float(np.average(slopes, weights=weights))
        if abs(slope) < math.tan(math.radians(0.25)):
            break
        t = math.atan(slope)
        c, s = math.cos(t), math.sin(t)
        d = np.array([c * d[0] - s * d[1], s * d[0] + c * d[1]])
        n = np.array([-d[1], d[0]])
    cap_patch = float(np.median([b - a for a, b in runs]))
    centres = [(a + b) / 2 for a, b in runs]
    spacing = np.diff(centres)
    if spacing.size and (spacing.min() < 1.25 * cap_patch or spacing.max() > 2.3 * cap_patch
                         or spacing.max() > 1.25 * spacing.min()):
        return None  # MRZ lines sit at a fixed pitch of about 1.6-1.7 cap heights
    votes = _chevron_votes(ink, runs, cap_patch)
    # Glyph columns: a printed character puts several pixels of ink in a column (a stem, the two
    # strokes of a chevron); a thin line of background print crossing the row puts one or two.
    # Counting them keeps guilloche beside the MRZ out of the lines' extents.
    strong = max(2.0, 0.15 * cap_patch)
    counts = [ink[a:b].sum(axis=0).astype(np.float32) for a, b in runs]
    extents = [_extent(c >= strong, 2.5 * cap_patch) for c in counts]
    lens = [e[1] - e[0] for e in extents]
    if max(lens) < 12 * cap_patch:
        return None
    pitches = [p for (a, b), (x0, x1) in zip(runs, extents, strict=True)
               if (p := _pitch(ink[a:b, x0:x1].sum(axis=0), cap_patch)) is not None]
    if len(pitches) < max(1, len(runs) - 1):
        return None  # not fixed-pitch print
    pitch_patch = float(np.median(pitches))
    extents = [_trim(c >= strong, x0, x1, pitch_patch) for c, (x0, x1) in zip(counts, extents, strict=True)]
    lens = [e[1] - e[0] for e in extents]
    candidates = _LENGTHS[len(runs)]
    est = (float(np.median(lens)) - 0.67 * pitch_patch) / pitch_patch + 1
    forced = length is not None
    if length is None:
        length = min(candidates, key=lambda k: abs(k - est))
        if abs(est - length) > 0.16 * length:
            return None
    elif length not in candidates or est < 0.7 * length:
        return None
    # All lines of an MRZ are equally long and start at the same place: place a window of the
    # expected length on each line where it covers most ink, then agree on one start.
    fits = [(x1 - x0) / (length - 1 + 0.67) for x0, x1 in extents]
    fits = [f for f in fits if abs(f / pitch_patch - 1) < 0.08]
    if fits:
        pitch_patch = float(np.median(fits))
    span = (length - 1 + 0.67) * pitch_patch
    starts = []
    for cnt, (x0, x1) in zip(counts, extents, strict=True):
        cols = np.minimum(cnt, 0.5 * cap_patch)  # where the ink is, weighted: glyphs over hairlines
        if x1 - x0 <= span:
            starts.append(x0 - (span - (x1 - x0)) / 2 if x1 - x0 < 0.9 * span else float(x0))
            continue
        c = np.concatenate([[0.0], np.cumsum(cols)])
        w = round(float(span))
        cover = c[w:] - c[:-w] if c.size > w else np.array([c[-1]])
        lo, hi = max(0, x0 - 2), max(x0 - 2, min(x1 - w + 2, cover.size - 1))
        starts.append(float(lo + np.argmax(cover[lo:hi + 1])))
    start = float(np.median(starts))
    raw = extents
    extents = [(round(start), round(start + span)) for _ in runs]
    longest = span
    ratios = [min(1.0, (x1 - x0) / span) for x0, x1 in raw]
    if min(ratios) < 0.55:
        return None  # MRZ lines are all full length (fillers are printed)
    if forced and not _fits_lines(counts, start, span, length, pitch_patch, cap_patch):
        return None
    # back to picture units
    cap = cap_patch / scale
    if cap < 5:
        return None
    pitch = pitch_patch / scale
    # Rectify: the ends of the first and last line, each on its own fitted centre line, span a
    # quadrilateral; a homography maps it to a rectangle, which undoes the perspective of a phone
    # photo (the pitch shrinks along a line seen at an angle) as well as rotation and skew.
    # The MRZ's left and right edges: where the lines' ink ends agree (within a third of a pitch),
    # trust them; an edge that does not agree follows from the other one and the expected span.
    lefts, rights = [r[0] for r in raw], [r[1] for r in raw]
    tol = 0.35 * pitch_patch
    left_ok = max(lefts) - min(lefts) <= tol
    right_ok = max(rights) - min(rights) <= tol
    left_edge, right_edge = float(np.mean(lefts)), float(np.mean(rights))
    if left_ok and right_ok and abs((right_edge - left_edge) / span - 1) < 0.07:
        pass
    elif right_ok and not left_ok:
        left_edge = right_edge - span
    elif left_ok and not right_ok:
        right_edge = left_edge + span
    else:
        left_edge, right_edge = float(extents[0][0]), float(extents[0][1])
    ends = []
    for a, b in runs:
        lo, hi = max(0, int(left_edge)), min(ink.shape[1], int(right_edge) + 1)
        ys, xs = np.nonzero(ink[a:b, lo:hi])
        if xs.size >= 50 and np.ptp(xs) > 10:
            k, c0 = np.polyfit(xs.astype(np.float64) + lo, ys.astype(np.float64) + a, 1)
        else:
            k, c0 = 0.0, (a + b) / 2
        ends.append(((left_edge, k * left_edge + c0), (right_edge, k * right_edge + c0)))
    span = right_edge - left_edge
    pitch_patch = span / (length - 1 + 0.67)
    src = np.array([ends[0][0], ends[0][1], ends[-1][1], ends[-1][0]], np.float64)
    f = LINE_HEIGHT_PX / cap_patch
    pf = pitch_patch * f
    gap = (ends[-1][0][1] - ends[0][0][1]) * f / max(1, len(ends) - 1)
    if gap < 1.2 * LINE_HEIGHT_PX:
        return None
    width = (length - 1 + 0.67) * pf
    mx, my = 1.0 * pf, 1.4 * LINE_HEIGHT_PX
    height = gap * (len(ends) - 1)
    dst = np.array([[mx, my], [mx + width, my], [mx + width, my + height], [mx, my + height]], np.float64)
    rect_h = cv2.getPerspectiveTransform(src.astype(np.float32), dst.astype(np.float32)).astype(np.float64)
    to_patch = np.vstack([frame.matrix(), [0.0, 0.0, 1.0]])
    full = rect_h @ to_patch                   # picture -> rectified band
    inv = np.linalg.inv(full)
    size = (round(width + 2 * mx), round(height + 2 * my))
    src_img = gray
    shrink = f * scale
    if shrink < 0.6:
        src_img = cv2.GaussianBlur(gray, (0, 0), 0.4 / shrink)
    band_patch = cv2.warpPerspective(src_img, full, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    centre_y = my + height / 2
    slant = _slant(band_patch, [my + i * gap for i in range(len(ends))])
    if slant:
        # A phone seeing the document at an angle also shears it: the glyphs lean. Undo it about
        # the band's middle (the line ends, being on the document too, lean the same way).
        shear = np.array([[1.0, -slant, slant * centre_y], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        full = shear @ full
        inv = np.linalg.inv(full)
        band_patch = cv2.warpPerspective(src_img, full, size, flags=cv2.INTER_LINEAR,
                                         borderMode=cv2.BORDER_REPLICATE)

    def back(pts: list[tuple[float, float]]) -> np.ndarray:
        return cv2.perspectiveTransform(np.array([pts], np.float64), inv)[0]

    lines: list[LineGeometry] = []
    half = LINE_HEIGHT_PX / 2
    mh, mw = 0.55 * LINE_HEIGHT_PX, 0.6 * pf
    for i in range(len(ends)):
        cy = my + i * gap
        y0, y1 = max(0, round(cy - half - mh)), min(size[1], round(cy + half + mh))
        x0, x1 = max(0, round(mx - mw)), min(size[0], round(mx + width + mw))
        img = band_patch[y0:y1, x0:x1].copy()
        # Blank the margin to plain paper: background print (guilloche) and slivers of the
        # neighbouring lines there only mislead a recogniser looking for where the text begins.
        paper = np.uint8(np.percentile(img, 85))
        keep_x0, keep_x1 = round(mx - 0.22 * pf) - x0, round(mx + width + 0.22 * pf) - x0
        keep_y0, keep_y1 = round(cy - half - 0.28 * LINE_HEIGHT_PX) - y0, round(cy + half + 0.28 * LINE_HEIGHT_PX) - y0
        img[:, : max(0, keep_x0)] = paper
        img[:, max(0, keep_x1):] = paper
        img[: max(0, keep_y0)] = paper
        img[max(0, keep_y1):] = paper
        img = np.ascontiguousarray(img)
        q = back([(mx, cy - half), (mx + width, cy - half), (mx + width, cy + half), (mx, cy + half)])
        lines.append(LineGeometry(q, img, ratios[i]))
    quad = np.array([lines[0].quad[0], lines[0].quad[1], lines[-1].quad[2], lines[-1].quad[3]])
    dvec = quad[1] - quad[0]
    angle = math.degrees(math.atan2(-dvec[1], dvec[0]))
    pitch = float(np.linalg.norm(dvec)) / (length - 1 + 0.67)
    cap = pitch * cap_patch / pitch_patch
    _ = longest
    return Segmentation(lines, length, pitch, cap, angle % 360.0, votes, band_patch, quad)
