"""Safe image decoding: read the header's claimed size first, refuse what is too large, truncated or
not an image, and only then let OpenCV decode.

Why our own header walk: a 20000 x 20000 PNG is a few hundred kilobytes on disk but 1.2 GB once
decoded. Every decoder allocates from the header's numbers, so they must be checked before any
decoder runs. The walk also notices truncation (JPEG without its end marker, PNG without IEND,
TIFF strips pointing past the end of the file, JPEG 2000 without its end-of-codestream marker)
that decoders often "repair" silently by filling grey — a grey band across an MRZ would be read as
something. Messages are one line and name the problem, never the content.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

import cv2
import numpy as np

from gateway import limits
from gateway.imaging import ImageHeaderError, ImageTooLargeError, check_size

DEFAULT_MAX_PIXELS = limits.MAX_PAGE_IMAGE_PIXELS
MIN_SIDE = 32


class ImageError(ValueError):
    """The input is not an image we can read safely. `code` is stable API; the message is one line."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ImageHeader:
    format: str  # png | jpeg | jpeg2000 | tiff
    width: int
    height: int


def _png(data: bytes) -> ImageHeader:
    if len(data) < 33 or data[12:16] != b"IHDR":
        raise ImageError("truncated", "the PNG file is truncated (no complete IHDR header)")
    width, height = struct.unpack(">II", data[16:24])
    pos, seen_end = 8, False
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        end = pos + 12 + length
        if end > len(data):
            raise ImageError("truncated", "the PNG file is truncated (a chunk runs past the end of the file)")
        crc = struct.unpack(">I", data[end - 4:end])[0]
        if zlib.crc32(data[pos + 4:end - 4]) & 0xFFFFFFFF != crc:
            raise ImageError("corrupt", "the PNG file is corrupt (a chunk's checksum does not match)")
        if kind == b"IEND":
            seen_end = True
            break
        pos = end
    if not seen_end:
        raise ImageError("truncated", "the PNG file is truncated (no IEND chunk)")
    return ImageHeader("png", width, height)


_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg(data: bytes) -> ImageHeader:
    pos, size, sos = 2, None, None
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise ImageError("corrupt", "the JPEG file is corrupt (a marker is missing)")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2:pos + 4])
        if length < 2 or pos + 2 + length > len(data):
            raise ImageError("truncated", "the JPEG file is truncated (a header segment runs past the end)")
        if marker in _SOF:
            if length < 7:
                raise ImageError("corrupt", "the JPEG file is corrupt (frame header too short)")
            height, width = struct.unpack(">HH", data[pos + 5:pos + 9])
            size = (width, height)
        if marker == 0xDA:
            sos = pos + 2 + length
            break
        pos += 2 + length
    if size is None or sos is None:
        raise ImageError("truncated", "the JPEG file is truncated (no frame or scan header)")
    if data.rfind(b"\xff\xd9", sos) < 0:
        raise ImageError("truncated", "the JPEG file is truncated (no end-of-image marker)")
    return ImageHeader("jpeg", size[0], size[1])


def _j2k_siz(data: bytes, at: int) -> tuple[int, int]:
    if data[at:at + 4] != b"\xff\x4f\xff\x51" or len(data) < at + 24:
        raise ImageError("corrupt", "the JPEG 2000 codestream is corrupt (no SIZ header)")
    xsiz, ysiz, xo, yo = struct.unpack(">IIII", data[at + 8:at + 24])
    return xsiz - xo, ysiz - yo


def _jp2(data: bytes) -> ImageHeader:
    if data.startswith(b"\xff\x4f\xff\x51"):
        w, h = _j2k_siz(data, 0)
        if data.rstrip(b"\x00")[-2:] != b"\xff\xd9":
            raise ImageError("truncated", "the JPEG 2000 codestream is truncated (no end marker)")
        return ImageHeader("jpeg2000", w, h)
    pos, size, complete = 0, None, False
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        header = 8
        if length == 1:
            if pos + 16 > len(data):
                break
            (length,) = struct.unpack(">Q", data[pos + 8:pos + 16])
            header = 16
        elif length == 0:
            length = len(data) - pos
        if length < header or pos + length > len(data):
            raise ImageError("truncated", "the JPEG 2000 file is truncated (a box runs past the end)")
        if kind == b"jp2c":
            w, h = _j2k_siz(data, pos + header)
            size = size or (w, h)
            complete = data[pos:pos + length].rstrip(b"\x00")[-2:] == b"\xff\xd9"
        pos += length
    if size is None:
        raise ImageError("truncated", "the JPEG 2000 file is truncated (no codestream)")
    if not complete:
        raise ImageError("truncated", "the JPEG 2000 codestream is truncated (no end marker)")
    return ImageHeader("jpeg2000", size[0], size[1])


