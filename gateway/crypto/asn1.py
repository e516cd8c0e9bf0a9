"""Generic ASN.1 (DER) shapes of keys and domain parameters, defined with asn1crypto: the
AlgorithmIdentifier and SubjectPublicKeyInfo that chips and certificates share, X9.62 explicit EC
parameters and X9.42 DH parameters. Kept generic on purpose: chips use algorithms X.509 libraries
do not know (BSI standardizedDomainParameters), so nothing here interprets the algorithm.
"""

from __future__ import annotations

from asn1crypto import core


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

