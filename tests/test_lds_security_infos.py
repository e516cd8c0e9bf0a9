"""SecurityInfos (EF.CardAccess, DG14, EF.CardSecurity content): public samples first, then every
kind of entry built by hand with asn1crypto/cryptography."""

from __future__ import annotations

import pytest
from asn1crypto import core
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from lds_samples import BSI_DG14, CARD_ACCESS_BDR_TESTCARD, PACE_INFO_APPENDIX_G1

from gateway.crypto import asn1 as crypto_asn1
from gateway.crypto import oids
from gateway.nfc.lds import (
    ActiveAuthenticationInfo,
    ChipAuthenticationDomainParameterInfo,
    ChipAuthenticationInfo,
    ChipAuthenticationPublicKeyInfo,
    LDSError,
    LDSTagError,
    PACEDomainParameterInfo,
    PACEInfo,
    TerminalAuthenticationInfo,
    UnknownSecurityInfo,
    parse_card_access,
    parse_dg14,
    parse_security_infos_der,
)
from gateway.nfc.lds import asn1 as lds_asn1
from gateway.nfc.tlv import encode


def _set(*entries: bytes) -> bytes:
    return encode(0x31, b"".join(entries))


def test_doc9303_appendix_g1_pace_info():
    infos = parse_card_access(_set(PACE_INFO_APPENDIX_G1))
    (pace,) = infos.pace_infos
    assert pace == PACEInfo(oids.ID_PACE_ECDH_GM + ".2", 2, 13, "GM", "ECDH", "AES-128")
    assert pace.name == "id-PACE-ECDH-GM-AES-CBC-CMAC-128"
    assert pace.parameter_name == "brainpoolP256r1"


def test_bundesdruckerei_test_card_access():
    infos = parse_card_access(CARD_ACCESS_BDR_TESTCARD)  # trailing bytes after the SET are tolerated
    kinds = [type(i) for i in infos.infos]
    assert kinds == [
        TerminalAuthenticationInfo,
        ChipAuthenticationInfo,
        PACEInfo,
        ChipAuthenticationDomainParameterInfo,
        UnknownSecurityInfo,
    ]
    ta, ca, pace, ca_dom, card_info = infos.infos
    assert ta.version == 2
    assert (ca.key_agreement, ca.cipher, ca.version, ca.key_id) == ("ECDH", "AES-128", 2, 0x41)
    assert (pace.mapping, pace.cipher, pace.parameter_id) == ("GM", "AES-128", 13)
    assert ca_dom.domain_parameter.standardized_id == 13 and ca_dom.key_id == 0x41
    assert card_info.protocol == oids.ID_CI  # CardInfoLocator: kept as (oid, raw), not rejected
    assert card_info.der.startswith(b"\x30\x2b")
    assert infos.der == CARD_ACCESS_BDR_TESTCARD[:0x85]


def test_bsi_dg14_explicit_brainpool_p224r1():
    infos = parse_dg14(BSI_DG14)
    (pk,) = infos.chip_authentication_public_keys
    assert pk.key_agreement == "ECDH" and pk.key_id is None
    key = pk.public_key
    assert key.kind == "EC" and key.explicit is not None
    assert key.curve == "brainpoolP224r1"  # explicit parameters proven equal to the standard curve
    assert not key.loadable  # cryptography has no brainpoolP224r1; the point was checked on the curve
    (ca,) = infos.chip_authentication_infos
    assert (ca.cipher, ca.version) == ("3DES", 1)
    assert infos.of_type(TerminalAuthenticationInfo)[0].version == 1