def _tiff(data: bytes) -> ImageHeader:
    e = "<" if data[:2] == b"II" else ">"
    (magic,) = struct.unpack(e + "H", data[2:4])
    if magic == 43:
        raise ImageError("unsupported", "BigTIFF images are not supported; save the scan as TIFF, PNG or JPEG")
    (ifd,) = struct.unpack(e + "I", data[4:8])
    if ifd + 2 > len(data):
        raise ImageError("truncated", "the TIFF file is truncated (no image directory)")
    (n,) = struct.unpack(e + "H", data[ifd:ifd + 2])
    if ifd + 2 + 12 * n > len(data):
        raise ImageError("truncated", "the TIFF file is truncated (image directory cut off)")
    tags: dict[int, list[int]] = {}
    sizes = {3: 2, 4: 4}
    for i in range(n):
        tag, typ, count, value = struct.unpack(e + "HHI4s", data[ifd + 2 + 12 * i: ifd + 14 + 12 * i])
        if typ not in sizes or tag not in (256, 257, 273, 279, 324, 325):
            continue
        sz = sizes[typ]
        raw = value if sz * count <= 4 else None
        if raw is None:
            (off,) = struct.unpack(e + "I", value)
            if off + sz * count > len(data):
                raise ImageError("truncated", "the TIFF file is truncated (a tag's values lie past the end)")
            raw = data[off:off + sz * count]
        fmt = e + ("H" if sz == 2 else "I") * count
        tags[tag] = list(struct.unpack(fmt, raw[:sz * count]))
    if 256 not in tags or 257 not in tags:
        raise ImageError("corrupt", "the TIFF file is corrupt (no image width or height)")
    for off_tag, cnt_tag in ((273, 279), (324, 325)):
        for off, cnt in zip(tags.get(off_tag, []), tags.get(cnt_tag, []), strict=False):
            if off + cnt > len(data):
                raise ImageError("truncated", "the TIFF file is truncated (image data past the end of the file)")
    return ImageHeader("tiff", tags[256][0], tags[257][0])


def read_header(data: bytes) -> ImageHeader:
    """Format and claimed size from the header alone, checking the file's structure is complete."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _png(data)
    if data.startswith(b"\xff\xd8\xff"):
        return _jpeg(data)
    if data.startswith(b"\x00\x00\x00\x0cjP  \r\n\x87\n") or data.startswith(b"\xff\x4f\xff\x51"):
        return _jp2(data)
    if data[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return _tiff(data)
    if not data:
        raise ImageError("empty", "the file is empty")
    kind = "GIF" if data.startswith(b"GIF8") else "WebP" if data[8:12] == b"WEBP" else "BMP" \
        if data.startswith(b"BM") else None
    if kind:
        raise ImageError("unsupported", f"{kind} images are not supported; use PNG, JPEG, JPEG 2000 or TIFF")
    raise ImageError("not_an_image", "not an image (no PNG, JPEG, JPEG 2000 or TIFF signature)")


def decode(data: bytes, *, colour: bool = False, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Grayscale (or BGR with `colour`) uint8 array, after the header and budget checks. The claimed
    size (pixels, components, JPEG scans) is bounded by `gateway.imaging`, the one header check the
    face images of DG2 go through too; the walk here adds what a page needs on top: the file must be
    complete (a truncated scan decoded with grey filling would put a grey band across the MRZ)."""
    try:
        check_size(data, max_pixels, "the image")
    except ImageTooLargeError as exc:
        raise ImageError("too_large", str(exc)) from None
    except ImageHeaderError:
        pass  # not a known image, or a broken header: the walk below names the problem
    header = read_header(data)
    pixels = header.width * header.height
    if header.width < MIN_SIDE or header.height < MIN_SIDE:
        raise ImageError("too_small", f"the image is {header.width} x {header.height} pixels; too small to hold an MRZ")
    if pixels > max_pixels:
        raise ImageError("too_large", f"the image is {header.width} x {header.height} pixels "
                         f"({pixels / 1e6:.0f} Mpx), above the limit of {max_pixels / 1e6:.0f} Mpx")
    flags = cv2.IMREAD_COLOR if colour else cv2.IMREAD_GRAYSCALE
    img = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    if img is None:
        raise ImageError("corrupt", f"the {header.format.upper()} file could not be decoded (corrupt image data)")
    return img


def as_array(image: np.ndarray, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Validate a caller's array: 2-D gray or 3-D BGR/BGRA uint8 (OpenCV convention)."""
    if not isinstance(image, np.ndarray):
        raise ImageError("not_an_image", "the image must be bytes or a numpy array")
    if image.dtype != np.uint8 or image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (1, 3, 4)):
        raise ImageError("not_an_image", "the image array must be uint8, 2-D gray or 3-D BGR/BGRA")
    h, w = image.shape[:2]
    if h * w > max_pixels:
        raise ImageError("too_large", f"the image is {w} x {h} pixels, above the limit of {max_pixels / 1e6:.0f} Mpx")
    if h < MIN_SIDE or w < MIN_SIDE:
        raise ImageError("too_small", f"the image is {w} x {h} pixels; too small to hold an MRZ")
    return image
