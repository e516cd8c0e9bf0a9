"""MRZ line readers in the daemon, over real sockets and real pseudo-terminals.

DeviceService shows each line reader with its desk, driver and health; unplug, replug and swipes are
watch events; `Verify(use_device_mrz)` takes the MRZ from the pty (fresh, or the next swipe), reports
the driver's OCR correction, and ends with a clear error - never a hang - when the reader is missing,
goes away mid-wait, or nobody swipes. Faults on one reader never stop the daemon serving another.
"""

from __future__ import annotations

import random
import time

import grpc
import pytest

from gateway.api.protos import verification_pb2
from gateway.client import GatewayClient, GatewayError
from gateway.service import model
from gateway.verdict import Status
from simulators.linereader import faults
from tests.framing_frames import TD1, TD2, TD3
from tests.line_reader_daemon_support import desk_daemon, in_background, wait_until

MRZ_ONLY = {"use_device_mrz": True}


def _watch(client: GatewayClient, *device_ids: str):
    watch = client.watch_devices(device_ids=list(device_ids), send_initial_state=False)
    return watch, in_background(lambda: iter(watch))


def _next_event(bg, kind: str, device_id: str, timeout_s: float = 5.0):
    deadline = time.monotonic() + timeout_s
    while True:
        event = bg.next("DeviceEvent", max(0.01, deadline - time.monotonic()))
        if event.kind == kind and event.device.id == device_id:
            return event


# --- DeviceService -------------------------------------------------------------------------------------


def test_line_readers_are_listed_with_desk_driver_and_health(tmp_path):
    extra = (f'[[devices]]\nid = "desk3-mrz"\ndesk = "desk3"\ndriver = "serial"\nport = "/dev/null"\n\n'
             f'[[devices]]\nid = "desk4-mrz"\ndesk = "desk4"\ndriver = "serial"\nport = "{tmp_path / "absent"}"\n')
    with desk_daemon(tmp_path, extra_devices=extra) as rig:
        devices = {d.id: d for d in rig.client.list_devices()}
        mrz = devices["desk1-mrz"]
        assert (mrz.driver, mrz.desk, mrz.kind) == ("serial-mrz", "desk1", "DOCUMENT_READER")
        assert mrz.capabilities == ("MRZ",)
        assert mrz.attached and mrz.health.state == "OK" and mrz.document == "ABSENT"
        assert str(rig.ports["desk1-mrz"].link) in mrz.display_name
        assert devices["desk1-chip"].desk == "desk1" and devices["desk1-chip"].driver == "pcsc"
        # a path that is no serial port: unavailable, with the reason and one clear line
        bad = wait_until(lambda: (d := rig.client.describe_device("desk3-mrz")).health.reason == "NOT_A_TTY" and d,
                         "NOT_A_TTY health")
        assert bad.health.state == "UNAVAILABLE" and not bad.attached
        assert "/dev/null" in bad.health.message and "not a terminal" in bad.health.message
        absent = rig.client.describe_device("desk4-mrz")
        assert (absent.health.state, absent.health.reason) == ("UNAVAILABLE", "NOT_ATTACHED")
        assert "does not exist" in absent.health.message
        # and the working reader still reads
        rig.swipe("desk1-mrz", TD3)
        assert rig.client.verify(**MRZ_ONLY, reader_id="desk1-mrz").printed_mrz.lines == TD3


def test_watch_reports_unplug_replug_and_each_swipe_as_insert_then_remove(tmp_path):
    with desk_daemon(tmp_path) as rig:
        watch, bg = _watch(rig.client, "desk1-mrz")
        try:
            time.sleep(0.2)  # the watch is subscribed
            rig.swipe("desk1-mrz", TD3)
            inserted = _next_event(bg, "DOCUMENT_INSERTED", "desk1-mrz")
            removed = _next_event(bg, "DOCUMENT_REMOVED", "desk1-mrz")
            assert inserted.device.document == "PRESENT" and removed.device.document == "ABSENT"
            assert inserted.time <= removed.time
            rig.ports["desk1-mrz"].unplug()
            detached = _next_event(bg, "DETACHED", "desk1-mrz")
            assert not detached.device.attached
            assert (detached.device.health.state, detached.device.health.reason) == ("UNAVAILABLE", "DETACHED")
            rig.ports["desk1-mrz"].plug()  # a new pty behind the same link
            attached = _next_event(bg, "ATTACHED", "desk1-mrz")
            assert attached.device.attached and attached.device.health.state == "OK"
            assert attached.device.desk == "desk1"
            rig.swipe("desk1-mrz", TD1)  # the replugged reader reads (framing detected afresh)
            _next_event(bg, "DOCUMENT_INSERTED", "desk1-mrz")
            seen = []
            while not bg.items.empty():
                seen.append(bg.items.get().kind)
            assert "HEALTH_CHANGED" not in seen  # "not attached" after "detached" is no news
        finally:
            watch.cancel()


