"""The gateway's PC/SC driver over the real stack (pcscd + vpcd + pyscard), with a stand-in card."""

from __future__ import annotations

import threading
import time

import pytest
from smartcard import scard

from gateway.drivers import pcsc
from gateway.drivers.pcsc import PcscConnection, ReaderEventKind, ReaderWatcher
from gateway.transport import CardRemovedError, CardResetError, NoCardError, ReaderUnavailableError
from simulators.chip.link import LinkModel
from simulators.pcscd import wait_card_state
from tests import pcsc_fixtures
from tests.pcsc_fixtures import EchoCard

pcscd = pcsc_fixtures.pcscd  # fixtures (until conftest.py imports them)
vpcd_card = pcsc_fixtures.vpcd_card

pytestmark = pytest.mark.pcsc

SELECT = bytes.fromhex("00A4040C07A0000002471001")


def _next(watcher: ReaderWatcher, kind: ReaderEventKind, reader: str, timeout: float = 5.0) -> pcsc.ReaderEvent:
    """The next event of `kind` for `reader` (other helpers' readers may produce events too)."""
    deadline = time.monotonic() + timeout
    while (remaining := deadline - time.monotonic()) > 0:
        event = watcher.next_event(remaining)
        if event is not None and event.kind is kind and event.reader == reader:
            return event
    raise AssertionError(f"no {kind.value} event for {reader!r} within {timeout} s")


def test_list_readers_and_first_reader_with_card(vpcd_card) -> None:  # type: ignore[no-untyped-def]
    sim = vpcd_card(EchoCard(), port=35964)
    readers = pcsc.list_readers()
    assert "Virtual PCD 00 00" in readers and sim.reader in readers
    assert pcsc.card_present(sim.reader)
    assert pcsc.first_reader_with_card() is not None
    with pcsc.connect() as connection:  # default: the first reader holding a card
        assert connection.reader == pcsc.first_reader_with_card()


def test_connect_transmit_disconnect(vpcd_card) -> None:  # type: ignore[no-untyped-def]
    card = EchoCard()
    sim = vpcd_card(card, port=35963)
    connection = PcscConnection(sim.reader, protocol="T1").connect()
    assert connection.atr == EchoCard.ATR
    assert connection.protocol == "T=1"
    assert connection.transmit(SELECT) == b"\x90\x00"
    assert connection.transmit(b"\x00\xb0\x00\x10\x03") == b"\x10\x11\x12\x90\x00"
    assert card.apdus == [SELECT, b"\x00\xb0\x00\x10\x03"]
    connection.disconnect()
    assert not connection.connected
    with pytest.raises(NoCardError, match="not connected"):
        connection.transmit(SELECT)


def test_empty_reader_unknown_reader_and_bad_protocol_give_typed_errors(vpcd_card) -> None:  # type: ignore[no-untyped-def]
    sim = vpcd_card(EchoCard(), port=35964, insert=False)
    assert not pcsc.card_present(sim.reader)
    with pytest.raises(NoCardError, match=f"no card in reader '{sim.reader}'"):
        pcsc.connect(sim.reader)
    with pytest.raises(ReaderUnavailableError, match="'No Such Reader' is not available"):
        pcsc.connect("No Such Reader")
    with pytest.raises(ReaderUnavailableError):
        pcsc.card_present("No Such Reader")
    with pytest.raises(ValueError, match="protocol must be one of"):
        PcscConnection(sim.reader, protocol="T=2")


def test_result_codes_map_to_typed_errors_with_one_line_messages() -> None:
    connection = PcscConnection("Virtual PCD 00 00")
    cases = {
        scard.SCARD_E_NO_SERVICE: (ReaderUnavailableError, "pcscd) is not running"),
        scard.SCARD_E_INVALID_HANDLE: (ReaderUnavailableError, "pcscd restarted?"),
        scard.SCARD_E_READER_UNAVAILABLE: (ReaderUnavailableError, "is not available"),
        scard.SCARD_E_NO_SMARTCARD: (NoCardError, "no card in reader"),
        scard.SCARD_W_UNRESPONSIVE_CARD: (NoCardError, "does not respond"),
        scard.SCARD_E_SHARING_VIOLATION: (ReaderUnavailableError, "exclusive use"),
    }
    for code, (kind, text) in cases.items():
        error = connection._connect_error(code)
        assert isinstance(error, kind) and text in str(error) and "\n" not in str(error)
    assert isinstance(connection._transmit_error(scard.SCARD_W_RESET_CARD), CardResetError)
    assert isinstance(connection._transmit_error(scard.SCARD_W_REMOVED_CARD), CardRemovedError)
    assert isinstance(connection._transmit_error(scard.SCARD_E_SERVICE_STOPPED), ReaderUnavailableError)


