"""CUTE-style reader framing: Desko and Access-IS OCR, magnetic-stripe and barcode frames.

Both vendors frame data the way the airline "CUTE" misc-reader interface does (Desko's serial protocol
document is titled "Protocol Description for DESKO Devices According to Misc. Reader Interface
Specification for CUTE System"): a start-of-data byte that names the device, STX, the payload, ETX, the
matching end-of-data byte.

    OCR (MRZ)      1C 02  line1 0D line2 0D [line3 0D]  03 1D
    magnetic stripe 0E 02  tracks ...                   03 0F
    barcode        1E 02  data ...                      03 1F

The field guide gives these bytes for Access-IS; the Desko document names them SOD/EOD without values
in the excerpts available to us, so we take Desko's OCR SOD/EOD to be the same 1C/1D (the two follow
one specification). Desko terminates every line with CR (a missing third line sends no CR); Access-IS
separates lines with 0D. This parser accepts both, and LF or CR LF too. Lines are 7-44 characters and
are sent "irrespective of recognition errors" - judging them is `gateway.mrz.check`'s job; this parser
only guarantees the frame was whole.
"""

from __future__ import annotations

import re
from typing import ClassVar

from .base import TableParser, Timing, byte_classes, truncated
from .events import (
    BAD_BYTE,
    EMPTY_FRAME,
    LINE_COUNT,
    OVERSIZE,
    UNCLOSED,
    Event,
    FrameError,
    MRZLines,
    SkippedFrame,
)

STX, ETX, CR, LF = 0x02, 0x03, 0x0D, 0x0A
START_OF_DATA = {0x1C: "ocr", 0x0E: "magstripe", 0x1E: "barcode"}
END_OF_DATA = {"ocr": 0x1D, "magstripe": 0x0F, "barcode": 0x1F}

# The Desko protocol allows "up to 1024 ASCII characters" between STX and ETX; an OCR body beyond
# that is not a reader's frame but noise or a stuck line, so it is dropped rather than buffered.
MAX_OCR_BODY = 1024
# Skipped frames are only counted, never stored, so their cap exists only to resynchronise when the
# closing bytes never come. Barcodes (PDF417 boarding passes, AAMVA licences) can exceed 1 KB.
MAX_SKIP_BODY = 4096

# States
HUNT, OPENED, BODY, CLOSING, SKIP, SKIP_CLOSING, DISCARD, SKIP_SOD = range(8)
# Byte classes
C_OTHER, C_SOD, C_STX, C_ETX, C_EOD, C_TEXT = range(6)

_CLASSES = byte_classes(C_OTHER, {
    C_SOD: START_OF_DATA,
    C_STX: (STX,),
    C_ETX: (ETX,),
    C_EOD: END_OF_DATA.values(),
    C_TEXT: (*range(0x20, 0x7F), CR, LF),
})


# --- actions -----------------------------------------------------------------------------------------

def _junk(p: CuteParser, b: int, events: list[Event]) -> None:
    p._discard(1, events)


def _open(p: CuteParser, b: int, events: list[Event]) -> None:
    p.kind = START_OF_DATA[b]


def _reopen(p: CuteParser, b: int, events: list[Event]) -> None:
    p._discard(1, events)  # the previous start byte was not followed by STX: noise
    p.kind = START_OF_DATA[b]


def _not_a_frame(p: CuteParser, b: int, events: list[Event]) -> bytes:
    p._discard(1, events)  # the start byte was noise; look at this byte afresh
    return bytes((b,))


def _begin(p: CuteParser, b: int, events: list[Event]) -> None:
    p._settle(events)
    p.body.clear()
    p.skipped = 0
    if p.kind != "ocr":
        p.state = SKIP


def _restart(p: CuteParser, b: int, events: list[Event]) -> None:
    events.append(truncated(p.framing))
    p._abandon()
    p.kind = START_OF_DATA[b]


def _bad_byte(p: CuteParser, b: int, events: list[Event]) -> None:
    events.append(FrameError(BAD_BYTE, f"byte 0x{b:02X} cannot stand inside an OCR frame (wrong baud rate "
                             "or line noise?); frame dropped", p.framing))
    p._abandon()


def _close(p: CuteParser, b: int, events: list[Event]) -> bytes | None:
    if b != END_OF_DATA[p.kind]:
        return _unclosed(p, b, events)
    events.append(p._finish_ocr())
    return None


def _unclosed(p: CuteParser, b: int, events: list[Event]) -> bytes:
    events.append(FrameError(UNCLOSED, f"ETX not followed by the end byte 0x{END_OF_DATA[p.kind]:02X}; "
                             "frame dropped", p.framing))
    p._abandon()
    p.state = HUNT
    return bytes((b,))


def _noop(p: CuteParser, b: int, events: list[Event]) -> None:
    return None


def _skip_etx_seen(p: CuteParser, b: int, events: list[Event]) -> None:
    p.skipped += 1


def _skip_close(p: CuteParser, b: int, events: list[Event]) -> bytes | None:
    if b == END_OF_DATA[p.kind]:
        events.append(SkippedFrame(p.kind, p.skipped - 1, p.framing))  # minus the ETX counted
        p._abandon()
        p.state = HUNT
        return None
    return _skip_more(p, b, events)


def _skip_more(p: CuteParser, b: int, events: list[Event]) -> bytes | None:
    p.state = SKIP
    if b in START_OF_DATA:  # the ETX was data; this byte may open a new frame
        p.skipped += 1
        p._check_skip_cap(events)
        return bytes((b,))
    p.skipped += 1  # the ETX was data after all (binary barcode); so is this byte
    p._check_skip_cap(events)
    return None


