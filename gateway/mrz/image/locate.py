"""Find MRZ bands in a picture: any rotation (0/90/180/270 plus skew), any scale, with background.

Method (OpenCV): on a small pyramid of the grayscale picture, a black-hat transform keeps thin dark
strokes (print) and drops large dark areas (hair, a dark desk); a threshold relative to the
strongest strokes keeps the print; a square closing joins the characters of a line (and, when they
are close, the lines of a band); each blob becomes a rotated rectangle. Long thin blobs are text
lines: parallel lines of equal length stacked at line pitch form a band. Blobs that already hold
several lines are bands themselves. A square kernel makes this independent of the orientation;
the pyramid makes it independent of the scale. Which way is up is decided later (lines.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

WORK_LONG_SIDE = 1600   # level 0 of the pyramid; levels 1 and 2 halve it
_BLACKHAT = cv2.getStructuringElement(cv2.MORPH_RECT, (15, 15))
_CLOSE = cv2.getStructuringElement(cv2.MORPH_RECT, (7, 7))
_LOCAL = cv2.getStructuringElement(cv2.MORPH_RECT, (15, 15))


@dataclass(frozen=True)
class Band:
    """A candidate MRZ band in full-picture coordinates: centre, direction of the lines (unit
    vector, sign undecided), length along the lines and thickness across them, in pixels."""

    centre: tuple[float, float]
    direction: tuple[float, float]
    length: float
    thickness: float
    lines_hint: int          # 0: a blob (line count unknown), else lines grouped
    score: float

    @property
    def angle(self) -> float:
        """Direction of the lines in degrees, counter-clockwise as seen, in (-90, 90]."""
        a = math.degrees(math.atan2(-self.direction[1], self.direction[0]))
        if a <= -90:
            a += 180
        elif a > 90:
            a -= 180
        return a

    def corners(self) -> np.ndarray:
        c, d = np.array(self.centre), np.array(self.direction)
        n = np.array([-d[1], d[0]])
        hl, ht = self.length / 2, self.thickness / 2
        return np.array([c - d * hl - n * ht, c + d * hl - n * ht, c + d * hl + n * ht, c - d * hl + n * ht])


@dataclass(frozen=True)
class _Blob:
    centre: np.ndarray
    direction: np.ndarray
    length: float
    thickness: float
    points: np.ndarray


_LINE_H = cv2.getStructuringElement(cv2.MORPH_RECT, (11, 3))
_LINE_V = cv2.getStructuringElement(cv2.MORPH_RECT, (3, 11))


def _contour_blobs(mask: np.ndarray, short: int, min_fill: float) -> list[_Blob]:
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    out = []
    for c in contours:
        if len(c) < 5:
            continue
        (cx, cy), (w, h), ang = cv2.minAreaRect(c)
        length, thick = max(w, h), min(w, h)
        if length < 0.1 * short or thick < 4 or length < 60:
            continue
        if length / thick < 3.5:
            continue
        # a blob must be mostly filled (a line of print), not a frame or a curve of guilloche
        if cv2.contourArea(c) < min_fill * w * h:
            continue
        t = math.radians(ang if w >= h else ang + 90)
        direction = np.array([math.cos(t), math.sin(t)])
        out.append(_Blob(np.array([cx, cy]), direction, length, thick, c.reshape(-1, 2).astype(np.float32)))
    return out


def _blobs(gray: np.ndarray) -> list[_Blob]:
    """Line and band blobs: a square closing (orientation-free, joins blurred lines into bands) and
    two directional closings (join the characters of a line but not neighbouring lines)."""
    bh = cv2.morphologyEx(gray, cv2.MORPH_BLACKHAT, _BLACKHAT)
    top = float(np.percentile(bh, 99.7))
    if top < 25:  # nothing printed with real contrast: a blank page or flat noise
        return []
    _, ink = cv2.threshold(bh, max(16.0, 0.32 * top), 255, cv2.THRESH_BINARY)
    # Relative to the strongest strokes nearby too: on a small card on a large scanner bed the
    # page-wide percentile is low, and the card's fine background print (guilloche), much fainter
    # than the MRZ's black OCR-B but above that global threshold, would join the lines into one
    # ragged blob.
    near = cv2.convertScaleAbs(cv2.dilate(bh, _LOCAL), alpha=0.4)  # cv2, not numpy: 2 ms, not 17
    ink = cv2.bitwise_and(ink, cv2.compare(bh, near, cv2.CMP_GE))
    short = min(gray.shape)
    opened = cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))
    out = []
    square = cv2.morphologyEx(cv2.morphologyEx(ink, cv2.MORPH_CLOSE, _CLOSE), cv2.MORPH_OPEN, opened)
    out += _contour_blobs(square, short, 0.45)
    for kernel, horizontal in ((_LINE_H, True), (_LINE_V, False)):
        m = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, kernel)
        for b in _contour_blobs(m, short, 0.35):
            if b.length / b.thickness >= 8 and (abs(b.direction[0]) > 0.9) == horizontal:
                out.append(b)
    return out


def _fit(points: np.ndarray) -> _Blob:
    (cx, cy), (w, h), ang = cv2.minAreaRect(points)
    t = math.radians(ang if w >= h else ang + 90)
    return _Blob(np.array([cx, cy]), np.array([math.cos(t), math.sin(t)]), max(w, h), min(w, h), points)


def _merge_pieces(blobs: list[_Blob]) -> list[_Blob]:
    """Join collinear pieces of one text line (a line breaks where thin fillers fade at low scale)."""
    pieces = [b for b in blobs if b.length / b.thickness >= 3]
    merged = True
    while merged and len(pieces) > 1:
        merged = False
        for i in range(len(pieces)):
            for j in range(i + 1, len(pieces)):
                a, b = pieces[i], pieces[j]
                if abs(float(np.dot(a.direction, b.direction))) < math.cos(math.radians(5)):
                    continue
                d = a.direction if a.length >= b.length else b.direction
                n = np.array([-d[1], d[0]])
                rel = b.centre - a.centre
                t = max(a.thickness, b.thickness)
                if abs(float(np.dot(rel, n))) > 0.45 * t or abs(a.thickness - b.thickness) > 0.5 * t:
                    continue
                gap = abs(float(np.dot(rel, d))) - (a.length + b.length) / 2
                if gap > 2.5 * t:
                    continue
                pieces[i] = _fit(np.concatenate([a.points, b.points]))
                del pieces[j]
                merged = True
                break
            if merged:
                break
    return pieces


def _group_lines(blobs: list[_Blob]) -> list[list[_Blob]]:
    """Chains of parallel lines of similar length, stacked at a pitch of 1.2-2.6 line thicknesses."""
    lines = [b for b in _merge_pieces(blobs) if b.length / b.thickness >= 14]
    groups: list[list[_Blob]] = []
    used: set[int] = set()
    order = sorted(range(len(lines)), key=lambda i: -lines[i].length)
    for i in order:
        if i in used:
            continue
        base = lines[i]
        d = base.direction
        n = np.array([-d[1], d[0]])
        members = [(0.0, i)]
        for j in range(len(lines)):
            if j == i or j in used:
                continue
            o = lines[j]
            if abs(float(np.dot(o.direction, d))) < math.cos(math.radians(4)):
                continue
            if not 0.8 <= o.length / base.length <= 1.25:
                continue
            rel = o.centre - base.centre
            across, along = float(np.dot(rel, n)), float(np.dot(rel, d))
            if abs(along) > 0.12 * base.length:
                continue
            t = (o.thickness + base.thickness) / 2
            if not 0.6 * t <= abs(across) <= 6.0 * t:
                continue
            members.append((across, j))
        members.sort()
        # keep the chain of consecutive lines around the base with regular pitch
        chain = [members[0]] if len(members) == 1 else members
        if len(chain) > 1:
            accs = [m[0] for m in chain]
            gaps = np.diff(accs)
            t = base.thickness
            if len(gaps) and (gaps.min() < 1.1 * t or gaps.max() > 3.0 * t or gaps.max() > 1.4 * gaps.min()):
                # irregular: keep the base and its nearest neighbour only
                k = [m for m in chain if m[1] != i]
                k.sort(key=lambda m: abs(m[0]))
                chain = sorted([(0.0, i), k[0]]) if k and 1.1 * t <= abs(k[0][0]) <= 3.0 * t else [(0.0, i)]
        if 2 <= len(chain) <= 3:
            for _, j in chain:
                used.add(j)
            groups.append([lines[j] for _, j in chain])
    return groups


def _band_of(points: np.ndarray, scale: float, lines_hint: int, score: float) -> Band:
    (cx, cy), (w, h), ang = cv2.minAreaRect(points)
    length, thick = max(w, h), min(w, h)
    t = math.radians(ang if w >= h else ang + 90)
    return Band((cx / scale, cy / scale), (math.cos(t), math.sin(t)), length / scale, thick / scale,
                lines_hint, score)


def find_bands(gray: np.ndarray, max_bands: int = 6) -> list[Band]:
    """Candidate bands, likeliest first, in the coordinates of `gray`."""
    h, w = gray.shape
    s0 = min(1.0, WORK_LONG_SIDE / max(h, w))
    level = cv2.resize(gray, None, fx=s0, fy=s0, interpolation=cv2.INTER_AREA) if s0 < 1 else gray
    found: list[Band] = []
    scale = s0
    for _ in range(3):
        if min(level.shape) < 80:
            break
        blobs = _blobs(level)
        for group in _group_lines(blobs):
            pts = np.concatenate([b.points for b in group])
            length = float(np.mean([b.length for b in group]))
            found.append(_band_of(pts, scale, len(group), score=length / scale * (1 + 0.2 * len(group))))
        for b in blobs:
            aspect = b.length / b.thickness
            if 4 <= aspect < 22:
                found.append(_band_of(b.points, scale, 0, score=b.length / scale * 0.9))
        level = cv2.resize(level, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
        scale *= 0.5
    found.sort(key=lambda b: -b.score)
    unique: list[Band] = []
    for b in found:
        if any(_same(b, u) for u in unique):
            continue
        unique.append(b)
        if len(unique) >= max_bands:
            break
    return unique


def _same(a: Band, b: Band) -> bool:
    dist = math.dist(a.centre, b.centre)
    return dist < 0.25 * max(a.length, b.length) and abs(
        float(np.dot(a.direction, b.direction))) > math.cos(math.radians(8))
