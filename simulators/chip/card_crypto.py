"""Symmetric primitives of ICAO Doc 9303 Part 11 as the *card* computes them.

Written independently of the reader side (gateway.nfc) on purpose: if both sides shared one helper, a
wrong padding or MAC rule would be symmetric and every test would still pass.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC


class PaddingError(ValueError):
    """ISO/IEC 9797-1 method 2 padding is missing or malformed (a tampered or mis-keyed cryptogram)."""


def pad(data: bytes, block: int) -> bytes:
    """ISO/IEC 9797-1 padding method 2: 0x80 then zeros up to the block size."""
    padded = data + b"\x80"
    return padded + b"\x00" * (-len(padded) % block)


def unpad(data: bytes) -> bytes:
    stripped = data.rstrip(b"\x00")
    if not stripped or stripped[-1] != 0x80:
        raise PaddingError("bad ISO 9797-1 padding")
    return stripped[:-1]


def adjust_des_parity(key: bytes) -> bytes:
    """DES keys carry odd parity in the low bit; Doc 9303 prints keys with parity adjusted."""
    out = bytearray()
    for b in key:
        high = b & 0xFE
        out.append(high | (bin(high).count("1") % 2 == 0))
    return bytes(out)


def _tdes_key(key: bytes) -> bytes:
    # Two-key 3DES (K1 K2 K1): cryptography wants the 24-byte form.
    return key + key[:8] if len(key) == 16 else key


def tdes_cbc(key: bytes, data: bytes, *, decrypt: bool = False, iv: bytes = bytes(8)) -> bytes:
    cipher = Cipher(TripleDES(_tdes_key(key)), modes.CBC(iv))
    ctx = cipher.decryptor() if decrypt else cipher.encryptor()
    return ctx.update(data) + ctx.finalize()


def aes_cbc(key: bytes, data: bytes, *, decrypt: bool = False, iv: bytes = bytes(16)) -> bytes:
    cipher = Cipher(algorithms.AES(key), modes.CBC(iv))
    ctx = cipher.decryptor() if decrypt else cipher.encryptor()
    return ctx.update(data) + ctx.finalize()


def _des(key8: bytes, block: bytes, *, decrypt: bool = False) -> bytes:
    # Single DES is 3DES with three equal keys.
    return tdes_cbc(key8 * 3, block, decrypt=decrypt)


def retail_mac(key: bytes, data: bytes) -> bytes:
    """ISO/IEC 9797-1 MAC algorithm 3 (DES, final 3DES), input already padded by the caller."""
    k1, k2 = key[:8], key[8:16]
    state = bytes(8)
    for i in range(0, len(data), 8):
        block = bytes(a ^ b for a, b in zip(state, data[i : i + 8], strict=True))
        state = _des(k1, block)
    return _des(k1, _des(k2, state, decrypt=True))


def aes_cmac(key: bytes, data: bytes) -> bytes:
    mac = CMAC(algorithms.AES(key))
    mac.update(data)
    return mac.finalize()[:8]


def kdf(secret: bytes, counter: int, cipher: str, key_bits: int) -> bytes:
    """Doc 9303 Part 11 §9.7.1: hash(secret || counter) cut to the key length."""
    data = secret + counter.to_bytes(4, "big")
    if cipher == "3DES":
        return adjust_des_parity(hashlib.sha1(data).digest()[:16])
    if key_bits == 128:
        return hashlib.sha1(data).digest()[:16]
    return hashlib.sha256(data).digest()[: key_bits // 8]


@dataclass(frozen=True)
class CipherSuite:
    """Which block cipher and MAC a session uses; decides SSC width, IV rule and MAC algorithm."""

    cipher: str  # "3DES" or "AES"
    key_bits: int  # 128 for 3DES (two-key), 128/192/256 for AES

    @property
    def block(self) -> int:
        return 8 if self.cipher == "3DES" else 16

    def derive(self, secret: bytes, counter: int) -> bytes:
        return kdf(secret, counter, self.cipher, self.key_bits)

    def encrypt(self, key: bytes, data: bytes, iv: bytes | None = None) -> bytes:
        if self.cipher == "3DES":
            return tdes_cbc(key, data, iv=iv or bytes(8))
        return aes_cbc(key, data, iv=iv or bytes(16))

    def decrypt(self, key: bytes, data: bytes, iv: bytes | None = None) -> bytes:
        if self.cipher == "3DES":
            return tdes_cbc(key, data, decrypt=True, iv=iv or bytes(8))
        return aes_cbc(key, data, decrypt=True, iv=iv or bytes(16))

    def mac(self, key: bytes, data: bytes) -> bytes:
        """MAC over data that the caller has NOT padded: 3DES pads (retail MAC needs whole blocks);
        AES-CMAC pads itself internally, so PACE tokens use it on the raw input."""
        if self.cipher == "3DES":
            return retail_mac(key, pad(data, 8))
        return aes_cmac(key, data)


    def sm_mac(self, key: bytes, data: bytes) -> bytes:
        """Secure-messaging MAC: Doc 9303 pads SSC || header || DOs for both ciphers before the MAC."""
        padded = pad(data, self.block)
        if self.cipher == "3DES":
            return retail_mac(key, padded)
        return aes_cmac(key, padded)


TDES = CipherSuite("3DES", 128)
