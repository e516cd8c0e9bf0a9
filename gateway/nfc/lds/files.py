"""Which file is which: file identifiers, short file identifiers and outer tags of the LDS
(Doc 9303 Part 10 §3-4, TR-03110 for EF.CardSecurity).

A reader addresses a file by FID or SFI, and meets it again by its outer tag (in EF.COM's tag
list and in the SOD's data group numbers); this table ties the three together.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LDSFile:
    name: str  # "EF.COM", "DG1", ...
    fid: int
    sfi: int
    tag: int | None  # outer tag; None where the file is a bare ASN.1 SET/SEQUENCE
    dg: int | None = None  # data group number
    in_master_file: bool = False  # EF.CardAccess / EF.CardSecurity live in the MF, not in the eMRTD DF


_DG_TAGS = (0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70)

FILES: tuple[LDSFile, ...] = (
    LDSFile("EF.COM", 0x011E, 0x1E, 0x60),
    LDSFile("EF.SOD", 0x011D, 0x1D, 0x77),
    *(LDSFile(f"DG{n}", 0x0100 + n, n, tag, dg=n) for n, tag in enumerate(_DG_TAGS, start=1)),
    LDSFile("EF.CardAccess", 0x011C, 0x1C, None, in_master_file=True),
    LDSFile("EF.CardSecurity", 0x011D, 0x1D, None, in_master_file=True),
)

BY_NAME = {f.name: f for f in FILES}
BY_TAG = {f.tag: f for f in FILES if f.tag is not None}
BY_DG = {f.dg: f for f in FILES if f.dg is not None}
# FID/SFI lookups mean the eMRTD application; 011D/1D there is EF.SOD (EF.CardSecurity is by name).
BY_FID = {f.fid: f for f in FILES if not f.in_master_file} | {0x011C: BY_NAME["EF.CardAccess"]}
BY_SFI = {f.sfi: f for f in FILES if not f.in_master_file} | {0x1C: BY_NAME["EF.CardAccess"]}

_ALIASES = {
    "COM": "EF.COM",
    "SOD": "EF.SOD",
    "CARDACCESS": "EF.CardAccess",
    "CARDSECURITY": "EF.CardSecurity",
}


def lookup(fid_or_name: int | str) -> LDSFile:
    """Resolve "DG2", "EF.DG2", "dg2", "EF.COM", "SOD", 0x0102 (FID) or 0x02 (SFI) to its file."""
    if isinstance(fid_or_name, bool):
        raise KeyError("a file is named by str or int, not bool")
    if isinstance(fid_or_name, int):
        if fid_or_name in BY_FID:
            return BY_FID[fid_or_name]
        if fid_or_name in BY_SFI:
            return BY_SFI[fid_or_name]
        raise KeyError(f"no LDS file with FID/SFI {fid_or_name:X}")
    key = fid_or_name.strip().upper().removeprefix("EF.").removeprefix("EF_")
    if key.startswith("DG") and key[2:].isdigit():
        n = int(key[2:])
        if n in BY_DG:
            return BY_DG[n]
    if key in _ALIASES:
        return BY_NAME[_ALIASES[key]]
    raise KeyError(f"no LDS file named {fid_or_name!r}")
