"""The frame to read a placed document from: the sharpest of a run of still, well-exposed frames.

A camera sees the page slide in (motion blur), the autofocus hunt (focus blur), then the page lie
still. Frames are fed while the document is present; a frame joins the current run when it moved
less than `still_motion` against the previous one and its exposure is within limits, else the run
starts again. Once `settle_frames` frames are in the run the selection is `ready`: the best is the
sharpest frame of the run (`frame_measures.sharpness`), and later still frames replace it only if
they are sharper. Pure: frames and times in, a choice out; the caller keeps the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gateway.imaging.frame_measures import ExposureLimits, exposure, sharpness


@dataclass(frozen=True)
class Candidate:
    frame: np.ndarray
    t: float
    sharpness: float
    index: int  # frames fed since `reset` (0-based), for the figures


@dataclass(frozen=True)
class BestFrameSettings:
    still_motion: float = 1.5  # mean abs difference (grey levels, coarse copy): "nothing moved"
    settle_frames: int = 4  # still, well-exposed frames in a row before a choice is made
    min_sharpness: float = 0.0  # frames below are never chosen (0: any focus; OCR judges)
    plateau: float = 0.05  # focus settled when two frames in a row differ by less (share of the best)
    exposure: ExposureLimits = field(default_factory=ExposureLimits)

    def __post_init__(self) -> None:
        if self.settle_frames < 1:
            raise ValueError("settle_frames must be at least 1")


@dataclass
class Rejections:
    moving: int = 0
    overexposed: int = 0
    underexposed: int = 0
    unsharp: int = 0


class BestFrameSelector:
    """`reset()` when a document is placed, `feed(...)` each frame, then `ready` / `best`."""

    def __init__(self, settings: BestFrameSettings | None = None) -> None:
        self.settings = settings or BestFrameSettings()
        self.reset()

    def reset(self) -> None:
        self.best: Candidate | None = None
        self.run = 0  # still, well-exposed frames in a row
        self.fed = 0
        self.rejections = Rejections()
        self.last_rejection: str | None = None  # why the newest frame did not count, if it did not
        self._previous_score: float | None = None
        self._settled = False

    @property
    def ready(self) -> bool:
        return self.best is not None and self.run >= self.settings.settle_frames and self._settled

    def feed(self, frame: np.ndarray, grey_frame: np.ndarray, frame_motion: float, t: float) -> None:
        """One frame (as captured, and its grey copy) with its motion against the previous frame."""
        s = self.settings
        index, self.fed = self.fed, self.fed + 1
        reason = None
        reason = "moving" if frame_motion >= s.still_motion else exposure(grey_frame).problem(s.exposure)
        if reason is not None:
            self._reject(reason)
            return
        score = sharpness(grey_frame)
        if score < s.min_sharpness:
            self._reject("unsharp")
            return
        self.last_rejection = None
        self.run += 1
        if self.run == 1 or self.best is None or score > self.best.sharpness:
            self.best = Candidate(frame, t, score, index)
        if self._previous_score is not None and not self._settled:
            self._settled = abs(score - self._previous_score) <= s.plateau * self.best.sharpness
        self._previous_score = score

    def _reject(self, reason: str) -> None:
        setattr(self.rejections, reason, getattr(self.rejections, reason) + 1)
        self.last_rejection = reason
        self.run = 0
        self.best = None
        self._previous_score = None
        self._settled = False
