"""CMS SignedData (RFC 5652) as Doc 9303 uses it for EF.SOD and CSCA master lists.

Built with asn1crypto because `cryptography`'s PKCS7 builder only signs id-data content, while ICAO
needs its own eContentType OIDs (2.23.136.1.1.1 LDS security object, 2.23.136.1.1.2 master list).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization

from simulators.chip.signing import cms_signature_algorithm, hash_for, sign


def _asn1_cert(cert) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def signed_data(
    econtent_type: str,
    econtent: bytes,
    *,
    signer_key,
    signer_cert,
    algorithm: str,
    certificates: list | None = None,
    signing_time: dt.datetime | None = None,
    signature_key=None,
    with_signer_info: bool = True,
    omit_econtent: bool = False,
) -> bytes:
    """ContentInfo{signedData} DER.

    `certificates` (cryptography certs) go into SignedData.certificates; by default the signer's own.
    `signature_key` signs instead of `signer_key` to make a well-formed but invalid signature.
    `with_signer_info=False` leaves signerInfos empty: an *unsigned* SignedData a verifier must reject.
    `omit_econtent=True` signs as usual but leaves eContent out (detached), so the file carries no hashes.
    """
    h = hash_for(algorithm)
    digest_alg = {"algorithm": h.name}
    attrs = [
        {"type": "content_type", "values": [econtent_type]},
        {"type": "message_digest", "values": [hashlib.new(h.name, econtent).digest()]},
    ]
    if signing_time is not None:
        attrs.append({"type": "signing_time", "values": [cms.Time({"utc_time": signing_time})]})
    signed_attrs = cms.CMSAttributes(attrs)
    # The signature covers the DER SET OF (tag 0x31), not the [0] IMPLICIT form stored in SignerInfo.
    signature = sign(signature_key or signer_key, algorithm, signed_attrs.dump())
    tbs = _asn1_cert(signer_cert)["tbs_certificate"]
    signer_info = cms.SignerInfo({
        "version": "v1",
        "sid": cms.SignerIdentifier({
            "issuer_and_serial_number": {"issuer": tbs["issuer"], "serial_number": tbs["serial_number"]},
        }),
        "digest_algorithm": digest_alg,
        "signed_attrs": signed_attrs,
        "signature_algorithm": cms_signature_algorithm(algorithm),
        "signature": signature,
    })
    certs = [signer_cert] if certificates is None else certificates
    fields: dict = {
        "version": "v3",
        "digest_algorithms": [digest_alg],
        "encap_content_info": {"content_type": econtent_type} if omit_econtent
        else {"content_type": econtent_type, "content": econtent},
        "signer_infos": [signer_info] if with_signer_info else [],
    }
    if certs:
        fields["certificates"] = [_asn1_cert(c) for c in certs]
    sd = cms.SignedData(fields)
    return cms.ContentInfo({"content_type": "signed_data", "content": sd}).dump()
