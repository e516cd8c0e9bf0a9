"""The full chip backend: gateway.nfc's reading engine, then gateway.verify's authenticity checks.

Reads EF.CardAccess, opens the chip (PACE first, BAC as fallback), reads EF.COM, DG1, DG2, EF.SOD and
- when active/chip authentication are wanted - DG14/DG15 with the AA and CA steps, then builds the
verdict with passive authentication against the trust store. The engine's events become the
service's progress events; its errors become service errors with fixed messages (so nothing a chip
or an engine message contains can reach a caller or a log).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from pathlib import Path

from gateway.drivers.chip_runner import read_chip
from gateway.nfc import read_events as engine_events
from gateway.nfc.access_key import AccessKeyError, CANKey, MRZKey
from gateway.nfc.auth_steps import ActiveAuthenticationStep, ChipAuthenticationStep
from gateway.nfc.lds import LDSError, decode_image, dg1_to_mrz_result, parse_dg2
from gateway.nfc.lds.files import lookup
from gateway.nfc.reader import (
    AccessDeniedError,
    AccessNotPossibleError,
    CardLostError,
    ChipReadError,
    ChipReadResult,
    ReadOptions,
    UntrustedSessionError,
)
from gateway.pki import TrustStore
from gateway.transport import TransportError
from gateway.verify.verdict_builder import ChipEvidence, verify_document_report

from .cancel import CancelToken, OperationCancelled
from .chipdevice import device_error
from .errors import ErrorKind, FieldViolation, ServiceError
from .model import (
    AccessEstablished,
    AccessInfo,
    ChipAccessSpec,
    ChipOutcome,
    DocumentLost,
    FaceImage,
    FileProgress,
    FileRead,
    ProgressCallback,
    ReadingStats,
)

log = logging.getLogger("gateway.chip")

FILES = ("EF.COM", "DG1", "DG2", "EF.SOD")
#: How long a read waits for a pulled document to be put back (bounded by the call's deadline).
WAIT_FOR_CARD_S = 10.0


def _key(access: ChipAccessSpec) -> MRZKey | CANKey:
    try:
        if access.can:
            return CANKey(access.can)
        if access.mrz_text:
            return MRZKey.from_mrz(access.mrz_text)
        assert access.document_key is not None
        return MRZKey(*access.document_key)
    except AccessKeyError:
        raise ServiceError(ErrorKind.INVALID_ARGUMENT, "ACCESS_KEY_INVALID", "the chip access key is not valid",
                           [FieldViolation("chip_access", "cannot derive an access key")]) from None


def _chip_error(exc: ChipReadError) -> ServiceError:
    if isinstance(exc, AccessDeniedError):
        return ServiceError(ErrorKind.FAILED_PRECONDITION, "ACCESS_DENIED",
                            "the chip refused the access key; check the MRZ or CAN")
    if isinstance(exc, CardLostError):
        return ServiceError(ErrorKind.FAILED_PRECONDITION, "DOCUMENT_REMOVED",
                            "the document was removed during the read and not put back in time")
    if isinstance(exc, AccessNotPossibleError):
        return ServiceError(ErrorKind.FAILED_PRECONDITION, "ACCESS_NOT_POSSIBLE",
                            "the chip offers no access protocol this key can use")
    return ServiceError(ErrorKind.FAILED_PRECONDITION, "CHIP_ERROR", "the chip's answers could not be used")


class _EventBridge:
    """Engine events -> service progress events. Files the chip does not have (FileStarted, then
    FileSkipped) produce no progress; each file read reports its blocks and ends at 100 %."""

    def __init__(self, progress: ProgressCallback, password: str) -> None:
        self.progress = progress
        self.password = password

    def __call__(self, event: engine_events.ReadEvent) -> None:
        if isinstance(event, engine_events.AccessEstablished):
            self.progress(AccessEstablished(AccessInfo(event.protocol, event.algorithm or "", self.password)))
        elif isinstance(event, engine_events.FileProgress):
            if event.total and event.done < event.total:
                self.progress(FileProgress(event.name, event.done, event.total))
        elif isinstance(event, engine_events.FileFinished):
            self.progress(FileProgress(event.name, event.size, event.size))
        elif isinstance(event, engine_events.CardLost):
            self.progress(DocumentLost(event.reason, event.file or ""))


class EngineChipBackend:
    def __init__(self, trust_path: Path | None = None, trust: TrustStore | None = None) -> None:
        self.trust = trust
        if trust is None and trust_path is not None:
            self.trust = TrustStore.from_paths([trust_path])
            for problem in self.trust.report.problems[:5]:
                log.warning("trust store problem", extra={"reason": "TRUST_LOAD", "where": problem[:200]})

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
    ) -> ChipOutcome:
        key = _key(access)
        wanted = wanted_checks
        aa = wanted is None or "active_authentication" in wanted
        ca = wanted is None or "chip_authentication" in wanted
        steps = tuple(s for s, on in ((ActiveAuthenticationStep.factory(), aa),
                                      (ChipAuthenticationStep.factory(), ca)) if on)
        options = ReadOptions(files=FILES, active_authentication=aa, chip_authentication=ca, steps=steps)
        remaining = cancel.remaining()
        wait_s = WAIT_FOR_CARD_S if remaining is None else max(0.0, min(WAIT_FOR_CARD_S, remaining))
        bridge = _EventBridge(progress, key.kind)
        outcome = ChipOutcome()
        try:
            read = read_chip(transport, key, options, on_event=bridge, wait_for_card_s=wait_s)  # type: ignore[arg-type]
        except UntrustedSessionError:
            # Nothing read in a session with a forged-looking MAC is trusted: the verdict says why.
            evidence = ChipEvidence(data_groups={}, sod=None, access=None, secure_messaging_intact=False)
            t0 = time.monotonic()
            report = verify_document_report(evidence, self.trust, printed_mrz, today=reference_date)
            outcome.phases["checks"] = time.monotonic() - t0
            outcome.checks = list(report.verdict.checks)
            outcome.warnings.append("secure messaging failed; nothing read was kept")
            return outcome
        except OperationCancelled:
            raise
        except ChipReadError as exc:
            cancel.raise_if_cancelled()  # a read stopped by the deadline is DEADLINE_EXCEEDED, not a chip error
            raise _chip_error(exc) from None
        except TransportError as exc:
            raise device_error(exc) from None
        self._fill(outcome, read, want_face_image, reference_date, bridge.password)
        t0 = time.monotonic()
        report = verify_document_report(read, self.trust, printed_mrz, today=reference_date)
        outcome.phases["checks"] = time.monotonic() - t0
        outcome.checks = list(report.verdict.checks)
        return outcome

    @staticmethod
    def _fill(outcome: ChipOutcome, read: ChipReadResult, want_face: bool, today: dt.date, password: str) -> None:
        a = read.access
        outcome.access = AccessInfo(a.protocol, a.algorithm or "", a.password or password,
                                    a.parameter_name or "", a.parameter_id or 0)
        for name, data in read.files.items():
            try:
                fid = lookup(name).fid
            except KeyError:
                fid = 0
            outcome.files.append(FileRead(name, fid, len(data)))
        outcome.absent, outcome.denied = list(read.absent), list(read.denied)
        outcome.warnings = list(read.warnings)
        stats = read.stats
        outcome.apdus = stats.apdus
        outcome.reading = ReadingStats(stats.bytes_sent, stats.bytes_received, stats.block_size,
                                       stats.extended_length, stats.sfi, stats.refusals, stats.recoveries)
        outcome.phases.update(stats.timings)
        if "DG1" in read.files:
            try:
                outcome.chip_mrz = dg1_to_mrz_result(read.files["DG1"], today=today)
            except LDSError:
                outcome.warnings.append("DG1 cannot be parsed")
        if "DG2" in read.files:
            try:
                image = parse_dg2(read.files["DG2"]).face
            except LDSError:
                outcome.warnings.append("DG2 cannot be parsed")
            else:
                width, height = image.width, image.height
                try:
                    decoded = decode_image(image.image)
                    width, height = decoded.width, decoded.height
                except LDSError:
                    outcome.warnings.append("the face image cannot be decoded")
                outcome.face_image = FaceImage(image.format or "", width or 0, height or 0,
                                               image.image if want_face else b"", len(image.image))
