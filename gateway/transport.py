"""The card transport: what carries APDUs to a chip, and how that can fail.

This is the one contract between whatever moves bytes — the PC/SC driver, the simulator's
in-process card, a handheld relaying APDUs over a slow link — and the read-and-verify pipeline
(`gateway.verify.pipeline`). It lives below both: drivers and simulators raise these errors, the
pipeline acts on them (wait for the card to come back, re-establish access after a reset), the
service layer turns them into API errors. Messages name readers and situations, never data.
"""

from __future__ import annotations

from typing import Protocol

__all__ = [
    "CardRemovedError",
    "CardResetError",
    "CardTransport",
    "NoCardError",
    "ReaderBusyError",
    "ReaderUnavailableError",
    "TransmitError",
    "TransportError",
]


class CardTransport(Protocol):
    """A connected card. `transmit` sends one command APDU and returns the whole response (data and
    status word); `reconnect(reset)` gets a working connection again (optionally warm-resetting the
    card); `disconnect` lets go of the reader."""

    @property
    def atr(self) -> bytes: ...

    def transmit(self, apdu: bytes) -> bytes: ...

    def reconnect(self, reset: bool = False) -> None: ...

    def disconnect(self) -> None: ...


class TransportError(Exception):
    """Base of every transport failure; the message is one line for the user."""


class ReaderUnavailableError(TransportError):
    """The reader (or the service behind it, e.g. pcscd) is not there or has vanished."""


class ReaderBusyError(ReaderUnavailableError):
    """Another application holds the reader exclusively; trying again later may work."""


class NoCardError(TransportError):
    """The reader is there but holds no (responsive) card."""


class CardRemovedError(TransportError):
    """The card left the reader while connected; reconnect after it is back."""


class CardResetError(TransportError):
    """Someone reset the card; the connection is fine but any session state on the card is gone."""


class TransmitError(TransportError):
    """The exchange failed for another reason (the card did not answer, a link or protocol error)."""
