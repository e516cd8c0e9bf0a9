"""Image quality of the MRZ, measured before the reading is trusted: focus, glare, resolution and
cropping, each a named warning with a message in English and German for the desk.

Thresholds were set from measurements on rendered pictures (benchmarks/ocr_bench.py --calibrate;
figures in the README): each is where reading starts to fail, not where the picture starts to look
worse. A `reject` issue makes the image result invalid even if the check digits hold — a blurred
name has no check digit, and a wrong MRZ must not pass as valid; a `warn` issue is information.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

# Measured thresholds (see module docstring).
FOCUS_REJECT = 0.020      # variance of the Laplacian / contrast², band scaled to 32 px cap height
FOCUS_WARN = 0.040
GLARE_REJECT = 0.012      # share of the MRZ lines' area that is saturated by a glare spot
GLARE_WARN = 0.002
DPI_REJECT = 80.0         # effective resolution of the MRZ from its character pitch (10 per inch)
DPI_WARN = 110.0
EDGE_MARGIN = 0.25        # of a cap height: an MRZ this close to the picture's edge is cut

MESSAGES: dict[str, tuple[str, str]] = {
    "MRZ_BLURRED": ("The MRZ is out of focus; please scan again.",
                    "Die MRZ ist unscharf; bitte neu scannen."),
    "MRZ_SOFT": ("The MRZ is slightly soft; the reading may need confirming.",
                 "Die MRZ ist leicht unscharf; das Ergebnis ggf. prüfen."),
    "GLARE_ON_MRZ": ("Glare covers part of the MRZ; please tilt the document or scan again.",
                     "Eine Spiegelung verdeckt Teile der MRZ; Dokument neigen oder neu scannen."),
    "GLARE_NEAR_MRZ": ("Some glare touches the MRZ.",
                       "Eine Spiegelung berührt die MRZ."),
    "LOW_RESOLUTION": ("The MRZ is printed at too few pixels ({detail}); please scan at 300 dpi.",
                       "Die MRZ ist zu gering aufgelöst ({detail}); bitte mit 300 dpi scannen."),
    "LOW_RESOLUTION_WARN": ("The MRZ resolution is low ({detail}).",
                            "Die Auflösung der MRZ ist gering ({detail})."),
    "MRZ_CROPPED": ("The MRZ is cut off at the edge of the image; please place the whole document.",
                    "Die MRZ ist am Bildrand abgeschnitten; bitte das ganze Dokument auflegen."),
    "MRZ_NOT_FOUND": ("No MRZ was found in the image.", "Im Bild wurde keine MRZ gefunden."),
    "MULTIPLE_MRZ": ("The image shows {detail} MRZs; please scan one document at a time.",
                     "Das Bild zeigt {detail} MRZ; bitte nur ein Dokument auflegen."),
    "PORTRAIT_OTHER_SIDE": ("The portrait is on the other side of this card (TD1).",
                            "Das Lichtbild ist auf der anderen Seite dieser Karte (TD1)."),
}


@dataclass(frozen=True)
class QualityIssue:
    code: str
    severity: str          # "reject" | "warn"
    value: float | None = None
    detail: str = ""

    @property
    def message(self) -> str:
        return MESSAGES[self.code][0].format(detail=self.detail)

    @property
    def message_de(self) -> str:
        return MESSAGES[self.code][1].format(detail=self.detail)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"code": self.code, "severity": self.severity, "message": self.message,
                             "message_de": self.message_de}
        if self.value is not None:
            d["value"] = round(float(self.value), 4)
        return d


@dataclass(frozen=True)
class QualityMeasures:
    focus: float
    glare: float
    dpi: float
    cropped: bool

    def to_dict(self) -> dict[str, Any]:
        return {"focus": round(self.focus, 4), "glare": round(self.glare, 4), "dpi": round(self.dpi, 1),
                "cropped": self.cropped}


def focus_measure(band_patch: np.ndarray) -> float:
    """Variance of the Laplacian over contrast² on the band at a fixed cap height: scale-free and
    independent of exposure, so one threshold serves scanner and phone."""
    p = band_patch.astype(np.float32)
    lo, hi = np.percentile(p, (3, 97))
    contrast = max(float(hi - lo), 8.0)
    lap = cv2.Laplacian(p, cv2.CV_32F, ksize=3)
    return float(lap.var()) / (contrast * contrast)


def glare_measure(gray: np.ndarray, line_quads: list[np.ndarray]) -> float:
    """Share of the MRZ lines' area that is saturated, counting only saturated blobs (glare), not
    paper that an exposure made white everywhere."""
    h, w = gray.shape
    mask = np.zeros((h, w), np.uint8)
    for q in line_quads:
        cv2.fillConvexPoly(mask, np.round(q).astype(np.int32), 1)
    area = int(mask.sum())
    if area == 0:
        return 0.0
    x, y, bw, bh = cv2.boundingRect(np.round(np.concatenate(line_quads)).astype(np.int32))
    x, y = max(0, x), max(0, y)
    roi = gray[y:y + bh, x:x + bw]
    m = mask[y:y + bh, x:x + bw].astype(bool)
    sat = roi >= 250
    if not sat.any():
        return 0.0
    paper = float(np.percentile(roi[m], 60)) if m.any() else 0.0
    if paper >= 250:  # the whole band is white-saturated: exposure, judged by focus/contrast instead
        return 0.0
    # a glare blob wipes out the ink under it: saturated pixels whose neighbourhood is saturated too
    core = cv2.erode(sat.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))).astype(bool)
    return float(np.count_nonzero(core & m)) / float(np.count_nonzero(m))


def cropped_measure(image_shape: tuple[int, int], quad: np.ndarray, cap: float,
                    extent_ratios: list[float]) -> bool:
    h, w = image_shape
    m = EDGE_MARGIN * cap
    xs, ys = quad[:, 0], quad[:, 1]
    touches = xs.min() < m or ys.min() < m or xs.max() > w - 1 - m or ys.max() > h - 1 - m
    _ = extent_ratios  # a short line is also what glare does; only the picture's edge proves a cut
    return bool(touches)


def judge(measures: QualityMeasures) -> list[QualityIssue]:
    out: list[QualityIssue] = []
    if measures.cropped:
        out.append(QualityIssue("MRZ_CROPPED", "reject"))
    if measures.focus < FOCUS_REJECT:
        out.append(QualityIssue("MRZ_BLURRED", "reject", measures.focus))
    elif measures.focus < FOCUS_WARN:
        out.append(QualityIssue("MRZ_SOFT", "warn", measures.focus))
    if measures.glare >= GLARE_REJECT:
        out.append(QualityIssue("GLARE_ON_MRZ", "reject", measures.glare))
    elif measures.glare >= GLARE_WARN:
        out.append(QualityIssue("GLARE_NEAR_MRZ", "warn", measures.glare))
    dpi = f"{measures.dpi:.0f} dpi"
    if measures.dpi < DPI_REJECT:
        out.append(QualityIssue("LOW_RESOLUTION", "reject", measures.dpi, dpi))
    elif measures.dpi < DPI_WARN:
        out.append(QualityIssue("LOW_RESOLUTION_WARN", "warn", measures.dpi, dpi))
    return out
