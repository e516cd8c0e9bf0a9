"""What an image claims to be, read from its header alone: format, width, height, components.

Decoders allocate what the header claims before they look at the data: a 714-byte JPEG that
claims 32000 x 32000 pixels made OpenCV allocate 5.9 GB and spend 27 s. So every image from a
hostile source (a chip's DG2 face, a scanned or uploaded page) is measured here first and
refused above its budget (`gateway.limits.MAX_FACE_IMAGE_PIXELS`, `MAX_PAGE_IMAGE_PIXELS`,
`MAX_IMAGE_COMPONENTS`) before any decoder runs. Pure bytes in, numbers out; no decoding.

Formats: JPEG (SOFn frame header; progressive scans counted), JPEG 2000 as JP2 file (`ihdr` box)
and as bare codestream (SIZ marker), PNG (IHDR), TIFF and BigTIFF (the largest page of the IFD
chain), WebP (VP8, VP8L, VP8X) and BMP (every DIB header size).
"""

from __future__ import annotations

import struct
from typing import NamedTuple

from gateway.limits import MAX_IMAGE_COMPONENTS, MAX_JPEG_SCANS

JPEG = "JPEG"
JPEG2000 = "JPEG2000"
PNG = "PNG"
TIFF = "TIFF"
WEBP = "WEBP"
BMP = "BMP"

_JP2_SIGNATURE = bytes.fromhex("0000000C6A5020200D0A870A")
_J2K_SOC_SIZ = bytes.fromhex("FF4FFF51")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers: C0-C3, C5-C7, C9-CB, CD-CF (C4 DHT, C8 JPG, CC DAC are not frames).
_SOF = frozenset((0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF))
_MAX_TIFF_PAGES = 256  # IFDs followed before a TIFF is called a loop (multi-page scans have a few)
_MAX_JP2_BOXES = 1024  # boxes looked at before the ihdr must have been found


class ImageHeaderError(ValueError):
    """The bytes are no image of a known format, or its header is truncated or contradictory."""

    reason = "IMAGE_MALFORMED"


class ImageTooLargeError(ImageHeaderError):
    """The header claims more pixels (or components, or scans) than the budget allows."""

    reason = "IMAGE_TOO_LARGE"


class ImageHeader(NamedTuple):
    """Unpacks as `(format, width, height)`; `components` is the declared number of colour
    components (None where the format only implies it), `scans` the JPEG scans (else None)."""

    format: str
    width: int
    height: int
    components: int | None = None
    scans: int | None = None

    @property
    def pixels(self) -> int:
        return self.width * self.height


