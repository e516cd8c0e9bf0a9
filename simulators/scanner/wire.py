"""The SANE network protocol as saned speaks it (server side), sans I/O: values in, bytes out,
and a request decoder that takes bytes as they arrive.

The layout follows sane-backends' own definition (`doc/sane.tex`, chapter "Network Protocol",
sections "Data Type Encoding" and "Remote Procedure Call Requests"; the binary codec of
`sanei/sanei_wire.c` / `sanei_codec_bin.c`):

- a word (SANE_Word, Bool, Int, Fixed, enums) is 4 bytes, big-endian;
- a char is 1 byte; a string is an array of chars: a word with the length *including* the
  terminating NUL, then the bytes; a NULL string is the length word 0;
- an array is a word with the element count, then the elements;
- a pointer is a word "is NULL" (1: NULL, nothing follows; 0: the value follows);
- an option value is an array: size/4 words (Bool/Int/Fixed), `size` chars (String), none
  (Button/Group).

Written for the simulator only; the gateway's reader side never imports it (it talks through
libsane's `net` backend via `scanimage`).
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass, field
from typing import Any

PROTOCOL_BUILD = 3  # SANEI_NET_PROTOCOL_VERSION; the version code's "build" field


def version_code(major: int, minor: int, build: int) -> int:
    """SANE_VERSION_CODE: major in bits 24..31, minor 16..23, build 0..15."""
    return ((major & 0xFF) << 24) | ((minor & 0xFF) << 16) | (build & 0xFFFF)


class Proc(enum.IntEnum):
    INIT = 0
    GET_DEVICES = 1
    OPEN = 2
    CLOSE = 3
    GET_OPTION_DESCRIPTORS = 4
    CONTROL_OPTION = 5
    GET_PARAMETERS = 6
    START = 7
    CANCEL = 8
    AUTHORIZE = 9
    EXIT = 10


class Status(enum.IntEnum):
    GOOD = 0
    UNSUPPORTED = 1
    CANCELLED = 2
    DEVICE_BUSY = 3
    INVAL = 4
    EOF = 5
    JAMMED = 6
    NO_DOCS = 7
    COVER_OPEN = 8
    IO_ERROR = 9
    NO_MEM = 10
    ACCESS_DENIED = 11


class ValueType(enum.IntEnum):
    BOOL = 0
    INT = 1
    FIXED = 2
    STRING = 3
    BUTTON = 4
    GROUP = 5


class Unit(enum.IntEnum):
    NONE = 0
    PIXEL = 1
    BIT = 2
    MM = 3
    DPI = 4
    PERCENT = 5
    MICROSECOND = 6


class Constraint(enum.IntEnum):
    NONE = 0
    RANGE = 1
    WORD_LIST = 2
    STRING_LIST = 3


class Action(enum.IntEnum):
    GET_VALUE = 0
    SET_VALUE = 1
    SET_AUTO = 2


class Frame(enum.IntEnum):
    GRAY = 0
    RGB = 1


# Capability bits (sane.h SANE_CAP_*) and control-option info bits (SANE_INFO_*).
CAP_SOFT_SELECT = 1
CAP_HARD_SELECT = 2
CAP_SOFT_DETECT = 4
CAP_INACTIVE = 32
INFO_INEXACT = 1
INFO_RELOAD_OPTIONS = 2
INFO_RELOAD_PARAMS = 4

END_OF_DATA = 0xFFFFFFFF  # record length that ends the data stream; one status byte follows
LITTLE_ENDIAN_ORDER = 0x1234  # the START reply's byte_order for little-endian image data


# ---- encoders ---------------------------------------------------------------------------------

def word(v: int) -> bytes:
    return struct.pack(">i", v) if v < 0x80000000 else struct.pack(">I", v)


def string(s: str | None) -> bytes:
    if s is None:
        return word(0)
    raw = s.encode("latin-1") + b"\0"
    return word(len(raw)) + raw


def pointer(payload: bytes | None) -> bytes:
    return word(1) if payload is None else word(0) + payload


def device(name: str, vendor: str, model: str, kind: str) -> bytes:
    return string(name) + string(vendor) + string(model) + string(kind)


@dataclass
class OptionDescriptor:
    name: str
    title: str
    desc: str
    type: ValueType
    unit: Unit = Unit.NONE
    size: int = 4
    cap: int = CAP_SOFT_SELECT | CAP_SOFT_DETECT
    constraint: Constraint = Constraint.NONE
    range: tuple[int, int, int] | None = None  # min, max, quant
    words: tuple[int, ...] = ()
    strings: tuple[str, ...] = ()

    def encode(self) -> bytes:
        out = [string(self.name), string(self.title), string(self.desc), word(self.type), word(self.unit),
               word(self.size), word(self.cap), word(self.constraint)]
        if self.constraint == Constraint.RANGE:
            lo, hi, q = self.range or (0, 0, 0)
            out.append(pointer(word(lo) + word(hi) + word(q)))
        elif self.constraint == Constraint.WORD_LIST:
            # The list's first element is its length (SANE's word-list convention), sent as well.
            out.append(word(len(self.words) + 1) + word(len(self.words)) + b"".join(word(w) for w in self.words))
        elif self.constraint == Constraint.STRING_LIST:
            # Sent with its terminating NULL string.
            out.append(word(len(self.strings) + 1) + b"".join(string(s) for s in self.strings) + string(None))
        return b"".join(out)


def option_value(vtype: ValueType, size: int, value: Any) -> bytes:
    """The value array of a CONTROL_OPTION reply: `size` bytes of a string (NUL-padded), size/4
    words, or nothing."""
    if vtype == ValueType.STRING:
        raw = str(value).encode("latin-1")[: max(size - 1, 0)]
        raw = raw + b"\0" * (size - len(raw))
        return word(size) + raw
    if vtype in (ValueType.BOOL, ValueType.INT, ValueType.FIXED):
        values = value if isinstance(value, list | tuple) else [value]
        n = size // 4
        return word(n) + b"".join(word(int(v)) for v in values[:n])
    return word(0)


def init_reply(status: Status, code: int) -> bytes:
    return word(status) + word(code)


def devices_reply(status: Status, devices: list[tuple[str, str, str, str]]) -> bytes:
    return (word(status) + word(len(devices) + 1) + b"".join(pointer(device(*d)) for d in devices)
            + pointer(None))


def open_reply(status: Status, handle: int, resource: str | None = None) -> bytes:
    return word(status) + word(handle) + string(resource)


def option_descriptors_reply(options: list[OptionDescriptor]) -> bytes:
    return word(len(options)) + b"".join(pointer(o.encode()) for o in options)


def control_option_reply(status: Status, info: int, vtype: ValueType, size: int, value: Any,
                         resource: str | None = None) -> bytes:
    return word(status) + word(info) + word(vtype) + word(size) + option_value(vtype, size, value) + string(resource)


def parameters_reply(status: Status, frame: Frame, last_frame: bool, bytes_per_line: int, pixels_per_line: int,
                     lines: int, depth: int) -> bytes:
    return b"".join(word(v) for v in (status, frame, int(last_frame), bytes_per_line, pixels_per_line, lines, depth))


def start_reply(status: Status, port: int, byte_order: int = LITTLE_ENDIAN_ORDER, resource: str | None = None) -> bytes:
    return word(status) + word(port) + word(byte_order) + string(resource)


def ack_reply() -> bytes:
    return word(0)


def data_record(chunk: bytes) -> bytes:
    return word(len(chunk)) + chunk


def data_end(status: Status) -> bytes:
    return word(END_OF_DATA) + bytes([status])


# ---- request decoder --------------------------------------------------------------------------

class NeedMore(Exception):
    """Not enough bytes yet for the request."""


class ProtocolError(ValueError):
    """The client sent something that is no SANE network request."""


_MAX_STRING = 64 * 1024
_MAX_VALUE_WORDS = 4096


class _Cursor:
    def __init__(self, data: bytes | bytearray) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise NeedMore
        out = bytes(self.data[self.pos:self.pos + n])
        self.pos += n
        return out

    def word(self) -> int:
        return struct.unpack(">i", self.take(4))[0]

    def string(self) -> str | None:
        n = self.word()
        if n == 0:
            return None
        if not 0 < n <= _MAX_STRING:
            raise ProtocolError(f"string length {n} out of range")
        raw = self.take(n)
        return raw.split(b"\0", 1)[0].decode("latin-1")


@dataclass
class Request:
    proc: Proc
    args: dict[str, Any] = field(default_factory=dict)


def decode_request(buf: bytes | bytearray, wire_version: int = PROTOCOL_BUILD) -> tuple[Request, int]:
    """One request from the front of `buf`: (request, bytes used). Raises NeedMore or ProtocolError."""
    c = _Cursor(buf)
    code = c.word()
    try:
        proc = Proc(code)
    except ValueError:
        raise ProtocolError(f"unknown procedure {code}") from None
    args: dict[str, Any] = {}
    if proc == Proc.INIT:
        args["version_code"] = c.word()
        args["username"] = c.string()
    elif proc == Proc.OPEN:
        args["name"] = c.string()
    elif proc in (Proc.CLOSE, Proc.GET_OPTION_DESCRIPTORS, Proc.GET_PARAMETERS, Proc.START, Proc.CANCEL):
        args["handle"] = c.word()
    elif proc == Proc.CONTROL_OPTION:
        args["handle"], args["option"], args["action"] = c.word(), c.word(), c.word()
        args["value"] = None
        if wire_version < 3 or args["action"] != Action.SET_AUTO:
            vtype, size = c.word(), c.word()
            args["value_type"], args["value_size"] = vtype, size
            n = c.word()
            if not 0 <= n <= _MAX_VALUE_WORDS * 4:
                raise ProtocolError(f"option value of {n} elements")
            if vtype == ValueType.STRING:
                args["value"] = c.take(n).split(b"\0", 1)[0].decode("latin-1")
            elif vtype in (ValueType.BOOL, ValueType.INT, ValueType.FIXED):
                args["value"] = [c.word() for _ in range(n)]
    elif proc == Proc.AUTHORIZE:
        args["resource"], args["username"], args["password"] = c.string(), c.string(), c.string()
    # GET_DEVICES and EXIT carry no arguments.
    return Request(proc, args), c.pos