def _skip_sod_seen(p: CuteParser, b: int, events: list[Event]) -> None:
    p.pending_sod = b  # data, or the start of a new frame? The next byte tells.


def _skip_restart(p: CuteParser, b: int, events: list[Event]) -> None:
    """SOD STX inside a skipped frame: the reader reset (or noise opened the skipped frame); a new frame
    starts here, so an MRZ right after line noise is not swallowed as barcode data."""
    events.append(truncated(p.framing))
    p._abandon()
    p.kind = START_OF_DATA[p.pending_sod]
    p.state = BODY if p.kind == "ocr" else SKIP


def _skip_not_sod(p: CuteParser, b: int, events: list[Event]) -> bytes:
    p.skipped += 1  # the SOD byte was data
    p.state = SKIP
    p._check_skip_cap(events)
    return bytes((b,))


def _discard_end(p: CuteParser, b: int, events: list[Event]) -> None:
    p._discard(1, events, "oversize frame")


# --- runs --------------------------------------------------------------------------------------------

def _run_hunt(p: CuteParser, run: bytes, events: list[Event]) -> None:
    p._discard(len(run), events)


def _run_body(p: CuteParser, run: bytes, events: list[Event]) -> None:
    p.body += run
    if len(p.body) > MAX_OCR_BODY:
        events.append(FrameError(OVERSIZE, f"OCR frame longer than {MAX_OCR_BODY} bytes; discarded up to "
                                 "the next frame", p.framing))
        p._discard(len(p.body), events, "oversize frame")
        p._abandon()
        p.state = DISCARD


def _run_skip(p: CuteParser, run: bytes, events: list[Event]) -> None:
    p.skipped += len(run)
    p._check_skip_cap(events)


def _run_discard(p: CuteParser, run: bytes, events: list[Event]) -> None:
    p._discard(len(run), events, "oversize frame")


class CuteParser(TableParser):
    """Desko / Access-IS framing. `framing` names the dialect in events ("desko", "accessis", "cute")."""

    framing = "cute"
    IDLE = HUNT
    CLASS_OF = _CLASSES
    TABLE: ClassVar = {
        (HUNT, C_SOD): (_open, OPENED),
        (OPENED, C_STX): (_begin, BODY),
        (OPENED, C_SOD): (_reopen, OPENED),
        (BODY, C_ETX): (_noop, CLOSING),
        (BODY, C_SOD): (_restart, OPENED),
        (CLOSING, C_EOD): (_close, HUNT),
        (SKIP, C_ETX): (_skip_etx_seen, SKIP_CLOSING),
        (SKIP, C_SOD): (_skip_sod_seen, SKIP_SOD),
        (SKIP_SOD, C_STX): (_skip_restart, BODY),
        (SKIP_CLOSING, C_EOD): (_skip_close, HUNT),
        (SKIP_CLOSING, C_ETX): (_skip_etx_seen, SKIP_CLOSING),
        (DISCARD, C_SOD): (_open, OPENED),
        (DISCARD, C_EOD): (_discard_end, HUNT),
    }
    DEFAULT: ClassVar = {
        HUNT: (_junk, HUNT),
        OPENED: (_not_a_frame, HUNT),
        BODY: (_bad_byte, HUNT),
        CLOSING: (_unclosed, HUNT),
        SKIP: (_skip_more, SKIP),
        SKIP_CLOSING: (_skip_more, SKIP),
        DISCARD: (_discard_end, DISCARD),
        SKIP_SOD: (_skip_not_sod, SKIP),
    }
    RUNS: ClassVar = {
        HUNT: (re.compile(rb"[^\x1c\x0e\x1e]+"), _run_hunt),
        BODY: (re.compile(rb"[\x20-\x7e\r\n]+"), _run_body),
        SKIP: (re.compile(rb"[^\x03\x1c\x0e\x1e]+"), _run_skip),
        DISCARD: (re.compile(rb"[^\x1c\x0e\x1e\x1d\x0f\x1f]+"), _run_discard),
    }

    def __init__(self, timing: Timing | None = None, framing: str | None = None) -> None:
        super().__init__(timing, framing)
        self.kind = "ocr"
        self.body = bytearray()
        self.skipped = 0
        self.pending_sod = 0

    @property
    def in_frame(self) -> bool:
        return self.state not in (HUNT, DISCARD)

    def _abandon(self) -> None:
        self.body.clear()
        self.skipped = 0

    def _check_skip_cap(self, events: list[Event]) -> None:
        if self.skipped > MAX_SKIP_BODY:
            events.append(FrameError(OVERSIZE, f"{self.kind} frame longer than {MAX_SKIP_BODY} bytes; discarded "
                                     "up to the next frame", self.framing))
            self._discard(self.skipped, events, "oversize frame")
            self._abandon()
            self.state = DISCARD

    def _finish_ocr(self) -> Event:
        text = self.body.decode("ascii").replace("\r\n", "\r").replace("\n", "\r")
        self._abandon()
        lines = tuple(part.strip() for part in text.split("\r") if part.strip())
        if not lines:
            return FrameError(EMPTY_FRAME, "the reader sent an empty OCR frame (document seen, no line read)",
                              self.framing)
        if len(lines) not in (2, 3):
            return FrameError(LINE_COUNT, f"OCR frame holds {len(lines)} line(s); an MRZ has 2 or 3", self.framing)
        return MRZLines(lines, self.framing)
