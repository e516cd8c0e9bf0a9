"""The MRZ line reader driver: one thread per device moves bytes from a `ByteSource` into a framing
parser, checks every MRZ with `gateway.mrz.check` and publishes what happened.

It knows nothing of gRPC or asyncio. What a service layer uses:

* `reader.mailbox` - thread-safe: `latest(max_age_s)`, `take(max_age_s)` (one swipe serves one
  verification), `wait_next(timeout_s, after_seq, consume)`;
* `reader.subscribe()` - an `EventStream` of `gateway.drivers.line_events` values (bounded: a slow
  consumer loses its oldest events, the reader thread never blocks), or `on_event=` - called on the
  reader thread, e.g. with `loop.call_soon_threadsafe` inside;
* `reader.status()` - attached, health (OK / DEGRADED / UNAVAILABLE with a reason), counters.

The reader survives everything a desk does to it: unplugged (health UNAVAILABLE, retried every
`retry_s`), replugged (a fresh parser, autodetection again), wrong baud rate or a flood (health
DEGRADED "NOISE", memory bounded by the parsers), a path that is not a tty (UNAVAILABLE
"NOT_A_TTY", retried slowly). MRZ contents are never logged.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from gateway.framing import (
    Discarded,
    FrameError,
    FramingDetected,
    MRZLines,
    SkippedFrame,
    Timing,
    make_parser,
)
from gateway.mrz import MRZError, check

from .byte_source import LOST, NOT_FOUND, ByteSource, PortError
from .line_events import (
    DEGRADED,
    DETACHED,
    FRAME_ERRORS,
    NOISE,
    NOT_AN_MRZ,
    NOT_ATTACHED,
    OK,
    UNAVAILABLE,
    FrameProblem,
    FrameSkipped,
    FramingChosen,
    HealthChanged,
    LineReaderEvent,
    MRZRead,
    NoiseDiscarded,
    ReaderAttached,
    ReaderDetached,
    ReaderUnavailable,
)

log = logging.getLogger("gateway.line_reader")
log.addHandler(logging.NullHandler())  # the daemon's handlers get these; a bare CLI prints its own lines

READ_TIMEOUT_S = 0.05  # how long one read waits; bounds stop latency, not frame latency
NOISE_THRESHOLD = 512  # discarded bytes without a good frame before health turns DEGRADED
FRAME_ERROR_THRESHOLD = 3  # broken frames in a row before health turns DEGRADED
RETAIN_S = 120.0  # an unused MRZ is forgotten after this (personal data is kept no longer than needed)


class MRZMailbox:
    """The latest MRZ a reader delivered, for whoever needs it next. Thread-safe."""

    def __init__(self, retain_s: float = RETAIN_S, clock: Callable[[], float] = time.monotonic) -> None:
        self._cond = threading.Condition()
        self._latest: MRZRead | None = None
        self._seq = 0
        self._retain_s = retain_s
        self._clock = clock

    @property
    def seq(self) -> int:
        """Sequence number of the last read delivered (0: none yet)."""
        with self._cond:
            return self._seq

    def put(self, read: MRZRead) -> None:
        with self._cond:
            self._latest = read
            self._seq = max(self._seq, read.seq)
            self._cond.notify_all()

    def latest(self, max_age_s: float | None = None) -> MRZRead | None:
        with self._cond:
            return self._fresh(max_age_s)

    def take(self, max_age_s: float | None = None) -> MRZRead | None:
        """The latest read, which is then forgotten (so the next person's Verify cannot get it)."""
        with self._cond:
            read = self._fresh(max_age_s)
            self._latest = None
            return read

    def wait_next(self, timeout_s: float, after_seq: int | None = None, *, consume: bool = False) -> MRZRead | None:
        """Block until a read newer than `after_seq` (default: now) arrives, or `timeout_s` passes."""
        deadline = self._clock() + timeout_s
        with self._cond:
            after = self._seq if after_seq is None else after_seq
            while True:
                read = self._fresh(None)
                if read is not None and read.seq > after:
                    if consume:
                        self._latest = None
                    return read
                left = deadline - self._clock()
                if left <= 0:
                    return None
                self._cond.wait(left)

    def claim(self, seq: int) -> MRZRead | None:
        """Take the latest read only if it is read number `seq` (not a newer one, not one already taken):
        for a consumer that learnt of the read from an event and must not take a different one."""
        with self._cond:
            read = self._fresh(None)
            if read is None or read.seq != seq:
                return None
            self._latest = None
            return read

    def give_back(self, read: MRZRead) -> bool:
        """Return a taken read that was not used after all (its caller went away), unless a newer read
        arrived meanwhile; so a swipe is not lost to a cancelled call. True if it is back."""
        with self._cond:
            if self._latest is not None or read.seq != self._seq:
                return False
            self._latest = read
            self._cond.notify_all()
            return True

    def clear(self) -> None:
        with self._cond:
            self._latest = None

    def _fresh(self, max_age_s: float | None) -> MRZRead | None:
        read = self._latest
        if read is None:
            return None
        age = self._clock() - read.time
        if age > self._retain_s:
            self._latest = None
            return None
        if max_age_s is not None and age > max_age_s:
            return None
        return read


class EventStream:
    """A bounded, thread-safe queue of events for one consumer. Iterate it or call `get`."""

    def __init__(self, owner: LineReader, maxsize: int) -> None:
        self._owner = owner
        self._items: deque[LineReaderEvent] = deque(maxlen=maxsize)
        self._cond = threading.Condition()
        self._closed = False
        self.lost = 0  # events dropped because the consumer was too slow

    def _push(self, event: LineReaderEvent) -> None:
        with self._cond:
            if len(self._items) == self._items.maxlen:
                self.lost += 1
            self._items.append(event)
            self._cond.notify_all()

    def get(self, timeout_s: float | None = None) -> LineReaderEvent | None:
        with self._cond:
            if not self._cond.wait_for(lambda: self._items or self._closed, timeout_s):
                return None
            return self._items.popleft() if self._items else None

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._owner._unsubscribe(self)

    def __iter__(self) -> Iterator[LineReaderEvent]:
        while True:
            event = self.get()
            if event is None:
                return
            yield event

    def __enter__(self) -> EventStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class LineReaderStatus:
    device_id: str
    source: str
    attached: bool
    state: str  # OK | DEGRADED | UNAVAILABLE
    reason: str
    message: str
    since: dt.datetime
    framing: str
    reads: int
    frame_errors: int
    noise_bytes: int
    last_read_at: float | None


class LineReader:
    """One line reader device: a thread that reads, parses, checks and publishes."""

    def __init__(self, device_id: str, source: ByteSource, *, framing: str = "auto", timing: Timing | None = None,
                 retry_s: float = 0.5, permanent_retry_s: float = 5.0, today: Callable[[], dt.date] | None = None,
                 on_event: Callable[[LineReaderEvent], None] | None = None, retain_s: float = RETAIN_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        make_parser(framing)  # validate now, not in the thread
        self.device_id = device_id
        self.source = source
        self.framing = framing
        self.timing = timing or Timing()
        self.retry_s = retry_s
        self.permanent_retry_s = permanent_retry_s
        self._today = today
        self._on_event = on_event
        self._clock = clock
        self.mailbox = MRZMailbox(retain_s, clock)
        self._streams: list[EventStream] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._attached = False
        self._health = (UNAVAILABLE, NOT_ATTACHED, "The reader has not been opened yet.")
        self._health_since = dt.datetime.now(dt.UTC)
        self._detected = framing if framing != "auto" else "auto"
        self._reads = 0
        self._frame_errors = 0
        self._errors_in_row = 0
        self._noise_bytes = 0
        self._noise_since_good = 0
        self._last_read_at: float | None = None
        self._seq = 0

    # --- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> LineReader:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"line-reader-{self.device_id}", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout_s: float = 2.0) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout_s)
        for stream in list(self._streams):
            stream.close()

    def __enter__(self) -> LineReader:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- for the service layer ---------------------------------------------------------------------

    def subscribe(self, maxsize: int = 256) -> EventStream:
        stream = EventStream(self, maxsize)
        with self._lock:
            self._streams.append(stream)
        return stream

    def _unsubscribe(self, stream: EventStream) -> None:
        with self._lock, contextlib.suppress(ValueError):
            self._streams.remove(stream)

    def status(self) -> LineReaderStatus:
        with self._lock:
            state, reason, message = self._health
            return LineReaderStatus(self.device_id, self.source.description, self._attached, state, reason, message,
                                    self._health_since, self._detected, self._reads, self._frame_errors,
                                    self._noise_bytes, self._last_read_at)

    # --- the thread --------------------------------------------------------------------------------

    def _run(self) -> None:
        last_unavailable: str | None = None
        while not self._stop.is_set():
            try:
                self.source.open()
            except PortError as exc:
                if exc.code != last_unavailable:
                    last_unavailable = exc.code
                    reason = NOT_ATTACHED if exc.code == NOT_FOUND else exc.code
                    self._publish(ReaderUnavailable(self.device_id, exc.code, exc.message, self._clock()))
                    self._set_health(UNAVAILABLE, reason, exc.message)
                    log.warning("line reader unavailable", extra={"device_id": self.device_id, "reason": exc.code})
                self._stop.wait(self.permanent_retry_s if exc.permanent else self.retry_s)
                continue
            last_unavailable = None
            self._connected()

    def _connected(self) -> None:
        parser = make_parser(self.framing, self.timing)
        with self._lock:
            self._attached = True
            self._detected = parser.framing
            self._noise_since_good = self._errors_in_row = 0
        self._publish(ReaderAttached(self.device_id, self.source.description, self._clock()))
        self._set_health(OK, "", "")
        log.info("line reader attached", extra={"device_id": self.device_id})
        code, message = DETACHED, "The reader was closed."
        try:
            while not self._stop.is_set():
                data = self.source.read(READ_TIMEOUT_S)
                now = self._clock()
                self._handle(parser.feed(data, now) if data else parser.expire(now), now)
        except PortError as exc:
            code, message = (DETACHED if exc.code == LOST else exc.code), exc.message
        finally:
            self.source.close()
            self._handle(parser.flush(), self._clock())
            with self._lock:
                self._attached = False
            self._publish(ReaderDetached(self.device_id, code, message, self._clock()))
            if not self._stop.is_set():
                self._set_health(UNAVAILABLE, code, message)
            log.info("line reader detached", extra={"device_id": self.device_id, "reason": code})

    def _handle(self, events: list, now: float) -> None:
        for event in events:
            if isinstance(event, MRZLines):
                self._deliver(event, now)
            elif isinstance(event, FrameError):
                self._problem(event.code, event.message, event.framing, now)
            elif isinstance(event, Discarded):
                self._noise(event, now)
            elif isinstance(event, SkippedFrame):
                self._good_frame()
                self._publish(FrameSkipped(self.device_id, event.kind, event.nbytes, now))
            elif isinstance(event, FramingDetected):
                with self._lock:
                    self._detected = event.framing
                self._publish(FramingChosen(self.device_id, event.framing, now))

    def _deliver(self, event: MRZLines, now: float) -> None:
        try:
            result = check(list(event.lines), today=self._today() if self._today else None)
        except MRZError as exc:  # messages name lines and positions, never characters
            self._problem(NOT_AN_MRZ, f"the reader's lines are not an MRZ: {exc}", event.framing, now)
            return
        with self._lock:
            self._seq += 1
            self._reads += 1
            self._last_read_at = now
            seq = self._seq
        read = MRZRead(self.device_id, result, event.framing, seq, now)
        self.mailbox.put(read)
        self._publish(read)
        self._good_frame()

    def _good_frame(self) -> None:
        with self._lock:
            self._noise_since_good = self._errors_in_row = 0
            degraded = self._health[0] == DEGRADED
        if degraded:
            self._set_health(OK, "", "")

    def _problem(self, code: str, message: str, framing: str, now: float) -> None:
        with self._lock:
            self._frame_errors += 1
            self._errors_in_row += 1
            many = self._errors_in_row >= FRAME_ERROR_THRESHOLD
        self._publish(FrameProblem(self.device_id, code, message, framing, now))
        log.warning("line reader frame problem", extra={"device_id": self.device_id, "reason": code})
        if many:
            self._set_health(DEGRADED, FRAME_ERRORS, f"{FRAME_ERROR_THRESHOLD} or more broken frames in a row "
                             "(wrong framing, baud rate or a failing reader?)")

    def _noise(self, event: Discarded, now: float) -> None:
        with self._lock:
            self._noise_bytes += event.nbytes
            self._noise_since_good += event.nbytes
            noisy = self._noise_since_good >= NOISE_THRESHOLD
            total = self._noise_since_good
        self._publish(NoiseDiscarded(self.device_id, event.nbytes, event.reason, now))
        if noisy:
            self._set_health(DEGRADED, NOISE, f"{total} bytes without a valid frame "
                             "(wrong baud rate, parity or framing?)")

    def _set_health(self, state: str, reason: str, message: str) -> None:
        with self._lock:
            if self._health[:2] == (state, reason):
                return
            self._health = (state, reason, message)
            self._health_since = dt.datetime.now(dt.UTC)
        self._publish(HealthChanged(self.device_id, state, reason, message, self._clock()))

    def _publish(self, event: LineReaderEvent) -> None:
        with self._lock:
            streams = list(self._streams)
        for stream in streams:
            stream._push(event)
        if self._on_event is not None:
            try:
                self._on_event(event)
            except Exception:  # a broken consumer must not kill the reader thread
                log.exception("line reader event consumer failed", extra={"device_id": self.device_id})
