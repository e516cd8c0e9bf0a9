"""One touch at a simulated desk, end to end over the real stacks: the page scanner behind libsane's
`net` backend (simulated saned, real `scanimage`), the chip in a real pcscd vpcd slot, the daemon on
a real socket. Placing the document starts the flow: capture (white/IR/UV) -> MRZ OCR -> chip access
with that MRZ -> passive/active/chip authentication -> optical checks -> verdict, with progress on the
stream and DOCUMENT_INSERTED on WatchDevices. Every desk forgery profile gives its expected verdict
and the check that says why (tests/expected_verdicts.py DESK_EXPECTED)."""

from __future__ import annotations

import shutil
import textwrap

import grpc
import pytest

from gateway.client import GatewayClient
from gateway.service.config import load_config
from gateway.verdict import CheckStatus, Status
from simulators.desk.desk import SimulatedDesk
from tests.api_chip_support import PORT, engine_verifier, wait_document
from tests.api_support import DaemonThread
from tests.expected_verdicts import DESK_ERRORS, DESK_EXPECTED
from tests.line_reader_daemon_support import in_background, wait_until
from tests.pcsc_fixtures import pcscd, vpcd_card  # noqa: F401

pytestmark = [pytest.mark.pcsc,
              pytest.mark.skipif(shutil.which("scanimage") is None, reason="sane-utils not installed")]
OPTICAL = ("mrz_ir_visible", "uv_dull_paper", "portrait_matches_chip", "image_quality")


def _daemon(tmp_path, desk: SimulatedDesk) -> DaemonThread:
    path = tmp_path / "gateway.toml"
    path.write_text('[server]\nlisten = ["127.0.0.1:0"]\n\n' + desk.daemon_config()
                    + textwrap.dedent("poll_s = 0.1\n"))
    return DaemonThread(load_config(path), engine_verifier(), monitor_pcsc=True)


@pytest.fixture
def desk_rig(pcscd, tmp_path):  # noqa: F811
    made: list[tuple[SimulatedDesk, DaemonThread, GatewayClient]] = []

    def make(profile: str):
        desk = SimulatedDesk(profile, PORT, kbit_s=None, dpi=200)
        daemon = _daemon(tmp_path, desk).start()
        client = GatewayClient(daemon.address, timeout=60)
        made.append((desk, daemon, client))
        wait_until(lambda: client.describe_device("desk1-scanner").attached, "the scanner attached", 15)
        return desk, daemon, client

    yield make
    for desk, daemon, client in made:
        client.close()
        daemon.stop()
        desk.close()


def _one_touch(desk: SimulatedDesk, client: GatewayClient, reader: str = "desk1-scanner"):
    bg = in_background(lambda: client.verify_stream(wait_document=True, reader_id="desk1"))
    awaiting = bg.next("AwaitingDocument", 10)
    assert awaiting.device_id == reader
    desk.place()
    return bg


@pytest.mark.parametrize("profile", sorted(DESK_EXPECTED))
def test_placing_a_document_gives_its_expected_verdict(desk_rig, profile: str) -> None:
    desk, _, client = desk_rig(profile)
    bg = _one_touch(desk, client)
    placed = bg.next("DocumentPlaced", 15)
    captured = bg.next("PagesCaptured", 30)
    result = bg.next("VerifyResult", 60)
    assert bg.error is None
    assert placed.device_id == "desk1-scanner"
    assert captured.lights == ("white",)  # IR and UV are scanned while the chip is read
    assert result.optical is not None and set(result.optical.lights) == {"white", "ir", "uv"}
    status, check, reason = DESK_EXPECTED[profile]
    checks = {c.name: c for c in result.verdict.checks}
    assert result.verdict.status is status, [(c.name, c.status.value, c.reason) for c in result.verdict.checks]
    assert result.reader_id == "desk1-chip" and result.access is not None
    if check is not None:
        assert checks[check].reason == reason
        if status is Status.NOT_GENUINE:
            assert checks[check].status is CheckStatus.FAILED and checks[check].decisive
    if status is Status.GENUINE:
        performed = [name for name in OPTICAL if checks[name].status is not CheckStatus.NOT_PERFORMED]
        assert "mrz_ir_visible" in performed and "uv_dull_paper" in performed
    # the chip checks pass for every forgery: the optical side (or MRZ vs DG1) is what catches it
    for name in ("chip_access", "sod_signature", "certificate_chain", "data_group_hashes"):
        assert checks[name].status is CheckStatus.PASSED, (name, checks[name].reason)
    phases = result.timings.phases
    assert phases["capture"] > 0 and phases["document_wait"] >= 0 and "page" in phases


