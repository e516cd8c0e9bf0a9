"""What a verification returns (`VerifyResult`), the same for the CLI, the daemon, the SDK and the tests.

The shape is that of `gateway chip read --json` (access, files, mrz, face_image, apdus, timings,
reading, quirks) plus the printed MRZ and the verdict with its checks. Nothing here holds personal
data beyond what the caller asked for: the face image's bytes only when requested.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gateway.mrz import MRZResult
from gateway.nfc.reading.quirks import Quirk
from gateway.verdict import Verdict

if TYPE_CHECKING:
    from gateway.verify.optical import OpticalMeasures


@dataclass(frozen=True)
class AccessInfo:
    protocol: str  # "BAC" | "PACE"
    algorithm: str = ""  # PACE: "PACE-ECDH-GM-AES-128"
    password: str = "MRZ"  # "MRZ" | "CAN"
    parameters: str = ""  # PACE: "brainpoolP256r1"
    parameter_id: int = 0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"protocol": self.protocol, "algorithm": self.algorithm or None,
                               "password": self.password}
        if self.protocol == "PACE":
            out["parameters"] = self.parameters or None
        return out


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
    data: bytes = field(default=b"", repr=False)  # only when the caller asked for the image
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
    phases: dict[str, float] = field(default_factory=dict)  # "queued", reading phases, "checks"

    def to_dict(self) -> dict[str, float]:
        return {**{k: round(v, 4) for k, v in self.phases.items()}, "total": round(self.total_s, 4)}


@dataclass(frozen=True)
class QualityWarning:
    code: str
    severity: str  # "reject" | "warn"
    message_en: str
    message_de: str

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "message": {"en": self.message_en,
                                                                           "de": self.message_de}}


@dataclass
class PageReading:
    """How the printed MRZ was read off a page image: positions and quality, never the picture."""

    status: str  # read | not_found | multiple
    rotation: int = 0
    skew_degrees: float = 0.0
    effective_dpi: float = 0.0
    engine: str = ""
    warnings: list[QualityWarning] = field(default_factory=list)
    mrz_box: tuple[float, ...] = ()  # x0, y0, ..., x3, y3
    timings: dict[str, float] = field(default_factory=dict)
    lights: tuple[str, ...] = ("white",)  # the pictures given: "white", "ir", "uv"

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "lights": list(self.lights),
                "rotation": self.rotation, "skew_degrees": round(self.skew_degrees, 2),
                "effective_dpi": round(self.effective_dpi, 1), "engine": self.engine,
                "warnings": [w.to_dict() for w in self.warnings], "mrz_box": [round(v, 1) for v in self.mrz_box],
                "timings": {k: round(v, 4) for k, v in self.timings.items()}}


@dataclass
class VerifyResult:
    operation_id: str = ""  # set by the daemon
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
    quirks: list[Quirk] = field(default_factory=list)
    verdict: Verdict = field(default_factory=Verdict)
    details: dict[str, Any] = field(default_factory=dict)  # document signer / CSCA summaries, algorithms
    page: PageReading | None = None  # when the printed MRZ was read off a page image
    portrait: bytes = field(default=b"", repr=False)  # the page's portrait (JPEG), only when asked for
    optical: OpticalMeasures | None = None  # the figures the optical checks judged (no personal data)

    def to_dict(self) -> dict[str, Any]:
        """`gateway chip read --json`'s object (reader, access, files, absent, denied, mrz, face_image,
        apdus, bytes, timings, reading, warnings, quirks) plus printed_mrz, verdict and checks."""
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
            "quirks": [q.to_dict() for q in self.quirks],
            "printed_mrz": self.printed_mrz.to_dict() if self.printed_mrz else None,
            **({"page": self.page.to_dict()} if self.page is not None else {}),
            **({"portrait_bytes": len(self.portrait)} if self.portrait else {}),
            **({"optical": self.optical.to_dict()} if self.optical is not None else {}),
            **self.verdict.to_dict(),
        }


__all__ = ["AccessInfo", "FaceImage", "FileRead", "PageReading", "QualityWarning", "ReadingStats", "Timings",
           "VerifyResult"]
