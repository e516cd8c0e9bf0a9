"""Passive authentication (ICAO Doc 9303 Part 11 §5.1, Part 12): is the chip's data what the issuing
state signed?

Four separate checks, so the verdict can say *which* link broke:
  sod_signature      the document signer's signature over EF.SOD (signed attributes, messageDigest);
  certificate_chain  document signer → a CSCA in the trust store: signature, dates, key usage;
  revocation         the document signer against the CSCA's CRL (NOT_PERFORMED without one);
  data_group_hashes  every data group read against its hash in EF.SOD.
An empty or unsigned EF.SOD fails — "nothing to compare" must never read as "nothing altered".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from asn1crypto import cms

from gateway.crypto.asn1 import ASN1_FAILURES
from gateway.crypto.signatures import UnsupportedSignature, algorithm_name, digest
from gateway.nfc.lds.errors import LDSError
from gateway.nfc.lds.sod import SOD, parse_sod
from gateway.pki.certificate import Certificate, CertificateError, load_certificate
from gateway.pki.signed_data import load_issuer_key, verify_signer_info
from gateway.pki.store import TrustStore
from gateway.verdict import Check, CheckStatus
from gateway.verify.reasons import failed, not_performed, passed

SOD_SIGNATURE = "sod_signature"
CERTIFICATE_CHAIN = "certificate_chain"
REVOCATION = "revocation"
DATA_GROUP_HASHES = "data_group_hashes"


@dataclass
class PassiveResult:
    checks: list[Check]
    document_signer: Certificate | None = None
    csca: Certificate | None = None
    details: dict[str, Any] = field(default_factory=dict)


def _date(when: dt.datetime) -> str:
    return when.date().isoformat()


def _dg_list(numbers: list[int]) -> str:
    return ", ".join(f"DG{n}" for n in sorted(numbers))


def check_data_group_hashes(sod: SOD | None, data_groups: Mapping[int, bytes]) -> Check:
    if sod is None or not sod.dg_hashes:
        return failed(DATA_GROUP_HASHES, "SOD_EMPTY")
    if not data_groups:
        return not_performed(DATA_GROUP_HASHES, "NO_DATA_GROUPS")
    name = sod.digest_algorithm
    if name is None:
        algorithm = sod.security_object.hash_algorithm if sod.security_object else "?"
        return not_performed(DATA_GROUP_HASHES, "ALGORITHM_UNSUPPORTED", detail=algorithm_name(algorithm))
    expected = sod.dg_hashes
    missing = [n for n in data_groups if n not in expected]
    mismatched = [n for n in data_groups if n in expected and digest(name, bytes(data_groups[n])) != expected[n]]
    if mismatched:
        first = min(mismatched)
        return failed(DATA_GROUP_HASHES, f"HASH_MISMATCH_DG{first}", dg=_dg_list(mismatched))
    if missing:
        return failed(DATA_GROUP_HASHES, f"DG_NOT_IN_SOD_DG{min(missing)}", dg=_dg_list(missing))
    return passed(DATA_GROUP_HASHES, "HASHES_MATCH", dg=_dg_list(list(data_groups)))


def _signer_certificate(sod: SOD) -> Certificate | None:
    """The certificate the SignerInfo's sid names, among those EF.SOD carries."""
    si = sod.signer_infos[0]
    issuer_key = None
    if si.sid_issuer_der is not None:
        try:
            issuer_key = load_issuer_key(si.sid_issuer_der)
        except CertificateError:
            return None
    for raw in sod.certificates:
        try:
            cert = load_certificate(raw)
        except CertificateError:
            continue
        if si.sid_subject_key_id is not None and cert.ski == si.sid_subject_key_id:
            return cert
        if si.sid_serial is not None and cert.serial == si.sid_serial and cert.issuer_key == issuer_key:
            return cert
    return None


class _MalformedSigningTime(ValueError):
    """The signingTime attribute is present but is not exactly one time value."""


def _signing_time(sod: SOD) -> dt.datetime | None:
    """The signingTime signed attribute, when the signer included one (optional in Doc 9303).
    Raises _MalformedSigningTime for one that is present but unreadable (no value, two values,
    not a time): the signer signed nonsense, which must not read as "no signing time"."""
    der = sod.signer_infos[0].signed_attrs_der
    if der is None:
        return None
    try:
        attrs = cms.CMSAttributes.load(der, strict=True)
        for attr in attrs:
            if attr["type"].native == "signing_time":
                values = attr["values"]
                if len(values) != 1:
                    raise _MalformedSigningTime("signingTime must have exactly one value")
                value = values[0].native
                if not isinstance(value, dt.datetime):
                    raise _MalformedSigningTime("signingTime is not a time")
                return value
    except _MalformedSigningTime:
        raise
    except ASN1_FAILURES:
        raise _MalformedSigningTime("signingTime is malformed") from None
    return None


