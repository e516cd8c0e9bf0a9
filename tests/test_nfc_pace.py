"""PACE: Doc 9303 Part 11 Appendix G.1 (ECDH-GM), G.1.2 (DH-GM), H (integrated mapping),
byte for byte, and the failure paths a hostile or mistaken chip can take."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gateway.crypto import symmetric as crypto
from gateway.crypto.dh import GROUPS
from gateway.crypto.ec import CURVES
from gateway.crypto.oids import encode_oid
from gateway.nfc.apdu import ResponseAPDU
from gateway.nfc.protocol.pace import (
    PACE,
    PACEError,
    PACEPassword,
    PACETokenError,
    choose_pace_info,
    pace_algorithm,
    point_encode,
    pseudo_random,
    supported,
)
from gateway.nfc.protocol.secure_messaging import SMSession
from gateway.nfc.randomness import ScriptedRandom
from gateway.nfc.status import AuthenticationFailed, ChipError, ReferencedDataNotFound, WrongData
from tests.vectors import APPENDIX_G1, APPENDIX_G12, APPENDIX_H, load

H = bytes.fromhex


def X(s: str) -> int:
    return int(s.replace(" ", ""), 16)


# --- G.1: ECDH generic mapping, brainpoolP256r1, AES-128 -------------------------------------

G1 = load(APPENDIX_G1)
OID_ECDH_GM_AES128 = G1.get("protocol_oid")
MRZ_INFO_G = G1.get("mrz.information")
TERMINAL_MAP_SK = G1.int("terminal.mapping_private_key")
TERMINAL_EPH_SK = G1.int("terminal.ephemeral_private_key")
CHIP_MAP_SK = G1.int("chip.mapping_private_key")
CHIP_EPH_SK = G1.int("chip.ephemeral_private_key")
G1_EXCHANGE = [(c.hex().upper(), r.hex().upper()) for c, r in G1.transcript()]


def _g1_pace() -> PACE:
    return PACE(OID_ECDH_GM_AES128, G1.get("parameter_id"), PACEPassword.mrz(MRZ_INFO_G),
                random=ScriptedRandom([TERMINAL_MAP_SK, TERMINAL_EPH_SK]))


def _run(pace: PACE, exchange: list[tuple[str, str]]) -> SMSession:
    cmd = pace.start()
    out = None
    for expected_cmd, response in exchange:
        assert cmd.encode().hex().upper() == expected_cmd
        out = pace.feed(H(response))
        if isinstance(out, SMSession):
            break
        cmd = out
    assert isinstance(out, SMSession)
    return out


def test_g1_password_key_and_algorithm():
    pw = PACEPassword.mrz(MRZ_INFO_G)
    assert pw.secret == G1.bytes("password.key_seed")
    alg = pace_algorithm(OID_ECDH_GM_AES128)
    assert (alg.agreement, alg.mapping, alg.cipher, alg.key_bits) == ("ECDH", "GM", "AES", 128)
    assert pw.key(alg) == G1.bytes("password.k_pi")
    assert encode_oid(OID_ECDH_GM_AES128) == G1.bytes("oid_der_content")
    assert "T22000129" not in repr(pw)


def test_g1_full_exchange_byte_for_byte():
    pace = _g1_pace()
    session = _run(pace, G1_EXCHANGE)
    assert pace.done
    assert pace._nonce == G1.bytes("nonce.plain")
    assert session.cipher == "AES"
    assert session.ks_enc == G1.bytes("session.ks_enc")
    assert session.ks_mac == G1.bytes("session.ks_mac")
    assert session.ssc == bytes(16)


def test_g1_intermediate_values():
    curve = CURVES[13]
    chip_map_pk = curve.multiply(CHIP_MAP_SK, curve.g)
    assert chip_map_pk == (G1.int("chip.mapping_public_x"), G1.int("chip.mapping_public_y"))
    h = curve.multiply(TERMINAL_MAP_SK, chip_map_pk)
    assert h == (G1.int("mapping.h_x"), G1.int("mapping.h_y"))
    s = G1.int("nonce.plain")
    g_mapped = curve.add(curve.multiply(s, curve.g), h)
    assert g_mapped == (G1.int("mapping.generator_x"), G1.int("mapping.generator_y"))
    mapped = curve.with_generator(g_mapped)
    chip_eph = mapped.multiply(CHIP_EPH_SK, mapped.g)
    shared = mapped.multiply(TERMINAL_EPH_SK, chip_eph)
    assert shared is not None
    assert shared[0] == G1.int("session.shared_secret_x")
    assert shared == mapped.multiply(CHIP_EPH_SK, mapped.multiply(TERMINAL_EPH_SK, mapped.g))


def test_g1_wrong_chip_token_gives_a_clear_error():
    exchange = [*G1_EXCHANGE[:4], (G1_EXCHANGE[4][0], "7C0A86083ABB9674BCE93C099000")]
    pace = _g1_pace()
    with pytest.raises(PACETokenError, match="token"):
        _run(pace, exchange)
    assert not pace.done and pace.session is None


def test_g1_chip_refusing_our_token_means_wrong_password():
    exchange = [*G1_EXCHANGE[:4], (G1_EXCHANGE[4][0], "6300")]
    with pytest.raises(AuthenticationFailed, match="PACE"):
        _run(_g1_pace(), exchange)


def _tamper_point(response_hex: str, new_point: bytes) -> str:
    return response_hex[:8] + new_point.hex().upper() + "9000"


def test_chip_point_off_curve_is_rejected():
    off = H("04" + "11" * 32 + "22" * 32)
    exchange = [*G1_EXCHANGE[:2], (G1_EXCHANGE[2][0], _tamper_point(G1_EXCHANGE[2][1], off))]
    with pytest.raises(PACEError, match="not a point"):
        _run(_g1_pace(), exchange)


def test_chip_ephemeral_key_off_curve_or_echoed_is_rejected():
    off = H("04" + "00" * 64)
    exchange = [*G1_EXCHANGE[:3], (G1_EXCHANGE[3][0], _tamper_point(G1_EXCHANGE[3][1], off))]
    with pytest.raises(PACEError):
        _run(_g1_pace(), exchange)
    ours = H(G1_EXCHANGE[3][0][18:-2])
    exchange = [*G1_EXCHANGE[:3], (G1_EXCHANGE[3][0], _tamper_point(G1_EXCHANGE[3][1], ours))]
    with pytest.raises(PACEError, match="echoed"):
        _run(_g1_pace(), exchange)


def test_malformed_dynamic_authentication_data():
    for bad in ("7C0380019000", "7D0280009000", "7C0581039000", "9000"):
        exchange = [G1_EXCHANGE[0], (G1_EXCHANGE[1][0], bad)]
        with pytest.raises(PACEError):
            _run(_g1_pace(), exchange)


def test_card_errors_carry_the_step():
    with pytest.raises(ReferencedDataNotFound, match="MSE:Set AT"):
        _run(_g1_pace(), [(G1_EXCHANGE[0][0], "6A88")])
    with pytest.raises(WrongData, match="encrypted nonce"):
        _run(_g1_pace(), [G1_EXCHANGE[0], (G1_EXCHANGE[1][0], "6A80")])


def test_mse_without_parameter_id_and_with_can():
    pace = PACE(OID_ECDH_GM_AES128, 13, PACEPassword.can("123456"), send_parameter_id=False)
    assert pace.start().encode() == H("0022C1A40F800A04007F0007020204020283010 2".replace(" ", ""))
    assert PACEPassword.can("123456").key(pace.algorithm) == crypto.kdf(b"123456", 3, "AES", 128)


def test_unsupported_inputs():
    with pytest.raises(PACEError):
        pace_algorithm("0.4.0.127.0.7.2.2.3.2.1")  # chip authentication, not PACE
    with pytest.raises(PACEError):
        pace_algorithm("0.4.0.127.0.7.2.2.4.2.9")
    with pytest.raises(PACEError):
        PACE(OID_ECDH_GM_AES128, 0, PACEPassword.can("123456"))  # DH group for an ECDH OID
    with pytest.raises(PACEError):
        PACE(OID_ECDH_GM_AES128, 7, PACEPassword.can("123456"))  # RFU id
    with pytest.raises(ValueError):
        PACEPassword.can("12a456")


# --- G.1.2: DH generic mapping, RFC 5114 1024-bit group, AES-128 ----------------------------

G12 = load(APPENDIX_G12)
OID_DH_GM_AES128 = G12.get("protocol_oid")
DH_TERMINAL_MAP_SK = G12.int("terminal.mapping_private_key")
DH_TERMINAL_MAP_PK = G12.bytes("terminal.mapping_public_key")
DH_CHIP_MAP_PK = G12.bytes("chip.mapping_public_key")
DH_H = G12.int("mapping.h")
DH_MAPPED_G = G12.int("mapping.generator")
DH_NONCE = G12.bytes("nonce")
DH_TERMINAL_EPH_SK = G12.int("terminal.ephemeral_private_key")
DH_TERMINAL_EPH_PK = G12.bytes("terminal.ephemeral_public_key")
DH_CHIP_EPH_PK = G12.bytes("chip.ephemeral_public_key")
DH_SHARED = G12.bytes("session.shared_secret")


def test_g12_dh_building_blocks():
    group = GROUPS[0]
    assert group.encode(group.public(DH_TERMINAL_MAP_SK)) == DH_TERMINAL_MAP_PK
    assert pow(group.decode_public(DH_CHIP_MAP_PK), DH_TERMINAL_MAP_SK, group.p) == DH_H
    assert pow(group.g, int.from_bytes(DH_NONCE, "big"), group.p) * DH_H % group.p == DH_MAPPED_G
    mapped = group.with_generator(DH_MAPPED_G)
    assert group.encode(mapped.public(DH_TERMINAL_EPH_SK)) == DH_TERMINAL_EPH_PK
    assert group.encode(pow(mapped.decode_public(DH_CHIP_EPH_PK), DH_TERMINAL_EPH_SK, group.p)) == DH_SHARED
    assert crypto.kdf(DH_SHARED, 1, "AES", 128) == G12.bytes("session.ks_enc")
    assert crypto.kdf(DH_SHARED, 2, "AES", 128) == G12.bytes("session.ks_mac")


def _tlv_len(n: int) -> str:
    return f"{n:02X}" if n < 0x80 else (f"81{n:02X}" if n < 0x100 else f"82{n:04X}")


def test_g12_dh_full_exchange():
    # The appendix does not list the encrypted nonce; encrypt the listed nonce with Kπ.
    pw = PACEPassword.mrz(MRZ_INFO_G)
    alg = pace_algorithm(OID_DH_GM_AES128)
    z = crypto.cbc_encrypt("AES", pw.key(alg), DH_NONCE)
    pace = PACE(OID_DH_GM_AES128, 0, pw, random=ScriptedRandom([DH_TERMINAL_MAP_SK, DH_TERMINAL_EPH_SK]))
    assert pace.start().encode() == G12.bytes("mse_set_at")
    cmd = pace.feed(H("9000"))
    assert cmd.encode() == G12.bytes("first_general_authenticate")
    cmd = pace.feed(H("7C128010") + z + H("9000"))
    inner = "8181" + "80" + DH_TERMINAL_MAP_PK.hex().upper()
    assert cmd.encode().hex().upper() == "10860000" + "86" + "7C" + _tlv_len(len(inner) // 2) + inner + "00"
    cmd = pace.feed(H("7C8183828180") + DH_CHIP_MAP_PK + H("9000"))
    assert cmd.data == H("7C818383818 0".replace(" ", "")) + DH_TERMINAL_EPH_PK
    cmd = pace.feed(H("7C8183848180") + DH_CHIP_EPH_PK + H("9000"))
    assert cmd.encode() == G12.bytes("last_general_authenticate")
    session = pace.feed(G12.bytes("chip_token_response"))
    assert isinstance(session, SMSession)
    assert session.ks_enc == G12.bytes("session.ks_enc")
    assert session.ks_mac == G12.bytes("session.ks_mac")


def test_dh_public_value_outside_subgroup_is_rejected():
    pw = PACEPassword.mrz(MRZ_INFO_G)
    pace = PACE(OID_DH_GM_AES128, 0, pw, random=ScriptedRandom([DH_TERMINAL_MAP_SK, DH_TERMINAL_EPH_SK]))
    pace.start()
    pace.feed(H("9000"))
    pace.feed(H("7C128010") + crypto.cbc_encrypt("AES", pw.key(pace.algorithm), DH_NONCE) + H("9000"))
    p_minus_1 = (GROUPS[0].p - 1).to_bytes(128, "big")
    with pytest.raises(PACEError):
        pace.feed(H("7C8183828180") + p_minus_1 + H("9000"))


# --- Appendix H: integrated mapping building blocks -----------------------------------------


def test_h1_ecdh_integrated_mapping():
    v = load(APPENDIX_H)
    curve = CURVES[v.get("h1.parameter_id")]
    x = pseudo_random("AES", 128, v.bytes("h1.nonce_s"), v.bytes("h1.nonce_t"), curve.p)
    assert x == v.int("h1.pseudo_random")
    assert point_encode(curve, x) == (v.int("h1.mapped_x"), v.int("h1.mapped_y"))


def test_h2_dh_integrated_mapping():
    v = load(APPENDIX_H)
    group = GROUPS[v.get("h2.parameter_id")]
    x = pseudo_random("AES", 128, v.bytes("h2.nonce_s"), v.bytes("h2.nonce_t"), group.p)
    assert x == v.int("h2.pseudo_random")
    assert group.with_generator(pow(x, (group.p - 1) // group.q, group.p)).g == v.int("h2.mapped_generator")


def test_pseudo_random_refuses_unimplemented_suites():
    with pytest.raises(PACEError):
        pseudo_random("AES", 256, bytes(16), bytes(16), CURVES[13].p)


# --- round trips against a small test chip on every curve and suite ---------------------------


class _TestChip:
    """Chip side of PACE GM/IM for round-trip tests: built on the curve arithmetic (which the
    worked examples above pin down) and on `cryptography` primitives directly."""

    def __init__(self, oid: str, param_id: int, password: PACEPassword) -> None:
        self.alg = pace_algorithm(oid)
        self.oid = encode_oid(oid)
        self.curve = CURVES[param_id]
        self.k_pi = password.key(self.alg)
        bs = 8 if self.alg.cipher == "3DES" else 16
        self.s = hashlib.sha256(b"nonce").digest()[:bs]
        self.step = 0

    def _point(self, pt) -> bytes:
        return self.curve.encode_point(pt)

    def _token(self, pk: bytes) -> bytes:
        do = _tl(0x7F49, _tl(0x06, self.oid) + _tl(0x86, pk))
        if self.alg.cipher == "3DES":
            return crypto.retail_mac(self.ks_mac, crypto.pad(do, 8))
        return crypto.aes_cmac(self.ks_mac, do)

    def answer(self, cmd: bytes) -> bytes:
        self.step += 1
        body = cmd[5:-1]
        inner = body[2:] if body[1] < 0x80 else body[2 + (body[1] & 0x7F) :]
        value = inner[2:] if inner[1:2] and inner[1] < 0x80 else inner[3:]
        if self.step == 1:
            return b"\x90\x00"
        if self.step == 2:
            z = crypto.cbc_encrypt(self.alg.cipher, self.k_pi, self.s)
            return b"\x7c" + bytes([len(z) + 2, 0x80, len(z)]) + z + b"\x90\x00"
        c = self.curve
        if self.step == 3:
            if self.alg.mapping == "IM":
                x = pseudo_random(self.alg.cipher, self.alg.key_bits, self.s, value, c.p)
                self.g = c.with_generator(point_encode(c, x))
                return b"\x7c\x00\x90\x00"
            sk = 0x1234567 * 0x89ABCDEF % c.n
            h = c.multiply(sk, c.decode_point(value))
            self.g = c.with_generator(c.add(c.multiply(int.from_bytes(self.s, "big"), c.g), h))
            pk = self._point(c.multiply(sk, c.g))
            return _wrap7c(0x82, pk)
        if self.step == 4:
            self.pcd = value
            sk = 0xC0FFEE * 0x1234567 % c.n
            self.pk = self._point(self.g.multiply(sk, self.g.g))
            shared = self.g.multiply(sk, self.g.decode_point(value))
            secret = shared[0].to_bytes(c.size, "big")
            self.ks_mac = crypto.kdf(secret, 2, self.alg.cipher, self.alg.key_bits)
            self.ks_enc = crypto.kdf(secret, 1, self.alg.cipher, self.alg.key_bits)
            return _wrap7c(0x84, self.pk)
        if value != self._token(self.pk):
            return b"\x63\x00"  # what chips answer to a wrong password
        return _wrap7c(0x86, self._token(self.pcd))


def _tl(tag: int, value: bytes) -> bytes:
    n = len(value)
    length = bytes([n]) if n < 0x80 else bytes([0x81, n])
    return tag.to_bytes(2 if tag > 0xFF else 1, "big") + length + value


def _wrap7c(tag: int, value: bytes) -> bytes:
    return _tl(0x7C, _tl(tag, value)) + b"\x90\x00"


@pytest.mark.parametrize("param_id", sorted(CURVES))
@pytest.mark.parametrize("suite", [1, 2, 3, 4])
def test_gm_round_trip_every_curve_and_suite(param_id: int, suite: int):
    oid = f"0.4.0.127.0.7.2.2.4.2.{suite}"
    pw = PACEPassword.can("123456") if suite % 2 else PACEPassword.mrz(MRZ_INFO_G)
    chip = _TestChip(oid, param_id, pw)
    pace = PACE(oid, param_id, pw)
    out = pace.start()
    while not isinstance(out, SMSession):
        out = pace.feed(ResponseAPDU.decode(chip.answer(out.encode())))
    assert (out.ks_enc, out.ks_mac) == (chip.ks_enc, chip.ks_mac)
    assert out.ssc == bytes(8 if suite == 1 else 16)


@pytest.mark.parametrize("param_id", [13, 16, 17])
def test_im_round_trip(param_id: int):
    oid = "0.4.0.127.0.7.2.2.4.4.2"
    pw = PACEPassword.can("654321")
    chip = _TestChip(oid, param_id, pw)
    pace = PACE(oid, param_id, pw)
    out = pace.start()
    while not isinstance(out, SMSession):
        out = pace.feed(ResponseAPDU.decode(chip.answer(out.encode())))
    assert out.ks_enc == chip.ks_enc


def test_wrong_password_fails_at_the_token():
    oid = OID_ECDH_GM_AES128
    chip = _TestChip(oid, 13, PACEPassword.can("123456"))
    pace = PACE(oid, 13, PACEPassword.can("123457"))
    out = pace.start()
    with pytest.raises(AuthenticationFailed):
        while not isinstance(out, SMSession):
            out = pace.feed(ResponseAPDU.decode(chip.answer(out.encode())))


def test_choosing_among_several_pace_infos():
    gm_aes128_bp256 = (OID_ECDH_GM_AES128, 13)
    infos = [
        ("0.4.0.127.0.7.2.2.4.1.2", 0),  # DH-GM
        ("0.4.0.127.0.7.2.2.4.4.2", 13),  # ECDH-IM
        gm_aes128_bp256,
        ("0.4.0.127.0.7.2.2.4.2.1", 13),  # 3DES
        ("0.4.0.127.0.7.2.2.4.2.4", 99),  # unknown parameter id
        ("0.4.0.127.0.7.2.2.3.2.4", 13),  # not PACE
    ]
    assert choose_pace_info(infos) == gm_aes128_bp256
    assert choose_pace_info([*infos, ("0.4.0.127.0.7.2.2.4.2.4", 17)]) == ("0.4.0.127.0.7.2.2.4.2.4", 17)
    assert choose_pace_info(infos[:2]) == ("0.4.0.127.0.7.2.2.4.4.2", 13)
    assert not supported("0.4.0.127.0.7.2.2.4.4.2", 10)  # IM undefined on P-224 (p ≡ 1 mod 4)
    assert not supported("0.4.0.127.0.7.2.2.4.4.4", 13)  # IM only with AES-128 here
    with pytest.raises(PACEError):
        choose_pace_info(infos[4:])


@settings(max_examples=150, deadline=None)
@given(
    step=st.integers(0, 4), garbage=st.binary(max_size=140), sw=st.sampled_from([b"\x90\x00", b"\x63\x00"])
)
def test_hostile_responses_give_chip_errors_only(step: int, garbage: bytes, sw: bytes):
    assume(step > 0 or sw != b"\x90\x00")  # MSE:Set AT has no response data: any 9000 is success
    pace = _g1_pace()
    pace.start()
    for _, response in G1_EXCHANGE[:step]:
        pace.feed(H(response))
    with pytest.raises(ChipError):
        pace.feed(garbage + sw)
    assert pace.session is None


@settings(max_examples=100, deadline=None)
@given(garbage=st.binary(max_size=60), second=st.booleans())
def test_hostile_bac_responses_give_chip_errors_only(garbage: bytes, second: bool):
    from gateway.nfc.access_key import MRZKey
    from gateway.nfc.protocol.bac import BAC, derive_basic_keys

    bac = BAC(*derive_basic_keys(MRZKey("L898902C<", "690806", "940623").information))
    bac.start()
    if second:
        bac.feed(H("4608F919887022129000"))
    try:
        out = bac.feed(garbage + b"\x90\x00")
    except ChipError:
        return
    assert not second and len(garbage) == 8 and out.ins == 0x82  # a well-formed challenge
