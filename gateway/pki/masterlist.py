"""CSCA master lists (ICAO Doc 9303 Part 12 §9): CMS SignedData, eContentType
id-icao-cscaMasterList (2.23.136.1.1.2), content `CscaMasterList ::= SEQUENCE { version
INTEGER (v0), certList SET OF Certificate }`.

A master list is only as good as its signature: a list whose signature or signer chain does not
verify could smuggle in a rogue CSCA, so `parse_master_list` says exactly what was verified and
the trust store refuses unverified lists unless told otherwise. Verifying the signer against a
CSCA *inside the same list* proves integrity, not origin — the list's signer country is reported
so an operator can confirm it came from the publisher they expect (e.g. the BSI for "DE").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from asn1crypto import core

from gateway.crypto import oids
from gateway.crypto.asn1 import ASN1_FAILURES, check_depth
from gateway.crypto.cms import SignerInfo, parse_signed_data
from gateway.crypto.errors import CryptoError
from gateway.crypto.signatures import UnsupportedSignature
from gateway.pki.certificate import Certificate, CertificateError, load_certificate
from gateway.pki.signed_data import load_issuer_key, verify_signer_info

ID_CSCA_MASTER_LIST = oids.ID_CSCA_MASTER_LIST
ID_MASTER_LIST_SIGNING_KEY = "2.23.136.1.1.3"


class _CertList(core.SetOf):
    _child_spec = core.Any


class CscaMasterList(core.Sequence):
    _fields = [("version", core.Integer), ("cert_list", _CertList)]  # noqa: RUF012


class MasterListError(ValueError):
    """Not a CSCA master list at all (wrong structure or content type)."""


@dataclass
class MasterList:
    certificates: list[Certificate]
    verified: bool  # signature, messageDigest and signer chain all checked and good
    signer: Certificate | None
    problems: list[str] = field(default_factory=list)
    skipped: int = 0  # entries of certList that are not loadable certificates

    @property
    def signer_country(self) -> str | None:
        return self.signer.country if self.signer else None


def _find_signer_cert(si: SignerInfo, certs: list[Certificate]) -> Certificate | None:
    for cert in certs:
        if si.sid_subject_key_id is not None and cert.ski == si.sid_subject_key_id:
            return cert
        if si.sid_serial is not None and cert.serial == si.sid_serial and si.sid_issuer_der is not None:
            try:
                issuer_key = load_issuer_key(si.sid_issuer_der)
            except CertificateError:
                continue
            if issuer_key == cert.issuer_key:
                return cert
    return None


def parse_master_list(data: bytes) -> MasterList:
    """Parse and verify a master list file (DER ContentInfo). Raises MasterListError if it is not
    one; verification problems are reported in the result, not raised."""
    try:
        sd = parse_signed_data(bytes(data), "master list")
    except (CryptoError, *ASN1_FAILURES) as exc:
        raise MasterListError(f"not a CMS SignedData master list: {exc}") from None
    if sd.content_type != ID_CSCA_MASTER_LIST:
        raise MasterListError(f"eContentType {sd.content_type} is not id-icao-cscaMasterList")
    if sd.econtent is None:
        raise MasterListError("master list content is absent")
    try:
        check_depth(sd.econtent, "CscaMasterList")
        content = CscaMasterList.load(sd.econtent, strict=True)
        raw_certs = [item.dump() for item in content["cert_list"]]
    except (CryptoError, *ASN1_FAILURES) as exc:
        raise MasterListError(f"CscaMasterList is malformed ({type(exc).__name__})") from None

    certs: list[Certificate] = []
    skipped = 0
    for raw in raw_certs:
        try:
            certs.append(load_certificate(raw))
        except CertificateError:
            skipped += 1
    result = MasterList(certs, False, None, skipped=skipped)
    if skipped:
        result.problems.append(f"{skipped} entries of the list are not loadable certificates")

    embedded: list[Certificate] = []
    for raw in sd.certificates:
        try:
            embedded.append(load_certificate(raw))
        except CertificateError:
            result.problems.append("an embedded certificate is not loadable")
    if len(sd.signer_infos) != 1:
        result.problems.append(f"master list has {len(sd.signer_infos)} signers, expected 1")
        return result
    si = sd.signer_infos[0]
    signer = _find_signer_cert(si, embedded + certs)
    if signer is None:
        result.problems.append("the master list signer certificate is not included")
        return result
    result.signer = signer
    try:
        problems = verify_signer_info(sd, si, signer)
    except UnsupportedSignature as exc:
        problems = [f"signature cannot be checked: {exc}"]
    if signer.extended_key_usage is not None and ID_MASTER_LIST_SIGNING_KEY not in signer.extended_key_usage:
        problems.append("signer certificate lacks the master list signing key usage")
    chained = False
    for csca in certs + embedded:
        if csca is signer and not signer.self_issued:
            continue
        if csca.subject_key != signer.issuer_key:
            continue
        if signer.aki and csca.ski and signer.aki != csca.ski:
            continue
        if not any(csca.fingerprint == c.fingerprint for c in certs):
            continue  # the anchor must itself be on the list
        try:
            if signer.signed_by(csca):
                chained = True
                break
        except UnsupportedSignature:
            continue
    if not chained:
        problems.append("the signer certificate does not chain to a CSCA in the list")
    result.problems.extend(problems)
    result.verified = not problems
    return result
