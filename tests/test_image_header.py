"""Image headers read before any decoder runs: format and claimed size for every format OpenCV
decodes, and decompression bombs (a few hundred bytes claiming gigapixels) refused by their
header — including the 714-byte DG2 that cost 5.9 GB and 27 s before (issue 10)."""

from __future__ import annotations

import struct

import cv2
import numpy as np
import pytest

from gateway.imaging import (
    BMP,
    JPEG,
    JPEG2000,
    PNG,
    TIFF,
    WEBP,
    ImageHeaderError,
    ImageTooLargeError,
    check_size,
    read_header,
)
from gateway.limits import MAX_FACE_IMAGE_PIXELS, MAX_IMAGE_COMPONENTS, MAX_JPEG_SCANS, MAX_PAGE_IMAGE_PIXELS
from gateway.nfc.lds import LDSError, decode_image, parse_dg2
from gateway.nfc.lds.image import FaceImageTooLarge
from simulators.chip import lds_files

WIDTH, HEIGHT = 48, 40
PIXELS = (np.random.default_rng(3).random((HEIGHT, WIDTH, 3)) * 255).astype(np.uint8)


def encoded(ext: str, image: np.ndarray = PIXELS, params: list[int] | None = None) -> bytes:
    ok, buf = cv2.imencode(ext, image, params or [])
    assert ok
    return buf.tobytes()


@pytest.mark.parametrize(
    ("ext", "params", "fmt", "components"),
    [
        (".jpg", [], JPEG, 3),
        (".jpg", [cv2.IMWRITE_JPEG_PROGRESSIVE, 1], JPEG, 3),
        (".jp2", [], JPEG2000, 3),
        (".png", [], PNG, 3),
        (".tiff", [], TIFF, 3),
        (".webp", [cv2.IMWRITE_WEBP_QUALITY, 80], WEBP, None),
        (".webp", [cv2.IMWRITE_WEBP_QUALITY, 101], WEBP, None),
        (".bmp", [], BMP, 3),
    ],
)
def test_every_format_opencv_writes_is_measured_from_its_header(ext, params, fmt, components):
    header = read_header(encoded(ext, params=params))
    fmt_, width, height = header[:3]  # unpacks as (format, width, height)
    assert (fmt_, width, height) == (fmt, WIDTH, HEIGHT)
    if components is not None:
        assert header.components == components


def test_gray_images_and_the_bare_jpeg2000_codestream():
    gray = cv2.cvtColor(PIXELS, cv2.COLOR_BGR2GRAY)
    for ext in (".jpg", ".jp2", ".png", ".tiff"):
        assert read_header(encoded(ext, gray))[1:4] == (WIDTH, HEIGHT, 1)
    jp2 = encoded(".jp2")
    codestream = jp2[jp2.index(b"\xff\x4f\xff\x51") :]
    assert read_header(codestream)[:3] == (JPEG2000, WIDTH, HEIGHT)


def test_progressive_jpeg_scans_are_counted():
    assert read_header(encoded(".jpg")).scans == 1
    assert 2 <= read_header(encoded(".jpg", params=[cv2.IMWRITE_JPEG_PROGRESSIVE, 1])).scans <= 20


# --- bombs: small files claiming huge sizes -------------------------------------------------------


def jpeg_claiming(width: int, height: int) -> bytes:
    small = cv2.cvtColor(PIXELS[:8, :8], cv2.COLOR_BGR2GRAY)
    data = bytearray(encoded(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 30]))
    sof = next(i for i in range(2, len(data) - 1) if data[i] == 0xFF and data[i + 1] in (0xC0, 0xC2))
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


def jp2_claiming(width: int, height: int) -> bytes:
    data = bytearray(encoded(".jp2"))
    ihdr = data.index(b"ihdr") + 4
    struct.pack_into(">II", data, ihdr, height, width)
    siz = data.index(b"\xff\x51")
    struct.pack_into(">II", data, siz + 6, width, height)
    return bytes(data)


def test_the_32000_by_32000_jpeg_bomb_is_refused_by_its_header():
    bomb = jpeg_claiming(32000, 32000)
    assert len(bomb) < 714
    with pytest.raises(ImageTooLargeError, match=r"claims 32000×32000 pixels, more than the 16,000,000 allowed"):
        check_size(bomb, MAX_FACE_IMAGE_PIXELS, "face image")
    assert read_header(bomb)[1:3] == (32000, 32000)  # reading the header costs nothing


def j2k_claiming(width: int, height: int) -> bytes:
    jp2 = jp2_claiming(width, height)
    return jp2[jp2.index(b"\xff\x4f") :]


@pytest.mark.parametrize("make", [jp2_claiming, j2k_claiming])
def test_jpeg2000_bombs_in_file_and_codestream_form(make):
    with pytest.raises(ImageTooLargeError, match="claims 40000×40000 pixels"):
        check_size(make(40000, 40000), MAX_PAGE_IMAGE_PIXELS, "page image")


def test_jp2_whose_codestream_claims_more_than_its_ihdr_box_is_judged_by_the_codestream():
    data = bytearray(encoded(".jp2"))
    siz = data.index(b"\xff\x51")
    struct.pack_into(">II", data, siz + 6, 30000, 30000)  # ihdr still says 48 x 40
    assert read_header(bytes(data))[1:3] == (30000, 30000)


