"""Image handling shared by every source of pictures (chip faces, page scans): header checks that
run before any decoder sees hostile bytes. The document camera's sans-IO cores live beside them
(frame_measures, presence, best_frame, document_watch); they need OpenCV, so they are imported by
module, not from here."""

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
