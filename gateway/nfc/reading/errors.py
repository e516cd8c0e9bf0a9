"""Why a chip read ended without a result. Each message is one line for the user and carries no
personal data; the class says what the caller can do (check the key, put the card back, …)."""

from __future__ import annotations

from gateway.nfc.status import ChipError


class ChipReadError(ChipError):
    """A chip read failed."""

    reason = "CHIP_ERROR"


class AccessDeniedError(ChipReadError):
    """The chip refused the access key (wrong MRZ data or CAN)."""

    reason = "ACCESS_DENIED"


class AccessNotPossibleError(ChipReadError):
    """No access protocol both sides support with the key given (e.g. a CAN on a BAC-only chip)."""

    reason = "ACCESS_NOT_POSSIBLE"


class UntrustedSessionError(ChipReadError):
    """A response failed secure-messaging verification: nothing read in this session can be trusted."""

    reason = "SM_FAILURE"


class CardLostError(ChipReadError):
    """The card left (or stopped answering) and did not come back in time."""

    reason = "DOCUMENT_REMOVED"

    def __init__(self, message: str, file: str | None = None, offset: int | None = None) -> None:
        super().__init__(message)
        self.file = file
        self.offset = offset


class ChipDataError(ChipReadError):
    """The chip answered in a way a conforming eMRTD does not (unexpected status, malformed header)."""

    reason = "CHIP_ERROR"


class ChipMisbehavesError(ChipReadError):
    """The chip made the read exceed one of `gateway.limits`' budgets (too many APDUs, a retry loop,
    a file larger than any genuine one): a broken or hostile chip. `budget` names the limit."""

    reason = "CHIP_MISBEHAVES"

    def __init__(self, message: str, budget: str) -> None:
        super().__init__(message)
        self.budget = budget


class ReadDeadlineError(ChipReadError):
    """The read did not finish within its deadline."""

    reason = "DEADLINE_EXCEEDED"


__all__ = [
    "AccessDeniedError",
    "AccessNotPossibleError",
    "CardLostError",
    "ChipDataError",
    "ChipMisbehavesError",
    "ChipReadError",
    "ReadDeadlineError",
    "UntrustedSessionError",
]
