"""Drive the sans-IO chip reader (`gateway.nfc.reading.ChipReader`) over a card transport.

The transport is anything that speaks `gateway.transport.CardTransport` and raises its errors: the
PC/SC driver, the simulator's in-process card, a handheld relaying APDUs. All protocol decisions
stay in the engine; this loop only moves bytes, hands the engine's events on, keeps the deadline,
and — when the card is lost — waits for it to come back (up to `wait_for_card_s`, never past the
deadline) before letting the engine continue where it stopped.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from gateway.nfc.reading import ChipReader, ChipReadResult, ReadDeadlineError
from gateway.nfc.reading.events import ReadEvent
from gateway.transport import (
    CardRemovedError,
    CardResetError,
    CardTransport,
    NoCardError,
    ReaderUnavailableError,
    TransmitError,
    TransportError,
)

__all__ = ["drive"]

_LOST = (CardRemovedError, CardResetError, TransmitError, NoCardError)


def drive(
    reader: ChipReader,
    transport: CardTransport,
    *,
    on_event: Callable[[ReadEvent], None] | None = None,
    wait_for_card_s: float = 0.0,
    deadline: float | None = None,
    poll_s: float = 0.1,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> ChipReadResult:
    """Run `reader` to its result. `deadline` is a `monotonic()` instant: past it the read stops with
    ReadDeadlineError. Raises the engine's ChipReadError subclasses (CardLostError when the card did
    not come back in time) or ReaderUnavailableError when the reader itself is gone; anything the
    transport raises that is not a TransportError (a cancelled call) ends the read too."""

    def emit(events: tuple[ReadEvent, ...]) -> None:
        if on_event is not None:
            for event in events:
                on_event(event)

    finished = False
    try:
        out = reader.start()
        while out.command is not None:
            emit(out.events)
            if deadline is not None and monotonic() > deadline:
                raise ReadDeadlineError("the chip read did not finish within its deadline")
            try:
                response = transport.transmit(out.command)
            except _LOST as exc:
                emit(reader.connection_lost(_reason(exc)).events)
                if not _reconnect(transport, exc, wait_for_card_s, deadline, poll_s, sleep, monotonic):
                    raise reader.lost_error() from None
                out = reader.resume()
                continue
            out = reader.feed(response)
        emit(out.events)
        finished = True
    finally:
        if not finished:
            reader.abort()
    assert reader.result is not None
    return reader.result


def _reason(exc: TransportError) -> str:
    if isinstance(exc, CardResetError):
        return "the card was reset"
    if isinstance(exc, TransmitError):
        return "the card stopped answering"
    return "the card was removed"


def _reconnect(
    transport: CardTransport,
    lost: TransportError,
    wait_s: float,
    deadline: float | None,
    poll_s: float,
    sleep: Callable[[float], None],
    monotonic: Callable[[], float],
) -> bool:
    """Get a working connection again. A reset or a silent card is reconnected at once (with a reset
    for a silent one, so it starts from a clean state); a removed card must come back within `wait_s`
    seconds. ReaderUnavailableError (the reader is gone) propagates."""
    give_up = monotonic() + max(0.0, wait_s)
    if deadline is not None:
        give_up = min(give_up, deadline)
    reset = isinstance(lost, TransmitError)
    while True:
        try:
            transport.reconnect(reset=reset)
            return True
        except ReaderUnavailableError:
            raise
        except (NoCardError, CardRemovedError, TransmitError, CardResetError):
            pass
        if monotonic() >= give_up:
            return False
        sleep(poll_s)