def check_sod_signature(sod: SOD, signer: Certificate | None) -> Check:
    if len(sod.signer_infos) != 1:
        return failed(SOD_SIGNATURE, "SOD_SIGNER_COUNT")
    if sod.signed_data.econtent is None:
        return failed(SOD_SIGNATURE, "SOD_EMPTY")
    if signer is None:
        return not_performed(SOD_SIGNATURE, "DS_CERT_MISSING")
    si = sod.signer_infos[0]
    try:
        problems = verify_signer_info(sod.signed_data, si, signer)
    except UnsupportedSignature as exc:
        return not_performed(SOD_SIGNATURE, "ALGORITHM_UNSUPPORTED", detail=str(exc)[:80])
    if not problems:
        return passed(SOD_SIGNATURE, "SIGNATURE_VALID", detail=si.signature_algorithm_name)
    if any("messageDigest" in p for p in problems):
        return failed(SOD_SIGNATURE, "MESSAGE_DIGEST_MISMATCH")
    if any("contentType" in p for p in problems):
        return failed(SOD_SIGNATURE, "SIGNED_ATTRS_INVALID")
    if any("allowed" in p for p in problems):
        return not_performed(SOD_SIGNATURE, "ALGORITHM_UNSUPPORTED", detail=problems[0][:80])
    if any("unusable" in p for p in problems):
        return not_performed(SOD_SIGNATURE, "ALGORITHM_UNSUPPORTED", detail="document signer key")
    return failed(SOD_SIGNATURE, "SIGNATURE_INVALID")


def check_certificate_chain(
    ds: Certificate, trust: TrustStore | None, now: dt.datetime, signing_time: dt.datetime | None,
    document_expired: bool | None,
) -> tuple[Check, Certificate | None]:
    if trust is None or len(trust) == 0:
        return not_performed(CERTIFICATE_CHAIN, "NO_TRUST_STORE"), None
    candidates = trust.issuer_candidates(ds)
    if not candidates:
        return not_performed(CERTIFICATE_CHAIN, "NO_TRUST_ANCHOR", detail=ds.country or "?"), None
    csca = None
    unsupported = None
    for cand in candidates:
        try:
            if ds.signed_by(cand):
                csca = cand
                break
        except UnsupportedSignature as exc:
            unsupported = str(exc)
    if csca is None:
        if unsupported is not None:
            return not_performed(CERTIFICATE_CHAIN, "ALGORITHM_UNSUPPORTED", detail=unsupported[:80]), None
        if ds.aki and any(c.ski == ds.aki for c in candidates):
            return failed(CERTIFICATE_CHAIN, "CHAIN_SIGNATURE_INVALID"), None
        # Same name, no key id match: a CSCA key this store does not hold.
        return not_performed(CERTIFICATE_CHAIN, "NO_TRUST_ANCHOR", detail=ds.country or "?"), None
    if not csca.is_ca or (csca.key_usage is not None and "key_cert_sign" not in csca.key_usage):
        return failed(CERTIFICATE_CHAIN, "CSCA_NOT_CA"), csca
    if ds.key_usage is not None and "digital_signature" not in ds.key_usage:
        return failed(CERTIFICATE_CHAIN, "DS_KEY_USAGE"), csca
    if signing_time is not None:
        start, end = ds.private_key_usage or (None, None)
        outside_pkup = (start is not None and signing_time < start) or (end is not None and signing_time > end)
        if not ds.valid_at(signing_time) or outside_pkup:
            return failed(CERTIFICATE_CHAIN, "DS_NOT_VALID_AT_SIGNING"), csca
    if now < ds.not_before:
        return failed(CERTIFICATE_CHAIN, "DS_NOT_YET_VALID", detail=_date(ds.not_before)), csca
    if now > ds.not_after:
        # Part 12: a DS certificate outlives every document it signed. An expired DS on a
        # document that is itself still valid is a contradiction → decisive. On an expired
        # document it is expected, but then nothing can be confirmed either → not decisive.
        return failed(CERTIFICATE_CHAIN, "DS_EXPIRED", detail=_date(ds.not_after),
                      decisive=document_expired is not True), csca
    if not csca.valid_at(now):
        return failed(CERTIFICATE_CHAIN, "CSCA_EXPIRED", detail=_date(csca.not_after),
                      decisive=document_expired is not True), csca
    return passed(CERTIFICATE_CHAIN, "CHAIN_VALID", detail=csca.country or "?"), csca


