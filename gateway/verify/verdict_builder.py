"""Assemble the verdict of one document from what a chip read produced.

    verdict = verify_document(ChipEvidence(data_groups={1: dg1, 2: dg2}, sod=sod, access="BAC",
                                           active_authentication=aa_result), trust_store)
    verdict.status        # GENUINE / NOT_GENUINE / INCONCLUSIVE, derived by gateway.verdict

Every check of `gateway.verdict.CHECK_NAMES` is present in the result, each with its reason code,
so an API client always sees the full picture — including what was *not* checked and why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gateway.mrz import MRZResult
from gateway.nfc.aa import AAResult
from gateway.nfc.ca import CAOutcome
from gateway.nfc.lds.dg1 import dg1_to_mrz_result
from gateway.nfc.lds.dg14 import parse_dg14
from gateway.nfc.lds.errors import LDSError
from gateway.pki.store import TrustStore
from gateway.verdict import CHECK_NAMES, Check, Verdict
from gateway.verify.document_checks import expiry_check, mrz_checks
from gateway.verify.passive import passive_authentication
from gateway.verify.reasons import failed, not_performed, passed

AA, CA, ACCESS = "active_authentication", "chip_authentication", "chip_access"


@dataclass
class ChipEvidence:
    """What the reader hands over. `data_groups`: DG number → exact bytes read; `sod`: EF.SOD bytes
    (None if not read); `access`: "BAC" or "PACE" (None: unknown); `secure_messaging_intact`: no
    MAC or SM failure during the read; the AA/CA outcomes as the steps produced them (AAResult /
    CAOutcome, or the reader's StepOutcome with `passed` and `data["reason"]`), None if not run."""

    data_groups: Mapping[int, bytes]
    sod: bytes | None
    access: str | None = None
    access_detail: str = ""
    secure_messaging_intact: bool = True
    active_authentication: Any = None
    chip_authentication: Any = None


@dataclass
class VerificationReport:
    verdict: Verdict
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return self.verdict.to_dict() | {"details": self.details}


def _access_check(ev: ChipEvidence) -> Check:
    if not ev.secure_messaging_intact:
        # Data read over a broken channel is untrustworthy, but a flaky chip is not a forgery.
        return failed(ACCESS, "SM_FAILURE", decisive=False)
    if ev.access in ("BAC", "PACE"):
        return passed(ACCESS, f"ACCESS_{ev.access}")
    return not_performed(ACCESS, "ACCESS_UNKNOWN")


def _step_reason(outcome: Any, default_fail: str, default_pass: str,
                 default_none: str) -> tuple[bool | None, str, str]:
    """(passed?, reason, detail) from an AAResult / CAOutcome / StepOutcome-like object."""
    if isinstance(outcome, AAResult | CAOutcome):
        ok = outcome.verified
        reason = outcome.reason
        if reason.endswith(("UNSUPPORTED", "NOT_CONFIRMED", "NOT_SUPPORTED", "NOT_RUN")):
            return None, reason, outcome.detail
        return ok, reason, outcome.detail
    passed_flag = getattr(outcome, "passed", None)
    data = getattr(outcome, "data", {}) or {}
    reason = data.get("reason") if isinstance(data, Mapping) else None
    detail = str(getattr(outcome, "detail", ""))
    if passed_flag is True:
        return True, reason or default_pass, detail
    if passed_flag is False:
        return False, reason or default_fail, detail
    return None, reason or default_none, detail


def _aa_check(ev: ChipEvidence) -> Check:
    if 15 not in ev.data_groups:
        return not_performed(AA, "AA_NOT_SUPPORTED")
    if ev.active_authentication is None:
        return not_performed(AA, "AA_NOT_RUN")
    ok, reason, detail = _step_reason(ev.active_authentication, "AA_SIGNATURE_INVALID", "AA_VERIFIED", "AA_NOT_RUN")
    if ok is True:
        return passed(AA, "AA_VERIFIED")
    if ok is False:
        return failed(AA, reason if reason.startswith("AA_") else "AA_SIGNATURE_INVALID")
    return not_performed(AA, reason if reason.startswith("AA_") else "AA_NOT_RUN", detail=detail[:80])


def _chip_offers_ca(ev: ChipEvidence) -> bool:
    raw = ev.data_groups.get(14)
    if raw is None:
        return False
    try:
        return bool(parse_dg14(bytes(raw)).chip_authentication_public_keys)
    except LDSError:
        return False


def _ca_check(ev: ChipEvidence) -> Check:
    if not _chip_offers_ca(ev):
        return not_performed(CA, "CA_NOT_SUPPORTED")
    if ev.chip_authentication is None:
        return not_performed(CA, "CA_NOT_RUN")
    ok, reason, detail = _step_reason(ev.chip_authentication, "CA_FAILED", "CA_VERIFIED", "CA_NOT_RUN")
    if ok is True:
        return passed(CA, "CA_VERIFIED")
    if ok is False:
        return failed(CA, reason if reason in ("CA_FAILED", "CA_REFUSED") else "CA_FAILED")
    return not_performed(CA, reason if reason.startswith("CA_") else "CA_NOT_CONFIRMED", detail=detail[:80])


def _chip_mrz(ev: ChipEvidence, today: dt.date) -> MRZResult | None:
    raw = ev.data_groups.get(1)
    if raw is None:
        return None
    try:
        return dg1_to_mrz_result(bytes(raw), today=today)
    except LDSError:
        return None


def verify_document_report(
    evidence: ChipEvidence | Any,
    trust: TrustStore | None,
    printed_mrz: str | Sequence[str] | None = None,
    *,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> VerificationReport:
    """The verdict plus non-personal details (document signer and CSCA summaries, algorithms)."""
    ev = evidence if isinstance(evidence, ChipEvidence) else evidence_from_read_result(evidence)
    now = now or dt.datetime.now(dt.UTC)
    today = today or now.date()
    chip_mrz = _chip_mrz(ev, today)
    expiry, expired = expiry_check(chip_mrz, today)
    passive = passive_authentication(ev.sod, ev.data_groups, trust, now=now, document_expired=expired)
    verdict = Verdict()
    checks = [*mrz_checks(printed_mrz, chip_mrz, today), _access_check(ev), *passive.checks, _aa_check(ev),
              _ca_check(ev), expiry]
    by_name = {c.name: c for c in checks}
    for name in CHECK_NAMES:  # stable order, every known check present
        verdict.add(by_name.get(name) or not_performed(name, "CHECK_UNAVAILABLE"))
    return VerificationReport(verdict, dict(passive.details))


def verify_document(
    evidence: ChipEvidence | Any,
    trust: TrustStore | None,
    printed_mrz: str | Sequence[str] | None = None,
    *,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Verdict:
    return verify_document_report(evidence, trust, printed_mrz, today=today, now=now).verdict


_DG_NAMES = {f"DG{n}": n for n in range(1, 17)}
_SOD_NAMES = ("SOD", "EF.SOD")


def evidence_from_read_result(result: Any) -> ChipEvidence:
    """Adapter for the chip reader's result object (duck-typed so both sides can evolve):
    `files` name → bytes ("DG1".."DG16", "SOD"/"EF.SOD"), `access.protocol`/`access.algorithm`,
    `secure_messaging_intact` (optional, default True), and `steps` name → outcome with the
    names "active_authentication" / "chip_authentication"."""
    files = getattr(result, "files", None) or {}
    dgs: dict[int, bytes] = {}
    sod = None
    for name, data in files.items():
        raw = getattr(data, "data", data)
        if not isinstance(raw, bytes | bytearray):
            continue
        key = str(name).upper().replace("EF.", "")
        if key in _DG_NAMES:
            dgs[_DG_NAMES[key]] = bytes(raw)
        elif str(name).upper() in _SOD_NAMES or key == "SOD":
            sod = bytes(raw)
    access = getattr(result, "access", None)
    protocol = getattr(access, "protocol", access if isinstance(access, str) else None)
    steps = getattr(result, "steps", None) or {}
    return ChipEvidence(
        data_groups=dgs,
        sod=sod,
        access=str(protocol) if protocol else None,
        access_detail=str(getattr(access, "algorithm", "") or ""),
        secure_messaging_intact=bool(getattr(result, "secure_messaging_intact", True)),
        active_authentication=steps.get(AA),
        chip_authentication=steps.get(CA),
    )
