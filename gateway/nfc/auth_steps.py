"""Active and chip authentication as reader steps (`gateway.nfc.steps` protocol).

    reader steps=[ActiveAuthenticationStep.factory(), ChipAuthenticationStep.factory()]

AA ends with StepOutcome(passed=True/False/None, data={"reason": "AA_..."}). CA ends with the new
session and passed=None, data={"reason": "CA_NOT_CONFIRMED"}: the proof is the reader's next
protected read under that session. The reader reports it by calling `confirm()` / `fail(detail)`
on the step (or, equivalently, recording CA_VERIFIED / CA_FAILED in its own result).
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.nfc.aa import AAResult, ActiveAuthentication
from gateway.nfc.apdu import CommandAPDU, ResponseAPDU
from gateway.nfc.ca import CAError, CAOutcome, CARefused, ChipAuthentication
from gateway.nfc.lds.dg14 import parse_dg14
from gateway.nfc.lds.dg15 import parse_dg15
from gateway.nfc.lds.errors import LDSError
from gateway.nfc.sm import SMSession
from gateway.nfc.steps import StepContext, StepOutcome


def _aa_outcome(result: AAResult) -> StepOutcome:
    passed = True if result.verified else None if result.reason == "AA_UNSUPPORTED" else False
    return StepOutcome(passed, f"{result.reason} {result.algorithm}".strip(),
                       data={"reason": result.reason, "algorithm": result.algorithm, "result": result})


class ActiveAuthenticationStep:
    name = "active_authentication"

    def __init__(self, aa: ActiveAuthentication) -> None:
        self.aa = aa

    def start(self) -> CommandAPDU:
        return self.aa.start()

    def feed(self, response: ResponseAPDU) -> StepOutcome:
        return _aa_outcome(self.aa.feed(response))

    @staticmethod
    def factory() -> _AAFactory:
        return _AAFactory()


@dataclass
class _AAFactory:
    name: str = "active_authentication"
    needs: tuple[str, ...] = ("DG15",)

    def __call__(self, context: StepContext) -> ActiveAuthenticationStep | None:
        dg15 = context.files.get("DG15")
        if dg15 is None:
            return None
        try:
            key = parse_dg15(dg15)
        except LDSError:
            return None
        info = None
        if context.files.get("DG14") is not None:
            try:
                info = parse_dg14(context.files["DG14"]).active_authentication_info
            except LDSError:
                info = None
        return ActiveAuthenticationStep(ActiveAuthentication(key, info))


class ChipAuthenticationStep:
    name = "chip_authentication"

    def __init__(self, ca: ChipAuthentication) -> None:
        self.ca = ca

    def start(self) -> CommandAPDU:
        return self.ca.start()

    def feed(self, response: ResponseAPDU) -> CommandAPDU | StepOutcome:
        try:
            out = self.ca.feed(response)
        except CARefused as exc:
            return StepOutcome(False, str(exc), data={"reason": "CA_REFUSED", "outcome": self.ca.outcome})
        if isinstance(out, SMSession):
            return StepOutcome(None, f"{self.ca.protocol}: new keys, proven by reading on", session=out,
                               data={"reason": "CA_NOT_CONFIRMED", "step": self})
        return out

    def confirm(self) -> CAOutcome:
        return self.ca.confirm()

    def fail(self, detail: str) -> CAOutcome:
        return self.ca.fail(detail)

    @staticmethod
    def factory() -> _CAFactory:
        return _CAFactory()


@dataclass
class _CAFactory:
    name: str = "chip_authentication"
    needs: tuple[str, ...] = ("DG14",)

    def __call__(self, context: StepContext) -> ChipAuthenticationStep | None:
        dg14 = context.files.get("DG14")
        if dg14 is None:
            return None
        try:
            return ChipAuthenticationStep(ChipAuthentication.from_dg14(parse_dg14(dg14)))
        except (LDSError, CAError):
            return None
