"""DG14 (Doc 9303 Part 10 §4.7.14): SecurityInfos for chip authentication (and PACE/TA hints).
Same format as EF.CardAccess, but signed through the SOD — so this copy is the one to trust."""

from __future__ import annotations

from gateway.nfc.lds.errors import guard, outer_object
from gateway.nfc.lds.security_infos import SecurityInfos, parse_security_infos_der


@guard("DG14")
def parse_dg14(data: bytes) -> SecurityInfos:
    outer = outer_object(data, 0x6E, "DG14")
    return parse_security_infos_der(outer.value, "DG14")