def test_garbage_flood_degrades_health_and_other_readers_are_served(tmp_path):
    with desk_daemon(tmp_path, {"desk1-mrz": "desk1", "desk2-mrz": "desk2"}) as rig:
        watch, bg = _watch(rig.client, "desk1-mrz")
        try:
            time.sleep(0.2)
            rig.swipe("desk1-mrz", TD3)  # lock the framing, then flood
            _next_event(bg, "DOCUMENT_REMOVED", "desk1-mrz")
            rig.ports["desk1-mrz"].write(faults.noise(random.Random(7), 1 << 20))
            degraded = _next_event(bg, "HEALTH_CHANGED", "desk1-mrz", timeout_s=10)
            assert degraded.device.health.state == "DEGRADED" and degraded.device.health.reason == "NOISE"
            assert "baud" in degraded.device.health.message
            # the daemon keeps serving: the other desk's reader verifies, the list answers
            rig.swipe("desk2-mrz", TD2)
            assert rig.client.verify(**MRZ_ONLY, reader_id="desk2-mrz").printed_mrz.lines == TD2
            assert {d.id for d in rig.client.list_devices()} >= {"desk1-mrz", "desk2-mrz"}
            # a good frame restores the flooded reader
            time.sleep(0.3)
            rig.swipe("desk1-mrz", TD3)
            deadline = time.monotonic() + 10
            while _next_event(bg, "HEALTH_CHANGED", "desk1-mrz", timeout_s=10).device.health.state != "OK":
                assert time.monotonic() < deadline, "health did not return to OK"  # (NOISE, FRAME_ERRORS first)
            assert rig.client.describe_device("desk1-mrz").health.state == "OK"
        finally:
            watch.cancel()


# --- Verify(use_device_mrz) ------------------------------------------------------------------------------


def test_verify_stream_waits_for_the_swipe_and_reports_the_corrected_misread(tmp_path):
    with desk_daemon(tmp_path) as rig:
        bg = in_background(lambda: rig.client.verify_stream(**MRZ_ONLY, reader_id="desk1-mrz"))
        awaiting = bg.next("AwaitingMRZ")
        assert awaiting.device_id == "desk1-mrz" and 0 < awaiting.timeout_s <= 31  # the call's 30 s
        assert rig.client.describe_device("desk1-mrz").busy  # the waiting call holds the line reader
        rig.swipe("desk1-mrz", TD3, ["misread"])
        received = bg.next("MRZReceived")
        assert received.device_id == "desk1-mrz" and received.framing == "cute" and received.age_s == 0
        result = bg.next("VerifyResult")
        bg.wait()
        assert bg.error is None
        printed = result.printed_mrz
        assert printed.valid and printed.lines == TD3  # corrected by the driver's check
        assert [(c.from_char, c.to_char, c.checked) for c in printed.corrections] == [("O", "0", True)]
        assert received.result.corrections == printed.corrections
        assert result.reader_id == "desk1-mrz" and result.timings.phases["device_mrz"] > 0
        assert result.verdict.status is Status.INCONCLUSIVE  # MRZ only: never GENUINE
        assert {c.name: c.status.value for c in result.verdict.checks}["mrz_check_digits"] == "PASSED"


def test_a_recent_swipe_is_used_at_once_and_only_once(tmp_path):
    with desk_daemon(tmp_path, limits="operation_timeout_s = 0.8") as rig:
        rig.swipe("desk1-mrz", TD2)
        wait_until(lambda: rig.daemon.daemon.line_readers.readers.get("desk1-mrz").mailbox.latest(), "the read")
        # reader_id may name the desk, or the desk's chip reader (MRZ only: the chip reader is not needed)
        t0 = time.monotonic()
        result = rig.client.verify(**MRZ_ONLY, reader_id="desk1")
        assert result.printed_mrz.lines == TD2 and result.reader_id == "desk1-mrz"
        assert time.monotonic() - t0 < 0.5
        with pytest.raises(GatewayError) as info:  # consumed: the next call waits, and nobody swipes
            rig.client.verify(**MRZ_ONLY, reader_id="desk1-chip")
        assert info.value.code is grpc.StatusCode.DEADLINE_EXCEEDED and info.value.reason == "MRZ_READ_TIMEOUT"
        assert "desk1-mrz" in info.value.message and info.value.metadata["device_id"] == "desk1-mrz"
        assert not rig.client.describe_device("desk1-mrz").busy