def test_watcher_reports_insertion_and_removal(vpcd_card) -> None:  # type: ignore[no-untyped-def]
    card = EchoCard()
    sim = vpcd_card(card, port=35963, insert=False)
    with ReaderWatcher() as watcher:
        assert watcher.present().get(sim.reader) is False
        sim.slot.insert()
        inserted = _next(watcher, ReaderEventKind.CARD_INSERTED, sim.reader)
        assert inserted.atr == EchoCard.ATR
        assert watcher.present()[sim.reader] is True
        sim.slot.remove()
        removed = _next(watcher, ReaderEventKind.CARD_REMOVED, sim.reader)
        assert removed.atr == b""
    with ReaderWatcher(initial_events=False) as quiet:
        assert quiet.next_event(0.05) is None  # nothing happened since it started


def test_watcher_initial_events_and_stop_from_another_thread(vpcd_card) -> None:  # type: ignore[no-untyped-def]
    sim = vpcd_card(EchoCard(), port=35964)
    watcher = ReaderWatcher(initial_events=True)
    assert _next(watcher, ReaderEventKind.CARD_INSERTED, sim.reader, timeout=0.5).atr == EchoCard.ATR
    threading.Timer(0.3, watcher.stop).start()
    started = time.monotonic()
    events = list(watcher)  # blocks until stop()
    assert 0.25 <= time.monotonic() - started < 1.0  # ended by stop(), well before max_wait_s polling
    assert [e for e in events if e.reader == sim.reader] == []
    assert watcher.next_event(None) is None
    watcher.close()


def test_card_pulled_mid_transmit_then_reinserted(vpcd_card) -> None:  # type: ignore[no-untyped-def]
    card = EchoCard()
    sim = vpcd_card(card, port=35963)
    connection = pcsc.connect(sim.reader)
    assert connection.transmit(SELECT) == b"\x90\x00"
    card.pull_on_transmit = True
    with pytest.raises(CardRemovedError, match=f"removed from reader '{sim.reader}'"):
        connection.transmit(b"\x00\xb0\x00\x00\x00")
    assert not connection.connected
    assert wait_card_state(sim.reader, False, 2.0)
    with pytest.raises(NoCardError, match="no card"):
        connection.reconnect()  # still out
    sim.insert()
    connection.reconnect()
    assert connection.atr == EchoCard.ATR
    assert connection.transmit(b"\x00\xb0\x00\x00\x02") == b"\x00\x01\x90\x00"
    connection.disconnect()


def test_card_removed_while_a_slow_response_is_on_the_air(vpcd_card) -> None:  # type: ignore[no-untyped-def]
    sim = vpcd_card(EchoCard(), port=35964, link=LinkModel(kbit_s=106, frame_overhead_s=0.3))
    connection = pcsc.connect(sim.reader)
    threading.Timer(0.2, sim.slot.remove).start()  # the READ BINARY below takes ~1.2 s
    with pytest.raises(CardRemovedError):
        connection.transmit(b"\x00\xb0\x00\x00\x00")
    connection.disconnect()


def test_reset_by_another_application_then_reconnect(vpcd_card) -> None:  # type: ignore[no-untyped-def]
    card = EchoCard()
    sim = vpcd_card(card, port=35963)
    ours, other = pcsc.connect(sim.reader), pcsc.connect(sim.reader)
    assert ours.transmit(SELECT) == b"\x90\x00"
    other.reconnect(reset=True)
    with pytest.raises(CardResetError, match="was reset"):
        ours.transmit(SELECT)
    ours.reconnect()
    assert ours.transmit(SELECT) == b"\x90\x00"
    assert card.resets == 1  # the reset reached the card (vpcd control 2)
    other.disconnect()
    ours.disconnect()
