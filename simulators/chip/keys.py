"""Deterministic test keys: the same seed and label give the same key in every process.

Why deterministic: the simulated card runs in one process (`gateway-sim chip`) while the reader that
checks it (`gateway chip read --trust DIR`) runs in another. Both must agree on the CSCA without
shipping any private key in the repository, so every key is *derived* from a public seed string.
These keys protect nothing; they exist only so a test PKI can be rebuilt anywhere.

EC keys come straight from the seed (a scalar below the curve order). RSA keys are built from primes
found by a seeded search (sieve + Miller-Rabin), ~0.1 s (1024 bit) to ~0.5 s (2048 bit) per key, cached per
process.
"""

from __future__ import annotations

import functools
import hashlib
import math
from typing import Literal

from cryptography.hazmat.primitives.asymmetric import ec, rsa

# Algorithm names used throughout the simulator's PKI and profiles.
Algorithm = Literal["rsa-pkcs1", "rsa-pss", "ecdsa-brainpoolP256r1", "ecdsa-p256", "ecdsa-brainpoolP384r1",
                    "ecdsa-p384"]
ALGORITHMS: tuple[str, ...] = ("rsa-pkcs1", "rsa-pss", "ecdsa-brainpoolP256r1", "ecdsa-p256",
                               "ecdsa-brainpoolP384r1", "ecdsa-p384")

_CURVES: dict[str, type[ec.EllipticCurve]] = {
    "brainpoolP256r1": ec.BrainpoolP256R1,
    "p256": ec.SECP256R1,
    "secp256r1": ec.SECP256R1,
    "brainpoolP384r1": ec.BrainpoolP384R1,
    "p384": ec.SECP384R1,
    "secp384r1": ec.SECP384R1,
    "brainpoolP512r1": ec.BrainpoolP512R1,
    "p521": ec.SECP521R1,
}

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


class _Drbg:
    """Counter-mode SHAKE-256 stream: reproducible 'randomness' for key search."""

    def __init__(self, label: str) -> None:
        self._label = label.encode()
        self._counter = 0

    def read(self, n: int) -> bytes:
        self._counter += 1
        return hashlib.shake_256(self._label + self._counter.to_bytes(8, "big")).digest(n)


def curve_for(name: str) -> ec.EllipticCurve:
    """Curve object for a short name ('brainpoolP256r1', 'p256', ...)."""
    try:
        return _CURVES[name]()
    except KeyError:
        raise ValueError(f"unknown curve {name!r}; known: {sorted(_CURVES)}") from None


def derive_ec_key(label: str, curve: str) -> ec.EllipticCurvePrivateKey:
    """EC private key whose scalar is the seed hash truncated below the curve order.

    For every supported curve the order n exceeds 2**(bits-1), so a (bits-1)-bit scalar is in range.
    """
    c = curve_for(curve)
    bits = c.key_size
    raw = hashlib.shake_256(b"ec|" + label.encode()).digest((bits + 7) // 8)
    scalar = int.from_bytes(raw, "big") >> (len(raw) * 8 - (bits - 1))
    return ec.derive_private_key(scalar | 1, c)


_SMALL_PRIMES = [p for p in range(3, 4000, 2) if all(p % q for q in range(3, math.isqrt(p) + 1, 2))]


def _is_probable_prime(n: int, drbg: _Drbg, rounds: int = 24) -> bool:
    if n < 2:
        return False
    for p in _SMALL_PRIMES:
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for _ in range(rounds):
        a = 2 + int.from_bytes(drbg.read(len(str(n))), "big") % (n - 3)
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _seeded_prime(bits: int, drbg: _Drbg, e: int) -> int:
    while True:
        cand = int.from_bytes(drbg.read(bits // 8), "big") | (3 << (bits - 2)) | 1
        # Walk upwards from the random start; cheap and still deterministic.
        for step in range(0, 2000, 2):
            p = cand + step
            if p.bit_length() != bits:
                break
            if math.gcd(e, p - 1) == 1 and _is_probable_prime(p, drbg):
                return p


@functools.lru_cache(maxsize=64)
def derive_rsa_key(label: str, bits: int = 2048) -> rsa.RSAPrivateKey:
    """RSA key from seeded primes; identical in every process for the same label and size."""
    e = 65537
    drbg = _Drbg("rsa|" + label + f"|{bits}")
    p = _seeded_prime(bits // 2, drbg, e)
    q = _seeded_prime(bits // 2, drbg, e)
    while q == p:
        q = _seeded_prime(bits // 2, drbg, e)
    if p < q:
        p, q = q, p
    lam = (p - 1) * (q - 1) // math.gcd(p - 1, q - 1)
    d = pow(e, -1, lam)
    numbers = rsa.RSAPrivateNumbers(
        p=p, q=q, d=d, dmp1=d % (p - 1), dmq1=d % (q - 1), iqmp=pow(q, -1, p),
        public_numbers=rsa.RSAPublicNumbers(e, p * q),
    )
    return numbers.private_key()


def derive_key(label: str, algorithm: str, rsa_bits: int = 2048) -> PrivateKey:
    """Key for one of ALGORITHMS (the signature scheme decides the key type)."""
    if algorithm.startswith("rsa"):
        return derive_rsa_key(label, rsa_bits)
    if algorithm.startswith("ecdsa-"):
        return derive_ec_key(label, algorithm.removeprefix("ecdsa-"))
    raise ValueError(f"unknown algorithm {algorithm!r}; known: {ALGORITHMS}")
