"""Autodetection: choose the framing from the first recognisable frame, then parse with it.

The detector looks for the earliest of three signatures in the stream:

* CUTE (Desko, Access-IS): a start byte 1C / 0E / 1E followed by STX;
* 3M: `01 LL HH "O" "U" 02` with a 14-bit length word;
* plain: a whole MRZ of plausible lines (three of 30, or two of 36 or 44 characters), each line
  starting after CR/LF (or at the start of the stream) and ending in CR/LF - and not followed by ETX,
  which would make it the inside of a framed block whose start we missed.

It decides only when the bytes seen rule out an earlier signature still arriving (the longest
framed signature is 6 bytes), so the same stream in any chunking gives the same choice. Bytes before
the chosen frame are reported as `Discarded`; while nothing is recognised only the last
`_TAIL` bytes are kept (a plain MRZ signature is at most 97 bytes), so a flood cannot grow memory.
"""

from __future__ import annotations

import re

from .base import DISCARD_REPORT_BYTES, TableParser, Timing
from .cute import CuteParser
from .events import Discarded, Event, FramingDetected
from .plain import LINE_LENGTHS, plausible
from .rte import RteParser

_CUTE = re.compile(rb"[\x1c\x0e\x1e]\x02")
_RTE = re.compile(rb"\x01[\x00-\xff][\x00-\x3f]OU\x02")
_LINE = rb"[!-~]"
_PLAIN = re.compile(
    rb"[\r\n](?:" + b"|".join(
        rb"(" + _LINE + b"{%d})" % n + (rb"[\r\n]{1,2}(" + _LINE + b"{%d})" % n) * (count - 1)
        for n, count in sorted(LINE_LENGTHS.items())
    ) + rb")[\r\n]"
)
_LONGEST_FRAMED_SIGNATURE = 6
_TAIL = 128  # > the longest plain signature (1 + 3 x (30 + 2) + lookahead = 98 bytes)
ETX = 0x03


class AutoParser:
    """Same interface as the framing parsers; `framing` is "auto" until a frame decided it."""

    def __init__(self, timing: Timing | None = None) -> None:
        self.timing = timing or Timing()
        self.chosen: TableParser | None = None
        self._buf = bytearray()
        self._line_start = True  # the byte before _buf[0] ended a line (or there was none)
        self._junk = 0
        self._last_byte_at: float | None = None

    @property
    def framing(self) -> str:
        return self.chosen.framing if self.chosen else "auto"

    @property
    def in_frame(self) -> bool:
        return self.chosen.in_frame if self.chosen else False

    def feed(self, data: bytes, now: float | None = None) -> list[Event]:
        if self.chosen is not None:
            return self.chosen.feed(data, now)
        events: list[Event] = self.expire(now) if now is not None else []
        if data and now is not None:
            self._last_byte_at = now
        self._buf += data
        self._detect(events, final=False)
        if self.chosen is not None and self._buf:
            rest, self._buf = bytes(self._buf), bytearray()
            events += self.chosen.feed(rest, now)
        return events

    def expire(self, now: float) -> list[Event]:
        if self.chosen is not None:
            return self.chosen.expire(now)
        last = self._last_byte_at
        events: list[Event] = []
        if last is not None and now - last > self.timing.max_gap_s and (self._junk or self._buf):
            # The line went quiet: nothing buffered can still become a frame in time (the timing policy
            # would drop it), so report it all as noise now rather than when the next frame comes.
            if self._buf:
                self._line_start = self._buf[-1] in (0x0D, 0x0A)
                self._count_junk(len(self._buf), events)
                self._buf.clear()
            if self._junk:
                events.append(Discarded(self._junk, "garbage", "auto"))
                self._junk = 0
        return events

    def flush(self) -> list[Event]:
        if self.chosen is not None:
            return self.chosen.flush()
        events: list[Event] = []
        self._detect(events, final=True)
        if self.chosen is not None:
            rest, self._buf = bytes(self._buf), bytearray()
            return events + self.chosen.feed(rest) + self.chosen.flush()
        self._count_junk(len(self._buf), events)
        self._buf.clear()
        if self._junk:
            events.append(Discarded(self._junk, "garbage", "auto"))
            self._junk = 0
        return events

    # --- detection -------------------------------------------------------------------------------------

    def _detect(self, events: list[Event], final: bool) -> None:
        hay = (b"\n" if self._line_start else b"\x00") + bytes(self._buf)  # hay[k + 1] == buf[k]
        candidates = []
        for name, pattern in (("cute", _CUTE), ("3m", _RTE)):
            m = pattern.search(hay, 1)
            if m:
                candidates.append((m.start(), name, m.start()))
        plain_at = self._plain_signature(hay)
        if plain_at is not None:
            candidates.append((plain_at[0], "plain", plain_at[1]))
        if candidates:
            start, name, feed_from = min(candidates)
            enough = final or len(hay) - start >= _LONGEST_FRAMED_SIGNATURE
            if name == "plain" and not final and plain_at is not None and plain_at[2] >= len(hay):
                enough = False  # need the byte after the last terminator (ETX check)
            if enough:
                self._count_junk(feed_from - 1, events)
                if self._junk:
                    events.append(Discarded(self._junk, "garbage", name))
                    self._junk = 0
                del self._buf[: feed_from - 1]
                self.chosen = _make(name, self.timing)
                events.append(FramingDetected(self.chosen.framing))
                return
            return
        if len(self._buf) > _TAIL:
            cut = len(self._buf) - _TAIL
            self._line_start = self._buf[cut - 1] in (0x0D, 0x0A)
            self._count_junk(cut, events)
            del self._buf[:cut]

    def _plain_signature(self, hay: bytes) -> tuple[int, int, int] | None:
        """(start of the leading terminator, where the plain parser should start, end) or None."""
        pos = 0
        while True:
            m = _PLAIN.search(hay, pos)
            if m is None:
                return None
            lines = [g for g in m.groups() if g is not None]
            after = hay[m.end()] if m.end() < len(hay) else None
            if all(plausible(line) for line in lines) and after != ETX:
                return m.start(), m.start() + 1, m.end()
            pos = m.start() + 1

    def _count_junk(self, n: int, events: list[Event]) -> None:
        self._junk += max(n, 0)
        while self._junk >= DISCARD_REPORT_BYTES:
            events.append(Discarded(DISCARD_REPORT_BYTES, "garbage", "auto"))
            self._junk -= DISCARD_REPORT_BYTES


def _make(name: str, timing: Timing) -> TableParser:
    if name == "cute":
        return CuteParser(timing, framing="cute")
    if name == "3m":
        return RteParser(timing)
    from .plain import PlainParser

    return PlainParser(timing)
