"""Virtual card, one test per card-level fault option (CardFaults)."""

from __future__ import annotations

import pytest

from simulators.chip.card import CardFaults, CardRemoved, VirtualCard
from simulators.chip.document import ChipDocument, PaceParams
from tests.sim_card_terminal import OID_AES128, H, MacMismatch, Terminal

MRZ_KEY = "L898902C<369080619406236"
EF_COM = H("60145F0104303130365F36063034303030305C026175")
DG1 = bytes(i % 251 for i in range(1000))
CARD_ACCESS = H("31143012060A04007F0007020204020202010202010D")


def _card(faults: CardFaults, **kwargs) -> VirtualCard:
    doc = ChipDocument(mrz_key=MRZ_KEY, ef_files={0x011C: CARD_ACCESS},
                       app_files={0x011E: EF_COM, 0x0101: DG1}, **kwargs)
    card = VirtualCard(doc, faults)
    card.power_on()
    return card


def _bac(card: VirtualCard) -> Terminal:
    t = Terminal(card)
    assert t.select_app() == 0x9000
    assert t.bac(MRZ_KEY) == 0x9000
    return t


def test_no_faults_by_default():
    f = CardFaults()
    assert not any([f.pull_after_apdus, f.pull_at_read_offset, f.max_le, f.no_extended_length, f.no_sfi,
                    f.pace_only, f.wrong_mac_on_last_response])


def test_pull_after_apdus_fires_once_and_power_on_reinserts():
    card = _card(CardFaults(pull_after_apdus=3))
    for _ in range(3):
        assert card.transmit(H("00A4000C")) == H("9000")
    with pytest.raises(CardRemoved):
        card.transmit(H("00A4000C"))
    with pytest.raises(CardRemoved):  # still out of the field
        card.transmit(H("00A4000C"))
    card.power_on()
    for _ in range(5):
        assert card.transmit(H("00A4000C")) == H("9000")


def test_pull_at_read_offset_then_resume_from_last_offset():
    card = _card(CardFaults(pull_at_read_offset=600, pull_at_read_fid=0x0101))
    t = _bac(card)
    assert t.read_file(0x011E) == EF_COM  # other files are not affected
    assert t.select_ef(0x0101) == 0x9000
    got = b""
    with pytest.raises(CardRemoved):
        while True:
            data, sw = t.send(0x00, 0xB0, len(got) >> 8, len(got) & 0xFF, le=0xE0)
            assert sw == 0x9000
            got += data
    assert len(got) == 448  # 0..447 arrived; the read covering byte 600 was lost
    card.power_on()
    t = _bac(card)  # new session: security state died with the field
    assert t.select_ef(0x0101) == 0x9000
    while len(got) < len(DG1):
        data, _ = t.send(0x00, 0xB0, len(got) >> 8, len(got) & 0xFF, le=0xE0)
        got += data
    assert got == DG1


@pytest.mark.parametrize("max_le", [224, 256])
def test_max_le(max_le):
    card = _card(CardFaults(max_le=max_le))
    plain = Terminal(card)
    plain.send(0x00, 0xA4, 0x02, 0x0C, H("011C"))
    expected = 0x6700 if max_le < 256 else 0x6282
    assert plain.send(0x00, 0xB0, 0, 0, le=256)[1] == expected  # Le 00
    t = _bac(card)
    t.select_ef(0x0101)
    assert t.send(0x00, 0xB0, 0, 0, le=max_le) == (DG1[:max_le], 0x9000)
    assert t.send(0x00, 0xB0, 0, 0, le=max_le + 1)[1] == 0x6700  # refused inside SM, session kept
    assert t.read_file(0x011E) == EF_COM


def test_no_extended_length():
    big = bytes(i % 256 for i in range(70000))
    normal = _card(CardFaults(), bac=False)
    normal.document.app_files[0x0102] = big
    quirky = _card(CardFaults(no_extended_length=True), bac=False)
    quirky.document.app_files[0x0102] = big
    for card, ok in ((normal, True), (quirky, False)):
        t = Terminal(card)
        t.select_app()
        assert t.select_ef(0x0102) == 0x9000
        data, sw = t.send(0x00, 0xB0, 0, 0, le=65536)  # extended Le 0000
        if ok:
            assert (data, sw) == (big[:65536], 0x9000)
        else:
            assert (data, sw) == (b"", 0x6700)
        assert t.send(0x00, 0xB0, 0, 0, le=200) == (big[:200], 0x9000)  # short APDUs still work


@pytest.mark.parametrize("sw", [0x6A86, 0x6A82])
def test_no_sfi(sw):
    card = _card(CardFaults(no_sfi=True, no_sfi_sw=sw))
    t = _bac(card)
    assert t.send(0x00, 0xB0, 0x81, 0x00, le=16)[1] == sw  # B0 with SFI 1
    assert t.send(0x00, 0xB1, 0x00, 0x01, H("540100"), le=16)[1] == sw  # B1 with SFI in P2
    assert t.read_file(0x0101) == DG1  # selecting by file id works
    normal = _bac(_card(CardFaults()))
    assert normal.send(0x00, 0xB0, 0x81, 0x00, le=16) == (DG1[:16], 0x9000)


@pytest.mark.parametrize("sw", [0x6D00, 0x6A88])
def test_pace_only_refuses_bac(sw):
    card = _card(CardFaults(pace_only=True, bac_refusal_sw=sw), pace=[PaceParams(OID_AES128, 13)])
    t = Terminal(card)
    assert t.select_app() == 0x9000
    assert t.bac(MRZ_KEY) == sw
    assert t.send(0x00, 0x82, 0, 0, bytes(40), 0x28)[1] == sw
    assert t.pace(OID_AES128, 13, MRZ_KEY.encode(), 1) == 0x9000
    assert t.select_app() == 0x9000
    assert t.read_file(0x011E) == EF_COM
    # GET CHALLENGE stays available inside the PACE session (terminal authentication needs it)
    assert len(t.send(0x00, 0x84, 0, 0, le=8)[0]) == 8


def test_wrong_mac_on_last_response_of_every_file():
    card = _card(CardFaults(wrong_mac_on_last_response=True))
    t = _bac(card)
    assert t.select_ef(0x0101) == 0x9000
    assert t.send(0x00, 0xB0, 0, 0, le=0xE0)[1] == 0x9000  # middle chunks are fine
    with pytest.raises(MacMismatch):
        t.send(0x00, 0xB0, 0x03, 0x80, le=0xE0)  # 896..999 reaches the end
    with pytest.raises(MacMismatch):  # persistent chip bug: again
        t.send(0x00, 0xB0, 0x03, 0x80, le=0xE0)
    with pytest.raises(MacMismatch):
        t.read_file(0x011E)


def test_wrong_mac_narrowed_to_one_file_and_once():
    card = _card(CardFaults(wrong_mac_on_last_response=True, wrong_mac_fid=0x0101, wrong_mac_once=True))
    t = _bac(card)
    assert t.read_file(0x011E) == EF_COM
    with pytest.raises(MacMismatch):
        t.read_file(0x0101)
    # transient: the SSC stayed in step, the retry of the last chunk verifies
    assert t.send(0x00, 0xB0, 0x03, 0x80, le=0xE0) == (DG1[896:], 0x6282)
