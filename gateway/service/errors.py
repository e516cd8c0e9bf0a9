"""Errors the service layer reports to callers: a status class, a reason code, the fields at fault.

They carry no personal data and no internals: `message` is one sentence for a developer, `reason` a
stable machine-readable code (ErrorInfo.reason on the wire), `field_violations` name request fields
(BadRequest on the wire). The gRPC layer maps `kind` to a status code.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class ErrorKind(enum.Enum):
    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    NOT_FOUND = "NOT_FOUND"
    FAILED_PRECONDITION = "FAILED_PRECONDITION"
    RESOURCE_EXHAUSTED = "RESOURCE_EXHAUSTED"
    UNAVAILABLE = "UNAVAILABLE"
    CANCELLED = "CANCELLED"
    DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    INTERNAL = "INTERNAL"


@dataclass(frozen=True)
class FieldViolation:
    field: str  # request field path, e.g. "chip_access.can" or "checks[1]"
    description: str


@dataclass
class ServiceError(Exception):
    kind: ErrorKind
    reason: str
    message: str
    field_violations: list[FieldViolation] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


def invalid(violations: list[FieldViolation], reason: str = "INVALID_REQUEST") -> ServiceError:
    names = ", ".join(v.field for v in violations)
    return ServiceError(ErrorKind.INVALID_ARGUMENT, reason, f"invalid request field(s): {names}", list(violations))
