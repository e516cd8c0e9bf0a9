"""The Doc 9303 Part 11 worked examples over the real stack: the virtual card served to pcscd
through vpcd, driven first with raw pyscard (the card answers byte for byte as the appendices
print), then by the gateway's own `ChipReader` through its PC/SC driver (the reader sends byte for
byte what the appendices print). The vectors are the files in tests/vectors."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from smartcard.System import readers

from gateway.drivers.pcsc import PcscConnection
from gateway.verify.chip_session import drive
from tests.chip_read_helpers import RecordingTransport
from tests.pcsc_fixtures import SimulatedCard
from tests.test_worked_examples_reader import (
    G1,
    D,
    appendix_d_card,
    appendix_d_reader,
    appendix_g1_card,
    appendix_g1_reader,
    contains_in_order,
)

pytestmark = pytest.mark.pcsc


def _transmit_all(reader_name: str, trace: list[tuple[bytes, bytes]]) -> list[bytes]:
    reader = next(r for r in readers() if str(r) == reader_name)
    connection = reader.createConnection()
    connection.connect()
    try:
        answers = []
        for command, _ in trace:
            data, sw1, sw2 = connection.transmit(list(command))
            answers.append(bytes(data) + bytes([sw1, sw2]))
        return answers
    finally:
        connection.disconnect()


def test_appendix_d_card_side_over_pcscd(vpcd_card: Callable[..., SimulatedCard]) -> None:
    sim = vpcd_card(appendix_d_card())
    assert _transmit_all(sim.reader, D.transcript()) == [response for _, response in D.transcript()]


def test_appendix_g1_card_side_over_pcscd(vpcd_card: Callable[..., SimulatedCard]) -> None:
    sim = vpcd_card(appendix_g1_card())
    assert _transmit_all(sim.reader, G1.transcript()) == [response for _, response in G1.transcript()]


class _Recording(RecordingTransport):
    def disconnect(self) -> None:
        self.inner.disconnect()


@pytest.mark.parametrize("example", ["D", "G1"])
def test_chip_reader_replays_the_example_over_pcscd(vpcd_card: Callable[..., SimulatedCard], example: str) -> None:
    card, reader, vector = (appendix_d_card(), appendix_d_reader(), D) if example == "D" else (
        appendix_g1_card(), appendix_g1_reader(), G1)
    sim = vpcd_card(card)
    transport = _Recording(PcscConnection(sim.reader).connect())  # type: ignore[arg-type]
    try:
        result = drive(reader, transport)
    finally:
        transport.disconnect()
    assert contains_in_order(list(zip(transport.commands, transport.responses, strict=True)), vector.transcript())
    assert result.files["EF.COM"] == D.bytes("files.ef_com")
