"""What a verification reports while it runs, for progress bars and the gRPC stream.

Events carry file names, sizes, protocol names and check outcomes only: never file contents, which
are personal data. The daemon adds its own (queued, started) in `gateway.service.model`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gateway.verdict import Check

from .result import AccessInfo


@dataclass(frozen=True)
class DocumentDetected:
    atr: bytes


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


VerifyEvent = DocumentDetected | AccessEstablished | FileProgress | DocumentLost | CheckCompleted
VerifyEventCallback = Callable[[VerifyEvent], None]

__all__ = ["AccessEstablished", "CheckCompleted", "DocumentDetected", "DocumentLost", "FileProgress",
           "VerifyEvent", "VerifyEventCallback"]
