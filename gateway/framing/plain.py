"""Plain line mode for keyboard-like readers: MRZ lines ending in CR, LF or CR LF, no other framing.

Without delimiters, an MRZ is recognised by its shape: it is complete when three plausible lines of
30 characters (TD1) or two of 36 (TD2, MRV-B) or 44 (TD3, MRV-A) have arrived in a row. A plausible
line has exactly one of those lengths, only printable non-space ASCII, and at least three quarters of
its characters from the MRZ alphabet (A-Z, 0-9, `<`) - a misread character still passes, a burst of
line noise or a line of prose does not. An MRZ must begin with a first line (document code A, C, I,
P or V, then a letter or `<`), so after a lost line the next lines do not pair up wrongly; any
misalignment left over is caught by the check digits in `gateway.mrz.check`. Anything else breaks
the run: the lines so far are reported INCOMPLETE, the implausible line is counted as discarded.

The timing policy (`Timing.max_gap_s`, passed in as data; the parser reads no clock) splits MRZs
that are too far apart in time: when the caller's `now` shows more silence than that inside an MRZ,
the lines so far are INCOMPLETE. Without `now` only the shape decides.
"""

from __future__ import annotations

import re
from typing import ClassVar

from .base import TableParser, Timing, byte_classes
from .events import INCOMPLETE, OVERSIZE, Event, FrameError, MRZLines

CR, LF = 0x0D, 0x0A
LINE_LENGTHS = {30: 3, 36: 2, 44: 2}  # line length -> lines in the MRZ
MRZ_ALPHABET = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")
# The longest MRZ line is 44 characters; readers that add a prefix or suffix stay far below 256. A
# longer line is noise (or a stuck key) and is discarded as it streams in, never buffered.
MAX_LINE = 256

# States
LINE, OVERLONG = range(2)
# Byte classes
C_BYTE, C_TERM = range(2)

_CLASSES = byte_classes(C_BYTE, {C_TERM: (CR, LF)})


# An MRZ's first line starts with the document code: A, C, I, P or V, then a letter or filler. Lines
# that arrive without their first line (one was lost) are dropped instead of pairing wrongly.
_FIRST_LINE = re.compile(r"[ACIPV][A-Z<]")


def plausible(line: bytes) -> bool:
    """Could this be one MRZ line as a reader typed it (possibly with misread characters)?"""
    if len(line) not in LINE_LENGTHS or not all(0x21 <= b <= 0x7E for b in line):
        return False
    return sum(b in MRZ_ALPHABET for b in line) * 4 >= len(line) * 3


# --- actions -----------------------------------------------------------------------------------------

def _end_line(p: PlainParser, b: int, events: list[Event]) -> None:
    line = bytes(p.line).strip(b" \t")
    raw_len = len(p.line)
    p.line.clear()
    if not raw_len:
        return  # the LF of CR LF, or a blank line
    if not plausible(line):
        p._incomplete(events, "an implausible line interrupted it")
        p._discard(raw_len + 1, events, "implausible line")
        return
    text = line.decode("ascii")
    if p.pending and len(p.pending[0]) != len(text):
        p._incomplete(events, f"a line of {len(text)} characters followed")
    p.oversize_reported = False
    if not p.pending:
        if not _FIRST_LINE.match(text):
            p._discard(raw_len + 1, events, "line out of place")  # a second/third line without its first
            return
        p._settle(events)
    p.pending.append(text)
    if len(p.pending) == LINE_LENGTHS[len(text)]:
        events.append(MRZLines(tuple(p.pending), p.framing))
        p.pending.clear()


def _byte(p: PlainParser, b: int, events: list[Event]) -> None:
    _run_line(p, bytes((b,)), events)


def _end_overlong(p: PlainParser, b: int, events: list[Event]) -> None:
    p._discard(1, events, "overlong line")


# --- runs --------------------------------------------------------------------------------------------

def _run_line(p: PlainParser, run: bytes, events: list[Event]) -> None:
    p.line += run
    if len(p.line) > MAX_LINE:
        p._incomplete(events, "an overlong line interrupted it")
        if not p.oversize_reported:  # once per stretch of noise: line noise has "long lines" all the time
            events.append(FrameError(OVERSIZE, f"line longer than {MAX_LINE} bytes; discarded up to its end "
                                     "(further ones until the next MRZ line are only counted)", p.framing))
            p.oversize_reported = True
        p._discard(len(p.line), events, "overlong line")
        p.line.clear()
        p.state = OVERLONG


def _run_overlong(p: PlainParser, run: bytes, events: list[Event]) -> None:
    p._discard(len(run), events, "overlong line")


class PlainParser(TableParser):
    """CR/LF-terminated MRZ lines, grouped into MRZs by line length and (optionally) timing."""

    framing = "plain"
    IDLE = LINE
    CLASS_OF = _CLASSES
    TABLE: ClassVar = {
        (LINE, C_TERM): (_end_line, LINE),
        (OVERLONG, C_TERM): (_end_overlong, LINE),
    }
    DEFAULT: ClassVar = {
        LINE: (_byte, LINE),
        OVERLONG: (_end_overlong, OVERLONG),
    }
    RUNS: ClassVar = {
        LINE: (re.compile(rb"[^\r\n]+"), _run_line),
        OVERLONG: (re.compile(rb"[^\r\n]+"), _run_overlong),
    }

    def __init__(self, timing: Timing | None = None, framing: str | None = None) -> None:
        super().__init__(timing, framing)
        self.line = bytearray()
        self.pending: list[str] = []
        self.oversize_reported = False

    @property
    def in_frame(self) -> bool:
        return bool(self.pending or self.line)

    def expire(self, now: float) -> list[Event]:
        events: list[Event] = []
        last = self._last_byte_at
        if last is not None and now - last > self.timing.max_gap_s:
            self._incomplete(events, f"the reader paused {now - last:.1f} s (limit {self.timing.max_gap_s:g} s)")
            self._drop_partial_line(events)
            self._settle(events)
        return events

    def flush(self) -> list[Event]:
        events: list[Event] = []
        self._incomplete(events, "the stream ended")
        self._drop_partial_line(events)
        self.state = LINE
        self._settle(events)
        return events

    def _drop_partial_line(self, events: list[Event]) -> None:
        if self.line:
            self._discard(len(self.line), events, "unterminated line")
            self.line.clear()

    def _incomplete(self, events: list[Event], why: str) -> None:
        if self.pending:
            need = LINE_LENGTHS[len(self.pending[0])]
            events.append(FrameError(INCOMPLETE, f"{len(self.pending)} of {need} MRZ lines arrived, then {why}; "
                                     "lines dropped", self.framing))
            self.pending.clear()

    def _abandon(self) -> None:
        self.pending.clear()
        self.line.clear()
