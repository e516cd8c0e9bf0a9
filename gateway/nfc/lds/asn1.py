"""ASN.1 (DER) types of Doc 9303 Part 10/11 and BSI TR-03110 Part 3, defined with asn1crypto.

Defined here rather than borrowed from a library so that each field is exactly the one the
standard names; optional fields stay optional so that real chips (which omit them freely) parse.
"""

from __future__ import annotations

from asn1crypto import core

from gateway.crypto.asn1 import AlgorithmIdentifier, SubjectPublicKeyInfo


class PACEInfo(core.Sequence):
    _fields = [  # noqa: RUF012
        ("protocol", core.ObjectIdentifier),
        ("version", core.Integer),
        ("parameter_id", core.Integer, {"optional": True}),
    ]


class PACEDomainParameterInfo(core.Sequence):
    _fields = [  # noqa: RUF012
        ("protocol", core.ObjectIdentifier),
        ("domain_parameter", AlgorithmIdentifier),
        ("parameter_id", core.Integer, {"optional": True}),
    ]


class ChipAuthenticationInfo(core.Sequence):
    _fields = [  # noqa: RUF012
        ("protocol", core.ObjectIdentifier),
        ("version", core.Integer),
        ("key_id", core.Integer, {"optional": True}),
    ]


class ChipAuthenticationDomainParameterInfo(core.Sequence):
    _fields = [  # noqa: RUF012
        ("protocol", core.ObjectIdentifier),
        ("domain_parameter", AlgorithmIdentifier),
        ("key_id", core.Integer, {"optional": True}),
    ]


class ChipAuthenticationPublicKeyInfo(core.Sequence):
    _fields = [  # noqa: RUF012
        ("protocol", core.ObjectIdentifier),
        ("chip_authentication_public_key", SubjectPublicKeyInfo),
        ("key_id", core.Integer, {"optional": True}),
    ]


class FileID(core.Sequence):
    _fields = [  # noqa: RUF012
        ("fid", core.OctetString),
        ("sfid", core.OctetString, {"optional": True}),
    ]


class TerminalAuthenticationInfo(core.Sequence):
    _fields = [  # noqa: RUF012
        ("protocol", core.ObjectIdentifier),
        ("version", core.Integer),
        ("ef_cvca", FileID, {"optional": True}),
    ]


class ActiveAuthenticationInfo(core.Sequence):
    _fields = [  # noqa: RUF012
        ("protocol", core.ObjectIdentifier),
        ("version", core.Integer),
        ("signature_algorithm", core.ObjectIdentifier),
    ]


class DataGroupHash(core.Sequence):
    _fields = [  # noqa: RUF012
        ("data_group_number", core.Integer),
        ("data_group_hash_value", core.OctetString),
    ]


class DataGroupHashValues(core.SequenceOf):
    _child_spec = DataGroupHash


class LDSVersionInfo(core.Sequence):
    _fields = [  # noqa: RUF012
        ("lds_version", core.PrintableString),
        ("unicode_version", core.PrintableString),
    ]


class LDSSecurityObject(core.Sequence):
    _fields = [  # noqa: RUF012
        ("version", core.Integer),
        ("hash_algorithm", AlgorithmIdentifier),
        ("data_group_hash_values", DataGroupHashValues),
        ("lds_version_info", LDSVersionInfo, {"optional": True}),
    ]
