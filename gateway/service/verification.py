"""Verifying a document: the printed MRZ, then (when access is given) the chip, then the verdict.

`DocumentVerifier.verify(request, progress, cancel, device)` is the one entry point the daemon, the
benchmarks and in-process callers use. It is synchronous (device I/O blocks) and runs in a worker
thread for chip work; MRZ-only verification is cheap enough to run on the event loop.

The chip part is delegated to a `ChipBackend` (gateway.service.chip) so the reading engine and the
authenticity checks plug in without this module knowing their internals. Whatever a backend
returns, every check of gateway.verdict.CHECK_NAMES ends up in the verdict exactly once; a check
nobody ran is NOT_PERFORMED with a reason, so a verdict can never be GENUINE by omission.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
import uuid
from typing import Protocol

from gateway.mrz import MRZResult, check
from gateway.verdict import CHECK_NAMES, Check, CheckStatus, Verdict
from gateway.verify import reasons

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
    ignore_progress,
)

MRZ_CHECKS = ("mrz_check_digits", "document_expiry")
CHIP_CHECKS = tuple(name for name in CHECK_NAMES if name not in MRZ_CHECKS)

# Reason codes of this layer (the chip checks' own codes come from gateway.verify.reasons).
_OWN_MESSAGES = {
    "CHIP_NOT_READ": ("The chip was not read (no chip access was given).",
                      "Der Chip wurde nicht gelesen (kein Chipzugang angegeben)."),
    "NOT_REQUESTED": ("This check was not requested.", "Diese Prüfung wurde nicht angefordert."),
    "NOT_APPLICABLE": ("This check does not apply to this document.",
                       "Diese Prüfung ist für dieses Dokument nicht anwendbar."),
    "EXPIRY_UNREADABLE": ("The expiry date in the MRZ cannot be read.",
                          "Das Ablaufdatum in der MRZ ist nicht lesbar."),
    "CHIP_ENGINE_UNAVAILABLE": ("This gateway build cannot authenticate chips.",
                                "Diese Gateway-Version kann Chips nicht prüfen."),
}


class ChipDevice(Protocol):
    """What the verifier needs from a reader: its id and a connected card transport."""

    @property
    def device_id(self) -> str: ...

    def open_transport(self) -> object:
        """A connected, cancel-aware transport (atr/transmit/reconnect/disconnect); raises ServiceError."""
        ...


class ChipBackend(Protocol):
    """Reads the chip and runs the chip checks.

    `transport` is connected and cancel-aware (its transmit raises OperationCancelled once the token
    fires). `printed_mrz` is the printed MRZ's lines (after OCR correction) to compare with DG1.
    Progress: the backend sends AccessEstablished, FileProgress and DocumentLost; it returns its
    checks in the outcome and the verifier reports them (CheckCompleted) once the read is over.
    """

    def read_and_verify(
        self,
        transport: object,
        access: ChipAccessSpec,
        *,
        printed_mrz: tuple[str, ...] | None,
        wanted_checks: frozenset[str] | None,
        want_face_image: bool,
        reference_date: dt.date,
        progress: ProgressCallback,
        cancel: CancelToken,
    ) -> ChipOutcome: ...


@functools.lru_cache(maxsize=256)  # Checks are immutable; MRZ-only calls build the same ones each time
def own_check(name: str, reason: str, status: CheckStatus = CheckStatus.NOT_PERFORMED) -> Check:
    en, de = _OWN_MESSAGES[reason]
    return Check(name=name, status=status, reason=reason, message_en=en, message_de=de)


@functools.lru_cache(maxsize=1024)
def _reason(name: str, status: CheckStatus, reason: str, detail: str = "", decisive: bool = True) -> Check:
    """gateway.verify's check with its messages, cached: the same few outcomes recur on every call."""
    return reasons.check(name, status, reason, detail=detail, decisive=decisive)


