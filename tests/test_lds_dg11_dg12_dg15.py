"""DG11, DG12 (free text, all personal data) and DG15 (active authentication key)."""

from __future__ import annotations

import pytest
from asn1crypto import core
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from lds_samples import BSI_DG15, DG11_PYMRTD

from gateway.crypto import asn1 as crypto_asn1
from gateway.crypto import oids
from gateway.nfc.lds import LDSError, LDSTagError, LDSUnsupportedError, parse_dg11, parse_dg12, parse_dg15
from gateway.nfc.tlv import encode


def test_dg11_pymrtd_sample():
    dg11 = parse_dg11(DG11_PYMRTD)
    assert dg11.tag_list == (0x5F0E, 0x5F2B, 0x5F11)
    assert (dg11.full_name, dg11.full_date_of_birth, dg11.place_of_birth) == ("Test<<Tester", "19701201", "Northampton")
    assert dg11.other_names == () and dg11.address is None


def _dg11_full() -> bytes:
    fields = [
        (0x5F0E, "MUSTERMANN<<ERIKA"),
        (0x5F10, "123456"),
        (0x5F11, "BERLIN"),
        (0x5F42, "HEIDESTRASSE 17<KÖLN"),
        (0x5F12, "+49301234"),
        (0x5F13, "ÄRZTIN"),
        (0x5F14, "DR"),
        (0x5F15, "SUMMARY"),
        (0x5F17, "X123<Y456"),
        (0x5F18, "CUSTODY"),
    ]
    value = encode(0x5C, b"".join(t.to_bytes(2, "big") for t, _ in fields) + b"\x5f\x2b\xa0\x5f\x16")
    value += b"".join(encode(t, v.encode("utf-8")) for t, v in fields)
    value += encode(0x5F2B, b"19640812")
    value += encode(0xA0, encode(0x02, b"\x02") + encode(0x5F0F, b"GABLER<<ERIKA") + encode(0x5F0F, "ÉVA".encode()))
    value += encode(0x5F16, b"\xff\xd8\xff\xe0jpeg")
    value += encode(0x5F3A, b"future")
    return encode(0x6B, value)


def test_dg11_every_field():
    dg11 = parse_dg11(_dg11_full())
    assert dg11.full_name == "MUSTERMANN<<ERIKA" and dg11.personal_number == "123456"
    assert dg11.address == "HEIDESTRASSE 17<KÖLN" and dg11.profession == "ÄRZTIN"
    assert (dg11.telephone, dg11.title, dg11.personal_summary) == ("+49301234", "DR", "SUMMARY")
    assert dg11.other_travel_document_numbers == "X123<Y456" and dg11.custody_information == "CUSTODY"
    assert dg11.other_names == ("GABLER<<ERIKA", "ÉVA") and dg11.full_date_of_birth == "19640812"
    assert dg11.proof_of_citizenship == b"\xff\xd8\xff\xe0jpeg" and dg11.unknown == ((0x5F3A, b"future"),)
    assert 0x5F0E in dg11.tag_list and 0xA0 in dg11.tag_list
    text = repr(dg11)
    assert "MUSTERMANN" not in text and "BERLIN" not in text and "full_name" in text


def test_dg11_latin1_bcd_date_and_bare_other_name():
    value = (
        encode(0x5F0E, "MÜLLER".encode("latin-1")) + encode(0x5F2B, bytes.fromhex("19640812")) + encode(0x5F0F, b"X")
    )
    dg11 = parse_dg11(encode(0x6B, value))
    assert dg11.full_name == "MÜLLER" and dg11.full_date_of_birth == "19640812" and dg11.other_names == ("X",)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (encode(0x6C, b""), "expected 6B"),
        (encode(0x6B, encode(0xA0, encode(0x02, b"\x03") + encode(0x5F0F, b"A"))), "announces 3 entries but holds 1"),
        (encode(0x6B, encode(0x5F2B, b"1964")), "not 8 ASCII characters"),
        (encode(0x6B, encode(0x5C, b"\x5f")), "two-byte tag"),
        (encode(0x6B, encode(0x5F0E, b"MUSTERMANN"))[:-2], "declares"),
    ],
)
def test_dg11_malformed(data, message):
    with pytest.raises(LDSError, match=message) as info:
        parse_dg11(data)
    assert "MUSTERMANN" not in str(info.value)


