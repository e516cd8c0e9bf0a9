"""Signature verification for every algorithm Doc 9303 Part 12 allows, signatures made by
`cryptography` (an independent signer) and checked by gateway.pki.signatures."""

from __future__ import annotations

import pytest
from asn1crypto import algos
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from gateway.crypto import oids
from gateway.crypto.public_key import parse_spki_der
from gateway.crypto.signatures import UnsupportedSignature, verify

DATA = b"signed attributes of an LDS security object"
HASH = {"sha1": hashes.SHA1, "sha224": hashes.SHA224, "sha256": hashes.SHA256, "sha384": hashes.SHA384,
        "sha512": hashes.SHA512}


def _spki(public_key: object) -> bytes:
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(65537, 2048)


@pytest.mark.parametrize(("oid", "name"), [
    (oids.SHA1_WITH_RSA, "sha1"), (oids.SHA224_WITH_RSA, "sha224"), (oids.SHA256_WITH_RSA, "sha256"),
    (oids.SHA384_WITH_RSA, "sha384"), (oids.SHA512_WITH_RSA, "sha512"),
])
def test_rsa_pkcs1(rsa_key: rsa.RSAPrivateKey, oid: str, name: str) -> None:
    key = parse_spki_der(_spki(rsa_key.public_key()))
    sig = rsa_key.sign(DATA, padding.PKCS1v15(), HASH[name]())
    assert verify(key, oid, None, DATA, sig)
    assert not verify(key, oid, None, DATA + b"!", sig)
    # rsaEncryption as the signature algorithm: the hash comes from the SignerInfo digest algorithm.
    assert verify(key, oids.RSA_ENCRYPTION, None, DATA, sig, digest_algorithm=name)
    with pytest.raises(UnsupportedSignature):
        verify(key, oids.RSA_ENCRYPTION, None, DATA, sig)


@pytest.mark.parametrize(("name", "mgf", "salt"), [
    ("sha256", "sha256", 32), ("sha512", "sha512", 64), ("sha256", "sha1", 20), ("sha384", "sha384", 0),
])
def test_rsa_pss_honours_its_parameters(rsa_key: rsa.RSAPrivateKey, name: str, mgf: str, salt: int) -> None:
    key = parse_spki_der(_spki(rsa_key.public_key()))
    sig = rsa_key.sign(DATA, padding.PSS(padding.MGF1(HASH[mgf]()), salt), HASH[name]())
    params = algos.RSASSAPSSParams({
        "hash_algorithm": {"algorithm": name},
        "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": mgf}},
        "salt_length": salt,
    }).dump()
    assert verify(key, oids.RSASSA_PSS, params, DATA, sig)
    assert not verify(key, oids.RSASSA_PSS, params, DATA[:-1], sig)
    wrong = algos.RSASSAPSSParams({
        "hash_algorithm": {"algorithm": name},
        "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": mgf}},
        "salt_length": salt + 1,
    }).dump()
    assert not verify(key, oids.RSASSA_PSS, wrong, DATA, sig)


def test_rsa_pss_default_parameters(rsa_key: rsa.RSAPrivateKey) -> None:
    key = parse_spki_der(_spki(rsa_key.public_key()))
    sig = rsa_key.sign(DATA, padding.PSS(padding.MGF1(hashes.SHA1()), 20), hashes.SHA1())
    assert verify(key, oids.RSASSA_PSS, None, DATA, sig)


CURVES = [ec.SECP256R1(), ec.SECP384R1(), ec.SECP521R1(), ec.BrainpoolP256R1(), ec.BrainpoolP384R1(),
          ec.BrainpoolP512R1()]
ECDSA = {"sha1": oids.ECDSA_WITH_SHA1, "sha224": oids.ECDSA_WITH_SHA224, "sha256": oids.ECDSA_WITH_SHA256,
         "sha384": oids.ECDSA_WITH_SHA384, "sha512": oids.ECDSA_WITH_SHA512}