@pytest.mark.parametrize("profile", sorted(DESK_ERRORS))
def test_a_printed_number_the_chip_refuses_is_a_clear_error(desk_rig, profile: str) -> None:
    desk, _, client = desk_rig(profile)
    bg = _one_touch(desk, client)
    bg.wait(60)
    assert bg.error is not None and bg.error.reason == DESK_ERRORS[profile], bg.error


def test_a_document_already_lying_there_is_taken_once_and_watchers_see_it(desk_rig) -> None:
    desk, _, client = desk_rig("genuine-td3-bac")
    watch = client.watch_devices(["desk1-scanner"], send_initial_state=False)
    events = in_background(lambda: iter(watch))
    try:
        desk.place()
        assert events.next("DeviceEvent", 15).kind == "DOCUMENT_INSERTED"
        wait_document(client, "desk1-chip")
        items = list(client.verify_stream(wait_document=True, reader_id="desk1"))
        kinds = [type(i).__name__ for i in items]
        assert kinds[:3] == ["AwaitingDocument", "DocumentPlaced", "PagesCaptured"], kinds
        assert items[-1].verdict.status is Status.GENUINE
        # the same placement is not verified twice: the next call waits for a new one
        second = in_background(lambda: client.verify_stream(wait_document=True, reader_id="desk1", timeout=1.5))
        second.wait(10)
        assert second.error is not None and second.error.code is grpc.StatusCode.DEADLINE_EXCEEDED, second.error
        desk.remove()
        assert events.next("DeviceEvent", 15).kind == "DOCUMENT_REMOVED"
    finally:
        watch.cancel()


def test_naming_the_desks_chip_reader_finds_its_document_reader(desk_rig) -> None:
    desk, _, client = desk_rig("genuine-td3-bac")
    bg = in_background(lambda: client.verify_stream(wait_document=True, reader_id="desk1-chip"))
    assert bg.next("AwaitingDocument", 10).device_id == "desk1-scanner"
    desk.place()
    assert bg.next("VerifyResult", 60).verdict.status is Status.GENUINE


def test_a_desk_with_a_camera_and_a_line_reader(pcscd, tmp_path) -> None:  # noqa: F811
    """`gateway-sim desk --optical camera --line-reader LINK`: one touch through the camera (white
    light only: the IR/UV checks say so, the chip makes it GENUINE), and the swipe through the desk's
    line reader keys the chip for a `use_device_mrz` call."""
    desk = SimulatedDesk("genuine-td3-bac", PORT, kbit_s=None, optical="camera", line_reader=tmp_path / "mrz.link")
    try:
        path = tmp_path / "gateway.toml"
        path.write_text('[server]\nlisten = ["127.0.0.1:0"]\n\n' + desk.daemon_config())
        with DaemonThread(load_config(path), engine_verifier(), monitor_pcsc=True) as daemon, \
                GatewayClient(daemon.address, timeout=60) as client:
            wait_until(lambda: client.describe_device("desk1-camera").attached, "the camera attached", 15)
            wait_until(lambda: client.describe_device("desk1-mrz").attached, "the line reader attached", 15)
            import time

            time.sleep(1.0)  # the camera learns the empty desk first
            bg = _one_touch(desk, client, "desk1-camera")
            result = bg.next("VerifyResult", 60)
            checks = {c.name: c for c in result.verdict.checks}
            assert result.verdict.status is Status.GENUINE, [(c.name, c.reason) for c in result.verdict.checks]
            assert checks["mrz_ir_visible"].reason == "NO_IR_IMAGE" and result.reader_id == "desk1-chip"
            swiped = client.verify(use_device_mrz=True, use_printed_mrz=True, reader_id="desk1")
            assert swiped.verdict.status is Status.GENUINE and swiped.printed_mrz.lines == result.chip_mrz.lines
    finally:
        desk.close()
