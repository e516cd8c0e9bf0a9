"""The machinery every framing parser shares: a byte-class transition table, runs, discard counting.

A parser is a state machine over byte classes. Each framing module declares

* `CLASS_OF`: 256 entries mapping a byte to its class (an int),
* `TABLE`: `(state, class) -> (action, next_state)`, with `DEFAULT[state]` for classes not listed,
* `RUNS`: for a few states, a compiled pattern and a handler that consume a whole run of ordinary
  bytes at once (text inside a frame, garbage between frames). A run is exactly what the table would
  do byte by byte (stay in the state, same action); it only moves the loop into C. A handler may
  use less than the run (it returns how much) when a count, not a byte, ends the state.

Actions may override the next state (`self.state = ...`) and may return bytes to feed again from the
current state (used by the 3M parser to rescan after a false start). No action looks at the clock:
time enters only as the `now` argument of `feed`/`expire`, so the same bytes in any chunking give the
same events.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import ClassVar

from .events import TIMEOUT, TRUNCATED, Discarded, Event, FrameError

# Discarded bytes are reported in blocks of this size while a run lasts: one event per 4 KiB keeps a
# flood at 115200 baud (~11.5 KB/s) to about three events a second, yet a short burst of line noise
# (tens of bytes) still gets its own event when the next frame starts.
DISCARD_REPORT_BYTES = 4096

Action = Callable[["TableParser", int, list[Event]], bytes | None]
RunHandler = Callable[["TableParser", bytes, list[Event]], int | None]


@dataclass(frozen=True, slots=True)
class Timing:
    """The timing policy, as data. The parsers take no clock; callers pass `now` (seconds, monotonic).

    `max_gap_s`: the longest silence allowed inside a frame (framed readers) or between the bytes of
    one MRZ (plain readers). A reader sends a whole frame in one burst - 150 bytes at 9600 baud take
    0.16 s - so a second of silence means it reset or was unplugged mid-frame. Keyboard-like readers
    that "type" slowly (about 10 ms a character) still stay far below it.
    """

    max_gap_s: float = 1.0

    def __post_init__(self) -> None:
        if not self.max_gap_s > 0:
            raise ValueError("max_gap_s must be positive")


class TableParser:
    """Base of the framing parsers: `feed(bytes, now=None) -> list[Event]`, `expire(now)`, `flush()`."""

    framing: str = "?"
    CLASS_OF: ClassVar[bytes]
    TABLE: ClassVar[Mapping[tuple[int, int], tuple[Action, int]]]
    DEFAULT: ClassVar[Mapping[int, tuple[Action, int]]]
    RUNS: ClassVar[Mapping[int, tuple[re.Pattern[bytes], RunHandler]]] = {}
    IDLE: ClassVar[int] = 0  # the state between frames

    def __init__(self, timing: Timing | None = None, framing: str | None = None) -> None:
        self.timing = timing or Timing()
        if framing is not None:
            self.framing = framing
        self.state = self.IDLE
        self._junk = 0
        self._junk_reason = "garbage"
        self._last_byte_at: float | None = None

    # --- the public face ---------------------------------------------------------------------------

    def feed(self, data: bytes, now: float | None = None) -> list[Event]:
        """Consume bytes; return the events they complete. `now` enables the timing policy."""
        events: list[Event] = []
        if now is not None:
            events += self.expire(now)
        if data:
            self._drive(bytes(data), events)
            if now is not None:
                self._last_byte_at = now
        return events

    def expire(self, now: float) -> list[Event]:
        """Call when no bytes came for a while: a frame left open too long becomes a TIMEOUT error,
        and discarded bytes still being counted are reported once the line has gone quiet."""
        events: list[Event] = []
        last = self._last_byte_at
        if last is None or now - last <= self.timing.max_gap_s:
            return events
        if self.in_frame:
            events.append(FrameError(TIMEOUT, f"reader silent for {now - last:.1f} s inside a frame "
                                     f"(limit {self.timing.max_gap_s:g} s); frame dropped", self.framing))
            self._abandon()
            self.state = self.IDLE
        self._settle(events)
        return events

    def flush(self) -> list[Event]:
        """End of stream (port closed): an open frame is TRUNCATED, pending discards are reported."""
        events: list[Event] = []
        if self.in_frame:
            events.append(FrameError(TRUNCATED, "the stream ended inside a frame", self.framing))
            self._abandon()
        self.state = self.IDLE
        self._settle(events)
        return events

    @property
    def in_frame(self) -> bool:
        """True while a frame (or, in plain mode, an MRZ) is partly received."""
        return self.state != self.IDLE

    # --- for subclasses ----------------------------------------------------------------------------

    def _abandon(self) -> None:
        """Drop the partial frame's buffers (subclasses extend)."""

    def _discard(self, n: int, events: list[Event], reason: str = "garbage") -> None:
        """Count `n` bytes outside any frame; emit full blocks as they fill."""
        if n <= 0:
            return
        if reason != self._junk_reason:
            self._settle(events)
            self._junk_reason = reason
        self._junk += n
        while self._junk >= DISCARD_REPORT_BYTES:
            events.append(Discarded(DISCARD_REPORT_BYTES, self._junk_reason, self.framing))
            self._junk -= DISCARD_REPORT_BYTES

    def _settle(self, events: list[Event]) -> None:
        """Report the discarded remainder (a frame starts, or the stream ends)."""
        if self._junk:
            events.append(Discarded(self._junk, self._junk_reason, self.framing))
            self._junk = 0

    def _drive(self, data: bytes, events: list[Event]) -> None:
        classes, table, default, runs = self.CLASS_OF, self.TABLE, self.DEFAULT, self.RUNS
        i, n = 0, len(data)
        while i < n:
            run = runs.get(self.state)
            if run is not None:
                m = run[0].match(data, i)
                end = m.end() if m else i
                if end > i:
                    used = run[1](self, data[i:end], events)
                    if used != 0:
                        i = end if used is None else i + used
                        continue
            b = data[i]
            action, nxt = table.get((self.state, classes[b])) or default[self.state]
            self.state = nxt
            replay = action(self, b, events)
            i += 1
            if replay:
                self._drive(replay, events)


def byte_classes(default: int, classes: Mapping[int, Iterable[int]]) -> bytes:
    """A 256-entry class table: `default` everywhere except the bytes listed per class."""
    table = bytearray([default]) * 256
    for cls, values in classes.items():
        for v in values:
            table[v] = cls
    return bytes(table)


def truncated(framing: str) -> FrameError:
    return FrameError(TRUNCATED, "a new frame began before the previous one ended (reader reset?); "
                      "the partial frame is dropped", framing)