def test_dg12_every_field():
    value = encode(0x5C, bytes.fromhex("5F195F265F1B5F1C5F555F56A05F1D5F1E"))
    value += encode(0x5F19, "STADT KÖLN".encode())
    value += encode(0x5F26, b"20210801")
    value += encode(0xA0, encode(0x02, b"\x01") + encode(0x5F1A, b"CHILD<<ONE"))
    value += encode(0x5F1B, b"NONE") + encode(0x5F1C, b"EXIT")
    value += encode(0x5F1D, b"front") + encode(0x5F1E, b"rear")
    value += encode(0x5F55, b"20210715123000") + encode(0x5F56, b"SN-42")
    dg12 = parse_dg12(encode(0x6C, value))
    assert dg12.issuing_authority == "STADT KÖLN" and dg12.date_of_issue == "20210801"
    assert dg12.other_persons == ("CHILD<<ONE",) and (dg12.endorsements, dg12.tax_exit_requirements) == ("NONE", "EXIT")
    assert (dg12.front_image, dg12.rear_image) == (b"front", b"rear")
    assert dg12.personalisation_time == "20210715123000" and dg12.personalisation_device_serial == "SN-42"
    assert len(dg12.tag_list) == 9 and "KÖLN" not in repr(dg12)


def test_dg12_malformed():
    with pytest.raises(LDSTagError):
        parse_dg12(encode(0x6B, b""))
    with pytest.raises(LDSError, match="not 14 ASCII characters"):
        parse_dg12(encode(0x6C, encode(0x5F55, b"2021")))


def test_dg15_bsi_rsa():
    key = parse_dg15(BSI_DG15)
    assert key.kind == "RSA" and key.rsa_modulus_bits == 1024 and key.algorithm == oids.RSA_ENCRYPTION
    assert key.load().public_numbers().e == 65537


@pytest.mark.parametrize("curve", [ec.SECP256R1(), ec.BrainpoolP384R1(), ec.SECP521R1()])
def test_dg15_ec_named_curve(curve):
    pub = ec.generate_private_key(curve).public_key()
    spki = pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    key = parse_dg15(encode(0x6F, spki))
    assert key.kind == "EC" and key.curve == curve.name and key.der == spki
    assert key.load().public_numbers() == pub.public_numbers()


def test_dg15_rsa_2048_roundtrip():
    pub = rsa.generate_private_key(65537, 2048).public_key()
    spki = pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert parse_dg15(encode(0x6F, spki)).load().public_numbers() == pub.public_numbers()


def _spki(alg: str, params: bytes | None, key: bytes) -> bytes:
    algorithm = {"algorithm": alg}
    if params is not None:
        algorithm["parameters"] = core.Any.load(params)
    return crypto_asn1.SubjectPublicKeyInfo(
        {"algorithm": algorithm, "subject_public_key": core.BitString.load(encode(0x03, b"\x00" + key))}
    ).dump()


def test_standardized_domain_parameter_key():
    pub = ec.generate_private_key(ec.BrainpoolP256R1()).public_key()
    point = pub.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    key = parse_dg15(encode(0x6F, _spki(oids.STANDARDIZED_DOMAIN_PARAMETERS, core.Integer(13).dump(), point)))
    assert (key.kind, key.curve, key.parameter_id) == ("EC", "brainpoolP256r1", 13)
    assert key.load().public_numbers() == pub.public_numbers()


@pytest.mark.parametrize(
    ("spki", "error", "message"),
    [
        (
            _spki(oids.EC_PUBLIC_KEY, core.ObjectIdentifier("1.2.3.4").dump(), b"\x04" * 65),
            LDSUnsupportedError,
            "unknown",
        ),
        (
            _spki(oids.EC_PUBLIC_KEY, core.ObjectIdentifier("1.2.840.10045.3.1.7").dump(), b"\x04" + b"\x01" * 64),
            LDSError,
            "not valid",
        ),
        (_spki(oids.EC_PUBLIC_KEY, None, b"\x04" * 65), LDSUnsupportedError, "implicitlyCA"),
        (_spki(oids.STANDARDIZED_DOMAIN_PARAMETERS, core.Integer(99).dump(), b"\x04"), LDSUnsupportedError, "id 99"),
        (_spki("1.2.3.4.5", None, b"\x00"), LDSUnsupportedError, "not supported"),
        (_spki(oids.RSA_ENCRYPTION, core.Null().dump(), b"\x30\x03\x02\x01\x01"), LDSError, "DG15"),
    ],
)
def test_dg15_bad_keys(spki, error, message):
    with pytest.raises(error, match=message):
        parse_dg15(encode(0x6F, spki))


def test_dh_key_with_domain_parameters():
    params = crypto_asn1.DHDomainParameters({"p": 23, "g": 5, "q": 11}).dump()
    key = parse_dg15(encode(0x6F, _spki(oids.DH_PUBLIC_NUMBER, params, core.Integer(8).dump())))
    assert key.kind == "DH" and key.dh_domain.p == 23 and key.dh_domain.q == 11
