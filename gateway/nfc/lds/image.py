"""Face image bytes: what format they really are (magic bytes) and whether they decode.

The record's own format field is only a claim; the desk wants to know that the bytes are a
picture it can show — JPEG 2000 included, which other readers fail to display (field guide §5).
The size the image header claims is checked before OpenCV decodes anything
(`gateway.imaging.header`, `gateway.limits.MAX_FACE_IMAGE_PIXELS`): a decoder allocates what the
header claims, and a 714-byte DG2 claiming 32000×32000 pixels cost 5.9 GB and 27 s.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.imaging.header import ImageHeaderError, ImageTooLargeError, check_size
from gateway.limits import MAX_FACE_IMAGE_PIXELS
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


class FaceImageTooLarge(LDSError):
    """The face image's header claims more pixels or components than `MAX_FACE_IMAGE_PIXELS` /
    `MAX_IMAGE_COMPONENTS` allow; it was not decoded."""

    reason = "IMAGE_TOO_LARGE"


def check_face_image(image: bytes) -> None:
    """Refuse a face image whose header claims more than the budget, or that is no JPEG/JPEG 2000."""
    if detect_format(image) is None:
        raise LDSError("face image is neither JPEG nor JPEG 2000")
    try:
        check_size(image, MAX_FACE_IMAGE_PIXELS, "face image")
    except ImageTooLargeError as exc:
        raise FaceImageTooLarge(str(exc)) from None
    except ImageHeaderError as exc:
        raise LDSError(f"face image header: {exc}") from None


def decode_image(image: bytes) -> DecodedImage:
    """Decode with OpenCV to prove the bytes are a displayable image, and measure it. The header's
    claimed size is checked first (FaceImageTooLarge above the budget); nothing else is decoded."""
    if not image:
        raise LDSError("face image is empty")
    check_face_image(image)
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
