"""SecurityInfos (BSI TR-03110 Part 3 A.1, Doc 9303 Part 11 9.2) for EF.CardAccess and DG14.

SecurityInfos ::= SET OF SecurityInfo; every SecurityInfo is a SEQUENCE starting with a protocol OID.
The SET is written in DER order (elements sorted by encoding) because real chips do and strict
parsers check it.
"""

from __future__ import annotations

from asn1crypto import core
from asn1crypto import keys as asn1_keys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from simulators.chip.tlv_build import encode_length

ID_PACE = "0.4.0.127.0.7.2.2.4"
ID_CA = "0.4.0.127.0.7.2.2.3"
ID_PK = "0.4.0.127.0.7.2.2.1"
ID_AA = "2.23.136.1.1.5"
ECDSA_PLAIN_SIGNATURES = "0.4.0.127.0.7.1.1.4.1"

_PACE_MAPPINGS = {"dh-gm": 1, "ecdh-gm": 2, "dh-im": 3, "ecdh-im": 4, "ecdh-cam": 6}
_CIPHERS = {"3des": 1, "aes-128": 2, "aes-192": 3, "aes-256": 4}
_CA_KEY_AGREEMENT = {"dh": 1, "ecdh": 2}

# Standardized domain parameter ids (TR-03110 Part 3 Table 4 / Doc 9303 Part 11 9.5.1).
PARAMETER_IDS = {
    "modp1024-160": 0, "modp2048-224": 1, "modp2048-256": 2,
    "p192": 8, "brainpoolP192r1": 9, "p224": 10, "brainpoolP224r1": 11, "p256": 12,
    "brainpoolP256r1": 13, "brainpoolP320r1": 14, "p384": 15, "brainpoolP384r1": 16,
    "brainpoolP512r1": 17, "p521": 18,
}
_ECDSA_PLAIN_HASH = {"sha1": 1, "sha224": 2, "sha256": 3, "sha384": 4, "sha512": 5}


def pace_oid(name: str) -> str:
    """'ecdh-gm-aes-128' -> 0.4.0.127.0.7.2.2.4.2.2. A dotted OID is passed through unchanged."""
    if name[0].isdigit():
        return name
    for mapping, m in _PACE_MAPPINGS.items():
        if name.startswith(mapping + "-"):
            cipher = name.removeprefix(mapping + "-")
            if cipher in _CIPHERS and not (mapping == "ecdh-cam" and cipher == "3des"):
                return f"{ID_PACE}.{m}.{_CIPHERS[cipher]}"
    raise ValueError(f"unknown PACE protocol {name!r}")


def ca_oid(name: str) -> str:
    """'ecdh-aes-128' -> id-CA-ECDH-AES-CBC-CMAC-128 (0.4.0.127.0.7.2.2.3.2.2)."""
    if name[0].isdigit():
        return name
    agreement, _, cipher = name.partition("-")
    if agreement not in _CA_KEY_AGREEMENT or cipher not in _CIPHERS:
        raise ValueError(f"unknown chip authentication protocol {name!r}")
    return f"{ID_CA}.{_CA_KEY_AGREEMENT[agreement]}.{_CIPHERS[cipher]}"


def parameter_id(value: int | str) -> int:
    if isinstance(value, int):
        return value
    try:
        return PARAMETER_IDS[value]
    except KeyError:
        raise ValueError(f"unknown PACE domain parameter {value!r}") from None


class PACEInfo(core.Sequence):
    _fields = [  # noqa: RUF012 - asn1crypto declares structure as class attributes
        ("protocol", core.ObjectIdentifier),
        ("version", core.Integer),
        ("parameter_id", core.Integer, {"optional": True}),
    ]


class ChipAuthenticationInfo(core.Sequence):
    _fields = [  # noqa: RUF012
        ("protocol", core.ObjectIdentifier),
        ("version", core.Integer),
        ("key_id", core.Integer, {"optional": True}),
    ]


