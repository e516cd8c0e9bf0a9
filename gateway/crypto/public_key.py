"""SubjectPublicKeyInfo as chips store it (DG14 chip-authentication keys, DG15 active-authentication
keys): RSA, EC with named, explicit or BSI "standardized" domain parameters, and X9.42 DH.

The parse keeps the exact DER and the raw key bytes for the protocols that need them, and checks
that the key is usable now — a key `cryptography` cannot load is reported, not silently dropped.
Sizes are bounded first (`gateway.limits`: RSA modulus and exponent, EC field, DH modulus, DER
nesting), so a key built to cost CPU is refused with a `LimitError` before any arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from asn1crypto import core, keys
from cryptography.hazmat.primitives.asymmetric import dh, ec, rsa

from gateway.crypto import asn1, oids
from gateway.crypto.ec_params import CURVES, ECDomain, check_bounds, match_named_curve, verify_domain
from gateway.crypto.errors import CryptoError, DecodeError, LimitError, UnsupportedError
from gateway.limits import MAX_DH_BITS, MAX_RSA_BITS, MAX_RSA_EXPONENT_BITS

# asn1crypto's names of named curves → the names used here (those of `cryptography`).
_NAMED_OIDS = {
    "1.2.840.10045.3.1.1": "secp192r1",
    "1.3.132.0.33": "secp224r1",
    "1.2.840.10045.3.1.7": "secp256r1",
    "1.3.132.0.34": "secp384r1",
    "1.3.132.0.35": "secp521r1",
    "1.3.36.3.3.2.8.1.1.3": "brainpoolP192r1",
    "1.3.36.3.3.2.8.1.1.5": "brainpoolP224r1",
    "1.3.36.3.3.2.8.1.1.7": "brainpoolP256r1",
    "1.3.36.3.3.2.8.1.1.9": "brainpoolP320r1",
    "1.3.36.3.3.2.8.1.1.11": "brainpoolP384r1",
    "1.3.36.3.3.2.8.1.1.13": "brainpoolP512r1",
}


@dataclass(frozen=True, slots=True)
class DHDomain:
    p: int
    g: int
    q: int | None


@dataclass(frozen=True, slots=True)
class PublicKeyInfo:
    """One parsed SubjectPublicKeyInfo.

    kind: "RSA", "EC" or "DH". curve: the named curve (also when explicit parameters were proven to
    be that curve). explicit: the explicit EC parameters as stored, if any. parameter_id: the
    standardized domain parameter id, if the key uses that form. key_bytes: the subjectPublicKey
    bits (EC point, RSAPublicKey DER, or DH y as DER INTEGER). der: the whole SPKI as read.
    """

    algorithm: str
    kind: str
    der: bytes
    key_bytes: bytes
    curve: str | None = None
    explicit: ECDomain | None = None
    parameter_id: int | None = None
    dh_domain: DHDomain | None = None
    rsa_modulus_bits: int | None = None

    @property
    def loadable(self) -> bool:
        try:
            self.load()
        except CryptoError:
            return False
        return True

    def load(self) -> Any:
        """The key as a `cryptography` public key object (UnsupportedError if it has no such form)."""
        try:
            return _load(self)
        except CryptoError:
            raise
        except asn1.ASN1_FAILURES as exc:
            raise DecodeError(f"{self.kind} public key is not valid: {type(exc).__name__}") from None


def rsa_numbers(key_bytes: bytes) -> tuple[int, int]:
    """RSAPublicKey DER → (modulus, exponent), both checked against the budgets of `gateway.limits`
    and for the shape every RSA key has (odd modulus, odd exponent 3 ≤ e < n)."""
    rsa_key = keys.RSAPublicKey.load(key_bytes, strict=True)
    n, e = rsa_key["modulus"].native, rsa_key["public_exponent"].native
    if not isinstance(n, int) or not isinstance(e, int):
        raise DecodeError("RSA public key lacks its modulus or exponent")
    if n.bit_length() > MAX_RSA_BITS:
        raise LimitError(f"RSA modulus of {n.bit_length()} bits, more than the {MAX_RSA_BITS} bits allowed")
    if e.bit_length() > MAX_RSA_EXPONENT_BITS:
        raise LimitError(f"RSA public exponent of {e.bit_length()} bits, more than {MAX_RSA_EXPONENT_BITS} allowed")
    if n <= 0 or n % 2 == 0:
        raise DecodeError("RSA modulus is not a positive odd integer")
    if e < 3 or e % 2 == 0 or e >= n:
        raise DecodeError("RSA public exponent is not an odd integer between 3 and the modulus")
    return n, e


def dh_domain(p: int | None, g: int | None, q: int | None) -> DHDomain:
    """X9.42 domain parameters checked against `MAX_DH_BITS` and for their basic shape."""
    if not isinstance(p, int) or not isinstance(g, int):
        raise DecodeError("DH domain parameters lack p or g")
    if p.bit_length() > MAX_DH_BITS:
        raise LimitError(f"DH modulus of {p.bit_length()} bits, more than the {MAX_DH_BITS} bits allowed")
    if p < 5 or p % 2 == 0:
        raise DecodeError("DH modulus is not an odd prime candidate")
    if not 1 < g < p - 1:
        raise DecodeError("DH generator is outside 2..p-2")
    if q is not None and not 1 < q < p:
        raise DecodeError("DH subgroup order is outside 2..p-1")
    return DHDomain(p, g, q)


def _load(info: PublicKeyInfo) -> Any:
    if info.kind == "RSA":
        n, e = rsa_numbers(info.key_bytes)
        return rsa.RSAPublicNumbers(e, n).public_key()
    if info.kind == "EC":
        if info.curve is None or info.curve not in CURVES:
            curve = info.curve or "given by explicit parameters"
            raise UnsupportedError(f"EC curve {curve} is not loadable by cryptography")
        return ec.EllipticCurvePublicKey.from_encoded_point(CURVES[info.curve](), info.key_bytes)
    if info.kind == "DH":
        if info.dh_domain is None:
            raise UnsupportedError("DH key with standardized domain parameters has no loadable form here")
        y = core.Integer.load(info.key_bytes, strict=True).native
        d = info.dh_domain
        return dh.DHPublicNumbers(y, dh.DHParameterNumbers(d.p, d.g, d.q)).public_key()
    raise UnsupportedError(f"public key kind {info.kind} is not loadable")


def _int_of(octets: bytes) -> int:
    return int.from_bytes(octets, "big")


def parse_explicit_domain(params_der: bytes) -> ECDomain:
    """X9.62 SpecifiedECDomain DER → ECDomain with bounded sizes (`check_bounds`); CryptoError on failure."""
    asn1.check_depth(params_der, "explicit EC parameters")
    with asn1.decoding("explicit EC parameters"):
        return _explicit_domain(bytes(params_der))


def _explicit_domain(params_der: bytes) -> ECDomain:
    spec = asn1.SpecifiedECDomain.load(params_der, strict=True)
    if spec["field_id"]["field_type"].dotted != oids.PRIME_FIELD:
        raise UnsupportedError("explicit EC parameters over a non-prime field are not supported")
    p = spec["field_id"]["parameters"].parse(core.Integer).native
    if not isinstance(p, int) or p <= 0:
        raise DecodeError("explicit EC parameters: field prime is not a positive integer")
    base = spec["base"].native
    size = (p.bit_length() + 7) // 8
    if len(base) != 1 + 2 * size or base[0] != 0x04:
        raise UnsupportedError("explicit EC parameters: generator is not an uncompressed point")
    cof = spec["cofactor"].native if spec["cofactor"].native is not None else None
    dom = ECDomain(
        p=p,
        a=_int_of(spec["curve"]["a"].native),
        b=_int_of(spec["curve"]["b"].native),
        gx=_int_of(base[1 : 1 + size]),
        gy=_int_of(base[1 + size :]),
        n=spec["order"].native,
        h=cof,
    )
    check_bounds(dom)
    return dom


def parse_spki(spki: asn1.SubjectPublicKeyInfo) -> PublicKeyInfo:
    """Interpret one SubjectPublicKeyInfo (already loaded with the generic type); every failure
    is a CryptoError."""
    with asn1.decoding("SubjectPublicKeyInfo"):
        return _parse_spki(spki)


def _parse_spki(spki: asn1.SubjectPublicKeyInfo) -> PublicKeyInfo:
    alg = spki["algorithm"]["algorithm"].dotted
    params = spki["algorithm"]["parameters"]
    has_params = isinstance(params, core.Any) and params.contents is not None
    bits = spki["subject_public_key"].contents or b""
    if not bits or bits[0] != 0:
        raise DecodeError("subjectPublicKey is empty or has unused bits")
    key_bytes = bytes(bits[1:])
    der = spki.dump()

    if alg == oids.RSA_ENCRYPTION:
        n, _ = rsa_numbers(key_bytes)
        info = PublicKeyInfo(alg, "RSA", der, key_bytes, rsa_modulus_bits=n.bit_length())
        info.load()
        return info

    if alg == oids.EC_PUBLIC_KEY:
        if not has_params:
            raise UnsupportedError("EC key without domain parameters (implicitlyCA) cannot be used")
        first = params.dump()[0]
        if first == 0x06:  # namedCurve
            curve_oid = core.ObjectIdentifier.load(params.dump(), strict=True).dotted
            name = _NAMED_OIDS.get(curve_oid)
            if name is None:
                raise UnsupportedError(f"EC named curve {curve_oid} is unknown")
            info = PublicKeyInfo(alg, "EC", der, key_bytes, curve=name)
        elif first == 0x30:  # specifiedCurve
            dom = _explicit_domain(params.dump())
            name = match_named_curve(dom)
            if name is None:
                verify_domain(dom)
            if name not in CURVES:  # no cryptography object to validate the point: check it here
                if key_bytes[:1] != b"\x04":
                    raise UnsupportedError("compressed EC point on a curve cryptography cannot load")
                dom.decode_point(key_bytes)
            info = PublicKeyInfo(alg, "EC", der, key_bytes, curve=name, explicit=dom)
        else:
            raise DecodeError("EC domain parameters are neither a named curve nor explicit parameters")
        if info.curve in CURVES:
            info.load()  # proves the point lies on the curve
        return info

    if alg == oids.STANDARDIZED_DOMAIN_PARAMETERS:
        if not has_params:
            raise DecodeError("standardizedDomainParameters without a parameter id")
        pid = params.parse(core.Integer).native
        name = oids.STANDARDIZED_DOMAIN_PARAMETER_NAMES.get(pid)
        if name is None:
            raise UnsupportedError(f"standardized domain parameter id {pid} is unknown")
        kind = "DH" if pid <= 2 else "EC"
        curve = name if kind == "EC" else None
        info = PublicKeyInfo(alg, kind, der, key_bytes, curve=curve, parameter_id=pid)
        if info.curve in CURVES:
            info.load()
        return info

    if alg == oids.DH_PUBLIC_NUMBER:
        if not has_params:
            raise DecodeError("DH key without domain parameters")
        dp = asn1.DHDomainParameters.load(params.dump(), strict=True)
        domain = dh_domain(dp["p"].native, dp["g"].native, dp["q"].native)
        y = core.Integer.load(key_bytes, strict=True).native
        if not isinstance(y, int) or not 1 < y < domain.p - 1:
            raise DecodeError("DH public value is outside 2..p-2")
        return PublicKeyInfo(alg, "DH", der, key_bytes, dh_domain=domain)

    raise UnsupportedError(f"public key algorithm {oids.NAMES.get(alg, alg)} is not supported")


def parse_spki_der(der: bytes) -> PublicKeyInfo:
    """Parse a DER SubjectPublicKeyInfo; every failure is a CryptoError (LimitError for a key
    beyond the budgets, UnsupportedError for what is well-formed but not handled)."""
    asn1.check_depth(der, "SubjectPublicKeyInfo")
    with asn1.decoding("SubjectPublicKeyInfo"):
        return parse_spki(asn1.SubjectPublicKeyInfo.load(bytes(der), strict=True))
