"""What to do with a READ BINARY answer: the reader's block-size and status-word policy as one pure table.

Real chips disagree on lengths (Le=256 refused with 6700, 6B00 or 6Cxx; 6282 with or without data;
a short file identifier refused five different ways), so the reader's whole strategy for getting a
file's bytes is this mapping from (what came back, how it was asked) to one `Action`. It is data,
kept apart from the state machine that applies it (`gateway.nfc.reading.reader`), so it can be read
against ISO/IEC 7816-4 and Doc 9303 at a glance and tested without a card — as h11 keeps its
transitions in one table.

Reading the table: a row is (status class, how the file was addressed, answer carried data) →
action. `None` in a column matches anything. The first matching row wins; rows are ordered from
specific to general. Three facts are not in the row key because they only refine one action:
`at_start` (offset 0, size still unknown) turns an empty success into a one-byte probe, a second
empty answer into an empty file; `sfi_known` turns 6A82 on a first SFI read into "ambiguous"
(absent, or no SFI support?); `session_lost` (the chip answered in plain, ending secure messaging)
turns an unexpected status into "access again and retry".
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Via(enum.Enum):
    """How the READ BINARY addressed the file."""

    SFI = "sfi"  # B0 with a short file identifier in P1 (no SELECT needed)
    SELECTED = "selected"  # B0 on the currently selected EF (offsets up to 32767)
    ODD = "odd"  # B1 with the offset in DO'54 (offsets beyond 32767)


class Status(enum.Enum):
    """Status words grouped by what they mean for a read (ISO/IEC 7816-4 §5.6, Doc 9303 Part 10)."""

    OK = "9000"
    END_OF_FILE = "6282"  # end of file reached before Le bytes
    WRONG_LE = "6Cxx"  # wrong Le; SW2 is the number of bytes available
    LENGTH_REFUSED = "6700/6B00"  # wrong length / offset beyond the end
    LC_INCONSISTENT = "6A87"  # Lc/Le inconsistent with P1-P2 (an SFI this chip does not take, or a length)
    NOT_FOUND = "6A82"
    DENIED = "6982"  # security status not satisfied (EAC-protected file)
    SFI_REFUSED = "SFI"  # 6A86 6A81 6A80 6D00 6E00 6986 6985: this command form is not supported
    OTHER = "other"


_CLASSES = {
    0x9000: Status.OK,
    0x6282: Status.END_OF_FILE,
    0x6700: Status.LENGTH_REFUSED,
    0x6B00: Status.LENGTH_REFUSED,
    0x6A87: Status.LC_INCONSISTENT,
    0x6A82: Status.NOT_FOUND,
    0x6982: Status.DENIED,
    **dict.fromkeys((0x6A86, 0x6A81, 0x6A80, 0x6D00, 0x6E00, 0x6986, 0x6985), Status.SFI_REFUSED),
}


def classify(sw: int) -> Status:
    if sw >> 8 == 0x6C:
        return Status.WRONG_LE
    return _CLASSES.get(sw, Status.OTHER)


class Action(enum.Enum):
    TAKE = "take"  # append the data (SFI worked, if that is how it was asked)
    PROBE_ONE_BYTE = "probe one byte"  # success without data at offset 0: ask for 1 byte to tell an
    # empty file from a chip that answers a too-large Le with "no data"
    EMPTY_FILE = "empty file"  # ... and the 1-byte probe came back empty too
    RETRY_WITH_LE = "retry with the Le the chip names"  # 6Cxx
    SHRINK = "shrink the block"  # the length was refused: next smaller block, remembered
    SFI_AMBIGUOUS = "SFI read said not found"  # absent, or the chip has no SFI support: SELECT to know
    SFI_UNSUPPORTED = "SFI refused"  # select files from now on
    ABSENT = "absent"
    DENIED = "access denied"
    REACCESS = "access again and retry"  # the chip ended secure messaging with this (plain) status
    REREAD_EXACT = "discard, access again, read exactly"  # unprotected answer past the end of the file
    FAIL = "fail"


@dataclass(frozen=True, slots=True)
class Answer:
    sw: int
    has_data: bool
    unprotected: bool = False  # a plain status (with or without data) to a protected command


@dataclass(frozen=True, slots=True)
class Asked:
    via: Via
    at_start: bool = False  # offset 0 and the file's size is not known yet
    probed_empty: bool = False  # a one-byte probe at offset 0 already came back empty
    sfi_known: bool | None = None  # has this chip's SFI support been established (True/False)?
    session_lost: bool = False  # the answer ended secure messaging (plain status)


_ANY = None

#: (status, via, has_data) → action; `None` matches anything. First match wins.
TABLE: tuple[tuple[Status | None, Via | None, bool | None, Action], ...] = (
    (Status.OK, _ANY, True, Action.TAKE),
    (Status.END_OF_FILE, _ANY, True, Action.TAKE),
    (Status.OK, _ANY, False, Action.SHRINK),  # refined by at_start → PROBE_ONE_BYTE / EMPTY_FILE
    (Status.END_OF_FILE, _ANY, False, Action.SHRINK),  # (same)
    (Status.SFI_REFUSED, Via.SFI, _ANY, Action.SFI_UNSUPPORTED),
    (Status.LC_INCONSISTENT, Via.SFI, _ANY, Action.SFI_UNSUPPORTED),
    (Status.NOT_FOUND, Via.SFI, _ANY, Action.ABSENT),  # refined by sfi_known → SFI_AMBIGUOUS
    (Status.NOT_FOUND, _ANY, _ANY, Action.ABSENT),
    (Status.DENIED, _ANY, _ANY, Action.DENIED),  # refined by session_lost → REACCESS
    (Status.WRONG_LE, _ANY, _ANY, Action.RETRY_WITH_LE),
    (Status.LENGTH_REFUSED, _ANY, _ANY, Action.SHRINK),
    (Status.LC_INCONSISTENT, _ANY, _ANY, Action.SHRINK),  # to a B0/B1: the length does not fit
    (_ANY, _ANY, _ANY, Action.FAIL),  # refined by session_lost → REACCESS
)


def _lookup(status: Status, via: Via, has_data: bool) -> Action:
    for row_status, row_via, row_data, action in TABLE:
        if row_status not in (None, status) or row_via not in (None, via) or row_data not in (None, has_data):
            continue
        return action
    raise AssertionError("the last row matches everything")  # pragma: no cover


def decide(answer: Answer, asked: Asked) -> Action:
    """The action for one READ BINARY answer. Pure: same inputs, same action."""
    status = classify(answer.sw)
    if answer.unprotected and status in (Status.END_OF_FILE, Status.LENGTH_REFUSED):
        # A plain answer past the end of the file: nothing of it is trusted, the chip left SM.
        return Action.REREAD_EXACT
    if answer.unprotected and answer.has_data:
        return Action.FAIL  # data that was not MAC'd is never taken (secure messaging refuses it first)
    action = _lookup(status, asked.via, answer.has_data)
    if action is Action.SHRINK and status in (Status.OK, Status.END_OF_FILE) and asked.at_start:
        return Action.EMPTY_FILE if asked.probed_empty else Action.PROBE_ONE_BYTE
    if action is Action.ABSENT and asked.via is Via.SFI and asked.sfi_known is None:
        return Action.SFI_AMBIGUOUS
    if action in (Action.DENIED, Action.FAIL) and asked.session_lost:
        return Action.REACCESS
    return action


#: Short-APDU block sizes, largest first. 223 (0xDF) is the largest plaintext whose AES secure-messaging
#: response still fits 256 bytes; 224 is the limit some chips announce; the rest are safe fallbacks.
SHORT_LADDER = (256, 224, 223, 192, 160, 128, 96, 64, 32, 16, 8, 1)
EXTENDED_BLOCK = 65536
#: What a header-first read asks for first: tag (1 byte for every LDS file) and a length of up to
#: three bytes (files up to 64 KiB), as Doc 9303's worked example (Appendix D.4) reads EF.COM.
HEADER_PROBE = 4


def smaller_block(refused: int) -> int | None:
    """The next block to try after `refused` was refused; None when even one byte was refused."""
    if refused > SHORT_LADDER[0]:
        return SHORT_LADDER[0]
    return next((b for b in SHORT_LADDER if b < refused), None)


__all__ = [
    "EXTENDED_BLOCK",
    "HEADER_PROBE",
    "SHORT_LADDER",
    "TABLE",
    "Action",
    "Answer",
    "Asked",
    "Status",
    "Via",
    "classify",
    "decide",
    "smaller_block",
]
