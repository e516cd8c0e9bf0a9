"""The vpcd framing, the request mapping, the link model and the in-process transport (no pcscd)."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.transport import CardRemovedError, NoCardError
from simulators.chip.errors import CardRemoved
from simulators.chip.inprocess import InProcessTransport
from simulators.chip.link import LinkModel
from simulators.chip.vpcd import (
    SW_NO_PRECISE_DIAGNOSIS,
    ApduRequest,
    ControlRequest,
    FrameDecoder,
    VpcdCard,
    VpcdFrameError,
    answer,
    encode_frame,
    parse_message,
)
from tests.pcsc_fixtures import EchoCard

# --- frame codec --------------------------------------------------------------------------------------


def test_encode_frame_prefixes_big_endian_length() -> None:
    assert encode_frame(b"\x04") == b"\x00\x01\x04"
    assert encode_frame(bytes(300))[:2] == b"\x01\x2c"
    assert encode_frame(b"") == b"\x00\x00"


def test_encode_frame_rejects_payload_beyond_two_byte_length() -> None:
    assert len(encode_frame(bytes(0xFFFF))) == 0x10001
    with pytest.raises(VpcdFrameError, match="65536 bytes exceeds 65535"):
        encode_frame(bytes(0x10000))


def test_decoder_handles_split_header_split_body_and_several_frames_per_chunk() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(b"\x00") == []  # half a length
    assert decoder.feed(b"\x05\x00\xa4") == []  # length complete, body partial
    assert decoder.pending == 4
    assert decoder.feed(b"\x04\x00\x00\x00\x01\x04\x00\x01") == [b"\x00\xa4\x04\x00\x00", b"\x04"]
    assert decoder.pending == 2  # the start of a third frame
    assert decoder.feed(b"\x00") == [b"\x00"]
    assert decoder.pending == 0


def test_decoder_yields_empty_payload_for_zero_length_frame() -> None:
    assert FrameDecoder().feed(b"\x00\x00\x00\x01\x01") == [b"", b"\x01"]


@given(st.lists(st.binary(max_size=600), max_size=8), st.integers(min_value=1, max_value=50))
def test_decoder_reassembles_any_chunking(payloads: list[bytes], chunk: int) -> None:
    stream = b"".join(encode_frame(p) for p in payloads)
    decoder = FrameDecoder()
    out: list[bytes] = []
    for i in range(0, len(stream), chunk):
        out += decoder.feed(stream[i : i + chunk])
    assert out == payloads
    assert decoder.pending == 0


def test_parse_message_one_byte_is_control_everything_else_is_an_apdu() -> None:
    assert parse_message(b"\x04") == ControlRequest(4)
    assert parse_message(b"\x00") == ControlRequest(0)
    assert parse_message(b"\x00\xa4") == ApduRequest(b"\x00\xa4")
    assert parse_message(b"") == ApduRequest(b"")


# --- request mapping ----------------------------------------------------------------------------------


def test_answer_maps_controls_to_card_calls_and_only_get_atr_is_answered() -> None:
    card = EchoCard()
    assert answer(card, ControlRequest(1)) is None and card.powered and card.power_ons == 1
    assert answer(card, ControlRequest(2)) is None and card.resets == 1
    assert answer(card, ControlRequest(0)) is None and not card.powered
    assert answer(card, ControlRequest(4)) == EchoCard.ATR
    assert answer(card, ControlRequest(9)) is None  # unknown control: ignored, not answered


def test_answer_passes_apdus_through() -> None:
    card = EchoCard()
    assert answer(card, ApduRequest(bytes.fromhex("8001000002CAFE"))) == bytes.fromhex("CAFE9000")
    assert card.apdus == [bytes.fromhex("8001000002CAFE")]


def test_answer_lets_card_removed_through() -> None:
    card = EchoCard()
    card.pull_on_transmit = True
    with pytest.raises(CardRemoved):
        answer(card, ApduRequest(b"\x00\xa4\x04\x00"))


class _BrokenCard(EchoCard):
    def transmit(self, apdu: bytes) -> bytes:
        raise KeyError("simulator bug")


def test_answer_turns_a_card_crash_into_6f00() -> None:
    assert answer(_BrokenCard(), ApduRequest(b"\x00\xb0\x00\x00\x00")) == SW_NO_PRECISE_DIAGNOSIS


# --- VpcdCard against a stand-in vpcd (a real TCP listener in the test) -------------------------------


class _FakeVpcd:
    """The pcscd side of the socket, to test reconnects without restarting the shared pcscd."""

    def __init__(self, port: int = 0) -> None:
        self.server = socket.create_server(("127.0.0.1", port))
        self.port = self.server.getsockname()[1]
        self.server.settimeout(5)

    def accept(self) -> socket.socket:
        conn, _ = self.server.accept()
        conn.settimeout(5)
        return conn

    @staticmethod
    def request(conn: socket.socket, payload: bytes, split: bool = False) -> bytes | None:
        frame = encode_frame(payload)
        if split:  # one byte at a time: the card must reassemble
            for i in range(len(frame)):
                conn.sendall(frame[i : i + 1])
                time.sleep(0.001)
        else:
            conn.sendall(frame)
        if len(payload) == 1 and payload != b"\x04":
            return None
        decoder = FrameDecoder()
        while True:
            chunk = conn.recv(4096)
            if not chunk:
                return None
            frames = decoder.feed(chunk)
            if frames:
                return frames[0]

    def close(self) -> None:
        self.server.close()


def test_vpcd_card_serves_requests_and_reconnects_after_the_reader_side_restarts() -> None:
    fake = _FakeVpcd()
    card = EchoCard()
    with VpcdCard(card, port=fake.port, reconnect_interval=0.05, min_out_s=0.0) as slot:
        slot.insert()
        conn = fake.accept()
        assert fake.request(conn, b"\x01") is None
        assert fake.request(conn, b"\x04") == EchoCard.ATR
        assert fake.request(conn, bytes.fromhex("8001000003010203"), split=True) == bytes.fromhex(
            "0102039000"
        )
        assert card.power_ons == 1
        # "pcscd restarts": the listener and the connection vanish, then come back on the same port.
        port = fake.port
        fake.close()
        conn.close()
        assert slot.wait_disconnected(2)
        time.sleep(0.2)  # the card retries against a closed port meanwhile
        fake = _FakeVpcd(port)
        conn = fake.accept()
        assert slot.wait_connected(2)
        assert fake.request(conn, b"\x04") == EchoCard.ATR
        conn.close()
    fake.close()


def test_vpcd_card_closes_the_socket_when_the_card_is_pulled_and_stays_out() -> None:
    fake = _FakeVpcd()
    card = EchoCard()
    with VpcdCard(card, port=fake.port, reconnect_interval=0.05) as slot:
        slot.insert()
        conn = fake.accept()
        card.pull_on_transmit = True
        assert fake.request(conn, b"\x00\xb0\x00\x00\x10") is None  # EOF instead of an answer
        assert slot.wait_disconnected(2)
        assert not slot.inserted
        fake.server.settimeout(0.3)
        with pytest.raises(TimeoutError):
            fake.accept()  # no reconnect while pulled
        slot.insert()
        fake.server.settimeout(5)
        started = time.monotonic()
        fake.accept().close()
        assert time.monotonic() - started >= 0.1  # held out for min_out_s so pcscd can notice
    fake.close()


def test_vpcd_card_remove_and_close_end_the_thread_promptly() -> None:
    fake = _FakeVpcd()
    slot = VpcdCard(EchoCard(), port=fake.port)
    slot.insert()
    conn = fake.accept()
    assert slot.wait_connected(2)
    slot.remove()
    assert not slot.connected
    assert conn.recv(10) == b""  # the reader side sees the card go
    started = time.monotonic()
    slot.close()
    assert time.monotonic() - started < 1.0
    assert not any(t.name == f"vpcd-card-{fake.port}" for t in threading.enumerate())
    with pytest.raises(RuntimeError, match="closed"):
        slot.insert()
    fake.close()


# --- link model ---------------------------------------------------------------------------------------


def test_link_model_bit_rates_derive_from_the_carrier() -> None:
    assert LinkModel(106).bit_rate == pytest.approx(105_937.5)
    assert LinkModel(848).bit_rate == pytest.approx(847_500)
    with pytest.raises(ValueError, match="one of"):
        LinkModel(100)


def test_link_model_single_frame_exchange() -> None:
    model = LinkModel(kbit_s=424, frame_overhead_s=0.001)
    # READ BINARY: 5-byte command, 256+2-byte answer -> 1 command block, 2 response blocks + 1 R(ACK)
    assert model.frames(5, 258) == 1 + 3
    on_air = 5 + 258 + 3 * 3 + 3 * 1
    assert model.bytes_on_air(5, 258) == on_air
    assert model.exchange_time(5, 258) == pytest.approx(on_air * 9 / 423_750 + 4 * 0.001)


def test_link_model_chains_long_commands_and_scales_with_bit_rate() -> None:
    slow, fast = LinkModel(106, frame_overhead_s=0), LinkModel(848, frame_overhead_s=0)
    assert slow.frames(600, 2) == 2 * 3 - 1 + 1  # 600 bytes need 3 blocks of 253
    assert slow.exchange_time(600, 2) == pytest.approx(8 * fast.exchange_time(600, 2))
    assert LinkModel(424, fsd=64).frames(5, 258) == 1 + (2 * 5 - 1)  # small FSD: more chaining


def test_in_process_transport_round_trip_and_errors() -> None:
    card = EchoCard()
    transport = InProcessTransport(card)
    with pytest.raises(NoCardError):
        transport.transmit(b"\x00\xa4\x04\x00")
    transport.connect()
    assert transport.atr == EchoCard.ATR and card.power_ons == 1
    assert transport.transmit(bytes.fromhex("00A4040C07A0000002471001")) == b"\x90\x00"
    card.pull_on_transmit = True
    with pytest.raises(CardRemovedError, match="removed"):
        transport.transmit(b"\x00\xb0\x00\x00\x04")
    with pytest.raises(NoCardError):
        transport.reconnect()
    transport.insert()
    transport.reconnect()
    assert transport.transmit(b"\x00\xb0\x00\x02\x02") == b"\x02\x03\x90\x00"
    transport.reconnect(reset=True)
    assert card.resets == 1
    transport.disconnect()
    assert not card.powered


def test_in_process_transport_accounts_modeled_time_without_sleeping() -> None:
    model = LinkModel(106)
    transport = InProcessTransport(EchoCard(), link=model, sleep=False).connect()
    started = time.monotonic()
    for _ in range(20):
        transport.transmit(b"\x00\xb0\x00\x00\x00")
    assert time.monotonic() - started < 0.2
    assert transport.stats.apdus == 20 and transport.stats.bytes_from_card == 20 * 258
    assert transport.stats.modeled_link_s == pytest.approx(20 * model.exchange_time(5, 258))


def test_in_process_transport_sleeps_the_modeled_time() -> None:
    model = LinkModel(106)
    transport = InProcessTransport(EchoCard(), link=model).connect()
    started = time.monotonic()
    for _ in range(5):
        transport.transmit(b"\x00\xb0\x00\x00\x00")
    elapsed = time.monotonic() - started
    assert 1.0 <= elapsed / (5 * model.exchange_time(5, 258)) < 1.5
