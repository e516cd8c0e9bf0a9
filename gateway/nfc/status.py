"""ISO/IEC 7816-4 status words as typed, readable errors.

A reader's strategy depends on *why* a card refused a command (shrink the block size on a length
refusal, re-authenticate on a security refusal, skip a missing file), so every error status word
maps to an exception class grouped by what the caller can do about it. Messages describe the
status only; they never carry command or response data, which may be personal data.
"""

from __future__ import annotations


class ChipError(Exception):
    """Root of everything the chip protocol layer raises on purpose."""


class ProtocolError(ChipError):
    """The chip's answer does not follow the protocol (malformed, unexpected, unverifiable)."""


class CardError(ChipError):
    """The card answered with a status word other than success."""

    def __init__(self, sw: int, message: str | None = None) -> None:
        self.sw = sw
        self.message = message or status_message(sw)
        super().__init__(f"card status {sw:04X}: {self.message}")

    @property
    def sw1(self) -> int:
        return self.sw >> 8

    @property
    def sw2(self) -> int:
        return self.sw & 0xFF


# --- groups: what can the caller do about it -------------------------------------------------


class LengthRefused(CardError):
    """The card refused the length asked for or given; retry with a smaller block / other Le."""


class SecurityError(CardError):
    """Access rights, authentication or secure messaging problem: the session may be gone."""


class NotFound(CardError):
    """The file, record or reference does not exist on this card."""


class NotSupported(CardError):
    """The card does not implement the command, class or parameters."""


# --- individual status words ----------------------------------------------------------------


class EndOfFileReached(LengthRefused):
    """6282: fewer bytes than Le were available; the data returned is still valid."""


class WrongLength(LengthRefused):
    """6700: Lc or Le not accepted (e.g. extended length or Le=256 refused)."""


class WrongLe(LengthRefused):
    """6Cxx: wrong Le; SW2 is the exact number of bytes available."""

    @property
    def available(self) -> int:
        return self.sw2 or 256


class OffsetOutOfRange(LengthRefused):
    """6B00: wrong P1/P2, for READ BINARY the offset is beyond the end of the file."""


class AuthenticationFailed(SecurityError):
    """6300 / 63Cx: verification or authentication failed (63Cx: x tries left)."""

    @property
    def retries_left(self) -> int | None:
        return self.sw2 & 0x0F if self.sw2 & 0xF0 == 0xC0 else None


class SecurityStatusNotSatisfied(SecurityError):
    """6982: access needs authentication or secure messaging that is not in place."""


class AuthenticationBlocked(SecurityError):
    """6983: authentication method blocked."""


class ReferenceDataNotUsable(SecurityError):
    """6984: reference data not usable (e.g. PACE password suspended or deactivated)."""


class ConditionsNotSatisfied(SecurityError):
    """6985: conditions of use not satisfied (e.g. wrong command order in a protocol)."""


class SMObjectsMissing(SecurityError):
    """6987: expected secure messaging data objects missing; the chip ended the session."""


class SMObjectsIncorrect(SecurityError):
    """6988: secure messaging data objects incorrect (MAC or cryptogram); the chip ended the session."""


class CommandNotAllowed(CardError):
    """6986 and other 69xx: command not allowed in the current state."""


class WrongData(CardError):
    """6A80: incorrect parameters in the command data field."""


class FileNotFound(NotFound):
    """6A82: file or application not found."""


class RecordNotFound(NotFound):
    """6A83: record not found."""


class ReferencedDataNotFound(NotFound):
    """6A88: referenced data (e.g. a key or domain parameter) not found."""


class FunctionNotSupported(NotSupported):
    """6A81: function not supported."""


class IncorrectP1P2(NotSupported):
    """6A86: incorrect parameters P1-P2."""


class InsNotSupported(NotSupported):
    """6D00: instruction code not supported."""


class ClaNotSupported(NotSupported):
    """6E00: class not supported (e.g. command chaining or SM class refused)."""


class NoPreciseDiagnosis(CardError):
    """6F00 and unknown status words."""


