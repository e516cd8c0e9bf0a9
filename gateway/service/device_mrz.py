"""The printed MRZ from a device, for a Verify with `use_device_mrz`: a line reader's swipe, or the
reader's own scanner (the simulated desk readers of `gateway serve --simulate`).

Both are an `MRZSource`; the verification never knows which one it got. The rules:

* **Which device.** With chip access: the chip reader's own scanner if it has one, else the line
  reader of the chip reader's desk (config `desk`). Without chip access (an MRZ-only check):
  `reader_id` may name the line reader itself, a chip reader (its desk's line reader) or a desk;
  empty `reader_id` means the only line reader when exactly one is configured, else the scanner of
  the chip reader holding a document. Several line readers on one desk: the first attached one in
  config order. None → FAILED_PRECONDITION `DEVICE_UNSUPPORTED`.
* **Fresh or next.** A reading younger than `fresh_s` (`[limits] mrz_fresh_s`, default
  `FRESH_S` = 15 s) that no verification used yet is taken at once: the desk swipes first, then
  clicks "verify". Otherwise the call waits for the next swipe, at most until its deadline (capped
  by `operation_timeout_s`). A reading serves one verification only (it is consumed); an older one is
  dropped by the next call, never used - it may be the previous person's document.
* **Errors.** Line reader not attached when the call starts → FAILED_PRECONDITION
  `DEVICE_UNAVAILABLE`; no swipe before the deadline → DEADLINE_EXCEEDED `MRZ_READ_TIMEOUT`;
  the reader unplugged during the wait → UNAVAILABLE `DEVICE_DETACHED` at once; the daemon
  shutting down → UNAVAILABLE `SHUTTING_DOWN`. A call cancelled while waiting, just as its swipe
  arrives, gives the reading back, so the next call gets it (no swipe is lost).

Waiting costs no thread: the registry hands each `MRZRead` event (already on the loop) to the
waiting call's future. Calls on one line reader queue FIFO (its `ReaderQueue`), so one swipe goes
to the first caller and the next swipe to the next.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from gateway.drivers.line_events import MRZRead
from gateway.drivers.line_reader import LineReader
from gateway.mrz import MRZError, MRZResult, check

from .errors import ErrorKind, FieldViolation, ServiceError
from .model import AwaitingMRZ, MRZReceived, ProgressCallback, VerifyInput

if TYPE_CHECKING:
    from .devices import DeviceRegistry

#: A reading younger than this is used by the next Verify(use_device_mrz) without waiting for a swipe.
#: Long enough for "swipe, then click verify" at a desk, short against the next person stepping up.
FRESH_S = 15.0
SCANNER = "scanner"  # the framing shown for a reader's own scanner


@dataclass(frozen=True, repr=False)
class DeviceReading:
    """One printed MRZ from a device: checked (and corrected) by `gateway.mrz.check`."""

    device_id: str
    result: MRZResult
    framing: str  # the line reader's framing ("cute", "3m", "plain") or "scanner"
    age_s: float  # how old the reading was when the call took it; 0 when the call waited for it
    waited: bool
    seq: int = 0
    read_at: float = 0.0  # time.monotonic() when the driver completed the frame (latency measurements)
    raw: MRZRead | None = None  # the driver's read, to give it back if the call goes away

    def __repr__(self) -> str:  # no MRZ characters
        return (f"DeviceReading(device_id={self.device_id!r}, format={self.result.format}, "
                f"valid={self.result.valid}, corrections={len(self.result.corrections)}, waited={self.waited})")


class MRZSource(Protocol):
    """Where printed MRZs come from. Methods are cheap and non-blocking (called on the event loop)."""

    @property
    def device_id(self) -> str: ...

    @property
    def waits(self) -> bool:
        """True for line readers (a reading arrives when someone swipes); False for a scanner that
        reads the document on demand."""
        ...

    def take_fresh(self, fresh_s: float) -> DeviceReading | None:
        """A reading younger than `fresh_s` that nobody used, now consumed; else None (and a stale
        one is dropped)."""
        ...

    def claim(self, event: MRZRead) -> DeviceReading | None:
        """The reading of this driver event, consumed, unless it is gone or superseded."""
        ...

    def give_back(self, reading: DeviceReading) -> None:
        """The call that took `reading` went away before using it."""
        ...


class LineReaderSource:
    """A line reader's mailbox as an MRZ source."""

    waits = True

    def __init__(self, reader: LineReader, clock: Callable[[], float] = time.monotonic) -> None:
        self.reader = reader
        self._clock = clock

    @property
    def device_id(self) -> str:
        return self.reader.device_id

    def _reading(self, read: MRZRead, waited: bool) -> DeviceReading:
        age = 0.0 if waited else max(0.0, self._clock() - read.time)
        return DeviceReading(read.device_id, read.result, read.framing, age, waited, read.seq, read.time, read)

    def take_fresh(self, fresh_s: float) -> DeviceReading | None:
        read = self.reader.mailbox.take(max_age_s=fresh_s)
        return None if read is None else self._reading(read, waited=False)

    def claim(self, event: MRZRead) -> DeviceReading | None:
        read = self.reader.mailbox.claim(event.seq)
        return None if read is None else self._reading(read, waited=True)

    def give_back(self, reading: DeviceReading) -> None:
        if reading.raw is not None:
            self.reader.mailbox.give_back(reading.raw)


