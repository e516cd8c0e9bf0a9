"""Assemble the verdict of one document from the printed MRZ and what the chip read produced.

    report = build_verdict(printed, ChipEvidence.from_read(read), trust_store, now=now)
    report.verdict.status        # GENUINE / NOT_GENUINE / INCONCLUSIVE, derived by gateway.verdict

Every check of `gateway.verdict.CHECK_NAMES` is in the result exactly once, each with its reason
code, so a caller always sees the full picture — including what was *not* checked and why. Nothing
here has an optimistic default: evidence that is missing is a check NOT_PERFORMED, a session whose
integrity is not known is not intact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gateway.mrz import MRZResult
from gateway.nfc.lds.dg1 import dg1_to_mrz_result
from gateway.nfc.lds.dg14 import parse_dg14
from gateway.nfc.lds.errors import LDSError
from gateway.nfc.protocol.steps import StepOutcome
from gateway.nfc.reading.result import ChipReadResult
from gateway.pki.store import TrustStore
from gateway.verdict import CHECK_NAMES, Check, Verdict
from gateway.verify.document_checks import check_digits_check, expiry_check, matches_chip_check
from gateway.verify.optical import no_page_checks
from gateway.verify.passive import passive_authentication
from gateway.verify.reasons import failed, not_performed, passed

AA, CA, ACCESS = "active_authentication", "chip_authentication", "chip_access"
CHIP_CHECKS = ("chip_access", "sod_signature", "certificate_chain", "revocation", "data_group_hashes",
               AA, CA)


@dataclass(frozen=True)
class ChipEvidence:
    """What a chip read hands over. `data_groups`: DG number → exact bytes read; `sod`: EF.SOD bytes
    (None if not read); `access`: "BAC" or "PACE" (None: no access was established);
    `secure_messaging_intact`: every protected answer verified (no default: the caller must know);
    `misbehaved`: the budget a hostile chip exceeded, ending the read; the AA/CA step outcomes as
    the reader produced them, None when the step did not run."""

    data_groups: Mapping[int, bytes]
    sod: bytes | None
    access: str | None
    secure_messaging_intact: bool
    misbehaved: str | None = None
    active_authentication: StepOutcome | None = None
    chip_authentication: StepOutcome | None = None

    @classmethod
    def from_read(cls, read: ChipReadResult) -> ChipEvidence:
        """A completed read: every answer it kept verified (a MAC failure ends a read without result)."""
        dgs = {int(name[2:]): data for name, data in read.files.items() if name.startswith("DG")}
        return cls(dgs, read.files.get("EF.SOD"), read.access.protocol, True,
                   active_authentication=read.steps.get(AA), chip_authentication=read.steps.get(CA))

    @classmethod
    def broken(cls, *, misbehaved: str | None = None) -> ChipEvidence:
        """A read that ended without a result because an answer failed verification or the chip
        exceeded a budget: nothing it read is evidence."""
        return cls({}, None, None, False, misbehaved=misbehaved)


@dataclass
class VerificationReport:
    verdict: Verdict
    chip_mrz: MRZResult | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return self.verdict.to_dict() | {"details": self.details}


def _access_check(ev: ChipEvidence) -> Check:
    if ev.misbehaved:
        # A conforming chip never does this; but a broken chip is not proof of a forgery either.
        return failed(ACCESS, "CHIP_MISBEHAVES", detail=ev.misbehaved, decisive=False)
    if not ev.secure_messaging_intact:
        # Data read over a broken channel is untrustworthy, but a flaky chip is not a forgery.
        return failed(ACCESS, "SM_FAILURE", decisive=False)
    if ev.access in ("BAC", "PACE"):
        return passed(ACCESS, f"ACCESS_{ev.access}")
    return not_performed(ACCESS, "ACCESS_UNKNOWN")


def _step_check(name: str, outcome: StepOutcome | None, offered: bool, not_offered: str, not_run: str) -> Check:
    if not offered:
        return not_performed(name, not_offered)
    if outcome is None:
        return not_performed(name, not_run)
    if outcome.passed is True:
        return passed(name, outcome.reason)
    if outcome.passed is False:
        return failed(name, outcome.reason)
    return not_performed(name, outcome.reason or not_run, detail=outcome.detail[:80])


def _chip_offers_ca(ev: ChipEvidence) -> bool:
    raw = ev.data_groups.get(14)
    if raw is None:
        return False
    try:
        return bool(parse_dg14(bytes(raw)).chip_authentication_public_keys)
    except LDSError:
        return False


def chip_mrz(ev: ChipEvidence, today: dt.date) -> MRZResult | None:
    raw = ev.data_groups.get(1)
    if raw is None:
        return None
    try:
        return dg1_to_mrz_result(bytes(raw), today=today)
    except LDSError:
        return None


def build_verdict(
    printed: MRZResult | None,
    chip: ChipEvidence | None,
    trust: TrustStore | None,
    *,
    now: dt.datetime | None = None,
    today: dt.date | None = None,
    optical: Sequence[Check] | None = None,
) -> VerificationReport:
    """The verdict plus non-personal details (document signer and CSCA summaries, algorithms).
    `chip` None: the chip was not read (MRZ-only). `now` (default: the current UTC time) is when
    certificates and CRLs are judged; `today` (default: now's date) the date expiry is judged at.
    `optical`: the page images' checks (`gateway.verify.optical`); None: no page images, each of
    them NOT_PERFORMED "NO_PAGE_IMAGES"."""
    now = now or dt.datetime.now(dt.UTC)
    today = today or now.date()
    checks = [check_digits_check(printed)]
    details: dict[str, Any] = {}
    dg1_mrz = None
    if chip is None:
        checks.append(matches_chip_check(printed, None, chip_read=False))
        checks += [not_performed(name, "CHIP_NOT_READ") for name in CHIP_CHECKS]
        checks.append(expiry_check(printed, today, missing="MRZ_NOT_GIVEN")[0])
    else:
        dg1_mrz = chip_mrz(chip, today)
        expiry, expired = expiry_check(dg1_mrz, today)
        passive = passive_authentication(chip.sod, chip.data_groups, trust, now=now, document_expired=expired)
        details = dict(passive.details)
        checks += [
            matches_chip_check(printed, dg1_mrz, chip_read=True),
            _access_check(chip),
            *passive.checks,
            _step_check(AA, chip.active_authentication, 15 in chip.data_groups, "AA_NOT_SUPPORTED", "AA_NOT_RUN"),
            _step_check(CA, chip.chip_authentication, _chip_offers_ca(chip), "CA_NOT_SUPPORTED", "CA_NOT_RUN"),
            expiry,
        ]
    checks += list(optical) if optical is not None else no_page_checks()
    by_name = {c.name: c for c in checks}
    verdict = Verdict([by_name.get(name) or not_performed(name, "CHECK_UNAVAILABLE") for name in CHECK_NAMES])
    return VerificationReport(verdict, dg1_mrz, details)


def verify_document(
    chip: ChipEvidence | None,
    trust: TrustStore | None,
    printed: MRZResult | None = None,
    *,
    now: dt.datetime | None = None,
    today: dt.date | None = None,
) -> Verdict:
    return build_verdict(printed, chip, trust, now=now, today=today).verdict


__all__ = ["CHIP_CHECKS", "ChipEvidence", "VerificationReport", "build_verdict", "chip_mrz", "verify_document"]
