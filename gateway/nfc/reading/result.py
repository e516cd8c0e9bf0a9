"""What a read is asked to do (`ReadOptions`) and what it returns (`ChipReadResult`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from gateway import limits
from gateway.crypto.oids import STANDARDIZED_DOMAIN_PARAMETER_NAMES
from gateway.nfc.lds.files import LDSFile, lookup
from gateway.nfc.protocol.pace import PACE, pace_algorithm
from gateway.nfc.protocol.steps import StepFactory, StepOutcome

from .events import ReadStats

#: What a verification reads when the caller names nothing else: EF.COM (which data groups exist),
#: DG1 (the MRZ, compared with the printed one), DG2 (the face, for the desk to compare with the
#: person) and EF.SOD (what the issuer signed). DG14/DG15 join when chip/active authentication run.
DEFAULT_FILES = ("EF.COM", "DG1", "DG2", "EF.SOD")

Protocol_ = Literal["auto", "pace", "bac"]


@dataclass(frozen=True)
class ReadOptions:
    files: tuple[str, ...] | None = None  # None: DEFAULT_FILES
    protocol: Protocol_ = "auto"
    extended_length: bool = True  # try extended length before short blocks
    sfi: bool = True  # first read of a file by short file identifier
    header_first: bool = False  # read each file's TLV header (4 bytes) first, then exactly the rest
    pace_parameter_id: Literal["when-ambiguous", "always"] = "when-ambiguous"  # DO'84 in MSE:Set AT
    max_recoveries: int = limits.MAX_CARD_RECOVERIES  # card losses survived within one read
    max_apdus: int = limits.MAX_APDUS_PER_READ
    steps: tuple[StepFactory, ...] = ()  # authenticity steps, in the order they run


@dataclass(frozen=True)
class AccessInfo:
    protocol: str  # "BAC" or "PACE"
    algorithm: str | None  # "PACE-ECDH-GM-AES-128"; None for BAC
    password: str  # "MRZ" or "CAN"
    pace_oid: str | None = None
    parameter_id: int | None = None

    @property
    def parameter_name(self) -> str | None:
        if self.parameter_id is None:
            return None
        return STANDARDIZED_DOMAIN_PARAMETER_NAMES.get(self.parameter_id)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"protocol": self.protocol, "algorithm": self.algorithm, "password": self.password}
        if self.protocol == "PACE":
            out["parameters"] = self.parameter_name
        return out


@dataclass
class ChipReadResult:
    access: AccessInfo
    files: dict[str, bytes]  # name -> the file's bytes, in reading order
    absent: list[str] = field(default_factory=list)  # asked for, not on the chip
    denied: list[str] = field(default_factory=list)  # on the chip, but needs more than BAC/PACE (EAC)
    card_access: bytes | None = None
    steps: dict[str, StepOutcome] = field(default_factory=dict)
    stats: ReadStats = field(default_factory=ReadStats)
    warnings: list[str] = field(default_factory=list)
    quirks: set[str] = field(default_factory=set)  # gateway.nfc.reading.quirks codes
    pace: PACE | None = field(default=None, repr=False)


def short_algorithm_name(oid: str) -> str:
    """PACE-ECDH-GM-AES-128 style: agreement, mapping and cipher, as desk staff and logs show it."""
    alg = pace_algorithm(oid)
    cipher = "3DES" if alg.cipher == "3DES" else f"AES-{alg.key_bits}"
    return f"PACE-{alg.agreement}-{alg.mapping}-{cipher}"


def lds_file(name: str) -> LDSFile:
    try:
        return lookup(name)
    except KeyError:
        raise ValueError(f"unknown LDS file {name!r}") from None


def files_from_names(names: Iterable[str] | str | None) -> tuple[str, ...] | None:
    """Normalise user-given file names ("dg1,DG2,sod") to canonical names; None stays None."""
    if names is None:
        return None
    if isinstance(names, str):
        names = [n for n in names.replace(" ", ",").split(",") if n]
    return tuple(dict.fromkeys(lds_file(n).name for n in names))


__all__ = [
    "DEFAULT_FILES",
    "AccessInfo",
    "ChipReadResult",
    "ReadOptions",
    "files_from_names",
    "lds_file",
    "short_algorithm_name",
]