def test_an_old_reading_is_never_used(tmp_path):
    with desk_daemon(tmp_path, limits="mrz_fresh_s = 0.2") as rig:
        rig.swipe("desk1-mrz", TD3)  # e.g. the previous person's document
        wait_until(lambda: rig.daemon.daemon.line_readers.readers.get("desk1-mrz").mailbox.latest(), "the read")
        time.sleep(0.4)
        bg = in_background(lambda: rig.client.verify_stream(**MRZ_ONLY, reader_id="desk1-mrz"))
        bg.next("AwaitingMRZ")  # not taken: older than mrz_fresh_s
        rig.swipe("desk1-mrz", TD1)
        assert bg.next("VerifyResult").printed_mrz.lines == TD1


def test_unplug_during_the_wait_ends_the_call_at_once_and_the_next_one_works(tmp_path):
    with desk_daemon(tmp_path) as rig:
        bg = in_background(lambda: rig.client.verify_stream(**MRZ_ONLY, reader_id="desk1-mrz", timeout=30))
        bg.next("AwaitingMRZ")
        t0 = time.monotonic()
        rig.ports["desk1-mrz"].unplug()
        bg.wait()
        assert time.monotonic() - t0 < 2.0
        assert bg.error.code is grpc.StatusCode.UNAVAILABLE and bg.error.reason == "DEVICE_DETACHED"
        assert "desk1-mrz" in bg.error.message
        # while it is away: refused at once, with the reason
        wait_until(lambda: not rig.client.describe_device("desk1-mrz").attached, "detached")
        with pytest.raises(GatewayError) as info:
            rig.client.verify(**MRZ_ONLY, reader_id="desk1-mrz", timeout=5)
        assert info.value.code is grpc.StatusCode.FAILED_PRECONDITION and info.value.reason == "DEVICE_UNAVAILABLE"
        assert "not attached" in info.value.message
        rig.ports["desk1-mrz"].plug()
        wait_until(lambda: rig.client.describe_device("desk1-mrz").attached, "replugged")
        bg = in_background(lambda: rig.client.verify_stream(**MRZ_ONLY, reader_id="desk1-mrz"))
        bg.next("AwaitingMRZ")
        rig.swipe("desk1-mrz", TD3)
        assert bg.next("VerifyResult").printed_mrz.lines == TD3


def test_a_cancelled_wait_does_not_swallow_the_next_swipe(tmp_path):
    with desk_daemon(tmp_path) as rig:
        request = verification_pb2.VerifyStreamRequest(request=GatewayClient.build_request(**MRZ_ONLY,
                                                                                    reader_id="desk1-mrz"))
        call = rig.client.verification.VerifyStream(request, timeout=30)
        first = next(iter(call))
        assert first.WhichOneof("event") == "awaiting_mrz"
        call.cancel()
        wait_until(lambda: rig.daemon.daemon.registry.mrz.waiting == 0, "the wait to end")
        wait_until(lambda: not rig.client.describe_device("desk1-mrz").busy, "the reader to be free")
        rig.swipe("desk1-mrz", TD2)
        wait_until(lambda: rig.daemon.daemon.line_readers.readers.get("desk1-mrz").mailbox.latest(), "the read")
        items = list(rig.client.verify_stream(**MRZ_ONLY, reader_id="desk1-mrz", timeout=5))
        assert "AwaitingMRZ" not in [type(i).__name__ for i in items]  # the fresh reading, no wait
        received = next(i for i in items if isinstance(i, model.MRZReceived))
        assert received.age_s > 0 and items[-1].printed_mrz.lines == TD2


def test_two_calls_on_one_reader_queue_and_get_one_swipe_each(tmp_path):
    with desk_daemon(tmp_path) as rig:
        first = in_background(lambda: rig.client.verify_stream(**MRZ_ONLY, reader_id="desk1-mrz"))
        first.next("AwaitingMRZ")
        second = in_background(lambda: rig.client.verify_stream(**MRZ_ONLY, reader_id="desk1"))
        queued = second.next("Queued")
        assert (queued.position, queued.reader_id) == (1, "desk1-mrz")
        rig.swipe("desk1-mrz", TD3)
        assert first.next("VerifyResult").printed_mrz.lines == TD3
        second.next("AwaitingMRZ")  # the first swipe was the first call's
        rig.swipe("desk1-mrz", TD2)
        assert second.next("VerifyResult").printed_mrz.lines == TD2


