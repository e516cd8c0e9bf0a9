"""Bad input to the image reader: each a clear one-line error or an "MRZ not found" result, within
stated bounds — at most 40 Mpx are ever decoded (a bigger header is refused before any decoder
runs), and at most 6 candidate bands are examined whatever the picture holds."""

from __future__ import annotations

import struct
import subprocess
import sys
import zlib

import cv2
import numpy as np
import pytest

from gateway.mrz.image import ImageError, read_mrz_image
from gateway.mrz.image.decode import DEFAULT_MAX_PIXELS, read_header
from simulators.documents import Degradation, render


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def huge_png(side: int = 20000) -> bytes:
    """A valid, complete 1-bit PNG of side x side white pixels: ~60 KB on disk, 400 MB decoded as gray."""
    row = b"\x00" + b"\xff" * (side // 8)
    z = zlib.compressobj(9)
    parts = [z.compress(row * 1000) for _ in range(side // 1000)]
    parts.append(z.flush())
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", b"".join(parts)) + _chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def doc_jpeg() -> bytes:
    return render(seed=3, fmt="TD3", degradation=Degradation(dpi=200, jpeg=90)).encoded


def test_not_an_image() -> None:
    for data, code in ((b"hello, this is text\n", "not_an_image"), (b"", "empty"),
                       (b"GIF89a" + b"\x00" * 40, "unsupported"), (b"BM" + b"\x00" * 60, "unsupported")):
        with pytest.raises(ImageError) as e:
            read_mrz_image(data)
        assert e.value.code == code and "\n" not in str(e.value)


def test_truncated_jpeg_and_png(doc_jpeg: bytes) -> None:
    with pytest.raises(ImageError) as e:
        read_mrz_image(doc_jpeg[: len(doc_jpeg) // 2])
    assert e.value.code == "truncated" and "JPEG" in str(e.value)
    png = render(seed=3, fmt="TD1", degradation=Degradation(dpi=150)).encoded
    for cut in (20, len(png) // 3, len(png) - 5):
        with pytest.raises(ImageError) as e:
            read_mrz_image(png[:cut])
        assert e.value.code == "truncated"
    flipped = bytearray(png)
    flipped[60] ^= 0xFF  # inside the first data chunk: its CRC no longer matches
    with pytest.raises(ImageError) as e:
        read_mrz_image(bytes(flipped))
    assert e.value.code in ("corrupt", "truncated")


def test_corrupt_jpeg_data_is_an_error_or_a_result_never_a_crash(doc_jpeg: bytes) -> None:
    bad = bytearray(doc_jpeg)
    rng = np.random.default_rng(1)
    for i in rng.integers(len(bad) // 3, len(bad) - 10, 200):
        bad[i] = int(rng.integers(0, 255))
    try:
        r = read_mrz_image(bytes(bad))
    except ImageError as exc:
        assert exc.code == "corrupt"
    else:
        assert r.status in ("read", "not_found", "multiple")


def test_20000_square_png_is_refused_from_its_header() -> None:
    data = huge_png()
    assert len(data) < 200_000
    header = read_header(data)
    assert (header.width, header.height) == (20000, 20000)
    with pytest.raises(ImageError) as e:
        read_mrz_image(data)
    assert e.value.code == "too_large" and "20000×20000" in str(e.value) and "40,000,000" in str(e.value)
    assert DEFAULT_MAX_PIXELS < 20000 * 20000


def test_refusal_costs_no_decoding_memory(tmp_path) -> None:
    """Bounded memory, shown by the process's own peak: decoding would need 400 MB for the pixels."""
    path = tmp_path / "huge.png"
    path.write_bytes(huge_png())
    code = (
        "import resource, sys\n"
        "from gateway.mrz.image import ImageError, read_mrz_image\n"
        f"data = open({str(path)!r}, 'rb').read()\n"
        "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try:\n    read_mrz_image(data)\nexcept ImageError as e:\n    print(e.code)\n"
        "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) // 1024)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    code_seen, grown_mb = out.stdout.split()
    assert code_seen == "too_large" and int(grown_mb) < 50


def test_tiny_image_is_refused() -> None:
    _, buf = cv2.imencode(".png", np.full((10, 10), 255, np.uint8))
    with pytest.raises(ImageError) as e:
        read_mrz_image(buf.tobytes())
    assert e.value.code == "too_small"


def test_blank_page_is_not_found() -> None:
    page = np.full((1754, 1240), 250, np.uint8)  # A4 at 150 dpi
    page = np.clip(page + np.random.default_rng(2).normal(0, 2, page.shape), 0, 255).astype(np.uint8)
    r = read_mrz_image(page)
    assert r.status == "not_found" and r.mrz is None and not r.valid
    assert [w.code for w in r.warnings] == ["MRZ_NOT_FOUND"]
    assert "keine MRZ" in r.warnings[0].message_de


@pytest.mark.parametrize("kind", ["uniform", "salt-and-pepper", "text-like"])
def test_noise_is_not_found_and_bounded(kind: str) -> None:
    rng = np.random.default_rng(3)
    if kind == "uniform":
        img = rng.integers(0, 256, (900, 1200), dtype=np.uint8)
    elif kind == "salt-and-pepper":
        img = np.where(rng.random((900, 1200)) < 0.05, 0, 255).astype(np.uint8)
    else:  # short dark dashes at random: looks like print to a locator, is no MRZ
        img = np.full((900, 1200), 245, np.uint8)
        for _ in range(600):
            x, y = int(rng.integers(0, 1180)), int(rng.integers(0, 890))
            cv2.line(img, (x, y), (x + int(rng.integers(4, 20)), y), 20, 2)
    r = read_mrz_image(img)
    assert r.status == "not_found" and r.mrz is None
    assert r.candidates <= 6


def test_two_mrzs_on_one_page_are_reported_not_picked() -> None:
    a = render(seed=71, fmt="TD3", degradation=Degradation(dpi=200)).image
    b = render(seed=72, fmt="TD1", degradation=Degradation(dpi=200, skew=3)).image
    canvas = np.full((a.shape[0] + b.shape[0] + 60, max(a.shape[1], b.shape[1]) + 40, 3), 245, np.uint8)
    canvas[20:20 + a.shape[0], 20:20 + a.shape[1]] = a
    canvas[40 + a.shape[0]:40 + a.shape[0] + b.shape[0], 20:20 + b.shape[1]] = b
    r = read_mrz_image(cv2.cvtColor(canvas, cv2.COLOR_RGB2BGR))
    assert r.status == "multiple" and r.mrz_count == 2
    assert r.mrz is None and not r.valid and r.rescan
    assert any(w.code == "MULTIPLE_MRZ" and "2" in w.message for w in r.warnings)


def test_arrays_of_the_wrong_kind() -> None:
    for bad in (np.zeros((100, 100), np.float32), np.zeros((100, 100, 2), np.uint8), "not an array"):
        with pytest.raises(ImageError):
            read_mrz_image(bad)  # type: ignore[arg-type]
