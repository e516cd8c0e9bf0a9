"""Image handling shared by every source of pictures (chip faces, page scans): header checks that
run before any decoder sees hostile bytes."""

from gateway.imaging.header import (
    BMP,
    JPEG,
    JPEG2000,
    PNG,
    TIFF,
    WEBP,
    ImageHeader,
    ImageHeaderError,
    ImageTooLargeError,
    check_size,
    detect,
    read_header,
)

__all__ = [
    "BMP",
    "JPEG",
    "JPEG2000",
    "PNG",
    "TIFF",
    "WEBP",
    "ImageHeader",
    "ImageHeaderError",
    "ImageTooLargeError",
    "check_size",
    "detect",
    "read_header",
]