def mrz_checks(result: MRZResult) -> list[Check]:
    """Check digits and expiry of the printed MRZ, with the reason codes of gateway.verify. Neither is
    decisive: a failed check digit is more often a misreading than a forgery, an expired document is
    still genuine; a forged data page is caught by mrz_matches_chip, which is."""
    if result.valid:
        digits = _reason("mrz_check_digits", CheckStatus.PASSED, "MRZ_VALID")
    else:
        digits = _reason("mrz_check_digits", CheckStatus.FAILED, "MRZ_INVALID", decisive=False)
    expiry_text = result.fields.get("expiry_date")
    try:
        expiry = dt.date.fromisoformat(expiry_text) if expiry_text else None
    except ValueError:
        expiry = None
    if expiry is None or expiry_text is None:
        expiry_check = own_check("document_expiry", "EXPIRY_UNREADABLE")
    elif any(w.code == "expired" for w in result.warnings):
        expiry_check = _reason("document_expiry", CheckStatus.FAILED, "DOCUMENT_EXPIRED", expiry_text, False)
    else:
        expiry_check = _reason("document_expiry", CheckStatus.PASSED, "DOCUMENT_VALID", expiry_text)
    return [digits, expiry_check]


def _restrict(c: Check, wanted: frozenset[str] | None) -> Check:
    return c if wanted is None or c.name in wanted else own_check(c.name, "NOT_REQUESTED")


class DocumentVerifier:
    """The whole verification. Thread-safe: it holds no per-call state."""

    def __init__(self, chip_backend: ChipBackend | None = None) -> None:
        if chip_backend is None:
            from .chip import default_chip_backend

            chip_backend = default_chip_backend()
        self.chip_backend: ChipBackend = chip_backend

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
        queued_s = time.monotonic() - started_at
        today = request.reference_date or dt.date.today()
        result = VerifyResult(operation_id=operation_id or new_operation_id(),
                              reader_id=device.device_id if device is not None else "")
        if device is not None:
            result.timings.phases["queued"] = queued_s
        reporting = progress is not ignore_progress
        if reporting:
            progress(Started(result.reader_id, result.operation_id))
        checks: list[Check] = []
        if request.mrz is not None:
            result.printed_mrz = check(request.mrz, today=today)
            checks = mrz_checks(result.printed_mrz)
        cancel.raise_if_cancelled()

        if request.chip_access is None or device is None:
            if request.mrz is None:
                checks = [own_check(name, "CHIP_NOT_READ") for name in MRZ_CHECKS]
            checks += [own_check(name, "CHIP_NOT_READ") for name in CHIP_CHECKS]
        else:
            outcome = self._read_chip(request, result, device, progress, cancel, today)
            by_name = {c.name: c for c in outcome.checks}
            checks = [c for c in checks if c.name not in by_name] + list(outcome.checks)

        final: dict[str, Check] = {}
        for c in checks:  # Verdict.add semantics (a later check of the same name replaces and moves)
            final.pop(c.name, None)
            final[c.name] = _restrict(c, request.checks)
        for name in CHECK_NAMES:
            if name not in final:
                final[name] = _restrict(own_check(name, "NOT_APPLICABLE"), request.checks)
        result.verdict = Verdict(list(final.values()))
        if reporting:
            for c in result.verdict.checks:
                progress(CheckCompleted(c))
        result.timings.total_s = time.monotonic() - started_at
        return result

    def _read_chip(self, request: VerifyInput, result: VerifyResult, device: ChipDevice,
                   progress: ProgressCallback, cancel: CancelToken, today: dt.date) -> ChipOutcome:
        assert request.chip_access is not None
        transport = device.open_transport()
        try:
            progress(DocumentDetected(bytes(getattr(transport, "atr", b""))))
            outcome = self.chip_backend.read_and_verify(
                transport,
                request.chip_access,
                printed_mrz=result.printed_mrz.lines if result.printed_mrz is not None else None,
                wanted_checks=request.checks,
                want_face_image=request.return_face_image,
                reference_date=today,
                progress=progress,
                cancel=cancel,
            )
        finally:
            transport.disconnect()  # type: ignore[attr-defined]
        result.access, result.files, result.chip_mrz = outcome.access, outcome.files, outcome.chip_mrz
        result.absent, result.denied, result.warnings = outcome.absent, outcome.denied, outcome.warnings
        result.apdus = outcome.apdus or getattr(transport, "apdus", 0)
        result.reading = outcome.reading
        face = outcome.face_image
        if face is not None and not request.return_face_image and face.data:
            face = type(face)(face.format, face.width, face.height, b"", face.size or len(face.data))
        result.face_image = face
        result.timings.phases.update(outcome.phases)
        return outcome


def new_operation_id() -> str:
    return uuid.uuid4().hex[:16]
