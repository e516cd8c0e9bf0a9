"""The service's request and event types (no gRPC here; `gateway.api.convert` maps them).

The result is the verification pipeline's own `VerifyResult` (gateway.verify.result), the same the
CLI prints, so CLI, SDK and daemon give the same JSON; it and the pipeline's progress events are
re-exported here for the API layer, which knows the service, not the pipeline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from gateway.mrz import MRZResult
from gateway.nfc.reading.quirks import Quirk
from gateway.verify.events import AccessEstablished, CheckCompleted, DocumentDetected, DocumentLost, FileProgress
from gateway.verify.result import (
    AccessInfo,
    FaceImage,
    FileRead,
    OpticalMeasures,
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
    mrz: str | MRZResult | None = None  # typed text, or a device's already checked reading
    chip_access: ChipAccessSpec | None = None
    checks: frozenset[str] | None = None  # None: every applicable check
    return_face_image: bool = False
    reference_date: dt.date | None = None
    page_image: bytes | None = field(default=None, repr=False)  # the printed MRZ as a scan or photo
    return_portrait: bool = False
    page_image_ir: bytes | None = field(default=None, repr=False)  # the same scan under IR light
    page_image_uv: bytes | None = field(default=None, repr=False)  # the same scan under UV light
    use_device_mrz: bool = False  # the printed MRZ is still to come from a device (gateway.service.device_mrz)
    mrz_device_id: str = ""  # the device the printed MRZ came from
    mrz_wait_s: float = 0.0  # time spent getting it (queue for the line reader, waiting for the swipe)
    # One touch at a desk document reader (gateway.service.one_touch): wait for a document, capture it.
    wait_document: bool = False
    page: Any = field(default=None, repr=False)  # gateway.verify.optical.PageCapture, once captured
    document_reader_id: str = ""  # the document reader the page came from
    document_wait_s: float = 0.0  # how long the call waited for the document
    capture_s: float = 0.0  # how long the captures took

    @property
    def uses_chip(self) -> bool:
        return self.chip_access is not None

    def with_device_mrz(self, device_id: str, result: MRZResult, wait_s: float = 0.0) -> VerifyInput:
        """The request once the device has delivered the printed MRZ. With `use_printed_mrz`
        (`from_printed`) the pipeline takes the chip's key from it, as corrected by its check digits."""
        return replace(self, mrz=result, use_device_mrz=False, mrz_device_id=device_id, mrz_wait_s=wait_s)


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


@dataclass(frozen=True)
class AwaitingMRZ:
    """use_device_mrz and no fresh reading: the call waits for a swipe on this line reader."""

    device_id: str
    timeout_s: float


@dataclass(frozen=True, repr=False)
class MRZReceived:
    """use_device_mrz: the printed MRZ arrived from a device (checked and corrected)."""

    device_id: str
    result: MRZResult
    framing: str
    age_s: float  # how old the reading was when the call took it; 0 when the call waited for it

    def __repr__(self) -> str:  # no MRZ characters
        return f"MRZReceived(device_id={self.device_id!r}, format={self.result.format}, valid={self.result.valid})"


@dataclass(frozen=True)
class AwaitingDocument:
    """wait_document: the call waits for a document on this desk document reader."""

    device_id: str
    timeout_s: float


@dataclass(frozen=True)
class DocumentPlaced:
    """wait_document: a document lies on the reader."""

    device_id: str


@dataclass(frozen=True)
class PagesCaptured:
    """wait_document: the page images were captured under these lights."""

    device_id: str
    lights: tuple[str, ...]
    seconds: float


ProgressEvent = (Queued | AwaitingMRZ | MRZReceived | AwaitingDocument | DocumentPlaced | PagesCaptured | Started
                 | DocumentDetected | AccessEstablished | FileProgress | DocumentLost | CheckCompleted)
ProgressCallback = Callable[[ProgressEvent], None]


def ignore_progress(_event: ProgressEvent) -> None:
    """A ProgressCallback for callers that only want the result."""


__all__ = [
    "AccessEstablished",
    "AccessInfo",
    "AwaitingDocument",
    "AwaitingMRZ",
    "CheckCompleted",
    "ChipAccessSpec",
    "DocumentDetected",
    "DocumentLost",
    "DocumentPlaced",
    "FaceImage",
    "FileProgress",
    "FileRead",
    "MRZReceived",
    "OpticalMeasures",
    "PageReading",
    "PagesCaptured",
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
