"""What simulated line readers put on the wire, built here and nowhere else.

This module shares no code with `gateway.framing`: it writes frames the way the vendors' documents
describe them (docs/line-readers.md), so a misunderstanding on the reader side shows up as a failing
test instead of cancelling out.
"""

from __future__ import annotations

from collections.abc import Sequence

FRAMINGS = ("desko", "accessis", "3m", "plain")

# CUTE misc-reader delimiters (Desko, Access-IS)
OCR_START, OCR_END = b"\x1c", b"\x1d"
MAGSTRIPE_START, MAGSTRIPE_END = b"\x0e", b"\x0f"
BARCODE_START, BARCODE_END = b"\x1e", b"\x1f"
STX, ETX, CR = b"\x02", b"\x03", b"\r"
# 3M RTE native
SOH = b"\x01"
RTE_DEVICE_TYPE = b"OU"  # optical reader, unsolicited data
RTE_FLAG = b"0"


def desko(lines: Sequence[str]) -> bytes:
    """Desko: every line followed by CR; no CR for an absent third line."""
    return OCR_START + STX + b"".join(line.encode("ascii") + CR for line in lines) + ETX + OCR_END


def accessis(lines: Sequence[str]) -> bytes:
    """Access-IS: lines separated by CR."""
    return OCR_START + STX + CR.join(line.encode("ascii") for line in lines) + ETX + OCR_END


def accessis_magstripe(tracks: str = "%B4111111111111111^SPECIMEN/CARD^2512?") -> bytes:
    return MAGSTRIPE_START + STX + tracks.encode("ascii") + ETX + MAGSTRIPE_END


def accessis_barcode(data: str = "M1SPECIMEN/CARD       EABC123 FRAMUCLH 1234 001Y") -> bytes:
    return BARCODE_START + STX + data.encode("ascii") + ETX + BARCODE_END


def rte_block(lines: Sequence[str], *, flag: bytes = RTE_FLAG, corrupt_bcc: bool = False) -> bytes:
    """3M: always three lines; the MRZ fills the bottom ones; padded with "_" to 30 or 44."""
    width = 30 if len(lines) == 3 else 44
    slots = ["", *lines] if len(lines) == 2 else list(lines)
    data = b"".join((line.ljust(width, "_") if line else "").encode("ascii") + CR for line in slots)
    return rte_raw(data, flag=flag, corrupt_bcc=corrupt_bcc)


def rte_raw(data: bytes, *, flag: bytes = RTE_FLAG, corrupt_bcc: bool = False, length: int | None = None) -> bytes:
    """A 3M block around arbitrary data; `length` overrides the length word (for faults)."""
    count = 2 + 1 + 1 + len(data) + 1 + 1 if length is None else length  # "OU" STX flag data ETX BCC
    checked = bytes((count & 0xFF, (count >> 8) & 0x3F)) + RTE_DEVICE_TYPE + STX + flag + data + ETX
    bcc = 0
    for byte in checked:
        bcc ^= byte
    if corrupt_bcc:
        bcc ^= 0x20
    return SOH + checked + bytes((bcc,))


def plain(lines: Sequence[str], terminator: bytes = b"\r\n") -> bytes:
    return b"".join(line.encode("ascii") + terminator for line in lines)


def frame(framing: str, lines: Sequence[str], *, corrupt_bcc: bool = False) -> bytes:
    if framing == "desko":
        return desko(lines)
    if framing == "accessis":
        return accessis(lines)
    if framing == "3m":
        return rte_block(lines, corrupt_bcc=corrupt_bcc)
    if framing == "plain":
        return plain(lines)
    raise ValueError(f"unknown framing {framing!r}; expected {', '.join(FRAMINGS)}")


def long_line(framing: str, size: int = 1_000_000) -> bytes:
    """A stuck reader: one line of `size` characters inside whatever the framing wraps it in."""
    body = b"A" * size
    if framing in ("desko", "accessis"):
        return OCR_START + STX + body + CR + ETX + OCR_END
    if framing == "3m":
        return rte_raw(body + CR, length=0x3FFF)  # the 14-bit length word cannot say more
    return body + b"\r\n"
