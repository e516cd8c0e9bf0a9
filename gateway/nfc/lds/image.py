"""Face image bytes: what format they really are (magic bytes) and whether they decode.

The record's own format field is only a claim; the desk wants to know that the bytes are a
picture it can show — JPEG 2000 included, which other readers fail to display (field guide §5).
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.nfc.lds.errors import LDSError, LDSUnsupportedError

JPEG = "JPEG"
JPEG2000 = "JPEG2000"

_JP2_SIGNATURE = bytes.fromhex("0000000C6A5020200D0A870A")
_J2K_CODESTREAM = bytes.fromhex("FF4FFF51")
MIME_TYPES = {JPEG: "image/jpeg", JPEG2000: "image/jp2"}


def detect_format(image: bytes) -> str | None:
    """JPEG (FFD8FF), JPEG 2000 as JP2 file or as bare codestream; None for anything else."""
    if image[:3] == b"\xff\xd8\xff":
        return JPEG
    if image[:12] == _JP2_SIGNATURE or image[:4] == _J2K_CODESTREAM:
        return JPEG2000
    return None


@dataclass(frozen=True, slots=True)
class DecodedImage:
    width: int
    height: int
    channels: int


def decode_image(image: bytes) -> DecodedImage:
    """Decode with OpenCV to prove the bytes are a displayable image, and measure it."""
    if not image:
        raise LDSError("face image is empty")
    try:
        import cv2
        import numpy as np
    except ImportError as exc:  # pragma: no cover - opencv is a declared dependency
        raise LDSUnsupportedError("OpenCV is not available to decode face images") from exc
    try:
        pixels = cv2.imdecode(np.frombuffer(image, dtype=np.uint8), cv2.IMREAD_UNCHANGED)
    except cv2.error:
        pixels = None
    if pixels is None or pixels.size == 0:
        raise LDSError(f"face image ({detect_format(image) or 'unknown format'}) does not decode")
    channels = 1 if pixels.ndim == 2 else int(pixels.shape[2])
    return DecodedImage(width=int(pixels.shape[1]), height=int(pixels.shape[0]), channels=channels)
