"""Prime-field elliptic curves with our own Jacobian arithmetic, for PACE.

PACE generic mapping computes a *new* generator G' = s·G + H and then runs ECDH on it; the
`cryptography` package only does ECDH on the named curves' fixed generators, so the group
operations live here. Python integers are not constant-time: this is acceptable for the
ephemeral, single-use PACE keys of a desk reader, not for long-term private keys.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import PointError

Point = tuple[int, int] | None  # affine point; None is the point at infinity



@dataclass(frozen=True, slots=True)
class Curve:
    """Short Weierstrass curve y² = x³ + ax + b over GF(p) with generator (gx, gy) of order n."""

    name: str
    p: int
    a: int
    b: int
    gx: int
    gy: int
    n: int
    h: int = 1

    @property
    def g(self) -> Point:
        return (self.gx, self.gy)

    @property
    def size(self) -> int:
        """Bytes of one field element."""
        return (self.p.bit_length() + 7) // 8

    def with_generator(self, g: Point) -> Curve:
        if g is None:
            raise PointError("mapped generator is the point at infinity")
        return Curve(self.name + " (mapped)", self.p, self.a, self.b, g[0], g[1], self.n, self.h)

    # -- validation and encoding ---------------------------------------------------------------

    def contains(self, pt: Point) -> bool:
        if pt is None:
            return False
        x, y = pt
        if not (0 <= x < self.p and 0 <= y < self.p):
            return False
        return (y * y - (x * x * x + self.a * x + self.b)) % self.p == 0

    def encode_point(self, pt: Point) -> bytes:
        """Uncompressed SEC1 encoding 04‖X‖Y, as PACE sends public keys."""
        if pt is None:
            raise PointError("cannot encode the point at infinity")
        return b"\x04" + pt[0].to_bytes(self.size, "big") + pt[1].to_bytes(self.size, "big")

    def decode_point(self, data: bytes) -> Point:
        """Decode and validate a peer's point: uncompressed form, on the curve, not the identity
        (invalid-curve and small-subgroup points are how a hostile chip would leak our key)."""
        if len(data) != 1 + 2 * self.size or data[0] != 0x04:
            raise PointError(f"public key is not an uncompressed {self.name} point")
        pt = (int.from_bytes(data[1 : 1 + self.size], "big"), int.from_bytes(data[1 + self.size :], "big"))
        if not self.contains(pt):
            raise PointError(f"public key is not a point on {self.name}")
        if self.h != 1 and self.multiply(self.n, pt) is not None:
            raise PointError("public key is not in the prime-order subgroup")
        return pt

    # -- arithmetic ----------------------------------------------------------------------------

    def _to_jacobian(self, pt: Point) -> tuple[int, int, int]:
        return (1, 1, 0) if pt is None else (pt[0], pt[1], 1)

    def _to_affine(self, jp: tuple[int, int, int]) -> Point:
        x, y, z = jp
        if z == 0:
            return None
        zinv = pow(z, -1, self.p)
        zinv2 = zinv * zinv % self.p
        return (x * zinv2 % self.p, y * zinv2 * zinv % self.p)

    def _double(self, jp: tuple[int, int, int]) -> tuple[int, int, int]:
        x, y, z = jp
        p = self.p
        if z == 0 or y == 0:
            return (1, 1, 0)
        yy = y * y % p
        s = 4 * x * yy % p
        zz = z * z % p
        m = (3 * x * x + self.a * zz * zz) % p
        x3 = (m * m - 2 * s) % p
        y3 = (m * (s - x3) - 8 * yy * yy) % p
        z3 = 2 * y * z % p
        return (x3, y3, z3)

    def _add(self, j1: tuple[int, int, int], j2: tuple[int, int, int]) -> tuple[int, int, int]:
        x1, y1, z1 = j1
        x2, y2, z2 = j2
        if z1 == 0:
            return j2
        if z2 == 0:
            return j1
        p = self.p
        z1z1 = z1 * z1 % p
        z2z2 = z2 * z2 % p
        u1 = x1 * z2z2 % p
        u2 = x2 * z1z1 % p
        s1 = y1 * z2 * z2z2 % p
        s2 = y2 * z1 * z1z1 % p
        if u1 == u2:
            return self._double(j1) if s1 == s2 else (1, 1, 0)
        h = (u2 - u1) % p
        r = (s2 - s1) % p
        hh = h * h % p
        hhh = h * hh % p
        v = u1 * hh % p
        x3 = (r * r - hhh - 2 * v) % p
        y3 = (r * (v - x3) - s1 * hhh) % p
        z3 = h * z1 * z2 % p
        return (x3, y3, z3)

    def add(self, p1: Point, p2: Point) -> Point:
        return self._to_affine(self._add(self._to_jacobian(p1), self._to_jacobian(p2)))

    def multiply(self, k: int, pt: Point) -> Point:
        """k·pt by left-to-right double-and-add in Jacobian coordinates."""
        if pt is None or k == 0:
            return None
        if k < 0:
            k = -k
            pt = (pt[0], (-pt[1]) % self.p)
        base = self._to_jacobian(pt)
        acc = (1, 1, 0)
        for bit in bin(k)[2:]:
            acc = self._double(acc)
            if bit == "1":
                acc = self._add(acc, base)
        return self._to_affine(acc)


# Standardized domain parameters, BSI TR-03110 Part 3 §A.2.1.1 (ids 8-18). Values from the
# curves' defining documents (SEC 2 / FIPS 186 and RFC 5639), as OpenSSL ships them.
CURVES: dict[int, Curve] = {
    8: Curve(
        name="NIST P-192",
        p=int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFFFFFFFFFF", 16),
        a=int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFFFFFFFFFC", 16),
        b=int("64210519E59C80E70FA7E9AB72243049FEB8DEECC146B9B1", 16),
        gx=int("188DA80EB03090F67CBF20EB43A18800F4FF0AFD82FF1012", 16),
        gy=int("07192B95FFC8DA78631011ED6B24CDD573F977A11E794811", 16),
        n=int("FFFFFFFFFFFFFFFFFFFFFFFF99DEF836146BC9B1B4D22831", 16),
        h=1,
    ),
    9: Curve(
        name="brainpoolP192r1",
        p=int("C302F41D932A36CDA7A3463093D18DB78FCE476DE1A86297", 16),
        a=int("6A91174076B1E0E19C39C031FE8685C1CAE040E5C69A28EF", 16),
        b=int("469A28EF7C28CCA3DC721D044F4496BCCA7EF4146FBF25C9", 16),
        gx=int("C0A0647EAAB6A48753B033C56CB0F0900A2F5C4853375FD6", 16),
        gy=int("14B690866ABD5BB88B5F4828C1490002E6773FA2FA299B8F", 16),
        n=int("C302F41D932A36CDA7A3462F9E9E916B5BE8F1029AC4ACC1", 16),
        h=1,
    ),
    10: Curve(
        name="NIST P-224",
        p=int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF000000000000000000000001", 16),
        a=int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFE", 16),
        b=int("B4050A850C04B3ABF54132565044B0B7D7BFD8BA270B39432355FFB4", 16),
        gx=int("B70E0CBD6BB4BF7F321390B94A03C1D356C21122343280D6115C1D21", 16),
        gy=int("BD376388B5F723FB4C22DFE6CD4375A05A07476444D5819985007E34", 16),
        n=int("FFFFFFFFFFFFFFFFFFFFFFFFFFFF16A2E0B8F03E13DD29455C5C2A3D", 16),
        h=1,
    ),
    11: Curve(
        name="brainpoolP224r1",
        p=int("D7C134AA264366862A18302575D1D787B09F075797DA89F57EC8C0FF", 16),
        a=int("68A5E62CA9CE6C1C299803A6C1530B514E182AD8B0042A59CAD29F43", 16),
        b=int("2580F63CCFE44138870713B1A92369E33E2135D266DBB372386C400B", 16),
        gx=int("0D9029AD2C7E5CF4340823B2A87DC68C9E4CE3174C1E6EFDEE12C07D", 16),
        gy=int("58AA56F772C0726F24C6B89E4ECDAC24354B9E99CAA3F6D3761402CD", 16),
        n=int("D7C134AA264366862A18302575D0FB98D116BC4B6DDEBCA3A5A7939F", 16),
        h=1,
    ),
    12: Curve(
        name="NIST P-256",
        p=int("FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF", 16),
        a=int("FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFC", 16),
        b=int("5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B", 16),
        gx=int("6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296", 16),
        gy=int("4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5", 16),
        n=int("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16),
        h=1,
    ),
    13: Curve(
        name="brainpoolP256r1",
        p=int("A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377", 16),
        a=int("7D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9", 16),
        b=int("26DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B6", 16),
        gx=int("8BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262", 16),
        gy=int("547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F046997", 16),
        n=int("A9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7", 16),
        h=1,
    ),
    14: Curve(
        name="brainpoolP320r1",
        p=int(
            "D35E472036BC4FB7E13C785ED201E065F98FCFA6F6F40DEF4F92B9EC7893EC28FCD412B1F1B32E27",
            16,
        ),
        a=int(
            "3EE30B568FBAB0F883CCEBD46D3F3BB8A2A73513F5EB79DA66190EB085FFA9F492F375A97D860EB4",
            16,
        ),
        b=int(
            "520883949DFDBC42D3AD198640688A6FE13F41349554B49ACC31DCCD884539816F5EB4AC8FB1F1A6",
            16,
        ),
        gx=int(
            "43BD7E9AFB53D8B85289BCC48EE5BFE6F20137D10A087EB6E7871E2A10A599C710AF8D0D39E20611",
            16,
        ),
        gy=int(
            "14FDD05545EC1CC8AB4093247F77275E0743FFED117182EAA9C77877AAAC6AC7D35245D1692E8EE1",
            16,
        ),
        n=int(
            "D35E472036BC4FB7E13C785ED201E065F98FCFA5B68F12A32D482EC7EE8658E98691555B44C59311",
            16,
        ),
        h=1,
    ),
    15: Curve(
        name="NIST P-384",
        p=int(
            "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFE"
            "FFFFFFFF0000000000000000FFFFFFFF",
            16,
        ),
        a=int(
            "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFE"
            "FFFFFFFF0000000000000000FFFFFFFC",
            16,
        ),
        b=int(
            "B3312FA7E23EE7E4988E056BE3F82D19181D9C6EFE8141120314088F5013875A"
            "C656398D8A2ED19D2A85C8EDD3EC2AEF",
            16,
        ),
        gx=int(
            "AA87CA22BE8B05378EB1C71EF320AD746E1D3B628BA79B9859F741E082542A38"
            "5502F25DBF55296C3A545E3872760AB7",
            16,
        ),
        gy=int(
            "3617DE4A96262C6F5D9E98BF9292DC29F8F41DBD289A147CE9DA3113B5F0B8C0"
            "0A60B1CE1D7E819D7A431D7C90EA0E5F",
            16,
        ),
        n=int(
            "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF"
            "581A0DB248B0A77AECEC196ACCC52973",
            16,
        ),
        h=1,
    ),
    16: Curve(
        name="brainpoolP384r1",
        p=int(
            "8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B412B1DA197FB71123"
            "ACD3A729901D1A71874700133107EC53",
            16,
        ),
        a=int(
            "7BC382C63D8C150C3C72080ACE05AFA0C2BEA28E4FB22787139165EFBA91F90F"
            "8AA5814A503AD4EB04A8C7DD22CE2826",
            16,
        ),
        b=int(
            "04A8C7DD22CE28268B39B55416F0447C2FB77DE107DCD2A62E880EA53EEB62D5"
            "7CB4390295DBC9943AB78696FA504C11",
            16,
        ),
        gx=int(
            "1D1C64F068CF45FFA2A63A81B7C13F6B8847A3E77EF14FE3DB7FCAFE0CBD10E8"
            "E826E03436D646AAEF87B2E247D4AF1E",
            16,
        ),
        gy=int(
            "8ABE1D7520F9C2A45CB1EB8E95CFD55262B70B29FEEC5864E19C054FF9912928"
            "0E4646217791811142820341263C5315",
            16,
        ),
        n=int(
            "8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B31F166E6CAC0425A7"
            "CF3AB6AF6B7FC3103B883202E9046565",
            16,
        ),
        h=1,
    ),
    17: Curve(
        name="brainpoolP512r1",
        p=int(
            "AADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA70330871"
            "7D4D9B009BC66842AECDA12AE6A380E62881FF2F2D82C68528AA6056583A48F3",
            16,
        ),
        a=int(
            "7830A3318B603B89E2327145AC234CC594CBDD8D3DF91610A83441CAEA9863BC"
            "2DED5D5AA8253AA10A2EF1C98B9AC8B57F1117A72BF2C7B9E7C1AC4D77FC94CA",
            16,
        ),
        b=int(
            "3DF91610A83441CAEA9863BC2DED5D5AA8253AA10A2EF1C98B9AC8B57F1117A7"
            "2BF2C7B9E7C1AC4D77FC94CADC083E67984050B75EBAE5DD2809BD638016F723",
            16,
        ),
        gx=int(
            "81AEE4BDD82ED9645A21322E9C4C6A9385ED9F70B5D916C1B43B62EEF4D0098E"
            "FF3B1F78E2D0D48D50D1687B93B97D5F7C6D5047406A5E688B352209BCB9F822",
            16,
        ),
        gy=int(
            "7DDE385D566332ECC0EABFA9CF7822FDF209F70024A57B1AA000C55B881F8111"
            "B2DCDE494A5F485E5BCA4BD88A2763AED1CA2B2FA8F0540678CD1E0F3AD80892",
            16,
        ),
        n=int(
            "AADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA70330870"
            "553E5C414CA92619418661197FAC10471DB1D381085DDADDB58796829CA90069",
            16,
        ),
        h=1,
    ),
    18: Curve(
        name="NIST P-521",
        p=int(
            "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
            "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
            "FFFF",
            16,
        ),
        a=int(
            "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
            "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
            "FFFC",
            16,
        ),
        b=int(
            "51953EB9618E1C9A1F929A21A0B68540EEA2DA725B99B315F3B8B489918EF109"
            "E156193951EC7E937B1652C0BD3BB1BF073573DF883D2C34F1EF451FD46B503F"
            "00",
            16,
        ),
        gx=int(
            "C6858E06B70404E9CD9E3ECB662395B4429C648139053FB521F828AF606B4D3D"
            "BAA14B5E77EFE75928FE1DC127A2FFA8DE3348B3C1856A429BF97E7E31C2E5BD"
            "66",
            16,
        ),
        gy=int(
            "011839296A789A3BC0045C8A5FB42C7D1BD998F54449579B446817AFBD17273E"
            "662C97EE72995EF42640C550B9013FAD0761353C7086A272C24088BE94769FD1"
            "6650",
            16,
        ),
        n=int(
            "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
            "FFFA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E9138"
            "6409",
            16,
        ),
        h=1,
    ),
}
