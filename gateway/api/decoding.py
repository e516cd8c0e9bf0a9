"""Requests that are not protobuf: INVALID_ARGUMENT with a clear message, not UNKNOWN.

grpcio calls a method's request deserializer before any handler or interceptor code runs, and
when it raises, the aio server ends the call with status UNKNOWN and an empty message — a client
cannot tell its own bad bytes from a daemon fault. This interceptor wraps every deserializer so
that undecodable bytes become a marker object, and the handler then aborts with INVALID_ARGUMENT
(reason MALFORMED_REQUEST) naming the message type it expected.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
from google.protobuf.message import DecodeError

from gateway.service.errors import ErrorKind, ServiceError

from .status import to_status


class _Undecodable:
    """What a wrapped deserializer returns for bytes that are no message of its type."""

    __slots__ = ("type_name",)

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name


def _type_name(deserializer: Callable[[bytes], Any]) -> str:
    owner = getattr(deserializer, "__self__", None)
    descriptor = getattr(owner, "DESCRIPTOR", None)
    return getattr(descriptor, "full_name", "") or "request"


def _safe(deserializer: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    if deserializer is None:
        return None
    name = _type_name(deserializer)

    def deserialize(data: bytes) -> Any:
        try:
            return deserializer(data)
        except (DecodeError, ValueError, TypeError, RuntimeError):  # RuntimeError: recursion too deep
            return _Undecodable(name)

    return deserialize


async def _refuse(request: Any, context: grpc.aio.ServicerContext) -> None:
    if isinstance(request, _Undecodable):
        error = ServiceError(ErrorKind.INVALID_ARGUMENT, "MALFORMED_REQUEST",
                             f"the request is not a valid {request.type_name} protobuf message")
        await context.abort_with_status(to_status(error))


async def _checked(request_iterator: Any, context: grpc.aio.ServicerContext) -> Any:
    async for request in request_iterator:
        await _refuse(request, context)
        yield request


async def _relay(result: Any) -> Any:
    if hasattr(result, "__aiter__"):
        async for item in result:
            yield item
    else:
        await result


class DecodeGuardInterceptor(grpc.aio.ServerInterceptor):
    """Put it first in the server's interceptors so every method's deserializer is wrapped."""

    async def intercept_service(self, continuation: Callable[..., Any],
                                handler_call_details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        return handler if handler is None else guard_handler(handler)


def guard_handler(handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
    """The same handler with a deserializer that cannot fail and a behaviour that refuses the marker."""
    deserializer, serializer = _safe(handler.request_deserializer), handler.response_serializer
    if handler.unary_unary:
        inner = handler.unary_unary

        async def unary_unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
            await _refuse(request, context)
            return await inner(request, context)

        return grpc.unary_unary_rpc_method_handler(unary_unary, deserializer, serializer)
    if handler.unary_stream:
        inner_stream = handler.unary_stream

        async def unary_stream(request: Any, context: grpc.aio.ServicerContext) -> Any:
            await _refuse(request, context)
            async for item in _relay(inner_stream(request, context)):
                yield item

        return grpc.unary_stream_rpc_method_handler(unary_stream, deserializer, serializer)
    if handler.stream_stream:
        inner_bidi = handler.stream_stream

        async def stream_stream(request_iterator: Any, context: grpc.aio.ServicerContext) -> Any:
            async for item in _relay(inner_bidi(_checked(request_iterator, context), context)):
                yield item

        return grpc.stream_stream_rpc_method_handler(stream_stream, deserializer, serializer)
    inner_cs = handler.stream_unary

    async def stream_unary(request_iterator: Any, context: grpc.aio.ServicerContext) -> Any:
        return await inner_cs(_checked(request_iterator, context), context)

    return grpc.stream_unary_rpc_method_handler(stream_unary, deserializer, serializer)
