"""Drive the sans-IO chip reader (`gateway.nfc.reader.ChipReader`) over a card transport.

The transport is anything with `transmit(bytes) -> bytes` and `reconnect(reset=False)` that raises
the PC/SC driver's typed errors: the PC/SC connection itself, or the simulator's in-process
transport in unit tests. All protocol decisions stay in the engine; this loop only moves bytes and,
when the card is lost, tries to get it back (waiting up to `wait_for_card_s` for it to be put back)
before letting the engine continue where it stopped.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Protocol

from gateway.nfc.access_key import AccessKey
from gateway.nfc.read_events import EventCallback
from gateway.nfc.reader import ChipReader, ChipReadResult, ReadOptions
from gateway.transport import (
    CardRemovedError,
    CardResetError,
    NoCardError,
    ReaderUnavailableError,
    TransmitError,
    TransportError,
)

__all__ = ["ReconnectableTransport", "read_chip", "run_reader"]


class ReconnectableTransport(Protocol):
    def transmit(self, apdu: bytes) -> bytes: ...

    def reconnect(self, reset: bool = False) -> None: ...


_LOST = (CardRemovedError, CardResetError, TransmitError, NoCardError)


def run_reader(
    reader: ChipReader,
    transport: ReconnectableTransport,
    *,
    wait_for_card_s: float = 0.0,
    poll_s: float = 0.1,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> ChipReadResult:
    """Run `reader` to the end. Raises the engine's ChipReadError subclasses (CardLostError when the
    card does not come back in time), or ReaderUnavailableError when the reader itself is gone."""
    command = reader.start()
    while command is not None:
        try:
            response = transport.transmit(command)
        except _LOST as exc:
            give_up = reader.connection_lost(_reason(exc))
            if not _reconnect(transport, exc, wait_for_card_s, poll_s, sleep, monotonic):
                reader.abort()
                raise give_up from None
            command = reader.resume()
            continue
        except ReaderUnavailableError:
            reader.abort()
            raise
        command = reader.feed(response)
    assert reader.result is not None
    return reader.result


def read_chip(
    transport: ReconnectableTransport,
    key: AccessKey,
    options: ReadOptions | None = None,
    *,
    on_event: EventCallback | None = None,
    wait_for_card_s: float = 0.0,
    reset_first: bool = True,
) -> ChipReadResult:
    """One complete read: EF.CardAccess, PACE or BAC, the requested files.

    `reset_first` warm-resets the card before the read: another application (or an earlier read)
    may have left an application selected or a secure-messaging session open, and a chip in an
    unknown state answers the unprotected EF.CardAccess read wrongly."""
    if reset_first:
        with contextlib.suppress(CardResetError):
            transport.reconnect(reset=True)
    return run_reader(ChipReader(key, options, on_event=on_event), transport, wait_for_card_s=wait_for_card_s)


def _reason(exc: TransportError) -> str:
    if isinstance(exc, CardResetError):
        return "the card was reset"
    if isinstance(exc, TransmitError):
        return "the card stopped answering"
    return "the card was removed"


def _reconnect(
    transport: ReconnectableTransport,
    lost: TransportError,
    wait_s: float,
    poll_s: float,
    sleep: Callable[[float], None],
    monotonic: Callable[[], float],
) -> bool:
    """Get a working connection again. A reset or a silent card is reconnected at once (with a
    reset for a silent one, so it starts from a clean state); a removed card must come back within
    `wait_s` seconds."""
    deadline = monotonic() + max(0.0, wait_s)
    reset = isinstance(lost, TransmitError)
    while True:
        try:
            transport.reconnect(reset=reset)
            return True
        except NoCardError:
            pass
        except (CardRemovedError, TransmitError, CardResetError):
            pass
        if monotonic() >= deadline:
            return False
        sleep(poll_s)
