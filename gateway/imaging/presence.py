"""Is a document lying in front of the camera? A state machine fed frames, h11-style: `feed(frame,
t)` returns the events that frame completes (`Placed`, `Removed`), nothing else happens behind the
caller's back (no callbacks, no clock, no threads).

The empty scene is learnt as background from the first still frames (the desk as the camera sees
it, with whatever lies on it at the edges); a frame differs from it where its coarse grey copy
(`frame_measures.motion_grey`) is more than `diff_level` grey levels off. A document covers a good
part of the view, so `place_fraction` of the pixels differing means "something is there", and
fewer than `remove_fraction` means "gone" (hysteresis: a hand passing over the edge does not toggle
it). Each change must hold for `debounce` consecutive frames before it is reported. While the
desk is empty and still the background follows slow light changes (`adapt_rate`).

Limits (see docs/document-camera.md): the desk must be empty when the camera starts (else the
document is learnt as background), and a sudden change of room light reads as a placement.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import cv2
import numpy as np

from gateway.imaging.frame_measures import grey, motion, motion_grey


@dataclass(frozen=True)
class Placed:
    at: float  # the `t` of the frame that completed the debounce


@dataclass(frozen=True)
class Removed:
    at: float


PresenceEvent = Placed | Removed


class State(enum.Enum):
    LEARNING = "learning"  # collecting still frames of the empty scene
    ABSENT = "absent"
    PRESENT = "present"


@dataclass(frozen=True)
class PresenceSettings:
    diff_level: float = 25.0  # grey levels a background pixel must change by to count as covered
    place_fraction: float = 0.08  # covered share of the view that means a document is there
    remove_fraction: float = 0.03  # ... below which it has gone
    debounce: int = 3  # consecutive frames a change must hold
    learn_frames: int = 3  # still frames averaged into the first background
    still_motion: float = 1.5  # mean abs difference (grey levels) below which the scene is still
    adapt_rate: float = 0.05  # weight of a new still empty frame in the background

    def __post_init__(self) -> None:
        if not 0 < self.remove_fraction < self.place_fraction < 1:
            raise ValueError("need 0 < remove_fraction < place_fraction < 1")
        if self.debounce < 1 or self.learn_frames < 1:
            raise ValueError("debounce and learn_frames must be at least 1")


class PresenceDetector:
    """`feed(frame, t) -> list[Placed | Removed]`; `state`, `coverage` for the caller's display."""

    def __init__(self, settings: PresenceSettings | None = None) -> None:
        self.settings = settings or PresenceSettings()
        self.state = State.LEARNING
        self.coverage = 0.0  # share of the view that differs from the background, last frame
        self.motion = 0.0  # mean abs difference to the previous frame, last frame
        self._background: np.ndarray | None = None  # float32 coarse grey
        self._learning: list[np.ndarray] = []
        self._previous: np.ndarray | None = None
        self._streak = 0  # consecutive frames supporting a change of state

    @property
    def present(self) -> bool:
        return self.state is State.PRESENT

    def feed(self, frame: np.ndarray, t: float) -> list[PresenceEvent]:
        return self.feed_coarse(motion_grey(grey(frame)), t)

    def feed_coarse(self, small: np.ndarray, t: float) -> list[PresenceEvent]:
        """`feed` for a caller that already made the `motion_grey` copy (it needs it for motion too)."""
        s = self.settings
        previous, self._previous = self._previous, small
        if previous is not None and previous.shape != small.shape:
            raise ValueError("the frame size changed; start a new detector for the new stream")
        self.motion = motion(previous, small) if previous is not None else 0.0
        still = previous is not None and self.motion < s.still_motion
        if self.state is State.LEARNING:
            if previous is not None and not still:
                self._learning.clear()  # something moved: the empty scene is not settled yet
            self._learning.append(small.astype(np.float32))
            if len(self._learning) >= s.learn_frames:
                self._background = np.mean(self._learning, axis=0).astype(np.float32)
                self._learning.clear()
                self.state = State.ABSENT
            return []
        assert self._background is not None
        diff = cv2.absdiff(small.astype(np.float32), self._background)
        self.coverage = float(np.count_nonzero(diff > s.diff_level)) / diff.size
        if self.state is State.ABSENT:
            if self.coverage >= s.place_fraction:
                self._streak += 1
                if self._streak >= s.debounce:
                    self._streak = 0
                    self.state = State.PRESENT
                    return [Placed(t)]
            else:
                self._streak = 0
                if still and self.coverage < s.remove_fraction:
                    cv2.accumulateWeighted(small.astype(np.float32), self._background, s.adapt_rate)
            return []
        if self.coverage < s.remove_fraction:
            self._streak += 1
            if self._streak >= s.debounce:
                self._streak = 0
                self.state = State.ABSENT
                return [Removed(t)]
        else:
            self._streak = 0
        return []
