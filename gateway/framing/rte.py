"""3M-style framing ("RTE Native" protocol of 3M / Gemalto page and swipe readers).

    01  LL HH  4F 55  02  flag  line1 0D line2 0D line3 0D  03  BCC
    SOH length "O" "U" STX flag data                         ETX BCC

From the 3M RTE6701-OEM integration manual (section 9.1): the length word has 14 significant bits,
low byte first; "O" is the device byte (optical reader), "U" the type byte (unsolicited data); the
flag byte is always present (its meaning is model specific: we do not interpret it); the optical data
is always three lines, each followed by CR, a missing line sent as an empty line, and the bottom line
of the document is always line 3 (a two-line MRZ arrives as lines 2 and 3). Lines are padded with
underscores to 30 characters (three-line documents) or 44 (two-line documents).

Where the available excerpt of the manual is cut off we define (and document in
docs/line-readers.md):

* **length** = the number of bytes after the length word up to and including the BCC
  ("O", "U", STX, flag, data, ETX, BCC), so a frame is `3 + length` bytes long;
* **BCC** = XOR of every byte after SOH up to and including ETX (length word, "O", "U", STX, flag,
  data, ETX) - the common convention of such protocols (BCC over everything but SOH).

Anything that does not fit - a header that is not `len "OU" STX`, a length over the cap, ETX not where
the length says, a bad BCC - is reported and never becomes an MRZ. A false start (an 0x01 in line
noise) is rescanned byte by byte, so a real frame right behind it is not lost.
"""

from __future__ import annotations

import re
from typing import ClassVar

from .base import Action, TableParser, Timing, byte_classes, truncated
from .events import (
    BAD_BCC,
    BAD_BYTE,
    EMPTY_FRAME,
    LENGTH_MISMATCH,
    LINE_COUNT,
    OVERSIZE,
    Event,
    FrameError,
    MRZLines,
)

SOH, STX, ETX, CR = 0x01, 0x02, 0x03, 0x0D
DEVICE_OPTICAL, TYPE_UNSOLICITED = ord("O"), ord("U")
PAD = "_"
# length = 6 + data bytes. Three 44-character lines with their CRs make 135 data bytes (141); a block
# announcing more than 1024 is not an MRZ block, and we will not buffer for it (OVERSIZE).
MIN_LENGTH = 6
MAX_LENGTH = 1024
LINES_PER_BLOCK = 3

# States
HUNT, LEN_LO, LEN_HI, DEVICE, TYPE, OPEN_TEXT, FLAG, DATA, CLOSE_TEXT, CHECK = range(10)
# Byte classes
C_OTHER, C_SOH, C_STX, C_ETX, C_TEXT = range(5)

_CLASSES = byte_classes(C_OTHER, {
    C_SOH: (SOH,),
    C_STX: (STX,),
    C_ETX: (ETX,),
    C_TEXT: (*range(0x20, 0x7F), CR),
})


# --- actions -----------------------------------------------------------------------------------------

def _junk(p: RteParser, b: int, events: list[Event]) -> None:
    p._discard(1, events)


def _start(p: RteParser, b: int, events: list[Event]) -> None:
    p.header = bytearray((b,))


def _length_low(p: RteParser, b: int, events: list[Event]) -> None:
    p.header.append(b)


def _length_high(p: RteParser, b: int, events: list[Event]) -> bytes | None:
    p.header.append(b)
    length = p.header[1] | (b << 8)
    if b & 0xC0 or length < MIN_LENGTH:  # not a 14-bit length word, or too short to hold a block
        return _false_start(p, events)
    p.length = length
    return None


def _open_text(p: RteParser, b: int, events: list[Event]) -> bytes | None:
    p.header.append(b)
    if b != STX:
        return _false_start(p, events)
    if p.length > MAX_LENGTH:  # a real header announcing more than we will buffer
        p._settle(events)
        events.append(FrameError(OVERSIZE, f"3M block of {p.length} bytes announced, more than {MAX_LENGTH}; "
                                 "discarded up to the next block", p.framing))
        p._abandon()
        p.state = HUNT
    return None


def _expect(value: int) -> Action:
    def action(p: RteParser, b: int, events: list[Event]) -> bytes | None:
        p.header.append(b)
        return None if b == value else _false_start(p, events)

    action.__name__ = f"_expect_{value:02x}"
    return action


def _false_start(p: RteParser, events: list[Event]) -> bytes:
    """The 0x01 did not open a 3M block: count it as noise and rescan what followed it."""
    replay = bytes(p.header[1:])
    p._discard(1, events)
    p._abandon()
    p.state = HUNT
    return replay


def _flag(p: RteParser, b: int, events: list[Event]) -> None:
    p._settle(events)  # from here on it is a frame, and its errors are reported as frame errors
    p.flag = b
    p.data.clear()
    p.remaining = p.length - MIN_LENGTH
    if p.remaining == 0:
        p.state = CLOSE_TEXT


