"""The simulator's test PKI, checked as a reader would check real trust material (Doc 9303 Part 12)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID
from sim_lds_verify import CscaMasterList, certificates_of, check_signer_info, is_signed_by, signed_data_of

from simulators.chip.keys import derive_ec_key, derive_rsa_key
from simulators.chip.pki import TestPKI

REPO = Path(__file__).resolve().parents[1]
NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)  # a date inside every 'valid' period


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return TestPKI.shared()


@pytest.fixture(scope="module")
def trust(pki, tmp_path_factory):
    return pki.write_trust(tmp_path_factory.mktemp("trust"))


def _load_master_list(path: Path):
    sd = signed_data_of(path.read_bytes())
    return sd


def test_csca_is_a_self_signed_ca_with_the_part12_key_usage(pki):
    csca = pki.authority("UTO").csca.certificate
    assert csca.issuer == csca.subject
    assert is_signed_by(csca, csca)
    bc = csca.extensions.get_extension_for_oid(ExtensionOID.BASIC_CONSTRAINTS)
    assert bc.critical and bc.value.ca
    ku = csca.extensions.get_extension_for_oid(ExtensionOID.KEY_USAGE)
    assert ku.critical and ku.value.key_cert_sign and ku.value.crl_sign and not ku.value.digital_signature
    assert csca.not_valid_before_utc < NOW < csca.not_valid_after_utc


@pytest.mark.parametrize("algorithm", ["rsa-pkcs1", "rsa-pss", "ecdsa-brainpoolP256r1", "ecdsa-p256"])
def test_document_signer_chains_to_the_csca_for_every_algorithm(pki, algorithm):
    csca = pki.authority("D").csca.certificate
    ds = pki.signer("D", "valid", algorithm).certificate
    assert ds.issuer == csca.subject and is_signed_by(ds, csca)
    ku = ds.extensions.get_extension_for_oid(ExtensionOID.KEY_USAGE)
    assert ku.critical and ku.value.digital_signature and not ku.value.key_cert_sign
    aki = ds.extensions.get_extension_for_oid(ExtensionOID.AUTHORITY_KEY_IDENTIFIER).value
    ski = csca.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_KEY_IDENTIFIER).value
    assert aki.key_identifier == ski.digest
    assert ds.not_valid_before_utc < NOW < ds.not_valid_after_utc
    expected = rsa.RSAPublicKey if algorithm.startswith("rsa") else ec.EllipticCurvePublicKey
    assert isinstance(ds.public_key(), expected)


def test_csca_can_be_rsa_pss_and_still_sign_ec_document_signers():
    pki = TestPKI(seed="pss-csca", csca_algorithm="rsa-pss", signer_algorithm="ecdsa-p256")
    csca = pki.authority("UTO").csca.certificate
    ds = pki.signer("UTO").certificate
    assert csca.signature_algorithm_oid.dotted_string == "1.2.840.113549.1.1.10"  # RSASSA-PSS
    assert is_signed_by(ds, csca)


def test_expired_signer_is_expired_and_unknown_csca_signer_chains_to_no_published_csca(pki, trust):
    expired = pki.signer("UTO", "expired").certificate
    assert expired.not_valid_after_utc < NOW
    assert is_signed_by(expired, pki.authority("UTO").csca.certificate)
    rogue = pki.signer("UTO", "unknown-csca").certificate
    published = [x509.load_pem_x509_certificate(p.read_bytes()) for p in trust.csca_pem.values()]
    assert not any(is_signed_by(rogue, c) for c in published)
    assert all(c.subject != rogue.issuer for c in published)


def test_crl_is_signed_by_the_csca_and_lists_only_the_revoked_signer(pki, trust):
    crl = x509.load_der_x509_crl(trust.crl_der["UTO"].read_bytes())
    csca = pki.authority("UTO").csca.certificate
    assert crl.issuer == csca.subject and crl.is_signature_valid(csca.public_key())
    assert crl.next_update_utc > NOW
    revoked = pki.signer("UTO", "revoked").certificate
    assert crl.get_revoked_certificate_by_serial_number(revoked.serial_number) is not None
    valid = pki.signer("UTO", "valid").certificate
    assert crl.get_revoked_certificate_by_serial_number(valid.serial_number) is None
    # Another country's CRL does not list this signer.
    other = x509.load_der_x509_crl(trust.crl_der["D"].read_bytes())
    assert other.get_revoked_certificate_by_serial_number(revoked.serial_number) is None


def test_master_list_is_a_signed_part12_csca_master_list(pki, trust):
    sd = _load_master_list(trust.master_list)
    assert sd["version"].native == "v3"
    assert sd["encap_content_info"]["content_type"].dotted == "2.23.136.1.1.2"
    certs = certificates_of(sd)
    signer = next(c for c in certs if c.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
                  .startswith("Master List Signer"))
    econtent = check_signer_info(sd, signer)
    # The master list signer is issued by the UTO CSCA and carries the ICAO EKU.
    uto = pki.authority("UTO").csca.certificate
    assert is_signed_by(signer, uto)
    eku = signer.extensions.get_extension_for_oid(ExtensionOID.EXTENDED_KEY_USAGE)
    assert eku.critical and [o.dotted_string for o in eku.value] == ["2.23.136.1.1.3"]
    assert ExtendedKeyUsageOID.SERVER_AUTH not in eku.value
    ml = CscaMasterList.load(econtent)
    assert ml["version"].native == 0
    listed = {x509.load_der_x509_certificate(c.dump()).public_bytes(serialization.Encoding.DER)
              for c in ml["cert_list"]}
    for country in ("UTO", "D", "BGR", "ROU"):
        assert pki.authority(country).csca.certificate_der in listed
    assert pki.authority("UTO").rogue_csca.certificate_der not in listed
    # PEM and DER files hold the same certificates as the master list.
    for country, path in trust.csca_pem.items():
        pem = x509.load_pem_x509_certificate(path.read_bytes())
        assert pem == x509.load_der_x509_certificate(trust.csca_der[country].read_bytes())
        assert pem.public_bytes(serialization.Encoding.DER) in listed


def test_master_list_signature_fails_when_its_content_changes(trust):
    sd = _load_master_list(trust.master_list)
    certs = certificates_of(sd)
    signer = next(c for c in certs if c.issuer != c.subject)
    content = bytearray(sd["encap_content_info"]["content"].contents)
    content[-5] ^= 0x01
    forged = cms.ContentInfo.load(trust.master_list.read_bytes()).copy()
    forged["content"]["encap_content_info"]["content"] = bytes(content)
    with pytest.raises(AssertionError):  # messageDigest no longer matches
        check_signer_info(signed_data_of(forged.dump(force=True)), signer)


def test_keys_are_deterministic_and_valid():
    a, b = derive_rsa_key("determinism", 1024), derive_rsa_key("determinism", 1024)
    assert a.private_numbers() == b.private_numbers()
    n = a.private_numbers()
    assert n.p * n.q == n.public_numbers.n and a.key_size == 1024
    bp = derive_ec_key("x", "brainpoolP256r1").private_numbers()
    assert bp == derive_ec_key("x", "brainpoolP256r1").private_numbers()
    assert derive_ec_key("x", "p256").private_numbers() != derive_ec_key("y", "p256").private_numbers()


def test_another_process_rebuilds_the_same_trust_anchors(pki):
    """The card (gateway-sim) and the reader (--trust DIR) run in different processes."""
    code = ("from simulators.chip.pki import TestPKI;"
            "import sys; sys.stdout.write(TestPKI.shared().authority('UTO').csca.certificate_der.hex())")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert bytes.fromhex(out.stdout) == pki.authority("UTO").csca.certificate_der


def test_unknown_algorithm_and_signer_kind_are_refused(pki):
    with pytest.raises(ValueError, match="algorithm"):
        TestPKI(csca_algorithm="dsa")
    with pytest.raises(ValueError, match="kind"):
        pki.signer("UTO", "stolen")
