"""Symmetric primitives of ICAO Doc 9303 Part 11 secure messaging, BAC and PACE.

Thin, typed wrappers over the `cryptography` package so that the protocol modules read like the
standard: ISO/IEC 9797-1 padding method 2, the "retail MAC" (MAC algorithm 3 over single DES,
used with 3DES session keys), AES-CMAC truncated to 8 bytes, and the key derivation function of
Doc 9303 Part 11 §9.7.1. Two-key 3DES is always expanded to K1‖K2‖K1 because `cryptography`
deprecates 16-byte TripleDES keys while the chips still use them.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Literal

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC

CipherName = Literal["3DES", "AES"]


class PaddingError(ValueError):
    """Decrypted data does not end in ISO/IEC 9797-1 method 2 padding: wrong key or tampering."""


def pad(data: bytes, block_size: int = 8) -> bytes:
    """ISO/IEC 9797-1 padding method 2: always append 0x80, then zeros to the block boundary."""
    padded = data + b"\x80"
    return padded + b"\x00" * (-len(padded) % block_size)


def unpad(data: bytes) -> bytes:
    """Remove method-2 padding; a missing 0x80 marker means the ciphertext was not ours."""
    stripped = data.rstrip(b"\x00")
    if not stripped or stripped[-1] != 0x80:
        raise PaddingError("padding marker 0x80 missing after decryption")
    return stripped[:-1]


def adjust_parity(key: bytes) -> bytes:
    """Set the DES odd-parity bit of every byte, as Doc 9303 requires for derived 3DES keys."""
    out = bytearray()
    for b in key:
        high = b & 0xFE
        out.append(high | (bin(high).count("1") + 1) % 2)
    return bytes(out)


def _des3_key(key: bytes) -> bytes:
    if len(key) == 8:
        return key * 3
    if len(key) == 16:
        return key + key[:8]
    if len(key) == 24:
        return key
    raise ValueError(f"3DES key must be 8, 16 or 24 bytes, not {len(key)}")


def _cipher(name: CipherName, key: bytes, mode: modes.Mode) -> Cipher:
    if name == "3DES":
        return Cipher(TripleDES(_des3_key(key)), mode)
    if name == "AES":
        return Cipher(algorithms.AES(key), mode)
    raise ValueError(f"unknown cipher {name!r}")


def block_size(name: CipherName) -> int:
    return 8 if name == "3DES" else 16


def cbc_encrypt(name: CipherName, key: bytes, data: bytes, iv: bytes | None = None) -> bytes:
    """CBC encryption of block-aligned data (callers pad first; the standard fixes the padding)."""
    bs = block_size(name)
    if len(data) % bs:
        raise ValueError("CBC input is not block aligned")
    enc = _cipher(name, key, modes.CBC(iv if iv is not None else bytes(bs))).encryptor()
    return enc.update(data) + enc.finalize()


def cbc_decrypt(name: CipherName, key: bytes, data: bytes, iv: bytes | None = None) -> bytes:
    bs = block_size(name)
    if len(data) % bs:
        raise ValueError("ciphertext length is not a multiple of the block size")
    dec = _cipher(name, key, modes.CBC(iv if iv is not None else bytes(bs))).decryptor()
    return dec.update(data) + dec.finalize()


def ecb_encrypt(name: CipherName, key: bytes, block: bytes) -> bytes:
    """One raw block encryption: AES SM derives its IV as E(KSenc, SSC) this way."""
    enc = _cipher(name, key, modes.ECB()).encryptor()
    return enc.update(block) + enc.finalize()


def retail_mac(key: bytes, data: bytes) -> bytes:
    """ISO/IEC 9797-1 MAC algorithm 3 (8-byte MAC, 16-byte key) over already padded data:
    single-DES CBC with K1 over all blocks, then decrypt with K2 and encrypt with K1. Padding is
    the caller's because Doc 9303 pads SSC‖header‖objects as one message before MACing."""
    if len(key) != 16:
        raise ValueError("retail MAC needs a 16-byte key")
    k1, k2 = key[:8], key[8:]
    chained = cbc_encrypt("3DES", k1, data)[-8:]
    dec = _cipher("3DES", k2, modes.ECB()).decryptor()
    step = dec.update(chained) + dec.finalize()
    return ecb_encrypt("3DES", k1, step)


def aes_cmac(key: bytes, data: bytes, length: int = 8) -> bytes:
    """AES-CMAC truncated to `length` bytes (8 in Doc 9303 secure messaging and PACE tokens)."""
    c = CMAC(algorithms.AES(key))
    c.update(data)
    return c.finalize()[:length]


def mac(name: CipherName, key: bytes, data: bytes) -> bytes:
    """The SM/PACE MAC of the cipher suite: retail MAC for 3DES, AES-CMAC-8 for AES.
    Callers pad (method 2, cipher block size) where Doc 9303 says so: SM and BAC always,
    the PACE authentication token only for 3DES."""
    return retail_mac(key, data) if name == "3DES" else aes_cmac(key, data)


def kdf(secret: bytes, counter: int, cipher: CipherName = "3DES", key_bits: int = 112) -> bytes:
    """Doc 9303 Part 11 §9.7.1: H(secret ‖ counter32). SHA-1 for 3DES and AES-128, SHA-256 for
    AES-192/256. Counter 1 = encryption key, 2 = MAC key, 3 = PACE password key Kπ."""
    data = secret + counter.to_bytes(4, "big")
    if cipher == "3DES":
        return adjust_parity(hashlib.sha1(data).digest()[:16])
    if cipher != "AES":
        raise ValueError(f"unknown cipher {cipher!r}")
    if key_bits == 128:
        return hashlib.sha1(data).digest()[:16]
    if key_bits in (192, 256):
        return hashlib.sha256(data).digest()[: key_bits // 8]
    raise ValueError(f"unsupported AES key length {key_bits}")


def constant_time_equal(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)
