"""Explicit elliptic-curve domain parameters (X9.62 `specifiedCurve`) → a named curve.

DG14 and EF.CardSecurity keys often spell their curve out instead of naming it, and
`cryptography` only loads named curves. Rather than trust the spelled-out numbers, a curve is only
called "named" when the explicit parameters are shown to describe that very curve: same
generator, the named curve's points satisfy the explicit equation, and the stated order
annihilates the generator. Pure integer arithmetic — no I/O, no secrets.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec

from gateway.crypto import oids
from gateway.crypto.ec import CURVES as STANDARD_CURVES
from gateway.crypto.errors import DecodeError

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
    acc: tuple[int, int] | None = None
    add: tuple[int, int] | None = pt
    while k:
        if k & 1:
            acc = _add(dom, acc, add)
        add = _add(dom, add, add)
        k >>= 1
    return acc


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
    if dom.p < 3 or dom.p % 2 == 0 or dom.n < 2 or not dom.on_curve(dom.gx, dom.gy):
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
    """Reject parameters that do not even describe a group (used for curves we cannot name)."""
    if dom.p < 3 or dom.p % 2 == 0:
        raise DecodeError("explicit EC parameters: field prime is not an odd prime candidate")
    if not dom.on_curve(dom.gx, dom.gy):
        raise DecodeError("explicit EC parameters: generator is not on the curve")
    if (4 * dom.a**3 + 27 * dom.b**2) % dom.p == 0:
        raise DecodeError("explicit EC parameters: singular curve")
    if dom.n < 2 or _mul(dom, dom.n, (dom.gx, dom.gy)) is not None:
        raise DecodeError("explicit EC parameters: stated order does not annihilate the generator")
