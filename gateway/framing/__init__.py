"""Sans-IO parsers for the wire framings of MRZ line readers (bytes in, events out).

    >>> from gateway.framing import make_parser
    >>> parser = make_parser("auto")
    >>> events = parser.feed(b"\\x1c\\x02" + b"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\\r"
    ...                      b"L898902C36UTO7408122F1204159ZE184226B<<<<<10\\r\\x03\\x1d")
    >>> [type(e).__name__ for e in events]
    ['FramingDetected', 'MRZLines']

Each parser is one transition table over byte classes (`base.TableParser`); it never reads a clock
or a port and never calls back. Feeding the same bytes byte by byte or in any chunks gives the same
events. Wire formats, autodetection and limits: docs/line-readers.md.
"""

from __future__ import annotations

from .base import DISCARD_REPORT_BYTES, TableParser, Timing
from .cute import CuteParser
from .detect import AutoParser
from .events import (
    ERROR_CODES,
    Discarded,
    Event,
    FrameError,
    FramingDetected,
    MRZLines,
    SkippedFrame,
)
from .plain import PlainParser
from .rte import RteParser

FRAMINGS = ("auto", "desko", "accessis", "3m", "plain")

Parser = TableParser | AutoParser

__all__ = [
    "DISCARD_REPORT_BYTES",
    "ERROR_CODES",
    "FRAMINGS",
    "AutoParser",
    "CuteParser",
    "Discarded",
    "Event",
    "FrameError",
    "FramingDetected",
    "MRZLines",
    "Parser",
    "PlainParser",
    "RteParser",
    "SkippedFrame",
    "Timing",
    "make_parser",
]


def make_parser(framing: str = "auto", timing: Timing | None = None) -> Parser:
    """A fresh parser for one connection. `desko` and `accessis` share the CUTE table."""
    if framing == "auto":
        return AutoParser(timing)
    if framing in ("desko", "accessis"):
        return CuteParser(timing, framing=framing)
    if framing == "3m":
        return RteParser(timing)
    if framing == "plain":
        return PlainParser(timing)
    raise ValueError(f"unknown framing {framing!r}; expected one of {', '.join(FRAMINGS)}")
