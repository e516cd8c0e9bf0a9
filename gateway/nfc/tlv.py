"""BER-TLV (ISO/IEC 7816-4 and X.690) as the chip speaks it.

Everything a chip returns — secure messaging objects, EF.COM, data groups, General Authenticate
dynamic authentication data — is nested BER-TLV. Chips are untrusted input, so every length is
checked against the bytes actually present and every failure is a `TLVError` that names what is
wrong (never the value bytes, which may be personal data).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from gateway.limits import MAX_TLV_DEPTH


class TLVError(ValueError):
    """Malformed BER-TLV: truncated tag, length or value, or an unsupported length form."""


@dataclass(frozen=True, slots=True)
class TLV:
    """One decoded data object. `tag` is the tag bytes read as a big-endian integer (e.g. 0x5F1F)."""

    tag: int
    value: bytes
    offset: int  # where the tag starts in the parsed buffer, for error messages and resumption
    end: int  # offset just past the value

    @property
    def constructed(self) -> bool:
        first = self.tag
        while first > 0xFF:
            first >>= 8
        return bool(first & 0x20)

    def children(self) -> list[TLV]:
        """The nested objects of a constructed object."""
        return parse_all(self.value)


def read_tag(data: bytes | memoryview, pos: int) -> tuple[int, int]:
    """Read a tag at `pos`; return (tag, next position)."""
    if pos >= len(data):
        raise TLVError(f"tag missing at offset {pos}")
    first = data[pos]
    tag = first
    pos += 1
    if first & 0x1F == 0x1F:  # multi-byte tag: subsequent bytes while bit 8 set
        while True:
            if pos >= len(data):
                raise TLVError(f"multi-byte tag truncated at offset {pos}")
            b = data[pos]
            tag = (tag << 8) | b
            pos += 1
            if not b & 0x80:
                break
            if tag > 0xFFFFFFFF:
                raise TLVError("tag longer than 4 bytes")
    return tag, pos


def read_length(data: bytes | memoryview, pos: int) -> tuple[int, int]:
    """Read a definite length at `pos`; return (length, next position)."""
    if pos >= len(data):
        raise TLVError(f"length missing at offset {pos}")
    first = data[pos]
    pos += 1
    if first < 0x80:
        return first, pos
    if first == 0x80:
        raise TLVError(f"indefinite length at offset {pos - 1} is not allowed in DER/LDS data")
    n = first & 0x7F
    if n > 4:
        raise TLVError(f"length field of {n} bytes at offset {pos - 1} is too long")
    if pos + n > len(data):
        raise TLVError(f"length field truncated at offset {pos - 1}")
    return int.from_bytes(bytes(data[pos : pos + n]), "big"), pos + n


def parse_one(data: bytes | memoryview, pos: int = 0) -> TLV:
    """Parse the data object starting at `pos`."""
    tag, p = read_tag(data, pos)
    length, p = read_length(data, p)
    end = p + length
    if end > len(data):
        raise TLVError(
            f"object with tag {tag:X} at offset {pos} declares {length} bytes, {len(data) - p} present"
        )
    return TLV(tag, bytes(data[p:end]), pos, end)


def iter_tlv(data: bytes | memoryview) -> Iterator[TLV]:
    """Iterate the sibling objects filling `data` completely. Padding bytes 0x00/0xFF between
    objects are skipped, as ISO 7816-4 allows."""
    pos = 0
    while pos < len(data):
        if data[pos] in (0x00, 0xFF):
            pos += 1
            continue
        obj = parse_one(data, pos)
        yield obj
        pos = obj.end


def parse_all(data: bytes | memoryview) -> list[TLV]:
    return list(iter_tlv(data))


def find(data: bytes | memoryview, tag: int) -> TLV | None:
    """First sibling object with `tag` (not recursive)."""
    for obj in iter_tlv(data):
        if obj.tag == tag:
            return obj
    return None


def check_depth(data: bytes | memoryview, limit: int = MAX_TLV_DEPTH) -> None:
    """Refuse data objects nested deeper than `limit` constructed levels (TLVError).

    Parsers here descend one level at a time, but callers walk trees, and asn1crypto (which sees
    parts of the same files) recurses; 10,000 nested objects fit in 40 KB. The walk is iterative
    and reads only headers; malformed data simply ends it (the real parse reports that)."""
    ends: list[int] = []  # where each open constructed object ends
    pos = 0
    while pos < len(data):
        while ends and pos >= ends[-1]:
            ends.pop()
        start = pos
        try:
            _, pos = read_tag(data, pos)
            length, pos = read_length(data, pos)
        except TLVError:
            return
        if data[start] & 0x20:
            ends.append(pos + length)
            if len(ends) > limit:
                raise TLVError(f"data objects nested deeper than {limit} levels at offset {start}")
        else:
            pos += length


def header_length(data: bytes | memoryview) -> int:
    """Bytes of tag + length at the start of `data`: tells a reader how much of a file's first
    block is header, so it can compute the whole file size from a short first read."""
    _, p = read_tag(data, 0)
    _, p = read_length(data, p)
    return p


def total_length(data: bytes | memoryview) -> int:
    """Whole encoded size (header + value) of the object whose header starts `data`."""
    _, p = read_tag(data, 0)
    length, p = read_length(data, p)
    return p + length


def encode_tag(tag: int) -> bytes:
    n = max(1, (tag.bit_length() + 7) // 8)
    return tag.to_bytes(n, "big")


def encode_length(length: int) -> bytes:
    if length < 0:
        raise TLVError("negative length")
    if length < 0x80:
        return bytes([length])
    n = (length.bit_length() + 7) // 8
    return bytes([0x80 | n]) + length.to_bytes(n, "big")


def encode(tag: int, value: bytes) -> bytes:
    return encode_tag(tag) + encode_length(len(value)) + value
