"""The service's request and event types (no gRPC here; `gateway.api.convert` maps them).

The result is the verification pipeline's own `VerifyResult` (gateway.verify.result), the same the
CLI prints, so CLI, SDK and daemon give the same JSON; it and the pipeline's progress events are
re-exported here for the API layer, which knows the service, not the pipeline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from gateway.nfc.reading.quirks import Quirk
from gateway.verify.events import AccessEstablished, CheckCompleted, DocumentDetected, DocumentLost, FileProgress
from gateway.verify.result import (
    AccessInfo,
    FaceImage,
    FileRead,
    PageReading,
    QualityWarning,
    ReadingStats,
    Timings,
    VerifyResult,
)

# --- request ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChipAccessSpec:
    """One password source. `mrz_text` is a whole MRZ; `document_key` = (number, YYMMDD birth, YYMMDD expiry)."""

    mrz_text: str | None = None
    document_key: tuple[str, str, str] | None = None
    can: str | None = None
    from_printed: bool = False  # the key is the printed MRZ's, however it arrives (text, page image, line reader)

    @property
    def password_kind(self) -> str:
        return "CAN" if self.can else "MRZ"


@dataclass(frozen=True)
class VerifyInput:
    """A validated request (see `gateway.service.validation.validate_request`)."""

    reader_id: str = ""
    mrz: str | None = None
    chip_access: ChipAccessSpec | None = None
    checks: frozenset[str] | None = None  # None: every applicable check
    return_face_image: bool = False
    reference_date: dt.date | None = None
    page_image: bytes | None = field(default=None, repr=False)  # the printed MRZ as a scan or photo
    return_portrait: bool = False

    @property
    def uses_chip(self) -> bool:
        return self.chip_access is not None


# --- progress events ----------------------------------------------------------------------------------
# The verification's own events (gateway.verify.events) plus the daemon's: queued and started.


@dataclass(frozen=True)
class Queued:
    position: int
    reader_id: str


@dataclass(frozen=True)
class Started:
    reader_id: str
    operation_id: str


ProgressEvent = Queued | Started | DocumentDetected | AccessEstablished | FileProgress | DocumentLost | CheckCompleted
ProgressCallback = Callable[[ProgressEvent], None]


def ignore_progress(_event: ProgressEvent) -> None:
    """A ProgressCallback for callers that only want the result."""


__all__ = [
    "AccessEstablished",
    "AccessInfo",
    "CheckCompleted",
    "ChipAccessSpec",
    "DocumentDetected",
    "DocumentLost",
    "FaceImage",
    "FileProgress",
    "FileRead",
    "PageReading",
    "ProgressCallback",
    "ProgressEvent",
    "QualityWarning",
    "Queued",
    "Quirk",
    "ReadingStats",
    "Started",
    "Timings",
    "VerifyInput",
    "VerifyResult",
    "ignore_progress",
]
