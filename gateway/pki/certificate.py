"""X.509 certificates and CRLs of the eMRTD PKI, taken apart leniently.

Real CSCA certificates break strict parsers: the first German CSCA (2007) carries explicit
brainpoolP224r1 parameters that `cryptography` cannot load at all. So certificates are decoded
with asn1crypto, which keeps the exact signed bytes, and keys go through the LDS public-key parser
(explicit curves, standardized ids). A certificate whose key cannot be used still loads — it is
listed with its problem instead of vanishing from the report.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509

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
    except (ValueError, TypeError):
        return None
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value).upper() if value else None


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
    try:
        cert = asn1_x509.Certificate.load(bytes(der), strict=True)
        tbs = cert["tbs_certificate"]
        subject, issuer = cert.subject, cert.issuer
        validity = tbs["validity"]
        not_before = validity["not_before"].native
        not_after = validity["not_after"].native
        basic = cert.basic_constraints_value
        ku = cert.key_usage_value
        eku = cert.extended_key_usage_value
        pkup = None
        for ext in tbs["extensions"] if tbs["extensions"].native is not None else []:
            if ext["extn_id"].dotted == "2.5.29.16":
                value = ext["extn_value"].parsed
                pkup = (value["not_before"].native, value["not_after"].native)
        problems: list[str] = []
        key = None
        key_problem = None
        try:
            key = parse_spki_der(tbs["subject_public_key_info"].dump())
        except CryptoError as exc:
            key_problem = str(exc)
            problems.append(f"public key unusable: {exc}")
        sig_alg = cert["signature_algorithm"]
        return Certificate(
            der=bytes(der),
            subject=subject.human_friendly,
            subject_key=_name_key(subject),
            issuer=issuer.human_friendly,
            issuer_key=_name_key(issuer),
            subject_der=subject.dump(),
            issuer_der=issuer.dump(),
            serial=cert.serial_number,
            country=_country(subject),
            not_before=not_before,
            not_after=not_after,
            ski=cert.key_identifier,
            aki=cert.authority_key_identifier,
            is_ca=bool(basic and basic["ca"].native),
            key_usage=frozenset(ku.native) if ku is not None else None,
            extended_key_usage=frozenset(eku.native) if eku is not None else None,
            private_key_usage=pkup,
            tbs_der=tbs.dump(),
            signature_algorithm=sig_alg["algorithm"].dotted,
            signature_params_der=_params_der(sig_alg),
            signature=cert["signature_value"].native,
            public_key=key,
            key_problem=key_problem,
            problems=tuple(problems),
        )
    except CertificateError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, CryptoError) as exc:
        raise CertificateError(f"not an X.509 certificate ({type(exc).__name__})") from None


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
    try:
        crl = asn1_crl.CertificateList.load(bytes(der), strict=True)
        tbs = crl["tbs_cert_list"]
        revoked: dict[int, dt.datetime | None] = {}
        if tbs["revoked_certificates"].native is not None:
            for entry in tbs["revoked_certificates"]:
                revoked[entry["user_certificate"].native] = entry["revocation_date"].native
        sig_alg = crl["signature_algorithm"]
        issuer = crl.issuer
        return RevocationList(
            der=bytes(der),
            issuer=issuer.human_friendly,
            issuer_key=_name_key(issuer),
            country=_country(issuer),
            aki=crl.authority_key_identifier,
            this_update=tbs["this_update"].native,
            next_update=tbs["next_update"].native,
            revoked=revoked,
            tbs_der=tbs.dump(),
            signature_algorithm=sig_alg["algorithm"].dotted,
            signature_params_der=_params_der(sig_alg),
            signature=crl["signature"].native,
        )
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise CertificateError(f"not an X.509 CRL ({type(exc).__name__})") from None
