"""What a line reader driver reports, as values a service layer can map without knowing the driver.

Times are `time.monotonic()` seconds (for latency and ages); `wall` is UTC for display and APIs.
No event carries MRZ characters except `MRZRead.result`, and its repr shows only the verdict.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from gateway.mrz import MRZResult

# Health states (the same words as gateway.service.devices.Health)
OK, DEGRADED, UNAVAILABLE = "OK", "DEGRADED", "UNAVAILABLE"

# Health / problem reasons beyond the PortError codes
NOT_ATTACHED = "NOT_ATTACHED"
DETACHED = "DETACHED"
NOISE = "NOISE"  # many bytes without a valid frame: wrong baud rate, parity or framing
FRAME_ERRORS = "FRAME_ERRORS"  # several broken frames in a row
NOT_AN_MRZ = "NOT_AN_MRZ"  # a whole frame whose lines gateway.mrz cannot read as an MRZ


def _utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class ReaderAttached:
    device_id: str
    source: str
    time: float
    wall: dt.datetime = field(default_factory=_utc)


@dataclass(frozen=True)
class ReaderDetached:
    device_id: str
    code: str
    message: str
    time: float
    wall: dt.datetime = field(default_factory=_utc)


@dataclass(frozen=True)
class ReaderUnavailable:
    """The device could not be opened (not plugged in, not a tty, busy, no permission)."""

    device_id: str
    code: str
    message: str
    time: float
    wall: dt.datetime = field(default_factory=_utc)


@dataclass(frozen=True)
class HealthChanged:
    device_id: str
    state: str
    reason: str
    message: str
    time: float
    wall: dt.datetime = field(default_factory=_utc)


@dataclass(frozen=True, repr=False)
class MRZRead:
    """One document read: the checked (and, where the check digits allow, corrected) MRZ."""

    device_id: str
    result: MRZResult
    framing: str
    seq: int
    time: float
    wall: dt.datetime = field(default_factory=_utc)

    def __repr__(self) -> str:
        verdict = "valid" if self.result.valid else "invalid"
        return (f"MRZRead(device_id={self.device_id!r}, seq={self.seq}, format={self.result.format}, {verdict}, "
                f"corrections={len(self.result.corrections)}, framing={self.framing!r})")

    __str__ = __repr__


@dataclass(frozen=True)
class FrameProblem:
    """A frame that could not become an MRZ: a framing error code, or NOT_AN_MRZ."""

    device_id: str
    code: str
    message: str
    framing: str
    time: float
    wall: dt.datetime = field(default_factory=_utc)


@dataclass(frozen=True)
class FrameSkipped:
    device_id: str
    kind: str
    nbytes: int
    time: float
    wall: dt.datetime = field(default_factory=_utc)


@dataclass(frozen=True)
class NoiseDiscarded:
    device_id: str
    nbytes: int
    reason: str
    time: float
    wall: dt.datetime = field(default_factory=_utc)


@dataclass(frozen=True)
class FramingChosen:
    device_id: str
    framing: str
    time: float
    wall: dt.datetime = field(default_factory=_utc)


LineReaderEvent = (ReaderAttached | ReaderDetached | ReaderUnavailable | HealthChanged | MRZRead | FrameProblem
                   | FrameSkipped | NoiseDiscarded | FramingChosen)
