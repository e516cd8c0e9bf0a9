"""The MJPEG camera simulator on the wire, read with the standard library's HTTP client (not the
reader side): multipart/x-mixed-replace parts with Content-Type and Content-Length, the corrupt
frame fault, the snapshot and the 404; and `gateway-sim camera` driven over stdin."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

import cv2
import numpy as np
import pytest

from simulators.camera import BOUNDARY, STREAM_PATH, CameraServer, Faults

ROOT = Path(__file__).resolve().parent.parent


def _parts(response: http.client.HTTPResponse, count: int) -> list[tuple[dict[str, str], bytes]]:
    """Read `count` parts of a multipart stream by its boundary lines and Content-Length."""
    parts = []
    while len(parts) < count:
        line = response.readline()
        if not line.strip():
            continue
        assert line.strip() == f"--{BOUNDARY}".encode(), line[:60]
        headers: dict[str, str] = {}
        while (line := response.readline().strip()):
            key, _, value = line.decode().partition(":")
            headers[key.strip().lower()] = value.strip()
        body = response.read(int(headers["content-length"]))
        parts.append((headers, body))
    return parts


def _open(url: str, path: str = STREAM_PATH) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=5)
    conn.request("GET", path)
    return conn, conn.getresponse()


def _decode(jpeg: bytes) -> np.ndarray | None:
    return cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)


def test_stream_is_multipart_jpeg() -> None:
    with CameraServer(fps=20) as cam:
        conn, resp = _open(cam.url)
        try:
            assert resp.status == 200
            assert resp.getheader("Content-Type") == f"multipart/x-mixed-replace; boundary={BOUNDARY}"
            parts = _parts(resp, 3)
        finally:
            conn.close()
    for headers, body in parts:
        assert headers["content-type"] == "image/jpeg"
        assert body[:2] == b"\xff\xd8" and body[-2:] == b"\xff\xd9"
        frame = _decode(body)
        assert frame is not None and frame.shape == (960, 1280, 3)


def test_corrupt_frames_fault_sends_undecodable_parts() -> None:
    with CameraServer(fps=20, faults=Faults(corrupt_every=2)) as cam:
        conn, resp = _open(cam.url)
        try:
            parts = _parts(resp, 6)
        finally:
            conn.close()
    from gateway.imaging.header import ImageHeaderError, ImageTooLargeError, check_size

    assert all(body[:2] == b"\xff\xd8" for _, body in parts)  # garbage that still looks like JPEG
    kinds = []
    for _, body in parts:
        try:
            check_size(body, 40_000_000, "frame")  # before any decoder sees it
        except ImageHeaderError as exc:
            kinds.append(type(exc))
        else:
            kinds.append(None if _decode(body) is not None else "undecodable")
    assert kinds.count(None) == 3
    assert ImageTooLargeError in kinds  # a decompression bomb among them
    assert ImageHeaderError in kinds or "undecodable" in kinds  # and plain noise


def test_placed_page_is_in_the_snapshot_and_unknown_paths_are_404() -> None:
    from simulators.documents.profiles import spec_from_profile

    with CameraServer(fps=20) as cam:
        conn, resp = _open(cam.url, "/frame.jpg")
        empty = _decode(resp.read())
        conn.close()
        cam.place(spec_from_profile("td3-bac"))
        for _ in range(12):  # slide-in and focus frames pass
            cam._produce_one()
        conn, resp = _open(cam.url, "/frame.jpg")
        placed = _decode(resp.read())
        conn.close()
        conn, resp = _open(cam.url, "/nothing")
        assert resp.status == 404
        conn.close()
    assert empty is not None and placed is not None
    assert placed.mean() > empty.mean() + 30  # the white page lies on the dark desk


def test_cli_serves_and_obeys_stdin_commands() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "simulators.cli", "camera", "--port", "0", "--size", "640x480"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=ROOT)
    try:
        assert proc.stdout is not None and proc.stdin is not None
        first = proc.stdout.readline()
        assert first.startswith("stream: http://127.0.0.1:") and first.strip().endswith(STREAM_PATH)
        url = first.split(" ", 1)[1].strip()
        proc.stdout.readline()
        proc.stdin.write("place\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "document placed"
        conn, resp = _open(url)
        [(_, body)] = _parts(resp, 1)
        conn.close()
        assert _decode(body).shape == (480, 640, 3)
        proc.stdin.write("bogus\nremove\nquit\n")
        proc.stdin.flush()
        assert proc.wait(timeout=10) == 0
        out = proc.stdout.read()
        assert "commands: place" in out and "document removed" in out and "frames sent:" in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize(("argv", "message"), [
    (["--size", "10x10"], "--size"),
    (["--profile", "no-such-profile"], "no-such-profile"),
    (["--fault", "corrupt-frames", "--corrupt-every", "1"], "at least 2"),
])
def test_cli_refuses_bad_options(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    from simulators.cli import main

    assert main(["camera", "--port", "0", *argv]) == 2
    assert message in capsys.readouterr().err
