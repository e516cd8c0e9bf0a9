"""DG2 (Doc 9303 Part 10 §4.7.2): the face, wrapped in a biometric information group template
(ISO/IEC 7816-11 / CBEFF) with an ISO/IEC 19794-5 record (binary, 'FAC\\0') or an ISO/IEC
39794-5 record (DER-tagged, newer documents).

Only what the desk needs is taken out — the image, its format and size, and the header that says
what kind of biometric this is. The claimed format is cross-checked with the image's magic bytes.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from gateway.nfc.lds.errors import LDSError, LDSTagError, LDSUnsupportedError, guard, outer_object
from gateway.nfc.lds.image import JPEG, JPEG2000, MIME_TYPES, detect_format
from gateway.nfc.tlv import TLV, iter_tlv

ISO19794_5 = "ISO/IEC 19794-5"
ISO39794_5 = "ISO/IEC 39794-5"

_19794_IMAGE_TYPES = {0: JPEG, 1: JPEG2000}
# ImageDataFormat codes of ISO/IEC 39794-5 face records, as JMRTD's iso39794 package reads them.
_39794_IMAGE_TYPES = {2: JPEG, 3: JPEG2000, 4: JPEG2000}


@dataclass(frozen=True, slots=True)
class BiometricHeader:
    """Biometric header template (A1): ICAO header version, type, subtype, format owner/type, ..."""

    elements: tuple[tuple[int, bytes], ...]  # (tag, value) as stored: 80, 81, 82, 83, 85, 86, 87, 88

    def get(self, tag: int) -> bytes | None:
        return next((v for t, v in self.elements if t == tag), None)

    @property
    def format_owner(self) -> int | None:
        v = self.get(0x87)
        return int.from_bytes(v, "big") if v else None

    @property
    def format_type(self) -> int | None:
        v = self.get(0x88)
        return int.from_bytes(v, "big") if v else None

    @property
    def biometric_type(self) -> int | None:
        v = self.get(0x81)
        return int.from_bytes(v, "big") if v else None


@dataclass(frozen=True, slots=True)
class FaceImage:
    record_format: str  # ISO19794_5 or ISO39794_5
    header: BiometricHeader
    image: bytes = field(repr=False)  # personal data
    format: str | None  # from the magic bytes; falls back to the declared format
    declared_format: str | None  # what the record says
    width: int | None  # as declared by the record
    height: int | None
    face_image_type: int | None = None  # 19794-5: 0 basic, 1 full frontal, 2 token frontal

    @property
    def mime_type(self) -> str | None:
        return MIME_TYPES.get(self.format or "")

    @property
    def format_consistent(self) -> bool:
        """False when the record claims one format and the bytes are another."""
        detected = detect_format(self.image)
        return self.declared_format is None or detected is None or detected == self.declared_format


@dataclass(frozen=True, slots=True)
class DG2:
    faces: tuple[FaceImage, ...]
    template_unwrapped: bool = False  # the 7F61 template stood alone, without DG2's '75' tag (a quirk)

    @property
    def face(self) -> FaceImage:
        return self.faces[0]


def _u(data: bytes, pos: int, fmt: str, what: str) -> tuple[int, ...]:
    size = struct.calcsize(fmt)
    if pos + size > len(data):
        raise LDSError(f"DG2: 19794-5 record truncated in {what} at offset {pos}")
    return struct.unpack_from(fmt, data, pos)


def _parse_19794(bdb: bytes, header: BiometricHeader) -> list[FaceImage]:
    if bdb[4:8] != b"010\x00":
        raise LDSUnsupportedError("DG2: 19794-5 record version other than 010 is not supported")
    record_length, count = _u(bdb, 8, ">IH", "the facial record header")
    if record_length > len(bdb) or record_length < 14:
        raise LDSError(f"DG2: 19794-5 record length {record_length} does not fit the {len(bdb)}-byte block")
    if count < 1:
        raise LDSError("DG2: 19794-5 record holds no facial image")
    pos = 14
    faces = []
    for index in range(count):
        start = pos
        (block_length, n_points) = _u(bdb, pos, ">IH", f"facial information {index}")
        pos += 20 + 8 * n_points
        (face_type, data_type, width, height) = _u(bdb, pos, ">BBHH", f"image information {index}")
        pos += 12
        end = start + block_length
        if block_length < 32 + 8 * n_points or end > record_length:
            raise LDSError(f"DG2: facial record {index} length {block_length} does not fit the record")
        image = bdb[pos:end]
        if not image:
            raise LDSError(f"DG2: facial record {index} has no image data")
        declared = _19794_IMAGE_TYPES.get(data_type)
        fmt = detect_format(image) or declared
        faces.append(FaceImage(ISO19794_5, header, image, fmt, declared, width, height, face_type))
        pos = end
    return faces


def _children(node: TLV) -> dict[int, TLV]:
    out: dict[int, TLV] = {}
    for child in node.children():
        out.setdefault(child.tag, child)
    return out


def _int(node: TLV | None) -> int | None:
    if node is None or not node.value or len(node.value) > 8:
        return None
    return int.from_bytes(node.value, "big", signed=True)


def _need(nodes: dict[int, TLV], tag: int, what: str) -> TLV:
    if tag not in nodes:
        raise LDSError(f"DG2: 39794-5 {what} ({tag:X}) missing")
    return nodes[tag]


def _face_data_block(nodes: list[TLV], depth: int = 0) -> list[TLV]:
    """The children of FaceImageDataBlock ([APPLICATION 5] → 65), tolerating a few wrappers around
    it (depth-limited: hostile nesting must not exhaust the stack)."""
    tags = {n.tag for n in nodes}
    if 0xA0 in tags and 0xA1 in tags and 0x65 not in tags:
        return nodes
    if depth > 4:
        return []
    for node in nodes:
        if node.tag == 0x65:
            return node.children()
        if node.constructed:
            inner = _face_data_block(node.children(), depth + 1)
            if inner:
                return inner
    return []


def _parse_39794(nodes: list[TLV], header: BiometricHeader) -> list[FaceImage]:
    block = {n.tag: n for n in _face_data_block(nodes)}
    reps_node = _need(block, 0xA1, "representation blocks")
    reps = [c for c in reps_node.children() if c.tag == 0x30] or [reps_node]
    faces = []
    for rep in reps:
        rep_nodes = _children(rep)
        image_rep = _children(_need(rep_nodes, 0xA1, "image representation"))
        base = _children(_need(image_rep, 0xA0, "image representation base"))
        two_d = _children(_need(base, 0xA0, "2D image representation"))
        image = _need(two_d, 0x80, "representation data").value
        if not image:
            raise LDSError("DG2: 39794-5 representation holds no image data")
        info = _children(_need(two_d, 0xA1, "image information"))
        declared = None
        if 0xA0 in info:
            fmt = _children(info[0xA0])
            declared = _39794_IMAGE_TYPES.get(_int(fmt.get(0x80)) or -1)
        width = height = None
        if 0xA7 in info:
            size = _children(info[0xA7])
            width, height = _int(size.get(0x80)), _int(size.get(0x81))
        fmt = detect_format(image) or declared
        faces.append(FaceImage(ISO39794_5, header, image, fmt, declared, width, height))
    return faces


def _header(node: TLV) -> BiometricHeader:
    return BiometricHeader(tuple((c.tag, c.value) for c in node.children()))


@guard("DG2")
def parse_dg2(data: bytes) -> DG2:
    unwrapped = bytes(data[:2]) == b"\x7f\x61"
    if unwrapped:
        # Some chips store the biometric information group template without DG2's own '75' tag.
        # EF.SOD's hash is over the bytes as stored, so nothing is lost by reading it as it is.
        group = outer_object(data, 0x7F61, "DG2")
    else:
        outer = outer_object(data, 0x75, "DG2")
        found = next((o for o in iter_tlv(outer.value) if o.tag == 0x7F61), None)
        if found is None:
            raise LDSTagError("DG2: biometric information group template 7F61 missing")
        group = found
    count = None
    templates = []
    for obj in group.children():
        if obj.tag == 0x02:
            count = int.from_bytes(obj.value, "big") if obj.value else 0
        elif obj.tag == 0x7F60:
            templates.append(obj)
    if count is None:
        raise LDSError("DG2: number of instances (02) missing")
    if count != len(templates):
        raise LDSError(f"DG2: {count} instances announced, {len(templates)} templates present")
    if not templates:
        raise LDSError("DG2: no biometric information template")
    faces: list[FaceImage] = []
    for index, bit in enumerate(templates):
        parts = bit.children()
        bht = next((p for p in parts if 0xA1 <= p.tag <= 0xAF), None)
        bdb = next((p for p in parts if p.tag in (0x5F2E, 0x7F2E)), None)
        if bht is None or bdb is None:
            raise LDSError(f"DG2: template {index} lacks its biometric header (A1) or data block (5F2E/7F2E)")
        header = _header(bht)
        if bdb.value[:4] == b"FAC\x00":
            faces.extend(_parse_19794(bdb.value, header))
        elif bdb.tag == 0x7F2E or bdb.value[:1] in (b"\xa1", b"\x65", b"\x30"):
            faces.extend(_parse_39794(bdb.children() if bdb.tag == 0x7F2E else _nodes(bdb.value), header))
        else:
            raise LDSUnsupportedError(f"DG2: template {index} holds neither a 19794-5 nor a 39794-5 record")
    return DG2(tuple(faces), template_unwrapped=unwrapped)


def _nodes(value: bytes) -> list[TLV]:
    return list(iter_tlv(value))
