"""Shipped profiles, profile loading, quick profiles from arguments, and the MRZ secret."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest
from sim_lds_verify import certificates_of, signed_data_of, tlv_dict, tlv_one

from gateway.mrz import build_mrz, check
from simulators.chip.document import FID_SOD, ChipDocument, dg_fid
from simulators.chip.faults import CardFaults
from simulators.chip.lds_builder import build_document
from simulators.chip.pki import TestPKI
from simulators.chip.profile import (
    DocumentFaults,
    ProfileError,
    list_profiles,
    load_profile,
    profile_from_args,
)

REQUIRED = {"td3-bac", "td1-eu-pace", "td3-pace-bac-ca-aa", "fault-tampered-dg", "fault-bad-signature",
            "fault-expired-ds", "fault-revoked-ds", "fault-unknown-csca", "fault-cloned-aa", "fault-cloned-ca",
            "fault-empty-sod", "fault-unsigned-sod"}
FAULT_OF = {"fault-tampered-dg": "tampered_dg", "fault-bad-signature": "bad_signature",
            "fault-expired-ds": "expired_ds", "fault-revoked-ds": "revoked_ds",
            "fault-unknown-csca": "unknown_csca", "fault-cloned-aa": "cloned_aa", "fault-cloned-ca": "cloned_ca",
            "fault-empty-sod": "empty_sod", "fault-unsigned-sod": "unsigned_sod",
            "fault-empty-sod-signed": "empty_sod"}
APPENDIX_D_KEY = "L898902C<369080619406236"


def test_the_required_profiles_are_shipped():
    assert set(list_profiles()) >= REQUIRED


@pytest.mark.parametrize("name", list_profiles())
def test_every_shipped_profile_builds_a_complete_document(name):
    profile = load_profile(name)
    assert profile.name == name and profile.description
    doc = build_document(profile)
    assert isinstance(doc, ChipDocument) and doc.name == name
    assert {0x011E, FID_SOD, dg_fid(1), dg_fid(2)} <= set(doc.app_files)
    mrz = tlv_dict(tlv_one(doc.app_files[dg_fid(1)], 0x61))[0x5F1F].decode()
    width = {88: 44, 72: 36, 90: 30}[len(mrz)]
    lines = [mrz[i:i + width] for i in range(0, len(mrz), width)]
    assert check(lines).valid  # even the tampered DG1 only changes the name, which no check digit covers
    assert doc.bac or doc.pace
    CardFaults(**doc.card_faults)  # the card helper's fault switches accept what the profile passes
    if doc.link_kbit_s is not None:
        assert 106 <= doc.link_kbit_s <= 848
    expected_fault = FAULT_OF.get(name) or ("hostile" if profile.faults.hostile else None)
    assert profile.faults.active == ([expected_fault] if expected_fault else [])


def test_documents_share_one_csca_per_country():
    pki = TestPKI.shared()
    a = build_document(load_profile("td3-bac"))
    b = build_document(load_profile("fault-tampered-dg"))
    c = build_document(load_profile("td3-bac"), pki)
    issuers = {certificates_of(signed_data_of(tlv_one(d.app_files[FID_SOD], 0x77)))[0].issuer for d in (a, b, c)}
    assert issuers == {pki.authority("UTO").csca.certificate.subject}


def test_mrz_key_reproduces_appendix_d():
    lines = build_mrz(format="TD3", document_code="P", issuing_state="UTO", document_number="L898902C",
                      primary_identifier="SPECIMEN", secondary_identifier="", nationality="UTO",
                      birth_date=dt.date(1969, 8, 6), sex="F", expiry_date=dt.date(1994, 6, 23))
    for text in ("\n".join(lines), "".join(lines)):
        doc = build_document(profile_from_args(text, None, "bac"))
        assert doc.mrz_key == APPENDIX_D_KEY


def test_mrz_key_of_the_german_id_specimen_and_a_long_td1_document_number():
    german = "IDD<<T220001293<<<<<<<<<<<<<<<\n6408125<2010315D<<<<<<<<<<<<<4\nMUSTERMANN<<ERIKA<<<<<<<<<<<<<"
    assert build_document(profile_from_args(german, "123456", "pace")).mrz_key == "T22000129364081252010315"
    long_number = build_document(load_profile("td1-long-document-number"))
    assert long_number.mrz_key == "D231458901233" + "7408122" + "3404159"


@pytest.mark.parametrize(("access", "bac", "pace"), [("bac", True, 0), ("pace", False, 1), ("both", True, 1)])
def test_profile_from_args_access_modes(access, bac, pace):
    text = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
    doc = build_document(profile_from_args(text, "123456", access))
    assert doc.bac is bac and len(doc.pace) == pace and doc.can == "123456"
    assert (0x011C in doc.ef_files) is bool(pace)


def test_bad_arguments_give_clear_errors_without_personal_data():
    with pytest.raises(ProfileError) as err:
        profile_from_args("P<UTOERIKSSON<<ANNA", None, "bac")
    assert "ERIKSSON" not in str(err.value)
    with pytest.raises(ProfileError, match="access"):
        profile_from_args("x" * 88, None, "nfc")
    with pytest.raises(ProfileError, match="CAN"):
        profile_from_args("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10",
                          "12a", "pace")


def test_unknown_profile_names_list_the_shipped_ones():
    with pytest.raises(ProfileError, match="td3-bac"):
        load_profile("no-such-profile")


def _write(tmp_path, text: str, suffix: str = ".toml"):
    path = tmp_path / f"p{suffix}"
    path.write_text(text)
    return path


def test_typos_in_a_profile_are_errors_not_silently_genuine_documents(tmp_path):
    base = load_profile("td3-bac").source
    text = Path(base).read_text(encoding="utf-8")
    with pytest.raises(ProfileError, match="tamperd_dg"):
        load_profile(_write(tmp_path, text + "\n[faults]\ntamperd_dg = 1\n"))
    with pytest.raises(ProfileError, match="mrz"):
        load_profile(_write(tmp_path, 'name = "x"\n[access]\nbac = true\n'))
    with pytest.raises(ProfileError, match="neither BAC nor PACE"):
        load_profile(_write(tmp_path, text.replace("bac = true", "bac = false")))
    with pytest.raises(ProfileError, match="cannot read"):
        load_profile(_write(tmp_path, "name = [unclosed"))


def test_json_profiles_load_like_toml(tmp_path):
    data = {"name": "json-card", "description": "d",
            "mrz": {"format": "TD1", "document_code": "ID", "issuing_state": "ROU", "document_number": "RX7654321",
                    "primary_identifier": "IONESCU", "secondary_identifier": "ANDREI", "nationality": "ROU",
                    "birth_date": "1990-01-02", "sex": "M", "expiry_date": "2031-05-06"},
            "access": {"bac": False, "can": "111111", "pace": [{"protocol": "ecdh-gm-aes-256", "parameter_id": 13}]},
            "faults": {"revoked_ds": True}}
    profile = load_profile(_write(tmp_path, json.dumps(data), ".json"))
    doc = build_document(profile)
    assert doc.pace[0].protocol_oid == "0.4.0.127.0.7.2.2.4.2.4" and doc.can == "111111"
    assert profile.faults == DocumentFaults(revoked_ds=True)


def test_inconsistent_fault_requests_are_refused():
    base = load_profile("td3-bac")
    with pytest.raises(ProfileError, match="not on the chip"):
        build_document(dataclasses.replace(base, faults=DocumentFaults(tampered_dg=15)))
    with pytest.raises(ProfileError, match="cloned_aa"):
        build_document(dataclasses.replace(base, faults=DocumentFaults(cloned_aa=True)))
    with pytest.raises(ProfileError, match="exclude"):
        build_document(dataclasses.replace(base, faults=DocumentFaults(expired_ds=True, revoked_ds=True)))


@pytest.mark.parametrize(("snippet", "match"), [
    ('[access]\npace = [{ protocol = "ecdh-xx-aes-128" }]', "PACE protocol"),
    ('[access]\npace = [{ protocol = "ecdh-gm-aes-128", parameter_id = "curve25519" }]', "domain parameter"),
    ('[access]\npace = [{ proto = "ecdh-gm-aes-128" }]', "pace entries"),
    ('[chip]\nca_curve = "secp999"', "curve"),
    ('[chip]\nsigner_algorithm = "dsa"', "signer_algorithm"),
    ('[dg11]\nshoe_size = "44"', "shoe_size"),
    ('[access]\ncan = "12ab"', "CAN"),
    ('[chip]\ndg2_size = 10', "dg2_size"),
    ('[chip]\ndg_hash = "md5"', "dg_hash"),
    ('[faults]\nempty_sod = "half"', "empty_sod"),
    ('card_faults = "pulled"', "card_faults"),
])
def test_bad_profile_values_fail_at_load_time(tmp_path, snippet, match):
    head = 'name = "bad"\ndescription = "x"\n[mrz]\nlines = ["' + "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<" \
        + '", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]\n'
    top_level = snippet.startswith("card_faults")  # a bare key must precede the first table
    text = snippet + "\n" + head if top_level else head + snippet + "\n"
    if "[access]" not in snippet:
        text += "[access]\nbac = true\n"
    with pytest.raises(ProfileError, match=match):
        load_profile(_write(tmp_path, text))
