"""Passive authentication, one broken link at a time: documents signed by the simulator's test PKI
with exactly one defect each (certificates and CRLs built here with `cryptography`)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from gateway.pki import TrustStore
from gateway.verdict import CheckStatus
from gateway.verify.passive import passive_authentication
from simulators.chip.document import FID_SOD, dg_fid
from simulators.chip.pki import Signer, TestPKI
from simulators.chip.sod import ef_sod, lds_security_object
from simulators.chip.tlv_build import tlv
from tests.verify_support import document, trust_folder

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return TestPKI.shared()


@pytest.fixture(scope="module")
def dgs() -> dict[int, bytes]:
    doc = document("td3-bac")
    return {n: doc.app_files[dg_fid(n)] for n in (1, 2, 11, 12)}


@pytest.fixture(scope="module")
def store() -> TrustStore:
    return TrustStore.from_paths([trust_folder()])


def _checks(sod: bytes, dgs: dict[int, bytes], store: TrustStore | None) -> dict[str, tuple[CheckStatus, str]]:
    result = passive_authentication(sod, dgs, store, now=NOW)
    return {c.name: (c.status, c.reason) for c in result.checks}


def _ds_cert(pki: TestPKI, *, key: ec.EllipticCurvePrivateKey, sign_with=None, digital_signature: bool = True,
             aki_of=None, not_before=dt.datetime(2025, 1, 1, tzinfo=dt.UTC)) -> x509.Certificate:
    csca = pki.authority("UTO").csca
    usage = x509.KeyUsage(digital_signature, False, False, False, False, False, False, False, False) \
        if digital_signature else x509.KeyUsage(False, True, False, False, False, False, False, False, False)
    issuer_key = (aki_of or csca.key).public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COUNTRY_NAME, "UT"),
                                 x509.NameAttribute(x509.NameOID.COMMON_NAME, "DS crafted in a test")]))
        .issuer_name(csca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(4242)
        .not_valid_before(not_before)
        .not_valid_after(dt.datetime(2036, 1, 1, tzinfo=dt.UTC))
        .add_extension(usage, critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key), critical=False)
        .sign(sign_with or csca.key, hashes.SHA256())
    )


def _sod(dgs: dict[int, bytes], signer: Signer) -> bytes:
    return ef_sod(lds_security_object(dgs), signer)


def test_the_good_document(pki: TestPKI, dgs, store: TrustStore) -> None:
    checks = _checks(_sod(dgs, pki.signer("UTO")), dgs, store)
    assert checks == {
        "sod_signature": (CheckStatus.PASSED, "SIGNATURE_VALID"),
        "certificate_chain": (CheckStatus.PASSED, "CHAIN_VALID"),
        "revocation": (CheckStatus.PASSED, "NOT_REVOKED"),
        "data_group_hashes": (CheckStatus.PASSED, "HASHES_MATCH"),
    }
    result = passive_authentication(_sod(dgs, pki.signer("UTO")), dgs, store, now=NOW)
    assert result.details["csca"]["country"] == "UT"
    assert result.details["digest_algorithm"] == "sha256"


def test_forged_signer_claiming_a_known_csca(pki: TestPKI, dgs, store: TrustStore) -> None:
    key = ec.generate_private_key(ec.BrainpoolP256R1())
    rogue = ec.generate_private_key(ec.BrainpoolP256R1())
    cert = _ds_cert(pki, key=key, sign_with=rogue)  # names the UTO CSCA and its key id, signed by another key
    signer = Signer(key, cert, "ecdsa-brainpoolP256r1")
    checks = _checks(_sod(dgs, signer), dgs, store)
    assert checks["sod_signature"] == (CheckStatus.PASSED, "SIGNATURE_VALID")
    assert checks["certificate_chain"] == (CheckStatus.FAILED, "CHAIN_SIGNATURE_INVALID")


def test_signer_without_digital_signature_usage(pki: TestPKI, dgs, store: TrustStore) -> None:
    key = ec.generate_private_key(ec.BrainpoolP256R1())
    signer = Signer(key, _ds_cert(pki, key=key, digital_signature=False), "ecdsa-brainpoolP256r1")
    assert _checks(_sod(dgs, signer), dgs, store)["certificate_chain"] == (CheckStatus.FAILED, "DS_KEY_USAGE")


def test_signed_outside_the_key_usage_period(pki: TestPKI, dgs, store: TrustStore) -> None:
    late = dataclasses.replace(pki.signer("UTO"), signing_time=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    checks = _checks(_sod(dgs, late), dgs, store)
    assert checks["certificate_chain"] == (CheckStatus.FAILED, "DS_NOT_VALID_AT_SIGNING")


def test_signer_not_yet_valid(pki: TestPKI, dgs, store: TrustStore) -> None:
    key = ec.generate_private_key(ec.BrainpoolP256R1())
    cert = _ds_cert(pki, key=key, not_before=dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    signer = Signer(key, cert, "ecdsa-brainpoolP256r1", signing_time=dt.datetime(2027, 2, 1, tzinfo=dt.UTC))
    assert _checks(_sod(dgs, signer), dgs, store)["certificate_chain"] == (CheckStatus.FAILED, "DS_NOT_YET_VALID")


def _crl(pki: TestPKI, *, next_update: dt.datetime, sign_with=None) -> bytes:
    csca = pki.authority("UTO").csca
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(csca.certificate.subject)
        .last_update(dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
        .next_update(next_update)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(csca.key.public_key()), critical=False)
        .sign(sign_with or csca.key, hashes.SHA256())
    )
    return crl.public_bytes(serialization.Encoding.DER)


def test_revocation_list_states(pki: TestPKI, dgs, tmp_path) -> None:
    sod = _sod(dgs, pki.signer("UTO"))
    ml = trust_folder() / "masterlist.ml"
    only_ml = TrustStore.from_paths([ml])
    assert _checks(sod, dgs, only_ml)["revocation"] == (CheckStatus.NOT_PERFORMED, "NO_CRL")
    (tmp_path / "old.crl").write_bytes(_crl(pki, next_update=dt.datetime(2025, 6, 1, tzinfo=dt.UTC)))
    stale = TrustStore.from_paths([ml, tmp_path / "old.crl"])
    assert _checks(sod, dgs, stale)["revocation"] == (CheckStatus.NOT_PERFORMED, "CRL_OUTDATED")
    (tmp_path / "forged.crl").write_bytes(_crl(pki, next_update=dt.datetime(2035, 1, 1, tzinfo=dt.UTC),
                                              sign_with=ec.generate_private_key(ec.BrainpoolP256R1())))
    forged = TrustStore.from_paths([ml, tmp_path / "forged.crl"])
    assert _checks(sod, dgs, forged)["revocation"] == (CheckStatus.NOT_PERFORMED, "CRL_INVALID")
    # A revoked signer stays revoked even on an outdated list.
    revoked_sod = _sod(dgs, pki.signer("UTO", "revoked"))
    stale.load(trust_folder() / "crl-UTO.der")
    assert _checks(revoked_sod, dgs, stale)["revocation"] == (CheckStatus.FAILED, "DS_REVOKED")


def _strip_certificates(sod: bytes) -> bytes:
    info = cms.ContentInfo.load(sod[4:] if sod[1] == 0x82 else sod[2:])
    info["content"]["certificates"] = None
    return tlv(0x77, info.dump(force=True))


def test_signer_certificate_missing(pki: TestPKI, dgs, store: TrustStore) -> None:
    sod = _strip_certificates(_sod(dgs, pki.signer("UTO")))
    checks = _checks(sod, dgs, store)
    assert checks["sod_signature"] == (CheckStatus.NOT_PERFORMED, "DS_CERT_MISSING")
    assert checks["certificate_chain"][0] is CheckStatus.NOT_PERFORMED


def test_message_digest_and_content_type_are_bound(pki: TestPKI, dgs, store: TrustStore) -> None:
    sod = _sod(dgs, pki.signer("UTO"))
    info = cms.ContentInfo.load(sod[4:])
    other = lds_security_object({**dgs, 3: b"\x63\x00"})
    info["content"]["encap_content_info"]["content"] = other  # swap the hash list, keep the signature
    swapped = tlv(0x77, info.dump(force=True))
    checks = _checks(swapped, {**dgs, 3: b"\x63\x00"}, store)
    assert checks["sod_signature"] == (CheckStatus.FAILED, "MESSAGE_DIGEST_MISMATCH")
    assert checks["data_group_hashes"] == (CheckStatus.PASSED, "HASHES_MATCH")  # but worthless: signature failed


@pytest.mark.parametrize("algorithm", ["rsa-pkcs1", "rsa-pss", "ecdsa-p256", "ecdsa-brainpoolP256r1"])
def test_every_signer_algorithm_of_the_test_pki(pki: TestPKI, dgs, store: TrustStore, algorithm: str) -> None:
    checks = _checks(_sod(dgs, pki.signer("D", algorithm=algorithm)), dgs, store)
    assert checks["sod_signature"] == (CheckStatus.PASSED, "SIGNATURE_VALID")
    assert checks["certificate_chain"] == (CheckStatus.PASSED, "CHAIN_VALID")
    assert checks["revocation"] == (CheckStatus.PASSED, "NOT_REVOKED")


@pytest.mark.parametrize("hash_name", ["sha1", "sha224", "sha256", "sha384", "sha512"])
def test_every_data_group_hash(pki: TestPKI, dgs, store: TrustStore, hash_name: str) -> None:
    sod = ef_sod(lds_security_object(dgs, hash_name), pki.signer("UTO"))
    result = passive_authentication(sod, dgs, store, now=NOW)
    assert [c.status for c in result.checks] == [CheckStatus.PASSED] * 4
    assert result.details["digest_algorithm"] == hash_name


def test_sod_of_the_profile_still_verifies(dgs, store: TrustStore) -> None:
    sod = document("td3-bac").app_files[FID_SOD]
    assert _checks(sod, dgs, store)["sod_signature"] == (CheckStatus.PASSED, "SIGNATURE_VALID")