def _restart(p: RteParser, b: int, events: list[Event]) -> None:
    events.append(truncated(p.framing))
    p._abandon()
    p.header = bytearray((b,))


def _early_etx(p: RteParser, b: int, events: list[Event]) -> None:
    events.append(FrameError(LENGTH_MISMATCH, f"ETX came {p.remaining} byte(s) before the length word said; "
                             "frame dropped", p.framing))
    p._abandon()


def _bad_byte(p: RteParser, b: int, events: list[Event]) -> None:
    events.append(FrameError(BAD_BYTE, f"byte 0x{b:02X} cannot stand inside a 3M text block (wrong baud rate or "
                             "line noise?); frame dropped", p.framing))
    p._abandon()


def _no_etx(p: RteParser, b: int, events: list[Event]) -> None:
    events.append(FrameError(LENGTH_MISMATCH, "no ETX where the length word puts it; frame dropped", p.framing))
    p._abandon()


def _noop(p: RteParser, b: int, events: list[Event]) -> None:
    return None


def _check(p: RteParser, b: int, events: list[Event]) -> None:
    expected = p.bcc()
    if b != expected:
        events.append(FrameError(BAD_BCC, f"block check character 0x{b:02X}, computed 0x{expected:02X}; "
                                 "frame dropped", p.framing))
    else:
        events.append(p._finish())
    p._abandon()


# --- runs --------------------------------------------------------------------------------------------

def _run_hunt(p: RteParser, run: bytes, events: list[Event]) -> None:
    p._discard(len(run), events)


def _run_data(p: RteParser, run: bytes, events: list[Event]) -> int:
    """Text bytes of the data field; the length word, not a byte, ends it."""
    take = run[: p.remaining]
    p.data += take
    p.remaining -= len(take)
    if p.remaining == 0:
        p.state = CLOSE_TEXT
    return len(take)


class RteParser(TableParser):
    """3M RTE native blocks carrying OCR data."""

    framing = "3m"
    IDLE = HUNT
    CLASS_OF = _CLASSES
    TABLE: ClassVar = {
        (HUNT, C_SOH): (_start, LEN_LO),
        (DATA, C_SOH): (_restart, LEN_LO),
        (DATA, C_ETX): (_early_etx, HUNT),
        (CLOSE_TEXT, C_ETX): (_noop, CHECK),
        (CLOSE_TEXT, C_SOH): (_restart, LEN_LO),
    }
    DEFAULT: ClassVar = {
        HUNT: (_junk, HUNT),
        LEN_LO: (_length_low, LEN_HI),
        LEN_HI: (_length_high, DEVICE),
        DEVICE: (_expect(DEVICE_OPTICAL), TYPE),
        TYPE: (_expect(TYPE_UNSOLICITED), OPEN_TEXT),
        OPEN_TEXT: (_open_text, FLAG),
        FLAG: (_flag, DATA),
        DATA: (_bad_byte, HUNT),
        CLOSE_TEXT: (_no_etx, HUNT),
        CHECK: (_check, HUNT),
    }
    RUNS: ClassVar = {
        HUNT: (re.compile(rb"[^\x01]+"), _run_hunt),
        DATA: (re.compile(rb"[\x20-\x7e\r]+"), _run_data),
    }

    def __init__(self, timing: Timing | None = None, framing: str | None = None) -> None:
        super().__init__(timing, framing)
        self.header = bytearray()
        self.data = bytearray()
        self.length = 0
        self.remaining = 0
        self.flag = 0

    def _abandon(self) -> None:
        self.header.clear()
        self.data.clear()
        self.length = self.remaining = 0

    def bcc(self) -> int:
        """XOR over the length word, "O", "U", STX, flag, data and ETX (everything after SOH)."""
        acc = ETX ^ self.flag
        for byte in self.header[1:]:
            acc ^= byte
        for byte in self.data:
            acc ^= byte
        return acc

    def _finish(self) -> Event:
        text = self.data.decode("ascii")
        if text.count("\r") != LINES_PER_BLOCK or not text.endswith("\r"):
            return FrameError(LINE_COUNT, f"3M block holds {text.count(chr(13))} CR-terminated line(s); "
                              f"it always has {LINES_PER_BLOCK}", self.framing)
        lines = tuple(line.rstrip(PAD) for line in text.split("\r")[:LINES_PER_BLOCK])
        lines = tuple(line for line in lines if line)
        if not lines:
            return FrameError(EMPTY_FRAME, "the reader sent three empty lines (document seen, no line read)",
                              self.framing)
        if len(lines) not in (2, 3):
            return FrameError(LINE_COUNT, f"3M block holds {len(lines)} non-empty line(s); an MRZ has 2 or 3",
                              self.framing)
        return MRZLines(lines, self.framing)