_EXACT: dict[int, tuple[type[CardError], str]] = {
    0x6282: (EndOfFileReached, "end of file reached before reading Le bytes"),
    0x6283: (CommandNotAllowed, "selected file deactivated"),
    0x6300: (AuthenticationFailed, "authentication failed"),
    0x6581: (CommandNotAllowed, "memory failure"),
    0x6700: (WrongLength, "wrong length"),
    0x6881: (ClaNotSupported, "logical channel not supported"),
    0x6882: (ClaNotSupported, "secure messaging not supported"),
    0x6883: (ClaNotSupported, "last command of the chain expected"),
    0x6884: (ClaNotSupported, "command chaining not supported"),
    0x6982: (SecurityStatusNotSatisfied, "security status not satisfied"),
    0x6983: (AuthenticationBlocked, "authentication method blocked"),
    0x6984: (ReferenceDataNotUsable, "reference data not usable"),
    0x6985: (ConditionsNotSatisfied, "conditions of use not satisfied"),
    0x6986: (CommandNotAllowed, "command not allowed (no current EF)"),
    0x6987: (SMObjectsMissing, "expected secure messaging data objects missing"),
    0x6988: (SMObjectsIncorrect, "secure messaging data objects incorrect"),
    0x6A80: (WrongData, "incorrect parameters in the data field"),
    0x6A81: (FunctionNotSupported, "function not supported"),
    0x6A82: (FileNotFound, "file or application not found"),
    0x6A83: (RecordNotFound, "record not found"),
    0x6A84: (CardError, "not enough memory space in the file"),
    0x6A86: (IncorrectP1P2, "incorrect parameters P1-P2"),
    0x6A87: (WrongLength, "Lc inconsistent with P1-P2"),
    0x6A88: (ReferencedDataNotFound, "referenced data not found"),
    0x6B00: (OffsetOutOfRange, "wrong parameters P1-P2 (offset outside the file)"),
    0x6D00: (InsNotSupported, "instruction code not supported"),
    0x6E00: (ClaNotSupported, "class not supported"),
    0x6F00: (NoPreciseDiagnosis, "no precise diagnosis"),
}


def is_success(sw: int) -> bool:
    return sw == 0x9000


def status_message(sw: int) -> str:
    """Human-readable meaning of a status word (no data, only the code's meaning)."""
    if sw in _EXACT:
        return _EXACT[sw][1]
    sw1, sw2 = sw >> 8, sw & 0xFF
    if sw == 0x9000:
        return "success"
    if sw1 == 0x61:
        return f"{sw2 or 256} more response bytes available"
    if sw1 == 0x63 and sw2 & 0xF0 == 0xC0:
        return f"authentication failed, {sw2 & 0x0F} tries left"
    if sw1 == 0x6C:
        return f"wrong Le, {sw2 or 256} bytes available"
    if sw1 == 0x62:
        return "warning: state of non-volatile memory unchanged"
    if sw1 == 0x63:
        return "warning: state of non-volatile memory changed"
    if sw1 == 0x64:
        return "execution error, memory unchanged"
    if sw1 == 0x65:
        return "execution error, memory changed"
    if sw1 == 0x69:
        return "command not allowed"
    if sw1 == 0x6A:
        return "wrong parameters"
    return "unknown status"


def error_for(sw: int) -> CardError | None:
    """The exception for a status word, or None for success (9000)."""
    if sw == 0x9000:
        return None
    if sw in _EXACT:
        cls, msg = _EXACT[sw]
        return cls(sw, msg)
    sw1, sw2 = sw >> 8, sw & 0xFF
    if sw1 == 0x63 and sw2 & 0xF0 == 0xC0:
        return AuthenticationFailed(sw)
    if sw1 == 0x6C:
        return WrongLe(sw)
    if sw1 == 0x69:
        return CommandNotAllowed(sw)
    if sw1 == 0x6A:
        return WrongData(sw)
    return NoPreciseDiagnosis(sw)


def check(sw: int, *, allow_end_of_file: bool = False) -> None:
    """Raise the matching CardError unless the status is success (or 6282 when allowed:
    a READ BINARY past the end still returns the valid tail of the file)."""
    if allow_end_of_file and sw == 0x6282:
        return
    err = error_for(sw)
    if err is not None:
        raise err
