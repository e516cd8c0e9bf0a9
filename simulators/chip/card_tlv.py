"""Minimal BER-TLV for the card side (SM data objects, MSE and General Authenticate templates).

Deliberately separate from gateway.nfc.tlv: the simulator must not share parser code with the reader.
Malformed input raises `CardError(6A80)` or the SW the caller chooses.
"""

from __future__ import annotations

from simulators.chip.card_apdu import SW_WRONG_DATA, CardError


def encode_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def tlv(tag: int, value: bytes) -> bytes:
    tag_bytes = tag.to_bytes((tag.bit_length() + 7) // 8 or 1, "big")
    return tag_bytes + encode_length(len(value)) + value


def parse(data: bytes, sw: int = SW_WRONG_DATA) -> list[tuple[int, bytes]]:
    """Parse a flat sequence of data objects into (tag, value) pairs, in order."""
    out: list[tuple[int, bytes]] = []
    i = 0
    n = len(data)
    while i < n:
        if data[i] in (0x00, 0xFF):  # padding bytes between objects are allowed by ISO 7816-4
            i += 1
            continue
        tag = data[i]
        i += 1
        if tag & 0x1F == 0x1F:
            while True:
                if i >= n or (tag.bit_length() > 24):
                    raise CardError(sw, "truncated tag")
                tag = (tag << 8) | data[i]
                i += 1
                if not data[i - 1] & 0x80:
                    break
        if i >= n:
            raise CardError(sw, "missing length")
        length = data[i]
        i += 1
        if length & 0x80:
            count = length & 0x7F
            if count == 0 or count > 3 or i + count > n:
                raise CardError(sw, "bad length")
            length = int.from_bytes(data[i : i + count], "big")
            i += count
        if i + length > n:
            raise CardError(sw, "value runs past the data")
        out.append((tag, bytes(data[i : i + length])))
        i += length
    return out


def as_dict(data: bytes, sw: int = SW_WRONG_DATA) -> dict[int, bytes]:
    """Parse and index by tag; a repeated tag is malformed for every template the card reads."""
    items = parse(data, sw)
    result = dict(items)
    if len(result) != len(items):
        raise CardError(sw, "repeated tag")
    return result


def oid_to_bytes(dotted: str) -> bytes:
    parts = [int(p) for p in dotted.split(".")]
    out = bytearray([40 * parts[0] + parts[1]])
    for arc in parts[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out.extend(reversed(chunk))
    return bytes(out)
