"""The elementary files the simulator builds, decoded independently (asn1crypto, cryptography, OpenCV)."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest
from asn1crypto import core
from asn1crypto import keys as asn1_keys
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from sim_lds_verify import tlv_dict, tlv_elements, tlv_one

from gateway.mrz import check
from simulators.chip.document import FID_CARD_ACCESS, FID_COM, dg_fid
from simulators.chip.lds_builder import build_document
from simulators.chip.lds_files import ef_com
from simulators.chip.profile import load_profile
from simulators.chip.security_infos import pace_info


@pytest.fixture(scope="module")
def passport():
    return build_document(load_profile("td3-pace-bac-ca-aa"))


@pytest.fixture(scope="module")
def bac_passport():
    return build_document(load_profile("td3-bac"))


def test_ef_com_matches_the_doc9303_appendix_d_file():
    assert ef_com([1, 2], "0106", "040000") == bytes.fromhex("60145F0104303130365F36063034303030305C026175")


def test_ef_com_lists_exactly_the_data_groups_present(passport):
    com = tlv_dict(tlv_one(passport.app_files[FID_COM], 0x60))
    assert com[0x5F01] == b"0107" and com[0x5F36] == b"040000"
    assert com[0x5C] == bytes([0x61, 0x75, 0x6B, 0x6C, 0x6E, 0x6F])
    present = sorted(fid - 0x0100 for fid in passport.app_files if 0x0101 <= fid <= 0x0110)
    assert present == [1, 2, 11, 12, 14, 15]


def test_dg1_holds_a_valid_mrz_that_matches_the_bac_secret(bac_passport):
    mrz = tlv_dict(tlv_one(bac_passport.app_files[dg_fid(1)], 0x61))[0x5F1F].decode()
    lines = [mrz[:44], mrz[44:]]
    result = check(lines)
    assert result.valid
    assert lines[1][:10] + lines[1][13:20] + lines[1][21:28] == bac_passport.mrz_key


def _dg2_parts(doc):
    bigt = tlv_dict(tlv_one(doc.app_files[dg_fid(2)], 0x75))
    group = tlv_dict(bigt[0x7F61])
    assert group[0x02] == b"\x01"
    bit = tlv_dict(group[0x7F60])
    header = tlv_dict(bit[0xA1])
    return header, bit[0x5F2E]


@pytest.mark.parametrize(("profile", "data_type"), [("td3-bac", 0), ("td3-pace-bac-ca-aa", 1)])
def test_dg2_is_an_iso19794_5_face_record_whose_image_decodes(profile, data_type):
    doc = build_document(load_profile(profile))
    header, record = _dg2_parts(doc)
    assert header[0x81] == b"\x02" and header[0x87] == b"\x01\x01" and header[0x88] == b"\x00\x08"
    assert record[:8] == b"FAC\x000" + b"10\x00"
    assert int.from_bytes(record[8:12], "big") == len(record)
    assert int.from_bytes(record[12:14], "big") == 1
    block_len = int.from_bytes(record[14:18], "big")
    assert 14 + block_len == len(record)
    assert record[20] == 2  # gender female, from the MRZ
    info = record[34:46]
    assert info[1] == data_type
    width, height = int.from_bytes(info[2:4], "big"), int.from_bytes(info[4:6], "big")
    image = cv2.imdecode(np.frombuffer(record[46:], np.uint8), cv2.IMREAD_COLOR)
    assert image is not None and image.shape[:2] == (height, width)
    magic = b"\xff\xd8\xff" if data_type == 0 else b"\x00\x00\x00\x0cjP  "
    assert record[46:46 + len(magic)] == magic
    assert 15_000 <= len(doc.app_files[dg_fid(2)]) <= 21_000  # "about 20 KB" by default


def test_dg2_size_is_configurable():
    profile = dataclasses.replace(load_profile("td3-bac"), dg2_size=45_000)
    size = len(build_document(profile).app_files[dg_fid(2)])
    assert 40_000 <= size <= 46_000


def test_dg11_and_dg12_carry_tag_lists_and_fields(passport):
    dg11 = tlv_dict(tlv_one(passport.app_files[dg_fid(11)], 0x6B))
    assert dg11[0x5C] == bytes.fromhex("5F0E5F115F42")
    assert dg11[0x5F0E] == b"MUSTERMANN<<ERIKA" and dg11[0x5F11] == b"BERLIN"
    dg12 = tlv_dict(tlv_one(passport.app_files[dg_fid(12)], 0x6C))
    assert dg12[0x5C] == bytes.fromhex("5F195F26")
    assert dg12[0x5F26] == b"20211101"


class _SecurityInfo(core.Sequence):
    _fields = [("protocol", core.ObjectIdentifier), ("required", core.Any), ("optional", core.Any, {"optional": True})]  # noqa: RUF012


def _security_infos(der: bytes) -> list[_SecurityInfo]:
    return [_SecurityInfo.load(element) for element in _set_elements(der)]


def _set_elements(der: bytes) -> list[bytes]:
    return tlv_elements(tlv_one(der, 0x31))


def test_dg14_announces_the_chip_authentication_key(passport):
    infos = _security_infos(tlv_one(passport.app_files[dg_fid(14)], 0x6E))
    by_oid = {i["protocol"].dotted: i for i in infos}
    ca = by_oid["0.4.0.127.0.7.2.2.3.2.2"]  # id-CA-ECDH-AES-CBC-CMAC-128
    assert ca["required"].parsed.native == 1  # version
    pk = by_oid["0.4.0.127.0.7.2.2.1.2"]  # id-PK-ECDH
    spki = asn1_keys.PublicKeyInfo.load(pk["required"].dump())
    public = serialization.load_der_public_key(spki.dump())
    assert public.public_numbers() == passport.ca_private_key.public_key().public_numbers()
    assert isinstance(public.curve, ec.BrainpoolP256R1)
    assert passport.ca_protocol_oid == "0.4.0.127.0.7.2.2.3.2.2"


def test_dg15_holds_the_active_authentication_key_the_card_signs_with(passport):
    public = serialization.load_der_public_key(tlv_one(passport.app_files[dg_fid(15)], 0x6F))
    challenge = b"\x01\x02\x03\x04\x05\x06\x07\x08"
    signature = passport.aa_private_key.sign(challenge, padding.PKCS1v15(), hashes.SHA1())
    public.verify(signature, challenge, padding.PKCS1v15(), hashes.SHA1())


def test_ecdsa_active_authentication_is_announced_in_dg14():
    doc = build_document(load_profile("td3-ecdsa-aa-p256"))
    infos = {i["protocol"].dotted: i for i in _security_infos(tlv_one(doc.app_files[dg_fid(14)], 0x6E))}
    aa = infos["2.23.136.1.1.5"]
    assert aa["optional"].parsed.dotted == "0.4.0.127.0.7.1.1.4.1.3"  # ecdsa-plain-SHA256
    public = serialization.load_der_public_key(tlv_one(doc.app_files[dg_fid(15)], 0x6F))
    assert isinstance(public.curve, ec.SECP256R1)
    assert doc.aa_digest == "sha256"


def test_card_access_single_paceinfo_matches_appendix_g():
    assert pace_info("ecdh-gm-aes-128", "brainpoolP256r1") == bytes.fromhex(
        "3012060A04007F0007020204020202010202010D")


@pytest.mark.parametrize(("profile", "expected"), [
    ("td1-eu-pace", {("0.4.0.127.0.7.2.2.4.2.2", 13)}),
    ("td1-multi-paceinfo", {("0.4.0.127.0.7.2.2.4.2.2", 12), ("0.4.0.127.0.7.2.2.4.2.4", 16)}),
])
def test_card_access_decodes_to_the_paceinfos(profile, expected):
    doc = build_document(load_profile(profile))
    infos = _security_infos(doc.ef_files[FID_CARD_ACCESS])
    got = {(i["protocol"].dotted, i["optional"].parsed.native) for i in infos}
    assert got == expected
    assert all(i["required"].parsed.native == 2 for i in infos)  # PACE version 2
    assert {(p.protocol_oid, p.parameter_id) for p in doc.pace} == expected
    assert not doc.bac and doc.can


def test_bac_only_passport_has_no_card_access(bac_passport):
    assert bac_passport.ef_files == {} and bac_passport.bac and not bac_passport.pace


def test_cloned_chips_hold_keys_that_do_not_match_dg14_dg15():
    aa_clone = build_document(load_profile("fault-cloned-aa"))
    public = serialization.load_der_public_key(tlv_one(aa_clone.app_files[dg_fid(15)], 0x6F))
    challenge = b"12345678"
    signature = aa_clone.aa_private_key.sign(challenge, padding.PKCS1v15(), hashes.SHA1())
    with pytest.raises(InvalidSignature):
        public.verify(signature, challenge, padding.PKCS1v15(), hashes.SHA1())
    ca_clone = build_document(load_profile("fault-cloned-ca"))
    pk = {i["protocol"].dotted: i for i in _security_infos(tlv_one(ca_clone.app_files[dg_fid(14)], 0x6E))}
    announced = serialization.load_der_public_key(pk["0.4.0.127.0.7.2.2.1.2"]["required"].dump())
    assert announced.public_numbers() != ca_clone.ca_private_key.public_key().public_numbers()
    # The clone's other key is still genuine: only the named one is swapped.
    assert ca_clone.aa_private_key.public_key().public_numbers() == \
        serialization.load_der_public_key(tlv_one(ca_clone.app_files[dg_fid(15)], 0x6F)).public_numbers()


# RFC 5639 section 3.4, brainpoolP256r1 — written out here, independent of the simulator's tables.
BP256 = {
    "p": 0xA9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377,
    "a": 0x7D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9,
    "b": 0x26DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B6,
    "x": 0x8BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262,
    "y": 0x547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F046997,
    "n": 0xA9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7,
}


def _explicit_key(spki: asn1_keys.PublicKeyInfo, private_key) -> None:
    params = spki["algorithm"]["parameters"]
    assert params.name == "specified"
    dom = params.chosen
    assert dom["field_id"]["parameters"].native == BP256["p"]
    assert int.from_bytes(dom["curve"]["a"].native, "big") == BP256["a"]
    assert int.from_bytes(dom["curve"]["b"].native, "big") == BP256["b"]
    assert dom["base"].native == b"\x04" + BP256["x"].to_bytes(32, "big") + BP256["y"].to_bytes(32, "big")
    assert dom["order"].native == BP256["n"] and dom["cofactor"].native == 1
    numbers = private_key.public_key().public_numbers()
    assert spki["public_key"].native == b"\x04" + numbers.x.to_bytes(32, "big") + numbers.y.to_bytes(32, "big")


def test_explicit_curve_parameters_in_dg14_and_dg15():
    doc = build_document(load_profile("td3-explicit-ec-params"))
    infos = {i["protocol"].dotted: i for i in _security_infos(tlv_one(doc.app_files[dg_fid(14)], 0x6E))}
    _explicit_key(asn1_keys.PublicKeyInfo.load(infos["0.4.0.127.0.7.2.2.1.2"]["required"].dump()),
                  doc.ca_private_key)
    _explicit_key(asn1_keys.PublicKeyInfo.load(tlv_one(doc.app_files[dg_fid(15)], 0x6F)), doc.aa_private_key)
    assert "2.23.136.1.1.5" in infos
