"""CMS SignedData as the chip stores it (EF.SOD, EF.CardSecurity): everything passive
authentication needs later, taken apart but not yet judged.

Nothing here decides whether a signature is good — that is the next stage's job. What this
module guarantees is that the next stage gets exactly the bytes the signature covers (the signed
attributes re-tagged as a SET, RFC 5652 §5.4) and cannot overlook a missing signer.
"""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import cms, core

from gateway.crypto import oids
from gateway.crypto.asn1 import check_depth, decoding, der_length
from gateway.crypto.errors import DecodeError


@dataclass(frozen=True, slots=True)
class SignerInfo:
    version: int
    sid_issuer_der: bytes | None  # Name DER of issuerAndSerialNumber
    sid_serial: int | None
    sid_subject_key_id: bytes | None
    digest_algorithm: str  # OID
    signed_attrs_der: bytes | None  # DER SET OF Attribute (tag 31): the bytes the signature covers
    content_type_attr: str | None  # value of the contentType signed attribute
    message_digest_attr: bytes | None  # value of the messageDigest signed attribute
    signature_algorithm: str  # OID
    signature_algorithm_params_der: bytes | None  # e.g. RSASSA-PSS-params
    signature: bytes

    @property
    def signature_algorithm_name(self) -> str:
        return oids.NAMES.get(self.signature_algorithm, self.signature_algorithm)

    @property
    def digest_algorithm_name(self) -> str | None:
        return oids.DIGESTS.get(self.digest_algorithm)


@dataclass(frozen=True, slots=True)
class SignedData:
    version: int
    digest_algorithms: tuple[str, ...]
    content_type: str  # eContentType
    econtent: bytes | None  # None when the content is absent (detached)
    certificates: tuple[bytes, ...]  # X.509 certificates, DER
    signer_infos: tuple[SignerInfo, ...]


def _attr_values(attrs: cms.CMSAttributes) -> tuple[str | None, bytes | None]:
    seen: set[str] = set()
    content_type = digest = None
    for attr in attrs:
        oid = attr["type"].dotted
        if oid in seen:
            raise DecodeError(f"signed attribute {oids.NAMES.get(oid, oid)} appears more than once")
        seen.add(oid)
        if oid in (oids.CMS_CONTENT_TYPE, oids.CMS_MESSAGE_DIGEST):
            values = attr["values"]
            if len(values) != 1:
                raise DecodeError(f"signed attribute {oids.NAMES[oid]} must have exactly one value")
            if oid == oids.CMS_CONTENT_TYPE:
                content_type = values[0].dotted
            else:
                digest = values[0].native
                if not isinstance(digest, bytes):
                    raise DecodeError("messageDigest attribute is not an OCTET STRING")
    return content_type, digest


def _signer(si: cms.SignerInfo) -> SignerInfo:
    sid = si["sid"]
    issuer = serial = skid = None
    if sid.name == "issuer_and_serial_number":
        issuer = sid.chosen["issuer"].dump()
        serial = sid.chosen["serial_number"].native
    else:
        skid = sid.chosen.native
    attrs = si["signed_attrs"]
    signed_der = content_type = digest = None
    if attrs.contents is not None and not isinstance(attrs, core.Void):
        signed_der = b"\x31" + der_length(len(attrs.contents)) + attrs.contents
        content_type, digest = _attr_values(attrs)
    sig_alg = si["signature_algorithm"]
    params = sig_alg["parameters"]
    params_der = None
    if not isinstance(params, (core.Null, core.Void)) and params.contents is not None:
        params_der = params.dump()
    signature = si["signature"].native
    if not isinstance(signature, bytes):
        raise DecodeError("signer info has no signature value")
    return SignerInfo(
        version=int(str(si["version"].native).lstrip("v")),
        sid_issuer_der=issuer,
        sid_serial=serial,
        sid_subject_key_id=skid,
        digest_algorithm=si["digest_algorithm"]["algorithm"].dotted,
        signed_attrs_der=signed_der,
        content_type_attr=content_type,
        message_digest_attr=digest,
        signature_algorithm=sig_alg["algorithm"].dotted,
        signature_algorithm_params_der=params_der,
        signature=signature,
    )


def parse_signed_data(content_info_der: bytes, what: str) -> SignedData:
    """ContentInfo{signedData} → SignedData. Raises DecodeError for anything that is not SignedData
    (LimitError for nesting deeper than `gateway.limits.MAX_TLV_DEPTH`)."""
    check_depth(content_info_der, what)
    with decoding(what):
        return _parse_signed_data(bytes(content_info_der), what)


def _parse_signed_data(content_info_der: bytes, what: str) -> SignedData:
    ci = cms.ContentInfo.load(content_info_der, strict=True)
    if ci["content_type"].dotted != oids.CMS_SIGNED_DATA:
        raise DecodeError(f"{what}: ContentInfo holds {ci['content_type'].dotted}, not signedData")
    sd = ci["content"]
    encap = sd["encap_content_info"]
    content = encap["content"]
    econtent: bytes | None = None
    if not isinstance(content, core.Void) and content.contents is not None:
        native = content.native
        econtent = bytes(native) if isinstance(native, (bytes, bytearray)) else content.contents
    certs: list[bytes] = []
    if not isinstance(sd["certificates"], core.Void):
        for choice in sd["certificates"]:
            if choice.name == "certificate":
                certs.append(choice.chosen.dump())
    return SignedData(
        version=int(str(sd["version"].native).lstrip("v")),
        digest_algorithms=tuple(a["algorithm"].dotted for a in sd["digest_algorithms"]),
        content_type=encap["content_type"].dotted,
        econtent=econtent,
        certificates=tuple(certs),
        signer_infos=tuple(_signer(si) for si in sd["signer_infos"]),
    )