@pytest.mark.parametrize(
    ("arc", "mapping", "agreement"),
    [
        (oids.ID_PACE_DH_GM, "GM", "DH"),
        (oids.ID_PACE_ECDH_GM, "GM", "ECDH"),
        (oids.ID_PACE_DH_IM, "IM", "DH"),
        (oids.ID_PACE_ECDH_IM, "IM", "ECDH"),
        (oids.ID_PACE_ECDH_CAM, "CAM", "ECDH"),
    ],
)
@pytest.mark.parametrize(("suffix", "cipher"), [(1, "3DES"), (2, "AES-128"), (3, "AES-192"), (4, "AES-256")])
def test_every_pace_protocol(arc, mapping, agreement, suffix, cipher):
    oid = f"{arc}.{suffix}"
    der = lds_asn1.PACEInfo({"protocol": oid, "version": 2, "parameter_id": 12}).dump()
    (info,) = parse_security_infos_der(_set(der)).infos
    if mapping == "CAM" and cipher == "3DES":  # not defined by Doc 9303: kept, not guessed
        assert info == UnknownSecurityInfo(oid, der)
        return
    assert info == PACEInfo(oid, 2, 12, mapping, agreement, cipher)


def test_several_pace_infos_and_no_parameter_id():
    a = lds_asn1.PACEInfo({"protocol": oids.ID_PACE_ECDH_GM + ".2", "version": 2, "parameter_id": 13}).dump()
    b = lds_asn1.PACEInfo({"protocol": oids.ID_PACE_DH_GM + ".1", "version": 2}).dump()
    infos = parse_card_access(_set(a, b))
    assert [p.parameter_id for p in infos.pace_infos] == [13, None]


def test_pace_domain_parameter_info_explicit():
    params = core.Integer(2).dump()  # any DER; kept raw for the PACE implementation
    der = lds_asn1.PACEDomainParameterInfo(
        {
            "protocol": oids.ID_PACE_DH_GM,
            "domain_parameter": {"algorithm": oids.DH_PUBLIC_NUMBER, "parameters": core.Any.load(params)},
            "parameter_id": 5,
        }
    ).dump()
    (info,) = parse_security_infos_der(_set(der)).infos
    assert isinstance(info, PACEDomainParameterInfo)
    assert (info.mapping, info.key_agreement, info.parameter_id) == ("GM", "DH", 5)
    assert info.domain_parameter.parameters_der == params and info.domain_parameter.standardized_id is None


def _ca_pk(spki_der: bytes, key_id: int | None = None) -> bytes:
    value = {
        "protocol": oids.ID_PK_ECDH,
        "chip_authentication_public_key": crypto_asn1.SubjectPublicKeyInfo.load(spki_der),
    }
    if key_id is not None:
        value["key_id"] = key_id
    return lds_asn1.ChipAuthenticationPublicKeyInfo(value).dump()


def test_chip_authentication_public_key_named_curve_loads():
    key = ec.generate_private_key(ec.BrainpoolP256R1()).public_key()
    spki = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    (info,) = parse_security_infos_der(_set(_ca_pk(spki, key_id=7))).infos
    assert isinstance(info, ChipAuthenticationPublicKeyInfo) and info.key_id == 7
    assert info.public_key.curve == "brainpoolP256r1"
    assert info.public_key.load().public_numbers() == key.public_numbers()


# NIST P-256 (FIPS 186-4 D.1.2.3); the generator is taken from cryptography below.
P256_P = 2**256 - 2**224 + 2**192 + 2**96 - 1
P256_B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def _explicit_p256_spki(point: bytes, *, a: int = P256_P - 3, gen: tuple[int, int] | None = None) -> bytes:
    g = ec.derive_private_key(1, ec.SECP256R1()).public_key().public_numbers()
    gx, gy = gen or (g.x, g.y)
    params = crypto_asn1.SpecifiedECDomain(
        {
            "version": 1,
            "field_id": {"field_type": oids.PRIME_FIELD, "parameters": core.Any.load(core.Integer(P256_P).dump())},
            "curve": {"a": a.to_bytes(32, "big"), "b": P256_B.to_bytes(32, "big")},
            "base": b"\x04" + gx.to_bytes(32, "big") + gy.to_bytes(32, "big"),
            "order": P256_N,
            "cofactor": 1,
        }
    )
    return crypto_asn1.SubjectPublicKeyInfo(
        {
            "algorithm": {"algorithm": oids.EC_PUBLIC_KEY, "parameters": core.Any.load(params.dump())},
            "subject_public_key": core.BitString.load(encode(0x03, b"\x00" + point)),
        }
    ).dump()


