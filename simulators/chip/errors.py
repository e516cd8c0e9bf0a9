"""Exceptions a virtual card raises towards its transports.

They live in their own tiny module so the transports (vpcd, in-process) and the card itself can share
them without importing each other; `simulators.chip.card` re-exports `CardRemoved`.
"""

from __future__ import annotations


class CardRemoved(Exception):
    """The card has left the field (a "card pulled mid-read" fault, or an explicit removal).

    A transport that sees it must behave like a reader whose card vanished: drop the connection so the
    host side notices the card is gone, and not answer the APDU that was in flight.
    """
