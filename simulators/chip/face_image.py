"""A synthetic face for DG2: drawn shapes, never a photograph of a real person.

The image is a cartoon head (ellipses and lines) on a noisy background. The noise is there for
realism of *size*: real DG2 images are 15-25 KB, and a flat drawing would compress to 2 KB, which
would hide every large-file problem (extended length, offsets beyond 32 KB, resume after a lost
card, link time). The encoder quality is searched so the image hits a requested byte size.
"""

from __future__ import annotations

import functools
from typing import Literal

import cv2
import numpy as np

ImageFormat = Literal["jpeg", "jpeg2000"]
_EXT = {"jpeg": ".jpg", "jpeg2000": ".jp2"}


def draw_face(width: int, height: int, seed: int) -> np.ndarray:
    """BGR image of an invented face; `seed` varies skin/hair tones and the background noise."""
    rng = np.random.default_rng(seed)
    img = np.full((height, width, 3), 215, np.uint8)
    noise = rng.normal(0, 18, (height, width, 3))
    img = np.clip(img.astype(np.float64) + noise, 0, 255).astype(np.uint8)
    cx, cy = width // 2, int(height * 0.45)
    skin = tuple(int(v) for v in rng.integers(120, 220, 3))
    hair = tuple(int(v) for v in rng.integers(20, 110, 3))
    cv2.ellipse(img, (cx, int(height * 1.02)), (int(width * 0.45), int(height * 0.3)), 0, 180, 360,
                (90, 70, 60), -1)  # shoulders
    cv2.ellipse(img, (cx, cy - height // 14), (int(width * 0.3), int(height * 0.3)), 0, 180, 360, hair, -1)
    cv2.ellipse(img, (cx, cy), (int(width * 0.26), int(height * 0.3)), 0, 0, 360, skin, -1)
    eye_y, eye_dx = cy - height // 20, width // 9
    for sx in (-1, 1):
        cv2.ellipse(img, (cx + sx * eye_dx, eye_y), (width // 22, height // 50), 0, 0, 360, (250, 250, 250), -1)
        cv2.circle(img, (cx + sx * eye_dx, eye_y), max(2, width // 50), (60, 40, 30), -1)
        cv2.line(img, (cx + sx * eye_dx - width // 18, eye_y - height // 25),
                 (cx + sx * eye_dx + width // 18, eye_y - height // 28), hair, max(2, width // 80))
    cv2.line(img, (cx, eye_y + height // 40), (cx - width // 40, cy + height // 14), (80, 90, 120), 2)
    cv2.ellipse(img, (cx, cy + height // 7), (width // 10, height // 40), 0, 0, 180, (70, 60, 170), 3)
    return img


def _encode(img: np.ndarray, fmt: ImageFormat, level: int) -> bytes:
    knob = cv2.IMWRITE_JPEG_QUALITY if fmt == "jpeg" else cv2.IMWRITE_JPEG2000_COMPRESSION_X1000
    params = [knob, level]
    ok, buf = cv2.imencode(_EXT[fmt], img, params)
    if not ok:
        raise RuntimeError(f"OpenCV could not encode {fmt}")
    return buf.tobytes()


@functools.lru_cache(maxsize=32)
def face_image(fmt: ImageFormat, target_bytes: int, seed: int = 1, width: int = 480,
               height: int = 600) -> tuple[bytes, int, int]:
    """(encoded image, width, height) close to but not above `target_bytes` where reachable.

    Searches the encoder's quality knob (JPEG 1-100, JPEG 2000 compression x1000 1-1000); if even
    the best quality stays below the target, the picture is scaled up until it fits.
    """
    if fmt not in _EXT:
        raise ValueError(f"unknown image format {fmt!r}; use 'jpeg' or 'jpeg2000'")
    top = 100 if fmt == "jpeg" else 1000
    for _ in range(6):
        img = draw_face(width, height, seed)
        best = _encode(img, fmt, 1)
        if len(best) > target_bytes:
            return best, width, height  # smallest achievable at this size; fine for tiny targets
        if len(_encode(img, fmt, top)) < target_bytes:
            width, height = int(width * 1.4), int(height * 1.4)
            continue
        lo, hi = 1, top
        while lo < hi:
            mid = (lo + hi + 1) // 2
            data = _encode(img, fmt, mid)
            if len(data) <= target_bytes:
                lo, best = mid, data
            else:
                hi = mid - 1
        return best, width, height
    return _encode(draw_face(width, height, seed), fmt, top), width, height