def test_chip_authentication_public_key_explicit_p256_loads():
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    point = key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    (info,) = parse_security_infos_der(_set(_ca_pk(_explicit_p256_spki(point)))).infos
    assert info.public_key.curve == "secp256r1" and info.public_key.explicit is not None
    assert info.public_key.load().public_numbers() == key.public_numbers()


def test_unusable_chip_authentication_key_is_kept_with_its_reason():
    spki = crypto_asn1.SubjectPublicKeyInfo(
        {
            "algorithm": {"algorithm": oids.EC_PUBLIC_KEY, "parameters": core.ObjectIdentifier("1.2.3.4")},
            "subject_public_key": core.BitString.load(encode(0x03, b"\x00\x04" + b"\x01" * 64)),
        }
    ).dump()
    ca = lds_asn1.ChipAuthenticationInfo({"protocol": oids.ID_CA_ECDH + ".2", "version": 1}).dump()
    infos = parse_dg14(encode(0x6E, _set(_ca_pk(spki, key_id=1), ca)))
    (unsupported,) = infos.unsupported
    assert unsupported.protocol == oids.ID_PK_ECDH and "1.2.3.4 is unknown" in unsupported.reason
    assert infos.chip_authentication_public_keys == () and len(infos.chip_authentication_infos) == 1


def test_explicit_parameters_that_lie_are_refused():
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    point = key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    with pytest.raises(LDSError, match="generator is not on the curve"):
        parse_security_infos_der(_set(_ca_pk(_explicit_p256_spki(point, a=5))))
    off_curve = point[:-1] + bytes([point[-1] ^ 1])
    with pytest.raises(LDSError, match="entry 0"):
        parse_security_infos_der(_set(_ca_pk(_explicit_p256_spki(off_curve))))


def test_active_authentication_info_and_unknown_kept():
    aa = lds_asn1.ActiveAuthenticationInfo(
        {"protocol": oids.ID_AA, "version": 1, "signature_algorithm": oids.ECDSA_PLAIN_SHA256}
    ).dump()
    unknown = encode(0x30, core.ObjectIdentifier("0.4.0.127.0.7.2.2.99").dump() + core.Integer(1).dump())
    infos = parse_security_infos_der(_set(aa, unknown))
    assert infos.active_authentication_info == ActiveAuthenticationInfo(oids.ID_AA, 1, oids.ECDSA_PLAIN_SHA256)
    assert infos.active_authentication_info.signature_algorithm_name == "ecdsa-plain-SHA256"
    assert infos.unknown == (UnknownSecurityInfo("0.4.0.127.0.7.2.2.99", unknown),)


def test_terminal_authentication_with_ef_cvca():
    ta = lds_asn1.TerminalAuthenticationInfo(
        {"protocol": oids.ID_TA, "version": 1, "ef_cvca": {"fid": b"\x01\x1c", "sfid": b"\x1c"}}
    ).dump()
    (info,) = parse_security_infos_der(_set(ta)).infos
    assert info == TerminalAuthenticationInfo(oids.ID_TA, 1, b"\x01\x1c", b"\x1c")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (bytes.fromhex("3100"), None),  # an empty SET is a valid (useless) SecurityInfos
        (bytes.fromhex("3000"), "outer tag is 30"),
        (bytes.fromhex("310a"), "declares 10 bytes"),
        (bytes.fromhex("3103020101"), "entry 0 has tag 2"),
        (bytes.fromhex("31053003020101"), "does not start with a protocol OID"),
        (_set(PACE_INFO_APPENDIX_G1)[:-1], "declares"),
        # PACEInfo without its version: a known protocol with a malformed body is an error
        (_set(bytes.fromhex("300c060a04007f00070202040202")), "entry 0"),
    ],
)
def test_malformed_security_infos(data, message):
    if message is None:
        assert parse_card_access(data).infos == ()
        return
    with pytest.raises(LDSError, match=message):
        parse_card_access(data)


def test_dg14_wrong_outer_tag():
    with pytest.raises(LDSTagError, match="expected 6E"):
        parse_dg14(b"\x6f" + BSI_DG14[1:])
