"""EF.CardSecurity (BSI TR-03110 Part 3, Doc 9303 Part 11 §9.2.5): the chip's SecurityInfos signed by
the document signer — what PACE-CAM and chip authentication's keys are proven against. A bare CMS
ContentInfo (no outer LDS tag) in the master file, read after PACE."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.crypto import oids
from gateway.crypto.cms import SignedData, parse_signed_data
from gateway.nfc.lds.errors import LDSError, guard, outer_object
from gateway.nfc.lds.security_infos import SecurityInfos, parse_security_infos_der
from gateway.nfc.lds.sod import EMPTY, NO_CERTIFICATE, UNSIGNED


@dataclass(frozen=True, slots=True)
class CardSecurity:
    signed_data: SignedData
    security_infos: SecurityInfos | None
    problems: tuple[str, ...]


@guard("EF.CardSecurity")
def parse_card_security(data: bytes) -> CardSecurity:
    """EF.CardSecurity: a bare ContentInfo whose eContent (id-SecurityObject) is SecurityInfos."""
    outer = outer_object(data, 0x30, "EF.CardSecurity", allow_trailing=True)
    sd = parse_signed_data(bytes(data[: outer.end]), "EF.CardSecurity")
    if sd.content_type != oids.ID_SECURITY_OBJECT:
        raise LDSError(f"EF.CardSecurity: eContentType {sd.content_type} is not id-SecurityObject")
    problems = [UNSIGNED] if not sd.signer_infos else []
    infos = None
    if sd.econtent is None:
        problems.append(EMPTY)
    else:
        infos = parse_security_infos_der(sd.econtent, "EF.CardSecurity")
    if not sd.certificates:
        problems.append(NO_CERTIFICATE)
    return CardSecurity(sd, infos, tuple(problems))


__all__ = ["CardSecurity", "parse_card_security"]
