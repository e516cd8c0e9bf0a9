"""EF.CardAccess (Doc 9303 Part 11 §9.2.4, BSI TR-03110 Part 3): the SecurityInfos a chip shows before
any access control — which PACE variants (PACEInfo) and domain parameters it offers. A bare SET in
the master file, read unprotected by SFI 1C; chips often pad it to its allocated size."""

from __future__ import annotations

from gateway.nfc.lds.errors import guard, outer_object
from gateway.nfc.lds.security_infos import SecurityInfos, _parse


@guard("EF.CardAccess")
def parse_card_access(data: bytes) -> SecurityInfos:
    """EF.CardAccess: a bare SecurityInfos SET. Zero padding after it is tolerated (files are often
    read to their allocated size)."""
    outer = outer_object(data, 0x31, "EF.CardAccess", allow_trailing=True)
    return _parse(bytes(data[: outer.end]), "EF.CardAccess")


__all__ = ["parse_card_access"]
