"""Errors of the LDS parsers, and the one place where foreign exceptions become `LDSError`.

Chip data is hostile input: whatever a parser meets (bad TLV, bad DER, bad text encoding, a key
`cryptography` refuses) must surface as an `LDSError` the reader can report, never as a stray
exception from a library. Messages name the file, the structure and the position — never the
values, because the values are personal data (names, MRZ, face image).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from cryptography.exceptions import UnsupportedAlgorithm

from gateway.crypto.asn1 import ASN1_FAILURES
from gateway.crypto.errors import DecodeError, UnsupportedError
from gateway.nfc.tlv import TLV, TLVError, check_depth, parse_one

P = ParamSpec("P")
R = TypeVar("R")


class LDSError(DecodeError):
    """A file of the chip's Logical Data Structure is malformed, truncated or unsupported."""


class LDSTagError(LDSError):
    """The file or a data object inside it carries a tag other than the one the structure requires."""


class LDSUnsupportedError(LDSError, UnsupportedError):
    """Well-formed, but uses an encoding or algorithm this reader does not handle."""


# Quoted strings, bytes literals and long hex runs may echo input values; strip them from library
# messages before they travel in an LDSError (logs must never see personal data).
_ECHO = re.compile(r"b?'[^']*'|b?\"[^\"]*\"|\b[0-9A-Fa-f]{8,}\b")


def describe(exc: BaseException) -> str:
    """A library exception as a short message without any echoed input values."""
    text = " ".join(_ECHO.sub("…", str(exc)).split()) or "no detail"
    if len(text) > 160:
        text = text[:157] + "..."
    return f"{type(exc).__name__}: {text}"


_LABELLED = re.compile(r"(EF\.\w+|DG\d+|SecurityInfos)\b")
# asn1crypto fails lazily with any of ASN1_FAILURES (AttributeError included: a value of the wrong
# universal type in a CHOICE, found by fuzzing the same code path through the PKI).
_FOREIGN = (TLVError, *ASN1_FAILURES, UnsupportedAlgorithm)


def guard(what: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Turn every foreign parse failure inside the decorated parser into an `LDSError`."""

    def wrap(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def inner(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return fn(*args, **kwargs)
            except LDSError as exc:
                if not _LABELLED.match(str(exc)):  # say which file a nested failure belongs to
                    exc.args = (f"{what}: {exc}", *exc.args[1:])
                raise
            except UnsupportedError as exc:  # the crypto layer's own messages carry no input values
                raise LDSUnsupportedError(f"{what}: {exc}") from None
            except DecodeError as exc:
                raise LDSError(f"{what}: {exc}") from None
            except _FOREIGN as exc:
                raise LDSError(f"{what}: {describe(exc)}") from None

        return inner

    return wrap


def outer_object(data: bytes, tag: int, what: str, *, allow_trailing: bool = False) -> TLV:
    """The file's single outer data object, checked for the expected tag and for nesting no deeper
    than `gateway.limits.MAX_TLV_DEPTH` (so no parser or library below can be driven into deep recursion).

    Non-zero trailing bytes are refused by default: the reader reads exactly `total_length`
    bytes, so extra data means a wrong size or a spliced file (and the SOD hash is over the exact
    bytes). Zero padding is tolerated; `allow_trailing` tolerates anything (EF.CardAccess).
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise LDSError(f"{what}: expected bytes, got {type(data).__name__}")
    data = bytes(data)
    if not data:
        raise LDSError(f"{what}: file is empty")
    try:
        obj = parse_one(data, 0)
        check_depth(data[: obj.end])
    except TLVError as exc:
        raise LDSError(f"{what}: {exc}") from None
    if obj.tag != tag:
        raise LDSTagError(f"{what}: outer tag is {obj.tag:X}, expected {tag:X}")
    if obj.end != len(data) and not allow_trailing and any(data[obj.end :]):
        raise LDSError(f"{what}: {len(data) - obj.end} bytes after the outer object")
    return obj
