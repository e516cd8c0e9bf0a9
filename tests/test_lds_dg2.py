"""DG2: the BSI reference face (ISO/IEC 19794-5, JPEG 2000), records built here for JPEG, JPEG 2000
codestreams, several instances and the ASN.1-tagged ISO/IEC 39794-5 format, and broken ones."""

from __future__ import annotations

import hashlib
import struct

import cv2
import numpy as np
import pytest
from lds_samples import BSI_DG2, BSI_SOD

from gateway.nfc.lds import (
    ISO19794_5,
    ISO39794_5,
    JPEG,
    JPEG2000,
    LDSError,
    LDSUnsupportedError,
    decode_image,
    detect_format,
    parse_dg2,
    parse_sod,
)
from gateway.nfc.tlv import encode


def _image(ext: str, width: int = 64, height: int = 80) -> bytes:
    pixels = (np.random.default_rng(7).random((height, width, 3)) * 255).astype(np.uint8)
    ok, buf = cv2.imencode(ext, pixels)
    assert ok
    return buf.tobytes()


JPEG_IMAGE = _image(".jpg")
JP2_IMAGE = _image(".jp2")
J2K_CODESTREAM = JP2_IMAGE[JP2_IMAGE.index(b"jp2c") + 4 :]


def facial_record(images: list[tuple[bytes, int]], width: int = 64, height: int = 80, points: int = 0) -> bytes:
    """ISO/IEC 19794-5:2005 record: header, then per image facial information + image information."""
    blocks = b""
    for image, data_type in images:
        info = struct.pack(">HBBB3sH3s3s", points, 1, 2, 3, b"\0\0\0", 0, b"\0\0\0", b"\0\0\0")
        info += b"\x00" * 8 * points
        image_info = struct.pack(">BBHHBBHH", 1, data_type, width, height, 1, 2, 0, 0)
        body = info + image_info + image
        blocks += struct.pack(">I", 4 + len(body)) + body
    return b"FAC\x00010\x00" + struct.pack(">IH", 14 + len(blocks), len(images)) + blocks


HEADER = encode(
    0xA1, encode(0x81, b"\x02") + encode(0x82, b"\x00") + encode(0x87, b"\x01\x01") + encode(0x88, b"\x00\x08")
)


def dg2(bdbs: list[bytes], count: int | None = None, bdb_tag: int = 0x5F2E) -> bytes:
    templates = b"".join(encode(0x7F60, HEADER + encode(bdb_tag, bdb)) for bdb in bdbs)
    n = len(bdbs) if count is None else count
    return encode(0x75, encode(0x7F61, encode(0x02, bytes([n])) + templates))


def iso39794_record(image: bytes, format_code: int, width: int, height: int) -> bytes:
    """FaceImageDataBlock ::= [APPLICATION 5] { versionBlock [0], representationBlocks [1] } with one
    RepresentationBlock { id [0], imageRepresentation [1] { base [0] { 2D [0] { data [0], info [1] }}}}
    as ISO/IEC 39794-5 (automatic tagging) defines it, read from JMRTD's and gmrtd's schema notes."""
    size = encode(0xA7, encode(0x80, width.to_bytes(2, "big")) + encode(0x81, height.to_bytes(2, "big")))
    info = encode(0xA1, encode(0xA0, encode(0x80, bytes([format_code]))) + size)
    two_d = encode(0xA0, encode(0x80, image) + info)
    representation = encode(0x30, encode(0x80, b"\x01") + encode(0xA1, encode(0xA0, two_d)))
    version = encode(0xA0, encode(0x80, b"\x01") + encode(0x81, b"\x07\xe3"))
    return encode(0x65, version + encode(0xA1, representation))


def test_bsi_reference_dg2():
    assert hashlib.sha256(BSI_DG2).digest() == parse_sod(BSI_SOD).dg_hashes[2]
    face = parse_dg2(BSI_DG2).face
    assert face.record_format == ISO19794_5
    assert (face.format, face.declared_format, face.mime_type) == (JPEG2000, JPEG2000, "image/jp2")
    assert (face.header.biometric_type, face.header.format_owner, face.header.format_type) == (2, 0x0101, 0x0008)
    assert face.face_image_type == 1 and len(face.image) == 14999
    assert (face.width, face.height) == (337, 449)  # what the record claims ...
    decoded = decode_image(face.image)  # ... and what the picture is: the desk shows the latter
    assert (decoded.width, decoded.height, decoded.channels) == (413, 531, 3)
    assert "image" not in repr(face).replace("face_image_type", "")


