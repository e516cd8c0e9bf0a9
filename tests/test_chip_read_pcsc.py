"""End to end over the real stack: virtual card -> vpcd socket -> pcscd -> pyscard -> the gateway's
PC/SC driver -> the chip reader. Every shipped profile, and each card fault as a user meets it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gateway.drivers.pcsc import PcscConnection
from gateway.nfc.reading import DEFAULT_FILES, CardLostError, UntrustedSessionError
from simulators.chip.card import VirtualCard
from simulators.chip.profile import list_profiles
from simulators.chip.vpcd import VpcdCard
from simulators.pcscd import PcscdHandle, wait_card_state
from tests import pcsc_fixtures
from tests.chip_read_helpers import (
    can_key,
    document,
    expected_file,
    mrz_key,
    put_back_when_pulled,
    read_chip,
    virtual_card,
)

pcscd = pcsc_fixtures.pcscd  # fixtures (until conftest.py imports them)
vpcd_card = pcsc_fixtures.vpcd_card

pytestmark = pytest.mark.pcsc

PROFILE_PORT = 35963  # the API tests use 35965/35966; the transport tests run before or after, not alongside
FAULT_PORT = 35964
FAULTY = {"quirk-wrong-mac-sod", "quirk-pulled-mid-dg2", *(p for p in list_profiles() if p.startswith("hostile-"))}


class CardChanger:
    """One card slot whose chip can be swapped between reads. Inserting a card costs a pcscd poll
    cycle (~0.4 s) each way; swapping behind an inserted slot reads twenty profiles in seconds. Every
    read starts with a warm reset (`read_chip`), as a newly presented card would."""

    def __init__(self, card: VirtualCard) -> None:
        self.card = card

    @property
    def atr(self) -> bytes:
        return self.card.atr

    def power_on(self) -> bytes:
        return self.card.power_on()

    def power_off(self) -> None:
        self.card.power_off()

    def reset(self) -> bytes:
        return self.card.reset()

    def transmit(self, apdu: bytes) -> bytes:
        return self.card.transmit(apdu)


@pytest.fixture(scope="module")
def changer_slot(pcscd: PcscdHandle) -> Iterator[tuple[CardChanger, VpcdCard, str]]:
    reason = pcscd.why_unavailable(PROFILE_PORT)
    if reason:
        pytest.skip(reason)
    changer = CardChanger(virtual_card("td3-bac"))
    slot = VpcdCard(changer, port=PROFILE_PORT)
    reader = pcscd.reader_name(PROFILE_PORT)
    slot.insert()
    try:
        assert wait_card_state(reader, True, 5.0, atr=changer.atr), f"pcscd did not see the card in {reader!r}"
        yield changer, slot, reader
    finally:
        slot.close()
        wait_card_state(reader, False, 3.0)


def _connect(sim) -> PcscConnection:  # type: ignore[no-untyped-def]
    return PcscConnection(sim.reader).connect()


@pytest.mark.parametrize("name", [p for p in list_profiles() if p not in FAULTY])
def test_every_profile_reads_through_pcscd(changer_slot, name: str) -> None:  # type: ignore[no-untyped-def]
    changer, slot, reader = changer_slot
    changer.card = virtual_card(name)
    before = (slot.stats.apdus, slot.stats.bytes_from_card)
    connection = PcscConnection(reader).connect()
    try:
        result = read_chip(connection, mrz_key(name))
    finally:
        connection.disconnect()
    for file in DEFAULT_FILES:
        assert result.files[file] == expected_file(name, file), file
    _, doc = document(name)
    assert result.access.protocol == ("PACE" if doc.pace else "BAC")
    # Nothing lost or repeated on the way through pcscd and vpcd.
    assert result.stats.apdus == slot.stats.apdus - before[0]
    assert result.stats.bytes_received == slot.stats.bytes_from_card - before[1]


def test_pace_only_card_is_read_by_pace_with_the_can(vpcd_card) -> None:  # type: ignore[no-untyped-def]
    name = "td1-eu-pace"
    card = virtual_card(name)
    sim = vpcd_card(card, port=FAULT_PORT)
    connection = _connect(sim)
    try:
        result = read_chip(connection, can_key(name))
    finally:
        connection.disconnect()
    assert (result.access.protocol, result.access.algorithm, result.access.password) == (
        "PACE", "PACE-ECDH-GM-AES-128", "CAN")
    assert result.files["DG2"] == expected_file(name, "DG2")


def test_le_limits_are_met_by_smaller_blocks(vpcd_card) -> None:  # type: ignore[no-untyped-def]
    name = "quirk-slow-card"  # max Le 224, no extended length, no SFI
    sim = vpcd_card(virtual_card(name), port=FAULT_PORT)
    connection = _connect(sim)
    try:
        result = read_chip(connection, mrz_key(name))
    finally:
        connection.disconnect()
    assert result.files["DG2"] == expected_file(name, "DG2")
    assert (result.stats.block_size, result.stats.extended_length, result.stats.sfi) == (224, False, False)


def test_card_pulled_mid_read_then_retried(vpcd_card) -> None:  # type: ignore[no-untyped-def]
    name = "quirk-pulled-mid-dg2"
    sim = vpcd_card(virtual_card(name), port=FAULT_PORT)
    connection = _connect(sim)
    try:
        with pytest.raises(CardLostError) as info:
            read_chip(connection, mrz_key(name))
        assert info.value.file == "DG2" and "removed" in str(info.value)
        sim.insert()  # the officer puts the card back and presses "read" again
        result = read_chip(connection, mrz_key(name))
    finally:
        connection.disconnect()
    assert result.files["DG2"] == expected_file(name, "DG2")


def test_card_put_back_during_the_read_resumes(vpcd_card) -> None:  # type: ignore[no-untyped-def]
    name = "quirk-pulled-mid-dg2"
    sim = vpcd_card(virtual_card(name, no_extended_length=True), port=FAULT_PORT)
    events: list = []
    put_back_when_pulled(lambda: not sim.slot.connected, sim.slot.insert)
    connection = _connect(sim)
    try:
        result = read_chip(connection, mrz_key(name), on_event=events.append, wait_for_card_s=5.0)
    finally:
        connection.disconnect()
    assert result.files["DG2"] == expected_file(name, "DG2")
    lost = [e for e in events if e.kind == "card_lost"]
    assert len(lost) == 1 and lost[0].file == "DG2" and lost[0].offset > 7000
    assert result.stats.recoveries == 1
    assert result.stats.bytes_received < 1.25 * len(expected_file(name, "DG2"))  # resumed, not restarted


def test_wrong_mac_means_the_session_is_not_trusted(vpcd_card) -> None:  # type: ignore[no-untyped-def]
    name = "quirk-wrong-mac-sod"
    sim = vpcd_card(virtual_card(name), port=FAULT_PORT)
    connection = _connect(sim)
    try:
        with pytest.raises(UntrustedSessionError, match="MAC"):
            read_chip(connection, mrz_key(name))
    finally:
        connection.disconnect()
