"""The one pipeline (`gateway.verify.read_and_verify`) as its callers use it: the printed MRZ, the
chip over an in-process virtual card, the verdict, the JSON the CLI prints and its text rendering."""

from __future__ import annotations

import json

import pytest

from gateway.cli.verdict_render import render_verdict, trust_summary
from gateway.mrz import check
from gateway.nfc.access_key import AccessKeyError, CANKey
from gateway.verdict import CHECK_NAMES, CheckStatus, Status
from gateway.verify import VerifyOptions, read_and_verify
from tests.verify_support import NOW, document, in_process_transport, printed_mrz, trust_store, verify_profile

OPTIONS = VerifyOptions(now=NOW, today=NOW.date())


@pytest.mark.parametrize(("profile", "verdict", "check_name", "reason"), [
    ("td3-pace-bac-ca-aa", "GENUINE", "chip_authentication", "CA_VERIFIED"),
    ("td3-ecdsa-aa-p256", "GENUINE", "active_authentication", "AA_VERIFIED"),
    ("fault-cloned-aa", "NOT_GENUINE", "active_authentication", "AA_SIGNATURE_INVALID"),
    ("fault-cloned-ca", "NOT_GENUINE", "chip_authentication", "CA_FAILED"),
    ("fault-tampered-dg", "NOT_GENUINE", "data_group_hashes", "HASH_MISMATCH_DG1"),
    ("td3-bac", "GENUINE", "sod_signature", "SIGNATURE_VALID"),
])
def test_result_json_and_text(profile: str, verdict: str, check_name: str, reason: str) -> None:
    result = verify_profile(profile)
    report = result.to_dict() | {"trust": trust_summary(trust_store())}
    checks = {c["name"]: c for c in report["checks"]}
    assert report["verdict"] == verdict, [(c["name"], c["reason"]) for c in report["checks"]]
    assert checks[check_name]["reason"] == reason
    # The tampered DG1 carries another name than the printed page: caught twice.
    mrz = "MRZ_MISMATCH" if profile == "fault-tampered-dg" else "MRZ_MATCHES_CHIP"
    assert checks["mrz_matches_chip"]["reason"] == mrz
    assert report["trust"]["cscas"] == 4 and report["trust"]["problems"] == []
    assert set(report["files"]) >= {"EF.COM", "DG1", "DG2", "EF.SOD"}
    if profile != "fault-tampered-dg":  # its DG1 was altered after signing
        assert report["mrz"]["lines"] == list(check(printed_mrz(profile)).lines)
    json.dumps(report)  # JSON-serialisable as `gateway chip read --json` prints it
    text = render_verdict(report)
    assert verdict in text and "sod_signature" in text
    assert "Signatur" in render_verdict(report, "de")


def test_without_trust_the_verdict_is_inconclusive() -> None:
    result = verify_profile("td3-bac", trust=None)
    assert result.verdict.status is Status.INCONCLUSIVE
    assert result.verdict.get("certificate_chain").reason == "NO_TRUST_STORE"


def test_mrz_only_is_at_best_inconclusive_and_names_what_was_not_done() -> None:
    result = read_and_verify(None, None, trust_store(), OPTIONS, printed_mrz=printed_mrz("td3-bac"))
    assert [c.name for c in result.verdict.checks] == list(CHECK_NAMES)
    assert result.verdict.status is Status.INCONCLUSIVE
    assert result.verdict.get("mrz_check_digits").status is CheckStatus.PASSED
    assert result.verdict.get("document_expiry").reason == "DOCUMENT_VALID"
    for name in ("chip_access", "sod_signature", "certificate_chain", "data_group_hashes"):
        assert result.verdict.get(name).reason == "CHIP_NOT_READ"


def test_the_access_key_comes_from_the_printed_mrz_when_none_is_given() -> None:
    ocr = printed_mrz("td3-bac").replace("7408122", "74O8122")  # O for 0, corrected by the check digit
    result = read_and_verify(in_process_transport("td3-bac"), None, trust_store(), OPTIONS, printed_mrz=ocr)
    assert result.verdict.status is Status.GENUINE
    assert result.printed_mrz is not None and result.printed_mrz.corrections
    with pytest.raises(AccessKeyError):
        read_and_verify(in_process_transport("td3-bac"), None, trust_store(), OPTIONS)


def test_checks_not_requested_are_reported_and_keep_it_from_genuine() -> None:
    options = VerifyOptions(now=NOW, today=NOW.date(), checks=frozenset({"chip_access", "data_group_hashes"}))
    result = verify_profile("td3-pace-bac-ca-aa", options=options)
    assert result.verdict.get("sod_signature").reason == "NOT_REQUESTED"
    assert result.verdict.get("active_authentication").reason == "NOT_REQUESTED"
    assert result.verdict.status is Status.INCONCLUSIVE
    assert "DG15" not in {f.name for f in result.files}  # AA was not asked for: its file not read


def test_face_image_bytes_only_when_asked() -> None:
    plain = verify_profile("td1-eu-pace")
    assert plain.face_image is not None and plain.face_image.data == b"" and plain.face_image.size > 0
    options = VerifyOptions(now=NOW, today=NOW.date(), want_face_image=True)
    with_face = verify_profile("td1-eu-pace", key=CANKey(document("td1-eu-pace").can), options=options)
    assert len(with_face.face_image.data) == with_face.face_image.size
    assert with_face.access.password == "CAN"
