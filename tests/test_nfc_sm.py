"""Secure messaging: tampered responses never pass, AES SM, odd INS, extended length.

The protected responses for AES are built here with `cryptography` directly (not through
gateway.nfc.sm), so wrap and unwrap are checked against an independent encoder."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.nfc.apdu import CommandAPDU, read_binary, read_binary_odd, select_file
from gateway.nfc.protocol.secure_messaging import SMMACError, SMSession, SMSessionUnusable
from gateway.nfc.status import ChipError, SMObjectsIncorrect

H = bytes.fromhex
KS_ENC_3DES = H("979EC13B1CBFE9DCD01AB0FED307EAE5")
KS_MAC_3DES = H("F1CB1F1FB5ADF208806B89DC579DC1F8")
SSC_3DES = H("887022120C06C226")
# Appendix D: the second exchange (READ BINARY 4 bytes) at SSC+2/SSC+3.
READ4_RESPONSE = H("8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000")


def _appendix_d_after_select() -> SMSession:
    s = SMSession("3DES", KS_ENC_3DES, KS_MAC_3DES, SSC_3DES)
    s.wrap(select_file(0x011E))
    s.unwrap(H("990290008E08FA855A5D4C50A8ED9000"))
    s.wrap(read_binary(0, 4))
    return s


@settings(max_examples=300, deadline=None)
@given(bit=st.integers(min_value=0, max_value=(len(READ4_RESPONSE) - 2) * 8 - 1))
def test_any_flipped_bit_in_a_response_is_detected(bit: int):
    s = _appendix_d_after_select()
    bad = bytearray(READ4_RESPONSE)
    bad[bit // 8] ^= 0x80 >> (bit % 8)
    with pytest.raises(SMMACError):
        s.unwrap(bytes(bad))
    assert not s.trusted
    with pytest.raises(SMSessionUnusable):
        s.wrap(read_binary(4, 4))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(garbage=st.binary(max_size=80))
def test_random_responses_never_succeed(garbage: bytes):
    s = _appendix_d_after_select()
    try:
        s.unwrap(garbage + b"\x90\x00")
    except ChipError:
        assert not s.trusted
    else:  # pragma: no cover - would be a forged response accepted
        pytest.fail("random bytes accepted as an authentic response")


def test_valid_response_passes_then_replay_fails():
    s = _appendix_d_after_select()
    assert s.unwrap(READ4_RESPONSE).data == H("60145F01")
    s.wrap(read_binary(0, 4))
    with pytest.raises(SMMACError):  # the same frame again: SSC moved on
        s.unwrap(READ4_RESPONSE)


def test_missing_mac_and_plain_errors_end_the_session():
    s = _appendix_d_after_select()
    with pytest.raises(SMMACError):
        s.unwrap(H("990290009000"))  # status object without MAC
    s = _appendix_d_after_select()
    with pytest.raises(SMObjectsIncorrect):
        s.unwrap(H("6988"))
    assert not s.trusted
    s = _appendix_d_after_select()
    with pytest.raises(SMMACError):
        s.unwrap(H("9000"))  # an unprotected "success" is never accepted


def test_wrap_unwrap_must_alternate():
    s = SMSession("3DES", KS_ENC_3DES, KS_MAC_3DES, SSC_3DES)
    with pytest.raises(SMSessionUnusable):
        s.unwrap(H("990290008E08FA855A5D4C50A8ED9000"))
    s = SMSession("3DES", KS_ENC_3DES, KS_MAC_3DES, SSC_3DES)
    s.wrap(select_file(0x011E))
    with pytest.raises(SMSessionUnusable):
        s.wrap(select_file(0x011E))


# --- AES, built independently -------------------------------------------------------------

KS_ENC_AES = H("F5F0E35C0D7161EE6724EE513A0D9A7F")
KS_MAC_AES = H("FE251C7858B356B24514B3BD5F4297D1")


def _pad16(b: bytes) -> bytes:
    b += b"\x80"
    return b + bytes(-len(b) % 16)


def _aes_ecb(key: bytes, block: bytes) -> bytes:
    e = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return e.update(block) + e.finalize()


def _aes_cbc(key: bytes, iv: bytes, data: bytes, decrypt: bool = False) -> bytes:
    c = Cipher(algorithms.AES(key), modes.CBC(iv))
    x = c.decryptor() if decrypt else c.encryptor()
    return x.update(data) + x.finalize()


def _cmac8(key: bytes, data: bytes) -> bytes:
    c = CMAC(algorithms.AES(key))
    c.update(data)
    return c.finalize()[:8]


def _tlv(tag: int, value: bytes) -> bytes:
    n = len(value)
    if n < 0x80:
        return bytes([tag, n]) + value
    if n < 0x100:
        return bytes([tag, 0x81, n]) + value
    return bytes([tag, 0x82]) + n.to_bytes(2, "big") + value


def _chip_response(ssc: int, data: bytes, sw: bytes = b"\x90\x00") -> bytes:
    ssc_b = ssc.to_bytes(16, "big")
    objs = b""
    if data:
        iv = _aes_ecb(KS_ENC_AES, ssc_b)
        objs += _tlv(0x87, b"\x01" + _aes_cbc(KS_ENC_AES, iv, _pad16(data)))
    objs += _tlv(0x99, sw)
    objs += _tlv(0x8E, _cmac8(KS_MAC_AES, _pad16(ssc_b + objs)))
    return objs + sw


def _parse_command_objects(body: bytes) -> dict[int, bytes]:
    out, pos = {}, 0
    while pos < len(body):
        tag, n = body[pos], body[pos + 1]
        pos += 2
        if n == 0x81:
            n, pos = body[pos], pos + 1
        elif n == 0x82:
            n, pos = int.from_bytes(body[pos : pos + 2], "big"), pos + 2
        out[tag] = body[pos : pos + n]
        pos += n
    return out


def test_aes_wrap_matches_an_independent_encoder_and_unwrap_decrypts():
    s = SMSession("AES", KS_ENC_AES, KS_MAC_AES, bytes(16))
    cmd = CommandAPDU(0x00, 0xA4, 0x02, 0x0C, H("0101"))
    w = s.wrap(cmd)
    objs = _parse_command_objects(w.data)
    ssc1 = (1).to_bytes(16, "big")
    iv = _aes_ecb(KS_ENC_AES, ssc1)
    assert objs[0x87][0] == 1
    assert _aes_cbc(KS_ENC_AES, iv, objs[0x87][1:], decrypt=True) == _pad16(H("0101"))
    mac_input = _pad16(ssc1 + _pad16(H("0CA4020C")) + _tlv(0x87, objs[0x87]))
    assert objs[0x8E] == _cmac8(KS_MAC_AES, mac_input)
    assert w.encode().endswith(b"\x00") and w.cla == 0x0C
    r = s.unwrap(_chip_response(2, b""))
    assert r.sw == 0x9000 and r.data == b""

    s.wrap(read_binary(0, 0xE0))
    payload = bytes(range(0xE0))
    assert s.unwrap(_chip_response(4, payload)).data == payload


def test_aes_status_word_comes_from_the_protected_object():
    s = SMSession("AES", KS_ENC_AES, KS_MAC_AES, bytes(16))
    s.wrap(read_binary(0x100, 0x10))
    r = s.unwrap(_chip_response(2, b"\x01\x02", sw=b"\x62\x82"))
    assert r.sw == 0x6282 and r.data == b"\x01\x02"


def test_extended_length_in_sm():
    s = SMSession("AES", KS_ENC_AES, KS_MAC_AES, bytes(16))
    w = s.wrap(read_binary(0, 1000))
    raw = w.encode()
    assert w.is_extended
    assert raw[4:7] == bytes([0, 0, len(w.data)]) and raw[-2:] == b"\x00\x00"
    assert _parse_command_objects(w.data)[0x97] == (1000).to_bytes(2, "big")
    payload = bytes(i % 251 for i in range(1000))
    assert s.unwrap(_chip_response(2, payload)).data == payload
    # a plain command with > 255 data bytes is wrapped extended too
    w = s.wrap(CommandAPDU(0x00, 0xD6, 0, 0, bytes(300)))
    assert w.is_extended and len(w.data) > 300


def test_odd_ins_uses_do85_without_padding_indicator():
    s = SMSession("AES", KS_ENC_AES, KS_MAC_AES, bytes(16))
    w = s.wrap(read_binary_odd(0x8000, 0x80))
    objs = _parse_command_objects(w.data)
    assert 0x85 in objs and 0x87 not in objs
    iv = _aes_ecb(KS_ENC_AES, (1).to_bytes(16, "big"))
    assert _aes_cbc(KS_ENC_AES, iv, objs[0x85], decrypt=True) == _pad16(H("5402") + H("8000"))
    assert objs[0x97] == b"\x80"


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=120), bit=st.integers(min_value=0))
def test_aes_tampering_is_always_detected(data: bytes, bit: int):
    s = SMSession("AES", KS_ENC_AES, KS_MAC_AES, bytes(16))
    s.wrap(read_binary(0, 0x80))
    good = _chip_response(2, data)
    bad = bytearray(good)
    bit %= (len(good) - 2) * 8
    bad[bit // 8] ^= 0x80 >> (bit % 8)
    with pytest.raises(SMMACError):
        s.unwrap(bytes(bad))
    assert not s.trusted


# --- what real chips do (quirks) and what hostile ones do ---------------------------------


def _chip_response_without_do99(ssc: int, data: bytes, sw: bytes = b"\x90\x00") -> bytes:
    """A chip that leaves DO'99 out: the MAC covers DO'87 only, the status is in the trailer alone."""
    ssc_b = ssc.to_bytes(16, "big")
    iv = _aes_ecb(KS_ENC_AES, ssc_b)
    objs = _tlv(0x87, b"\x01" + _aes_cbc(KS_ENC_AES, iv, _pad16(data)))
    objs += _tlv(0x8E, _cmac8(KS_MAC_AES, _pad16(ssc_b + objs)))
    return objs + sw


def test_a_response_without_do99_is_accepted_when_its_mac_verifies():
    from gateway.nfc.protocol.secure_messaging import QUIRK_NO_DO99

    s = SMSession("AES", KS_ENC_AES, KS_MAC_AES, bytes(16))
    s.wrap(read_binary(0, 0x10))
    r = s.unwrap(_chip_response_without_do99(2, b"\x61\x0e" + bytes(14)))
    assert (r.data, r.sw) == (b"\x61\x0e" + bytes(14), 0x9000)
    assert s.trusted and s.quirks == {QUIRK_NO_DO99}
    s.wrap(read_binary(0x10, 0x10))  # and the session goes on: the SSC counted that answer
    bad = bytearray(_chip_response_without_do99(4, bytes(16)))
    bad[5] ^= 1  # the data is still MAC-protected
    with pytest.raises(SMMACError):
        s.unwrap(bytes(bad))


def test_stripping_do99_from_a_protected_answer_breaks_its_mac():
    s = SMSession("AES", KS_ENC_AES, KS_MAC_AES, bytes(16))
    s.wrap(read_binary(0, 0x10))
    with_do99 = _chip_response(2, bytes(16))
    stripped = with_do99.replace(_tlv(0x99, b"\x90\x00"), b"", 1)  # the MAC was over DO'87 + DO'99
    with pytest.raises(SMMACError):
        s.unwrap(stripped)


def test_an_unprotected_warning_with_data_ends_the_session_without_using_the_data():
    from gateway.nfc.protocol.secure_messaging import UnprotectedStatus

    s = SMSession("AES", KS_ENC_AES, KS_MAC_AES, bytes(16))
    s.wrap(read_binary(0, 256))
    with pytest.raises(UnprotectedStatus) as info:
        s.unwrap(b"\x61\x0b" + b"tail of DG1" + b"\x62\x82")  # past the end, answered in the clear
    assert info.value.sw == 0x6282 and info.value.carried_data
    assert not s.trusted  # the session is over (access runs again), but nothing was accepted
    with pytest.raises(SMSessionUnusable):
        s.wrap(read_binary(0, 4))


def test_a_response_shorter_than_a_status_word_leaves_the_session_untrusted():
    for short in (b"", b"\x90"):
        s = SMSession("AES", KS_ENC_AES, KS_MAC_AES, bytes(16))
        s.wrap(read_binary(0, 4))
        with pytest.raises(SMMACError):
            s.unwrap(short)
        assert not s.trusted
        with pytest.raises(SMSessionUnusable):
            s.wrap(read_binary(0, 4))
