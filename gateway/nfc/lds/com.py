"""EF.COM (Doc 9303 Part 10 §4.6.1): LDS version, Unicode version and the list of data groups present.

EF.COM is not covered by the SOD, so a reader uses its tag list only as a hint of what to read;
the SOD's data group hashes are what count.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.nfc.lds.errors import LDSError, guard, outer_object
from gateway.nfc.lds.files import BY_TAG
from gateway.nfc.tlv import iter_tlv


@dataclass(frozen=True, slots=True)
class EFCom:
    lds_version: str  # "0107" → LDS 1.7
    unicode_version: str  # "040000" → Unicode 4.0.0
    tags: tuple[int, ...]  # tags as listed (e.g. 0x61, 0x75)
    data_groups: tuple[int, ...]  # the same as data group numbers (unknown tags left out)
    unknown_tags: tuple[int, ...]


def _digits(value: bytes, n: int, what: str) -> str:
    if len(value) != n or not value.isdigit():
        raise LDSError(f"EF.COM: {what} must be {n} ASCII digits")
    return value.decode("ascii")


@guard("EF.COM")
def parse_com(data: bytes) -> EFCom:
    outer = outer_object(data, 0x60, "EF.COM")
    lds = uni = None
    tag_list: bytes | None = None
    for obj in iter_tlv(outer.value):
        if obj.tag == 0x5F01:
            lds = _digits(obj.value, 4, "LDS version (5F01)")
        elif obj.tag == 0x5F36:
            uni = _digits(obj.value, 6, "Unicode version (5F36)")
        elif obj.tag == 0x5C:
            tag_list = obj.value
    if lds is None or uni is None or tag_list is None:
        missing = [n for n, v in (("5F01", lds), ("5F36", uni), ("5C", tag_list)) if v is None]
        raise LDSError(f"EF.COM: missing {', '.join(missing)}")
    tags: list[int] = []
    pos = 0
    while pos < len(tag_list):  # the tag list is a concatenation of tags (1 or 2 bytes each)
        tag = tag_list[pos]
        pos += 1
        if tag & 0x1F == 0x1F:
            if pos >= len(tag_list):
                raise LDSError("EF.COM: tag list ends inside a two-byte tag")
            tag = (tag << 8) | tag_list[pos]
            pos += 1
        tags.append(tag)
    dgs = tuple(BY_TAG[t].dg for t in tags if t in BY_TAG and BY_TAG[t].dg is not None)
    unknown = tuple(t for t in tags if t not in BY_TAG or BY_TAG[t].dg is None)
    return EFCom(lds, uni, tuple(tags), dgs, unknown)  # type: ignore[arg-type]
