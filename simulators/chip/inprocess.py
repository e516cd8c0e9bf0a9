"""An in-process transport: the virtual card called directly, for fast unit tests without pcscd.

It offers the same surface as the gateway's PC/SC connection (`atr`, `transmit`, `reconnect`,
`disconnect`) and raises the same typed errors (`gateway.drivers.pcsc.CardRemovedError`,
`NoCardError`), so the chip reader code can be tested against it unchanged. Only the driver's
exception classes are shared - no protocol code. A `LinkModel` can add realistic time, either slept
(`sleep=True`) or only accumulated in `stats.modeled_link_s` for benchmarks that want pure numbers.
"""

from __future__ import annotations

import time

from gateway.transport import CardRemovedError, NoCardError
from simulators.chip.link import LinkModel
from simulators.chip.vpcd import CardLike, LinkStats, card_removed_types

__all__ = ["InProcessTransport"]


class InProcessTransport:
    """A card that is "in the reader" of this object; `remove()`/`insert()` simulate handling it."""

    reader = "in-process"

    def __init__(self, card: CardLike, link: LinkModel | None = None, sleep: bool = True) -> None:
        self.card = card
        self.link = link
        self.sleep = sleep
        self.stats = LinkStats()
        self._inserted = True
        self._connected = False
        self._atr = b""

    @property
    def atr(self) -> bytes:
        return self._atr

    @property
    def connected(self) -> bool:
        return self._connected

    def connect(self) -> InProcessTransport:
        if not self._inserted:
            raise NoCardError("no card in the in-process reader")
        if not self._connected:
            self._atr = bytes(self.card.power_on())
            self._connected = True
        return self

    def reconnect(self, reset: bool = False) -> None:
        if not self._inserted:
            raise NoCardError("no card in the in-process reader")
        if self._connected and reset:
            self._atr = bytes(self.card.reset())
        elif not self._connected:
            self.connect()

    def disconnect(self) -> None:
        if self._connected and self._inserted:
            self.card.power_off()
        self._connected = False

    close = disconnect

    def remove(self) -> None:
        """Pull the card: the open connection is lost, like on a real reader."""
        self._inserted = False
        self._connected = False

    def insert(self) -> None:
        self._inserted = True

    def transmit(self, apdu: bytes) -> bytes:
        if not self._connected:
            raise NoCardError("not connected to a card in the in-process reader")
        started = time.monotonic()
        try:
            response = bytes(self.card.transmit(bytes(apdu)))
        except card_removed_types():
            self.remove()
            raise CardRemovedError("the card was removed from the in-process reader") from None
        self.stats.apdus += 1
        self.stats.bytes_to_card += len(apdu)
        self.stats.bytes_from_card += len(response)
        if self.link is not None:
            modeled = self.link.exchange_time(len(apdu), len(response))
            self.stats.modeled_link_s += modeled
            remaining = modeled - (time.monotonic() - started)
            if self.sleep and remaining > 0:
                time.sleep(remaining)
        return response

    def __enter__(self) -> InProcessTransport:
        return self.connect()

    def __exit__(self, *exc_info: object) -> None:
        self.disconnect()
