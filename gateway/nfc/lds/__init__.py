"""Parsers of the eMRTD Logical Data Structure (ICAO Doc 9303 Part 10, BSI TR-03110 Part 3).

Pure functions from bytes to frozen dataclasses; no I/O. Every malformed input raises `LDSError`
(or a subclass) with a message that names the structure and position but never the personal data.
Entry points: `parse_file(fid_or_name, data)` and `total_length(first_bytes)`; one `parse_*` per file.
"""

from __future__ import annotations

from gateway.crypto.cms import SignedData, SignerInfo
from gateway.crypto.ec_params import ECDomain, match_named_curve
from gateway.crypto.public_key import DHDomain, PublicKeyInfo, parse_spki_der
from gateway.nfc.lds.card_access import parse_card_access
from gateway.nfc.lds.card_security import CardSecurity, parse_card_security
from gateway.nfc.lds.com import EFCom, parse_com
from gateway.nfc.lds.dg1 import DG1, dg1_to_mrz_result, parse_dg1, split_mrz
from gateway.nfc.lds.dg2 import DG2, ISO19794_5, ISO39794_5, BiometricHeader, FaceImage, parse_dg2
from gateway.nfc.lds.dg11 import DG11, parse_dg11
from gateway.nfc.lds.dg12 import DG12, parse_dg12
from gateway.nfc.lds.dg14 import parse_dg14
from gateway.nfc.lds.dg15 import parse_dg15
from gateway.nfc.lds.dispatch import (
    HEADER_PROBE_LENGTH,
    LDSNeedMoreData,
    RawDataGroup,
    parse_file,
    total_length,
)
from gateway.nfc.lds.errors import LDSError, LDSTagError, LDSUnsupportedError
from gateway.nfc.lds.files import BY_DG, BY_FID, BY_NAME, BY_SFI, BY_TAG, FILES, LDSFile, lookup
from gateway.nfc.lds.image import JPEG, JPEG2000, DecodedImage, decode_image, detect_format
from gateway.nfc.lds.security_infos import (
    ActiveAuthenticationInfo,
    ChipAuthenticationDomainParameterInfo,
    ChipAuthenticationInfo,
    ChipAuthenticationPublicKeyInfo,
    DomainParameter,
    PACEDomainParameterInfo,
    PACEInfo,
    SecurityInfos,
    TerminalAuthenticationInfo,
    UnknownSecurityInfo,
    UnsupportedSecurityInfo,
    parse_security_infos_der,
)
from gateway.nfc.lds.sod import (
    EMPTY,
    NO_CERTIFICATE,
    SOD,
    UNSIGNED,
    LDSSecurityObject,
    parse_lds_security_object,
    parse_sod,
)

__all__ = [
    "BY_DG",
    "BY_FID",
    "BY_NAME",
    "BY_SFI",
    "BY_TAG",
    "DG1",
    "DG2",
    "DG11",
    "DG12",
    "EMPTY",
    "FILES",
    "HEADER_PROBE_LENGTH",
    "ISO19794_5",
    "ISO39794_5",
    "JPEG",
    "JPEG2000",
    "NO_CERTIFICATE",
    "SOD",
    "UNSIGNED",
    "ActiveAuthenticationInfo",
    "BiometricHeader",
    "CardSecurity",
    "ChipAuthenticationDomainParameterInfo",
    "ChipAuthenticationInfo",
    "ChipAuthenticationPublicKeyInfo",
    "DHDomain",
    "DecodedImage",
    "DomainParameter",
    "ECDomain",
    "EFCom",
    "FaceImage",
    "LDSError",
    "LDSFile",
    "LDSNeedMoreData",
    "LDSSecurityObject",
    "LDSTagError",
    "LDSUnsupportedError",
    "PACEDomainParameterInfo",
    "PACEInfo",
    "PublicKeyInfo",
    "RawDataGroup",
    "SecurityInfos",
    "SignedData",
    "SignerInfo",
    "TerminalAuthenticationInfo",
    "UnknownSecurityInfo",
    "UnsupportedSecurityInfo",
    "decode_image",
    "detect_format",
    "dg1_to_mrz_result",
    "lookup",
    "match_named_curve",
    "parse_card_access",
    "parse_card_security",
    "parse_com",
    "parse_dg1",
    "parse_dg2",
    "parse_dg11",
    "parse_dg12",
    "parse_dg14",
    "parse_dg15",
    "parse_file",
    "parse_lds_security_object",
    "parse_security_infos_der",
    "parse_sod",
    "parse_spki_der",
    "split_mrz",
    "total_length",
]
