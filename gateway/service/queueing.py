"""One operation at a time per physical reader; others wait in FIFO order, up to a limit.

A reader cannot talk to two documents (or one document for two callers) at once, so calls are
serialised per reader rather than failed. Each waiter learns its position (1 = next) whenever it
changes; a waiter that goes away (cancelled, deadline) leaves the queue without disturbing order.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Callable

from .errors import ErrorKind, ServiceError

PositionCallback = Callable[[int], None]


class ReaderQueue:
    """An asyncio FIFO lock with a bounded waiting line. Use `async with queue.slot(on_position):`."""

    def __init__(self, limit: int = 8) -> None:
        self.limit = limit
        self._busy = False
        self._waiters: deque[tuple[asyncio.Future[None], PositionCallback]] = deque()

    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    async def acquire(self, on_position: PositionCallback | None = None) -> None:
        if not self._busy and not self._waiters:
            self._busy = True
            return
        if len(self._waiters) >= self.limit:
            raise ServiceError(
                ErrorKind.RESOURCE_EXHAUSTED,
                "READER_QUEUE_FULL",
                f"the reader's queue is full ({self.limit} waiting); try again later",
                metadata={"queue_limit": str(self.limit)},
            )
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (future, on_position or (lambda _position: None))
        self._waiters.append(entry)
        entry[1](len(self._waiters))
        try:
            await future
        except asyncio.CancelledError:
            if entry in self._waiters:
                self._waiters.remove(entry)
                self._announce()
            elif future.done() and not future.cancelled():
                self.release()  # granted just as we were cancelled: pass it on
            raise

    def release(self) -> None:
        while self._waiters:
            future, _ = self._waiters.popleft()
            if not future.done():
                future.set_result(None)
                self._announce()
                return
        self._busy = False

    def _announce(self) -> None:
        for position, (_, callback) in enumerate(self._waiters, start=1):
            callback(position)

    @contextlib.asynccontextmanager
    async def slot(self, on_position: PositionCallback | None = None) -> AsyncIterator[None]:
        await self.acquire(on_position)
        try:
            yield
        finally:
            self.release()
