"""Verifying a document: the printed MRZ, then (when access is given) the chip, then the verdict.

`DocumentVerifier.verify(request, progress, cancel, device)` is the one entry point the daemon, the
benchmarks and in-process callers use. It is synchronous (device I/O blocks) and runs in a worker
thread for chip work; MRZ-only verification is cheap enough for the event loop.

The chip part is delegated to a `ChipBackend` so the reading engine (gateway.nfc.reader) and the
authenticity checks (gateway.verify) plug in without this module knowing their internals; when they are
not installed, `UnavailableChipBackend` reports the chip checks NOT_PERFORMED (reason
CHIP_ENGINE_UNAVAILABLE) - so the verdict can never claim GENUINE without them.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Protocol

from gateway.mrz import MRZResult, check
from gateway.verdict import CHECK_NAMES, Check, CheckStatus, Verdict

from .cancel import CancelToken
from .model import (
    CheckCompleted,
    ChipAccessSpec,
    ChipOutcome,
    DocumentDetected,
    ProgressCallback,
    Started,
    VerifyInput,
    VerifyResult,
)

MRZ_CHECKS = ("mrz_check_digits", "document_expiry")
CHIP_CHECKS = tuple(name for name in CHECK_NAMES if name not in MRZ_CHECKS)


class ChipDevice(Protocol):
    """What the verifier needs from a reader: its id and a connected card transport."""

    @property
    def device_id(self) -> str: ...

    def open_transport(self) -> object:
        """A connected transport (atr/transmit/reconnect/disconnect); raises ServiceError if no card."""
        ...


class ChipBackend(Protocol):
    """Reads the chip and runs the chip checks.

    `transport` is already connected and cancel-aware (its transmit raises OperationCancelled once the
    token fires). `wanted_checks` None means all. Progress: DocumentDetected is sent by the caller;
    the backend sends AccessEstablished and FileProgress, and returns its checks in the outcome
    (the verifier emits CheckCompleted for them).
    """

    def read_and_verify(
        self,
        transport: object,
        access: ChipAccessSpec,
        *,
        printed_mrz: MRZResult | None,
        wanted_checks: frozenset[str] | None,
        want_face_image: bool,
        reference_date: dt.date,
        progress: ProgressCallback,
        cancel: CancelToken,
    ) -> ChipOutcome: ...


def _check(name: str, status: CheckStatus, reason: str, en: str, de: str, decisive: bool = True) -> Check:
    return Check(name=name, status=status, reason=reason, message_en=en, message_de=de, decisive=decisive)


def not_performed(name: str, reason: str, en: str, de: str) -> Check:
    return _check(name, CheckStatus.NOT_PERFORMED, reason, en, de)


class UnavailableChipBackend:
    """Stands in while no chip engine is installed: nothing is read, every chip check NOT_PERFORMED."""

    reason = "CHIP_ENGINE_UNAVAILABLE"

    def read_and_verify(self, transport: object, access: ChipAccessSpec, **_: object) -> ChipOutcome:
        return ChipOutcome(checks=[
            not_performed(name, self.reason, "This gateway build cannot read chips yet.",
                          "Diese Gateway-Version kann Chips noch nicht lesen.")
            for name in CHIP_CHECKS
        ])


def mrz_checks(result: MRZResult) -> list[Check]:
    """Check digits and expiry of the printed MRZ. Neither is decisive: a failed check digit is more
    often a misreading than a forgery, and an expired document is still a genuine one; a forged data
    page is caught by mrz_matches_chip, which is."""
    checks: list[Check] = []
    if result.valid:
        checks.append(_check("mrz_check_digits", CheckStatus.PASSED, "CORRECTED" if result.corrections else "",
                             "The MRZ check digits are correct.", "Die Prüfziffern der MRZ stimmen.", False))
    else:
        reason = "CHECK_DIGIT_FAILED" if "fail" in result.checks.values() else "MRZ_INVALID"
        if result.ambiguous:
            reason = "MRZ_AMBIGUOUS"
        checks.append(_check("mrz_check_digits", CheckStatus.FAILED, reason,
                             "The MRZ is not valid; read it again or type it.",
                             "Die MRZ ist ungültig; bitte erneut lesen oder eintippen.", False))
    codes = {w.code for w in result.warnings} | {e.code for e in result.errors if e.field == "expiry_date"}
    if "invalid_date" in codes and not result.fields.get("expiry_date"):
        checks.append(not_performed("document_expiry", "EXPIRY_UNREADABLE", "The expiry date cannot be read.",
                                    "Das Ablaufdatum ist nicht lesbar."))
    elif "expired" in codes:
        checks.append(_check("document_expiry", CheckStatus.FAILED, "DOCUMENT_EXPIRED", "The document has expired.",
                             "Das Dokument ist abgelaufen.", False))
    else:
        checks.append(_check("document_expiry", CheckStatus.PASSED, "", "The document has not expired.",
                             "Das Dokument ist nicht abgelaufen."))
    return checks


def _restrict(check_: Check, wanted: frozenset[str] | None) -> Check:
    if wanted is None or check_.name in wanted:
        return check_
    return not_performed(check_.name, "NOT_REQUESTED", "This check was not requested.",
                         "Diese Prüfung wurde nicht angefordert.")


class DocumentVerifier:
    """The whole verification. Thread-safe: it holds no per-call state."""

    def __init__(self, chip_backend: ChipBackend | None = None) -> None:
        self.chip_backend: ChipBackend = chip_backend or UnavailableChipBackend()

    def verify(
        self,
        request: VerifyInput,
        progress: ProgressCallback,
        cancel: CancelToken,
        device: ChipDevice | None = None,
        *,
        operation_id: str | None = None,
        started_at: float | None = None,
    ) -> VerifyResult:
        started_at = time.monotonic() if started_at is None else started_at
        t0 = time.monotonic()
        today = request.reference_date or dt.date.today()
        result = VerifyResult(operation_id=operation_id or new_operation_id(),
                              reader_id=device.device_id if device is not None else "")
        result.timings.queued_s = t0 - started_at
        progress(Started(result.reader_id, result.operation_id))
        wanted = request.checks
        verdict = result.verdict

        def emit(checks: list[Check]) -> None:
            for c in checks:
                c = _restrict(c, wanted)
                verdict.add(c)
                progress(CheckCompleted(c))

        if request.mrz is not None:
            result.printed_mrz = check(request.mrz, today=today)
            emit(mrz_checks(result.printed_mrz))
        cancel.raise_if_cancelled()

        if request.chip_access is None or device is None:
            why = ("CHIP_NOT_READ", "The chip was not read (no chip access given).",
                   "Der Chip wurde nicht gelesen (kein Zugang angegeben).")
            emit([not_performed(name, *why) for name in CHIP_CHECKS if verdict.get(name) is None])
            if request.mrz is None:
                emit([not_performed(name, *why) for name in MRZ_CHECKS])
        else:
            transport = device.open_transport()
            try:
                progress(DocumentDetected(bytes(getattr(transport, "atr", b""))))
                outcome = self.chip_backend.read_and_verify(
                    transport,
                    request.chip_access,
                    printed_mrz=result.printed_mrz,
                    wanted_checks=wanted,
                    want_face_image=request.return_face_image,
                    reference_date=today,
                    progress=progress,
                    cancel=cancel,
                )
            finally:
                transport.disconnect()  # type: ignore[attr-defined]
            result.access, result.files, result.chip_mrz = outcome.access, outcome.files, outcome.chip_mrz
            result.apdus = outcome.apdus or getattr(transport, "apdus", 0)
            face = outcome.face_image
            if face is not None and not request.return_face_image and face.data:
                face = type(face)(face.format, face.width, face.height, b"", face.size or len(face.data))
            result.face_image = face
            result.timings.access_s, result.timings.read_s = outcome.access_s, outcome.read_s
            result.timings.checks_s = outcome.checks_s
            emit(outcome.checks)
            missing = [name for name in CHIP_CHECKS if verdict.get(name) is None]
            emit([not_performed(name, "NOT_APPLICABLE", "This check does not apply to this document.",
                                "Diese Prüfung ist für dieses Dokument nicht anwendbar.") for name in missing])
        result.timings.total_s = time.monotonic() - started_at
        return result


def new_operation_id() -> str:
    return uuid.uuid4().hex[:16]


def verdict_from_checks(checks: list[Check]) -> Verdict:
    verdict = Verdict()
    for c in checks:
        verdict.add(c)
    return verdict
