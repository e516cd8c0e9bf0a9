"""Desk document readers in the daemon, over the real stack: the simulated saned on a real TCP
port, libsane's `net` backend through `scanimage`, the SANE adapter in the daemon's reader thread,
and WatchDevices over real gRPC. No chip here (see test_desk_one_touch_pcsc.py for the whole desk)."""

from __future__ import annotations

import shutil
import textwrap
import time

import pytest

from gateway.client import GatewayClient
from gateway.service.config import load_config
from simulators.documents.profiles import spec_from_profile
from simulators.scanner.sane_config import write_sane_config
from simulators.scanner.server import SimulatedScanner
from tests.api_support import DaemonThread
from tests.line_reader_daemon_support import in_background, wait_until

pytestmark = pytest.mark.skipif(shutil.which("scanimage") is None, reason="sane-utils not installed")


@pytest.fixture
def scanner():
    sim = SimulatedScanner()  # its own loopback address, port 6566
    yield sim
    sim.close()


def _daemon(tmp_path, sim, extra: str = "") -> DaemonThread:
    sane = tmp_path / "sane"
    write_sane_config(sane, [sim.host], connect_timeout=2)
    path = tmp_path / "gateway.toml"
    path.write_text(textwrap.dedent(f"""
        [server]
        listen = ["127.0.0.1:0"]
        [[devices]]
        id = "desk1-scanner"
        desk = "desk1"
        driver = "sane"
        lights = ["white", "ir", "uv"]
        [devices.settings]
        device = "{sim.device}"
        dpi = 150
        sane_config_dir = "{sane}"
        presence_option = "page-loaded"
        poll_s = 0.1
        """) + extra)
    return DaemonThread(load_config(path))


def test_placing_and_removing_a_document_is_seen_by_watchers(tmp_path, scanner) -> None:
    with _daemon(tmp_path, scanner) as daemon, GatewayClient(daemon.address) as client:
        wait_until(lambda: client.describe_device("desk1-scanner").attached, "the scanner attached", 15)
        device = client.describe_device("desk1-scanner")
        assert device.driver == "sane" and device.desk == "desk1"
        assert set(device.capabilities) == {"IMAGE_VISIBLE", "IMAGE_INFRARED", "IMAGE_ULTRAVIOLET"}
        assert device.document == "ABSENT"
        watch = client.watch_devices(["desk1-scanner"], send_initial_state=False)
        events = in_background(lambda: iter(watch))
        try:
            scanner.place(spec_from_profile("td3-bac"))
            assert events.next("DeviceEvent", 15).kind == "DOCUMENT_INSERTED"
            assert client.describe_device("desk1-scanner").document == "PRESENT"
            scanner.remove()
            assert events.next("DeviceEvent", 15).kind == "DOCUMENT_REMOVED"
        finally:
            watch.cancel()


def test_a_scanner_that_goes_away_is_unavailable_then_back_without_a_restart(tmp_path, scanner) -> None:
    with _daemon(tmp_path, scanner) as daemon, GatewayClient(daemon.address) as client:
        wait_until(lambda: client.describe_device("desk1-scanner").attached, "the scanner attached", 15)
        scanner.vanish()
        gone = wait_until(lambda: (d := client.describe_device("desk1-scanner")) and not d.attached and d,
                          "the scanner reported gone", 20)
        assert gone.health.state == "UNAVAILABLE" and gone.health.reason == "DETACHED"
        scanner.restore()
        wait_until(lambda: client.describe_device("desk1-scanner").attached, "the scanner back", 20)
        assert client.describe_device("desk1-scanner").health.state == "OK"


def test_one_touch_without_a_document_reader_says_so() -> None:
    from gateway.client import GatewayError

    with DaemonThread() as daemon, GatewayClient(daemon.address) as client:
        with pytest.raises(GatewayError) as err:
            client.verify(wait_document=True, timeout=5)
        assert err.value.reason == "DEVICE_UNSUPPORTED" and "no desk document reader" in str(err.value)
        with pytest.raises(GatewayError) as err:
            client.verify(wait_document=True, mrz="P<UTO", timeout=5)
        assert err.value.reason == "INVALID_ARGUMENT" or err.value.code.name == "INVALID_ARGUMENT"


def test_one_touch_times_out_when_nothing_is_placed(tmp_path, scanner) -> None:
    from gateway.client import GatewayError

    with _daemon(tmp_path, scanner) as daemon, GatewayClient(daemon.address) as client:
        wait_until(lambda: client.describe_device("desk1-scanner").attached, "the scanner attached", 15)
        events = []
        with pytest.raises(GatewayError) as err:
            for item in client.verify_stream(wait_document=True, reader_id="desk1", timeout=1.0):
                events.append(type(item).__name__)
        assert events == ["AwaitingDocument"]
        assert err.value.code.name == "DEADLINE_EXCEEDED"