def test_png_tiff_webp_bmp_bombs():
    png = bytearray(encoded(".png"))
    struct.pack_into(">II", png, 16, 100_000, 100_000)
    bmp = bytearray(encoded(".bmp"))
    struct.pack_into("<ii", bmp, 18, 50_000, -50_000)  # negative height: top-down rows
    webp = bytearray(encoded(".webp", params=[cv2.IMWRITE_WEBP_QUALITY, 101]))
    assert webp[12:16] == b"VP8L"
    bits = (16383 << 14) | 16383
    struct.pack_into("<I", webp, 21, bits)
    for data, fmt in ((png, PNG), (bmp, BMP), (webp, WEBP), (tiff_with_pages([(64, 64), (90_000, 90_000)]), TIFF)):
        with pytest.raises(ImageTooLargeError, match="pixels, more than"):
            check_size(bytes(data), MAX_PAGE_IMAGE_PIXELS, "page image")
        assert read_header(bytes(data)).format == fmt


def tiff_with_pages(pages: list[tuple[int, int]], loop: bool = False) -> bytes:
    """A little-endian TIFF with one IFD per page (ImageWidth, ImageLength as LONG)."""
    out = bytearray(b"II*\x00" + struct.pack("<I", 8))
    for index, (w, h) in enumerate(pages):
        start = len(out)
        last = index == len(pages) - 1
        nxt = 8 if (last and loop) else (0 if last else start + 2 + 2 * 12 + 4)
        out += struct.pack("<H", 2) + struct.pack("<HHII", 256, 4, 1, w) + struct.pack("<HHII", 257, 4, 1, h)
        out += struct.pack("<I", nxt)
    return bytes(out)


def test_a_later_tiff_page_counts_and_a_looping_chain_is_an_error():
    assert read_header(tiff_with_pages([(10, 10), (300, 200)]))[1:3] == (300, 200)
    with pytest.raises(ImageHeaderError, match="loops"):
        read_header(tiff_with_pages([(10, 10), (20, 20)], loop=True))


def test_too_many_components_or_scans_is_refused():
    jp2 = bytearray(encoded(".jp2"))
    siz = jp2.index(b"\xff\x51")
    struct.pack_into(">H", jp2, siz + 38, 16384)
    jp2[jp2.index(b"ihdr") + 12 : jp2.index(b"ihdr") + 14] = struct.pack(">H", 16384)
    with pytest.raises(ImageTooLargeError, match=f"16384 colour components, more than the {MAX_IMAGE_COMPONENTS}"):
        check_size(bytes(jp2), MAX_FACE_IMAGE_PIXELS, "face image")
    jpeg = encoded(".jpg")
    sos = jpeg.index(b"\xff\xda")
    many = jpeg[:sos] + b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00\x00" * (MAX_JPEG_SCANS + 1) + b"\xff\xd9"
    with pytest.raises(ImageTooLargeError, match=f"{MAX_JPEG_SCANS + 1} JPEG scans"):
        check_size(many, MAX_FACE_IMAGE_PIXELS, "face image")


@pytest.mark.parametrize(
    "data",
    [b"", b"GIF89a....", b"\xff\xd8\xff", encoded(".png")[:20], encoded(".jp2")[:30], b"BM" + b"\0" * 10,
     b"RIFF\0\0\0\0WEBPVP8 ", b"II*\x00\xff\xff\xff\x00"],
)
def test_unknown_or_truncated_headers_are_one_clear_error(data):
    with pytest.raises(ImageHeaderError):
        read_header(data)


def test_jpeg_without_a_frame_or_with_a_dnl_height_is_refused():
    with pytest.raises(ImageHeaderError, match="no frame header"):
        read_header(b"\xff\xd8\xff\xe0\x00\x04ab\xff\xd9")
    with pytest.raises(ImageHeaderError, match="DNL"):
        read_header(jpeg_claiming(100, 0))


# --- the DG2 face: refused before OpenCV allocates anything -------------------------------------------


def test_the_714_byte_dg2_bomb_is_refused_with_a_clear_lds_error():
    bomb = jpeg_claiming(32000, 32000)
    dg2 = lds_files.dg2(lds_files.facial_record(bomb, "jpeg", 480, 640, "F"))
    face = parse_dg2(dg2).face  # parsing does not decode
    assert face.image == bomb and len(dg2) <= 714
    with pytest.raises(FaceImageTooLarge, match=r"^face image claims 32000×32000 pixels, more than the 16,000,000"):
        decode_image(face.image)
    assert FaceImageTooLarge.reason == "IMAGE_TOO_LARGE" and issubclass(FaceImageTooLarge, LDSError)


def test_a_face_image_in_another_format_is_not_decoded():
    with pytest.raises(LDSError, match="neither JPEG nor JPEG 2000"):
        decode_image(encoded(".png"))


def test_a_genuine_face_still_decodes():
    decoded = decode_image(encoded(".jp2"))
    assert (decoded.width, decoded.height, decoded.channels) == (WIDTH, HEIGHT, 3)


def test_bigtiff_offsets_beyond_the_file_are_a_clean_error():
    """Found by `make fuzz` (fuzz/regressions/image_header/crash-*): a BigTIFF's 64-bit directory offset
    overflowed struct's index (OverflowError)."""
    with pytest.raises(ImageHeaderError, match="past the end"):
        read_header(b"II+\x00\x08\x00\x00\x00" + b"\xff" * 8)
