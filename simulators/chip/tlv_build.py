"""BER-TLV *encoding* for the files the simulator writes (ISO/IEC 7816-4 / X.690 definite lengths).

The simulator encodes on its own instead of reusing the reader's parser module, so a length-form bug
on one side shows up as a failure on the other.
"""

from __future__ import annotations


def encode_length(n: int) -> bytes:
    """Definite length: short form below 0x80, else 0x81/0x82/0x83 + big-endian length."""
    if n < 0:
        raise ValueError("negative length")
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    if len(body) > 3:
        raise ValueError("length too large for an eMRTD file")
    return bytes([0x80 | len(body)]) + body


def tag_bytes(tag: int) -> bytes:
    """Tag as written: 0x5F1F -> 5F 1F, 0x7F61 -> 7F 61, 0x61 -> 61."""
    return tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")


def tlv(tag: int, value: bytes) -> bytes:
    return tag_bytes(tag) + encode_length(len(value)) + value


def tlv_seq(tag: int, *children: bytes) -> bytes:
    """Constructed object whose value is the concatenation of already-encoded children."""
    return tlv(tag, b"".join(children))
