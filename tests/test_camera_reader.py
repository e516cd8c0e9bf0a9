"""The camera adapter over the real stack: the MJPEG simulator on a real TCP port, OpenCV's
`VideoCapture` (FFmpeg) reading its http URL, the reader thread and the imaging cores; the MRZ of
the captured frame read back by the real MRZ reader. Small frames (1280x960) at 10 fps keep each
test to a few seconds."""

from __future__ import annotations

import time

import pytest

from gateway.drivers.camera import CameraReader
from gateway.drivers.document_reader import (
    CaptureFailedError,
    DeviceGoneError,
    DocumentPlaced,
    DocumentReader,
    DocumentReaderError,
    DocumentRemoved,
    Light,
    load_driver,
)
from simulators.camera import CameraServer, Faults
from simulators.documents.profiles import spec_from_profile


@pytest.fixture(scope="module")
def spec():
    return spec_from_profile("td3-bac")


@pytest.fixture
def camera():
    with CameraServer(fps=10) as cam:
        yield cam


def _place(cam: CameraServer, spec) -> float:
    """Put the page down; the monotonic time of the first frame that shows it (the frame after)."""
    cam.place(spec)
    return time.monotonic()


def _event(reader: CameraReader, kind: type, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        event = reader.wait_event(deadline - time.monotonic())
        if isinstance(event, kind):
            return event
    raise AssertionError(f"no {kind.__name__} within {timeout} s")


def test_placed_capture_reads_back_and_removed(camera, spec) -> None:
    from gateway.mrz.image import read_mrz_image

    with CameraReader(camera.url, timeout_s=2.0) as reader:
        assert isinstance(reader, DocumentReader)
        assert reader.wait_event(0.6) is None  # the empty desk: no event
        placed_at = _place(camera, spec)
        placed = _event(reader, DocumentPlaced)
        assert 0 < placed.at - placed_at < 2.0
        [shot] = reader.capture([Light.WHITE])
        assert shot.light is Light.WHITE and shot.dpi == 0.0
        assert (shot.width, shot.height) == (1280, 960) and shot.image.shape == (960, 1280, 3)
        assert shot.taken_at > placed.at
        result = read_mrz_image(shot.image)
        assert result.mrz is not None and list(result.mrz.lines) == camera.scene.mrz_lines
        removed_at = time.monotonic()
        camera.remove()
        removed = _event(reader, DocumentRemoved)
        assert 0 < removed.at - removed_at < 2.0
        reader.settle_timeout_s = 0.5
        with pytest.raises(CaptureFailedError, match="no document in view"):
            reader.capture([Light.WHITE])
        assert reader.stats.corrupt_frames == 0 and reader.stats.connections == 1


def test_capture_waits_for_the_page_to_settle(camera, spec) -> None:
    """capture right after the placement: never a sliding or focusing frame."""
    with CameraReader(camera.url, timeout_s=2.0) as reader:
        assert reader.wait_event(0.5) is None
        _place(camera, spec)
        [shot] = reader.capture([Light.WHITE])
        from gateway.imaging.frame_measures import grey, sharpness

        still = camera.scene.still
        assert still is not None
        assert sharpness(grey(shot.image)) > 0.9 * sharpness(grey(still))


def test_corrupt_frames_are_skipped_and_counted(spec) -> None:
    with CameraServer(fps=10, faults=Faults(corrupt_every=3)) as cam, CameraReader(cam.url, timeout_s=2.0) as reader:
        assert reader.wait_event(0.5) is None
        _place(cam, spec)
        _event(reader, DocumentPlaced)
        [shot] = reader.capture([Light.WHITE])
        assert shot.image.shape == (960, 1280, 3)
        sent = cam.stats.corrupt_sent
        assert reader.stats.corrupt_frames >= 2
        assert reader.stats.corrupt_frames <= sent
        assert reader.stats.connections == 1 and reader.stats.ended == 0


def test_stalled_stream_fails_within_the_timeout_then_reconnects(spec) -> None:
    with CameraServer(fps=10, faults=Faults(stall_after=0.8)) as cam, CameraReader(cam.url, timeout_s=1.0) as reader:
        started = time.monotonic()
        with pytest.raises(CaptureFailedError, match="camera stream stalled"):
            while True:
                reader.wait_event(5.0)
        elapsed = time.monotonic() - started
        assert elapsed < 0.8 + 1.0 + 0.8
        assert reader.stats.stalls == 1
        cam.faults.stall_after = None  # the camera is well again: the next call connects anew
        assert reader.wait_event(0.5) is None
        assert reader.stats.connections == 2


def test_dropped_stream_is_device_gone_and_recovers_when_the_server_is_back(spec) -> None:
    cam = CameraServer(fps=10, faults=Faults(drop_after=0.8)).start()
    port = cam.port
    reader = CameraReader(cam.url, timeout_s=2.0)
    try:
        with pytest.raises(DeviceGoneError, match="stream ended"):
            while True:
                reader.wait_event(5.0)
        cam.close()
        with pytest.raises(DeviceGoneError, match="cannot open"):
            reader.wait_event(0.2)  # the server is gone
        with CameraServer(fps=10, port=port) as back:
            assert reader.wait_event(0.5) is None
            _place(back, spec)
            assert isinstance(_event(reader, DocumentPlaced), DocumentPlaced)
            assert reader.capture([Light.WHITE])[0].image.shape == (960, 1280, 3)
            assert reader.stats.ended == 1 and reader.stats.connections == 2
    finally:
        reader.close()
        cam.close()


def test_drop_command_closes_open_connections(camera) -> None:
    with CameraReader(camera.url, timeout_s=2.0) as reader:
        assert reader.wait_event(0.3) is None
        camera.drop_connections()
        with pytest.raises(DeviceGoneError):
            reader.wait_event(3.0)
        assert reader.wait_event(0.3) is None  # reconnected


def test_load_driver_by_entry_point(camera) -> None:
    reader = load_driver("camera", url=camera.url, timeout_s=2.0)
    try:
        assert isinstance(reader, CameraReader)
        caps = reader.capabilities()
        assert caps.lights == frozenset({Light.WHITE}) and caps.presence and not caps.chip
        assert reader.chip_reader() is None
        assert reader.wait_event(0.3) is None
    finally:
        reader.close()


def test_bad_settings_are_refused_clearly() -> None:
    with pytest.raises(ValueError, match="need their own illuminated stream"):
        CameraReader("http://127.0.0.1:1/stream.mjpg", lights=("white", "ir"))
    with pytest.raises(ValueError, match="unknown light"):
        CameraReader("http://127.0.0.1:1/stream.mjpg", lights=("green",))
    with pytest.raises(ValueError, match="scheme 'ftp'"):
        CameraReader("ftp://127.0.0.1/stream")
    with pytest.raises(ValueError, match="exactly one"):
        CameraReader("http://a/x", device=0)
    with pytest.raises(ValueError, match="timeout_s must be positive"):
        CameraReader(0, timeout_s=0)
    assert CameraReader("0").source == 0
    assert CameraReader(device="/dev/video9").source == "/dev/video9"


def test_messages_never_carry_stream_credentials() -> None:
    reader = CameraReader("http://desk:s3cret@127.0.0.1:1/stream.mjpg", open_timeout_s=0.5)
    assert "s3cret" not in reader.name and "desk:" not in reader.name
    with pytest.raises(DeviceGoneError) as info:
        reader.wait_event(0.1)
    assert "s3cret" not in str(info.value) and "cannot open" in str(info.value)


def test_capture_refuses_lights_it_has_not(camera) -> None:
    with CameraReader(camera.url, timeout_s=2.0) as reader, pytest.raises(DocumentReaderError, match="white only"):
        reader.capture([Light.WHITE, Light.IR])
