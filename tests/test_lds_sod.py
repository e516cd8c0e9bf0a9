"""EF.SOD and EF.CardSecurity: the BSI TR-03105-5 reference SOD (real RSASSA-PSS signature over the
parsed signed attributes), SODs signed here with ECDSA, both LDS security object OIDs, and the
unsigned/empty cases the verdict stage must fail."""

from __future__ import annotations

import hashlib

import pytest
from asn1crypto import cms, core
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from lds_samples import (
    BSI_DG1,
    BSI_DG2,
    BSI_DG14,
    BSI_SOD,
    lds_security_object,
    signed_content_info,
    signer_certificate,
    sod,
)

from gateway.crypto import oids
from gateway.nfc.lds import (
    EMPTY,
    NO_CERTIFICATE,
    UNSIGNED,
    LDSError,
    LDSTagError,
    parse_card_security,
    parse_sod,
)
from gateway.nfc.lds import asn1 as lds_asn1
from gateway.nfc.tlv import encode

H1, H2, H14 = (hashlib.sha256(bytes([n])).digest() for n in (1, 2, 14))


def test_bsi_reference_sod():
    parsed = parse_sod(BSI_SOD)
    assert parsed.problems == ()
    assert parsed.digest_algorithm == "sha256"
    assert sorted(parsed.dg_hashes) == [1, 2, 3, 4, 14]
    so = parsed.security_object
    assert so.version == 0 and so.lds_version is None
    for number, dg in ((1, BSI_DG1), (2, BSI_DG2), (14, BSI_DG14)):
        assert hashlib.sha256(dg).digest() == parsed.dg_hashes[number]
    sd = parsed.signed_data
    assert sd.content_type == oids.ID_LDS_SECURITY_OBJECT and sd.digest_algorithms == (oids.SHA256,)
    (si,) = parsed.signer_infos
    assert si.version == 1 and si.sid_serial == 0x0142FD5CF927 and si.sid_subject_key_id is None
    assert si.signature_algorithm == oids.RSASSA_PSS and si.signature_algorithm_params_der is not None
    assert si.digest_algorithm_name == "sha256" and si.content_type_attr == oids.ID_LDS_SECURITY_OBJECT
    assert si.message_digest_attr == hashlib.sha256(sd.econtent).digest()
    (cert_der,) = parsed.certificates
    cert = x509.load_der_x509_certificate(cert_der)
    assert cert.serial_number == si.sid_serial
    assert cert.issuer.public_bytes() == si.sid_issuer_der
    # The bytes handed on are exactly what the document signer signed:
    pss = padding.PSS(padding.MGF1(hashes.SHA256()), 32)
    cert.public_key().verify(si.signature, si.signed_attrs_der, pss, hashes.SHA256())
    assert si.signed_attrs_der[0] == 0x31


@pytest.mark.parametrize("oid", [oids.ID_LDS_SECURITY_OBJECT, oids.ID_LDS_SECURITY_OBJECT_OLD])
@pytest.mark.parametrize("sid", ["issuer", "skid"])
def test_signed_here_both_oids_both_signer_identifiers(oid, sid):
    data = sod({1: H1, 2: H2, 14: H14}, oid=oid, sid=sid)
    parsed = parse_sod(data)
    assert parsed.problems == ()
    assert parsed.dg_hashes == {1: H1, 2: H2, 14: H14}
    (si,) = parsed.signer_infos
    cert = signer_certificate()
    if sid == "issuer":
        assert si.sid_serial == cert.serial_number and si.sid_subject_key_id is None
    else:
        ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
        assert si.sid_subject_key_id == ski and si.sid_serial is None
    assert si.signature_algorithm_name == "ecdsa-with-SHA256" and si.signature_algorithm_params_der is None
    cert.public_key().verify(si.signature, si.signed_attrs_der, ec.ECDSA(hashes.SHA256()))
    assert si.content_type_attr == oid


def test_lds_version_info_and_sha1():
    econtent = lds_security_object({1: b"\x01" * 20, 2: b"\x02" * 20}, digest="sha1", version_info=True)
    parsed = parse_sod(encode(0x77, signed_content_info(econtent, oids.ID_LDS_SECURITY_OBJECT)))
    so = parsed.security_object
    assert (so.version, so.lds_version, so.unicode_version) == (1, "0108", "040000")
    assert parsed.digest_algorithm == "sha1"


def test_unsigned_sod_is_reported():
    parsed = parse_sod(sod({1: H1, 2: H2}, signed=False))
    assert parsed.unsigned and parsed.problems == (UNSIGNED,)
    assert parsed.dg_hashes == {1: H1, 2: H2}  # still parsed, so the verdict can name the problem


