"""DG15 (Doc 9303 Part 10 §4.7.15): the active authentication public key (RSA or EC)."""

from __future__ import annotations

from gateway.crypto.public_key import PublicKeyInfo, parse_spki_der
from gateway.nfc.lds.errors import guard, outer_object


@guard("DG15")
def parse_dg15(data: bytes) -> PublicKeyInfo:
    outer = outer_object(data, 0x6F, "DG15")
    return parse_spki_der(outer.value)
