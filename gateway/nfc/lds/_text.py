"""Shared helpers of the free-text data groups (DG11, DG12): text decoding, tag lists, counted
templates, and a repr that tells which fields are present without showing any of them."""

from __future__ import annotations

from dataclasses import fields

from gateway.nfc.lds.errors import LDSError
from gateway.nfc.tlv import TLV, iter_tlv


def text(value: bytes) -> str:
    """Doc 9303 (8th ed.) stores these fields as UTF-8; older chips used Latin-1. Either decodes."""
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def tag_list(value: bytes, what: str) -> tuple[int, ...]:
    tags = []
    pos = 0
    while pos < len(value):
        tag = value[pos]
        pos += 1
        if tag & 0x1F == 0x1F:
            if pos >= len(value):
                raise LDSError(f"{what}: tag list ends inside a two-byte tag")
            tag = (tag << 8) | value[pos]
            pos += 1
        tags.append(tag)
    return tuple(tags)


def counted(template: TLV, item_tag: int, what: str) -> tuple[bytes, ...]:
    """A0 template `{02 count, item, item, ...}` → the items, checking the count."""
    count = None
    items = []
    for obj in iter_tlv(template.value):
        if obj.tag == 0x02:
            count = int.from_bytes(obj.value, "big") if obj.value else 0
        elif obj.tag == item_tag:
            items.append(obj.value)
    if count is not None and count != len(items):
        raise LDSError(f"{what}: template A0 announces {count} entries but holds {len(items)}")
    return tuple(items)


def digits_date(value: bytes, what: str, length: int = 8) -> str:
    """A date as `length` ASCII characters (YYYYMMDD, or YYYYMMDDhhmmss), or — on older chips —
    BCD in half as many bytes. Unknown parts stay as stored; no calendar check here."""
    if len(value) == length // 2 and not value.isdigit():
        return value.hex().upper()
    if len(value) != length or not all(0x20 < b < 0x7F for b in value):
        raise LDSError(f"{what}: not {length} ASCII characters")
    return value.decode("ascii")


def presence_repr(obj: object) -> str:
    present = [f.name for f in fields(obj) if getattr(obj, f.name) not in (None, (), b"", "")]  # type: ignore[arg-type]
    return f"{type(obj).__name__}(present={present})"
