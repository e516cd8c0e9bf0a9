"""Elliptic-curve arithmetic the PACE generic mapping needs.

`cryptography` only multiplies on a curve's standard generator, but PACE-GM computes G' = s*G + H and
then does ECDH over G'. So the card carries its own small short-Weierstrass arithmetic (Jacobian
coordinates, general `a`) and the domain parameters of the standardized PACE curves.
"""

from __future__ import annotations

from dataclasses import dataclass

Point = tuple[int, int] | None  # affine point; None is the point at infinity


class PointError(ValueError):
    """An encoded point is malformed or not on the curve (hostile terminal input)."""


@dataclass(frozen=True)
class Curve:
    name: str
    p: int
    a: int
    b: int
    gx: int
    gy: int
    n: int

    @property
    def size(self) -> int:
        return (self.p.bit_length() + 7) // 8

    @property
    def g(self) -> tuple[int, int]:
        return (self.gx, self.gy)

    def on_curve(self, pt: Point) -> bool:
        if pt is None:
            return False
        x, y = pt
        if not (0 <= x < self.p and 0 <= y < self.p):
            return False
        return (y * y - (x * x * x + self.a * x + self.b)) % self.p == 0

    def encode(self, pt: Point) -> bytes:
        if pt is None:
            raise PointError("point at infinity has no encoding")
        return b"\x04" + pt[0].to_bytes(self.size, "big") + pt[1].to_bytes(self.size, "big")

    def decode(self, data: bytes) -> tuple[int, int]:
        if len(data) != 1 + 2 * self.size or data[0] != 0x04:
            raise PointError("not an uncompressed point of this curve")
        pt = (int.from_bytes(data[1 : 1 + self.size], "big"), int.from_bytes(data[1 + self.size :], "big"))
        if not self.on_curve(pt):
            raise PointError("point not on curve")
        return pt

    # --- Jacobian arithmetic -------------------------------------------------------------------------
    def _double(self, pt: tuple[int, int, int]) -> tuple[int, int, int]:
        x, y, z = pt
        p = self.p
        if y == 0 or z == 0:
            return (1, 1, 0)
        yy = y * y % p
        s = 4 * x * yy % p
        zz = z * z % p
        m = (3 * x * x + self.a * zz * zz) % p
        x3 = (m * m - 2 * s) % p
        y3 = (m * (s - x3) - 8 * yy * yy) % p
        z3 = 2 * y * z % p
        return (x3, y3, z3)

    def _add(self, p1: tuple[int, int, int], p2: tuple[int, int, int]) -> tuple[int, int, int]:
        if p1[2] == 0:
            return p2
        if p2[2] == 0:
            return p1
        p = self.p
        x1, y1, z1 = p1
        x2, y2, z2 = p2
        z1z1 = z1 * z1 % p
        z2z2 = z2 * z2 % p
        u1 = x1 * z2z2 % p
        u2 = x2 * z1z1 % p
        s1 = y1 * z2 * z2z2 % p
        s2 = y2 * z1 * z1z1 % p
        if u1 == u2:
            return self._double(p1) if s1 == s2 else (1, 1, 0)
        h = (u2 - u1) % p
        r = (s2 - s1) % p
        hh = h * h % p
        hhh = h * hh % p
        v = u1 * hh % p
        x3 = (r * r - hhh - 2 * v) % p
        y3 = (r * (v - x3) - s1 * hhh) % p
        z3 = h * z1 * z2 % p
        return (x3, y3, z3)

    def _to_affine(self, pt: tuple[int, int, int]) -> Point:
        x, y, z = pt
        if z == 0:
            return None
        zi = pow(z, -1, self.p)
        zi2 = zi * zi % self.p
        return (x * zi2 % self.p, y * zi2 * zi % self.p)

    def add(self, a: Point, b: Point) -> Point:
        ja = (1, 1, 0) if a is None else (a[0], a[1], 1)
        jb = (1, 1, 0) if b is None else (b[0], b[1], 1)
        return self._to_affine(self._add(ja, jb))

    def mul(self, k: int, pt: Point) -> Point:
        if pt is None or k % self.n == 0:
            return None
        k %= self.n
        acc = (1, 1, 0)
        base = (pt[0], pt[1], 1)
        for bit in bin(k)[2:]:
            acc = self._double(acc)
            if bit == "1":
                acc = self._add(acc, base)
        return self._to_affine(acc)


def _c(name: str, p: str, a: str, b: str, gx: str, gy: str, n: str) -> Curve:
    return Curve(name, *(int(v, 16) for v in (p, a, b, gx, gy, n)))


SECP256R1 = _c(
    "secp256r1",
    "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF",
    "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFC",
    "5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B",
    "6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296",
    "4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5",
    "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551",
)
SECP384R1 = _c(
    "secp384r1",
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFF0000000000000000FFFFFFFF",
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFF0000000000000000FFFFFFFC",
    "B3312FA7E23EE7E4988E056BE3F82D19181D9C6EFE8141120314088F5013875AC656398D8A2ED19D2A85C8EDD3EC2AEF",
    "AA87CA22BE8B05378EB1C71EF320AD746E1D3B628BA79B9859F741E082542A385502F25DBF55296C3A545E3872760AB7",
    "3617DE4A96262C6F5D9E98BF9292DC29F8F41DBD289A147CE9DA3113B5F0B8C00A60B1CE1D7E819D7A431D7C90EA0E5F",
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973",
)
BRAINPOOL_P256R1 = _c(
    "brainpoolP256r1",
    "A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377",
    "7D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9",
    "26DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B6",
    "8BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262",
    "547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F046997",
    "A9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7",
)
BRAINPOOL_P384R1 = _c(
    "brainpoolP384r1",
    "8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B412B1DA197FB71123ACD3A729901D1A71874700133107EC53",
    "7BC382C63D8C150C3C72080ACE05AFA0C2BEA28E4FB22787139165EFBA91F90F8AA5814A503AD4EB04A8C7DD22CE2826",
    "04A8C7DD22CE28268B39B55416F0447C2FB77DE107DCD2A62E880EA53EEB62D57CB4390295DBC9943AB78696FA504C11",
    "1D1C64F068CF45FFA2A63A81B7C13F6B8847A3E77EF14FE3DB7FCAFE0CBD10E8E826E03436D646AAEF87B2E247D4AF1E",
    "8ABE1D7520F9C2A45CB1EB8E95CFD55262B70B29FEEC5864E19C054FF99129280E4646217791811142820341263C5315",
    "8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B31F166E6CAC0425A7CF3AB6AF6B7FC3103B883202E9046565",
)

# BSI TR-03110 Part 3, table of standardized domain parameters (the id in PACEInfo / MSE 84).
STANDARD_CURVES: dict[int, Curve] = {
    12: SECP256R1,
    13: BRAINPOOL_P256R1,
    15: SECP384R1,
    16: BRAINPOOL_P384R1,
}
