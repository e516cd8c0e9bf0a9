"""Optical checks of a scanned data page (sans-IO: the white, IR and UV pictures in, `Check`s out).

A desk document reader scans the data page under white, infrared and ultraviolet light with the
document lying still, so the three pictures share one geometry: the MRZ found in the white picture
(`gateway.mrz.image.read_mrz_image`, its `mrz_quad`) marks the same pixels in the IR and UV ones.

The checks and what they measure (figures measured on the document renderer's pages, scanner scene,
seeds 0-11 over two chip profiles at 200 and 300 dpi, with and without JPEG and noise; see
README "Optical checks" for the table):

- `mrz_ir_visible` — the MRZ is printed in IR-absorbing (carbon) ink; a photocopy or an inkjet
  forgery prints it in dye that vanishes under IR. Measured: the spread (95th minus 5th percentile)
  of the grey values in the MRZ band under IR, divided by the same spread under white light.
  Genuine pages 0.93-1.00, IR-invisible MRZ 0.00-0.04; threshold `IR_RATIO_MIN` = 0.35.
- `uv_dull_paper` — document paper has no optical brighteners; office paper glows blue-white under
  UV. Measured: the median of max(B, G, R) over a paper strip just above the MRZ in the UV picture.
  Genuine 25-35, bright paper 240-250; threshold `UV_PAPER_MAX` = 100.
- `portrait_matches_chip` — an *appearance* comparison of the printed photo with the chip's face
  image (DG2): white-balanced, the median Lab colour of the central patch, L weighted 0.5. It
  catches a page whose photo was swapped; it is not face recognition and proves no identity.
  Genuine <= 12.7, swapped >= 19.9; threshold `PORTRAIT_DISTANCE_MAX` = 16.
- `image_quality` — the white picture's warn-level quality issues (soft focus, glare near the MRZ,
  low resolution): FAILED but not decisive, a prompt to look closely. Reject-level issues never get
  here (the page is refused for a rescan before).

`portrait_present` is part of `portrait_matches_chip`: no portrait found is NOT_PERFORMED
`PORTRAIT_NOT_FOUND` (the region the layout gives holds no photo-like content), not a failure —
the reader's crop is a layout estimate, and an absent photo is a matter for the officer's eyes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from gateway.verdict import Check

from .reasons import failed, not_performed, passed

IR, UV, PORTRAIT, QUALITY = "mrz_ir_visible", "uv_dull_paper", "portrait_matches_chip", "image_quality"
OPTICAL_CHECKS = (IR, UV, PORTRAIT, QUALITY)

IR_RATIO_MIN = 0.35  # IR spread / white spread in the MRZ band; genuine >= 0.93, forged <= 0.04
IR_DARK_SPREAD = 8.0  # an IR picture whose whole range is below this many grey levels shows nothing
UV_PAPER_MAX = 100.0  # median max(B,G,R) of the paper above the MRZ under UV; genuine <= 35, bright >= 240
PORTRAIT_DISTANCE_MAX = 24.0  # weighted Lab distance; measured genuine <= 10.4, swapped >= 50.4
PORTRAIT_MIN_STD = 6.0  # a crop flatter than this (grey levels) holds no photo
_L_WEIGHT = 0.5
_PATCH_RADIUS = 0.08
_ALIGN_HEIGHT = 160.0
_PROBES = ((0.5, 0.5), (0.5, 0.12))  # face centre, crown (hair): where two photos differ most


@dataclass(frozen=True)
class PageCapture:
    """One document on the desk, scanned under the lights the reader has: `white` is required when
    IR or UV is given (the MRZ and its geometry come from it). Each picture is file bytes (PNG,
    JPEG, TIFF, JPEG 2000) or a uint8 array (gray or BGR); `dpi` as the device reports it (0:
    unknown; the MRZ's pitch gives the effective resolution anyway)."""

    white: Any = None
    ir: Any = None
    uv: Any = None
    dpi: float = 0.0

    def __post_init__(self) -> None:
        if self.white is None and (self.ir is not None or self.uv is not None):
            raise ValueError("an IR or UV page image needs the white-light page image of the same scan")

    @property
    def lights(self) -> tuple[str, ...]:
        return tuple(n for n, v in (("white", self.white), ("ir", self.ir), ("uv", self.uv)) if v is not None)


@dataclass(frozen=True)
class OpticalMeasures:
    """The figures behind the optical checks (no personal data): for the report and threshold work."""

    ir_ratio: float | None = None
    uv_paper: float | None = None
    portrait_distance: float | None = None

    def to_dict(self) -> dict[str, float | None]:
        r = {k: getattr(self, k) for k in ("ir_ratio", "uv_paper", "portrait_distance")}
        return {k: (round(v, 3) if v is not None else None) for k, v in r.items()}


def no_page_checks(reason: str = "NO_PAGE_IMAGES") -> list[Check]:
    return [not_performed(name, reason) for name in OPTICAL_CHECKS]


def _gray(img: np.ndarray) -> np.ndarray:
    return img if img.ndim == 2 else cv2.cvtColor(np.ascontiguousarray(img[:, :, :3]), cv2.COLOR_BGR2GRAY)


def _bgr(img: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR) if img.ndim == 2 else np.ascontiguousarray(img[:, :, :3])


def _warp(img: np.ndarray, quad: np.ndarray, height_factor: float = 1.0, shift: float = 0.0) -> np.ndarray:
    """The quad's region upright; `shift` moves it along the band's normal (negative: upwards, in band
    heights), `height_factor` scales its height."""
    q = np.asarray(quad, np.float32).reshape(4, 2)
    down = (q[3] - q[0] + q[2] - q[1]) / 2  # top edge -> bottom edge
    q = q + shift * down
    q[3] = q[0] + down * height_factor
    q[2] = q[1] + down * height_factor
    w = float(np.linalg.norm(q[1] - q[0]))
    h = float(np.linalg.norm(q[3] - q[0]))
    w, h = max(1, round(w)), max(1, round(h))
    dst = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    m = cv2.getPerspectiveTransform(q, dst)
    return cv2.warpPerspective(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _spread(gray: np.ndarray) -> float:
    p5, p95 = np.percentile(gray, (5, 95))
    return float(p95 - p5)


def ir_check(white: np.ndarray, ir: np.ndarray | None, quad: np.ndarray) -> tuple[Check, float | None]:
    if ir is None:
        return not_performed(IR, "NO_IR_IMAGE"), None
    if ir.shape[:2] != white.shape[:2]:
        return not_performed(IR, "IR_GEOMETRY_MISMATCH"), None
    g = _gray(ir)
    lo, hi = np.percentile(g[::4, ::4], (1, 99))  # a sixteenth of the pixels judges "all dark" as well
    if hi - lo < IR_DARK_SPREAD:  # all black, saturated, or the lamp was off
        return not_performed(IR, "IR_IMAGE_DARK"), None
    white_spread = _spread(_warp(_gray(white), quad))
    if white_spread < IR_DARK_SPREAD:
        return not_performed(IR, "IR_IMAGE_DARK"), None
    ratio = _spread(_warp(g, quad)) / white_spread
    if ratio < IR_RATIO_MIN:
        return failed(IR, "MRZ_NOT_IR_VISIBLE", detail=f"{ratio:.2f}"), ratio
    return passed(IR, "MRZ_IR_VISIBLE", detail=f"{ratio:.2f}"), ratio


def uv_check(white: np.ndarray, uv: np.ndarray | None, quad: np.ndarray) -> tuple[Check, float | None]:
    if uv is None:
        return not_performed(UV, "NO_UV_IMAGE"), None
    if uv.shape[:2] != white.shape[:2]:
        return not_performed(UV, "UV_GEOMETRY_MISMATCH"), None
    # The paper strip above the MRZ: the MRZ's clear zone on every format (no print of its own).
    strip = _warp(_bgr(uv), quad, height_factor=0.5, shift=-0.9)
    level = float(np.median(strip.max(axis=2)))
    if level > UV_PAPER_MAX:
        return failed(UV, "UV_BRIGHT_PAPER", detail=f"{level:.0f}"), level
    return passed(UV, "UV_DULL_PAPER", detail=f"{level:.0f}"), level


def _balanced_lab_at(img: np.ndarray, fx: float, fy: float) -> np.ndarray:
    """White-balanced (98th percentile per channel to 255) median Lab colour of the patch around
    (fx, fy) (fractions of the width and height), radius `_PATCH_RADIUS` of the shorter side."""
    bgr = _bgr(img).astype(np.float32)
    white = np.percentile(bgr.reshape(-1, 3), 98, axis=0)
    bgr = np.clip(bgr * (255.0 / np.maximum(white, 1.0)), 0, 255).astype(np.uint8)
    h, w = bgr.shape[:2]
    r = max(1, round(_PATCH_RADIUS * min(h, w)))
    cx, cy = round(fx * w), round(fy * h)
    patch = bgr[max(0, cy - r):cy + r + 1, max(0, cx - r):cx + r + 1]
    return np.median(cv2.cvtColor(patch, cv2.COLOR_BGR2LAB).astype(np.float32).reshape(-1, 3), axis=0)


def _align(page_portrait: np.ndarray, chip_face: np.ndarray) -> np.ndarray:
    """The part of the page's portrait crop that holds the photo. The reader's crop is the layout's
    generous zone (Doc 9303 Zone V), larger than the photo and placed by the issuer within it; the
    chip's face, scaled to a few plausible photo sizes, is slid over the crop (normalised
    correlation of the grey images) and the best place is cut out, so that the two centres
    compared show the same part of the face."""
    # Aligned at a small size (the photo's layout, not its detail, decides the place): fast.
    scale = min(1.0, _ALIGN_HEIGHT / page_portrait.shape[0])
    page = cv2.resize(_gray(page_portrait), None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA).astype(np.float32)
    face = _gray(chip_face).astype(np.float32)
    ph, pw = page.shape
    best: tuple[float, int, int, int, int] | None = None
    for frac in (0.78, 0.84, 0.90, 0.96):
        th = int(ph * frac)
        tw = int(th * face.shape[1] / face.shape[0])
        if th < 16 or tw < 12 or tw > pw:
            continue
        templ = cv2.resize(face, (tw, th), interpolation=cv2.INTER_AREA)
        score = cv2.matchTemplate(page, templ, cv2.TM_CCOEFF_NORMED)
        _, top, _, (x, y) = cv2.minMaxLoc(score)
        if best is None or top > best[0]:
            best = (float(top), x, y, tw, th)
    if best is None:
        return page_portrait
    _, x, y, tw, th = (round(v / scale) for v in best)
    return page_portrait[y:y + th, x:x + tw]


def portrait_distance(page_portrait: np.ndarray, chip_face: np.ndarray) -> float:
    """The larger of the weighted Lab distances (L counts half: print and scan shift brightness more
    than hue) at the probe points — the face's centre and the crown of the head — between the
    aligned page photo and the chip's face."""
    aligned = _align(page_portrait, chip_face)
    worst = 0.0
    for fx, fy in _PROBES:
        d = _balanced_lab_at(aligned, fx, fy) - _balanced_lab_at(chip_face, fx, fy)
        worst = max(worst, float(np.sqrt((_L_WEIGHT * d[0]) ** 2 + d[1] ** 2 + d[2] ** 2)))
    return worst


def portrait_check(fmt: str, page_portrait: np.ndarray | None, chip_face: np.ndarray | None,
                   chip_read: bool) -> tuple[Check, float | None]:
    if fmt == "TD1":
        return not_performed(PORTRAIT, "PORTRAIT_ON_OTHER_SIDE"), None
    if page_portrait is None or page_portrait.size == 0 or float(_gray(page_portrait).std()) < PORTRAIT_MIN_STD:
        return not_performed(PORTRAIT, "PORTRAIT_NOT_FOUND"), None
    if not chip_read:
        return not_performed(PORTRAIT, "CHIP_NOT_READ"), None
    if chip_face is None:
        return not_performed(PORTRAIT, "CHIP_FACE_UNAVAILABLE"), None
    dist = portrait_distance(page_portrait, chip_face)
    if dist > PORTRAIT_DISTANCE_MAX:
        return failed(PORTRAIT, "PORTRAIT_MISMATCH", detail=f"{dist:.1f}"), dist
    return passed(PORTRAIT, "PORTRAIT_MATCHES_CHIP", detail=f"{dist:.1f}"), dist


def quality_check(warnings: Sequence[Any]) -> Check:
    """`warnings`: the white read's quality issues (objects with `.code` and `.severity`)."""
    warn = [w.code for w in warnings if w.severity == "warn" and w.code != "PORTRAIT_OTHER_SIDE"]
    if warn:
        return failed(QUALITY, "IMAGE_QUALITY_LOW", detail=", ".join(sorted(set(warn))), decisive=False)
    return passed(QUALITY, "IMAGE_QUALITY_GOOD")


def optical_checks(*, fmt: str, white: np.ndarray, quad: np.ndarray, ir: np.ndarray | None = None,
                   uv: np.ndarray | None = None, page_portrait: np.ndarray | None = None,
                   chip_face: np.ndarray | None = None, chip_read: bool = False,
                   warnings: Sequence[Any] = ()) -> tuple[list[Check], OpticalMeasures]:
    """Every optical check, in `OPTICAL_CHECKS` order, and the figures they were judged on. `white`,
    `ir`, `uv`: decoded pictures of one scan; `quad`: the MRZ's corners in the white picture."""
    ir_c, ratio = ir_check(white, ir, quad)
    uv_c, level = uv_check(white, uv, quad)
    p_c, dist = portrait_check(fmt, page_portrait, chip_face, chip_read)
    return [ir_c, uv_c, p_c, quality_check(warnings)], OpticalMeasures(ratio, level, dist)


__all__ = ["IR_RATIO_MIN", "OPTICAL_CHECKS", "PORTRAIT_DISTANCE_MAX", "UV_PAPER_MAX", "OpticalMeasures",
           "PageCapture", "no_page_checks", "optical_checks", "portrait_distance"]
