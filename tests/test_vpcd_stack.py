"""The virtual card through the real stack: vpcd socket -> pcscd -> pyscard (and pcsc_scan)."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest
from smartcard.System import readers as pyscard_readers

from simulators.chip.link import LinkModel
from simulators.pcscd import VPCD_PORTS, PcscdHandle
from tests import pcsc_fixtures
from tests.pcsc_fixtures import EchoCard

pcscd = pcsc_fixtures.pcscd  # fixtures (until conftest.py imports them)
vpcd_card = pcsc_fixtures.vpcd_card

pytestmark = pytest.mark.pcsc

EXPECTED_NAMES = {
    35963: "Virtual PCD 00 00",
    35964: "Virtual PCD 00 01",
    35965: "Virtual PCD 2 00 00",
    35966: "Virtual PCD 2 00 01",
}


def _pyscard_connection(reader_name: str):  # type: ignore[no-untyped-def]
    reader = next(r for r in pyscard_readers() if str(r) == reader_name)
    connection = reader.createConnection()
    connection.connect()
    return connection


def test_readers_appear_in_pyscard_with_the_expected_names(pcscd: PcscdHandle) -> None:
    listed = {str(r) for r in pyscard_readers()}
    available = pcscd.available_ports()
    assert available, "the pcscd in use offers none of our vpcd ports"
    assert {35963, 35964} <= set(available)  # even the stock Debian vpcd config offers these
    for port in available:
        assert pcscd.reader_name(port) == EXPECTED_NAMES[port]
        assert EXPECTED_NAMES[port] in listed
    if pcscd.started:  # our own pcscd runs our reader.conf: all four
        assert available == VPCD_PORTS


def test_pyscard_sees_the_atr_and_the_card_is_powered(vpcd_card) -> None:  # type: ignore[no-untyped-def]
    card = EchoCard()
    sim = vpcd_card(card, port=35963)
    connection = _pyscard_connection(sim.reader)
    try:
        assert bytes(connection.getATR()) == EchoCard.ATR
        assert card.power_ons >= 1 and card.powered
    finally:
        connection.release()


def test_apdu_round_trip_through_pyscard(vpcd_card) -> None:  # type: ignore[no-untyped-def]
    card = EchoCard()
    sim = vpcd_card(card, port=35964)
    connection = _pyscard_connection(sim.reader)
    try:
        select = list(bytes.fromhex("00A4040C07A0000002471001"))
        assert connection.transmit(select) == ([], 0x90, 0x00)
        payload = bytes(range(200))
        data, sw1, sw2 = connection.transmit(list(bytes([0x80, 0x01, 0, 0, len(payload)]) + payload))
        assert bytes(data) == payload and (sw1, sw2) == (0x90, 0x00)
        data, sw1, sw2 = connection.transmit([0x00, 0xB0, 0x01, 0x00, 0x00])  # Le 00 = 256 bytes
        assert len(data) == 256 and data[:2] == [0x00, 0x01] and (sw1, sw2) == (0x90, 0x00)
        assert card.apdus[-1] == bytes.fromhex("00B0010000")
    finally:
        connection.release()


def test_removal_and_reinsertion_are_seen_by_pcscd(vpcd_card) -> None:  # type: ignore[no-untyped-def]
    sim = vpcd_card(EchoCard(), port=35963)
    sim.remove()  # waits for pcscd to report the reader empty (raises otherwise)
    sim.insert()  # waits for pcscd to report this card's ATR again
    connection = _pyscard_connection(sim.reader)
    try:
        assert connection.transmit([0x00, 0xA4, 0x04, 0x00, 0x00]) == ([], 0x90, 0x00)
    finally:
        connection.release()


def test_several_readers_at_once_each_reach_their_own_card(
    pcscd: PcscdHandle,
    vpcd_card,  # type: ignore[no-untyped-def]
) -> None:
    ports = pcscd.available_ports()
    assert len(ports) >= 2
    cards = {port: EchoCard(atr=EchoCard.ATR[:-2] + bytes([port & 0xFF, 0])) for port in ports}
    sims = {port: vpcd_card(card, port=port) for port, card in cards.items()}
    connections = {port: _pyscard_connection(sim.reader) for port, sim in sims.items()}
    try:
        for port, connection in connections.items():
            assert bytes(connection.getATR()) == cards[port].atr
            tag = port.to_bytes(2, "big")
            assert connection.transmit([0x80, 0x01, 0x00, 0x00, 0x02, *tag]) == (list(tag), 0x90, 0x00)
        for port, card in cards.items():
            assert card.apdus == [bytes([0x80, 0x01, 0x00, 0x00, 0x02]) + port.to_bytes(2, "big")]
    finally:
        for connection in connections.values():
            connection.release()


def test_link_model_time_is_what_the_host_measures(vpcd_card) -> None:  # type: ignore[no-untyped-def]
    model = LinkModel(kbit_s=106)
    sim = vpcd_card(EchoCard(), port=35964, link=model)
    connection = _pyscard_connection(sim.reader)
    try:
        rounds = 12
        started = time.monotonic()
        for i in range(rounds):
            data, sw1, _ = connection.transmit([0x00, 0xB0, i, 0x00, 0x00])
            assert len(data) == 256 and sw1 == 0x90
        measured = time.monotonic() - started
    finally:
        connection.release()
    modeled = rounds * model.exchange_time(5, 258)
    assert sim.slot.stats.modeled_link_s == pytest.approx(modeled)
    assert 0.95 <= measured / modeled <= 1.3, (measured, modeled)


@pytest.mark.skipif(shutil.which("pcsc_scan") is None, reason="pcsc-tools not installed")
def test_pcsc_scan_sees_the_card(vpcd_card) -> None:  # type: ignore[no-untyped-def]
    sim = vpcd_card(EchoCard(), port=35963)
    result = subprocess.run(["pcsc_scan", "-n", "-t", "1"], capture_output=True, text=True, timeout=20)
    assert result.returncode == 0
    atr_text = " ".join(f"{b:02X}" for b in EchoCard.ATR)
    block = result.stdout.split(f"Reader {_index(result.stdout, sim.reader)}: {sim.reader}", 1)[1]
    assert "Card inserted" in block.split("Reader ", 1)[0]
    assert f"ATR: {atr_text}" in block.split("Reader ", 1)[0]


def _index(scan_output: str, reader: str) -> int:
    for line in scan_output.splitlines():
        number, _, name = line.partition(": ")
        if name == reader and number.isdigit():
            return int(number)
    raise AssertionError(f"pcsc_scan did not list {reader!r}")


def test_the_real_virtual_card_through_the_stack(vpcd_card) -> None:  # type: ignore[no-untyped-def]
    card_module = pytest.importorskip("simulators.chip.card")
    from simulators.chip.lds_builder import build_document
    from simulators.chip.profile import load_profile

    card = card_module.VirtualCard(build_document(load_profile("td3-bac")))
    sim = vpcd_card(card, port=35963)
    connection = _pyscard_connection(sim.reader)
    try:
        assert bytes(connection.getATR()) == card.atr
        select = list(bytes.fromhex("00A4040C07A0000002471001"))
        assert connection.transmit(select) == ([], 0x90, 0x00)
        _, sw1, sw2 = connection.transmit([0x00, 0xB0, 0x00, 0x00, 0x04])  # plain read before BAC
        assert (sw1, sw2) != (0x90, 0x00)
    finally:
        connection.release()
