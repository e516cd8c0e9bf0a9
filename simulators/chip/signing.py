"""One signing rule for every signature the test PKI makes (certificates aside): SOD, master list.

The algorithm name decides key type, hash, padding and the CMS SignatureAlgorithmIdentifier, so a
signature and the identifier that announces it can never disagree (a mismatch is exactly the bug a
verifier must catch, so the simulator produces it only on purpose).
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

_HASH_BY_CURVE_BITS = {256: hashes.SHA256, 384: hashes.SHA384, 512: hashes.SHA512, 521: hashes.SHA512}


def hash_for(algorithm: str) -> hashes.HashAlgorithm:
    """SHA-256, except ECDSA on 384/512-bit curves which pairs with the matching SHA-2."""
    for bits in (384, 512, 521):
        if algorithm.endswith(str(bits) + "r1") or algorithm == f"ecdsa-p{bits}":
            return _HASH_BY_CURVE_BITS[bits]()
    return hashes.SHA256()


def pss_padding(h: hashes.HashAlgorithm) -> padding.PSS:
    # Salt length = hash length: the choice Doc 9303 Part 12 / RFC 4055 profiles recommend.
    return padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size)


def sign(key, algorithm: str, data: bytes) -> bytes:
    h = hash_for(algorithm)
    if isinstance(key, rsa.RSAPrivateKey):
        pad = pss_padding(h) if algorithm == "rsa-pss" else padding.PKCS1v15()
        return key.sign(data, pad, h)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(h, deterministic_signing=True))
    raise TypeError("unsupported key type")


def certificate_sign_kwargs(algorithm: str) -> dict:
    """Keyword arguments for cryptography's CertificateBuilder/CRLBuilder.sign."""
    h = hash_for(algorithm)
    if algorithm == "rsa-pss":
        return {"algorithm": h, "rsa_padding": pss_padding(h)}
    if algorithm.startswith("ecdsa"):
        return {"algorithm": h, "ecdsa_deterministic": True}
    return {"algorithm": h}


def cms_signature_algorithm(algorithm: str) -> dict:
    """asn1crypto SignedDigestAlgorithm value for a SignerInfo."""
    h = hash_for(algorithm).name  # 'sha256'
    if algorithm == "rsa-pss":
        return {
            "algorithm": "rsassa_pss",
            "parameters": {
                "hash_algorithm": {"algorithm": h},
                "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": h}},
                "salt_length": hash_for(algorithm).digest_size,
                "trailer_field": "trailer_field_bc",
            },
        }
    if algorithm == "rsa-pkcs1":
        return {"algorithm": f"{h}_rsa"}
    return {"algorithm": f"{h}_ecdsa"}
