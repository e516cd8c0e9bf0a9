"""The link to a translation device: TCP or a serial line, moving bytes for the sans-IO codec.

Addresses: `tcp://HOST:PORT` or `serial:///dev/ttyUSB0?baud=115200` (any path pyserial opens,
pseudo-terminals included). The link is opened lazily, greets the device (`hello`), and is closed
after any timeout or protocol error so the next request starts on a clean line. One request at a
time per link; callers serialise (the daemon queues per device).
"""

from __future__ import annotations

import socket
import time
import urllib.parse
from dataclasses import dataclass

from gateway.translation.device_protocol import (
    NEED_DATA,
    ConnectionClosed,
    DeviceError,
    HelloAccepted,
    HostConnection,
    Pong,
    ProtocolError,
    StatusChanged,
    Translated,
)


class TranslatorError(RuntimeError):
    """Base of the link's errors; messages name the device address, never the text."""


class TranslatorUnreachable(TranslatorError):
    """Cannot open the link (nothing listening, no such serial device)."""


class TranslatorTimeout(TranslatorError):
    """The device did not answer in time."""


class TranslatorProtocolError(TranslatorError):
    """The device broke the protocol (the link was closed)."""


class TranslatorRefused(TranslatorError):
    """The device answered with an error (BUSY, UNSUPPORTED_LANGUAGE, NOT_CONNECTED, ...)."""

    def __init__(self, code: str, message: str, retry_after_ms: int = 0) -> None:
        super().__init__(f"device refused: {code}" + (f" ({message})" if message else ""))
        self.code = code
        self.device_message = message
        self.retry_after_ms = retry_after_ms


@dataclass(frozen=True)
class LinkAddress:
    scheme: str  # tcp | serial
    host: str = ""
    port: int = 0
    path: str = ""
    baud: int = 115200

    def __str__(self) -> str:
        return f"tcp://{self.host}:{self.port}" if self.scheme == "tcp" else f"serial://{self.path}"


def parse_address(address: str) -> LinkAddress:
    url = urllib.parse.urlsplit(address)
    if url.scheme == "tcp":
        if not url.hostname or not url.port:
            raise ValueError(f"translator address {address!r}: tcp://HOST:PORT expected")
        return LinkAddress("tcp", host=url.hostname, port=url.port)
    if url.scheme == "serial":
        path = url.path or url.netloc
        if not path:
            raise ValueError(f"translator address {address!r}: serial:///dev/... expected")
        query = urllib.parse.parse_qs(url.query)
        try:
            baud = int(query.get("baud", ["115200"])[0])
        except ValueError:
            raise ValueError(f"translator address {address!r}: baud must be a number") from None
        return LinkAddress("serial", path=path, baud=baud)
    raise ValueError(f"translator address {address!r}: use tcp://HOST:PORT or serial:///dev/PATH")


class _Tcp:
    def __init__(self, address: LinkAddress, timeout_s: float) -> None:
        try:
            self.sock = socket.create_connection((address.host, address.port), timeout=timeout_s)
        except OSError as exc:
            raise TranslatorUnreachable(f"cannot connect to {address}: {exc.strerror or exc}") from None
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def recv(self, timeout_s: float) -> bytes | None:
        self.sock.settimeout(timeout_s if timeout_s > 0 else 0.0)  # 0: non-blocking poll
        try:
            return self.sock.recv(65536)
        except (TimeoutError, BlockingIOError):
            return None

    def close(self) -> None:
        self.sock.close()


class _Serial:
    def __init__(self, address: LinkAddress, timeout_s: float) -> None:
        import serial

        try:
            self.port = serial.serial_for_url(address.path, baudrate=address.baud, timeout=timeout_s,
                                              write_timeout=timeout_s, exclusive=True)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise TranslatorUnreachable(f"cannot open {address}: {exc}") from None

    def send(self, data: bytes) -> None:
        self.port.write(data)
        self.port.flush()

    def recv(self, timeout_s: float) -> bytes | None:
        if timeout_s <= 0 and not self.port.in_waiting:
            return None
        self.port.timeout = max(timeout_s, 0.001)
        data = self.port.read(max(1, self.port.in_waiting))
        return data or None  # serial lines have no end of stream: nothing read is a timeout

    def close(self) -> None:
        self.port.close()


