"""Every desk profile (simulators/documents/desk_profiles.py) through the one pipeline: the page
rendered under white, IR and UV light, the chip read in process from the same chip profile, the
printed MRZ read off the white scan and used as the chip's key. A forged page over a genuine chip is
NOT_GENUINE and the failing check says which forgery; the chip checks themselves all pass."""

from __future__ import annotations

from functools import cache

import pytest

from gateway.nfc.reading import AccessDeniedError
from gateway.verdict import CheckStatus, Status
from gateway.verify import PageCapture, VerifyOptions, VerifyResult, read_and_verify
from gateway.verify.optical import OPTICAL_CHECKS
from gateway.verify.verdict_builder import CHIP_CHECKS
from simulators.documents.desk_profiles import DESK_PROFILES, desk_spec, render_desk
from tests.expected_verdicts import DESK_ERRORS, DESK_EXPECTED
from tests.verify_support import NOW, in_process_transport, printed_mrz, trust_store

OPTIONS = VerifyOptions(now=NOW, today=NOW.date())


@cache
def verify_desk(name: str) -> VerifyResult:
    pages = render_desk(name)
    return read_and_verify(in_process_transport(DESK_PROFILES[name].chip), None, trust_store(), OPTIONS,
                           page=PageCapture(pages["white"], pages["ir"], pages["uv"]))


def test_every_desk_profile_has_an_expected_outcome() -> None:
    assert set(DESK_EXPECTED) | set(DESK_ERRORS) == set(DESK_PROFILES)


@pytest.mark.parametrize("name", sorted(DESK_EXPECTED))
def test_desk_profile_gives_its_verdict_and_reason(name: str) -> None:
    status, check, reason = DESK_EXPECTED[name]
    result = verify_desk(name)
    verdict = result.verdict
    assert verdict.status is status, [(c.name, c.reason) for c in verdict.checks if c.status is not CheckStatus.PASSED]
    if check is not None:
        assert verdict.get(check).reason == reason
    failed = [c.name for c in verdict.checks if c.status is CheckStatus.FAILED and c.decisive]
    assert failed == ([check] if status is Status.NOT_GENUINE else [])  # exactly the forgery, nothing else
    # the chip is the genuine document's in every profile: its checks pass or are not offered
    assert all(verdict.get(n).status is not CheckStatus.FAILED for n in CHIP_CHECKS)
    assert verdict.get("sod_signature").status is CheckStatus.PASSED
    assert result.access is not None and result.access.password == "MRZ"  # keyed from the page
    assert "optical" in result.timings.phases


@pytest.mark.parametrize("name", sorted(n for n, (s, _, _) in DESK_EXPECTED.items() if s is Status.GENUINE))
def test_genuine_desk_documents_pass_every_optical_check_that_applies(name: str) -> None:
    verdict = verify_desk(name).verdict
    _, check, reason = DESK_EXPECTED[name]
    for n in OPTICAL_CHECKS:
        c = verdict.get(n)
        assert c.status is CheckStatus.PASSED or (n, c.reason) == (check, reason), (n, c.reason)


def test_the_mrz_mismatch_page_is_valid_and_opens_the_chip_but_differs_from_dg1() -> None:
    spec = desk_spec("forgery-mrz-mismatch")
    genuine = printed_mrz(DESK_PROFILES["forgery-mrz-mismatch"].chip).split("\n")
    assert spec.lines() != genuine and spec.lines()[1] == genuine[1]  # name only: the key is the same
    result = verify_desk("forgery-mrz-mismatch")
    assert result.printed_mrz is not None and result.printed_mrz.valid
    assert result.verdict.get("mrz_check_digits").status is CheckStatus.PASSED


def test_a_printed_document_number_not_the_chips_is_refused_access_and_says_why() -> None:
    assert DESK_ERRORS["forgery-mrz-number-mismatch"] == AccessDeniedError.reason
    pages = render_desk("forgery-mrz-number-mismatch", lights=("white",))
    with pytest.raises(AccessDeniedError, match="printed MRZ on the page, which then does not match the chip"):
        read_and_verify(in_process_transport(DESK_PROFILES["forgery-mrz-number-mismatch"].chip), None,
                        trust_store(), OPTIONS, page=PageCapture(pages["white"]))
