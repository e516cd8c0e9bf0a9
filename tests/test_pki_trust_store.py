"""Trust store: master lists (Doc 9303 Part 12 §9), certificate files and folders, CRLs, lookups —
with the simulator's PKI and with real German CSCA material (tests/data/pki/real/README.md)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from asn1crypto import cms, core

from gateway.pki import TrustStore, load_certificate, load_crl, parse_master_list, verify
from gateway.pki.masterlist import ID_CSCA_MASTER_LIST
from simulators.chip.pki import TestPKI

REAL = Path(__file__).parent / "data" / "pki" / "real"
NOW = dt.datetime(2026, 11, 22, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return TestPKI.shared()


@pytest.fixture(scope="module")
def trust_dir(pki: TestPKI, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("trust")
    pki.write_trust(folder)
    return folder


# --- master lists -----------------------------------------------------------------------------


def test_simulator_master_list_is_part12_shaped_and_verifies(pki: TestPKI) -> None:
    data = pki.master_list()
    info = cms.ContentInfo.load(data)
    assert info["content"]["encap_content_info"]["content_type"].dotted == ID_CSCA_MASTER_LIST
    ml = parse_master_list(data)
    assert ml.verified, ml.problems
    assert ml.problems == []
    assert sorted(c.country for c in ml.certificates) == ["BG", "DE", "RO", "UT"]
    assert ml.signer is not None and "Master List Signer" in ml.signer.subject
    assert ml.signer_country == "UT"
    assert all(c.is_ca and c.self_issued for c in ml.certificates)


def _replace_content(data: bytes, new_content: bytes) -> bytes:
    info = cms.ContentInfo.load(data)
    info["content"]["encap_content_info"]["content"] = core.ParsableOctetString(new_content)
    return info.dump(force=True)


def test_tampered_master_list_is_reported_and_not_loaded(pki: TestPKI) -> None:
    data = pki.master_list()
    content = cms.ContentInfo.load(data)["content"]["encap_content_info"]["content"].native
    # Drop the last CSCA from the list (a well-formed, re-encoded CscaMasterList).
    shorter = parse_master_list(data).certificates[:-1]
    from gateway.pki.masterlist import CscaMasterList

    new = CscaMasterList({"version": 0, "cert_list": [core.Any.load(c.der) for c in shorter]}).dump()
    assert new != content
    forged = _replace_content(data, new)
    ml = parse_master_list(forged)
    assert not ml.verified
    assert "messageDigest attribute does not match the content" in ml.problems
    store = TrustStore()
    report = store.load_bytes(forged, "forged.ml")
    assert report.kind == "master list" and report.verified is False
    assert len(store) == 0
    assert any("NOT loaded" in p for p in report.problems)
    lenient = TrustStore(accept_unverified_master_lists=True)
    lenient.load_bytes(forged, "forged.ml")
    assert len(lenient) == 3


def test_master_list_whose_signer_is_issued_outside_the_list(pki: TestPKI) -> None:
    """The signer chains to the UTO CSCA; a list published without it cannot prove its signer."""
    data = pki.master_list(["D", "BGR"])  # UTO (the signer's CSCA) left out of the content
    ml = parse_master_list(data)
    assert not ml.verified
    assert "the signer certificate does not chain to a CSCA in the list" in ml.problems


def test_not_a_master_list_is_rejected_cleanly() -> None:
    from gateway.pki import MasterListError

    for junk in (b"", b"\x30\x03\x02\x01\x00", b"hello", bytes(range(256))):
        with pytest.raises(MasterListError):
            parse_master_list(junk)


# --- folders, files, report -----------------------------------------------------------------------


def test_folder_loads_master_list_pem_der_and_crls(trust_dir: Path) -> None:
    (trust_dir / "notes.txt").write_text("not trust material")
    store = TrustStore.from_paths([trust_dir])
    assert len(store) == 4  # the same four CSCAs from the list, PEM and DER: stored once
    assert len(store.crls) == 4
    summary = store.summary(NOW)
    assert summary["cscas"] == 4
    assert set(summary["countries"]) == {"BG", "DE", "RO", "UT"}
    de = summary["countries"]["DE"]
    assert de == {"cscas": 1, "valid_now": 1, "not_before": "2011-01-01T00:00:00+00:00",
                  "not_after": "2041-01-01T00:00:00+00:00"}
    kinds = {Path(s["source"]).name: s["kind"] for s in summary["sources"]}
    assert kinds["masterlist.ml"] == "master list"
    assert kinds["csca-D.pem"] == "certificates" and kinds["crl-D.der"] == "crl"
    assert kinds["notes.txt"] == "unknown"
    assert any("notes.txt" in p for p in summary["problems"])
    ml_source = next(s for s in summary["sources"] if s["kind"] == "master list")
    assert ml_source["verified"] is True and ml_source["certificates"] == 4
    assert all(c["current"] and c["issuer_loaded"] for c in summary["crls"])


def test_lookup_by_key_identifier_and_issuer_name(pki: TestPKI, trust_dir: Path) -> None:
    store = TrustStore.from_paths([trust_dir / "masterlist.ml", trust_dir / "crl-UTO.der"])
    ds = load_certificate(pki.signer("UTO").certificate_der)
    csca = load_certificate(pki.authority("UTO").csca.certificate_der)
    assert store.by_subject_key_id(csca.ski) == [store.by_subject_key_id(csca.ski)[0]]
    assert store.by_subject_key_id(csca.ski)[0].fingerprint == csca.fingerprint
    found = store.issuer_candidates(ds)
    assert [c.fingerprint for c in found] == [csca.fingerprint]
    assert ds.signed_by(found[0])
    assert len(store.crls_for(found[0])) == 1
    rogue = load_certificate(pki.signer("UTO", "unknown-csca").certificate_der)
    assert store.issuer_candidates(rogue) == []
    assert store.by_subject_key_id(b"\x00" * 20) == []


def test_document_signer_in_trust_folder_is_not_an_anchor(pki: TestPKI, tmp_path: Path) -> None:
    (tmp_path / "ds.der").write_bytes(pki.signer("UTO").certificate_der)
    store = TrustStore.from_paths([tmp_path])
    assert len(store) == 0
    assert any("not a CA certificate" in p for p in store.report.problems)


def test_missing_path_and_garbage_are_reported(tmp_path: Path) -> None:
    (tmp_path / "junk.der").write_bytes(b"\x30\x82\xff\xff garbage")
    (tmp_path / "bad.pem").write_text("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n")
    store = TrustStore()
    store.load(tmp_path / "nope")
    store.load(tmp_path)
    problems = " | ".join(store.report.problems)
    assert "no such file or folder" in problems
    assert "not a master list, certificate or CRL" in problems
    assert "not valid base64" in problems
    assert len(store) == 0


def test_ldif_with_master_list_content(pki: TestPKI) -> None:
    import base64

    b64 = base64.b64encode(pki.master_list()).decode()
    folded = "\n ".join(b64[i : i + 76] for i in range(0, len(b64), 76))
    ldif = f"dn: cn=ml,o=ml,c=UT\npkdMasterListContent:: {folded}\n\n".encode()
    store = TrustStore()
    report = store.load_bytes(ldif, "icaopkd-002-ml.ldif")
    assert report.kind == "ldif" and report.verified is True and len(store) == 4


def test_lookup_is_fast_on_a_large_store(pki: TestPKI) -> None:
    import time

    store = TrustStore()
    ml = parse_master_list(pki.master_list())
    for cert in ml.certificates:
        store.add_certificate(cert)
    ds = load_certificate(pki.signer("D").certificate_der)
    t0 = time.perf_counter()
    for _ in range(10_000):
        store.issuer_candidates(ds)
    assert (time.perf_counter() - t0) / 10_000 < 50e-6


# --- real German material --------------------------------------------------------------------------


def test_real_german_csca_2007_loads_and_is_found() -> None:
    store = TrustStore()
    report = store.load_bytes((REAL / "csca-germany-2007.der").read_bytes(), "csca-germany-2007.der")
    assert report.kind == "certificates" and report.certificates == 1 and report.problems == []
    csca = store.certificates[0]
    assert csca.country == "DE" and "csca-germany" in csca.subject
    assert csca.serial == 1 and csca.is_ca and csca.key_usage == {"key_cert_sign", "crl_sign"}
    assert csca.public_key is not None and csca.public_key.curve == "brainpoolP224r1"
    assert csca.public_key.explicit is not None  # explicit parameters, proven to be the named curve
    ski = bytes.fromhex("0096452DE588F966C4CCDF161DD1F3F5341B71E7")
    assert csca.ski == ski and csca.aki == ski
    assert store.by_subject_key_id(ski) == [csca]
    assert store.by_subject(csca.issuer_key) == [csca]
    # ECDSA-with-SHA224 on brainpoolP224r1, which `cryptography` cannot load: our own arithmetic.
    assert csca.signed_by(csca)
    tampered = bytearray(csca.tbs_der)
    tampered[-40] ^= 1
    assert not verify(csca.public_key, csca.signature_algorithm, None, bytes(tampered), csca.signature)
    summary = store.summary(NOW)
    assert summary["countries"]["DE"]["cscas"] == 1
    assert summary["countries"]["DE"]["not_after"].startswith("2028-01-19")


def test_real_german_crl_loads_and_matches_only_its_own_csca_key() -> None:
    crl = load_crl((REAL / "crl-germany-2025-09-08.der").read_bytes())
    assert crl.country == "DE" and crl.revoked == {}
    assert crl.next_update == dt.datetime(2025, 12, 7, 7, 23, tzinfo=dt.UTC)
    assert crl.aki == bytes.fromhex("e8a62993eae208aa203e49d7649bbae1ba3560cb")
    store = TrustStore.from_paths([REAL / "csca-germany-2007.der", REAL / "crl-germany-2025-09-08.der"])
    csca = store.certificates[0]
    # Same common name, but the 2007 CSCA's name also carries serialNumber 4567 and the CRL names
    # another key: not this CSCA's CRL.
    assert crl.issuer_key != csca.subject_key and crl.aki != csca.ski
    assert store.crls_for(csca) == []
    crl_summary = store.summary(NOW)["crls"][0]
    assert crl_summary["current"] is False and crl_summary["issuer_loaded"] is False


def test_real_german_document_signer_signature_and_missing_anchor() -> None:
    ds = load_certificate((REAL / "ds-germany-passport-2023.der").read_bytes())
    assert ds.country == "DE" and not ds.is_ca and ds.key_usage == {"digital_signature"}
    assert ds.public_key is not None and ds.public_key.curve == "brainpoolP384r1"
    attrs = (REAL / "ds-germany-passport-2023.signed-attrs.der").read_bytes()
    signature = (REAL / "ds-germany-passport-2023.signature.bin").read_bytes()
    ecdsa_sha384 = "1.2.840.10045.4.3.3"
    assert verify(ds.public_key, ecdsa_sha384, None, attrs, signature)
    assert not verify(ds.public_key, ecdsa_sha384, None, attrs[:-1] + bytes([attrs[-1] ^ 1]), signature)
    store = TrustStore.from_paths([REAL / "csca-germany-2007.der"])
    # Issued by a later German CSCA ("csca-germany" without serial number, key a40a5fc3…).
    assert "csca-germany" in ds.issuer and ds.aki == bytes.fromhex("a40a5fc380ae3e59af1b32d6136aefeec8ca35e8")
    assert store.issuer_candidates(ds) == []
