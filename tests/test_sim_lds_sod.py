"""EF.SOD of simulated documents, verified like passive authentication does — and each SOD fault's defect."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import shutil
import subprocess

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from sim_lds_verify import (
    CscaMasterList,
    LdsSecurityObject,
    certificates_of,
    check_signer_info,
    is_signed_by,
    signed_data_of,
    tlv_one,
)

from simulators.chip.document import FID_SOD
from simulators.chip.lds_builder import build_document
from simulators.chip.pki import TestPKI
from simulators.chip.profile import DocumentFaults, ProfileError, load_profile

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
LDS_OIDS = {"2.23.136.1.1.1", "1.3.27.1.1.1"}
GENUINE = ["td3-bac", "td1-eu-pace", "td3-pace-bac-ca-aa", "td3-rsa-pss", "td3-ecdsa-aa-p256",
           "quirk-legacy-lds-oid", "td1-multi-paceinfo", "td1-long-document-number", "quirk-slow-card",
           "td3-explicit-ec-params"]


@pytest.fixture(scope="module")
def trust(tmp_path_factory):
    """Trust anchors as the reader gets them: from the master list file alone."""
    paths = TestPKI.shared().write_trust(tmp_path_factory.mktemp("trust"))
    sd = signed_data_of(paths.master_list.read_bytes())
    signer = next(c for c in certificates_of(sd) if c.issuer != c.subject)
    ml = CscaMasterList.load(check_signer_info(sd, signer))
    cscas = [x509.load_der_x509_certificate(c.dump()) for c in ml["cert_list"]]
    crls = [x509.load_der_x509_crl(p.read_bytes()) for p in paths.crl_der.values()]
    return paths, cscas, crls


def _dgs(doc) -> dict[int, bytes]:
    return {fid - 0x0100: data for fid, data in doc.app_files.items() if 0x0101 <= fid <= 0x0110}


def _sod(doc):
    sd = signed_data_of(tlv_one(doc.app_files[FID_SOD], 0x77))
    assert sd["encap_content_info"]["content_type"].dotted in LDS_OIDS
    [ds] = certificates_of(sd)
    return sd, ds


def _hash_mismatches(doc, econtent: bytes) -> list[int]:
    so = LdsSecurityObject.load(econtent)
    alg = so["hash_algorithm"]["algorithm"].native
    listed = {h["number"].native: h["value"].native for h in so["hashes"]}
    dgs = _dgs(doc)
    assert set(listed) == set(dgs), "SOD must cover exactly the data groups on the chip"
    return [n for n, data in sorted(dgs.items()) if hashlib.new(alg, data).digest() != listed[n]]


def _issuer(ds, cscas):
    return next((c for c in cscas if c.subject == ds.issuer and is_signed_by(ds, c)), None)


def _revoked(ds, crls) -> bool:
    return any(crl.issuer == ds.issuer and crl.get_revoked_certificate_by_serial_number(ds.serial_number)
               for crl in crls)


@pytest.mark.parametrize("name", GENUINE)
def test_genuine_documents_pass_every_passive_authentication_step(name, trust):
    _, cscas, crls = trust
    doc = build_document(load_profile(name))
    sd, ds = _sod(doc)
    econtent = check_signer_info(sd, ds)
    assert LdsSecurityObject.load(econtent)["version"].native == 0
    assert _hash_mismatches(doc, econtent) == []
    csca = _issuer(ds, cscas)
    assert csca is not None and csca.not_valid_before_utc < NOW < csca.not_valid_after_utc
    assert ds.not_valid_before_utc < NOW < ds.not_valid_after_utc
    assert not _revoked(ds, crls)
    [si] = list(sd["signer_infos"])
    signing_time = {a["type"].native: a["values"][0].native for a in si["signed_attrs"]}["signing_time"]
    assert ds.not_valid_before_utc <= signing_time <= ds.not_valid_after_utc


@pytest.mark.parametrize(("name", "algo"), [("td3-bac", "ecdsa"), ("td3-rsa-pss", "rsassa_pss"),
                                            ("quirk-legacy-lds-oid", "rsassa_pkcs1v15"),
                                            ("td3-ecdsa-aa-p256", "ecdsa")])
def test_signature_algorithm_is_the_one_announced(name, algo):
    sd, _ds = _sod(build_document(load_profile(name)))
    [si] = list(sd["signer_infos"])
    assert si["signature_algorithm"].signature_algo == algo
    assert si["digest_algorithm"]["algorithm"].native == "sha256"


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl CLI not installed")
@pytest.mark.parametrize("name", ["td3-bac", "td3-rsa-pss", "td1-eu-pace"])
def test_openssl_verifies_the_sod_against_the_written_csca(name, trust, tmp_path):
    paths, _, _ = trust
    doc = build_document(load_profile(name))
    sod = tmp_path / "sod.der"
    sod.write_bytes(tlv_one(doc.app_files[FID_SOD], 0x77))
    country = {"td1-eu-pace": "BGR"}.get(name, "UTO")
    result = subprocess.run(
        ["openssl", "cms", "-verify", "-inform", "DER", "-in", str(sod), "-CAfile",
         str(paths.csca_pem[country]), "-purpose", "any", "-binary", "-out", str(tmp_path / "so.der")],
        capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert LdsSecurityObject.load((tmp_path / "so.der").read_bytes())["version"].native == 0


def test_tampered_dg_keeps_a_valid_signature_but_its_hash_mismatches(trust):
    doc = build_document(load_profile("fault-tampered-dg"))
    sd, ds = _sod(doc)
    assert _hash_mismatches(doc, check_signer_info(sd, ds)) == [1]
    genuine = build_document(load_profile("td3-bac"))
    assert doc.app_files[0x0101] != genuine.app_files[0x0101]
    assert len(doc.app_files[0x0101]) == len(genuine.app_files[0x0101])


def test_bad_signature_fails_verification_while_everything_else_is_intact(trust):
    _, cscas, _ = trust
    doc = build_document(load_profile("fault-bad-signature"))
    sd, ds = _sod(doc)
    with pytest.raises(InvalidSignature):
        check_signer_info(sd, ds)
    assert _hash_mismatches(doc, sd["encap_content_info"]["content"].contents) == []
    assert _issuer(ds, cscas) is not None


def test_expired_document_signer(trust):
    _, cscas, crls = trust
    sd, ds = _sod(build_document(load_profile("fault-expired-ds")))
    check_signer_info(sd, ds)
    assert ds.not_valid_after_utc < NOW
    assert _issuer(ds, cscas) is not None and not _revoked(ds, crls)


def test_revoked_document_signer_is_on_the_crl(trust):
    _, cscas, crls = trust
    sd, ds = _sod(build_document(load_profile("fault-revoked-ds")))
    check_signer_info(sd, ds)
    assert ds.not_valid_before_utc < NOW < ds.not_valid_after_utc
    assert _issuer(ds, cscas) is not None and _revoked(ds, crls)


def test_unknown_csca_signer_chains_to_nothing_in_the_master_list(trust):
    _, cscas, _ = trust
    sd, ds = _sod(build_document(load_profile("fault-unknown-csca")))
    check_signer_info(sd, ds)
    assert _issuer(ds, cscas) is None
    assert all(c.subject != ds.issuer for c in cscas)


def test_empty_sod_has_no_content():
    doc = build_document(load_profile("fault-empty-sod"))
    assert doc.app_files[FID_SOD] == b"\x77\x00"


def test_unsigned_sod_has_hashes_but_no_signer_info():
    doc = build_document(load_profile("fault-unsigned-sod"))
    sd, _ds = _sod(doc)
    assert len(sd["signer_infos"]) == 0
    assert _hash_mismatches(doc, sd["encap_content_info"]["content"].contents) == []


@pytest.mark.parametrize("dg_hash", ["sha1", "sha512"])
def test_other_data_group_hashes_and_lds_v1_security_object(dg_hash, trust):
    profile = dataclasses.replace(load_profile("td3-bac"), dg_hash=dg_hash, sod_version=1, lds_version="0108",
                                  unicode_version="090000")
    doc = build_document(profile)
    sd, ds = _sod(doc)
    econtent = check_signer_info(sd, ds)
    so = LdsSecurityObject.load(econtent)
    assert so["version"].native == 1 and so["hash_algorithm"]["algorithm"].native == dg_hash
    assert so["version_info"].parsed[0].native == "0108"
    assert _hash_mismatches(doc, econtent) == []


def test_signed_sod_without_hashes_verifies_but_covers_nothing(trust):
    _, cscas, _ = trust
    doc = build_document(load_profile("fault-empty-sod-signed"))
    sd, ds = _sod(doc)
    so = LdsSecurityObject.load(check_signer_info(sd, ds))
    assert len(so["hashes"]) == 0
    assert _issuer(ds, cscas) is not None


def test_sod_variants_without_content():
    base = load_profile("td3-bac")
    zero = build_document(dataclasses.replace(base, faults=DocumentFaults(empty_sod="zero-length")))
    assert zero.app_files[FID_SOD] == b""
    detached = build_document(dataclasses.replace(base, faults=DocumentFaults(empty_sod="no-content")))
    sd, _ds = _sod(detached)
    assert sd["encap_content_info"]["content"].native is None
    assert len(sd["signer_infos"]) == 1
    with pytest.raises(ProfileError, match="empty_sod"):
        DocumentFaults(empty_sod="half")
