"""ServiceError -> gRPC status with google.rpc details (ErrorInfo always, BadRequest for field errors).

Callers get a status code, a one-line message, a reason code they can branch on and the fields at
fault; never a stack trace or a request value (MRZ contents must not travel back in errors either).
"""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from gateway.service.errors import ErrorKind, ServiceError

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


def to_status(error: ServiceError) -> grpc.Status:
    details = []
    info = any_pb2.Any()
    info.Pack(error_details_pb2.ErrorInfo(reason=error.reason, domain=DOMAIN, metadata=error.metadata))
    details.append(info)
    if error.field_violations:
        bad = any_pb2.Any()
        bad.Pack(error_details_pb2.BadRequest(field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
            for v in error.field_violations
        ]))
        details.append(bad)
    status = status_pb2.Status(code=_CODES[error.kind][1], message=error.message, details=details)
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