def test_empty_sod_is_reported():
    no_hashes = parse_sod(sod({}))
    assert no_hashes.empty and no_hashes.problems == (EMPTY,)
    no_content = parse_sod(encode(0x77, signed_content_info(None, oids.ID_LDS_SECURITY_OBJECT)))
    assert no_content.empty and no_content.security_object is None and no_content.dg_hashes == {}
    assert no_content.digest_algorithm is None


def test_empty_sod_file_is_reported_not_refused():
    parsed = parse_sod(b"\x77\x00")
    assert parsed.problems == (UNSIGNED, EMPTY, NO_CERTIFICATE) and parsed.unsigned and parsed.empty
    assert parsed.signed_data is None and parsed.signer_infos == () and parsed.dg_hashes == {}


def test_missing_certificate_is_reported():
    parsed = parse_sod(sod({1: H1, 2: H2}, with_certificate=False))
    assert parsed.problems == (NO_CERTIFICATE,)


def test_wrong_content_types_are_refused():
    with pytest.raises(LDSError, match="is not an LDS security object"):
        parse_sod(encode(0x77, signed_content_info(lds_security_object({1: H1}), "1.2.840.113549.1.7.1")))
    data = cms.ContentInfo({"content_type": "data", "content": core.OctetString(b"x")}).dump()
    with pytest.raises(LDSError, match="not signedData"):
        parse_sod(encode(0x77, data))


@pytest.mark.parametrize(
    ("hashes_by_dg", "message"),
    [
        ({0: H1, 2: H2}, "data group number 0 is outside"),
        ({17: H1, 2: H2}, "data group number 17 is outside"),
        ({1: H1, 2: H2[:20]}, "hash of DG2 has 20 bytes, sha256 gives 32"),
    ],
)
def test_bad_hash_lists_are_refused(hashes_by_dg, message):
    with pytest.raises(LDSError, match=message):
        parse_sod(sod(hashes_by_dg))


def test_duplicate_data_group_is_refused():
    so = lds_asn1.LDSSecurityObject(
        {
            "version": 0,
            "hash_algorithm": {"algorithm": oids.SHA256},
            "data_group_hash_values": [
                {"data_group_number": 1, "data_group_hash_value": H1},
                {"data_group_number": 1, "data_group_hash_value": H2},
            ],
        }
    ).dump()
    with pytest.raises(LDSError, match="data group 1 is listed twice"):
        parse_sod(encode(0x77, signed_content_info(so, oids.ID_LDS_SECURITY_OBJECT)))


def test_signer_without_signed_attributes_is_handed_on_as_such():
    ci = cms.ContentInfo.load(BSI_SOD[4:])
    ci["content"]["signer_infos"][0]["signed_attrs"] = None
    (si,) = parse_sod(encode(0x77, ci.dump(force=True))).signer_infos
    assert si.signed_attrs_der is None and si.message_digest_attr is None and si.content_type_attr is None
    assert len(si.signature) == 256


def test_duplicate_signed_attribute_is_refused():
    # Rebuild the BSI SOD with its messageDigest attribute doubled (an attribute smuggling attempt).
    ci = cms.ContentInfo.load(BSI_SOD[4:])
    si = ci["content"]["signer_infos"][0]
    attrs = list(si["signed_attrs"])
    si["signed_attrs"] = cms.CMSAttributes([*attrs, attrs[1]])
    with pytest.raises(LDSError, match="messageDigest appears more than once"):
        parse_sod(encode(0x77, ci.dump(force=True)))


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (b"", LDSError, "empty"),
        (encode(0x30, b""), LDSTagError, "expected 77"),
        (BSI_SOD[:100], LDSError, "declares"),
        (encode(0x77, b"\x30\x03\x02\x01\x01"), LDSError, "EF.SOD"),
        (encode(0x77, BSI_SOD[4:] + b"\x00"), LDSError, "EF.SOD"),  # junk inside the 77 object
    ],
)
def test_malformed_sod(data, error, message):
    with pytest.raises(error, match=message):
        parse_sod(data)


def test_card_security():
    pace = lds_asn1.PACEInfo({"protocol": oids.ID_PACE_ECDH_GM + ".2", "version": 2, "parameter_id": 13}).dump()
    infos_der = encode(0x31, pace)
    parsed = parse_card_security(signed_content_info(infos_der, oids.ID_SECURITY_OBJECT))
    assert parsed.problems == ()
    assert parsed.security_infos.pace_infos[0].parameter_id == 13
    assert parsed.signed_data.signer_infos[0].content_type_attr == oids.ID_SECURITY_OBJECT
    unsigned = parse_card_security(signed_content_info(infos_der, oids.ID_SECURITY_OBJECT, signed=False))
    assert unsigned.problems == (UNSIGNED,)
    with pytest.raises(LDSError, match="not id-SecurityObject"):
        parse_card_security(signed_content_info(infos_der, oids.ID_LDS_SECURITY_OBJECT))