class TranslatorLink:
    """One device's link. Not thread-safe: one caller at a time."""

    def __init__(self, address: str, timeout_s: float = 5.0, host_name: str = "clearing-gateway") -> None:
        self.address = parse_address(address)
        self.timeout_s = timeout_s
        self.host_name = host_name
        self._io: _Tcp | _Serial | None = None
        self._conn: HostConnection | None = None
        self.hello: HelloAccepted | None = None
        self.last_status: StatusChanged | None = None

    @property
    def connected(self) -> bool:
        return self._io is not None

    def close(self) -> None:
        if self._io is not None:
            try:
                self._io.close()
            finally:
                self._io = None
                self._conn = None

    def connect(self) -> HelloAccepted:
        """Open the link and greet the device (no-op when already open)."""
        if self._io is not None and self.hello is not None:
            return self.hello
        self.close()
        deadline = time.monotonic() + self.timeout_s
        self._io = _Tcp(self.address, self.timeout_s) if self.address.scheme == "tcp" else _Serial(
            self.address, self.timeout_s)
        self._conn = HostConnection(self.host_name)
        request_id, data = self._conn.hello()
        event = self._exchange(request_id, data, deadline)
        if isinstance(event, DeviceError):
            self.close()
            raise TranslatorRefused(event.code, event.message, event.retry_after_ms)
        assert isinstance(event, HelloAccepted)
        self.hello = event
        return event

    def poll(self) -> None:
        """Read what the device sent unasked (status lines) without waiting; before personal data goes out."""
        if self._io is None or self._conn is None:
            return
        try:
            while (chunk := self._io.recv(0)) is not None:
                self._conn.receive_data(chunk)
                if not chunk:
                    break
            while True:
                event = self._conn.next_event()
                if isinstance(event, StatusChanged):
                    self.last_status = event
                    continue
                if isinstance(event, ConnectionClosed):
                    self.close()
                return
        except ProtocolError as exc:
            self.close()
            raise TranslatorProtocolError(f"{self.address}: {exc}") from None
        except OSError:
            self.close()

    def translate(self, text: str, source: str, target: str) -> Translated:
        self.connect()
        assert self._conn is not None
        deadline = time.monotonic() + self.timeout_s
        request_id, data = self._conn.translate(text, source, target)
        event = self._exchange(request_id, data, deadline)
        if isinstance(event, DeviceError):
            raise TranslatorRefused(event.code, event.message, event.retry_after_ms)
        assert isinstance(event, Translated)
        return event

    def ping(self) -> float:
        """Round trip in seconds."""
        self.connect()
        assert self._conn is not None
        started = time.monotonic()
        request_id, data = self._conn.ping()
        event = self._exchange(request_id, data, started + self.timeout_s)
        if isinstance(event, DeviceError):
            raise TranslatorRefused(event.code, event.message, event.retry_after_ms)
        return time.monotonic() - started

    def _exchange(self, request_id: int, data: bytes, deadline: float):
        assert self._io is not None and self._conn is not None
        try:
            self._io.send(data)
            while True:
                event = self._conn.next_event()
                if event is NEED_DATA:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise TranslatorTimeout(f"{self.address} did not answer within {self.timeout_s:g} s")
                    chunk = self._io.recv(remaining)
                    if chunk is not None:
                        self._conn.receive_data(chunk)
                    continue
                if isinstance(event, StatusChanged):
                    self.last_status = event
                    continue
                if isinstance(event, ConnectionClosed):
                    raise TranslatorUnreachable(f"{self.address} closed the link")
                if isinstance(event, HelloAccepted | Translated | Pong | DeviceError) and event.id == request_id:
                    return event
        except ProtocolError as exc:
            self.close()
            raise TranslatorProtocolError(f"{self.address}: {exc}") from None
        except TranslatorError:
            self.close()
            raise
        except OSError as exc:
            self.close()
            raise TranslatorUnreachable(f"{self.address}: link failed: {exc.strerror or exc}") from None
