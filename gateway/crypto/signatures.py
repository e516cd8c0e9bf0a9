"""Signature verification for the eMRTD PKI: every algorithm Doc 9303 Part 12 allows, on any key
a chip or a CSCA may carry.

`cryptography` does the work where it can. It cannot load EC keys on curves it does not know
(brainpoolP224r1 and friends, e.g. the first German CSCA of 2007) and refuses some real-world
certificate encodings, so keys come in as `PublicKeyInfo` (our own SPKI parse, which keeps
explicit curve parameters) and ECDSA falls back to plain integer arithmetic for such curves.
Verification only touches public values, so that arithmetic needs no side-channel care.
"""

from __future__ import annotations

import hashlib

from asn1crypto import algos
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from gateway.crypto import oids
from gateway.crypto.asn1 import ASN1_FAILURES
from gateway.crypto.ec import CURVES as PACE_CURVES
from gateway.crypto.ec import Curve
from gateway.crypto.ec_params import CURVES as LOADABLE_CURVES
from gateway.crypto.errors import CryptoError, UnsupportedError
from gateway.crypto.public_key import PublicKeyInfo
from gateway.limits import MAX_RSA_BITS


class UnsupportedSignature(UnsupportedError):
    """The algorithm, its parameters or the key cannot be used to verify here (not a bad signature)."""


HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}

_RSA_PKCS1 = {
    oids.SHA1_WITH_RSA: "sha1",
    oids.SHA224_WITH_RSA: "sha224",
    oids.SHA256_WITH_RSA: "sha256",
    oids.SHA384_WITH_RSA: "sha384",
    oids.SHA512_WITH_RSA: "sha512",
}
_ECDSA_DER = {
    oids.ECDSA_WITH_SHA1: "sha1",
    oids.ECDSA_WITH_SHA224: "sha224",
    oids.ECDSA_WITH_SHA256: "sha256",
    oids.ECDSA_WITH_SHA384: "sha384",
    oids.ECDSA_WITH_SHA512: "sha512",
}
_ECDSA_PLAIN = {
    oids.ECDSA_PLAIN_SHA1: "sha1",
    oids.ECDSA_PLAIN_SHA224: "sha224",
    oids.ECDSA_PLAIN_SHA256: "sha256",
    oids.ECDSA_PLAIN_SHA384: "sha384",
    oids.ECDSA_PLAIN_SHA512: "sha512",
}


def algorithm_name(oid: str) -> str:
    return oids.NAMES.get(oid, oid)


def digest(name: str, data: bytes) -> bytes:
    if name not in HASHES:
        raise UnsupportedSignature(f"hash algorithm {name} is not allowed")
    return hashlib.new(name, data).digest()


def _pss_padding(params_der: bytes | None) -> tuple[str, padding.PSS]:
    """RSASSA-PSS-params (RFC 4055) → (hash name, cryptography padding). Absent fields take the
    RFC defaults (SHA-1, MGF1-SHA-1, salt 20), which some early documents rely on."""
    if params_der is None:
        hash_name, mgf_hash, salt = "sha1", "sha1", 20
    else:
        try:
            params = algos.RSASSAPSSParams.load(params_der, strict=True)
            hash_name = params["hash_algorithm"]["algorithm"].native
            mgf = params["mask_gen_algorithm"]
            if mgf["algorithm"].native != "mgf1":
                raise UnsupportedSignature("RSASSA-PSS with a mask generation function other than MGF1")
            mgf_hash = mgf["parameters"]["algorithm"].native
            salt = params["salt_length"].native
            if params["trailer_field"].native not in ("trailer_field_bc", 1):
                raise UnsupportedSignature("RSASSA-PSS with a trailer field other than BC")
        except ASN1_FAILURES as exc:
            raise UnsupportedSignature(f"RSASSA-PSS parameters are malformed ({type(exc).__name__})") from None
    hash_name, mgf_hash = str(hash_name), str(mgf_hash)  # asn1crypto names: "sha256" etc.
    if hash_name not in HASHES or mgf_hash not in HASHES:
        raise UnsupportedSignature("RSASSA-PSS with a hash algorithm Doc 9303 does not allow")
    # RFC 8017 §9.1.1: emLen ≥ hLen + sLen + 2, so no salt is longer than the largest modulus.
    if not isinstance(salt, int) or not 0 <= salt <= MAX_RSA_BITS // 8:
        raise UnsupportedSignature("RSASSA-PSS parameters are malformed (salt length out of range)")
    return hash_name, padding.PSS(mgf=padding.MGF1(HASHES[mgf_hash]()), salt_length=salt)


