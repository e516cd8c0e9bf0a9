"""Explicit elliptic-curve domain parameters (X9.62 `specifiedCurve`) → a named curve.

DG14 and EF.CardSecurity keys often spell their curve out instead of naming it, and
`cryptography` only loads named curves. Rather than trust the spelled-out numbers, a curve is only
called "named" when the explicit parameters are shown to describe that very curve: same
generator, the named curve's points satisfy the explicit equation, and the stated order
annihilates the generator. Pure integer arithmetic — no I/O, no secrets.

The numbers come from hostile input, so their sizes are bounded before any arithmetic
(`gateway.limits.MAX_EC_FIELD_BITS`, the Hasse bound on the order, `MAX_EC_COFACTOR`): without
that, a 4 KB DG15 stating a 16,000-bit "curve" cost 11 s of scalar multiplication. Within the
bounds the one multiplication n·G runs in Jacobian coordinates (`gateway.crypto.ec.Curve`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec

from gateway.crypto import oids
from gateway.crypto.ec import CURVES as STANDARD_CURVES
from gateway.crypto.ec import Curve
from gateway.crypto.errors import DecodeError, LimitError
from gateway.limits import MAX_EC_COFACTOR, MAX_EC_FIELD_BITS

# Named curves `cryptography` can do arithmetic on, as (name, class).
_LOADABLE = (
    ("secp192r1", ec.SECP192R1),
    ("secp224r1", ec.SECP224R1),
    ("secp256r1", ec.SECP256R1),
    ("secp384r1", ec.SECP384R1),
    ("secp521r1", ec.SECP521R1),
    ("brainpoolP256r1", ec.BrainpoolP256R1),
    ("brainpoolP384r1", ec.BrainpoolP384R1),
    ("brainpoolP512r1", ec.BrainpoolP512R1),
)
CURVES: dict[str, type[ec.EllipticCurve]] = dict(_LOADABLE)


@dataclass(frozen=True, slots=True)
class ECDomain:
    """Prime-field curve y² = x³ + ax + b over GF(p), generator (gx, gy) of order n, cofactor h."""

    p: int
    a: int
    b: int
    gx: int
    gy: int
    n: int
    h: int | None

    @property
    def field_bytes(self) -> int:
        return (self.p.bit_length() + 7) // 8

    def on_curve(self, x: int, y: int) -> bool:
        p = self.p
        return 0 <= x < p and 0 <= y < p and (y * y - (x * x * x + self.a * x + self.b)) % p == 0

    def decode_point(self, point: bytes) -> tuple[int, int]:
        """Uncompressed SEC1 point → (x, y), checked to lie on this curve."""
        size = self.field_bytes
        if len(point) != 1 + 2 * size or point[0] != 0x04:
            raise DecodeError(f"EC point is not an uncompressed point of {size}-byte coordinates")
        x = int.from_bytes(point[1 : 1 + size], "big")
        y = int.from_bytes(point[1 + size :], "big")
        if not self.on_curve(x, y):
            raise DecodeError("EC point does not lie on the curve of its domain parameters")
        return x, y


def _add(dom: ECDomain, p1: tuple[int, int] | None, p2: tuple[int, int] | None) -> tuple[int, int] | None:
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    p = dom.p
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2 and (y1 + y2) % p == 0:
        return None
    if p1 == p2:  # tangent
        num, den = 3 * x1 * x1 + dom.a, 2 * y1
    else:  # chord
        num, den = y2 - y1, x2 - x1
    lam = num * pow(den, -1, p) % p
    x3 = (lam * lam - x1 - x2) % p
    return x3, (lam * (x1 - x3) - y1) % p


def _mul(dom: ECDomain, k: int, pt: tuple[int, int]) -> tuple[int, int] | None:
    """k·pt in Jacobian coordinates (one inversion at the end instead of one per step)."""
    return Curve("explicit", dom.p, dom.a % dom.p, dom.b % dom.p, pt[0], pt[1], dom.n).multiply(k, pt)


_WITNESSES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71)


def is_probable_prime(n: int) -> bool:
    """Miller-Rabin with the first 20 primes as fixed bases: deterministic for n < 3.3e24 and, for
    the sizes allowed here, wrong with probability below 4^-20 for numbers not built against
    these bases. The callers also check the group law, which a composite field breaks."""
    if n < 2:
        return False
    for q in _WITNESSES:
        if n % q == 0:
            return n == q
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for a in _WITNESSES:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def check_bounds(dom: ECDomain) -> None:
    """Refuse parameters too large to be any standard curve, before any arithmetic on them.

    Field at most `MAX_EC_FIELD_BITS`; order n and cofactor h inside the Hasse interval
    (#E = n·h ∈ [p + 1 − 2√p, p + 1 + 2√p]); h at most `MAX_EC_COFACTOR`. Cheap: no point
    arithmetic, so a hostile key is refused in microseconds."""
    bits = dom.p.bit_length()
    if bits > MAX_EC_FIELD_BITS:
        raise LimitError(f"explicit EC parameters: {bits}-bit field, more than the {MAX_EC_FIELD_BITS} bits allowed")
    if dom.p < 5 or dom.p % 2 == 0:
        raise DecodeError("explicit EC parameters: field prime is not an odd prime")
    root = math.isqrt(dom.p) + 1
    low, high = dom.p + 1 - 2 * root, dom.p + 1 + 2 * root
    if dom.n < 2 or dom.n > high:
        raise DecodeError("explicit EC parameters: stated order is outside the Hasse bound of the field")
    if dom.h is not None:
        if not 1 <= dom.h <= MAX_EC_COFACTOR:
            raise LimitError(f"explicit EC parameters: cofactor outside 1..{MAX_EC_COFACTOR}")
        if not low <= dom.n * dom.h <= high:
            raise DecodeError("explicit EC parameters: order × cofactor is outside the Hasse bound of the field")
    elif dom.n * MAX_EC_COFACTOR < low:
        raise DecodeError("explicit EC parameters: stated order is too small for the field")


def _multiples(curve: ec.EllipticCurve) -> list[tuple[int, int]]:
    """G, 2G, 3G of a named curve, obtained from `cryptography` (private scalars 1, 2, 3)."""
    out = []
    for k in (1, 2, 3):
        nums = ec.derive_private_key(k, curve).public_key().public_numbers()
        out.append((nums.x, nums.y))
    return out


def _standardized_match(dom: ECDomain) -> str | None:
    """Exact match against the PACE/CA standardized curves (ids 8-18) of `gateway.crypto.ec`."""
    for pid, c in STANDARD_CURVES.items():
        same = (c.p, c.a % c.p, c.b % c.p, c.gx, c.gy, c.n) == (
            dom.p,
            dom.a % dom.p,
            dom.b % dom.p,
            dom.gx,
            dom.gy,
            dom.n,
        )
        if same and (dom.h is None or dom.h == c.h):
            return oids.STANDARDIZED_DOMAIN_PARAMETER_NAMES.get(pid)
    return None


def match_named_curve(dom: ECDomain) -> str | None:
    """Name of the named curve these explicit parameters describe, or None.

    First an exact comparison with the standardized curve table (covers brainpoolP192r1/P224r1/
    P320r1, which `cryptography` lacks); then, for curves `cryptography` can load, a check that
    does not depend on any table: the curve's own G, 2G, 3G and the stated order."""
    name = _standardized_match(dom)
    if name is not None:
        return name
    try:
        check_bounds(dom)
    except DecodeError:
        return None
    if not dom.on_curve(dom.gx, dom.gy):
        return None
    for name, cls in _LOADABLE:
        curve = cls()
        if curve.key_size != dom.p.bit_length():
            continue
        g, g2, g3 = _multiples(curve)
        if g != (dom.gx, dom.gy):
            continue
        if not all(dom.on_curve(x, y) for x, y in (g2, g3)):
            continue
        if _add(dom, g, g) != g2 or _mul(dom, dom.n, g) is not None:
            continue
        return name
    return None


def verify_domain(dom: ECDomain) -> None:
    """Reject parameters that do not even describe a group (used for curves we cannot name):
    bounded sizes first (`check_bounds`), then prime field and order, a non-singular curve, the
    generator on it, and n·G = O."""
    check_bounds(dom)
    if not is_probable_prime(dom.p):
        raise DecodeError("explicit EC parameters: field prime is not an odd prime")
    if not dom.on_curve(dom.gx, dom.gy):
        raise DecodeError("explicit EC parameters: generator is not on the curve")
    if (4 * dom.a**3 + 27 * dom.b**2) % dom.p == 0:
        raise DecodeError("explicit EC parameters: singular curve")
    if not is_probable_prime(dom.n):
        raise DecodeError("explicit EC parameters: stated order is not prime")
    if _mul(dom, dom.n, (dom.gx, dom.gy)) is not None:
        raise DecodeError("explicit EC parameters: stated order does not annihilate the generator")
