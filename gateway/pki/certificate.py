"""X.509 certificates and CRLs of the eMRTD PKI, taken apart leniently.

Real CSCA certificates break strict parsers: the first German CSCA (2007) carries explicit
brainpoolP224r1 parameters that `cryptography` cannot load at all. So certificates are decoded
with asn1crypto, which keeps the exact signed bytes, and keys go through the LDS public-key parser
(explicit curves, standardized ids). A certificate whose key cannot be used still loads — it is
listed with its problem instead of vanishing from the report.

Certificates and CRLs come from chips (EF.SOD) and from files an operator drops into the trust
folder, so both are hostile input: nesting is bounded before asn1crypto sees them, every failure
of its lazy parsing becomes a `CertificateError`, and a malformed extension or signature value
does not refuse the whole certificate but makes it fail closed (a malformed keyUsage allows
nothing, an empty signature verifies nothing) with the problem listed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from asn1crypto import core
from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509

from gateway.crypto.asn1 import ASN1_FAILURES, check_depth
from gateway.crypto.errors import CryptoError
from gateway.crypto.public_key import PublicKeyInfo, parse_spki_der
from gateway.crypto.signatures import UnsupportedSignature, verify


class CertificateError(ValueError):
    """Bytes that are not a usable certificate or CRL (message names the structure, not values)."""


def _name_key(name: asn1_x509.Name) -> str:
    """RFC 5280 §7.1 comparison form (case and space folded): issuer names are matched this way."""
    return name.hashable


def _country(name: asn1_x509.Name) -> str | None:
    try:
        value = name.native.get("country_name")
    except ASN1_FAILURES:
        return None
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value).upper() if value else None


def _bit_string(value: Any, what: str, problems: list[str]) -> bytes:
    """The bytes of a BIT STRING that must be whole octets (a signature value). An empty or
    malformed one gives b"" — which no signature check accepts — and a problem."""
    contents = value.contents or b""
    if not contents or contents[0] != 0:
        problems.append(f"{what} is empty or not a whole number of octets")
        return b""
    return bytes(contents[1:])


#: Extensions read here, by OID: RFC 5280 names (asn1crypto's spelling of them).
_EXTENSIONS = {
    "2.5.29.19": "basic_constraints",
    "2.5.29.15": "key_usage",
    "2.5.29.37": "extended_key_usage",
    "2.5.29.14": "key_identifier",
    "2.5.29.35": "authority_key_identifier",
    "2.5.29.16": "private_key_usage_period",
}


def _extensions(tbs: Any, problems: list[str]) -> dict[str, Any]:
    """The extensions this module uses, as native values; one extension at a time, so a malformed
    one is named (value `MALFORMED`) instead of failing the whole certificate."""
    out: dict[str, Any] = {}
    exts = tbs["extensions"]
    if isinstance(exts, core.Void):
        return out
    for ext in exts:
        name = _EXTENSIONS.get(ext["extn_id"].dotted)
        if name is None:
            continue
        if name in out:
            problems.append(f"extension {name} appears more than once")
            out[name] = MALFORMED
            continue
        try:
            out[name] = ext["extn_value"].parsed.native
        except ASN1_FAILURES:
            problems.append(f"extension {name} is malformed")
            out[name] = MALFORMED
    return out


MALFORMED: Any = object()  # marks an extension that is present but could not be read


def _key_usage(value: Any) -> frozenset[str] | None:
    """None when absent; a malformed keyUsage/extendedKeyUsage allows nothing (fail closed)."""
    if value is None:
        return None
    if value is MALFORMED or not isinstance(value, (set, frozenset, list, tuple)):
        return frozenset()
    return frozenset(str(v) for v in value)


def _params_der(alg: Any) -> bytes | None:
    params = alg["parameters"]
    if params.native is None or params.contents in (None, b""):
        return None
    return params.dump()


@dataclass(frozen=True, eq=False)
class Certificate:
    der: bytes
    subject: str  # human-readable (certificate subjects are organisations, not persons)
    subject_key: str  # normalized subject for lookups
    issuer: str
    issuer_key: str
    subject_der: bytes
    issuer_der: bytes
    serial: int
    country: str | None
    not_before: dt.datetime
    not_after: dt.datetime
    ski: bytes | None
    aki: bytes | None
    is_ca: bool
    key_usage: frozenset[str] | None  # None = extension absent
    extended_key_usage: frozenset[str] | None
    private_key_usage: tuple[dt.datetime | None, dt.datetime | None] | None
    tbs_der: bytes
    signature_algorithm: str
    signature_params_der: bytes | None
    signature: bytes
    public_key: PublicKeyInfo | None
    key_problem: str | None = None
    problems: tuple[str, ...] = field(default=())

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.der).hexdigest()

    @property
    def self_issued(self) -> bool:
        return self.subject_key == self.issuer_key

    def valid_at(self, when: dt.datetime) -> bool:
        return self.not_before <= when <= self.not_after

    def signed_by(self, issuer: Certificate) -> bool:
        """Whether `issuer`'s key made this certificate's signature (UnsupportedSignature if the
        algorithm or key cannot be checked)."""
        if issuer.public_key is None:
            raise UnsupportedSignature(f"issuer key unusable: {issuer.key_problem}")
        return verify(issuer.public_key, self.signature_algorithm, self.signature_params_der, self.tbs_der,
                      self.signature)

    def summary(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "country": self.country,
            "serial": format(self.serial, "x"),
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "ski": self.ski.hex() if self.ski else None,
            "fingerprint_sha256": self.fingerprint,
        }


def load_certificate(der: bytes) -> Certificate:
    """DER X.509 certificate → Certificate; CertificateError when it is not one at all."""
    try:
        check_depth(der, "certificate")
        return _load_certificate(bytes(der))
    except CertificateError:
        raise
    except (*ASN1_FAILURES, CryptoError) as exc:
        raise CertificateError(f"not an X.509 certificate ({type(exc).__name__})") from None


def _load_certificate(der: bytes) -> Certificate:
    cert = asn1_x509.Certificate.load(der, strict=True)
    tbs = cert["tbs_certificate"]
    subject, issuer = tbs["subject"], tbs["issuer"]
    validity = tbs["validity"]
    not_before = validity["not_before"].native
    not_after = validity["not_after"].native
    if not isinstance(not_before, dt.datetime) or not isinstance(not_after, dt.datetime):
        raise CertificateError("certificate validity is not a pair of dates")
    problems: list[str] = []
    exts = _extensions(tbs, problems)
    basic = exts.get("basic_constraints")
    pkup_value = exts.get("private_key_usage_period")
    pkup = None
    if isinstance(pkup_value, dict):
        pkup = (pkup_value.get("not_before"), pkup_value.get("not_after"))
    elif pkup_value is MALFORMED:
        pkup = (dt.datetime.max.replace(tzinfo=dt.UTC), None)  # no signing time can fall inside it
    ski = exts.get("key_identifier")
    aki_value = exts.get("authority_key_identifier")
    aki = aki_value.get("key_identifier") if isinstance(aki_value, dict) else None
    key = None
    key_problem = None
    try:
        key = parse_spki_der(tbs["subject_public_key_info"].dump())
    except CryptoError as exc:
        key_problem = str(exc)
        problems.append(f"public key unusable: {exc}")
    sig_alg = cert["signature_algorithm"]
    return Certificate(
        der=der,
        subject=subject.human_friendly,
        subject_key=_name_key(subject),
        issuer=issuer.human_friendly,
        issuer_key=_name_key(issuer),
        subject_der=subject.dump(),
        issuer_der=issuer.dump(),
        serial=tbs["serial_number"].native,
        country=_country(subject),
        not_before=not_before,
        not_after=not_after,
        ski=ski if isinstance(ski, bytes) else None,
        aki=aki if isinstance(aki, bytes) else None,
        is_ca=isinstance(basic, dict) and basic.get("ca") is True,
        key_usage=_key_usage(exts.get("key_usage")),
        extended_key_usage=_key_usage(exts.get("extended_key_usage")),
        private_key_usage=pkup,
        tbs_der=tbs.dump(),
        signature_algorithm=sig_alg["algorithm"].dotted,
        signature_params_der=_params_der(sig_alg),
        signature=_bit_string(cert["signature_value"], "signature value", problems),
        public_key=key,
        key_problem=key_problem,
        problems=tuple(problems),
    )


@dataclass(frozen=True, eq=False)
class RevocationList:
    der: bytes
    issuer: str
    issuer_key: str
    country: str | None
    aki: bytes | None
    this_update: dt.datetime
    next_update: dt.datetime | None
    revoked: dict[int, dt.datetime | None]  # serial → revocation date
    tbs_der: bytes
    signature_algorithm: str
    signature_params_der: bytes | None
    signature: bytes

    def signed_by(self, issuer: Certificate) -> bool:
        if issuer.public_key is None:
            raise UnsupportedSignature(f"issuer key unusable: {issuer.key_problem}")
        return verify(issuer.public_key, self.signature_algorithm, self.signature_params_der, self.tbs_der,
                      self.signature)

    def summary(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "country": self.country,
            "this_update": self.this_update.isoformat(),
            "next_update": self.next_update.isoformat() if self.next_update else None,
            "revoked": len(self.revoked),
        }


def load_crl(der: bytes) -> RevocationList:
    """DER X.509 CRL → RevocationList; CertificateError when it is not one (or is malformed)."""
    try:
        check_depth(der, "CRL")
        return _load_crl(bytes(der))
    except CertificateError:
        raise
    except (*ASN1_FAILURES, CryptoError) as exc:
        raise CertificateError(f"not an X.509 CRL ({type(exc).__name__})") from None


def _load_crl(der: bytes) -> RevocationList:
    crl = asn1_crl.CertificateList.load(der, strict=True)
    tbs = crl["tbs_cert_list"]
    revoked: dict[int, dt.datetime | None] = {}
    if not isinstance(tbs["revoked_certificates"], core.Void):
        for entry in tbs["revoked_certificates"]:
            revoked[entry["user_certificate"].native] = entry["revocation_date"].native
    this_update, next_update = tbs["this_update"].native, tbs["next_update"].native
    if not isinstance(this_update, dt.datetime) or not isinstance(next_update, dt.datetime | None):
        raise CertificateError("CRL update times are not dates")
    sig_alg = crl["signature_algorithm"]
    issuer = tbs["issuer"]
    problems: list[str] = []
    return RevocationList(
        der=der,
        issuer=issuer.human_friendly,
        issuer_key=_name_key(issuer),
        country=_country(issuer),
        aki=crl.authority_key_identifier,
        this_update=this_update,
        next_update=next_update,
        revoked=revoked,
        tbs_der=tbs.dump(),
        signature_algorithm=sig_alg["algorithm"].dotted,
        signature_params_der=_params_der(sig_alg),
        signature=_bit_string(crl["signature"], "CRL signature value", problems),
    )
