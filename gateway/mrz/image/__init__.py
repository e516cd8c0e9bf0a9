"""Read the MRZ off a picture of a document (sans-IO: image bytes or an array in, a result out).

    from gateway.mrz.image import read_mrz_image
    r = read_mrz_image(open("scan.jpg", "rb").read())
    r.status            # "read" | "not_found" | "multiple"
    r.mrz.valid, r.mrz.fields["document_number"]
    r.warnings          # quality issues (focus, glare, resolution, cropping), English and German
    r.to_dict()         # the `image` object of `gateway mrz read --json`

The pipeline: safe decode (header checked against a pixel budget first) -> MRZ bands located at any
rotation and scale -> lines segmented and deskewed, which way up decided -> each line recognised
with per-character alternatives (`gateway.mrz.ocr`) -> the check-digit correction chooses the
likeliest reading that satisfies every check digit (`gateway.mrz.check_readings`) -> quality
judged; a `reject` issue makes the result invalid ("bitte neu scannen"). Every way in (CLI, daemon,
benchmarks, tests) calls this one function.

Bounds: at most `max_pixels` (40 Mpx) decoded; at most 6 candidate bands segmented and at most 3
recognised (each in both orientations at worst), so a page of noise or a blank page costs no more
than a document does.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from ..errors import MRZError
from ..result import Issue, MRZResult
from .decode import DEFAULT_MAX_PIXELS, ImageError, as_array, decode, read_header
from .lines import Segmentation, segment
from .locate import Band, find_bands
from .portrait import crop as crop_portrait
from .portrait import portrait_quad
from .quality import MESSAGES, QualityIssue, QualityMeasures, cropped_measure, focus_measure, glare_measure, judge

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "MESSAGES",
    "ImageError",
    "ImageReadResult",
    "Portrait",
    "QualityIssue",
    "read_header",
    "read_mrz_image",
]

MAX_RECOGNISED_BANDS = 3


@dataclass
class Portrait:
    quad: np.ndarray
    image: np.ndarray | None = None  # BGR, only when asked for

    def encode(self, ext: str = ".jpg") -> bytes:
        if self.image is None:
            raise ValueError("the portrait image was not requested")
        ok, buf = cv2.imencode(ext, self.image)
        if not ok:
            raise ValueError(f"cannot encode the portrait as {ext}")
        return buf.tobytes()


def _box(quad: np.ndarray) -> dict[str, Any]:
    x0, y0 = np.floor(quad.min(axis=0))
    x1, y1 = np.ceil(quad.max(axis=0))
    return {"x": int(x0), "y": int(y0), "width": int(x1 - x0), "height": int(y1 - y0),
            "quad": [[round(float(x), 1), round(float(y), 1)] for x, y in quad]}


@dataclass
class ImageReadResult:
    status: str                                   # read | not_found | multiple
    mrz: MRZResult | None
    image_size: tuple[int, int]
    warnings: list[QualityIssue] = field(default_factory=list)
    quality: QualityMeasures | None = None
    mrz_quad: np.ndarray | None = None
    rotation: int | None = None                   # 0/90/180/270: how the document is turned (CCW)
    skew: float | None = None                     # the rest of the angle, degrees CCW
    effective_dpi: float | None = None
    engine: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    portrait: Portrait | None = None
    candidates: int = 0
    mrz_count: int = 0

    @property
    def valid(self) -> bool:
        return self.mrz is not None and self.mrz.valid

    @property
    def rescan(self) -> bool:
        """True when the desk should ask for a new scan (no MRZ, several, or a reject-level issue)."""
        return self.status != "read" or any(w.severity == "reject" for w in self.warnings)

    def to_dict(self) -> dict[str, Any]:
        """The `image` object of `gateway mrz read --json`. Carries no personal data."""
        return {
            "status": self.status,
            "size": list(self.image_size),
            "warnings": [w.to_dict() for w in self.warnings],
            "quality": self.quality.to_dict() if self.quality else None,
            "mrz_box": _box(self.mrz_quad) if self.mrz_quad is not None else None,
            "rotation": self.rotation,
            "skew": round(self.skew, 2) if self.skew is not None else None,
            "effective_dpi": round(self.effective_dpi, 1) if self.effective_dpi else None,
            "engine": self.engine,
            "timings_ms": {k: round(v * 1000, 2) for k, v in self.timings.items()},
            "portrait_box": _box(self.portrait.quad) if self.portrait is not None else None,
            "candidates": self.candidates,
            "mrz_count": self.mrz_count,
        }


@dataclass
class _Attempt:
    seg: Segmentation
    result: MRZResult | None
    score: tuple[float, ...]
    engine: str


def _score(result: MRZResult | None, readings: Sequence[Any]) -> tuple[float, ...]:
    if result is None:
        return (-1.0, 0.0, 0.0)
    ok = sum(1 for v in result.checks.values() if v == "ok")
    conf = float(np.mean([c.alternatives[0][1] for r in readings for c in r.chars])) if readings else 0.0
    return (1.0 if result.valid else 0.0, float(ok), conf)


def _read_segmentation(seg: Segmentation, recogniser: Any, today: dt.date | None,
                       timings: dict[str, float]) -> _Attempt:
    from .. import check_readings

    t = time.perf_counter()
    readings = [recogniser.recognise(line.image, seg.length) for line in seg.lines]
    timings["recognise"] = timings.get("recognise", 0.0) + time.perf_counter() - t
    t = time.perf_counter()
    try:
        result: MRZResult | None = check_readings(readings, today=today)
    except MRZError:
        result = None
    timings["correct"] = timings.get("correct", 0.0) + time.perf_counter() - t
    return _Attempt(seg, result, _score(result, readings), getattr(recogniser, "name", type(recogniser).__name__))


def _read_band(gray: np.ndarray, band: Band, recogniser: Any, today: dt.date | None,
               timings: dict[str, float]) -> _Attempt | None:
    t = time.perf_counter()
    seg, flip = segment(gray, band), False
    flipped = None
    if seg is not None and seg.orientation_votes < 0:
        flipped = segment(gray, band, flip=True)
        if flipped is not None:
            seg, flipped, flip = flipped, seg, True
    timings["segment"] = timings.get("segment", 0.0) + time.perf_counter() - t
    if seg is None:
        return None
    best, best_flip = _read_segmentation(seg, recogniser, today, timings), flip
    if best.score[0] < 1.0 and abs(seg.orientation_votes) < 3:
        t = time.perf_counter()
        other = flipped or segment(gray, band, flip=not flip)
        timings["segment"] += time.perf_counter() - t
        if other is not None:
            alt = _read_segmentation(other, recogniser, today, timings)
            if alt.score > best.score:
                best, best_flip = alt, not flip
    if best.score[0] < 1.0 and len(best.seg.lines) == 2:
        # Two lines hold 36 or 44 characters; when a line's ends are unclear (background print
        # running into the MRZ, a card on a large scanner bed) the count can come out wrong, and
        # then every cell is misplaced. The other count is a second hypothesis; the check digits
        # decide (an attempt only wins with a better score: valid first, then more checks passed).
        t = time.perf_counter()
        other = segment(gray, band, flip=best_flip, length=44 if best.seg.length == 36 else 36)
        timings["segment"] += time.perf_counter() - t
        if other is not None:
            alt = _read_segmentation(other, recogniser, today, timings)
            if alt.score > best.score:
                best = alt
    return best


def _mrz_like(a: _Attempt) -> bool:
    if a.result is None:
        return False
    checks = list(a.result.checks.values())
    ok = sum(1 for v in checks if v == "ok")
    return a.result.valid or ok >= max(1, len(checks) // 2)


def _overlaps(a: Segmentation, b: Segmentation) -> bool:
    ca, cb = a.quad.mean(axis=0), b.quad.mean(axis=0)
    size = max(np.linalg.norm(a.quad[1] - a.quad[0]), np.linalg.norm(b.quad[1] - b.quad[0]))
    return float(np.linalg.norm(ca - cb)) < 0.3 * size


def read_mrz_image(image: bytes | bytearray | memoryview | np.ndarray, *, today: dt.date | None = None,
                   recogniser: Any = None, portrait: bool = False,
                   max_pixels: int = DEFAULT_MAX_PIXELS) -> ImageReadResult:
    """Read the MRZ of the document in `image` (file bytes: PNG, JPEG, JPEG 2000, TIFF; or a uint8
    array, gray or BGR). Raises `ImageError` for input that is not a readable image and
    `RecogniserUnavailable` when no OCR engine is installed; everything else is a result."""
    from ..ocr import default_recogniser

    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    colour = None
    if isinstance(image, np.ndarray):
        arr = as_array(image, max_pixels=max_pixels)
        if arr.ndim == 3 and arr.shape[2] == 1:
            arr = arr[:, :, 0]
        if arr.ndim == 3:
            bgr = np.ascontiguousarray(arr[:, :, :3])
            colour = bgr if portrait else None
            gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
        else:
            gray = np.ascontiguousarray(arr)
    elif isinstance(image, bytes | bytearray | memoryview):
        data = bytes(image)
        if portrait:
            colour = decode(data, colour=True, max_pixels=max_pixels)
            gray = cv2.cvtColor(colour, cv2.COLOR_BGR2GRAY)
        else:
            gray = decode(data, max_pixels=max_pixels)
    else:
        raise ImageError("not_an_image", "the image must be file bytes or a numpy array")
    timings["decode"] = time.perf_counter() - t0
    rec = recogniser or default_recogniser()
    h, w = gray.shape
    t = time.perf_counter()
    bands = find_bands(gray)
    timings["locate"] = time.perf_counter() - t
    attempts: list[_Attempt] = []
    for band in bands:
        if len([a for a in attempts if _mrz_like(a)]) >= MAX_RECOGNISED_BANDS:
            break
        if any(_overlaps_band(band, a.seg) for a in attempts):
            continue
        a = _read_band(gray, band, rec, today, timings)
        if a is not None:
            attempts.append(a)
        if len(attempts) >= MAX_RECOGNISED_BANDS:
            break
    found = [a for a in attempts if _mrz_like(a)]
    result = ImageReadResult("not_found", None, (w, h), candidates=len(bands), engine=rec_name(rec))
    if len(found) > 1:
        result.status = "multiple"
        result.mrz_count = len(found)
        result.warnings.append(QualityIssue("MULTIPLE_MRZ", "reject", float(len(found)), str(len(found))))
    elif found or attempts:
        best = found[0] if found else max(attempts, key=lambda a: a.score)
        if best.result is not None:
            _fill(result, best, gray, colour if portrait else None, portrait, timings)
    if result.status == "not_found":
        result.warnings.append(QualityIssue("MRZ_NOT_FOUND", "reject"))
    timings["total"] = time.perf_counter() - t0
    result.timings = timings
    return result


def rec_name(rec: Any) -> str:
    return str(getattr(rec, "name", type(rec).__name__))


def _overlaps_band(band: Band, seg: Segmentation) -> bool:
    c = np.array(band.centre)
    size = float(np.linalg.norm(seg.quad[1] - seg.quad[0]))
    return float(np.linalg.norm(c - seg.quad.mean(axis=0))) < 0.3 * max(size, band.length)


def _fill(result: ImageReadResult, best: _Attempt, gray: np.ndarray, colour: np.ndarray | None,
          want_portrait: bool, timings: dict[str, float]) -> None:
    seg = best.seg
    mrz = best.result
    assert mrz is not None
    t = time.perf_counter()
    result.status = "read"
    result.mrz = mrz
    result.mrz_count = 1
    result.engine = best.engine
    result.mrz_quad = seg.quad
    angle = seg.angle % 360.0
    result.rotation = round(angle / 90.0) % 4 * 90
    skew = angle - result.rotation
    result.skew = skew - 360.0 if skew > 180 else skew
    result.effective_dpi = seg.pitch * 10.0
    measures = QualityMeasures(
        focus=focus_measure(seg.band_patch),
        glare=glare_measure(gray, [line.quad for line in seg.lines]),
        dpi=result.effective_dpi,
        cropped=cropped_measure(gray.shape, seg.quad, seg.cap_height, [line.extent_ratio for line in seg.lines]),
    )
    result.quality = measures
    result.warnings.extend(judge(measures))
    rejects = [w for w in result.warnings if w.severity == "reject"]
    if rejects:
        # the reading stays visible, but it is not trusted: a person must rescan
        mrz.errors.append(Issue("image_quality", "; ".join(w.message for w in rejects)))
    timings["quality"] = time.perf_counter() - t
    quad = portrait_quad(mrz.format, seg.quad, seg.lines[0].quad, seg.pitch)
    if quad is not None:
        img = crop_portrait(colour if colour is not None else gray, quad) if want_portrait else None
        result.portrait = Portrait(quad, img)
    elif want_portrait and mrz.format == "TD1":
        result.warnings.append(QualityIssue("PORTRAIT_OTHER_SIDE", "warn"))
