"""PC/SC driver: the gateway's thin adapter over pyscard (pcsc-lite on Linux).

It lists readers, watches card insertion/removal, connects, moves APDU bytes and turns PC/SC result
codes into a few typed errors the chip reader can act on (retry after reinsertion, re-establish the
session after a reset, tell the user the reader is gone). There is no protocol logic here: no 61xx/6Cxx
handling, no secure messaging - the sans-IO code in `gateway.nfc` does that above a `CardTransport`.

It uses pyscard's low-level `smartcard.scard` module rather than its object layer because the watcher
needs SCardGetStatusChange with a timeout and SCardCancel (so it can be stopped from another thread),
and because error classification needs the raw result codes.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from enum import Enum
from typing import Any

from smartcard import scard

from gateway.transport import (
    CardRemovedError,
    CardResetError,
    CardTransport,
    NoCardError,
    ReaderBusyError,
    ReaderUnavailableError,
    TransmitError,
    TransportError,
)

__all__ = [
    "CardRemovedError",
    "CardResetError",
    "CardTransport",
    "NoCardError",
    "PcscConnection",
    "ReaderEvent",
    "ReaderEventKind",
    "ReaderUnavailableError",
    "ReaderWatcher",
    "TransmitError",
    "TransportError",
    "card_present",
    "connect",
    "first_reader_with_card",
    "list_readers",
]

PNP_NOTIFICATION = "\\\\?PnP?\\Notification"
#: After a failed transmit, how long to watch the reader for the card-absent event before calling the
#: failure a plain communication error. pcscd polls vpcd/serial readers every 400 ms.
REMOVAL_GRACE_S = 1.0


# --- errors -------------------------------------------------------------------------------------------


def _message(hresult: int) -> str:
    try:
        return str(scard.SCardGetErrorMessage(hresult)).strip().rstrip(".")
    except Exception:  # pyscard may not know every code
        return f"PC/SC error 0x{hresult & 0xFFFFFFFF:08X}"


_SERVICE_GONE = {
    scard.SCARD_E_NO_SERVICE,
    scard.SCARD_E_SERVICE_STOPPED,
    scard.SCARD_E_INVALID_HANDLE,
}
_READER_GONE = {
    scard.SCARD_E_UNKNOWN_READER,
    scard.SCARD_E_READER_UNAVAILABLE,
    scard.SCARD_E_NO_READERS_AVAILABLE,
}
_NO_CARD = {
    scard.SCARD_E_NO_SMARTCARD,
    scard.SCARD_W_REMOVED_CARD,
    scard.SCARD_W_UNRESPONSIVE_CARD,
    scard.SCARD_W_UNPOWERED_CARD,
    scard.SCARD_W_UNSUPPORTED_CARD,
}
_COMM_FAILED = {scard.SCARD_E_NOT_TRANSACTED, scard.SCARD_F_COMM_ERROR, scard.SCARD_E_PROTO_MISMATCH}


def _service_error(hresult: int, action: str) -> ReaderUnavailableError:
    if hresult == scard.SCARD_E_INVALID_HANDLE:
        return ReaderUnavailableError(
            f"{action}: connection to the PC/SC service was lost (pcscd restarted?)"
        )
    return ReaderUnavailableError(f"{action}: PC/SC service (pcscd) is not running ({_message(hresult)})")


# --- context ------------------------------------------------------------------------------------------


class _Context:
    """One SCard context; pcsc-lite contexts are cheap, so each user owns one."""

    def __init__(self) -> None:
        hresult, handle = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if hresult != scard.SCARD_S_SUCCESS:
            raise _service_error(hresult, "cannot open PC/SC")
        self.handle: Any = handle

    def valid(self) -> bool:
        return scard.SCardIsValidContext(self.handle) == scard.SCARD_S_SUCCESS

    def readers(self) -> list[str]:
        hresult, readers = scard.SCardListReaders(self.handle, [])
        if hresult == scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        if hresult in _SERVICE_GONE:
            raise _service_error(hresult, "cannot list readers")
        if hresult != scard.SCARD_S_SUCCESS:
            raise ReaderUnavailableError(f"cannot list readers: {_message(hresult)}")
        return list(readers)

    def states(
        self, readers: list[tuple[str, int]], timeout_ms: int
    ) -> tuple[int, list[tuple[str, int, bytes]]]:
        hresult, states = scard.SCardGetStatusChange(self.handle, timeout_ms, readers)
        if hresult != scard.SCARD_S_SUCCESS:
            return hresult, []
        return hresult, [(name, state, bytes(atr)) for name, state, atr in states]

    def release(self) -> None:
        scard.SCardReleaseContext(self.handle)

    def __enter__(self) -> _Context:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


def _present(state: int) -> bool:
    return bool(state & scard.SCARD_STATE_PRESENT)


def list_readers() -> list[str]:
    """Names of the readers pcscd knows now; [] when there are none."""
    with _Context() as ctx:
        return ctx.readers()


def card_present(reader: str) -> bool:
    """Whether `reader` holds a card right now."""
    with _Context() as ctx:
        hresult, states = ctx.states([(reader, scard.SCARD_STATE_UNAWARE)], 0)
        if hresult in _SERVICE_GONE:
            raise _service_error(hresult, f"cannot query reader {reader!r}")
        if hresult != scard.SCARD_S_SUCCESS or states[0][1] & scard.SCARD_STATE_UNKNOWN:
            raise ReaderUnavailableError(f"reader {reader!r} is not available")
        return _present(states[0][1])


def first_reader_with_card() -> str | None:
    """The first reader (in pcscd's order) that holds a card, or None."""
    with _Context() as ctx:
        readers = ctx.readers()
        if not readers:
            return None
        hresult, states = ctx.states([(r, scard.SCARD_STATE_UNAWARE) for r in readers], 0)
        if hresult != scard.SCARD_S_SUCCESS:
            return None
        return next((name for name, state, _ in states if _present(state)), None)


# --- watching -----------------------------------------------------------------------------------------


class ReaderEventKind(Enum):
    READER_ADDED = "reader_added"
    READER_REMOVED = "reader_removed"
    CARD_INSERTED = "card_inserted"
    CARD_REMOVED = "card_removed"


@dataclass(frozen=True)
class ReaderEvent:
    kind: ReaderEventKind
    reader: str
    atr: bytes = b""


class ReaderWatcher:
    """Reports readers appearing/vanishing and cards being inserted/removed.

    `next_event(timeout)` blocks up to `timeout` seconds (None: until an event or `stop()`); iterating
    yields events until `stop()` is called from any thread. With `initial_events=True` the cards
    already present when the watcher starts are reported as CARD_INSERTED first.
    """

    def __init__(self, initial_events: bool = False, max_wait_s: float = 1.0) -> None:
        self._ctx = _Context()
        self._max_wait_ms = max(1, int(max_wait_s * 1000))
        self._pending: deque[ReaderEvent] = deque()
        self._stopped = threading.Event()
        self._states: dict[str, int] = {}
        self._pnp_state = scard.SCARD_STATE_UNAWARE
        self._present: dict[str, bool] = {}
        for reader in self._ctx.readers():
            self._states[reader] = scard.SCARD_STATE_UNAWARE
            self._present[reader] = False
        self._poll(0)  # learn the current states
        if not initial_events:
            self._pending.clear()

    def present(self) -> dict[str, bool]:
        """Reader -> card present, as of the last event processed."""
        return dict(self._present)

    def stop(self) -> None:
        """Make a blocked `next_event` return None; safe from another thread."""
        self._stopped.set()
        scard.SCardCancel(self._ctx.handle)

    def close(self) -> None:
        self.stop()
        self._ctx.release()

    def __enter__(self) -> ReaderWatcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __iter__(self) -> ReaderWatcher:
        return self

    def __next__(self) -> ReaderEvent:
        event = self.next_event(None)
        if event is None:
            raise StopIteration
        return event

    def next_event(self, timeout: float | None = None) -> ReaderEvent | None:
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._pending:
            if self._stopped.is_set():
                return None
            wait_ms = self._max_wait_ms
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                wait_ms = max(1, min(wait_ms, int(remaining * 1000)))
            self._poll(wait_ms)
        return self._pending.popleft()

    def _poll(self, timeout_ms: int) -> None:
        query = [(name, state) for name, state in self._states.items()]
        query.append((PNP_NOTIFICATION, self._pnp_state))
        hresult, states = self._ctx.states(query, timeout_ms)
        if hresult in (scard.SCARD_E_TIMEOUT, scard.SCARD_E_CANCELLED):
            return
        if hresult == scard.SCARD_E_UNKNOWN_READER:
            self._resync_readers()
            return
        if hresult in _SERVICE_GONE:
            raise _service_error(hresult, "reader watch stopped")
        if hresult != scard.SCARD_S_SUCCESS:
            raise ReaderUnavailableError(f"reader watch failed: {_message(hresult)}")
        readers_changed = False
        for name, state, atr in states:
            current = state & ~scard.SCARD_STATE_CHANGED
            if name == PNP_NOTIFICATION:
                readers_changed = readers_changed or bool(state & scard.SCARD_STATE_CHANGED)
                self._pnp_state = current
                continue
            if state & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE):
                readers_changed = True
                continue
            self._states[name] = current
            present = _present(state)
            if present != self._present.get(name, False):
                kind = ReaderEventKind.CARD_INSERTED if present else ReaderEventKind.CARD_REMOVED
                self._pending.append(ReaderEvent(kind, name, atr if present else b""))
            self._present[name] = present
        if readers_changed:
            self._resync_readers()

    def _resync_readers(self) -> None:
        now = set(self._ctx.readers())
        for gone in [r for r in self._states if r not in now]:
            if self._present.pop(gone, False):
                self._pending.append(ReaderEvent(ReaderEventKind.CARD_REMOVED, gone))
            del self._states[gone]
            self._pending.append(ReaderEvent(ReaderEventKind.READER_REMOVED, gone))
        for new in sorted(now - set(self._states)):
            self._states[new] = scard.SCARD_STATE_UNAWARE
            self._present[new] = False
            self._pending.append(ReaderEvent(ReaderEventKind.READER_ADDED, new))


