"""One entry point for every LDS file, and the size probe the reading strategy uses.

A reader reads a file's first few bytes, learns the whole size from the outer TLV header
(`total_length`), reads the rest, and hands the bytes here together with the file it asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gateway.nfc.lds.card_access import parse_card_access
from gateway.nfc.lds.card_security import parse_card_security
from gateway.nfc.lds.com import parse_com
from gateway.nfc.lds.dg1 import parse_dg1
from gateway.nfc.lds.dg2 import parse_dg2
from gateway.nfc.lds.dg11 import parse_dg11
from gateway.nfc.lds.dg12 import parse_dg12
from gateway.nfc.lds.dg14 import parse_dg14
from gateway.nfc.lds.dg15 import parse_dg15
from gateway.nfc.lds.errors import LDSError, guard, outer_object
from gateway.nfc.lds.files import LDSFile, lookup
from gateway.nfc.lds.sod import parse_sod
from gateway.nfc.tlv import TLVError, read_length, read_tag

# Enough for any LDS outer header: tag of up to 2 bytes + length of up to 1 + 3 bytes.
HEADER_PROBE_LENGTH = 6


class LDSNeedMoreData(LDSError):
    """The probe was too short to hold the whole TLV header; read `needed` bytes and ask again."""

    def __init__(self, message: str, needed: int) -> None:
        super().__init__(message)
        self.needed = needed


def total_length(first_bytes: bytes) -> int:
    """Whole file size (header + value) from the file's first bytes."""
    data = bytes(first_bytes)
    if not data:
        raise LDSNeedMoreData("no bytes to read a TLV header from", HEADER_PROBE_LENGTH)
    try:
        _, pos = read_tag(data, 0)
    except TLVError:
        raise LDSNeedMoreData("TLV tag incomplete", HEADER_PROBE_LENGTH) from None
    if pos >= len(data):
        raise LDSNeedMoreData("TLV length missing", pos + 1)
    first = data[pos]
    if first > 0x84 or first == 0x80:
        raise LDSError(f"unsupported TLV length form {first:02X} at offset {pos}")
    needed = pos + 1 + (first & 0x7F if first & 0x80 else 0)
    if needed > len(data):
        raise LDSNeedMoreData("TLV length field incomplete", needed)
    length, pos = read_length(data, pos)
    return pos + length


@dataclass(frozen=True, slots=True)
class RawDataGroup:
    """A data group this reader keeps but does not interpret (DG3-DG10, DG13, DG16)."""

    number: int
    tag: int
    value: bytes = field(repr=False)


def _raw(file: LDSFile) -> Callable[[bytes], RawDataGroup]:
    tag, number = file.tag or 0, file.dg or 0

    @guard(file.name)
    def parse(data: bytes) -> RawDataGroup:
        return RawDataGroup(number, tag, outer_object(data, tag, file.name).value)

    return parse


_PARSERS: dict[str, Any] = {
    "EF.COM": parse_com,
    "EF.SOD": parse_sod,
    "EF.CardAccess": parse_card_access,
    "EF.CardSecurity": parse_card_security,
    "DG1": parse_dg1,
    "DG2": parse_dg2,
    "DG11": parse_dg11,
    "DG12": parse_dg12,
    "DG14": parse_dg14,
    "DG15": parse_dg15,
}


def parse_file(fid_or_name: int | str, data: bytes) -> Any:
    """Parse an LDS file named by FID (0x0101), SFI (0x01) or name ("DG1", "EF.SOD", ...)."""
    try:
        file = lookup(fid_or_name)
    except KeyError as exc:
        raise LDSError(str(exc.args[0]) if exc.args else "unknown LDS file") from None
    parser = _PARSERS.get(file.name) or _raw(file)
    return parser(data)