@pytest.mark.parametrize(
    ("image", "data_type", "fmt"),
    [(JPEG_IMAGE, 0, JPEG), (JP2_IMAGE, 1, JPEG2000), (J2K_CODESTREAM, 1, JPEG2000)],
)
def test_19794_record_formats(image, data_type, fmt):
    face = parse_dg2(dg2([facial_record([(image, data_type)], points=2)])).face
    assert face.image == image and face.format == fmt and face.declared_format == fmt and face.format_consistent
    assert (face.width, face.height) == (64, 80)
    assert (decode_image(face.image).width, decode_image(face.image).height) == (64, 80)


def test_declared_format_contradicted_by_magic_bytes():
    face = parse_dg2(dg2([facial_record([(JPEG_IMAGE, 1)])])).face  # claims JPEG 2000, is JPEG
    assert face.format == JPEG and face.declared_format == JPEG2000 and not face.format_consistent


def test_several_images_and_instances():
    two_faces = facial_record([(JPEG_IMAGE, 0), (JP2_IMAGE, 1)])
    parsed = parse_dg2(dg2([two_faces, facial_record([(J2K_CODESTREAM, 1)])]))
    assert [f.format for f in parsed.faces] == [JPEG, JPEG2000, JPEG2000]
    assert parsed.faces[1].image == JP2_IMAGE


@pytest.mark.parametrize("bdb_tag", [0x5F2E, 0x7F2E])
@pytest.mark.parametrize(("image", "code", "fmt"), [(JPEG_IMAGE, 2, JPEG), (JP2_IMAGE, 4, JPEG2000)])
def test_39794_record(bdb_tag, image, code, fmt):
    face = parse_dg2(dg2([iso39794_record(image, code, 64, 80)], bdb_tag=bdb_tag)).face
    assert face.record_format == ISO39794_5
    assert (face.format, face.declared_format, face.width, face.height) == (fmt, fmt, 64, 80)
    assert face.image == image and decode_image(face.image).height == 80


def test_39794_record_without_wrapper_and_optional_blocks():
    rep = encode(
        0x30,
        encode(0x80, b"\x00") + encode(0xA1, encode(0xA0, encode(0xA0, encode(0x80, JPEG_IMAGE) + encode(0xA1, b"")))),
    )
    record = encode(0xA0, b"") + encode(0xA1, rep)
    face = parse_dg2(dg2([record], bdb_tag=0x7F2E)).face
    assert face.format == JPEG and face.declared_format is None and face.width is None


def test_deeply_nested_39794_block_is_an_error_not_a_crash():
    nested = b"\x80\x00"
    for _ in range(3000):
        nested = encode(0xA2, nested)
    with pytest.raises(LDSError, match="nested deeper than 32 levels"):
        parse_dg2(dg2([nested], bdb_tag=0x7F2E))


def test_detect_format():
    assert detect_format(JPEG_IMAGE) == JPEG
    assert detect_format(JP2_IMAGE) == JPEG2000 and detect_format(J2K_CODESTREAM) == JPEG2000
    assert detect_format(b"\x89PNG\r\n\x1a\n") is None and detect_format(b"") is None


def test_decode_image_refuses_non_images():
    for data in (b"", b"\xff\xd8\xff" + b"\x00" * 50, JP2_IMAGE[:60], b"FAC\x00"):
        with pytest.raises(LDSError, match="face image"):
            decode_image(data)


GOOD = facial_record([(JPEG_IMAGE, 0)])


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (encode(0x75, b""), LDSError, "7F61 missing"),
        (encode(0x75, encode(0x7F61, encode(0x7F60, HEADER + encode(0x5F2E, GOOD)))), LDSError, "number of instances"),
        (dg2([GOOD], count=2), LDSError, "2 instances announced, 1 templates"),
        (dg2([], count=0), LDSError, "no biometric information template"),
        (encode(0x75, encode(0x7F61, encode(0x02, b"\x01") + encode(0x7F60, encode(0x5F2E, GOOD)))), LDSError, "lacks"),
        (dg2([GOOD[:40]]), LDSError, "does not fit"),
        (dg2([GOOD[:12]]), LDSError, "truncated"),
        (dg2([GOOD[:8] + struct.pack(">IH", len(GOOD), 0) + GOOD[14:]]), LDSError, "no facial image"),
        (dg2([b"FAC\x00030\x00" + GOOD[8:]]), LDSUnsupportedError, "version other than 010"),
        (dg2([b"\x89PNG" + GOOD[4:]]), LDSUnsupportedError, "neither"),
        (dg2([encode(0x65, encode(0xA0, b""))], bdb_tag=0x7F2E), LDSError, "representation blocks"),
        (dg2([b"\xa1\x05\x80\x03abc"]), LDSError, "39794-5"),
    ],
)
def test_malformed_dg2(data, error, message):
    with pytest.raises(error, match=message):
        parse_dg2(data)
