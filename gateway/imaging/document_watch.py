"""A document camera's sans-IO core: frames in, placed/removed events and the best frame out.

`DocumentWatch.feed(frame, t)` makes the grey and coarse copies once, runs the presence detector
on every frame and, while a document is present, the best-frame selection; it returns the events
of that frame (`presence.Placed` / `presence.Removed`). The camera driver owns the thread and the
clock and only moves frames in and events out (gateway.drivers.camera).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gateway.imaging.best_frame import BestFrameSelector, BestFrameSettings, Candidate
from gateway.imaging.frame_measures import grey, motion_grey
from gateway.imaging.presence import PresenceDetector, PresenceEvent, PresenceSettings


@dataclass(frozen=True)
class WatchSettings:
    presence: PresenceSettings = field(default_factory=PresenceSettings)
    best_frame: BestFrameSettings = field(default_factory=BestFrameSettings)


class DocumentWatch:
    def __init__(self, settings: WatchSettings | None = None) -> None:
        self.settings = settings or WatchSettings()
        self.presence = PresenceDetector(self.settings.presence)
        self.selector = BestFrameSelector(self.settings.best_frame)
        self.frames = 0

    def feed(self, frame: np.ndarray, t: float) -> list[PresenceEvent]:
        self.frames += 1
        g = grey(frame)
        events = self.presence.feed_coarse(motion_grey(g), t)
        if events:  # placed or removed: whatever was chosen belongs to another placement
            self.selector.reset()
        if self.presence.present:
            self.selector.feed(frame, g, self.presence.motion, t)
        return events

    @property
    def present(self) -> bool:
        return self.presence.present

    @property
    def best(self) -> Candidate | None:
        """The frame to read, once the document lies still long enough; else None."""
        return self.selector.best if self.presence.present and self.selector.ready else None
