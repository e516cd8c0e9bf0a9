"""The contract between the document builder (LDS + PKI) and the virtual card.

The builder turns a profile into a `ChipDocument`: every elementary file as bytes plus the secrets the
card needs to answer the protocols (BAC keys derive from `mrz_key`, PACE from `mrz_key` or `can`,
AA and CA private keys). The card never builds files itself, so a profile can be re-signed, tampered
or cloned without touching protocol code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# File identifiers (ICAO Doc 9303 Part 10): shared *data format* constants.
FID_CARD_ACCESS = 0x011C
FID_CARD_SECURITY = 0x011D
FID_COM = 0x011E
FID_SOD = 0x011D  # inside the eMRTD application; EF.SOD and EF.CardSecurity share the number by spec
EMRTD_AID = bytes.fromhex("A0000002471001")


def dg_fid(n: int) -> int:
    """EF.DGn lives at 0x0100 + n inside the eMRTD application (Doc 9303 Part 10, table 37)."""
    return 0x0100 + n


def dg_sfi(n: int) -> int:
    """Short file identifier of EF.DGn (equal to n); EF.COM is 0x1E, EF.SOD 0x1D, EF.CardAccess 0x1C."""
    return n


@dataclass(frozen=True)
class PaceParams:
    """One PACEInfo the card offers: protocol OID (dotted), standardized domain parameter id."""

    protocol_oid: str
    parameter_id: int


@dataclass
class ChipDocument:
    """Everything a virtual card serves. `ef_files` are in the master file (EF.CardAccess),
    `app_files` inside the eMRTD application, both keyed by file identifier."""

    mrz_key: str  # document number + check digit + birth + cd + expiry + cd (the BAC/PACE MRZ secret)
    can: str | None = None
    ef_files: dict[int, bytes] = field(default_factory=dict)
    app_files: dict[int, bytes] = field(default_factory=dict)
    pace: list[PaceParams] = field(default_factory=list)
    bac: bool = True
    # Active authentication private key (cryptography private key object) or None.
    aa_private_key: Any = None
    # Hash for AA, as DG14's ActiveAuthenticationInfo names it: "sha1" (RSA default, ISO 9796-2 trailer
    # BC), "sha224", "sha256" (trailer 34CC), "sha384", "sha512"; None = sha1 for RSA, sha256 for ECDSA.
    aa_digest: str | None = None
    # Chip authentication private key (cryptography EC/DH private key) and its key id, or None.
    ca_private_key: Any = None
    ca_key_id: int | None = None
    ca_protocol_oid: str | None = None
    # Set by the document builder (simulators.chip.lds_builder) from the profile: its name (safe for
    # logs and reader names, never personal data), the card-level faults as plain keyword arguments
    # for `CardFaults(**card_faults)`, and the link speed for `LinkModel` (None = no link delay).
    name: str = ""
    card_faults: dict[str, Any] = field(default_factory=dict)
    link_kbit_s: float | None = None
