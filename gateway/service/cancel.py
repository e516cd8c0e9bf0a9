"""Cancellation that reaches the device thread: a call's deadline or cancellation stops the work.

Device I/O is blocking (pyscard), so it runs in a worker thread; the gRPC handler sets the token when
the client goes away or the deadline passes, and the worker checks it between APDUs (see
`CancellableTransport`) and between phases. The reader stays locked until the worker has really
stopped, so the next operation never overlaps a dying one.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from .errors import ErrorKind, ServiceError


class OperationCancelled(ServiceError):
    """Raised inside the worker when its token fires; carries CANCELLED or DEADLINE_EXCEEDED."""

    def __init__(self, deadline: bool) -> None:
        kind = ErrorKind.DEADLINE_EXCEEDED if deadline else ErrorKind.CANCELLED
        reason = "DEADLINE_EXCEEDED" if deadline else "CANCELLED"
        super().__init__(kind, reason, "the operation was stopped before it completed")


class CancelToken:
    """Set once; `deadline` is a time.monotonic() value after which the token counts as fired."""

    def __init__(self, deadline: float | None = None) -> None:
        self._event = threading.Event()
        self._deadline = deadline
        self._by_deadline = False

    def cancel(self, *, deadline: bool = False) -> None:
        self._by_deadline = self._by_deadline or deadline
        self._event.set()

    @property
    def cancelled(self) -> bool:
        if self._event.is_set():
            return True
        if self._deadline is not None and time.monotonic() >= self._deadline:
            self.cancel(deadline=True)
            return True
        return False

    def raise_if_cancelled(self) -> None:
        if self.cancelled:
            raise OperationCancelled(self._by_deadline)

    def remaining(self) -> float | None:
        return None if self._deadline is None else max(0.0, self._deadline - time.monotonic())

    def wait(self, timeout: float) -> bool:
        """Sleep up to `timeout` s; True if cancelled meanwhile (for polling loops)."""
        remaining = self.remaining()
        if remaining is not None:
            timeout = min(timeout, remaining)
        self._event.wait(timeout)
        return self.cancelled


class CancellableTransport:
    """Wraps a card transport (atr/transmit/reconnect/disconnect): every transmit first checks the token.

    This is how cancellation reaches the chip reading engine without it knowing about tokens: the
    next APDU after a cancel raises OperationCancelled, which unwinds the engine like a pulled card.
    """

    def __init__(self, inner: Any, token: CancelToken) -> None:
        self._inner = inner
        self._token = token
        self.apdus = 0

    @property
    def atr(self) -> bytes:
        return self._inner.atr

    @property
    def reader(self) -> str:
        return getattr(self._inner, "reader", "")

    def transmit(self, apdu: bytes) -> bytes:
        self._token.raise_if_cancelled()
        self.apdus += 1
        return self._inner.transmit(apdu)

    def reconnect(self, reset: bool = False) -> None:
        self._token.raise_if_cancelled()
        self._inner.reconnect(reset)

    def disconnect(self) -> None:
        self._inner.disconnect()

    def __getattr__(self, name: str) -> Any:  # connect(), protocol, ... of the wrapped transport
        return getattr(self._inner, name)
