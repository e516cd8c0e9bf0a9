"""A PC/SC reader as the verifier's `ChipDevice`, and PC/SC errors as service errors.

Connecting happens in the worker thread (pyscard blocks); the transport handed to the chip engine is
cancel-aware, so a client's deadline stops the read at the next APDU.
"""

from __future__ import annotations

import time

from gateway.drivers.pcsc import PcscConnection
from gateway.transport import (
    CardRemovedError,
    CardResetError,
    NoCardError,
    ReaderBusyError,
    ReaderUnavailableError,
    TransportError,
)

from .cancel import CancellableTransport, CancelToken
from .errors import ErrorKind, ServiceError


def device_error(exc: TransportError) -> ServiceError:
    """The service error a caller should see for a driver error (messages name readers, never data)."""
    if isinstance(exc, NoCardError):
        return ServiceError(ErrorKind.FAILED_PRECONDITION, "NO_DOCUMENT", "no document on the reader")
    if isinstance(exc, CardRemovedError):
        return ServiceError(ErrorKind.FAILED_PRECONDITION, "DOCUMENT_REMOVED",
                            "the document was removed during the operation; put it back and try again")
    if isinstance(exc, CardResetError):
        return ServiceError(ErrorKind.FAILED_PRECONDITION, "DOCUMENT_RESET", "the chip was reset; try again")
    if isinstance(exc, ReaderBusyError):
        return ServiceError(ErrorKind.FAILED_PRECONDITION, "DEVICE_IN_USE",
                            "another application is using the reader; try again when it is done")
    if isinstance(exc, ReaderUnavailableError):
        return ServiceError(ErrorKind.FAILED_PRECONDITION, "DEVICE_UNAVAILABLE", "the reader is not available")
    return ServiceError(ErrorKind.FAILED_PRECONDITION, "CHIP_COMMUNICATION", "the chip did not answer properly")


#: How long to wait for another application to let go of the reader before giving up.
SHARING_WAIT_S = 2.0


class PcscChipDevice:
    """One reader for one operation, connected EXCLUSIVELY: another application's APDUs in the middle
    of a secure-messaging session would break it (or worse, be answered with our session's keys)."""

    def __init__(self, device_id: str, reader_name: str, cancel: CancelToken) -> None:
        self.device_id = device_id
        self.reader_name = reader_name
        self._cancel = cancel

    def open_transport(self) -> CancellableTransport:
        deadline = time.monotonic() + SHARING_WAIT_S
        while True:
            self._cancel.raise_if_cancelled()
            try:
                connection = PcscConnection(self.reader_name, exclusive=True).connect()
            except ReaderBusyError as exc:
                if time.monotonic() < deadline:
                    self._cancel.wait(0.1)
                    continue
                raise device_error(exc) from None
            except TransportError as exc:
                raise device_error(exc) from None
            return CancellableTransport(connection, self._cancel)