def check_revocation(ds: Certificate, csca: Certificate | None, trust: TrustStore | None,
                     now: dt.datetime) -> Check:
    if trust is None or csca is None:
        return not_performed(REVOCATION, "NO_TRUST_ANCHOR", detail=ds.country or "?")
    crls = trust.crls_for(csca)
    if not crls:
        return not_performed(REVOCATION, "NO_CRL")
    valid = []
    for crl in crls:
        try:
            if crl.signed_by(csca):
                valid.append(crl)
        except UnsupportedSignature:
            continue
    if not valid:
        return not_performed(REVOCATION, "CRL_INVALID")
    for crl in valid:
        if ds.serial in crl.revoked:
            when = crl.revoked[ds.serial]
            return failed(REVOCATION, "DS_REVOKED", detail=_date(when) if when else "?")
    newest = max(valid, key=lambda c: c.this_update)
    if newest.next_update is not None and newest.next_update < now:
        return not_performed(REVOCATION, "CRL_OUTDATED", detail=_date(newest.next_update))
    return passed(REVOCATION, "NOT_REVOKED")


def passive_authentication(
    sod_bytes: bytes | None,
    data_groups: Mapping[int, bytes],
    trust: TrustStore | None,
    *,
    now: dt.datetime | None = None,
    document_expired: bool | None = None,
) -> PassiveResult:
    """Run the four passive-authentication checks. `data_groups` maps DG number → the exact bytes
    read from the chip; `now` defaults to the current UTC time."""
    now = now or dt.datetime.now(dt.UTC)
    names = (SOD_SIGNATURE, CERTIFICATE_CHAIN, REVOCATION, DATA_GROUP_HASHES)
    if sod_bytes is None:
        return PassiveResult([not_performed(n, "SOD_NOT_READ") for n in names])
    if len(sod_bytes) == 0 or sod_bytes[:2] == b"\x77\x00":
        return PassiveResult([failed(SOD_SIGNATURE, "SOD_EMPTY"), not_performed(CERTIFICATE_CHAIN, "SOD_EMPTY"),
                              not_performed(REVOCATION, "SOD_EMPTY"), failed(DATA_GROUP_HASHES, "SOD_EMPTY")])
    try:
        sod = parse_sod(bytes(sod_bytes))
    except LDSError:
        return PassiveResult([failed(SOD_SIGNATURE, "SOD_MALFORMED"), not_performed(CERTIFICATE_CHAIN, "SOD_MALFORMED"),
                              not_performed(REVOCATION, "SOD_MALFORMED"), failed(DATA_GROUP_HASHES, "SOD_MALFORMED")])
    hashes = check_data_group_hashes(sod, data_groups)
    if sod.unsigned:
        # Hashes matching an unsigned list prove nothing; only a mismatch is worth reporting.
        if hashes.status is not CheckStatus.FAILED:
            hashes = not_performed(DATA_GROUP_HASHES, "SOD_UNSIGNED")
        return PassiveResult([failed(SOD_SIGNATURE, "SOD_UNSIGNED"), not_performed(CERTIFICATE_CHAIN, "SOD_UNSIGNED"),
                              not_performed(REVOCATION, "SOD_UNSIGNED"), hashes])
    signer = _signer_certificate(sod) if len(sod.signer_infos) == 1 else None
    signature = check_sod_signature(sod, signer)
    result = PassiveResult([signature], document_signer=signer)
    if signer is None:
        result.checks += [not_performed(CERTIFICATE_CHAIN, "DS_CERT_MISSING"),
                          not_performed(REVOCATION, "DS_CERT_MISSING"), hashes]
        return result
    try:
        signing_time = _signing_time(sod)
    except _MalformedSigningTime:
        signing_time = None
        if signature.status is CheckStatus.PASSED:  # signed, but the signed attributes are nonsense
            result.checks[0] = failed(SOD_SIGNATURE, "SIGNED_ATTRS_INVALID")
    chain, csca = check_certificate_chain(signer, trust, now, signing_time, document_expired)
    result.csca = csca
    result.checks += [chain, check_revocation(signer, csca, trust, now), hashes]
    result.details = {
        "document_signer": signer.summary(),
        "csca": csca.summary() if csca else None,
        "signature_algorithm": sod.signer_infos[0].signature_algorithm_name,
        "digest_algorithm": sod.digest_algorithm,
        "lds_security_object": sod.signed_data.content_type,
    }
    return result