# --- connection ---------------------------------------------------------------------------------------


_PROTOCOLS = {
    "T0": scard.SCARD_PROTOCOL_T0,
    "T1": scard.SCARD_PROTOCOL_T1,
    "any": scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
}
_PCI = {scard.SCARD_PROTOCOL_T0: scard.SCARD_PCI_T0, scard.SCARD_PROTOCOL_T1: scard.SCARD_PCI_T1}


class PcscConnection:
    """A connection to the card in one reader.

    `protocol` is "T1", "T0" or "any" (pcscd picks from the ATR; contactless readers report T=1).
    Shared mode by default so `pcsc_scan` and friends keep working alongside.
    """

    def __init__(self, reader: str, protocol: str = "any", exclusive: bool = False) -> None:
        if protocol not in _PROTOCOLS:
            raise ValueError(f"protocol must be one of {sorted(_PROTOCOLS)}, not {protocol!r}")
        self.reader = reader
        self._wanted_protocols = _PROTOCOLS[protocol]
        self._share = scard.SCARD_SHARE_EXCLUSIVE if exclusive else scard.SCARD_SHARE_SHARED
        self._ctx: _Context | None = None
        self._card: Any = None
        self._active_protocol = 0
        self._atr = b""

    # state -------------------------------------------------------------------------------------------

    @property
    def atr(self) -> bytes:
        return self._atr

    @property
    def protocol(self) -> str:
        """ "T=0" or "T=1" while connected, "" otherwise."""
        return {scard.SCARD_PROTOCOL_T0: "T=0", scard.SCARD_PROTOCOL_T1: "T=1"}.get(self._active_protocol, "")

    @property
    def connected(self) -> bool:
        return self._card is not None

    # lifecycle ---------------------------------------------------------------------------------------

    def connect(self) -> PcscConnection:
        if self._card is not None:
            return self
        if self._ctx is None or not self._ctx.valid():
            if self._ctx is not None:
                self._ctx.release()  # stale after a pcscd restart
            self._ctx = _Context()
        hresult, card, protocol = scard.SCardConnect(
            self._ctx.handle, self.reader, self._share, self._wanted_protocols
        )
        if hresult != scard.SCARD_S_SUCCESS:
            raise self._connect_error(hresult)
        self._card, self._active_protocol = card, protocol
        self._read_atr()
        return self

    def reconnect(self, reset: bool = False) -> None:
        """Get a working connection again: after a reset, a removal and reinsertion, a pcscd restart.

        `reset=True` also resets the card (warm reset), which drops every session on it.
        Raises NoCardError if the reader is still empty, ReaderUnavailableError if it is gone.
        """
        disposition = scard.SCARD_RESET_CARD if reset else scard.SCARD_LEAVE_CARD
        if self._card is not None and self._ctx is not None and self._ctx.valid():
            hresult, protocol = scard.SCardReconnect(
                self._card, self._share, self._wanted_protocols, disposition
            )
            if hresult == scard.SCARD_S_SUCCESS:
                self._active_protocol = protocol
                self._read_atr()
                return
        self._drop_card()
        self.connect()
        if reset:
            hresult, protocol = scard.SCardReconnect(
                self._card, self._share, self._wanted_protocols, scard.SCARD_RESET_CARD
            )
            if hresult != scard.SCARD_S_SUCCESS:
                raise self._connect_error(hresult)
            self._active_protocol = protocol
            self._read_atr()

    def disconnect(self) -> None:
        """Leave the card as it is and release the PC/SC context; never raises."""
        self._drop_card()
        if self._ctx is not None:
            self._ctx.release()
            self._ctx = None

    close = disconnect

    def __enter__(self) -> PcscConnection:
        return self.connect()

    def __exit__(self, *exc_info: object) -> None:
        self.disconnect()

    # I/O ---------------------------------------------------------------------------------------------

    def transmit(self, apdu: bytes) -> bytes:
        """Send a command APDU, return the whole response APDU (data + SW1 SW2)."""
        if self._card is None:
            raise NoCardError(f"not connected to a card in reader {self.reader!r}")
        hresult, response = scard.SCardTransmit(self._card, _PCI[self._active_protocol], list(apdu))
        if hresult == scard.SCARD_S_SUCCESS and len(response) >= 2:
            return bytes(response)
        if hresult == scard.SCARD_S_SUCCESS:
            # No status word at all: vpcd (and some other drivers) report a connection lost in the
            # middle of an exchange as an empty "successful" response.
            hresult = scard.SCARD_E_NOT_TRANSACTED
        raise self._transmit_error(hresult)

    # helpers -----------------------------------------------------------------------------------------

    def _read_atr(self) -> None:
        hresult, _reader, _state, _protocol, atr = scard.SCardStatus(self._card)
        self._atr = bytes(atr) if hresult == scard.SCARD_S_SUCCESS else b""

    def _drop_card(self) -> None:
        if self._card is not None:
            scard.SCardDisconnect(self._card, scard.SCARD_LEAVE_CARD)
            self._card = None
            self._active_protocol = 0
            self._atr = b""

    def _connect_error(self, hresult: int) -> TransportError:
        where = f"reader {self.reader!r}"
        if hresult in _SERVICE_GONE:
            return _service_error(hresult, f"cannot connect to {where}")
        if hresult in _READER_GONE:
            return ReaderUnavailableError(f"{where} is not available")
        if hresult in (scard.SCARD_E_NO_SMARTCARD, scard.SCARD_W_REMOVED_CARD):
            return NoCardError(f"no card in {where}")
        if hresult in _NO_CARD:
            return NoCardError(f"the card in {where} does not respond ({_message(hresult)})")
        if hresult == scard.SCARD_E_SHARING_VIOLATION:
            return ReaderBusyError(f"{where} is in exclusive use by another application")
        return TransmitError(f"cannot connect to the card in {where}: {_message(hresult)}")

    def _transmit_error(self, hresult: int) -> TransportError:
        where = f"reader {self.reader!r}"
        if hresult == scard.SCARD_W_RESET_CARD:
            return CardResetError(f"the card in {where} was reset; reconnect and start a new session")
        if hresult == scard.SCARD_W_REMOVED_CARD or (hresult in _COMM_FAILED and self._card_left()):
            self._drop_card()
            return CardRemovedError(f"the card was removed from {where}")
        if hresult in _SERVICE_GONE:
            self._drop_card()
            return _service_error(hresult, f"transmit to {where} failed")
        if hresult in _READER_GONE:
            self._drop_card()
            return ReaderUnavailableError(f"{where} vanished")
        if hresult == scard.SCARD_E_NOT_TRANSACTED:
            return TransmitError(f"the card in {where} did not answer")
        return TransmitError(f"the card in {where} did not answer: {_message(hresult)}")

    def _card_left(self) -> bool:
        """After a communication failure: did the card leave? pcscd notices on its next poll."""
        try:
            with _Context() as ctx:
                hresult, states = ctx.states([(self.reader, scard.SCARD_STATE_UNAWARE)], 0)
                deadline = time.monotonic() + REMOVAL_GRACE_S
                while hresult == scard.SCARD_S_SUCCESS:
                    state = states[0][1]
                    if not _present(state) or state & scard.SCARD_STATE_UNKNOWN:
                        return True
                    remaining_ms = int((deadline - time.monotonic()) * 1000)
                    if remaining_ms <= 0:
                        return False
                    hresult, states = ctx.states(
                        [(self.reader, state & ~scard.SCARD_STATE_CHANGED)], remaining_ms
                    )
                return hresult != scard.SCARD_E_TIMEOUT
        except TransportError:
            return False


def connect(reader: str | None = None, protocol: str = "any") -> PcscConnection:
    """Connect to the card in `reader`, or in the first reader holding one."""
    if reader is None:
        reader = first_reader_with_card()
        if reader is None:
            readers = list_readers()
            if not readers:
                raise ReaderUnavailableError("no PC/SC reader found")
            raise NoCardError(f"no card in any of the {len(readers)} reader(s)")
    return PcscConnection(reader, protocol).connect()
