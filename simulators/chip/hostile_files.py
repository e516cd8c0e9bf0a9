"""Hostile files built from genuine ones, one field away from what an issuer signs, for the
`hostile-*` profiles and the fuzz regressions (`fuzz/issue10_inputs.py`): a face image that claims
32000 x 32000 pixels, an explicit EC curve of thousands of bits, and one-field edits of EF.SOD
(an empty BIT STRING, a negative INTEGER, an empty SET). Built with the simulator's own DER editor.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from asn1crypto import core
from asn1crypto import keys as asn1_keys

from simulators.chip import der_edit, lds_files

KEY_USAGE, SIGNING_TIME = "2.5.29.15", "1.2.840.113549.1.9.5"
RSASSA_PSS, RSA = "1.2.840.113549.1.1.10", "1.2.840.113549.1.1.1"


def certificate_node(root: der_edit.Node) -> der_edit.Node:
    return next(n for n in root.walk() if n.tag == b"\x30" and len(n.children or []) == 3
                and n.children[0].tag == b"\x30" and n.children[2].tag == b"\x03")


def rsa_key_node(root: der_edit.Node) -> der_edit.Node:
    spki = next(s.parent for s in der_edit.sequences_led_by(root, RSA)
                if s.parent is not None and (s.parent.children or [None, None])[1].tag == b"\x03")
    return spki.children[1].children[0]


def nested(levels: int) -> bytes:
    data = b"\x05\x00"
    for _ in range(levels):
        data = der_edit.tlv(b"\x30", data)
    return data


def jpeg_bomb() -> bytes:
    import cv2
    import numpy as np

    small = np.full((8, 8), 128, np.uint8)
    ok, buf = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 30])
    assert ok
    data = bytearray(buf.tobytes())
    sof = next(i for i in range(2, len(data) - 1) if data[i] == 0xFF and data[i + 1] in (0xC0, 0xC2))
    struct.pack_into(">HH", data, sof + 5, 32000, 32000)
    return bytes(data)


def explicit_ec_spki(bits: int) -> bytes:
    p = (1 << (bits - 1)) | 1
    size = (bits + 7) // 8
    domain = asn1_keys.SpecifiedECDomain({
        "version": "ecdpVer1",
        "field_id": {"field_type": "prime_field", "parameters": core.Integer(p)},
        "curve": {"a": (3).to_bytes(size, "big"), "b": (5).to_bytes(size, "big")},
        "base": b"\x04" + (1).to_bytes(size, "big") + (2).to_bytes(size, "big"),
        "order": p - 7,
        "cofactor": 1,
    })
    return asn1_keys.PublicKeyInfo({
        "algorithm": {"algorithm": "ec", "parameters": asn1_keys.ECDomainParameters("specified", domain)},
        "public_key": b"\x04" + (1).to_bytes(size, "big") + (2).to_bytes(size, "big"),
    }).dump()


def bomb_dg2() -> bytes:
    """A DG2 whose JPEG face claims 32000 x 32000 pixels in 400 bytes."""
    return lds_files.dg2(lds_files.facial_record(jpeg_bomb(), "jpeg", 480, 640, "F"))


def huge_curve_dg15(bits: int = 17_000) -> bytes:
    return der_edit.tlv(b"\x6f", explicit_ec_spki(bits))


#: One-field edits of a genuine EF.SOD: name -> change (the PSS/RSA ones need an RSASSA-PSS signed SOD).
SOD_EDITS: dict[str, Callable[[der_edit.Node], None]] = {
    "empty-key-usage": lambda r: der_edit.sequences_led_by(r, KEY_USAGE)[0].children[-1].replace(b"\x04\x02\x03\x00"),
    "empty-signature-value": lambda r: certificate_node(r).children[2].replace(b"\x03\x00"),
    "empty-signing-time": lambda r: der_edit.sequences_led_by(r, SIGNING_TIME)[0].children[1].replace(b"\x31\x00"),
    "negative-pss-salt": lambda r: next(n for n in der_edit.sequences_led_by(r, RSASSA_PSS)[-1].walk()
                                        if n.tag == b"\xa2").children[0].replace(b"\x02\x01\xff"),
    "negative-rsa-exponent": lambda r: rsa_key_node(r).children[1].replace(b"\x02\x01\xfd"),
}


def edit_sod(sod: bytes, edit: str) -> bytes:
    return der_edit.edit(sod, SOD_EDITS[edit])
