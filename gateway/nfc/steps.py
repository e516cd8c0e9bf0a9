"""The extension point for authenticity steps that run inside a chip read (active authentication,
chip authentication, later terminal authentication).

A step is a sans-IO object like BAC and PACE: `start()` gives the first plain command, `feed(response)`
takes the plain (already unwrapped and MAC-verified) response and gives the next command or, at the
end, a `StepOutcome`. The reader wraps every command in the current secure-messaging session, so a
step never touches SM itself — except chip authentication, which hands back the *new* session in
`StepOutcome.session`; the reader switches to it and reads the remaining files under the new keys
(which is what proves the chip owns the DG14 key).

The reader builds a step through a `StepFactory` once the files it `needs` are read, so a step
is created with DG14/DG15 bytes in hand and can decline (return None) when the chip lacks them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .apdu import CommandAPDU, ResponseAPDU

if TYPE_CHECKING:
    from .reader import AccessInfo
    from .sm import SMSession


@dataclass(frozen=True)
class StepOutcome:
    """`passed`: True (proved), False (the chip failed the proof), None (could not be performed)."""

    passed: bool | None
    detail: str = ""  # short, for people and logs: never personal data
    session: SMSession | None = None  # set by steps that re-key secure messaging (chip authentication)
    data: Mapping[str, Any] = field(default_factory=dict)  # step-specific, e.g. the AA signature


@dataclass(frozen=True)
class StepContext:
    """What a factory may look at to build its step."""

    files: Mapping[str, bytes]  # raw bytes of every file read so far, by name ("DG14", "DG15", ...)
    access: AccessInfo
    pace: Any = None  # the finished gateway.nfc.pace.PACE object (PACE-CAM needs it), else None


class ChipStep(Protocol):
    name: str

    def start(self) -> CommandAPDU: ...

    def feed(self, response: ResponseAPDU) -> CommandAPDU | StepOutcome: ...


class StepFactory(Protocol):
    name: str
    needs: tuple[str, ...]  # LDS files to read before the step runs, e.g. ("DG14",)

    def __call__(self, context: StepContext) -> ChipStep | None: ...


__all__ = ["ChipStep", "StepContext", "StepFactory", "StepOutcome"]