def test_rules_for_choosing_the_line_reader(tmp_path):
    extra = '[[devices]]\nid = "desk9-chip"\npcsc_reader = "Lonely Reader 00 00"\ndesk = "desk9"\n'
    with desk_daemon(tmp_path, {"desk1-mrz": "desk1", "desk2-mrz": "desk2"}, extra_devices=extra) as rig:
        with pytest.raises(GatewayError) as info:  # no line reader on that chip reader's desk
            rig.client.verify(**MRZ_ONLY, reader_id="desk9-chip")
        assert info.value.code is grpc.StatusCode.FAILED_PRECONDITION and info.value.reason == "DEVICE_UNSUPPORTED"
        assert "desk9" in info.value.message
        with pytest.raises(GatewayError) as info:  # two line readers: which one?
            rig.client.verify(**MRZ_ONLY)
        assert info.value.code is grpc.StatusCode.INVALID_ARGUMENT and info.value.fields[0][0] == "reader_id"
        with pytest.raises(GatewayError) as info:
            rig.client.verify(**MRZ_ONLY, reader_id="no-such-desk")
        assert info.value.code is grpc.StatusCode.NOT_FOUND and info.value.reason == "DEVICE_NOT_FOUND"
        with pytest.raises(GatewayError) as info:  # the MRZ in the request and from the device: which one?
            rig.client.verify(**MRZ_ONLY, mrz="\n".join(TD3), reader_id="desk1-mrz")
        assert info.value.code is grpc.StatusCode.INVALID_ARGUMENT and info.value.fields[0][0] == "use_device_mrz"
        with pytest.raises(GatewayError) as info:  # a chip read needs the chip reader attached, before any wait
            rig.client.verify(**MRZ_ONLY, use_printed_mrz=True, reader_id="desk1", timeout=5)
        assert info.value.code is grpc.StatusCode.FAILED_PRECONDITION and info.value.reason == "DEVICE_UNAVAILABLE"
        assert "desk1-chip" in info.value.message
        assert rig.daemon.daemon.registry.mrz.waiting == 0


def test_one_line_reader_needs_no_reader_id(tmp_path):
    with desk_daemon(tmp_path) as rig:
        rig.swipe("desk1-mrz", TD1)
        wait_until(lambda: rig.daemon.daemon.line_readers.readers.get("desk1-mrz").mailbox.latest(), "the read")
        result = rig.client.verify(**MRZ_ONLY)
        assert result.reader_id == "desk1-mrz" and result.printed_mrz.lines == TD1


def test_shutdown_ends_a_waiting_call_at_once(tmp_path):
    with desk_daemon(tmp_path) as rig:
        bg = in_background(lambda: rig.client.verify_stream(**MRZ_ONLY, reader_id="desk1-mrz", timeout=30))
        bg.next("AwaitingMRZ")
        t0 = time.monotonic()
        rig.daemon.run(rig.daemon.daemon.shutdown(10.0), timeout=15)
        bg.wait()
        assert time.monotonic() - t0 < 3.0  # not the 10 s grace: nobody is going to swipe
        assert bg.error.code is grpc.StatusCode.UNAVAILABLE and bg.error.reason == "SHUTTING_DOWN"


def test_a_usb_hid_line_reader_through_the_daemon(tmp_path):
    """The HID driver in the daemon: pyusb's own code over the simulated device (the USB host
    controller is the layer that cannot run here)."""
    from gateway.service.config import load_config
    from simulators.linereader.usb_device import ACCESS_IS_VENDOR, SIM_PRODUCT, SimulatedHidReader, SimulatedUsbBus
    from tests.api_support import DaemonThread

    bus = SimulatedUsbBus()
    device = bus.plug(SimulatedHidReader())
    path = tmp_path / "gateway.toml"
    path.write_text(f'[server]\nlisten = ["127.0.0.1:0"]\n\n[[devices]]\nid = "desk2-ocr"\ndesk = "desk2"\n'
                    f'driver = "hid"\nvendor_id = {ACCESS_IS_VENDOR}\nproduct_id = {SIM_PRODUCT}\n'
                    'detach_kernel_driver = true\nframe_timeout_s = 0.5\n')
    daemon = DaemonThread(load_config(path))
    daemon.daemon.usb_backend = bus
    with daemon, GatewayClient(daemon.address, timeout=30) as client:
        hid = wait_until(lambda: (d := client.describe_device("desk2-ocr")).attached and d, "HID reader attached")
        assert (hid.driver, hid.desk, hid.health.state) == ("hid-mrz", "desk2", "OK")
        bg = in_background(lambda: client.verify_stream(**MRZ_ONLY, reader_id="desk2"))
        bg.next("AwaitingMRZ")
        device.play(faults.swipe("accessis", TD3, ["misread"]))
        result = bg.next("VerifyResult")
        assert result.printed_mrz.lines == TD3 and len(result.printed_mrz.corrections) == 1
        bus.unplug(device)
        gone = wait_until(lambda: (d := client.describe_device("desk2-ocr")).health.reason == "DETACHED" and d,
                          "HID reader detached")
        assert not gone.attached and gone.health.state == "UNAVAILABLE"
