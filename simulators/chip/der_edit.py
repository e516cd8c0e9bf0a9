"""Surgical edits of DER structures, for building hostile files from genuine ones.

A hostile EF.SOD is most useful when it differs from a genuine one in exactly one field (an empty
BIT STRING, a negative INTEGER, an empty SET): every other check still sees good data, so the test
shows which field the reader chokes on. This module parses DER into a tree of its own (the
simulator never uses the reader's parsers), lets a caller replace one node, and re-encodes with
all enclosing lengths fixed up. OCTET STRINGs and BIT STRINGs whose content is itself DER
(certificate extensions, eContent) are opened as well, so their insides can be edited too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from simulators.chip.tlv_build import encode_length


class DEREditError(ValueError):
    """The bytes are not DER this editor can take apart, or no node matched."""


@dataclass
class Node:
    """One TLV. `children` is set for constructed nodes and for primitive OCTET/BIT STRINGs whose
    content parsed completely as DER (`wrapped` then holds the BIT STRING's unused-bits octet)."""

    tag: bytes
    value: bytes = b""
    children: list[Node] | None = None
    wrapped: bytes = b""
    parent: Node | None = field(default=None, repr=False, compare=False)

    @property
    def constructed(self) -> bool:
        return bool(self.tag[0] & 0x20)

    def encode(self) -> bytes:
        body = self.value if self.children is None else self.wrapped + b"".join(c.encode() for c in self.children)
        return self.tag + _length(len(body)) + body

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children or ():
            yield from child.walk()

    def replace(self, new: bytes | Node) -> None:
        """Put `new` (DER bytes or a node) in this node's place in its parent."""
        if self.parent is None or self.parent.children is None:
            raise DEREditError("the root node has no place to be replaced in")
        node = new if isinstance(new, Node) else parse(new)
        node.parent = self.parent
        siblings = self.parent.children
        siblings[next(i for i, c in enumerate(siblings) if c is self)] = node


def tlv(tag: bytes, value: bytes) -> bytes:
    """One DER TLV (definite length) from tag bytes and value."""
    return tag + _length(len(value)) + value


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    return encode_length(n) if n < 1 << 24 else bytes([0x84]) + n.to_bytes(4, "big")


def _header(data: bytes, pos: int) -> tuple[bytes, int, int]:
    start = pos
    if pos >= len(data):
        raise DEREditError("truncated tag")
    pos += 1
    if data[start] & 0x1F == 0x1F:
        while pos < len(data) and data[pos] & 0x80:
            pos += 1
        pos += 1
    tag = data[start:pos]
    if pos >= len(data):
        raise DEREditError("truncated length")
    first = data[pos]
    pos += 1
    if first == 0x80:
        raise DEREditError("indefinite length")
    if first > 0x80:
        n = first & 0x7F
        length = int.from_bytes(data[pos : pos + n], "big")
        pos += n
    else:
        length = first
    if pos + length > len(data):
        raise DEREditError("value runs past the end")
    return tag, pos, pos + length


def _parse_many(data: bytes) -> list[Node]:
    nodes, pos = [], 0
    while pos < len(data):
        node, pos = _parse_at(data, pos)
        nodes.append(node)
    return nodes


def _parse_at(data: bytes, pos: int) -> tuple[Node, int]:
    tag, start, end = _header(data, pos)
    value = data[start:end]
    node = Node(tag, value)
    if node.constructed:
        node.children = _parse_many(value)
    elif tag in (b"\x04", b"\x03") and value:
        wrapped, inner = (value[:1], value[1:]) if tag == b"\x03" else (b"", value)
        if inner[:1] in (b"\x30", b"\x31", b"\x03", b"\x04") and (wrapped in (b"", b"\x00")):
            try:
                kids = _parse_many(inner)
            except DEREditError:
                kids = None
            if kids and b"".join(k.encode() for k in kids) == inner:
                node.children, node.wrapped = kids, wrapped
    for child in node.children or ():
        child.parent = node
    return node, end


def parse(der: bytes) -> Node:
    node, end = _parse_at(bytes(der), 0)
    if end != len(der):
        raise DEREditError(f"{len(der) - end} bytes after the outer object")
    return node


def oid_bytes(dotted: str) -> bytes:
    """An OBJECT IDENTIFIER's DER (tag 06 included)."""
    arcs = [int(a) for a in dotted.split(".")]
    body = bytearray()
    for arc in [arcs[0] * 40 + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body += bytes(reversed(chunk))
    return b"\x06" + _length(len(body)) + bytes(body)


def sequences_led_by(root: Node, oid: str) -> list[Node]:
    """Every SEQUENCE whose first child is the OID (an extension, attribute, AlgorithmIdentifier)."""
    want = oid_bytes(oid)
    return [n for n in root.walk() if n.tag == b"\x30" and n.children and n.children[0].encode() == want]


def edit(der: bytes, change: Callable[[Node], None]) -> bytes:
    """Parse, let `change` modify the tree in place, re-encode."""
    root = parse(der)
    change(root)
    return root.encode()
