"""The verdict for every simulator profile: the right overall status and the right failing check.
Documents are read in-process through the reader-side protocol code (BAC/PACE, SM, AA, CA) where
a clean read is possible; the two quirk profiles whose card misbehaves mid-read use the files
directly with the access outcome a reader reports for them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from types import SimpleNamespace

import pytest
from verify_harness import document, evidence_from_files, read_document, trust_store

from gateway.pki import TrustStore
from gateway.verdict import CHECK_NAMES, CheckStatus, Status
from gateway.verify.reasons import MESSAGES
from gateway.verify.verdict_builder import ChipEvidence, evidence_from_read_result, verify_document
from simulators.chip.document import FID_SOD, dg_fid
from simulators.chip.lds_builder import build_document, mrz_lines
from simulators.chip.pki import TestPKI
from simulators.chip.profile import list_profiles, load_profile
from tests.expected_verdicts import EXPECTED

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)

_FROM_FILES = {
    "quirk-pulled-mid-dg2": ChipEvidence,  # card pulled once: the reader resumes; the data is complete
    "quirk-wrong-mac-sod": ChipEvidence,  # persistent bad MAC on EF.SOD's last frame
}


@pytest.fixture(scope="module")
def store() -> TrustStore:
    return trust_store()


def _evidence(profile: str) -> ChipEvidence:
    if profile in _FROM_FILES:
        ev = evidence_from_files(document(profile))
        ev.secure_messaging_intact = profile != "quirk-wrong-mac-sod"
        return ev
    return read_document(profile).evidence


def test_every_profile_is_covered() -> None:
    assert set(EXPECTED) == set(list_profiles())


@pytest.mark.parametrize("profile", sorted(EXPECTED))
def test_profile_verdict(profile: str, store: TrustStore) -> None:
    status, check_name, reason = EXPECTED[profile]
    verdict = verify_document(_evidence(profile), store, now=NOW)
    assert [c.name for c in verdict.checks] == list(CHECK_NAMES)
    assert verdict.status is status, [(c.name, c.status, c.reason) for c in verdict.checks]
    if check_name is None:
        for name, required in CHECK_NAMES.items():
            if required:
                assert verdict.get(name).status is CheckStatus.PASSED
        assert not any(c.status is CheckStatus.FAILED for c in verdict.checks)
    else:
        check = verdict.get(check_name)
        assert check.reason == reason
        wanted = CheckStatus.NOT_PERFORMED if status is Status.INCONCLUSIVE and reason == "NO_TRUST_ANCHOR" \
            else CheckStatus.FAILED
        assert check.status is wanted
        others = [c for c in verdict.checks if c.status is CheckStatus.FAILED and c.decisive and c is not check]
        if profile not in ("fault-empty-sod",):
            assert others == [], [(c.name, c.reason) for c in others]
    for c in verdict.checks:  # every message resolved from the table, in both languages
        assert c.message_en and c.message_de and c.message_en != c.reason


def test_aa_and_ca_passed_on_the_full_featured_passport(store: TrustStore) -> None:
    verdict = verify_document(read_document("td3-pace-bac-ca-aa").evidence, store, now=NOW)
    assert verdict.get("active_authentication").reason == "AA_VERIFIED"
    assert verdict.get("chip_authentication").reason == "CA_VERIFIED"
    assert verdict.get("chip_access").reason == "ACCESS_BAC"


def test_pace_access_is_reported(store: TrustStore) -> None:
    verdict = verify_document(read_document("td1-eu-pace").evidence, store, now=NOW)
    assert verdict.get("chip_access").reason == "ACCESS_PACE"
    assert verdict.get("active_authentication").reason == "AA_NOT_SUPPORTED"
    assert verdict.get("chip_authentication").reason == "CA_NOT_SUPPORTED"


@pytest.mark.parametrize("kind", ["file", "zero-length", "no-hashes", "no-content"])
def test_empty_sod_never_genuine(kind: str, store: TrustStore) -> None:
    base = load_profile("td3-bac")
    profile = dataclasses.replace(base, faults=dataclasses.replace(base.faults, empty_sod=kind))
    doc = build_document(profile, TestPKI.shared())
    verdict = verify_document(evidence_from_files(doc), store, now=NOW)
    assert verdict.status is Status.NOT_GENUINE
    assert verdict.get("data_group_hashes").status is CheckStatus.FAILED


def test_unsigned_sod_hashes_prove_nothing(store: TrustStore) -> None:
    verdict = verify_document(evidence_from_files(document("fault-unsigned-sod")), store, now=NOW)
    assert verdict.get("data_group_hashes").status is CheckStatus.NOT_PERFORMED
    assert verdict.get("certificate_chain").status is CheckStatus.NOT_PERFORMED


def test_missing_inputs_make_it_inconclusive_never_genuine(store: TrustStore) -> None:
    ev = evidence_from_files(document("td3-bac"))
    assert verify_document(ev, store, now=NOW).status is Status.GENUINE
    assert verify_document(ev, None, now=NOW).get("certificate_chain").reason == "NO_TRUST_STORE"
    assert verify_document(ev, None, now=NOW).status is Status.INCONCLUSIVE
    assert verify_document(ev, TrustStore(), now=NOW).status is Status.INCONCLUSIVE
    unknown_access = dataclasses.replace(ev, access=None)
    assert verify_document(unknown_access, store, now=NOW).get("chip_access").reason == "ACCESS_UNKNOWN"
    assert verify_document(unknown_access, store, now=NOW).status is Status.INCONCLUSIVE
    no_sod = dataclasses.replace(ev, sod=None)
    v = verify_document(no_sod, store, now=NOW)
    assert v.status is Status.INCONCLUSIVE and v.get("sod_signature").reason == "SOD_NOT_READ"
    no_dgs = dataclasses.replace(ev, data_groups={})
    assert verify_document(no_dgs, store, now=NOW).status is Status.INCONCLUSIVE


def test_data_group_tampering_and_extra_groups(store: TrustStore) -> None:
    ev = evidence_from_files(document("td3-bac"))
    dg2 = bytearray(ev.data_groups[2])
    dg2[-10] ^= 0xFF
    tampered = dataclasses.replace(ev, data_groups={**ev.data_groups, 2: bytes(dg2)})
    check = verify_document(tampered, store, now=NOW).get("data_group_hashes")
    assert (check.status, check.reason) == (CheckStatus.FAILED, "HASH_MISMATCH_DG2")
    assert "DG2" in check.message_en and "DG2" in check.message_de
    extra = dataclasses.replace(ev, data_groups={**ev.data_groups, 3: b"\x63\x00"})
    verdict = verify_document(extra, store, now=NOW)
    assert verdict.get("data_group_hashes").reason == "DG_NOT_IN_SOD_DG3"
    assert verdict.status is Status.NOT_GENUINE


def test_corrupt_sod_is_not_genuine(store: TrustStore) -> None:
    ev = evidence_from_files(document("td3-bac"))
    for sod in (b"\x77\x03\x30\x01\x00", b"\x30\x00", ev.sod[:-7]):
        verdict = verify_document(dataclasses.replace(ev, sod=sod), store, now=NOW)
        assert verdict.status is Status.NOT_GENUINE
        assert verdict.get("sod_signature").reason in ("SOD_MALFORMED", "SOD_EMPTY")


def test_printed_mrz_against_the_chip(store: TrustStore) -> None:
    ev = evidence_from_files(document("td3-bac"))
    lines = mrz_lines(load_profile("td3-bac"))
    v = verify_document(ev, store, "\n".join(lines), now=NOW)
    assert v.get("mrz_check_digits").reason == "MRZ_VALID"
    assert v.get("mrz_matches_chip").reason == "MRZ_MATCHES_CHIP" and v.status is Status.GENUINE
    other = mrz_lines(load_profile("td3-pace-bac-ca-aa"))  # a valid MRZ of another document
    v = verify_document(ev, store, other, now=NOW)
    assert v.get("mrz_matches_chip").status is CheckStatus.FAILED and v.get("mrz_matches_chip").decisive
    assert v.status is Status.NOT_GENUINE
    misread = [lines[0], lines[1][:9] + ("1" if lines[1][9] != "1" else "2") + lines[1][10:]]
    v = verify_document(ev, store, misread, now=NOW)
    assert v.get("mrz_check_digits").status is CheckStatus.FAILED
    assert not v.get("mrz_matches_chip").decisive  # a misread page is not a forgery
    assert v.status is Status.GENUINE


def test_document_expiry_is_reported_not_decisive(store: TrustStore) -> None:
    ev = evidence_from_files(document("td3-bac"))  # expires 2034-04-15
    later = dt.datetime(2035, 1, 1, tzinfo=dt.UTC)
    v = verify_document(ev, store, now=later)
    assert v.get("document_expiry").reason == "DOCUMENT_EXPIRED" and not v.get("document_expiry").decisive
    assert v.status is Status.GENUINE
    assert verify_document(ev, store, now=NOW).get("document_expiry").reason == "DOCUMENT_VALID"


def test_expired_signer_on_an_expired_document_is_not_decisive(store: TrustStore) -> None:
    ev = evidence_from_files(document("fault-expired-ds"))
    late = dt.datetime(2034, 6, 1, tzinfo=dt.UTC)  # the document (2034-04-15) has expired as well
    v = verify_document(ev, store, now=late)
    check = v.get("certificate_chain")
    assert check.reason == "DS_EXPIRED" and not check.decisive
    assert v.status is Status.INCONCLUSIVE


def test_json_shape_and_no_personal_data(store: TrustStore) -> None:
    v = verify_document(read_document("fault-cloned-aa").evidence, store, now=NOW)
    d = v.to_dict()
    assert d["verdict"] == "NOT_GENUINE" and [c["name"] for c in d["checks"]] == list(CHECK_NAMES)
    text = json.dumps(d)
    for secret in ("MUSTERMANN", "ERIKA", "C01X00T47", "640812"):
        assert secret not in text


def test_read_result_adapter(store: TrustStore) -> None:
    doc = document("td3-bac")
    files = {f"DG{n}": doc.app_files[dg_fid(n)] for n in (1, 2, 11, 12)}
    files["EF.SOD"] = doc.app_files[FID_SOD]
    result = SimpleNamespace(files=files, access=SimpleNamespace(protocol="BAC", algorithm=None), steps={})
    ev = evidence_from_read_result(result)
    assert sorted(ev.data_groups) == [1, 2, 11, 12] and ev.sod == doc.app_files[FID_SOD]
    assert verify_document(result, store, now=NOW).status is Status.GENUINE


def test_every_reason_has_both_messages() -> None:
    for code, (en, de) in MESSAGES.items():
        assert en and de and en != de, code
