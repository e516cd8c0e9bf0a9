"""Where the portrait is, found from the MRZ by the format's layout (Doc 9303 Zone V: along the
document's left edge, above the MRZ, at most 35 x 45 mm). Regions are generous (issuers vary by a few
millimetres); the desk shows the crop beside the chip's face image.

Coordinates are millimetres in the MRZ's frame: x along the lines from the first character's left
edge, y downwards from the first line's centre; the character pitch (2.54 mm) gives the scale.
"""

from __future__ import annotations

import cv2
import numpy as np

# x0, x1, y0, y1 in mm relative to (MRZ left edge, first line centre)
ZONE_V = {
    "TD3": (-5.0, 33.0, -62.0, -14.0),
    "MRVA": (-3.0, 31.0, -58.0, -14.0),
    "TD2": (-3.0, 28.0, -54.0, -14.0),
    "MRVB": (-3.0, 28.0, -54.0, -14.0),
}


def portrait_quad(fmt: str, mrz_quad: np.ndarray, first_line_quad: np.ndarray, pitch: float) -> np.ndarray | None:
    """The portrait region's corners in picture coordinates, or None where the MRZ side has none (TD1)."""
    zone = ZONE_V.get(fmt.replace("-", ""))
    if zone is None:
        return None
    d = mrz_quad[1] - mrz_quad[0]
    d = d / max(float(np.linalg.norm(d)), 1e-6)
    n = np.array([-d[1], d[0]])
    ref = (first_line_quad[0] + first_line_quad[3]) / 2
    px_per_mm = pitch / 2.54
    x0, x1, y0, y1 = zone
    pts = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    return np.array([ref + d * x * px_per_mm + n * y * px_per_mm for x, y in pts])


def crop(image: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The region upright (the picture may be rotated), at the picture's own resolution."""
    w = float(np.linalg.norm(quad[1] - quad[0]))
    h = float(np.linalg.norm(quad[3] - quad[0]))
    dst = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    m = cv2.getPerspectiveTransform(quad.astype(np.float32), dst)
    return cv2.warpPerspective(image, m, (max(1, round(w)), max(1, round(h))), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=(255, 255, 255))
