"""Active authentication (INTERNAL AUTHENTICATE) and chip authentication (CAv1), card side.

AA proves the chip holds the DG15 private key by signing the terminal's challenge; CA agrees fresh
session keys with the DG14 key, so only a chip holding that key can answer the terminal's next
protected command. Keys are `cryptography` objects supplied by the document builder.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dh, ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from simulators.chip.card_apdu import SW_CONDITIONS, SW_WRONG_DATA, CardError
from simulators.chip.card_crypto import CipherSuite
from simulators.chip.card_sm import SecureChannel

# ISO/IEC 9796-2 hash trailers (one byte 0xBC means implicit SHA-1).
_TRAILERS = {"sha1": b"\xbc", "sha224": b"\x38\xcc", "sha256": b"\x34\xcc", "sha384": b"\x36\xcc",
             "sha512": b"\x35\xcc"}
_EC_HASHES = {"sha1": hashes.SHA1, "sha224": hashes.SHA224, "sha256": hashes.SHA256,
              "sha384": hashes.SHA384, "sha512": hashes.SHA512}

ID_CA = "0.4.0.127.0.7.2.2.3"
CA_SUITES: dict[str, CipherSuite] = {}
for _family in ("1", "2"):  # DH, ECDH
    CA_SUITES[f"{ID_CA}.{_family}.1"] = CipherSuite("3DES", 128)
    CA_SUITES[f"{ID_CA}.{_family}.2"] = CipherSuite("AES", 128)
    CA_SUITES[f"{ID_CA}.{_family}.3"] = CipherSuite("AES", 192)
    CA_SUITES[f"{ID_CA}.{_family}.4"] = CipherSuite("AES", 256)


def _digest_name(name: str | None, default: str) -> str:
    cleaned = (name or default).lower().replace("-", "").replace("_", "")
    if cleaned not in _TRAILERS:
        raise CardError(SW_CONDITIONS, "AA digest not supported")
    return cleaned


def active_authenticate(key: object, challenge: bytes, digest: str | None,
                        rng: Callable[[int], bytes]) -> bytes:
    """Sign the terminal's challenge: RSA ISO/IEC 9796-2 scheme 1 (partial recovery) or plain ECDSA."""
    if not challenge:
        raise CardError(SW_WRONG_DATA, "empty challenge")
    if isinstance(key, rsa.RSAPrivateKey):
        name = _digest_name(digest, "sha1")
        trailer = _TRAILERS[name]
        numbers = key.private_numbers()
        n = numbers.public_numbers.n
        k = (n.bit_length() + 7) // 8
        hlen = hashlib.new(name).digest_size
        m1 = rng(k - hlen - len(trailer) - 1)
        f = b"\x6a" + m1 + hashlib.new(name, m1 + challenge).digest() + trailer
        # CRT private operation (fast, exact same result as pow(f, d, n)).
        m = int.from_bytes(f, "big")
        s1 = pow(m, numbers.dmp1, numbers.p)
        s2 = pow(m, numbers.dmq1, numbers.q)
        h = numbers.iqmp * (s1 - s2) % numbers.p
        return (s2 + h * numbers.q).to_bytes(k, "big")
    if isinstance(key, ec.EllipticCurvePrivateKey):
        name = _digest_name(digest, "sha256")
        der = key.sign(challenge, ec.ECDSA(_EC_HASHES[name]()))
        r, s = decode_dss_signature(der)
        size = (key.curve.key_size + 7) // 8
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")
    raise CardError(SW_CONDITIONS, "no AA key")


def chip_authenticate(key: object, terminal_public: bytes, protocol_oid: str | None) -> SecureChannel:
    """Static-ephemeral key agreement; the new channel starts at SSC 0 with keys from the CA OID."""
    suite = CA_SUITES.get(protocol_oid or f"{ID_CA}.2.1")
    if suite is None:
        raise CardError(SW_WRONG_DATA, "CA protocol not supported")
    try:
        if isinstance(key, ec.EllipticCurvePrivateKey):
            peer = ec.EllipticCurvePublicKey.from_encoded_point(key.curve, terminal_public)
            secret = key.exchange(ec.ECDH(), peer)
        elif isinstance(key, dh.DHPrivateKey):
            params = key.parameters().parameter_numbers()
            y = int.from_bytes(terminal_public, "big")
            peer_dh = dh.DHPublicNumbers(y, params).public_key()
            secret = key.exchange(peer_dh).rjust((params.p.bit_length() + 7) // 8, b"\x00")
        else:
            raise CardError(SW_CONDITIONS, "no CA key")
    except (ValueError, TypeError) as exc:
        raise CardError(SW_WRONG_DATA, "bad terminal public key") from exc
    return SecureChannel(suite, suite.derive(secret, 1), suite.derive(secret, 2), 0)