def test_one_touch_without_a_chip_reader_checks_the_page_only(tmp_path, scanner) -> None:
    """A desk with a scanner but no chip reader: the MRZ and the optical checks, never GENUINE."""
    with _daemon(tmp_path, scanner) as daemon, GatewayClient(daemon.address, timeout=60) as client:
        wait_until(lambda: client.describe_device("desk1-scanner").attached, "the scanner attached", 15)
        scanner.place(spec_from_profile("td3-bac"))
        result = client.verify(wait_document=True, reader_id="desk1")
        checks = {c.name: c for c in result.verdict.checks}
        assert result.verdict.status.value == "INCONCLUSIVE"
        assert checks["mrz_check_digits"].status.value == "PASSED"
        assert checks["mrz_ir_visible"].status.value == "PASSED" and checks["uv_dull_paper"].status.value == "PASSED"
        assert checks["chip_access"].reason == "CHIP_NOT_READ"
        assert result.reader_id == "desk1-scanner" and result.timings.phases["capture"] > 0


def test_a_scanner_gone_mid_scan_fails_the_call_clearly_and_the_next_one_works(tmp_path, scanner) -> None:
    from gateway.client import GatewayError

    with _daemon(tmp_path, scanner) as daemon, GatewayClient(daemon.address, timeout=60) as client:
        wait_until(lambda: client.describe_device("desk1-scanner").attached, "the scanner attached", 15)
        scanner.vanish(mid_scan=True)
        scanner.place(spec_from_profile("td3-bac"))
        with pytest.raises(GatewayError) as err:
            client.verify(wait_document=True, reader_id="desk1", timeout=30)
        assert err.value.reason == "DEVICE_DETACHED", err.value
        scanner.restore()
        wait_until(lambda: client.describe_device("desk1-scanner").attached, "the scanner back", 20)
        scanner.remove()
        wait_until(lambda: client.describe_device("desk1-scanner").document == "ABSENT", "no document", 10)
        scanner.place(spec_from_profile("td3-bac"))
        result = client.verify(wait_document=True, reader_id="desk1", timeout=30)
        assert {c.name: c for c in result.verdict.checks}["mrz_check_digits"].status.value == "PASSED"


def test_a_camera_desk_reader_in_the_daemon(tmp_path) -> None:
    """driver = "camera": OpenCV on the MJPEG simulator's stream, presence from the frames, one touch
    with the white image only (the IR/UV checks say there was no such image)."""
    from simulators.camera import CameraServer

    with CameraServer(fps=10) as cam:
        path = tmp_path / "gateway.toml"
        path.write_text(textwrap.dedent(f"""
            [server]
            listen = ["127.0.0.1:0"]
            [[devices]]
            id = "desk3-camera"
            desk = "desk3"
            driver = "camera"
            [devices.settings]
            url = "{cam.url}"
            """))
        with DaemonThread(load_config(path)) as daemon, GatewayClient(daemon.address, timeout=60) as client:
            wait_until(lambda: client.describe_device("desk3-camera").attached, "the camera attached", 15)
            assert client.describe_device("desk3-camera").capabilities == ("IMAGE_VISIBLE",)
            time.sleep(1.0)  # the camera learns the empty desk from its first still frames (docs/document-camera.md)
            bg = in_background(lambda: client.verify_stream(wait_document=True, reader_id="desk3"))
            assert bg.next("AwaitingDocument", 10).device_id == "desk3-camera"
            cam.place(spec_from_profile("td3-bac"))
            result = bg.next("VerifyResult", 60)
            checks = {c.name: c for c in result.verdict.checks}
            assert checks["mrz_check_digits"].status.value == "PASSED"
            assert checks["mrz_ir_visible"].reason == "NO_IR_IMAGE"
            assert result.verdict.status.value == "INCONCLUSIVE"
            assert client.describe_device("desk3-camera").document == "PRESENT"


def test_a_document_taken_away_before_its_chip_was_read_is_a_clear_error(tmp_path, scanner) -> None:
    """The desk's chip reader never reports the card (it is not attached here); the page was taken
    off meanwhile: DOCUMENT_REMOVED, not a page-only verdict of a document nobody holds any more."""
    from gateway.client import GatewayError

    chip = '\n[[devices]]\nid = "desk1-chip"\ndesk = "desk1"\npcsc_reader = "No Such Reader 00 00"\n'
    with _daemon(tmp_path, scanner, chip) as daemon, GatewayClient(daemon.address, timeout=60) as client:
        wait_until(lambda: client.describe_device("desk1-scanner").attached, "the scanner attached", 15)
        bg = in_background(lambda: client.verify_stream(wait_document=True, reader_id="desk1"))
        bg.next("AwaitingDocument", 10)
        scanner.place(spec_from_profile("td3-bac"))
        bg.next("PagesCaptured", 15)
        scanner.remove()
        bg.wait(20)
        assert isinstance(bg.error, GatewayError) and bg.error.reason == "DOCUMENT_REMOVED", bg.error
