"""Virtual card, ISO/IEC 7816-4 command handling: lengths, selection, READ BINARY variants, and hostile
APDUs that must always get a status word, never an exception."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulators.chip.card import CardFaults, VirtualCard
from simulators.chip.document import ChipDocument, PaceParams
from tests.sim_card_terminal import OID_AES128, H, Terminal

MRZ_KEY = "L898902C<369080619406236"
BIG = bytes(i * 7 % 256 for i in range(70000))
SMALL = bytes(range(100))


def _card(bac: bool = True, **kwargs) -> VirtualCard:
    doc = ChipDocument(mrz_key=MRZ_KEY, bac=bac, ef_files={0x011C: SMALL},
                       app_files={0x011E: SMALL, 0x0102: BIG, 0x0103: b""}, **kwargs)
    card = VirtualCard(doc, CardFaults())
    card.power_on()
    return card


def _open(bac: bool = False) -> Terminal:
    t = Terminal(_card(bac=bac))
    assert t.select_app() == 0x9000
    return t


def test_le_00_means_256_and_end_of_file():
    t = _open()
    assert t.select_ef(0x0102) == 0x9000
    assert t.raw(H("00B0000000")) == (BIG[:256], 0x9000)
    assert t.raw(H("00B07F0010")) == (BIG[0x7F00:0x7F10], 0x9000)  # 15-bit offset
    t.select_ef(0x011E)
    assert t.raw(H("00B0005000")) == (SMALL[0x50:], 0x6282)  # fewer than Le remain
    assert t.raw(H("00B0006401")) == (b"", 0x6B00)  # offset == size
    assert t.raw(H("00B000C801")) == (b"", 0x6B00)  # beyond
    assert t.raw(H("00B00000")) == (b"", 0x6700)  # no Le
    t.select_ef(0x0103)
    assert t.raw(H("00B0000004")) == (b"", 0x6282)  # empty file


def test_extended_le_0000_means_65536():
    t = _open()
    t.select_ef(0x0102)
    assert t.raw(H("00B00000000000")) == (BIG[:65536], 0x9000)
    assert t.raw(H("00B00000000400")) == (BIG[:1024], 0x9000)


def test_odd_read_binary_beyond_32k():
    t = _open()
    t.select_ef(0x0102)
    data, sw = t.raw(H("00B100000454" "02EA60" "80"))  # offset 60000, Le 128
    assert (data, sw) == (H("537E") + BIG[60000:60126], 0x9000)  # DO'53 header counts against Le
    data, sw = t.raw(H("00B100000554" "0301116F" "00"))  # offset 69999, Le 256
    assert (data, sw) == (H("5301") + BIG[69999:], 0x6282)
    assert t.raw(H("00B1000005540301116F"))[1] == 0x6700  # no Le
    assert t.raw(H("00B100000454" "02EA60" "80FF"))[1] == 0x6700  # Lc does not match
    assert t.raw(H("00B100000353010080")) == (b"", 0x6A80)  # no DO'54
    assert t.raw(H("00B1000005540301FFFF10")) == (b"", 0x6B00)  # beyond the end
    assert t.raw(H("00B10104035401" "00" "10")) == (b"", 0x6A82)  # unknown file id in P1-P2
    assert t.raw(H("00B10102035401" "00" "10")) == (H("530E") + BIG[:14], 0x9000)  # file id 0102


def test_sfi_reads_and_odd_read_under_secure_messaging():
    t = Terminal(_card())
    t.select_app()
    assert t.bac(MRZ_KEY) == 0x9000
    assert t.send(0x00, 0xB0, 0x9E, 0x10, le=8) == (SMALL[16:24], 0x9000)  # SFI 1E = EF.COM, offset 16
    assert t.send(0x00, 0xB0, 0x00, 0x00, le=4) == (SMALL[:4], 0x9000)  # SFI read made EF.COM current
    assert t.send(0x00, 0xB0, 0x85, 0x00, le=4)[1] == 0x6A82  # no DG5
    assert t.select_ef(0x0102) == 0x9000
    data, sw = t.send(0x00, 0xB1, 0x00, 0x00, H("540300C350"), le=0x40)  # 50000 via DO'85
    assert sw == 0x9000 and data == H("533E") + BIG[50000:50062]
    data, sw = t.send(0x00, 0xB0, 0x00, 0x00, le=1000)  # extended inner Le (DO'97 two bytes)
    assert (data, sw) == (BIG[:1000], 0x9000)


def test_select_variants():
    card = _card(bac=False)
    assert card.transmit(H("00A4040C07A0000002471002")) == H("6A82")
    assert card.transmit(H("00A4020C02011C")) == H("9000")  # EF.CardAccess in the MF, P1=02
    assert card.transmit(H("00A4000C02011C")) == H("9000")  # ... and P1=00
    assert card.transmit(H("00A4020C02011E")) == H("6A82")  # EF.COM is not in the MF
    assert card.transmit(H("00A4040C07A0000002471001")) == H("9000")
    assert card.transmit(H("00A4020C02011E")) == H("9000")
    assert card.transmit(H("00A4020C03011E00")) == H("6700")
    assert card.transmit(H("00A4080C02011E")) == H("6A86")
    assert card.transmit(H("00A4020002011E00")) == H("6204800200649000")  # FCP with size
    assert card.transmit(H("00A4000C023F00")) == H("9000")
    assert card.transmit(H("00B0000004")) == H("6986")  # MF selected, no current EF


HOSTILE = [
    "", "00", "00A4", "00A404", "00A4040C07A000", "00A4040C07A0000002471001FFFF", "00B00000000004",
    "00B000000000", "00B0000000FF", "0084000000000801", "FFA4040C00", "80A4000C", "01A4000C", "E0CA0000",
    "0070000001", "00CA010000", "0CB0000000", "0CB000000D9701048E08ED6705417E96BA5500",
    "0C220000008E08", "10860000FF7C00", "008600000481FF0000", "0086000002 7C"[:-3], "0022C1A4FF",
    "0022C1A4058401FF83", "0088000000", "00B1000002540000", "00B1000002549900",
    "00B100000954078000000000000000",
    "00A40400000000", "0082000028" + "00" * 40 + "28",
]


@pytest.mark.parametrize("apdu", HOSTILE)
@pytest.mark.parametrize("state", ["plain", "bac", "pace"])
def test_hostile_apdus_get_a_status_word(apdu, state):
    card = _card(pace=[PaceParams(OID_AES128, 13)])
    t = Terminal(card)
    t.select_app()
    if state == "bac":
        assert t.bac(MRZ_KEY) == 0x9000
    elif state == "pace":
        assert t.pace(OID_AES128, 13, MRZ_KEY.encode(), 1) == 0x9000
    answer = card.transmit(H(apdu.replace(" ", "")))
    assert len(answer) >= 2
    assert answer[-2] in (0x62, 0x63, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6D, 0x6E, 0x90)
    assert card.transmit(H("00A4000C"))[-2:] == H("9000")  # still answering


def test_class_and_instruction_refusals():
    card = _card()
    assert card.transmit(H("80A4000C")) == H("6E00")
    assert card.transmit(H("FFA4000C")) == H("6E00")
    assert card.transmit(H("01A4000C")) == H("6881")
    assert card.transmit(H("00CA010000")) == H("6D00")
    assert card.transmit(H("0084010008")) == H("6A86")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(min_size=0, max_size=300))
def test_fuzz_random_bytes_never_raise(apdu):
    card = _card(pace=[PaceParams(OID_AES128, 13)])
    answer = card.transmit(apdu)
    assert len(answer) >= 2


@settings(max_examples=300, deadline=None)
@given(ins=st.sampled_from([0xA4, 0xB0, 0xB1, 0x84, 0x82, 0x22, 0x86, 0x88]),
       cla=st.sampled_from([0, 0x0C, 0x10]), p1=st.integers(0, 255), p2=st.integers(0, 255),
       body=st.binary(max_size=80))
def test_fuzz_structured_commands_never_raise(ins, cla, p1, p2, body):
    card = _card(pace=[PaceParams(OID_AES128, 13)])
    card.transmit(H("00A4040C07A0000002471001"))
    for apdu in (bytes([cla, ins, p1, p2]) + bytes([len(body)]) + body,
                 bytes([cla, ins, p1, p2]) + bytes([len(body)]) + body + b"\x00",
                 bytes([cla, ins, p1, p2, 0]) + len(body).to_bytes(2, "big") + body + b"\x00\x00"):
        answer = card.transmit(apdu)
        assert len(answer) >= 2 and answer[-2:] != H("6F00")
