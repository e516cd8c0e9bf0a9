"""Verifying a document for the daemon: a validated request, a device, the pipeline, service errors.

`DocumentVerifier.verify(request, progress, cancel, device)` is what the daemon's Verify calls. The
verification itself is `gateway.verify.pipeline.read_and_verify`, the one recipe the CLI, the
benchmarks and the tests call too; this module only adds what a service needs around it: the trust
store it was started with, the device's transport (cancel-aware), the call's deadline, and the
mapping of chip and transport errors to service errors with fixed messages (so nothing a chip or an
engine message contains can reach a caller or a log). It is synchronous (device I/O blocks) and
runs in a worker thread for chip work; MRZ-only verification is cheap enough for the event loop.
"""

from __future__ import annotations

import time
import uuid
from typing import Protocol

from gateway.mrz import MRZError
from gateway.mrz.image import ImageError
from gateway.nfc.access_key import AccessKey, AccessKeyError, CANKey, MRZKey
from gateway.nfc.reading import (
    AccessDeniedError,
    AccessNotPossibleError,
    CardLostError,
    ChipReadError,
    ReadDeadlineError,
)
from gateway.pki.store import TrustStore
from gateway.transport import CardTransport, TransportError
from gateway.verify.optical import PageCapture
from gateway.verify.pipeline import PageUnreadableError, VerifyOptions, read_and_verify

from .cancel import CancelToken, OperationCancelled
from .chipdevice import device_error
from .errors import ErrorKind, FieldViolation, ServiceError
from .model import ChipAccessSpec, ProgressCallback, Started, VerifyInput, VerifyResult, ignore_progress

#: How long a read waits for a pulled document to be put back (bounded by the call's deadline).
WAIT_FOR_CARD_S = 10.0


class ChipDevice(Protocol):
    """What the verifier needs from a reader: its id and a connected, cancel-aware card transport."""

    @property
    def device_id(self) -> str: ...

    def open_transport(self) -> CardTransport:
        """A connected transport whose transmit raises OperationCancelled once the call's token fires;
        raises ServiceError when the reader cannot be used."""
        ...


def access_key(access: ChipAccessSpec) -> AccessKey | None:
    """The key the request names; None for "the printed MRZ's" (the pipeline takes it from the reading)."""
    if access.from_printed:
        return None
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


def chip_error(exc: ChipReadError) -> ServiceError:
    """The service error for a read that ended without anything to judge."""
    if isinstance(exc, AccessDeniedError):
        return ServiceError(ErrorKind.FAILED_PRECONDITION, "ACCESS_DENIED",
                            "the chip refused the access key; check the MRZ or CAN")
    if isinstance(exc, CardLostError):
        return ServiceError(ErrorKind.FAILED_PRECONDITION, "DOCUMENT_REMOVED",
                            "the document was removed during the read and not put back in time")
    if isinstance(exc, AccessNotPossibleError):
        return ServiceError(ErrorKind.FAILED_PRECONDITION, "ACCESS_NOT_POSSIBLE",
                            "the chip offers no access protocol this key can use")
    if isinstance(exc, ReadDeadlineError):
        return ServiceError(ErrorKind.DEADLINE_EXCEEDED, "DEADLINE_EXCEEDED",
                            "the operation was stopped before it completed")
    return ServiceError(ErrorKind.FAILED_PRECONDITION, "CHIP_ERROR", "the chip's answers could not be used")


class DocumentVerifier:
    """The whole verification with the daemon's trust store. Thread-safe: it holds no per-call state."""

    def __init__(self, trust: TrustStore | None = None, *, wait_for_card_s: float = WAIT_FOR_CARD_S) -> None:
        self.trust = trust
        self.wait_for_card_s = wait_for_card_s

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
        # the MRZ wait, the document wait and the captures have phases of their own
        queued_s = time.monotonic() - started_at - request.mrz_wait_s - request.document_wait_s - request.capture_s
        operation_id = operation_id or new_operation_id()
        if device is not None and request.chip_access is not None:
            reader_id = device.device_id
        else:  # MRZ only: the device the MRZ came from, if any
            reader_id = request.mrz_device_id or request.document_reader_id
        reporting = progress is not ignore_progress
        if reporting:
            progress(Started(reader_id, operation_id))
        remaining = cancel.remaining()
        options = VerifyOptions(
            checks=request.checks,
            want_face_image=request.return_face_image,
            want_portrait=request.return_portrait,
            today=request.reference_date,
            wait_for_card_s=self.wait_for_card_s if remaining is None else max(0.0, min(self.wait_for_card_s,
                                                                                       remaining)),
            deadline_s=remaining,
        )
        chip = request.chip_access is not None and device is not None
        key = access_key(request.chip_access) if chip else None  # type: ignore[arg-type]
        transport = device.open_transport() if chip and device is not None else None
        try:
            page = request.page  # one touch: the desk's captures
            if page is None and request.page_image is not None:
                page = PageCapture(request.page_image, request.page_image_ir, request.page_image_uv)
            result = read_and_verify(transport, key, self.trust, options, printed_mrz=request.mrz,
                                     page=page, on_event=progress if reporting else None)
        except OperationCancelled:
            raise
        except ChipReadError as exc:
            cancel.raise_if_cancelled()  # a read stopped by the deadline is DEADLINE_EXCEEDED, not a chip error
            raise chip_error(exc) from None
        except TransportError as exc:
            cancel.raise_if_cancelled()
            raise device_error(exc) from None
        except MRZError:
            raise ServiceError(ErrorKind.INVALID_ARGUMENT, "MRZ_INVALID", "the printed MRZ cannot be parsed",
                               [FieldViolation("mrz", "not an MRZ")]) from None
        except ImageError as exc:
            raise ServiceError(ErrorKind.INVALID_ARGUMENT, "IMAGE_INVALID", str(exc),
                               [FieldViolation(_image_field(str(exc)), exc.code)]) from None
        except PageUnreadableError as exc:
            codes = ",".join(w.code for w in exc.page.warnings if w.severity == "reject") or exc.page.status
            raise ServiceError(ErrorKind.FAILED_PRECONDITION, "PAGE_UNREADABLE", str(exc),
                               metadata={"page_status": exc.page.status, "quality": codes[:200]}) from None
        except AccessKeyError:
            raise ServiceError(ErrorKind.FAILED_PRECONDITION, "ACCESS_KEY_INVALID",
                               "the printed MRZ gives no chip access key") from None
        finally:
            if transport is not None:
                transport.disconnect()
        result.operation_id, result.reader_id = operation_id, reader_id
        if transport is not None:
            result.timings.phases["queued"] = max(0.0, queued_s)
        if request.mrz_device_id:
            result.timings.phases["device_mrz"] = request.mrz_wait_s
        if request.document_reader_id:  # one touch: the wait for the document, then the captures
            result.timings.phases["document_wait"] = request.document_wait_s
            result.timings.phases["capture"] = request.capture_s
        result.timings.total_s = time.monotonic() - started_at
        return result


def new_operation_id() -> str:
    return uuid.uuid4().hex[:16]


def _image_field(message: str) -> str:
    """The request field an image error is about (the pipeline names the light in its message)."""
    if message.startswith("the IR page image"):
        return "page_image_ir"
    if message.startswith("the UV page image"):
        return "page_image_uv"
    return "page_image"
