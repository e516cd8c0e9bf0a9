"""DG1 (Doc 9303 Part 10 §4.7.1): the MRZ as printed, in tag 5F1F, split into its lines.

The chip's MRZ is the reference the printed MRZ is compared with, so it goes through the same
MRZ engine (`gateway.mrz`) as an OCR reading — one parser, one set of check-digit rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from gateway.mrz import MRZError, MRZResult, parse
from gateway.nfc.lds.errors import LDSError, describe, guard, outer_object
from gateway.nfc.tlv import find

# MRZ length → (document format, line count, line length)  (Doc 9303 Parts 4-7)
_LAYOUTS = {90: ("TD1", 3, 30), 72: ("TD2", 2, 36), 88: ("TD3", 2, 44)}


@dataclass(frozen=True, slots=True)
class DG1:
    document_format: str  # "TD1", "TD2" or "TD3" (MRV-A/B have the TD3/TD2 lengths)
    lines: tuple[str, ...] = field(repr=False)  # personal data: keep out of logs

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def split_mrz(mrz: bytes) -> tuple[str, tuple[str, ...]]:
    """MRZ bytes from 5F1F → (format, lines).

    Only control and non-ASCII bytes are refused here; characters outside the MRZ set are left
    for the MRZ engine to report with its own, more specific findings."""
    layout = _LAYOUTS.get(len(mrz))
    if layout is None:
        raise LDSError(f"DG1: MRZ has {len(mrz)} characters; expected 90 (TD1), 72 (TD2) or 88 (TD3)")
    bad = sum(1 for b in mrz if not 0x20 < b < 0x7F)
    if bad:
        raise LDSError(f"DG1: MRZ contains {bad} bytes that are not printable ASCII")
    fmt, count, width = layout
    text = mrz.decode("ascii")
    return fmt, tuple(text[i * width : (i + 1) * width] for i in range(count))


@guard("DG1")
def parse_dg1(data: bytes) -> DG1:
    outer = outer_object(data, 0x61, "DG1")
    mrz = find(outer.value, 0x5F1F)
    if mrz is None:
        raise LDSError("DG1: MRZ data object 5F1F missing")
    fmt, lines = split_mrz(mrz.value)
    return DG1(fmt, lines)


def dg1_to_mrz_result(dg1: DG1 | bytes, today: date | None = None) -> MRZResult:
    """DG1 through the project's MRZ engine: `gateway.mrz.parse(lines, today=...)` → MRZResult.

    Wrong check digits or dates come back inside the result (for the verdict to weigh); only an
    MRZ the engine cannot read at all becomes an LDSError."""
    if not isinstance(dg1, DG1):
        dg1 = parse_dg1(dg1)
    try:
        return parse(list(dg1.lines), today=today)
    except MRZError as exc:
        raise LDSError(f"DG1: the MRZ engine cannot read this MRZ ({describe(exc)})") from None
