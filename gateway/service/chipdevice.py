"""A PC/SC reader as the verifier's `ChipDevice`, and PC/SC errors as service errors.

Connecting happens in the worker thread (pyscard blocks); the transport handed to the chip engine is
cancel-aware, so a client's deadline stops the read at the next APDU.
"""

from __future__ import annotations

from gateway.drivers.pcsc import (
    CardRemovedError,
    CardResetError,
    NoCardError,
    PcscConnection,
    PcscError,
    ReaderUnavailableError,
)

from .cancel import CancellableTransport, CancelToken
from .errors import ErrorKind, ServiceError


def device_error(exc: PcscError) -> ServiceError:
    """The service error a caller should see for a driver error (messages name readers, never data)."""
    if isinstance(exc, NoCardError):
        return ServiceError(ErrorKind.FAILED_PRECONDITION, "NO_DOCUMENT", "no document on the reader")
    if isinstance(exc, CardRemovedError):
        return ServiceError(ErrorKind.FAILED_PRECONDITION, "DOCUMENT_REMOVED",
                            "the document was removed during the operation; put it back and try again")
    if isinstance(exc, CardResetError):
        return ServiceError(ErrorKind.FAILED_PRECONDITION, "DOCUMENT_RESET", "the chip was reset; try again")
    if isinstance(exc, ReaderUnavailableError):
        return ServiceError(ErrorKind.FAILED_PRECONDITION, "DEVICE_UNAVAILABLE", "the reader is not available")
    return ServiceError(ErrorKind.FAILED_PRECONDITION, "CHIP_COMMUNICATION", "the chip did not answer properly")


class PcscChipDevice:
    """One reader for one operation."""

    def __init__(self, device_id: str, reader_name: str, cancel: CancelToken) -> None:
        self.device_id = device_id
        self.reader_name = reader_name
        self._cancel = cancel

    def open_transport(self) -> CancellableTransport:
        self._cancel.raise_if_cancelled()
        try:
            connection = PcscConnection(self.reader_name).connect()
        except PcscError as exc:
            raise device_error(exc) from None
        return CancellableTransport(connection, self._cancel)
