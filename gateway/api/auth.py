"""Caller authentication for TCP listeners: a bearer token and/or a TLS client certificate.

- Mutual TLS is enforced by the TLS layer itself (`require_client_auth`): a client without a
  certificate chaining to `client_ca` never gets a call through.
- Tokens: when configured, every call over TCP must carry metadata `authorization: Bearer <token>`;
  compared in constant time. Calls over the Unix socket are authorised by its file permissions.
- The standard health service stays open (load balancers and systemd probes carry no token).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Sequence
from typing import Any

import grpc

from gateway.service.errors import ErrorKind, ServiceError

from .status import to_status

log = logging.getLogger("gateway.auth")
OPEN_SERVICES = ("/grpc.health.v1.Health/",)


def _token_ok(metadata: Sequence[tuple[str, Any]] | None, tokens: tuple[bytes, ...]) -> bool:
    for key, value in metadata or ():
        if key.lower() != "authorization":
            continue
        text = value.decode() if isinstance(value, bytes) else str(value)
        scheme, _, token = text.partition(" ")
        if scheme.lower() != "bearer":
            return False
        candidate = token.strip().encode()
        return any(hmac.compare_digest(candidate, t) for t in tokens)
    return False


class TokenInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, tokens: Sequence[str]) -> None:
        self._tokens = tuple(t.encode() for t in tokens)

    async def intercept_service(self, continuation: Callable[..., Any],
                                handler_call_details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or method.startswith(OPEN_SERVICES):
            return handler
        if _token_ok(handler_call_details.invocation_metadata, self._tokens):
            return handler
        return _guarded(handler, method)


async def _relay(result: Any) -> Any:
    """Pass on a streaming handler's messages, whether it is an async generator or a coroutine
    that writes to the context itself."""
    if hasattr(result, "__aiter__"):
        async for item in result:
            yield item
    else:
        await result


def _guarded(handler: grpc.RpcMethodHandler, method: str) -> grpc.RpcMethodHandler:
    """The same handler, but a TCP caller without a valid token gets UNAUTHENTICATED."""
    error = ServiceError(ErrorKind.UNAUTHENTICATED, "UNAUTHENTICATED",
                         "missing or invalid token (metadata authorization: Bearer ...)")

    async def refuse(context: grpc.aio.ServicerContext) -> bool:
        if context.peer().startswith("unix:"):
            return False
        log.warning("call refused", extra={"method": method, "code": "UNAUTHENTICATED", "peer_kind": "tcp"})
        await context.abort_with_status(to_status(error))
        return True

    if handler.unary_unary:
        inner = handler.unary_unary

        async def unary_unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
            await refuse(context)
            return await inner(request, context)

        return grpc.unary_unary_rpc_method_handler(unary_unary, handler.request_deserializer,
                                                   handler.response_serializer)
    if handler.unary_stream:
        inner_stream = handler.unary_stream

        async def unary_stream(request: Any, context: grpc.aio.ServicerContext) -> Any:
            await refuse(context)
            async for item in _relay(inner_stream(request, context)):
                yield item

        return grpc.unary_stream_rpc_method_handler(unary_stream, handler.request_deserializer,
                                                    handler.response_serializer)
    if handler.stream_stream:
        inner_bidi = handler.stream_stream

        async def stream_stream(request_iterator: Any, context: grpc.aio.ServicerContext) -> Any:
            await refuse(context)
            async for item in _relay(inner_bidi(request_iterator, context)):
                yield item

        return grpc.stream_stream_rpc_method_handler(stream_stream, handler.request_deserializer,
                                                     handler.response_serializer)
    inner_cs = handler.stream_unary

    async def stream_unary(request_iterator: Any, context: grpc.aio.ServicerContext) -> Any:
        await refuse(context)
        return await inner_cs(request_iterator, context)

    return grpc.stream_unary_rpc_method_handler(stream_unary, handler.request_deserializer,
                                                handler.response_serializer)