class ChipAuthenticationPublicKeyInfo(core.Sequence):
    _fields = [  # noqa: RUF012
        ("protocol", core.ObjectIdentifier),
        ("chip_authentication_public_key", asn1_keys.PublicKeyInfo),
        ("key_id", core.Integer, {"optional": True}),
    ]


class ActiveAuthenticationInfo(core.Sequence):
    _fields = [  # noqa: RUF012
        ("protocol", core.ObjectIdentifier),
        ("version", core.Integer),
        ("signature_algorithm", core.ObjectIdentifier),
    ]


def der_set_of(elements: list[bytes]) -> bytes:
    """DER SET OF: tag 0x31 and the elements sorted by their encodings."""
    body = b"".join(sorted(elements))
    return b"\x31" + encode_length(len(body)) + body


def pace_info(protocol: str, param_id: int | str | None, version: int = 2) -> bytes:
    fields: dict[str, object] = {"protocol": pace_oid(protocol), "version": version}
    if param_id is not None:
        fields["parameter_id"] = parameter_id(param_id)
    return PACEInfo(fields).dump()


def spki_der(public_key, explicit: bool = False) -> bytes:
    """SubjectPublicKeyInfo DER. `explicit=True` spells an EC curve out (X9.62 specifiedCurve) the way
    many real DG14/DG15 keys do, instead of naming it by OID; RSA keys are unaffected."""
    named = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if not explicit or not isinstance(public_key, ec.EllipticCurvePublicKey):
        return named
    from simulators.chip.card_ec import STANDARD_CURVES

    param_id = _PARAM_ID_BY_CURVE.get(public_key.curve.name)
    if param_id not in STANDARD_CURVES:
        raise ValueError(f"no explicit parameters known for curve {public_key.curve.name}")
    c = STANDARD_CURVES[param_id]
    size = c.size
    domain = asn1_keys.SpecifiedECDomain({
        "version": "ecdpVer1",
        "field_id": {"field_type": "prime_field", "parameters": core.Integer(c.p)},
        "curve": {"a": c.a.to_bytes(size, "big"), "b": c.b.to_bytes(size, "big")},
        "base": b"\x04" + c.gx.to_bytes(size, "big") + c.gy.to_bytes(size, "big"),
        "order": c.n,
        "cofactor": 1,
    })
    point = public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return asn1_keys.PublicKeyInfo({
        "algorithm": {"algorithm": "ec", "parameters": asn1_keys.ECDomainParameters("specified", domain)},
        "public_key": point,
    }).dump()


# cryptography curve names -> standardized domain parameter id (for the explicit parameters table).
_PARAM_ID_BY_CURVE = {"secp256r1": 12, "brainpoolP256r1": 13, "secp384r1": 15, "brainpoolP384r1": 16}


def chip_authentication_infos(protocol: str, public_key, key_id: int | None = None,
                              explicit: bool = False) -> list[bytes]:
    """ChipAuthenticationInfo + ChipAuthenticationPublicKeyInfo for one CA key (ECDH or DH)."""
    oid = ca_oid(protocol)
    agreement = oid.split(".")[-2]  # "1" DH, "2" ECDH
    info: dict[str, object] = {"protocol": oid, "version": 1}
    pk: dict[str, object] = {
        "protocol": f"{ID_PK}.{agreement}",
        "chip_authentication_public_key": asn1_keys.PublicKeyInfo.load(spki_der(public_key, explicit)),
    }
    if key_id is not None:
        info["key_id"] = key_id
        pk["key_id"] = key_id
    return [ChipAuthenticationInfo(info).dump(), ChipAuthenticationPublicKeyInfo(pk).dump()]


def active_authentication_info(hash_name: str = "sha256") -> bytes:
    """Needed in DG14 when AA uses ECDSA, so the terminal knows the hash (Doc 9303 Part 11 6.1)."""
    return ActiveAuthenticationInfo({
        "protocol": ID_AA, "version": 1,
        "signature_algorithm": f"{ECDSA_PLAIN_SIGNATURES}.{_ECDSA_PLAIN_HASH[hash_name]}",
    }).dump()
