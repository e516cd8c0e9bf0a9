"""One-field edits of a genuine EF.SOD that made `verify_document` raise (issue 10): each now ends in
a verdict with a reason code. The hostile SODs are the simulator's genuine ones with exactly one
field changed (simulators.chip.der_edit), so every other check still sees good data."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from gateway.pki import TrustStore, load_certificate
from gateway.verdict import CheckStatus, Status
from gateway.verify.verdict_builder import verify_document
from simulators.chip import der_edit
from simulators.chip.der_edit import Node
from tests.verify_support import document, evidence_from_files, trust_store

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
KEY_USAGE, SIGNING_TIME = "2.5.29.15", "1.2.840.113549.1.9.5"
RSASSA_PSS, RSA = "1.2.840.113549.1.1.10", "1.2.840.113549.1.1.1"


@pytest.fixture(scope="module")
def store() -> TrustStore:
    return trust_store()


def _document_signer(root: Node) -> Node:
    """The certificate inside EF.SOD: SEQUENCE { tbs SEQUENCE, AlgorithmIdentifier, BIT STRING }."""
    return next(n for n in root.walk() if n.tag == b"\x30" and len(n.children or []) == 3
                and n.children[0].tag == b"\x30" and n.children[2].tag == b"\x03")


def empty_key_usage(root: Node) -> None:
    der_edit.sequences_led_by(root, KEY_USAGE)[0].children[-1].replace(b"\x04\x02\x03\x00")


def empty_signature_value(root: Node) -> None:
    _document_signer(root).children[2].replace(b"\x03\x00")


def empty_signing_time(root: Node) -> None:
    der_edit.sequences_led_by(root, SIGNING_TIME)[0].children[1].replace(b"\x31\x00")


def negative_pss_salt(root: Node) -> None:
    signer_info_alg = der_edit.sequences_led_by(root, RSASSA_PSS)[-1]  # the SignerInfo's, after the certificate's
    salt = next(n for n in signer_info_alg.walk() if n.tag == b"\xa2")
    salt.children[0].replace(b"\x02\x01\xff")


def negative_rsa_exponent(root: Node) -> None:
    spki = next(s.parent for s in der_edit.sequences_led_by(root, RSA)
                if s.parent is not None and (s.parent.children or [None, None])[1].tag == b"\x03")
    rsa_public_key = spki.children[1].children[0]
    rsa_public_key.children[1].replace(b"\x02\x01\xfd")  # e = -3


CASES = [
    # (profile, edit, verdict, check that says why, its status, reason)
    ("td3-bac", empty_key_usage, Status.NOT_GENUINE, "certificate_chain", CheckStatus.FAILED,
     "CHAIN_SIGNATURE_INVALID"),
    ("td3-bac", empty_signature_value, Status.NOT_GENUINE, "certificate_chain", CheckStatus.FAILED,
     "CHAIN_SIGNATURE_INVALID"),
    ("td3-bac", empty_signing_time, Status.NOT_GENUINE, "sod_signature", CheckStatus.FAILED, "SIGNATURE_INVALID"),
    ("td3-rsa-pss", negative_pss_salt, Status.INCONCLUSIVE, "sod_signature", CheckStatus.NOT_PERFORMED,
     "ALGORITHM_UNSUPPORTED"),
    ("td3-rsa-pss", negative_rsa_exponent, Status.NOT_GENUINE, "certificate_chain", CheckStatus.FAILED,
     "CHAIN_SIGNATURE_INVALID"),
]


@pytest.mark.parametrize(("profile", "edit", "status", "check", "check_status", "reason"), CASES,
                         ids=[c[1].__name__ for c in CASES])
def test_one_field_edits_of_ef_sod_end_in_a_verdict(store, profile, edit, status, check, check_status, reason):
    evidence = evidence_from_files(document(profile))
    genuine = evidence.sod
    assert der_edit.edit(genuine, lambda _: None) == genuine  # the editor changes nothing by itself
    evidence = dataclasses.replace(evidence, sod=der_edit.edit(genuine, edit))
    assert evidence.sod != genuine
    verdict = verify_document(evidence, store, now=NOW)
    by_name = {c.name: c for c in verdict.checks}
    assert verdict.status is status
    assert (by_name[check].status, by_name[check].reason) == (check_status, reason)


def test_the_genuine_sods_are_genuine(store):
    for profile in ("td3-bac", "td3-rsa-pss"):
        assert verify_document(evidence_from_files(document(profile)), store, now=NOW).status is Status.GENUINE


def test_malformed_certificate_fields_fail_closed_but_the_certificate_loads():
    sod = document("td3-bac").app_files[0x011D]
    cert_der = _document_signer(der_edit.parse(sod)).encode()
    root = der_edit.parse(cert_der)
    der_edit.sequences_led_by(root, KEY_USAGE)[0].children[-1].replace(b"\x04\x02\x03\x00")
    root.children[2].replace(b"\x03\x00")
    cert = load_certificate(root.encode())
    assert cert.key_usage == frozenset()  # a malformed keyUsage allows nothing
    assert cert.signature == b""
    assert "extension key_usage is malformed" in cert.problems
    assert any("signature value is empty" in p for p in cert.problems)


def resigned(sod: bytes, change) -> bytes:
    """Apply `change`, then sign the (changed) signed attributes again with the document signer's own
    key, as an issuer with a broken encoder would: the signature is valid, the attributes are not."""
    from simulators.chip.pki import TestPKI
    from simulators.chip.signing import sign

    signer = TestPKI.shared().signer("UTO")
    root = der_edit.parse(sod)
    change(root)
    signer_info = next(n for n in root.walk() if n.tag == b"\x30" and any(c.tag == b"\xa0" for c in n.children or [])
                       and any(c.tag == b"\x04" for c in n.children or []) and n.children[0].tag == b"\x02")
    attrs = next(c for c in signer_info.children if c.tag == b"\xa0")
    signed = b"\x31" + attrs.encode()[1:]  # RFC 5652 §5.4: the signature covers the SET OF form
    value = sign(signer.key, signer.algorithm, signed)
    signature = next(c for c in signer_info.children if c.tag == b"\x04")
    signature.replace(der_edit.tlv(b"\x04", value))
    return root.encode()


def test_a_correctly_signed_but_malformed_signing_time_is_signed_attrs_invalid(store):
    evidence = evidence_from_files(document("td3-bac"))
    assert verify_document(evidence, store, now=NOW).status is Status.GENUINE
    evidence = dataclasses.replace(evidence, sod=resigned(evidence.sod, lambda root: None))
    assert verify_document(evidence, store, now=NOW).status is Status.GENUINE  # re-signing alone is harmless
    evidence = dataclasses.replace(evidence, sod=resigned(evidence.sod, empty_signing_time))
    verdict = verify_document(evidence, store, now=NOW)
    by_name = {c.name: c for c in verdict.checks}
    assert (by_name["sod_signature"].status, by_name["sod_signature"].reason) == (CheckStatus.FAILED,
                                                                                    "SIGNED_ATTRS_INVALID")
    assert verdict.status is Status.NOT_GENUINE


def test_an_issuer_name_value_of_the_wrong_type_is_judged(store):
    """Found by `make fuzz` (fuzz/regressions/verify_sod/crash-ff1b…): an attribute value in the
    SignerInfo's issuer name turned into a REAL made asn1crypto raise AttributeError."""
    evidence = evidence_from_files(document("td3-bac"))

    def real_in_sid(root: Node) -> None:
        sid = next(n for n in root.walk() if n.tag == b"\x30" and len(n.children or []) == 2
                   and n.children[0].tag == b"\x30" and n.children[1].tag == b"\x02"
                   and n.parent is not None and n.parent.children[0].tag == b"\x02")
        value = next(n for n in sid.children[0].walk() if n.tag in (b"\x0c", b"\x13"))
        value.replace(b"\x09\x01\x40")  # REAL where a DirectoryString belongs

    evidence = dataclasses.replace(evidence, sod=der_edit.edit(evidence.sod, real_in_sid))
    verdict = verify_document(evidence, store, now=NOW)
    by_name = {c.name: c for c in verdict.checks}
    assert verdict.status is Status.INCONCLUSIVE
    assert by_name["sod_signature"].reason == "DS_CERT_MISSING"
