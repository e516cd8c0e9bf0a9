"""Symmetric primitives against published vectors, and the curve / group tables against
independent sources (curve equations, group orders, and `cryptography`'s own named curves)."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric import ec as cec

from gateway.crypto import symmetric as crypto
from gateway.crypto.dh import GROUPS, DHKeyError
from gateway.crypto.ec import CURVES, PointError

H = bytes.fromhex


def test_padding_method_2():
    assert crypto.pad(b"") == H("8000000000000000")
    assert crypto.pad(H("0102030405060708")) == H("0102030405060708") + H("8000000000000000")
    assert crypto.pad(H("01"), 16) == H("0180") + bytes(14)
    assert crypto.unpad(H("0102800000")) == H("0102")
    for bad in (H("010200"), b"", H("00000000")):
        with pytest.raises(crypto.PaddingError):
            crypto.unpad(bad)


def test_aes_cmac_rfc4493_vector():
    key = H("2b7e151628aed2a6abf7158809cf4f3c")
    msg = H("6bc1bee22e409f96e93d7e117393172a")
    assert crypto.aes_cmac(key, msg, 16) == H("070a16b46b4d4144f79bdd9dd04a287c")
    assert crypto.aes_cmac(key, b"", 16) == H("bb1d6929e95937287fa37d129b756746")


def test_retail_mac_worked_example_d():
    # Appendix D: MIFD = MAC(KMAC, pad(EIFD)).
    eifd = H("72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2")
    k_mac = H("7962D9ECE03D1ACD4C76089DCE131543")
    assert crypto.retail_mac(k_mac, crypto.pad(eifd)) == H("5F1448EEA8AD90A7")


def test_parity_and_kdf():
    assert crypto.adjust_parity(H("00FF0102")) == H("01FE0102")
    for b in crypto.kdf(b"seed", 1):
        assert bin(b).count("1") % 2 == 1
    secret = b"shared secret"
    assert crypto.kdf(secret, 1, "AES", 128) == hashlib.sha1(secret + H("00000001")).digest()[:16]
    assert crypto.kdf(secret, 2, "AES", 192) == hashlib.sha256(secret + H("00000002")).digest()[:24]
    assert crypto.kdf(secret, 3, "AES", 256) == hashlib.sha256(secret + H("00000003")).digest()
    with pytest.raises(ValueError):
        crypto.kdf(secret, 1, "AES", 512)


NAMED = {
    8: cec.SECP192R1(),
    10: cec.SECP224R1(),
    12: cec.SECP256R1(),
    13: cec.BrainpoolP256R1(),
    15: cec.SECP384R1(),
    16: cec.BrainpoolP384R1(),
    17: cec.BrainpoolP512R1(),
    18: cec.SECP521R1(),
}


@pytest.mark.parametrize("param_id", sorted(CURVES))
def test_curve_tables_are_consistent(param_id: int):
    c = CURVES[param_id]
    assert c.contains(c.g)
    assert c.multiply(c.n, c.g) is None  # really computed: multiply has no order shortcut
    assert c.multiply(c.n - 1, c.g) == (c.gx, (-c.gy) % c.p)
    k = int.from_bytes(hashlib.sha256(c.name.encode()).digest(), "big") % c.n
    pt = c.multiply(k, c.g)
    assert c.decode_point(c.encode_point(pt)) == pt
    # addition agrees with scalar multiplication
    assert c.add(pt, c.g) == c.multiply(k + 1, c.g)
    assert c.add(pt, pt) == c.multiply(2 * k, c.g)
    if param_id in NAMED:  # independent implementation of the same named curve
        pub = cec.derive_private_key(k, NAMED[param_id]).public_key().public_numbers()
        assert (pub.x, pub.y) == pt


def test_point_validation():
    c = CURVES[13]
    enc = c.encode_point(c.g)
    with pytest.raises(PointError):
        c.decode_point(enc[:-1])
    with pytest.raises(PointError):
        c.decode_point(b"\x02" + enc[1:])
    bad = bytearray(enc)
    bad[-1] ^= 1
    with pytest.raises(PointError):
        c.decode_point(bytes(bad))
    with pytest.raises(PointError):
        c.encode_point(None)


@pytest.mark.parametrize("param_id", sorted(GROUPS))
def test_dh_groups(param_id: int):
    g = GROUPS[param_id]
    assert pow(g.g, g.q, g.p) == 1 and g.g != 1
    assert (g.p - 1) % g.q == 0
    y = g.public(123456789)
    assert g.decode_public(g.encode(y)) == y
    for bad in (1, g.p - 1, 2):  # 2 is not in the prime-order subgroup
        with pytest.raises(DHKeyError):
            g.decode_public(bad.to_bytes(g.size, "big"))
    assert [g.p.bit_length(), g.q.bit_length()] == {0: [1024, 160], 1: [2048, 224], 2: [2048, 256]}[param_id]
