"""The contract of authenticity steps that run inside a chip read (active authentication, chip
authentication; later terminal authentication or PACE-CAM's proof).

A step is a sans-IO object like BAC and PACE: `start()` gives the first plain command, `feed(response)`
takes the plain (already unwrapped and MAC-verified) response and gives the next command or, at the
end, a `StepOutcome`. The reader wraps every command in the current secure-messaging session, so a
step never touches SM itself — except a *re-keying* step (chip authentication), whose outcome hands
back a new session. The reader switches to it and settles the step with the next protected
exchange: `settle(True)` when that answer verified under the new keys, `settle(False, why)` when it
did not. The step, not the reader, knows what that means (its reason codes), so the reader stays a
generic driver of steps.

The reader builds a step through a `StepFactory` once the files it `needs` are read, so a step is
created with DG14/DG15 bytes in hand and can decline (return None) when the chip lacks them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from gateway.nfc.apdu import CommandAPDU, ResponseAPDU
from gateway.nfc.randomness import SYSTEM_RANDOM, RandomSource

if TYPE_CHECKING:
    from .secure_messaging import SMSession


@dataclass(frozen=True)
class StepOutcome:
    """`passed`: True (proved), False (the chip failed the proof), None (not performed or not yet
    settled). `reason` is the step's reason code (AA_VERIFIED, CA_FAILED, …), which the verdict
    reports; `detail` is short, for people and logs, never personal data."""

    passed: bool | None
    reason: str
    detail: str = ""
    session: SMSession | None = None  # set by re-keying steps (chip authentication) until settled
    data: Mapping[str, Any] = field(default_factory=dict)  # step-specific, e.g. the AA algorithm


@dataclass(frozen=True)
class StepContext:
    """What a factory may look at to build its step."""

    files: Mapping[str, bytes]  # raw bytes of every file read so far, by name ("DG14", "DG15", ...)
    access: Any  # the read's gateway.nfc.reading.AccessInfo (protocols sit below the reader: no import)
    pace: Any = None  # the finished gateway.nfc.protocol.pace.PACE object (PACE-CAM needs it), else None
    random: RandomSource = SYSTEM_RANDOM


class ChipStep(Protocol):
    name: str

    def start(self) -> CommandAPDU: ...

    def feed(self, response: ResponseAPDU) -> CommandAPDU | StepOutcome: ...


@runtime_checkable
class RekeyingStep(Protocol):
    """A step that replaces the secure-messaging session; proven by reading on under the new keys."""

    name: str

    def settle(self, proved: bool, detail: str = "") -> StepOutcome: ...


class StepFactory(Protocol):
    name: str
    needs: tuple[str, ...]  # LDS files to read before the step runs, e.g. ("DG14",)
    not_offered: str  # reason code when the chip lacks what the step needs (AA_NOT_SUPPORTED, ...)

    def __call__(self, context: StepContext) -> ChipStep | None: ...


__all__ = ["ChipStep", "RekeyingStep", "StepContext", "StepFactory", "StepOutcome"]
