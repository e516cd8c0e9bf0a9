"""Per-frame measures of a camera picture: sharpness, motion between frames, exposure.

Pure functions on numpy arrays (BGR or grey uint8); no I/O. They run on every frame of a 10-30 fps
stream on a shared 2-core machine, so each works on a downscaled grey copy (`analysis_grey`): the
figures then mean the same at every camera resolution (a 4K document camera and a 640x480 webcam
compare against the same thresholds), and a frame costs a few milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

#: Width of the grey copy sharpness and exposure are measured on (px). Large enough that focus blur
#: of ~1 px at 1280 px (an autofocus still hunting) remains measurable, small enough to be cheap.
SHARPNESS_WIDTH = 640
#: Width of the grey copy motion and presence compare (px): coarse on purpose, so sensor noise and
#: JPEG artefacts average out and only movement of the scene remains.
MOTION_WIDTH = 160
CLIPPED_HIGH = 250  # grey level at or above which a pixel counts as blown out
CLIPPED_LOW = 5  # ... at or below which as crushed black


def grey(frame: np.ndarray) -> np.ndarray:
    """The frame as one grey channel (BGR, BGRA or grey in)."""
    if frame.ndim == 2:
        return frame
    if frame.ndim == 3 and frame.shape[2] == 1:
        return frame[:, :, 0]
    if frame.ndim == 3 and frame.shape[2] in (3, 4):
        return cv2.cvtColor(frame[:, :, :3], cv2.COLOR_BGR2GRAY)
    raise ValueError(f"a frame must be grey or BGR, not of shape {frame.shape}")


def downscaled(grey_frame: np.ndarray, width: int) -> np.ndarray:
    """Area-averaged copy `width` px wide (never upscaled)."""
    h, w = grey_frame.shape[:2]
    if w <= width:
        return grey_frame
    return cv2.resize(grey_frame, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)


def sharpness(grey_frame: np.ndarray) -> float:
    """Variance of the Laplacian over the variance of the picture, on the `SHARPNESS_WIDTH` copy.

    The Laplacian's variance grows with edge contrast as much as with focus; dividing by the grey
    variance makes it independent of exposure and of how much of the frame the page covers in
    contrast (a gain of k scales both by k^2). Higher is sharper; 0 for a flat frame."""
    small = downscaled(grey_frame, SHARPNESS_WIDTH)
    lap = cv2.Laplacian(small, cv2.CV_32F, ksize=3)
    _, lap_std = cv2.meanStdDev(lap)
    _, std = cv2.meanStdDev(small)
    s = float(std[0, 0])
    return float(lap_std[0, 0]) ** 2 / (s * s) if s > 1.0 else 0.0


def motion_grey(grey_frame: np.ndarray) -> np.ndarray:
    """The coarse, slightly smoothed copy that `motion` and the presence detector compare."""
    small = downscaled(grey_frame, MOTION_WIDTH)
    return cv2.GaussianBlur(small, (3, 3), 0)


def motion(previous: np.ndarray, current: np.ndarray) -> float:
    """Mean absolute difference of two `motion_grey` copies, in grey levels (0: nothing moved)."""
    if previous.shape != current.shape:
        raise ValueError("frames of different sizes cannot be compared for motion")
    return float(cv2.absdiff(previous, current).mean())


@dataclass(frozen=True)
class Exposure:
    mean: float  # mean grey level, 0..255
    clipped_high: float  # fraction of pixels at or above CLIPPED_HIGH
    clipped_low: float  # fraction at or below CLIPPED_LOW

    def problem(self, limits: ExposureLimits) -> str | None:
        """'overexposed' / 'underexposed' / None, against `limits`."""
        if self.clipped_high > limits.max_clipped_high or self.mean > limits.max_mean:
            return "overexposed"
        if self.clipped_low > limits.max_clipped_low or self.mean < limits.min_mean:
            return "underexposed"
        return None


@dataclass(frozen=True)
class ExposureLimits:
    """When a frame is too bright or too dark to read. Blown-out pixels are few on a good frame (a
    page under even light has none; glare over the MRZ makes a few percent and wipes characters),
    so the high limit is tight; a dark desk has many black pixels, so the low limit is loose."""

    max_clipped_high: float = 0.05
    max_clipped_low: float = 0.30
    min_mean: float = 40.0
    max_mean: float = 235.0


def exposure(grey_frame: np.ndarray) -> Exposure:
    small = downscaled(grey_frame, SHARPNESS_WIDTH)
    n = small.size
    return Exposure(
        mean=float(small.mean()),
        clipped_high=float(np.count_nonzero(small >= CLIPPED_HIGH)) / n,
        clipped_low=float(np.count_nonzero(small <= CLIPPED_LOW)) / n,
    )
