"""Virtual card, PACE ECDH generic mapping: Doc 9303 Part 11 Appendix G.1 byte for byte, every curve
and cipher suite with MRZ and CAN, several PACEInfos, and the refusals."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from simulators.chip.card import FixedValues, VirtualCard
from simulators.chip.card_ec import STANDARD_CURVES
from simulators.chip.document import ChipDocument, PaceParams
from tests.sim_card_terminal import (
    OID_3DES,
    OID_AES128,
    OID_AES192,
    OID_AES256,
    H,
    Terminal,
    aes,
    kdf,
)
from tests.vectors import APPENDIX_G1, load

_G1 = load(APPENDIX_G1)
MRZ_G = _G1.get("mrz.information")  # document T22000129, born 640812, expires 101031
CAN = _G1.get("mrz.can")
NONCE = _G1.bytes("nonce.plain")
SK_MAP_IC = _G1.int("chip.mapping_private_key")
SK_IC = _G1.int("chip.ephemeral_private_key")
SK_MAP_IFD = _G1.int("terminal.mapping_private_key")
SK_IFD = _G1.int("terminal.ephemeral_private_key")
EF_COM = H("60145F0104303130365F36063034303030305C026175")


def _doc(*pace: PaceParams, can: str | None = CAN, bac: bool = False) -> ChipDocument:
    return ChipDocument(mrz_key=MRZ_G, can=can, pace=list(pace), bac=bac,
                        ef_files={0x011C: H("31143012060A04007F0007020204020202010202010D")},
                        app_files={0x011E: EF_COM, 0x0101: bytes(1000)})


def _appendix_g_card() -> VirtualCard:
    fixed = FixedValues(pace_nonce=NONCE, pace_mapping_key=SK_MAP_IC, pace_ephemeral_key=SK_IC)
    card = VirtualCard(_doc(PaceParams(OID_AES128, 13)), fixed=fixed)
    card.power_on()
    return card


def test_curve_constants_agree_with_cryptography():
    # The terminal helper shares the curve constants with the card, so pin them to an outside source.
    classes = {12: ec.SECP256R1, 13: ec.BrainpoolP256R1, 15: ec.SECP384R1, 16: ec.BrainpoolP384R1}
    for pid, curve in STANDARD_CURVES.items():
        key = ec.derive_private_key(0x1234567890ABCDEF, classes[pid]())
        numbers = key.public_key().public_numbers()
        assert curve.mul(0x1234567890ABCDEF, curve.g) == (numbers.x, numbers.y)
        assert curve.mul(curve.n, curve.g) is None


def test_appendix_g1_card_side_byte_for_byte():
    card = _appendix_g_card()
    seed = hashlib.sha1(MRZ_G.encode()).digest()
    assert seed == _G1.bytes("password.key_seed")
    assert kdf(seed, 3, "AES") == _G1.bytes("password.k_pi")
    trace = [(c.hex().upper(), r.hex().upper()) for c, r in _G1.transcript()]
    for command, expected in trace:
        assert card.transmit(H(command)).hex().upper() == expected


def test_appendix_g1_through_independent_terminal():
    card = _appendix_g_card()
    t = Terminal(card)
    assert t.pace(OID_AES128, 13, MRZ_G.encode(), 1, map_key=SK_MAP_IFD, eph_key=SK_IFD) == 0x9000
    assert t.last_h[0] == int("60332EF2450B5D247EF6D3868397D398852ED6E8CAF6FFEEF6BF85CA57057FD5", 16)
    assert t.last_g[0] == int("8CED63C91426D4F0EB1435E7CB1D74A46723A0AF21C89634F65A9AE87A9265E2", 16)
    assert t.last_secret == H("28768D20701247DAE81804C9E780EDE582A9996DB4A315020B2733197DB84925")
    assert t.sm.ks_enc == H("F5F0E35C0D7161EE6724EE513A0D9A7F")
    assert t.sm.ks_mac == H("FE251C7858B356B24514B3BD5F4297D1")
    # the encrypted nonce decrypts under K_pi to the fixed s
    assert aes(H("89DED1B26624EC1E634C1989302849DD"), H("95A3A016522EE98D01E76CB6B98B42C3"), True) == NONCE
    assert t.select_app() == 0x9000
    assert t.read_file(0x011E) == EF_COM


@pytest.mark.parametrize("param_id", [12, 13, 16])
@pytest.mark.parametrize("oid", [OID_3DES, OID_AES128, OID_AES192, OID_AES256])
@pytest.mark.parametrize("ref", [1, 2])
def test_pace_every_curve_suite_and_password(param_id, oid, ref):
    card = VirtualCard(_doc(PaceParams(oid, param_id)))
    card.power_on()
    t = Terminal(card)
    password = MRZ_G.encode() if ref == 1 else CAN.encode()
    assert t.pace(oid, param_id, password, ref) == 0x9000
    assert t.select_app() == 0x9000
    assert t.read_file(0x011E) == EF_COM
    assert t.sm.ssc == card.channel.ssc


def test_wrong_password_fails_token_check_with_6300():
    card = VirtualCard(_doc(PaceParams(OID_AES128, 13)))
    t = Terminal(card)
    assert t.pace(OID_AES128, 13, b"123456", 2) == 0x6300
    assert card.channel is None
    # the run is over: another General Authenticate is out of sequence
    assert t.send(0x00, 0x86, 0, 0, H("7C00"), 256)[1] == 0x6985
    assert t.pace(OID_AES128, 13, CAN.encode(), 2) == 0x9000


def test_several_pace_infos_need_the_parameter_id():
    card = VirtualCard(_doc(PaceParams(OID_AES128, 13), PaceParams(OID_AES128, 12)))
    t = Terminal(card)
    assert t.pace(OID_AES128, 13, CAN.encode(), 2, send_param_id=False) == 0x6A80
    assert t.pace(OID_AES128, 12, CAN.encode(), 2) == 0x9000
    assert t.pace(OID_AES128, 13, CAN.encode(), 2) == 0x9000


def test_single_pace_info_works_without_parameter_id():
    card = VirtualCard(_doc(PaceParams(OID_AES256, 16)))
    assert Terminal(card).pace(OID_AES256, 16, MRZ_G.encode(), 1, send_param_id=False) == 0x9000


def test_mse_set_at_refusals():
    card = VirtualCard(_doc(PaceParams(OID_AES128, 13), can=None))
    t = Terminal(card)
    assert t.pace(OID_AES128, 13, CAN.encode(), 2) == 0x6A88  # no CAN on this document
    assert t.pace(OID_AES128, 12, MRZ_G.encode(), 1) == 0x6A80  # parameter id not offered
    assert t.pace(OID_AES256, 13, MRZ_G.encode(), 1) == 0x6A80  # protocol not offered
    assert t.pace(OID_AES128, 13, MRZ_G.encode(), 3) == 0x6A88  # PIN not available
    assert card.transmit(H("0022C1A40583010184010D")) == H("6A80")  # no OID
    assert card.transmit(H("0022C1A403800A04")) == H("6A80")  # truncated TLV
    assert card.transmit(H("0022C1A5028300")) == H("6A86")


def test_general_authenticate_out_of_sequence_and_bad_points():
    card = _appendix_g_card()
    assert card.transmit(H("10860000027C0000")) == H("6985")  # no MSE:Set AT yet
    assert card.transmit(H("0022C1A412800A04007F0007020204020283010184010D")) == H("9000")
    assert card.transmit(H("10860000047C02810000")) == H("6A80")  # mapping data at step 1
    assert card.transmit(H("0022C1A412800A04007F0007020204020283010184010D")) == H("9000")
    assert card.transmit(H("10860000027C0000"))[-2:] == H("9000")
    off_curve = H("04") + (1).to_bytes(32, "big") + (2).to_bytes(32, "big")
    assert card.transmit(H("1086000045") + H("7C438141") + off_curve + H("00")) == H("6A80")
    assert card.transmit(H("10860000027C0000")) == H("6985")  # the failed run is gone


def test_terminal_echoing_the_chip_key_is_refused():
    card = _appendix_g_card()
    t = Terminal(card)
    assert t.pace(OID_AES128, 13, MRZ_G.encode(), 1, map_key=SK_MAP_IFD, eph_key=SK_IC) == 0x6A80


def test_pace_only_document_refuses_bac_and_plain_reads():
    card = VirtualCard(_doc(PaceParams(OID_AES128, 13)))
    t = Terminal(card)
    assert t.select_app() == 0x9000
    assert t.send(0x00, 0x84, 0, 0, le=8)[1] == 0x6D00
    assert t.send(0x00, 0x82, 0, 0, bytes(40), 0x28)[1] == 0x6D00
    assert t.select_ef(0x011E) == 0x6982
