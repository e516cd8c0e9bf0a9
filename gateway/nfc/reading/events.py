"""What a chip read reports while it runs (events) and after it (statistics).

Events go to a callback so a UI or the gRPC stream can show "reading DG2, 40 %" or "put the card
back" while the sans-IO engine keeps no knowledge of who listens. They carry file names, sizes and
protocol names only: never file contents, which are personal data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class ReadEvent:
    kind: ClassVar[str] = "event"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        for name in self.__slots__:  # type: ignore[attr-defined]
            out[name] = getattr(self, name)
        return out


@dataclass(frozen=True, slots=True)
class AccessEstablished(ReadEvent):
    """Secure messaging is up (again, when `renewed`)."""

    kind: ClassVar[str] = "access_established"
    protocol: str  # "BAC" or "PACE"
    algorithm: str | None  # e.g. "PACE-ECDH-GM-AES-128"; None for BAC
    renewed: bool = False


@dataclass(frozen=True, slots=True)
class FileStarted(ReadEvent):
    kind: ClassVar[str] = "file_started"
    name: str


@dataclass(frozen=True, slots=True)
class FileProgress(ReadEvent):
    kind: ClassVar[str] = "file_progress"
    name: str
    done: int
    total: int | None  # None until the file's header has been read

    @property
    def percent(self) -> float | None:
        if not self.total:
            return None
        return 100.0 * self.done / self.total


@dataclass(frozen=True, slots=True)
class FileFinished(ReadEvent):
    kind: ClassVar[str] = "file_finished"
    name: str
    size: int


@dataclass(frozen=True, slots=True)
class FileSkipped(ReadEvent):
    kind: ClassVar[str] = "file_skipped"
    name: str
    reason: str  # "absent", "access denied", "not listed in EF.COM"


@dataclass(frozen=True, slots=True)
class CardLost(ReadEvent):
    """The link to the card broke (removed, reset, no answer); the read resumes if it comes back."""

    kind: ClassVar[str] = "card_lost"
    reason: str
    file: str | None
    offset: int | None


@dataclass(frozen=True, slots=True)
class StepFinished(ReadEvent):
    kind: ClassVar[str] = "step_finished"
    name: str
    passed: bool | None


EventCallback = Callable[[ReadEvent], None]  # for callers that forward events one by one


@dataclass
class ReadStats:
    """Counted by the engine itself (it sees every byte), so the figures do not depend on the transport."""

    apdus: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    timings: dict[str, float] = field(default_factory=dict)  # phase -> seconds (phases do not overlap)
    file_timings: dict[str, float] = field(default_factory=dict)  # file -> seconds from start to finish
    total_s: float = 0.0
    block_size: int | None = None  # the largest READ BINARY block that worked
    extended_length: bool | None = None  # None: never needed / never tried
    sfi: bool | None = None
    refusals: int = 0  # block sizes / SFI reads the card refused
    recoveries: int = 0  # card lost and found again
    access_runs: int = 0  # BAC/PACE runs (more than one after a loss or a chip-side SM abort)

    def add_time(self, phase: str, seconds: float) -> None:
        self.timings[phase] = self.timings.get(phase, 0.0) + seconds

    def to_dict(self) -> dict[str, Any]:
        return {
            "apdus": self.apdus,
            "bytes_sent": self.bytes_sent,
            "bytes_received": self.bytes_received,
            "timings": {**{k: round(v, 6) for k, v in self.timings.items()}, "total": round(self.total_s, 6)},
            "file_timings": {k: round(v, 6) for k, v in self.file_timings.items()},
            "block_size": self.block_size,
            "extended_length": self.extended_length,
            "sfi": self.sfi,
            "refusals": self.refusals,
            "recoveries": self.recoveries,
            "access_runs": self.access_runs,
        }


__all__ = [
    "AccessEstablished",
    "CardLost",
    "EventCallback",
    "FileFinished",
    "FileProgress",
    "FileSkipped",
    "FileStarted",
    "ReadEvent",
    "ReadStats",
    "StepFinished",
]
