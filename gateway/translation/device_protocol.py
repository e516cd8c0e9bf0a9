"""The gateway's translation-device protocol, host side, sans-IO (docs/translation-device.md).

JSON lines: one UTF-8 JSON object per line, every object with `"v": 1` and a `"type"`. The host
sends `hello`, then `translate` / `ping` requests, each with a fresh integer `id`; the device
answers each with the same `id` (`hello`, `translation`, `pong` or `error`) and may send `status`
lines (no `id`) at any time, e.g. when it switches between offline and cloud translation.

Like h11, the codec does no I/O: `hello()` / `translate()` return the bytes to send,
`receive_data()` takes what arrived (b"" for end of stream) and `next_event()` returns events -
or NEED_DATA. A malformed line, an answer to a request never sent, or a version the host does not
speak raises ProtocolError and leaves the connection BROKEN: the driver must close it.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field

VERSION = 1
SUPPORTED_VERSIONS = (1,)
MAX_LINE_BYTES = 64 * 1024
ERROR_CODES = frozenset({"BAD_REQUEST", "UNSUPPORTED_VERSION", "UNKNOWN_TYPE", "UNSUPPORTED_LANGUAGE",
                         "TEXT_TOO_LONG", "BUSY", "NOT_CONNECTED", "INTERNAL"})


class ProtocolError(Exception):
    """The peer broke the protocol; the message says how (never quoting translated text)."""


class State(enum.Enum):
    NEW = "NEW"  # nothing sent yet: send hello()
    GREETING = "GREETING"  # hello sent, waiting for the device's hello
    READY = "READY"
    CLOSED = "CLOSED"  # the device closed the stream
    BROKEN = "BROKEN"  # a protocol error: close the link


class _NeedData:
    def __repr__(self) -> str:
        return "NEED_DATA"


NEED_DATA = _NeedData()


@dataclass(frozen=True)
class DeviceIdentity:
    vendor: str = ""
    model: str = ""
    firmware: str = ""
    serial: str = ""


@dataclass(frozen=True)
class HelloAccepted:
    id: int
    version: int
    device: DeviceIdentity
    offline: bool  # the device translates on the device itself, without a network
    languages: tuple[str, ...]
    max_chars: int


@dataclass(frozen=True)
class Translated:
    id: int
    text: str = field(repr=False)  # may be personal data: never in reprs or logs
    source: str = ""
    target: str = ""
    offline: bool = False  # this translation was made on the device


@dataclass(frozen=True)
class Pong:
    id: int


@dataclass(frozen=True)
class DeviceError:
    id: int
    code: str  # one of ERROR_CODES (an unknown code from a newer device is kept as is)
    message: str
    retry_after_ms: int = 0


@dataclass(frozen=True)
class StatusChanged:
    offline: bool | None
    state: str  # ready | busy | sleep | ...
    battery_percent: int | None


@dataclass(frozen=True)
class ConnectionClosed:
    pass


Event = HelloAccepted | Translated | Pong | DeviceError | StatusChanged | ConnectionClosed


def _encode(message: dict) -> bytes:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def _str(obj: dict, key: str, default: str | None = None, limit: int = 256) -> str:
    value = obj.get(key, default)
    if not isinstance(value, str):
        raise ProtocolError(f"field {key!r} must be a string")
    if len(value) > limit:
        raise ProtocolError(f"field {key!r} is longer than {limit} characters")
    return value


def _int(obj: dict, key: str, default: int | None = None) -> int:
    value = obj.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProtocolError(f"field {key!r} must be an integer")
    return value


class HostConnection:
    """The host end of one link to one translation device."""

    def __init__(self, host: str = "clearing-gateway", max_line_bytes: int = MAX_LINE_BYTES,
                 max_text_chars: int = 16_000) -> None:
        self.host = host
        self.max_line_bytes = max_line_bytes
        self.max_text_chars = max_text_chars
        self.state = State.NEW
        self.hello_info: HelloAccepted | None = None
        self._buffer = bytearray()
        self._eof = False
        self._next_id = 1
        self._pending: dict[int, str] = {}  # id -> request type

    # --- what to send ---------------------------------------------------------------------------

    def _request(self, kind: str, **fields: object) -> tuple[int, bytes]:
        if self.state in (State.BROKEN, State.CLOSED):
            raise ProtocolError(f"connection is {self.state.value.lower()}")
        request_id = self._next_id
        self._next_id = self._next_id + 1 if self._next_id < 2**31 - 1 else 1
        self._pending[request_id] = kind
        return request_id, _encode({"v": VERSION, "type": kind, "id": request_id, **fields})

    def hello(self) -> tuple[int, bytes]:
        if self.state is not State.NEW:
            raise ProtocolError("hello is sent once, first")
        self.state = State.GREETING
        return self._request("hello", host=self.host, versions=list(SUPPORTED_VERSIONS))

    def translate(self, text: str, source: str, target: str) -> tuple[int, bytes]:
        if self.state is not State.READY:
            raise ProtocolError("translate before the device's hello")
        return self._request("translate", source=source, target=target, text=text)

    def ping(self) -> tuple[int, bytes]:
        if self.state is not State.READY:
            raise ProtocolError("ping before the device's hello")
        return self._request("ping")

    def forget(self, request_id: int) -> None:
        """The host gave up on a request (timeout); a late answer to it is then dropped, not an error."""
        if request_id in self._pending:
            self._pending[request_id] = "abandoned"

    # --- what arrived ---------------------------------------------------------------------------

    def receive_data(self, data: bytes) -> None:
        if not data:
            self._eof = True
            return
        self._buffer += data

    def next_event(self) -> Event | _NeedData:
        while True:
            if self.state is State.BROKEN:
                raise ProtocolError("connection is broken")
            newline = self._buffer.find(b"\n")
            if newline < 0:
                if len(self._buffer) > self.max_line_bytes:
                    self._break(f"line longer than {self.max_line_bytes} bytes")
                if self._eof:
                    if self._buffer.strip():
                        self._break("stream ended inside a line")
                    self.state = State.CLOSED
                    return ConnectionClosed()
                return NEED_DATA
            if newline > self.max_line_bytes:
                self._break(f"line longer than {self.max_line_bytes} bytes")
            line = bytes(self._buffer[:newline]).rstrip(b"\r")
            del self._buffer[:newline + 1]
            if not line.strip():
                continue  # blank lines are keep-alives
            event = self._parse(line)
            if event is not None:
                return event

    def _break(self, reason: str) -> None:
        self.state = State.BROKEN
        raise ProtocolError(reason)

    def _parse(self, line: bytes):
        try:
            message = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            self._break("a line that is not UTF-8 JSON")
        if not isinstance(message, dict):
            self._break("a JSON line that is not an object")
        try:
            return self._dispatch(message)
        except ProtocolError as exc:
            self._break(str(exc))

    def _dispatch(self, m: dict):
        version = m.get("v")
        if version not in SUPPORTED_VERSIONS:
            raise ProtocolError(f"protocol version {version!r} not supported (host speaks {SUPPORTED_VERSIONS})")
        kind = _str(m, "type", limit=32)
        if kind == "status":
            offline = m.get("offline")
            battery = m.get("battery")
            return StatusChanged(offline if isinstance(offline, bool) else None, _str(m, "state", "", 32),
                                 battery if isinstance(battery, int) and not isinstance(battery, bool) else None)
        if "id" not in m:
            return None  # an unsolicited message of a newer protocol revision: ignored
        request_id = _int(m, "id")
        asked = self._pending.pop(request_id, None)
        if asked is None:
            raise ProtocolError(f"answer to request {request_id}, which was never sent")
        if asked == "abandoned":
            return None
        if kind == "error":
            code = _str(m, "code", limit=64)
            retry = m.get("retry_after_ms", 0)
            retry = retry if isinstance(retry, int) and not isinstance(retry, bool) and retry >= 0 else 0
            if asked == "hello":
                self.state = State.BROKEN
            return DeviceError(request_id, code, _str(m, "message", "", 500), retry)
        expected = {"hello": "hello", "translate": "translation", "ping": "pong"}[asked]
        if kind != expected:
            raise ProtocolError(f"request {request_id} ({asked}) answered with {kind!r}")
        if kind == "hello":
            return self._hello(request_id, m)
        if kind == "pong":
            return Pong(request_id)
        text = _str(m, "text", limit=self.max_text_chars)
        return Translated(request_id, text, _str(m, "source", "", 16), _str(m, "target", "", 16),
                          m.get("offline") is True)

    def _hello(self, request_id: int, m: dict) -> HelloAccepted:
        version = _int(m, "version", VERSION)
        if version not in SUPPORTED_VERSIONS:
            raise ProtocolError(f"device chose protocol version {version}, which the host does not speak")
        device = m.get("device", {})
        if not isinstance(device, dict):
            raise ProtocolError("field 'device' must be an object")
        languages = m.get("languages", [])
        if not isinstance(languages, list) or not all(isinstance(x, str) and len(x) <= 16 for x in languages):
            raise ProtocolError("field 'languages' must be a list of language codes")
        offline = m.get("offline")
        if not isinstance(offline, bool):
            raise ProtocolError("field 'offline' must be true or false")
        info = HelloAccepted(request_id, version,
                             DeviceIdentity(*(_str(device, k, "", 128) for k in ("vendor", "model", "firmware",
                                                                                 "serial"))),
                             offline, tuple(languages), _int(m, "max_chars", 2000))
        self.hello_info = info
        self.state = State.READY
        return info