PLAIN = {"sha1": oids.ECDSA_PLAIN_SHA1, "sha256": oids.ECDSA_PLAIN_SHA256, "sha512": oids.ECDSA_PLAIN_SHA512}


@pytest.mark.parametrize("curve", CURVES, ids=lambda c: c.name)
def test_ecdsa_der_and_plain(curve: ec.EllipticCurve) -> None:
    private = ec.generate_private_key(curve)
    key = parse_spki_der(_spki(private.public_key()))
    size = (curve.key_size + 7) // 8
    for name, oid in ECDSA.items():
        sig = private.sign(DATA, ec.ECDSA(HASH[name]()))
        assert verify(key, oid, None, DATA, sig), name
        assert not verify(key, oid, None, DATA + b"x", sig)
        assert verify(key, oids.EC_PUBLIC_KEY, None, DATA, sig, digest_algorithm=name)
        if name in PLAIN:
            r, s = decode_dss_signature(sig)
            plain = r.to_bytes(size, "big") + s.to_bytes(size, "big")
            assert verify(key, PLAIN[name], None, DATA, plain)
            assert not verify(key, PLAIN[name], None, DATA, plain[:-1] + bytes([plain[-1] ^ 1]))


def test_ecdsa_on_a_curve_cryptography_cannot_load_uses_own_arithmetic() -> None:
    """brainpoolP224r1 (the first German CSCA's curve): sign with our own integer ECDSA built on the
    standard formulas, verify through the public API — and cross-check on P-256 with cryptography."""
    import hashlib
    import secrets

    from gateway.crypto.ec import CURVES as EC

    def sign(curve_id: int, d: int, data: bytes) -> tuple[bytes, bytes]:
        c = EC[curve_id]
        e = int.from_bytes(hashlib.sha224(data).digest(), "big") >> max(0, 224 - c.n.bit_length())
        while True:
            k = secrets.randbelow(c.n - 1) + 1
            r = c.multiply(k, c.g)[0] % c.n
            s = pow(k, -1, c.n) * (e + r * d) % c.n
            if r and s:
                size = (c.n.bit_length() + 7) // 8
                return c.encode_point(c.multiply(d, c.g)), r.to_bytes(size, "big") + s.to_bytes(size, "big")

    from asn1crypto import keys

    d = secrets.randbelow(2**200) + 1
    point, sig = sign(11, d, DATA)
    spki = keys.PublicKeyInfo({
        "algorithm": {"algorithm": "ec", "parameters": ("named", "1.3.36.3.3.2.8.1.1.5")},
        "public_key": point,
    }).dump()
    key = parse_spki_der(spki)
    assert key.curve == "brainpoolP224r1" and not key.loadable
    assert verify(key, oids.ECDSA_PLAIN_SHA224, None, DATA, sig)
    assert not verify(key, oids.ECDSA_PLAIN_SHA224, None, DATA + b"?", sig)


def test_wrong_key_type_and_unknown_algorithm_are_unsupported(rsa_key: rsa.RSAPrivateKey) -> None:
    rsa_info = parse_spki_der(_spki(rsa_key.public_key()))
    ec_info = parse_spki_der(_spki(ec.generate_private_key(ec.SECP256R1()).public_key()))
    with pytest.raises(UnsupportedSignature):
        verify(rsa_info, oids.ECDSA_WITH_SHA256, None, DATA, b"\x30\x00")
    with pytest.raises(UnsupportedSignature):
        verify(ec_info, oids.SHA256_WITH_RSA, None, DATA, b"\x00" * 256)
    with pytest.raises(UnsupportedSignature):
        verify(ec_info, "1.2.3.4", None, DATA, b"")
    # Garbage signatures are simply invalid, never a crash.
    assert not verify(ec_info, oids.ECDSA_WITH_SHA256, None, DATA, b"\x30\x02\x01")
    assert not verify(ec_info, oids.ECDSA_PLAIN_SHA256, None, DATA, b"\x01\x02\x03")
    assert not verify(rsa_info, oids.SHA256_WITH_RSA, None, DATA, b"\x00")