class ScannerSource:
    """A chip reader's own MRZ scanner: reads the document lying on the reader whenever asked."""

    waits = False

    def __init__(self, device_id: str, read: Callable[[], str]) -> None:
        self._device_id = device_id
        self._read = read

    @property
    def device_id(self) -> str:
        return self._device_id

    def take_fresh(self, fresh_s: float) -> DeviceReading | None:
        try:
            result = check(self._read())
        except MRZError:
            raise ServiceError(ErrorKind.FAILED_PRECONDITION, "MRZ_UNREADABLE",
                               f"the MRZ scanner of device {self._device_id!r} read no MRZ") from None
        return DeviceReading(self._device_id, result, SCANNER, 0.0, False)

    def claim(self, event: MRZRead) -> DeviceReading | None:
        return None

    def give_back(self, reading: DeviceReading) -> None:
        """Nothing to return: the scanner reads the document again next time."""


class MRZSources:
    """The MRZ sources of one registry and the calls waiting on them. Use on the event loop only."""

    def __init__(self, registry: DeviceRegistry, fresh_s: float | None = None) -> None:
        self._registry = registry
        self.fresh_s = FRESH_S if fresh_s is None else fresh_s
        self._sources: dict[str, MRZSource] = {}
        self._waiters: dict[str, deque[asyncio.Future[DeviceReading]]] = {}
        self._closed = False

    def add(self, source: MRZSource) -> None:
        self._sources[source.device_id] = source

    def get(self, device_id: str) -> MRZSource | None:
        return self._sources.get(device_id)

    @property
    def waiting(self) -> int:
        """Calls waiting for a swipe now."""
        return sum(1 for q in self._waiters.values() for f in q if not f.done())

    # --- which source ---------------------------------------------------------------------------------

    def source_for(self, reader_id: str, chip_reader_id: str | None) -> MRZSource:
        """The source for one call (rules in the module docstring); raises ServiceError."""
        if chip_reader_id is not None:
            return self._of_device(chip_reader_id)
        if reader_id:
            return self._of_device(self._registry.resolve(reader_id, "MRZ"))
        lines = [s for s in self._sources.values() if s.waits]
        if len(lines) == 1:
            return lines[0]
        if len(lines) > 1:
            raise ServiceError(ErrorKind.INVALID_ARGUMENT, "INVALID_REQUEST",
                               "several MRZ line readers are configured: name one (or its desk) in reader_id",
                               [FieldViolation("reader_id", "required with use_device_mrz when several line "
                                                            "readers are configured")])
        return self._of_device(self._registry.choose_reader("").id)

    def _of_device(self, device_id: str) -> MRZSource:
        own = self._sources.get(device_id)
        if own is not None:
            return own
        device = self._registry.get(device_id)
        candidates = [self._sources[d.id] for d in self._registry.desk_devices(device.desk)
                      if d.id in self._sources and self._sources[d.id].waits]
        if not candidates:
            where = f"on its desk {device.desk!r}" if device.desk else "(it is on no desk: set `desk` in the config)"
            raise ServiceError(ErrorKind.FAILED_PRECONDITION, "DEVICE_UNSUPPORTED",
                               f"device {device_id!r} has no MRZ scanner and there is no MRZ line reader {where}; "
                               "send the MRZ in field mrz")
        attached = [s for s in candidates if self._registry.get(s.device_id).attached]
        return (attached or candidates)[0]

    # --- reading --------------------------------------------------------------------------------------

    async def for_request(self, request: VerifyInput, chip_reader_id: str | None, deadline: float,
                          progress: ProgressCallback, on_queued: Callable[[int, str], None]) -> VerifyInput:
        """The request with its printed MRZ from the device: the source chosen, its queue waited for
        (one call per line reader at a time: one swipe, one verification), the reading taken."""
        t0 = time.monotonic()
        source = self.source_for(request.reader_id, chip_reader_id)
        device_id = source.device_id
        async with self._registry.queue(device_id).slot(lambda position: on_queued(position, device_id)):
            reading = await self.read(source, deadline, lambda timeout: progress(AwaitingMRZ(device_id, timeout)))
        progress(MRZReceived(device_id, reading.result, reading.framing, reading.age_s))
        return request.with_device_mrz(device_id, reading.result, time.monotonic() - t0)

    async def read(self, source: MRZSource, deadline: float,
                   on_waiting: Callable[[float], None] | None = None) -> DeviceReading:
        """A fresh reading, else the next one; bounded by `deadline` (time.monotonic())."""
        if self._closed:
            raise ServiceError(ErrorKind.UNAVAILABLE, "SHUTTING_DOWN", "the gateway is shutting down")
        reading = source.take_fresh(self.fresh_s)
        if reading is not None:
            return reading
        device = self._registry.get(source.device_id)
        if not device.attached:
            raise ServiceError(ErrorKind.FAILED_PRECONDITION, "DEVICE_UNAVAILABLE",
                               f"MRZ line reader {source.device_id!r} is not attached "
                               f"({device.health.reason or 'UNAVAILABLE'}: {device.health.message})")
        timeout = deadline - time.monotonic()
        if timeout <= 0:
            raise self._timeout(source.device_id, 0.0)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[DeviceReading] = loop.create_future()
        waiters = self._waiters.setdefault(source.device_id, deque())
        waiters.append(future)
        error = self._timeout(source.device_id, timeout)
        # A timer, not asyncio.wait_for: on 3.11 wait_for swallows a cancellation that meets a result.
        timer = loop.call_later(timeout, lambda: future.done() or future.set_exception(error))
        if on_waiting is not None:
            on_waiting(timeout)
        try:
            return await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled() and future.exception() is None:
                source.give_back(future.result())  # the swipe arrived for a call that is gone
            raise
        finally:
            timer.cancel()
            with contextlib.suppress(ValueError):
                waiters.remove(future)

    @staticmethod
    def _timeout(device_id: str, waited_s: float) -> ServiceError:
        return ServiceError(ErrorKind.DEADLINE_EXCEEDED, "MRZ_READ_TIMEOUT",
                            f"no document was read by MRZ line reader {device_id!r} within {waited_s:.1f} s",
                            metadata={"device_id": device_id})

    # --- driver events (from the registry, on the loop) -----------------------------------------------

    def delivered(self, event: MRZRead) -> None:
        """A swipe: the first waiting call gets it (consumed from the mailbox)."""
        waiters = self._waiters.get(event.device_id)
        source = self._sources.get(event.device_id)
        if not waiters or source is None:
            return
        while waiters and waiters[0].done():
            waiters.popleft()
        if not waiters:
            return
        reading = source.claim(event)
        if reading is not None:  # None: a newer read superseded it (its own event follows)
            waiters.popleft().set_result(reading)

    def detached(self, device_id: str, code: str) -> None:
        """The reader went away: every call waiting on it ends now, never hangs."""
        self._fail(device_id, ServiceError(
            ErrorKind.UNAVAILABLE, "DEVICE_DETACHED",
            f"MRZ line reader {device_id!r} went away while waiting for a document ({code})",
            metadata={"device_id": device_id}))

    def close(self) -> None:
        """Daemon shutdown: waiting calls end with UNAVAILABLE (nobody has swiped: nothing is lost)."""
        self._closed = True
        for device_id in list(self._waiters):
            self._fail(device_id, ServiceError(ErrorKind.UNAVAILABLE, "SHUTTING_DOWN",
                                               "the gateway is shutting down"))

    def _fail(self, device_id: str, error: ServiceError) -> None:
        for future in self._waiters.pop(device_id, deque()):
            if not future.done():
                future.set_exception(error)
