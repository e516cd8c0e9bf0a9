"""Verifying one CMS SignerInfo (RFC 5652 §5.4, Doc 9303 Part 12): the signed attributes bind the
content type and the content's digest, the signature covers the signed attributes. Master lists and
EF.SOD are both such SignedData, so both go through this one function."""

from __future__ import annotations

from asn1crypto import x509 as asn1_x509

from gateway.crypto.asn1 import ASN1_FAILURES, check_depth
from gateway.crypto.cms import SignedData, SignerInfo
from gateway.crypto.errors import CryptoError
from gateway.crypto.signatures import digest, verify
from gateway.pki.certificate import Certificate, CertificateError


def load_issuer_key(name_der: bytes) -> str:
    """The comparison form of a DER Name (as `Certificate.issuer_key`)."""
    try:
        check_depth(name_der, "issuer name")
        return asn1_x509.Name.load(name_der, strict=True).hashable
    except (*ASN1_FAILURES, CryptoError) as exc:  # asn1crypto fails lazily, and not only with ValueError
        raise CertificateError(f"malformed issuer name ({type(exc).__name__})") from None


def verify_signer_info(sd: SignedData, si: SignerInfo, signer: Certificate) -> list[str]:
    """Problems with one SignerInfo over SignedData's eContent (empty list: it verifies).
    Shared by master lists and EF.SOD — both are CMS SignedData with signed attributes."""
    problems: list[str] = []
    if sd.econtent is None:
        return ["content is absent"]
    hash_name = si.digest_algorithm_name
    if hash_name is None:
        return [f"digest algorithm {si.digest_algorithm} is not allowed"]
    if si.signed_attrs_der is not None:
        if si.content_type_attr != sd.content_type:
            problems.append("contentType attribute does not match the eContentType")
        if si.message_digest_attr is None:
            problems.append("messageDigest attribute is missing")
        elif si.message_digest_attr != digest(hash_name, sd.econtent):
            problems.append("messageDigest attribute does not match the content")
        signed = si.signed_attrs_der
    else:
        signed = sd.econtent
    if signer.public_key is None:
        return [*problems, f"signer key unusable: {signer.key_problem}"]
    if not verify(signer.public_key, si.signature_algorithm, si.signature_algorithm_params_der, signed,
                  si.signature, digest_algorithm=hash_name):
        problems.append("signature does not verify")
    return problems