def curve_of(key: PublicKeyInfo) -> Curve:
    """Our own arithmetic curve for an EC key `cryptography` cannot load."""
    if key.explicit is not None:
        d = key.explicit
        return Curve(key.curve or "explicit curve", d.p, d.a, d.b, d.gx, d.gy, d.n, d.h or 1)
    for curve_id, name in oids.STANDARDIZED_DOMAIN_PARAMETER_NAMES.items():
        if name == key.curve and curve_id in PACE_CURVES:
            return PACE_CURVES[curve_id]
    raise UnsupportedSignature(f"EC curve {key.curve} is not supported")


def _ecdsa_verify_integers(key: PublicKeyInfo, hash_name: str, data: bytes, r: int, s: int) -> bool:
    curve = curve_of(key)
    n = curve.n
    if not (0 < r < n and 0 < s < n):
        return False
    try:
        q = curve.decode_point(key.key_bytes)
    except ValueError:
        raise UnsupportedSignature("EC public key is not a point on its curve") from None
    e = int.from_bytes(digest(hash_name, data), "big")
    excess = len(digest(hash_name, b"")) * 8 - n.bit_length()
    if excess > 0:
        e >>= excess
    w = pow(s, -1, n)
    point = curve.add(curve.multiply(e * w % n, curve.g), curve.multiply(r * w % n, q))
    return point is not None and point[0] % n == r


def verify_ecdsa(key: PublicKeyInfo, hash_name: str, data: bytes, signature: bytes, plain: bool) -> bool:
    if plain:
        if not signature or len(signature) % 2:
            return False
        half = len(signature) // 2
        r, s = int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
    else:
        try:
            r, s = decode_dss_signature(signature)
        except ValueError:
            return False
    if key.curve in LOADABLE_CURVES:
        public = key.load()
        try:
            public.verify(encode_dss_signature(r, s), data, ec.ECDSA(HASHES[hash_name]()))
        except InvalidSignature:
            return False
        return True
    return _ecdsa_verify_integers(key, hash_name, data, r, s)


def verify(
    key: PublicKeyInfo,
    algorithm_oid: str,
    params_der: bytes | None,
    data: bytes,
    signature: bytes,
    *,
    digest_algorithm: str | None = None,
) -> bool:
    """True when `signature` over `data` verifies under `key` with the named algorithm.

    `digest_algorithm` (a hash name) is needed when the signature algorithm does not name its
    hash: `rsaEncryption` and `id-ecPublicKey`, both common in real EF.SODs. Raises
    UnsupportedSignature when the combination cannot be checked at all — callers must report
    that as "not performed", never as "valid"."""
    try:
        if algorithm_oid == oids.RSASSA_PSS or algorithm_oid in _RSA_PKCS1 or algorithm_oid == oids.RSA_ENCRYPTION:
            if key.kind != "RSA":
                raise UnsupportedSignature(f"{algorithm_name(algorithm_oid)} needs an RSA key, not {key.kind}")
            public = key.load()
            assert isinstance(public, rsa.RSAPublicKey)
            if algorithm_oid == oids.RSASSA_PSS:
                hash_name, pad = _pss_padding(params_der)
            else:
                hash_name = _RSA_PKCS1.get(algorithm_oid) or digest_algorithm or ""
                if hash_name not in HASHES:
                    raise UnsupportedSignature("rsaEncryption signature without a known digest algorithm")
                pad = padding.PKCS1v15()
            try:
                public.verify(signature, data, pad, HASHES[hash_name]())
            except InvalidSignature:
                return False
            return True
        if algorithm_oid in _ECDSA_DER or algorithm_oid in _ECDSA_PLAIN or algorithm_oid == oids.EC_PUBLIC_KEY:
            if key.kind != "EC":
                raise UnsupportedSignature(f"{algorithm_name(algorithm_oid)} needs an EC key, not {key.kind}")
            plain = algorithm_oid in _ECDSA_PLAIN
            hash_name = _ECDSA_DER.get(algorithm_oid) or _ECDSA_PLAIN.get(algorithm_oid) or digest_algorithm or ""
            if hash_name not in HASHES:
                raise UnsupportedSignature("ECDSA signature without a known digest algorithm")
            return verify_ecdsa(key, hash_name, data, signature, plain)
    except (CryptoError, UnsupportedAlgorithm) as exc:
        raise UnsupportedSignature(f"key cannot be used: {exc}") from None
    raise UnsupportedSignature(f"signature algorithm {algorithm_name(algorithm_oid)} is not supported")
