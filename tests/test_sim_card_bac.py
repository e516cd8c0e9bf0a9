"""Virtual card, BAC and 3DES secure messaging: Doc 9303 Part 11 Appendix D byte for byte, then the
behaviour around it (failures, session end, access rules)."""

from __future__ import annotations

import pytest

from simulators.chip.card import FixedValues, VirtualCard
from simulators.chip.document import ChipDocument
from tests.sim_card_terminal import H, Terminal
from tests.vectors import APPENDIX_D, load

_D = load(APPENDIX_D)
MRZ_KEY = _D.get("mrz.information")
EF_COM = _D.bytes("files.ef_com")
RND_IC = _D.bytes("chip.rnd_ic")
K_IC = _D.bytes("chip.k_ic")
EIFD_MIFD = _D.bytes("terminal.eifd") + _D.bytes("terminal.mifd")
CHIP_RESPONSE = _D.bytes("chip.response")
DG1 = bytes(range(256)) * 3


def _doc() -> ChipDocument:
    return ChipDocument(
        mrz_key=MRZ_KEY,
        ef_files={0x011C: H("31143012060A04007F0007020204020202010202010D")},
        app_files={0x011E: EF_COM, 0x0101: DG1},
    )


def _appendix_d_card() -> VirtualCard:
    card = VirtualCard(_doc(), fixed=FixedValues(rnd_ic=RND_IC, k_ic=K_IC))
    card.power_on()
    return card


def test_appendix_d_bac_and_secure_messaging_byte_for_byte():
    card = _appendix_d_card()
    for command, expected in _D.transcript():
        assert card.transmit(command) == expected


def test_appendix_d_through_independent_terminal_reads_ef_com():
    card = _appendix_d_card()
    t = Terminal(card)
    assert t.select_app() == 0x9000
    assert t.bac(MRZ_KEY, _D.bytes("terminal.rnd_ifd"), _D.bytes("terminal.k_ifd")) == 0x9000
    assert t.sm is not None and t.sm.ssc == _D.int("session.ssc")
    masked = bytes(b & 0xFE for b in t.sm.ks_enc + t.sm.ks_mac)  # DES ignores the parity bits
    expected = _D.bytes("session.ks_enc") + _D.bytes("session.ks_mac")
    assert masked == bytes(b & 0xFE for b in expected)
    assert t.read_file(0x011E, chunk=4) == EF_COM
    assert t.read_file(0x0101) == DG1


def test_bac_with_random_values_and_wrong_mrz_key():
    card = VirtualCard(_doc())
    card.power_on()
    t = Terminal(card)
    t.select_app()
    assert t.bac("L898902C<369080619406237") == 0x6300  # wrong key: terminal MAC fails on the card
    assert t.sm is None
    assert t.bac(MRZ_KEY) == 0x9000
    assert t.read_file(0x011E) == EF_COM


def test_external_authenticate_without_challenge_and_with_wrong_length():
    card = _appendix_d_card()
    assert card.transmit(H("0082000028") + EIFD_MIFD + H("28")) == H("6985")
    card.transmit(H("0084000008"))
    assert card.transmit(H("0082000020") + EIFD_MIFD[:32] + H("28")) == H("6700")
    # the challenge is used up by a failed attempt
    assert card.transmit(H("0082000028") + EIFD_MIFD + H("28")) == H("6985")
    assert card.transmit(H("0084000004")) == H("6700")


def test_tampered_cryptogram_is_6300():
    card = _appendix_d_card()
    card.transmit(H("0084000008"))
    bad = bytearray(EIFD_MIFD)
    bad[3] ^= 1
    assert card.transmit(H("0082000028") + bytes(bad) + H("28")) == H("6300")


def test_plain_access_to_application_files_is_refused():
    card = _appendix_d_card()
    t = Terminal(card)
    assert t.select_app() == 0x9000
    assert t.select_ef(0x011E) == 0x6982
    assert t.send(0x00, 0xB0, 0x9E, 0x00, le=4)[1] == 0x6982  # SFI read of EF.COM
    # EF.CardAccess in the MF stays readable without authentication
    assert t.send(0x00, 0xA4, 0x00, 0x0C)[1] == 0x9000
    assert t.send(0x00, 0xA4, 0x02, 0x0C, H("011C"))[1] == 0x9000
    data, sw = t.send(0x00, 0xB0, 0x00, 0x00, le=256)
    assert sw == 0x6282 and data == H("31143012060A04007F0007020204020202010202010D")
    assert t.send(0x00, 0xB0, 0x9C, 0x00, le=4) == (data[:4], 0x9000)  # SFI 1C


def test_plain_apdu_after_bac_ends_the_session():
    card = _appendix_d_card()
    t = Terminal(card)
    t.select_app()
    assert t.bac(MRZ_KEY) == 0x9000
    sm = t.sm
    t.sm = None
    assert t.select_ef(0x011E) == 0x6982
    t.sm = sm
    assert t.select_ef(0x011E) == 0x6988  # the session is gone: protected commands are refused plain


def test_wrong_command_mac_gives_6988_and_ends_session():
    card = _appendix_d_card()
    t = Terminal(card)
    t.select_app()
    assert t.bac(MRZ_KEY) == 0x9000
    apdu = bytearray(t.sm.protect(0x00, 0xA4, 0x02, 0x0C, H("011E")))
    apdu[-3] ^= 0x40  # inside DO'8E
    assert card.transmit(bytes(apdu)) == H("6988")
    t.sm.ssc += 1
    assert t.select_ef(0x011E) == 0x6988
    # missing MAC object and no session at all
    assert card.transmit(H("0CA4020C04870101FF")) == H("6988")


@pytest.mark.parametrize(
    "mutate",
    [
        lambda a: a[:5] + a[5:].replace(b"\x8e\x08", b"\x8f\x08"),  # no DO'8E
        lambda a: a[:4] + bytes([a[4] - 2]) + a[5:-3] + a[-1:],  # truncated MAC
        lambda a: a[:4] + bytes([a[4] + 2]) + a[5:7] + b"\x00\x00" + a[7:],  # spliced bytes
    ],
)
def test_malformed_sm_objects_end_session(mutate):
    card = _appendix_d_card()
    t = Terminal(card)
    t.select_app()
    assert t.bac(MRZ_KEY) == 0x9000
    apdu = t.sm.protect(0x00, 0xA4, 0x02, 0x0C, H("011E"))
    answer = card.transmit(mutate(apdu))
    assert answer in (H("6987"), H("6988"))
    assert card.channel is None


def test_sm_errors_are_wrapped_and_ssc_advances():
    card = _appendix_d_card()
    t = Terminal(card)
    t.select_app()
    assert t.bac(MRZ_KEY) == 0x9000
    start = t.sm.ssc
    assert t.select_ef(0x0105) == 0x6A82  # wrapped DO'99 6A82, MAC verified by the terminal
    assert t.select_ef(0x011E) == 0x9000
    assert t.sm.ssc == start + 4
    assert card.channel is not None and card.channel.ssc == t.sm.ssc


def test_warm_reset_drops_session():
    card = _appendix_d_card()
    t = Terminal(card)
    t.select_app()
    assert t.bac(MRZ_KEY) == 0x9000
    assert card.reset() == card.atr
    assert t.select_ef(0x011E) == 0x6988


def test_atr_is_a_contactless_pcsc_atr():
    atr = VirtualCard(_doc()).atr
    assert atr[0] == 0x3B and atr[2:4] == H("8001")
    assert len(atr) == 4 + (atr[1] & 0x0F) + 1
    tck = 0
    for b in atr[1:]:
        tck ^= b
    assert tck == 0
