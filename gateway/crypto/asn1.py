"""Generic ASN.1 (DER) shapes of keys and domain parameters, defined with asn1crypto: the
AlgorithmIdentifier and SubjectPublicKeyInfo that chips and certificates share, X9.62 explicit EC
parameters and X9.42 DH parameters. Kept generic on purpose: chips use algorithms X.509 libraries
do not know (BSI standardizedDomainParameters), so nothing here interprets the algorithm.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from asn1crypto import core

from gateway.crypto.errors import CryptoError, DecodeError, LimitError
from gateway.limits import MAX_TLV_DEPTH

#: What asn1crypto raises on hostile DER. It has no exception type of its own, and it parses lazily,
#: so these surface on first access to a field, long after `load()` returned.
ASN1_FAILURES = (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError, RecursionError)


def check_depth(data: bytes, what: str, limit: int = MAX_TLV_DEPTH) -> None:
    """Refuse DER/BER nested deeper than `limit` constructed levels, before asn1crypto sees it.

    asn1crypto follows definite-length nesting recursively when it converts to native values or
    prints names (10,000 nested SEQUENCEs in 40 KB end in RecursionError, which no caller expects).
    This walk is iterative, reads only headers and visits every TLV once; it does not judge
    anything else (a truncated object simply ends the walk: the real parser reports that)."""
    data = bytes(data)
    stack: list[int] = []  # end offsets of the open constructed objects (-1: indefinite length)
    pos, size = 0, len(data)
    while pos < size:
        while stack and stack[-1] != -1 and pos >= stack[-1]:
            stack.pop()
        if pos + 2 <= size and data[pos] == 0 and data[pos + 1] == 0 and stack and stack[-1] == -1:
            stack.pop()  # end-of-contents of an indefinite-length object
            pos += 2
            continue
        first = data[pos]
        pos += 1
        if first & 0x1F == 0x1F:
            while pos < size and data[pos] & 0x80:
                pos += 1
            pos += 1
        if pos >= size:
            return
        lead = data[pos]
        pos += 1
        if lead == 0x80:
            length = -1
        elif lead > 0x80:
            n = lead & 0x7F
            length = int.from_bytes(data[pos : pos + n], "big")
            pos += n
        else:
            length = lead
        if first & 0x20:  # constructed: go inside
            stack.append(-1 if length < 0 else pos + length)
            if len(stack) > limit:
                raise LimitError(f"{what}: ASN.1 nested deeper than {limit} levels")
        elif length >= 0:
            pos += length
        else:
            return  # indefinite primitive: malformed, the parser will say so


@contextlib.contextmanager
def decoding(what: str) -> Iterator[None]:
    """Turn any failure asn1crypto raises inside the block into a DecodeError naming `what`."""
    try:
        yield
    except CryptoError:
        raise
    except ASN1_FAILURES as exc:
        raise DecodeError(f"{what} is malformed ({type(exc).__name__})") from None


def der_length(n: int) -> bytes:
    """DER length octets of a value of n bytes."""
    if n < 0x80:
        return bytes((n,))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(body),)) + body


class AlgorithmIdentifier(core.Sequence):
    _fields = [  # noqa: RUF012 - asn1crypto's declaration style
        ("algorithm", core.ObjectIdentifier),
        ("parameters", core.Any, {"optional": True}),
    ]

class SubjectPublicKeyInfo(core.Sequence):
    """Kept generic: chips use algorithms X.509 libraries do not know (standardizedDomainParameters)."""

    _fields = [  # noqa: RUF012
        ("algorithm", AlgorithmIdentifier),
        ("subject_public_key", core.BitString),
    ]

class FieldID(core.Sequence):
    _fields = [("field_type", core.ObjectIdentifier), ("parameters", core.Any)]  # noqa: RUF012

class ECCurve(core.Sequence):
    _fields = [  # noqa: RUF012
        ("a", core.OctetString),
        ("b", core.OctetString),
        ("seed", core.BitString, {"optional": True}),
    ]

class SpecifiedECDomain(core.Sequence):
    """X9.62 explicit EC parameters, as many DG14 and EF.CardSecurity keys carry them."""

    _fields = [  # noqa: RUF012
        ("version", core.Integer),
        ("field_id", FieldID),
        ("curve", ECCurve),
        ("base", core.OctetString),
        ("order", core.Integer),
        ("cofactor", core.Integer, {"optional": True}),
    ]

class DHDomainParameters(core.Sequence):
    """X9.42 DomainParameters (dhpublicnumber)."""

    _fields = [  # noqa: RUF012
        ("p", core.Integer),
        ("g", core.Integer),
        ("q", core.Integer, {"optional": True}),
        ("j", core.Integer, {"optional": True}),
        ("validation_params", core.Any, {"optional": True}),
    ]

