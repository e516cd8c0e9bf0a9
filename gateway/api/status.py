"""ServiceError -> gRPC status with google.rpc details (ErrorInfo always, BadRequest for field errors).

Callers get a status code, a one-line message, a reason code they can branch on and the fields at
fault; never a stack trace or a request value (MRZ contents must not travel back in errors either).
The details travel in a trailer, and gRPC clients refuse trailers above 8 KiB by default (the call
then fails with RESOURCE_EXHAUSTED and no details at all), so `to_status` caps them at
`gateway.limits.MAX_ERROR_DETAIL_BYTES` / `MAX_FIELD_VIOLATIONS` whatever the service layer built.
"""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from gateway.limits import MAX_ERROR_DETAIL_BYTES, MAX_FIELD_VIOLATIONS
from gateway.service.errors import ErrorKind, ServiceError

_MAX_TEXT = 400  # characters of one message, field name or description in the details

DOMAIN = "gateway.clearing.local"

_CODES = {
    ErrorKind.INVALID_ARGUMENT: (grpc.StatusCode.INVALID_ARGUMENT, code_pb2.INVALID_ARGUMENT),
    ErrorKind.NOT_FOUND: (grpc.StatusCode.NOT_FOUND, code_pb2.NOT_FOUND),
    ErrorKind.FAILED_PRECONDITION: (grpc.StatusCode.FAILED_PRECONDITION, code_pb2.FAILED_PRECONDITION),
    ErrorKind.RESOURCE_EXHAUSTED: (grpc.StatusCode.RESOURCE_EXHAUSTED, code_pb2.RESOURCE_EXHAUSTED),
    ErrorKind.UNAVAILABLE: (grpc.StatusCode.UNAVAILABLE, code_pb2.UNAVAILABLE),
    ErrorKind.CANCELLED: (grpc.StatusCode.CANCELLED, code_pb2.CANCELLED),
    ErrorKind.DEADLINE_EXCEEDED: (grpc.StatusCode.DEADLINE_EXCEEDED, code_pb2.DEADLINE_EXCEEDED),
    ErrorKind.UNAUTHENTICATED: (grpc.StatusCode.UNAUTHENTICATED, code_pb2.UNAUTHENTICATED),
    ErrorKind.INTERNAL: (grpc.StatusCode.INTERNAL, code_pb2.INTERNAL),
}


def grpc_code(error: ServiceError) -> grpc.StatusCode:
    return _CODES[error.kind][0]


def _clip(text: str, limit: int = _MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _status(error: ServiceError, violations: int, text: int) -> status_pb2.Status:
    details = []
    info = any_pb2.Any()
    metadata = {_clip(k, 64): _clip(str(v), text) for k, v in list(error.metadata.items())[:MAX_FIELD_VIOLATIONS]}
    info.Pack(error_details_pb2.ErrorInfo(reason=_clip(error.reason, 64), domain=DOMAIN, metadata=metadata))
    details.append(info)
    shown = error.field_violations[:violations]
    if shown:
        items = [error_details_pb2.BadRequest.FieldViolation(field=_clip(v.field, text),
                                                             description=_clip(v.description, text))
                 for v in shown]
        if len(error.field_violations) > len(shown):
            hidden = len(error.field_violations) - len(shown)
            items[-1] = error_details_pb2.BadRequest.FieldViolation(
                field="(more)", description=f"{hidden + 1} further field violation(s) not listed")
        bad = any_pb2.Any()
        bad.Pack(error_details_pb2.BadRequest(field_violations=items))
        details.append(bad)
    return status_pb2.Status(code=_CODES[error.kind][1], message=_clip(error.message, 2 * text), details=details)


def to_status(error: ServiceError) -> grpc.Status:
    """The error as a gRPC status whose serialized details fit `MAX_ERROR_DETAIL_BYTES`: fewer field
    violations and shorter texts until they do (the reason code always survives)."""
    violations, text = MAX_FIELD_VIOLATIONS, _MAX_TEXT
    status = _status(error, violations, text)
    while status.ByteSize() > MAX_ERROR_DETAIL_BYTES and (violations > 1 or text > 16):
        violations, text = max(1, violations // 2), max(16, text // 2)
        status = _status(error, violations, text)
    return rpc_status.to_status(status)


async def abort(context: grpc.aio.ServicerContext, error: ServiceError) -> None:
    """Abort the call with `error` (raises, like context.abort)."""
    await context.abort_with_status(to_status(error))


def parse_error(exc: grpc.RpcError) -> tuple[str, list[tuple[str, str]], dict[str, str]]:
    """Client side: (reason, [(field, description)], error metadata) from a failed call's details."""
    status = rpc_status.from_call(exc)  # type: ignore[arg-type]
    reason, fields, metadata = "", [], {}
    if status is None:
        return reason, fields, metadata
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            reason, metadata = info.reason, dict(info.metadata)
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            fields = [(v.field, v.description) for v in bad.field_violations]
    return reason, fields, metadata
