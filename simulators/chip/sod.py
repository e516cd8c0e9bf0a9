"""EF.SOD: the LDS security object (hashes of every data group) signed by the document signer.

Doc 9303 Part 10 4.6.2 / Part 12: 77 { ContentInfo { SignedData { eContentType
id-icao-mrtd-security-ldsSecurityObject, LDSSecurityObject, DS certificate, SignerInfo with signed
attributes contentType, messageDigest, signingTime } } }.
"""

from __future__ import annotations

import hashlib

from asn1crypto import algos, core

from simulators.chip.cms_build import signed_data
from simulators.chip.lds_files import TAG_SOD
from simulators.chip.pki import Signer
from simulators.chip.tlv_build import tlv

OID_LDS_SECURITY_OBJECT = "2.23.136.1.1.1"
# Some early documents used this OID; a reader must accept both (field guide, section 5).
OID_LDS_SECURITY_OBJECT_LEGACY = "1.3.27.1.1.1"
DG_HASHES = ("sha1", "sha224", "sha256", "sha384", "sha512")


class DataGroupHash(core.Sequence):
    _fields = [("data_group_number", core.Integer), ("data_group_hash_value", core.OctetString)]  # noqa: RUF012


class DataGroupHashValues(core.SequenceOf):
    _child_spec = DataGroupHash


class LDSVersionInfo(core.Sequence):
    _fields = [("lds_version", core.PrintableString), ("unicode_version", core.PrintableString)]  # noqa: RUF012


class LDSSecurityObject(core.Sequence):
    _fields = [  # noqa: RUF012
        ("version", core.Integer),
        ("hash_algorithm", algos.DigestAlgorithm),
        ("data_group_hash_values", DataGroupHashValues),
        ("lds_version_info", LDSVersionInfo, {"optional": True}),
    ]


def lds_security_object(data_groups: dict[int, bytes], hash_name: str = "sha256",
                        lds_version: str | None = None, unicode_version: str | None = None) -> bytes:
    """v0 by default; v1 (with LDSVersionInfo) when both versions are given (LDS 1.8)."""
    if hash_name not in DG_HASHES:
        raise ValueError(f"unknown data group hash {hash_name!r}; known: {DG_HASHES}")
    fields: dict[str, object] = {
        "version": 0,
        "hash_algorithm": {"algorithm": hash_name},
        "data_group_hash_values": [
            {"data_group_number": n, "data_group_hash_value": hashlib.new(hash_name, data).digest()}
            for n, data in sorted(data_groups.items())
        ],
    }
    if lds_version and unicode_version:
        fields["version"] = 1
        fields["lds_version_info"] = {"lds_version": lds_version, "unicode_version": unicode_version}
    return LDSSecurityObject(fields).dump()


def ef_sod(lds_so: bytes, signer: Signer, *, content_type: str = OID_LDS_SECURITY_OBJECT,
           signature_key=None, with_signer_info: bool = True, omit_econtent: bool = False) -> bytes:
    content_info = signed_data(
        content_type, lds_so, signer_key=signer.key, signer_cert=signer.certificate,
        algorithm=signer.algorithm, signing_time=signer.signing_time, signature_key=signature_key,
        with_signer_info=with_signer_info, omit_econtent=omit_econtent,
    )
    return tlv(TAG_SOD, content_info)
