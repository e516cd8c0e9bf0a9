"""What the framing parsers return: plain values, never callbacks (the h11 model).

An MRZ reaches the rest of the gateway only as `MRZLines`, and only from a frame that passed every
check its framing has (delimiters, length word, BCC, line count). Everything else is reported as an
error, a skipped frame or a count of discarded bytes, so a bad frame can never turn into an MRZ.

No event carries frame contents except `MRZLines`, and its repr shows only the shape of the lines:
events can be logged without leaking the personal data of the person at the desk.
"""

from __future__ import annotations

from dataclasses import dataclass

# FrameError codes (machine-readable; the message is for a person and never quotes frame bytes).
BAD_BCC = "BAD_BCC"  # 3M block check character does not match
BAD_BYTE = "BAD_BYTE"  # a byte that cannot stand inside this frame (wrong baud rate, line noise)
EMPTY_FRAME = "EMPTY_FRAME"  # the reader framed nothing: it saw a document but read no line
INCOMPLETE = "INCOMPLETE"  # plain mode: fewer lines than the MRZ format needs before a pause or another line
LENGTH_MISMATCH = "LENGTH_MISMATCH"  # 3M length word disagrees with where ETX stands
LINE_COUNT = "LINE_COUNT"  # a frame that does not hold 2 or 3 lines
OVERSIZE = "OVERSIZE"  # frame or line longer than the cap; the rest is discarded until the next frame
TIMEOUT = "TIMEOUT"  # the reader went silent mid-frame for longer than the timing policy allows
TRUNCATED = "TRUNCATED"  # a new frame began before this one ended (reader reset), or the stream ended
UNCLOSED = "UNCLOSED"  # ETX not followed by the end-of-data byte that matches the frame's start

ERROR_CODES = (BAD_BCC, BAD_BYTE, EMPTY_FRAME, INCOMPLETE, LENGTH_MISMATCH, LINE_COUNT, OVERSIZE, TIMEOUT,
               TRUNCATED, UNCLOSED)


@dataclass(frozen=True, slots=True, repr=False)
class MRZLines:
    """The 2 or 3 lines of one MRZ as a reader framed them (padding and separators removed).

    They are the reader's reading, not yet validated: `gateway.mrz.check` judges and corrects them.
    """

    lines: tuple[str, ...]
    framing: str

    def __repr__(self) -> str:
        shape = "/".join(str(len(line)) for line in self.lines)
        return f"MRZLines(framing={self.framing!r}, lines={len(self.lines)}, lengths={shape})"

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class FrameError:
    """A frame that started but is unusable; never an MRZ."""

    code: str
    message: str
    framing: str


@dataclass(frozen=True, slots=True)
class SkippedFrame:
    """A well-formed frame that is not an MRZ (magnetic stripe, barcode): recognised and skipped."""

    kind: str  # "magstripe" | "barcode"
    nbytes: int  # payload bytes between STX and ETX
    framing: str


@dataclass(frozen=True, slots=True)
class Discarded:
    """Bytes outside any frame (garbage, the rest of an oversize frame, implausible plain lines).

    Reported in blocks of `DISCARD_REPORT_BYTES` while a run lasts and with the remainder when the run
    ends, so a flood gives a steady trickle of events, not one per byte and not none.
    """

    nbytes: int
    reason: str
    framing: str


@dataclass(frozen=True, slots=True)
class FramingDetected:
    """Autodetection chose a framing from the first recognisable frame."""

    framing: str


Event = MRZLines | FrameError | SkippedFrame | Discarded | FramingDetected
