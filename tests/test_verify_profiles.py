"""The verdict for every simulator profile: the right overall status and the right failing check.
Every profile is verified through the real pipeline (`gateway.verify.read_and_verify`: ChipReader
with chip and active authentication, then the checks) over an in-process virtual card; the rules of
the verdict alone are tested on the documents' files."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from gateway.mrz import check
from gateway.pki import TrustStore
from gateway.verdict import CHECK_NAMES, CheckStatus, Status
from gateway.verify import VerifyOptions
from gateway.verify.reasons import MESSAGES
from gateway.verify.verdict_builder import verify_document
from simulators.chip.lds_builder import build_document, mrz_lines
from simulators.chip.pki import TestPKI
from simulators.chip.profile import list_profiles, load_profile
from tests.chip_read_helpers import put_back_when_pulled
from tests.expected_verdicts import EXPECTED, EXPECTED_QUIRKS
from tests.verify_support import NOW, document, evidence_from_files, in_process_transport, trust_store, verify_profile


@pytest.fixture(scope="module")
def store() -> TrustStore:
    return trust_store()


def _verdict(profile: str):
    if profile == "quirk-pulled-mid-dg2":  # the card slips off once; the officer puts it back
        transport = in_process_transport(profile)
        put_back_when_pulled(lambda: not transport.connected, transport.insert)
        from gateway.nfc.access_key import MRZKey
        from gateway.verify import read_and_verify
        from tests.verify_support import printed_mrz

        result = read_and_verify(transport, MRZKey.from_mrz(printed_mrz(profile)), trust_store(),
                                 VerifyOptions(now=NOW, today=NOW.date(), wait_for_card_s=5.0),
                                 printed_mrz=printed_mrz(profile))
        assert result.reading.recoveries == 1
        return result.verdict
    return verify_profile(profile).verdict


def test_every_profile_is_covered() -> None:
    assert set(EXPECTED) == set(list_profiles())


@pytest.mark.parametrize("profile", sorted(EXPECTED))
def test_profile_verdict(profile: str, store: TrustStore) -> None:
    status, check_name, reason = EXPECTED[profile]
    verdict = _verdict(profile)
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
        # An INCONCLUSIVE verdict rests on a check not performed, or on a non-decisive chip_access failure.
        wanted = CheckStatus.NOT_PERFORMED if status is Status.INCONCLUSIVE and check_name != "chip_access" \
            else CheckStatus.FAILED
        assert check.status is wanted
        others = [c for c in verdict.checks if c.status is CheckStatus.FAILED and c.decisive and c is not check]
        if profile == "fault-tampered-dg":  # DG1 was altered: it no longer matches the printed MRZ either
            assert [(c.name, c.reason) for c in others] == [("mrz_matches_chip", "MRZ_MISMATCH")]
        elif profile not in ("fault-empty-sod",):
            assert others == [], [(c.name, c.reason) for c in others]
    for c in verdict.checks:  # every message resolved from the table, in both languages
        assert c.message_en and c.message_de and c.message_en != c.reason


@pytest.mark.parametrize("profile", sorted(EXPECTED_QUIRKS))
def test_quirk_profiles_are_read_and_the_quirk_is_named(profile: str) -> None:
    result = verify_profile(profile)
    assert result.verdict.status is Status.GENUINE
    assert [q.code for q in result.quirks] == [EXPECTED_QUIRKS[profile]]
    # Each quirk only on its own card: the plain profiles read without any.
    assert verify_profile("td3-bac").quirks == []


def test_aa_and_ca_passed_on_the_full_featured_passport(store: TrustStore) -> None:
    verdict = verify_profile("td3-pace-bac-ca-aa").verdict
    assert verdict.get("active_authentication").reason == "AA_VERIFIED"
    assert verdict.get("chip_authentication").reason == "CA_VERIFIED"
    assert verdict.get("chip_access").reason == "ACCESS_PACE"
    bac = verify_profile("td3-pace-bac-ca-aa", options=VerifyOptions(now=NOW, today=NOW.date(), protocol="bac"))
    assert bac.verdict.get("chip_access").reason == "ACCESS_BAC" and bac.verdict.status is Status.GENUINE


def test_pace_access_is_reported(store: TrustStore) -> None:
    verdict = verify_profile("td1-eu-pace").verdict
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
    broken = dataclasses.replace(ev, secure_messaging_intact=False)
    assert verify_document(broken, store, now=NOW).get("chip_access").reason == "SM_FAILURE"
    assert verify_document(broken, store, now=NOW).status is not Status.GENUINE
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
    v = verify_document(ev, store, check(lines, today=NOW.date()), now=NOW)
    assert v.get("mrz_check_digits").reason == "MRZ_VALID"
    assert v.get("mrz_matches_chip").reason == "MRZ_MATCHES_CHIP" and v.status is Status.GENUINE
    other = mrz_lines(load_profile("td3-pace-bac-ca-aa"))  # a valid MRZ of another document
    v = verify_document(ev, store, check(other, today=NOW.date()), now=NOW)
    assert v.get("mrz_matches_chip").status is CheckStatus.FAILED and v.get("mrz_matches_chip").decisive
    assert v.status is Status.NOT_GENUINE
    misread = [lines[0], lines[1][:9] + ("1" if lines[1][9] != "1" else "2") + lines[1][10:]]
    v = verify_document(ev, store, check(misread, today=NOW.date(), autocorrect=False), now=NOW)
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
    v = verify_profile("fault-cloned-aa", printed=False).verdict
    d = v.to_dict()
    assert d["verdict"] == "NOT_GENUINE" and [c["name"] for c in d["checks"]] == list(CHECK_NAMES)
    text = json.dumps(d)
    for secret in ("MUSTERMANN", "ERIKA", "C01X00T47", "640812"):
        assert secret not in text


def test_every_reason_has_both_messages() -> None:
    for code, (en, de) in MESSAGES.items():
        assert en and de and en != de, code
