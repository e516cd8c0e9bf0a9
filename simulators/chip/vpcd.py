"""Put a virtual card into a pcscd reader slot through the vsmartcard `vpcd` driver.

pcscd's vpcd driver listens on a TCP port per reader slot (35963, 35964, ... see reader.conf); a card
"enters the field" by connecting to it and leaves by closing the socket. On that socket vpcd sends
frames (2-byte big-endian length + payload): a 1-byte payload is a control request (0 power off,
1 power on, 2 reset, 4 get ATR - only the last one is answered), anything longer is a command APDU
answered by a response APDU.

The framing and the request/answer mapping below are sans-IO (`FrameDecoder`, `encode_frame`,
`parse_message`, `answer`) so they are testable byte by byte; `VpcdCard` is only the socket loop:
insert/remove at will, reconnect when pcscd restarts, drop the connection when the card raises
`CardRemoved`, optional link-speed delay.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from dataclasses import dataclass
from enum import IntEnum
from typing import Protocol, runtime_checkable

from simulators.chip.errors import CardRemoved
from simulators.chip.link import LinkModel

__all__ = [
    "DEFAULT_PORT",
    "MAX_PAYLOAD",
    "SW_NO_PRECISE_DIAGNOSIS",
    "ApduRequest",
    "CardLike",
    "ControlRequest",
    "FrameDecoder",
    "LinkStats",
    "VpcdCard",
    "VpcdControl",
    "VpcdFrameError",
    "answer",
    "card_removed_types",
    "encode_frame",
    "parse_message",
]

log = logging.getLogger(__name__)

DEFAULT_PORT = 35963  # 0x8C7B, vpcd's default (Debian's /etc/reader.conf.d/vpcd)
MAX_PAYLOAD = 0xFFFF  # the length prefix is two bytes
SW_NO_PRECISE_DIAGNOSIS = b"\x6f\x00"  # ISO 7816-4: what a real chip says when its software fails


@runtime_checkable
class CardLike(Protocol):
    """What a transport needs from a card (implemented by `simulators.chip.card.VirtualCard`)."""

    @property
    def atr(self) -> bytes: ...

    def power_on(self) -> bytes: ...

    def power_off(self) -> None: ...

    def reset(self) -> bytes: ...

    def transmit(self, apdu: bytes) -> bytes: ...


def card_removed_types() -> tuple[type[BaseException], ...]:
    """The exception classes that mean "card left the field".

    `simulators.chip.errors.CardRemoved` is the canonical one; if the card module defines its own
    class of that name instead of re-exporting it, it is honoured too (imported lazily so this module
    does not depend on the card module).
    """
    types: list[type[BaseException]] = [CardRemoved]
    try:
        from simulators.chip import card as card_module
    except ImportError:
        return tuple(types)
    other = getattr(card_module, "CardRemoved", None)
    if isinstance(other, type) and issubclass(other, BaseException) and other not in types:
        types.append(other)
    return tuple(types)


# --- sans-IO protocol ---------------------------------------------------------------------------------


class VpcdControl(IntEnum):
    POWER_OFF = 0
    POWER_ON = 1
    RESET = 2
    GET_ATR = 4


@dataclass(frozen=True)
class ControlRequest:
    """A 1-byte vpcd payload; `code` may be a value vpcd does not define (then it is ignored)."""

    code: int


@dataclass(frozen=True)
class ApduRequest:
    apdu: bytes


VpcdMessage = ControlRequest | ApduRequest


class VpcdFrameError(ValueError):
    """A payload that cannot be framed (too long for the 2-byte length)."""


def encode_frame(payload: bytes) -> bytes:
    """Length-prefix a payload for the vpcd socket."""
    if len(payload) > MAX_PAYLOAD:
        raise VpcdFrameError(f"vpcd payload of {len(payload)} bytes exceeds {MAX_PAYLOAD}")
    return len(payload).to_bytes(2, "big") + payload


class FrameDecoder:
    """Reassembles vpcd frames from arbitrary TCP chunks (split headers, several frames per chunk)."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        """Add received bytes; return every payload completed by them, in order."""
        self._buffer += data
        payloads: list[bytes] = []
        while len(self._buffer) >= 2:
            length = int.from_bytes(self._buffer[:2], "big")
            if len(self._buffer) < 2 + length:
                break
            payloads.append(bytes(self._buffer[2 : 2 + length]))
            del self._buffer[: 2 + length]
        return payloads

    @property
    def pending(self) -> int:
        """Bytes received but not yet part of a complete frame."""
        return len(self._buffer)


def parse_message(payload: bytes) -> VpcdMessage:
    """Classify a payload: one byte is control, anything else (even malformed) goes to the card."""
    if len(payload) == 1:
        return ControlRequest(payload[0])
    return ApduRequest(payload)


def answer(card: CardLike, message: VpcdMessage) -> bytes | None:
    """Apply a request to the card; return the payload to send back, or None when vpcd expects none.

    `CardRemoved` propagates (the caller must drop the connection). Any other failure of the card is
    a simulator bug: it is logged and answered with 6F00 like a real chip, instead of killing the
    reader slot.
    """
    if isinstance(message, ControlRequest):
        try:
            if message.code == VpcdControl.GET_ATR:
                return bytes(card.atr)
            if message.code == VpcdControl.POWER_ON:
                card.power_on()
            elif message.code == VpcdControl.POWER_OFF:
                card.power_off()
            elif message.code == VpcdControl.RESET:
                card.reset()
            else:
                log.warning("vpcd sent unknown control code %d; ignored", message.code)
        except card_removed_types():
            raise
        except Exception:
            log.exception("virtual card failed on vpcd control %d", message.code)
        return None
    try:
        return bytes(card.transmit(message.apdu))
    except card_removed_types():
        raise
    except Exception:
        log.exception("virtual card failed on a %d-byte APDU; answering 6F00", len(message.apdu))
        return SW_NO_PRECISE_DIAGNOSIS


# --- socket loop --------------------------------------------------------------------------------------


@dataclass
class LinkStats:
    """Counters a benchmark reads after a run."""

    apdus: int = 0
    bytes_to_card: int = 0
    bytes_from_card: int = 0
    modeled_link_s: float = 0.0


def _quick_ack(sock: socket.socket) -> None:
    """Acknowledge vpcd's segments at once instead of after the 40 ms delayed-ACK timer.

    vpcd writes without TCP_NODELAY, so Nagle holds back the next part of a request until the
    previous segment is acknowledged; with delayed ACKs on our side every APDU would pay ~40 ms.
    Linux resets TCP_QUICKACK after use, so it is set before every recv (no-op elsewhere).
    """
    option = getattr(socket, "TCP_QUICKACK", None)
    if option is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, option, 1)


class VpcdCard:
    """A card sitting (or not) in one vpcd reader slot.

    `insert()` connects to vpcd (pcscd then reports the card present), `remove()` closes the socket
    (card absent). While inserted, a lost connection (pcscd restarted) is retried every
    `reconnect_interval` seconds. When the card raises `CardRemoved`, the socket is closed and the
    card stays out until `insert()` is called again. `close()` stops the thread; also a context manager.

    A card that was out is kept out for at least `min_out_s`: vpcd only looks for a card on pcscd's
    400 ms presence poll, so a quicker re-insert would go unnoticed and the host would keep talking
    to a "card" that has lost its session. `stats` counts APDUs, bytes and modeled link time.
    """

    def __init__(
        self,
        card: CardLike,
        port: int = DEFAULT_PORT,
        host: str = "127.0.0.1",
        link: LinkModel | None = None,
        reconnect_interval: float = 0.2,
        min_out_s: float = 0.5,
    ) -> None:
        self.card = card
        self.port = port
        self.host = host
        self.link = link
        self.reconnect_interval = reconnect_interval
        self.min_out_s = min_out_s
        self._out_since = float("-inf")
        self.stats = LinkStats()
        self._cond = threading.Condition()
        self._inserted = False
        self._closing = False
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None

    # public control ------------------------------------------------------------------------------

    @property
    def inserted(self) -> bool:
        """The card is meant to be in the reader (it may still be waiting for pcscd)."""
        return self._inserted

    @property
    def connected(self) -> bool:
        """A TCP connection to vpcd is open right now."""
        return self._sock is not None

    def insert(self) -> None:
        with self._cond:
            if self._closing:
                raise RuntimeError("VpcdCard is closed")
            self._inserted = True
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=f"vpcd-card-{self.port}", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def remove(self, timeout: float = 5.0) -> None:
        """Pull the card: close the socket now and wait until the loop has let go of it."""
        with self._cond:
            self._inserted = False
            self._shutdown_socket()
            self._cond.notify_all()
            self._cond.wait_for(lambda: self._sock is None, timeout)

    def wait_connected(self, timeout: float = 5.0) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self._sock is not None, timeout)

    def wait_disconnected(self, timeout: float = 5.0) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self._sock is None, timeout)

    def close(self, timeout: float = 5.0) -> None:
        with self._cond:
            self._closing = True
            self._inserted = False
            self._shutdown_socket()
            self._cond.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def __enter__(self) -> VpcdCard:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # thread ------------------------------------------------------------------------------------------

    def _shutdown_socket(self) -> None:
        """Wake the loop out of recv(); called with the lock held."""
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)

    def _wanted(self) -> bool:
        return self._inserted and not self._closing

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._inserted or self._closing)
                if self._closing:
                    return
                hold = self._out_since + self.min_out_s - time.monotonic()
                if hold > 0:
                    self._cond.wait_for(lambda: not self._wanted(), hold)
                    continue
            sock = self._connect()
            if sock is None:
                with self._cond:
                    self._cond.wait_for(lambda: not self._wanted(), self.reconnect_interval)
                continue
            with self._cond:
                if not self._wanted():
                    sock.close()
                    continue
                self._sock = sock
                self._cond.notify_all()
            log.info("virtual card inserted on vpcd port %d", self.port)
            try:
                self._serve(sock)
            finally:
                with self._cond:
                    self._sock = None
                    self._out_since = time.monotonic()
                    sock.close()
                    self._cond.notify_all()
                log.info("virtual card out of vpcd port %d", self.port)

    def _connect(self) -> socket.socket | None:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=1.0)
        except OSError:
            return None
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def _serve(self, sock: socket.socket) -> None:
        """Answer vpcd until the connection drops, the card is pulled or the slot is closed."""
        decoder = FrameDecoder()
        while self._wanted():
            try:
                _quick_ack(sock)
                chunk = sock.recv(4096)
            except OSError:
                return
            if not chunk:
                return  # pcscd went away (or remove() shut the socket): reconnect if still inserted
            for payload in decoder.feed(chunk):
                started = time.monotonic()
                message = parse_message(payload)
                try:
                    reply = answer(self.card, message)
                except card_removed_types():
                    log.info("virtual card pulled on vpcd port %d", self.port)
                    with self._cond:
                        self._inserted = False
                    return
                if reply is None:
                    continue
                if isinstance(message, ApduRequest) and not self._account(message.apdu, reply, started):
                    return  # removed while the bytes were "on the air"
                try:
                    sock.sendall(encode_frame(reply))
                except (OSError, VpcdFrameError):
                    log.warning("could not send a %d-byte answer to vpcd port %d", len(reply), self.port)
                    return

    def _account(self, apdu: bytes, reply: bytes, started: float) -> bool:
        """Update stats and hold the answer for the modeled link time; False if removed meanwhile."""
        self.stats.apdus += 1
        self.stats.bytes_to_card += len(apdu)
        self.stats.bytes_from_card += len(reply)
        if self.link is None:
            return True
        modeled = self.link.exchange_time(len(apdu), len(reply))
        self.stats.modeled_link_s += modeled
        # The simulator's own compute time counts as the chip's time: the card answers after the
        # modeled time, not after modeled + Python overhead.
        remaining = modeled - (time.monotonic() - started)
        if remaining > 0:
            with self._cond:
                self._cond.wait_for(lambda: not self._wanted(), remaining)
        return self._wanted()
