"""pytest fixtures for the real PC/SC stack (pcscd + vpcd + pyscard).

Import them from conftest.py:  `from tests.pcsc_fixtures import pcscd, vpcd_card  # noqa: F401`

* `pcscd` (session): uses a running pcscd or starts `pcscd -f -c simulators/chip/reader.conf`, and
  stops it at the end only if it started it (set GATEWAY_PCSCD_KEEP=1 to leave it running). Skips when
  pcscd is not installed; fails when it is installed but cannot be started (a broken CI machine must
  not pass silently).
* `vpcd_card` (function): a factory `vpcd_card(card, port=35963, link=None)` that puts a card object
  (anything with atr/power_on/power_off/reset/transmit) into a vpcd slot, waits until pcscd reports it
  with the card's ATR, and removes it after the test. Skips a test whose port the running pcscd lacks.
"""

from __future__ import annotations

import atexit
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from simulators.chip.link import LinkModel
from simulators.chip.vpcd import CardLike, VpcdCard
from simulators.pcscd import PcscdError, PcscdHandle, ensure_pcscd, wait_card_state

__all__ = ["EchoCard", "SimulatedCard", "pcscd", "vpcd_card"]


def _with_tck(atr_without_tck: bytes) -> bytes:
    """Append the ATR check byte (XOR of T0..last historical byte), required when T=1 is indicated."""
    tck = 0
    for byte in atr_without_tck[1:]:
        tck ^= byte
    return atr_without_tck + bytes([tck])


class EchoCard:
    """A tiny stand-in card for transport tests (no eMRTD logic).

    Answers SELECT with 9000, READ BINARY with `Le` bytes of a pattern derived from the offset, the
    proprietary ECHO (CLA 80, INS 01) with its data, anything else with 6D00. `pull_on_transmit` makes
    the next transmit raise `CardRemoved`, like a card pulled mid-read.
    """

    # PC/SC part 3 contactless ATR: 3B 8n 80 01 <historical bytes> TCK (T=1 indicated).
    ATR = _with_tck(bytes.fromhex("3B88800147415445574159"))  # historical bytes "GATEWAY"

    def __init__(self, atr: bytes | None = None) -> None:
        self._atr = atr if atr is not None else self.ATR
        self.powered = False
        self.power_ons = 0
        self.resets = 0
        self.apdus: list[bytes] = []
        self.pull_on_transmit = False

    @property
    def atr(self) -> bytes:
        return self._atr

    def power_on(self) -> bytes:
        self.powered = True
        self.power_ons += 1
        return self._atr

    def power_off(self) -> None:
        self.powered = False

    def reset(self) -> bytes:
        self.resets += 1
        self.powered = True
        return self._atr

    def transmit(self, apdu: bytes) -> bytes:
        from simulators.chip.errors import CardRemoved

        if self.pull_on_transmit:
            self.pull_on_transmit = False
            raise CardRemoved
        self.apdus.append(apdu)
        if len(apdu) < 4:
            return b"\x67\x00"
        cla, ins, p1, p2 = apdu[:4]
        if ins == 0xA4:
            return b"\x90\x00"
        if ins == 0xB0 and len(apdu) == 5:
            offset = (p1 << 8) | p2
            length = apdu[4] or 256
            return bytes((offset + i) & 0xFF for i in range(length)) + b"\x90\x00"
        if cla == 0x80 and ins == 0x01:
            data = apdu[5 : 5 + apdu[4]] if len(apdu) > 4 else b""
            return data + b"\x90\x00"
        return b"\x6d\x00"


@pytest.fixture(scope="session")
def pcscd() -> Iterator[PcscdHandle]:
    try:
        handle = ensure_pcscd()
    except PcscdError as exc:
        if "not installed" in str(exc):
            pytest.skip(str(exc))
        pytest.fail(f"PC/SC stack unavailable: {exc}", pytrace=False)
    yield handle
    if os.environ.get("GATEWAY_PCSCD_KEEP"):
        atexit.unregister(handle.stop)
    else:
        handle.stop()


@dataclass
class SimulatedCard:
    """A card in a vpcd slot, with the reader name pyscard shows for it."""

    slot: VpcdCard
    reader: str
    port: int

    @property
    def card(self) -> CardLike:
        return self.slot.card

    def insert(self, timeout: float = 5.0) -> None:
        """Insert and wait until pcscd sees this card (by its ATR)."""
        self.slot.insert()
        if not wait_card_state(self.reader, True, timeout, atr=bytes(self.slot.card.atr)):
            raise AssertionError(
                f"pcscd did not report the card in {self.reader!r} (port {self.port} busy with another card?)"
            )

    def remove(self, timeout: float = 5.0) -> None:
        """Pull the card and wait until pcscd reports the reader empty."""
        self.slot.remove()
        if not wait_card_state(self.reader, False, timeout):
            raise AssertionError(f"pcscd still reports a card in {self.reader!r}")


@pytest.fixture
def vpcd_card(pcscd: PcscdHandle) -> Iterator[Callable[..., SimulatedCard]]:
    started: list[SimulatedCard] = []

    def start(
        card: CardLike, port: int = 35963, link: LinkModel | None = None, insert: bool = True
    ) -> SimulatedCard:
        reason = pcscd.why_unavailable(port)
        if reason:
            pytest.skip(reason)
        simulated = SimulatedCard(VpcdCard(card, port=port, link=link), pcscd.reader_name(port), port)
        started.append(simulated)
        if insert:
            simulated.insert()
        return simulated

    yield start
    for simulated in started:
        simulated.slot.close()
    for simulated in started:  # the next test must find the readers empty
        wait_card_state(simulated.reader, False, 3.0)