def detect(data: bytes) -> str | None:
    """The format by its magic bytes, or None."""
    if data[:3] == b"\xff\xd8\xff":
        return JPEG
    if data[:12] == _JP2_SIGNATURE or data[:4] == _J2K_SOC_SIZ:
        return JPEG2000
    if data[:8] == _PNG_SIGNATURE:
        return PNG
    if data[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return TIFF
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data[:2] == b"BM":
        return BMP
    return None


def read_header(data: bytes | bytearray | memoryview) -> ImageHeader:
    """Format and claimed size of an image; ImageHeaderError when it cannot be told."""
    data = bytes(data)
    fmt = detect(data)
    if fmt is None:
        raise ImageHeaderError("image format not recognised (not JPEG, JPEG 2000, PNG, TIFF, WebP or BMP)")
    try:
        header = _READERS[fmt](data)
    except (struct.error, IndexError, OverflowError):
        raise ImageHeaderError(f"{fmt} header is truncated") from None
    if header.width <= 0 or header.height <= 0:
        raise ImageHeaderError(f"{fmt} header claims {header.width}×{header.height} pixels")
    return header


def check_size(data: bytes | bytearray | memoryview, max_pixels: int, what: str = "image") -> ImageHeader:
    """`read_header`, then refuse more than `max_pixels` pixels, more than `MAX_IMAGE_COMPONENTS`
    components or more than `MAX_JPEG_SCANS` scans (ImageTooLargeError, one clear line)."""
    header = read_header(data)
    if header.pixels > max_pixels:
        raise ImageTooLargeError(
            f"{what} claims {header.width}×{header.height} pixels, more than the {max_pixels:,} allowed"
        )
    if header.components is not None and header.components > MAX_IMAGE_COMPONENTS:
        raise ImageTooLargeError(
            f"{what} claims {header.components} colour components, more than the {MAX_IMAGE_COMPONENTS} allowed"
        )
    if header.scans is not None and header.scans > MAX_JPEG_SCANS:
        raise ImageTooLargeError(f"{what} has {header.scans} JPEG scans, more than the {MAX_JPEG_SCANS} allowed")
    return header


# --- JPEG ---------------------------------------------------------------------------------------


def _jpeg(data: bytes) -> ImageHeader:
    """Walk the marker segments to the first frame header (SOFn: P, Y, X, Nf), then count the scans
    (SOS), which a progressive decoder each runs over the whole image."""
    pos, size = 2, len(data)
    frame: tuple[int, int, int] | None = None
    scans = 0
    while pos < size:
        if data[pos] != 0xFF:
            raise ImageHeaderError(f"JPEG marker expected at offset {pos}")
        while pos < size and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= size:
            break
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # EOI
            break
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # standalone markers
            continue
        (length,) = struct.unpack_from(">H", data, pos)
        if length < 2:
            raise ImageHeaderError(f"JPEG segment {marker:02X} has length {length}")
        if marker in _SOF and frame is None:
            height, width, components = struct.unpack_from(">HHB", data, pos + 3)
            frame = (width, height, components)
        pos += length
        if marker == 0xDA:  # SOS: entropy-coded data follows up to the next real marker
            scans += 1
            pos = _skip_entropy_coded(data, pos)
    if frame is None:
        raise ImageHeaderError("JPEG has no frame header (SOFn)")
    if frame[1] == 0:
        raise ImageHeaderError("JPEG frame claims height 0 (DNL), which is not supported")
    return ImageHeader(JPEG, frame[0], frame[1], frame[2], scans)


def _skip_entropy_coded(data: bytes, pos: int) -> int:
    """Offset of the next marker after entropy-coded data (FF00 is a stuffed byte, FFD0-FFD7 restarts)."""
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= len(data):
            return len(data)
        nxt = data[pos + 1]
        if nxt == 0x00 or 0xD0 <= nxt <= 0xD7 or nxt == 0xFF:
            pos += 1 if nxt == 0xFF else 2
            continue
        return pos


# --- JPEG 2000 ------------------------------------------------------------------------------------


def _siz(data: bytes, pos: int) -> ImageHeader:
    """SIZ marker segment at `pos` (FF51): Lsiz Rsiz Xsiz Ysiz XOsiz YOsiz XTsiz YTsiz XTOsiz YTOsiz Csiz."""
    if data[pos : pos + 2] != b"\xff\x51":
        raise ImageHeaderError("JPEG 2000 codestream lacks its SIZ marker")
    xsiz, ysiz, xo, yo = struct.unpack_from(">IIII", data, pos + 6)
    (csiz,) = struct.unpack_from(">H", data, pos + 38)
    if xo >= xsiz or yo >= ysiz:
        raise ImageHeaderError("JPEG 2000 SIZ image offset lies outside the image")
    return ImageHeader(JPEG2000, xsiz - xo, ysiz - yo, csiz)


def _jpeg2000(data: bytes) -> ImageHeader:
    if data[:4] == _J2K_SOC_SIZ:
        return _siz(data, 2)
    # JP2 file: boxes (LBox, TBox[, XLBox]); the header superbox jp2h holds ihdr (HEIGHT WIDTH NC ...).
    # The codestream's SIZ is what the decoder obeys, so where both are present the larger counts.
    pos, end = 0, len(data)
    ihdr: ImageHeader | None = None
    siz: ImageHeader | None = None
    stack: list[int] = []  # ends of the containers around the current one (jp2h is a superbox)
    for _ in range(_MAX_JP2_BOXES):
        while pos + 8 > end and stack:
            pos, end = end, stack.pop()
        if pos + 8 > end:
            break
        length, box = struct.unpack_from(">I4s", data, pos)
        header = 8
        if length == 1:
            (length,) = struct.unpack_from(">Q", data, pos + 8)
            header = 16
        elif length == 0:
            length = end - pos
        if length < header or pos + length > end:
            raise ImageHeaderError(f"JPEG 2000 box {box!r} has an impossible length")
        if box == b"jp2h":
            stack.append(end)
            end = pos + length
            pos += header
            continue
        if box == b"ihdr":
            height, width, components = struct.unpack_from(">IIH", data, pos + header)
            ihdr = ImageHeader(JPEG2000, width, height, components)
        elif box == b"jp2c":
            siz = _siz(data, pos + header + 2) if data[pos + header : pos + header + 2] == b"\xff\x4f" else None
            if siz is None:
                raise ImageHeaderError("JPEG 2000 codestream box does not start with SOC")
        pos += length
        if ihdr is not None and siz is not None:
            break
    found = [h for h in (ihdr, siz) if h is not None]
    if not found:
        raise ImageHeaderError("JP2 file has neither an image header box (ihdr) nor a codestream")
    return max(found, key=lambda h: (h.pixels, h.components or 0))


# --- PNG, TIFF, WebP, BMP --------------------------------------------------------------------------


def _png(data: bytes) -> ImageHeader:
    length, chunk, width, height, _depth, colour = struct.unpack_from(">I4sIIBB", data, 8)
    if chunk != b"IHDR" or length != 13:
        raise ImageHeaderError("PNG does not start with its IHDR chunk")
    components = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(colour)
    if components is None:
        raise ImageHeaderError(f"PNG colour type {colour} is not defined")
    return ImageHeader(PNG, width, height, components)


_TIFF_TYPES = {3: ("H", 2), 4: ("I", 4), 16: ("Q", 8)}  # SHORT, LONG, LONG8


def _tiff(data: bytes) -> ImageHeader:
    """Every IFD of the chain (multi-page scans); the largest page is what a decoder may meet."""
    order = "<" if data[:2] == b"II" else ">"
    big = struct.unpack_from(order + "H", data, 2)[0] == 43
    if big:
        (offset,) = struct.unpack_from(order + "Q", data, 8)
        count_fmt, entry_size, next_fmt = "Q", 20, "Q"
    else:
        (offset,) = struct.unpack_from(order + "I", data, 4)
        count_fmt, entry_size, next_fmt = "H", 12, "I"
    seen: set[int] = set()
    best: ImageHeader | None = None
    while offset and len(seen) < _MAX_TIFF_PAGES:
        if offset in seen:
            raise ImageHeaderError("TIFF IFD chain loops")
        seen.add(offset)
        if offset >= len(data):  # BigTIFF offsets are 64-bit: compare before indexing with them
            raise ImageHeaderError("TIFF directory offset lies past the end of the file")
        (count,) = struct.unpack_from(order + count_fmt, data, offset)
        pos = offset + struct.calcsize(count_fmt)
        if pos + count * entry_size > len(data):
            raise ImageHeaderError("TIFF directory runs past the end of the file")
        fields: dict[int, int] = {}
        for index in range(count):
            entry = pos + index * entry_size
            tag, kind = struct.unpack_from(order + "HH", data, entry)
            if tag in (256, 257, 277) and kind in _TIFF_TYPES:
                fmt, _ = _TIFF_TYPES[kind]
                value_at = entry + (12 if big else 8)  # the value sits left-justified in the offset field
                (fields[tag],) = struct.unpack_from(order + fmt, data, value_at)
        if 256 not in fields or 257 not in fields:
            raise ImageHeaderError("TIFF page lacks ImageWidth or ImageLength")
        page = ImageHeader(TIFF, fields[256], fields[257], fields.get(277, 1))
        if best is None or (page.pixels, page.components or 0) > (best.pixels, best.components or 0):
            best = page
        (offset,) = struct.unpack_from(order + next_fmt, data, pos + count * entry_size)
    if best is None:
        raise ImageHeaderError("TIFF has no image directory")
    return best


def _webp(data: bytes) -> ImageHeader:
    chunk = data[12:16]
    if chunk == b"VP8X":  # extended: canvas size, 24-bit minus-one values
        if len(data) < 30:
            raise ImageHeaderError("WebP header is truncated")
        w = int.from_bytes(data[24:27], "little") + 1
        h = int.from_bytes(data[27:30], "little") + 1
        return ImageHeader(WEBP, w, h, 4)
    if chunk == b"VP8 ":  # lossy: key frame start code 9D 01 2A, then 14-bit width and height
        if data[23:26] != b"\x9d\x01\x2a":
            raise ImageHeaderError("WebP VP8 key frame start code missing")
        w, h = struct.unpack_from("<HH", data, 26)
        return ImageHeader(WEBP, w & 0x3FFF, h & 0x3FFF, 3)
    if chunk == b"VP8L":  # lossless: signature 2F, then 14 + 14 bits (minus one)
        if data[20] != 0x2F:
            raise ImageHeaderError("WebP VP8L signature missing")
        (bits,) = struct.unpack_from("<I", data, 21)
        return ImageHeader(WEBP, (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, 4)
    raise ImageHeaderError("WebP has no VP8, VP8L or VP8X chunk first")


def _bmp(data: bytes) -> ImageHeader:
    (dib,) = struct.unpack_from("<I", data, 14)
    if dib == 12:  # BITMAPCOREHEADER: 16-bit unsigned sizes
        w, h, _, bits = struct.unpack_from("<HHHH", data, 18)
    elif dib >= 40:  # BITMAPINFOHEADER and later: signed 32-bit, negative height = top-down
        w, h, _, bits = struct.unpack_from("<iiHH", data, 18)
        h = abs(h)
    else:
        raise ImageHeaderError(f"BMP DIB header of {dib} bytes is not defined")
    return ImageHeader(BMP, w, h, 4 if bits == 32 else 3 if bits >= 16 else 1)


_READERS = {JPEG: _jpeg, JPEG2000: _jpeg2000, PNG: _png, TIFF: _tiff, WEBP: _webp, BMP: _bmp}
