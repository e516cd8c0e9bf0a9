"""The service's own request, event and result types (no gRPC here; `gateway.api.convert` maps them).

The result keeps the shape `gateway chip read --json` uses (access, files, mrz, face_image, apdus,
timings) and adds the verdict, so CLI, SDK and daemon all print the same JSON.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gateway.mrz import MRZResult
from gateway.verdict import Check, Verdict

# --- request ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChipAccessSpec:
    """One password source. `mrz_text` is a whole MRZ; `document_key` = (number, YYMMDD birth, YYMMDD expiry)."""

    mrz_text: str | None = None
    document_key: tuple[str, str, str] | None = None
    can: str | None = None

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

    @property
    def uses_chip(self) -> bool:
        return self.chip_access is not None


# --- progress events ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Queued:
    position: int
    reader_id: str


@dataclass(frozen=True)
class Started:
    reader_id: str
    operation_id: str


@dataclass(frozen=True)
class DocumentDetected:
    atr: bytes


@dataclass(frozen=True)
class AccessInfo:
    protocol: str  # "BAC" | "PACE"
    algorithm: str = ""  # PACE: "PACE-ECDH-GM-AES-128"
    password: str = "MRZ"  # "MRZ" | "CAN"
    parameters: str = ""  # PACE: "brainpoolP256r1"
    parameter_id: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The `access` object of `gateway chip read --json`."""
        out: dict[str, Any] = {"protocol": self.protocol, "algorithm": self.algorithm or None,
                               "password": self.password}
        if self.protocol == "PACE":
            out["parameters"] = self.parameters or None
        return out


@dataclass(frozen=True)
class AccessEstablished:
    access: AccessInfo


@dataclass(frozen=True)
class FileProgress:
    name: str
    bytes_read: int
    total_bytes: int

    @property
    def percent(self) -> int:
        if self.total_bytes <= 0:
            return 0
        return min(100, self.bytes_read * 100 // self.total_bytes)


@dataclass(frozen=True)
class DocumentLost:
    reason: str
    file: str = ""


@dataclass(frozen=True)
class CheckCompleted:
    check: Check


ProgressEvent = Queued | Started | DocumentDetected | AccessEstablished | FileProgress | DocumentLost | CheckCompleted
ProgressCallback = Callable[[ProgressEvent], None]


def ignore_progress(_event: ProgressEvent) -> None:
    """A ProgressCallback for callers that only want the result."""


# --- result -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileRead:
    name: str
    fid: int
    size: int


@dataclass(frozen=True)
class FaceImage:
    format: str
    width: int
    height: int
    data: bytes = b""  # only when the caller asked for the image
    size: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"format": self.format, "width": self.width, "height": self.height, "bytes": self.size}


@dataclass
class ReadingStats:
    bytes_sent: int = 0
    bytes_received: int = 0
    block_size: int | None = None
    extended_length: bool | None = None
    sfi: bool | None = None
    refusals: int = 0
    recoveries: int = 0

    def reading_dict(self) -> dict[str, Any]:
        return {"block_size": self.block_size, "extended_length": self.extended_length, "sfi": self.sfi,
                "refusals": self.refusals, "recoveries": self.recoveries}


@dataclass
class Timings:
    total_s: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # "queued", engine phases, "checks"

    def to_dict(self) -> dict[str, float]:
        return {**{k: round(v, 4) for k, v in self.phases.items()}, "total": round(self.total_s, 4)}


@dataclass
class ChipOutcome:
    """What a chip backend returns: everything read, plus its checks (chip_access, sod_signature, ...)."""

    access: AccessInfo | None = None
    files: list[FileRead] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    denied: list[str] = field(default_factory=list)
    chip_mrz: MRZResult | None = None
    face_image: FaceImage | None = None
    apdus: int = 0
    reading: ReadingStats | None = None
    phases: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)


@dataclass
class VerifyResult:
    operation_id: str
    reader_id: str = ""
    printed_mrz: MRZResult | None = None
    access: AccessInfo | None = None
    files: list[FileRead] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    denied: list[str] = field(default_factory=list)
    chip_mrz: MRZResult | None = None
    face_image: FaceImage | None = None
    apdus: int = 0
    reading: ReadingStats | None = None
    timings: Timings = field(default_factory=Timings)
    warnings: list[str] = field(default_factory=list)
    verdict: Verdict = field(default_factory=Verdict)

    def to_dict(self) -> dict[str, Any]:
        """`gateway chip read --json`'s object (reader, access, files, absent, denied, mrz, face_image,
        apdus, bytes, timings, reading, warnings) plus printed_mrz, verdict and checks."""
        reading = self.reading or ReadingStats()
        return {
            "reader": self.reader_id or None,
            "access": self.access.to_dict() if self.access else None,
            "files": {f.name: f.size for f in self.files},
            "absent": list(self.absent),
            "denied": list(self.denied),
            "mrz": self.chip_mrz.to_dict() if self.chip_mrz else None,
            "face_image": self.face_image.to_dict() if self.face_image else None,
            "apdus": self.apdus,
            "bytes": {"sent": reading.bytes_sent, "received": reading.bytes_received},
            "timings": self.timings.to_dict(),
            "reading": reading.reading_dict(),
            "warnings": list(self.warnings),
            "printed_mrz": self.printed_mrz.to_dict() if self.printed_mrz else None,
            **self.verdict.to_dict(),
        }
