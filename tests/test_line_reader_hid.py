"""The HID line reader driver over pyusb's real code, with a simulated device behind `usb.backend.IBackend`."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import usb.core

from gateway.drivers.byte_source import BUSY, NOT_FOUND
from gateway.drivers.discovery import find_usb, list_usb_hid
from gateway.drivers.hid_port import HidSettings, HidSource, decode_report
from gateway.drivers.line_events import OK, UNAVAILABLE, FrameProblem
from gateway.drivers.line_reader import LineReader
from gateway.framing import Timing
from simulators.linereader import faults, frames
from simulators.linereader.usb_device import ACCESS_IS_VENDOR, SIM_PRODUCT, SimulatedHidReader, SimulatedUsbBus
from tests.framing_frames import TD1, TD2, TD3
from tests.line_reader_support import collect, drain, kind, names

TODAY = dt.date(2010, 1, 1)


@pytest.fixture
def bus():
    return SimulatedUsbBus()


def make_reader(bus, **settings) -> tuple[LineReader, object]:
    hid = HidSettings(vendor_id=ACCESS_IS_VENDOR, product_id=SIM_PRODUCT, **settings)
    r = LineReader("desk2-ocr", HidSource(hid, backend=bus), retry_s=0.05, today=lambda: TODAY,
                   timing=Timing(max_gap_s=0.5))
    return r, r.subscribe()


def test_the_simulated_device_is_seen_through_pyusb(bus):
    device = bus.plug(SimulatedHidReader())
    found = usb.core.find(idVendor=ACCESS_IS_VENDOR, backend=bus)
    assert (found.idVendor, found.idProduct) == (ACCESS_IS_VENDOR, SIM_PRODUCT)
    assert found.manufacturer == "gateway-sim" and found.serial_number == "SIM0001"  # GET_DESCRIPTOR transfers
    [info] = list_usb_hid(bus)
    assert (info.interface, info.endpoint, info.keyboard) == (0, 0x81, False)
    assert find_usb(ACCESS_IS_VENDOR, SIM_PRODUCT, backend=bus)
    assert find_usb(ACCESS_IS_VENDOR, SIM_PRODUCT, "SIM0001", backend=bus)
    assert not find_usb(ACCESS_IS_VENDOR, SIM_PRODUCT, "OTHER", backend=bus)
    bus.unplug(device)
    assert list_usb_hid(bus) == [] and usb.core.find(idVendor=ACCESS_IS_VENDOR, backend=bus) is None


def test_kernel_driver_is_detached_only_when_configured(bus):
    device = bus.plug(SimulatedHidReader())
    r, stream = make_reader(bus)
    with r:
        event = collect(stream, kind("ReaderUnavailable"))[-1]
    assert event.code == BUSY and "detach_kernel_driver" in event.message
    assert device.kernel_driver_active and not device.claimed  # nothing taken from usbhid

    r, stream = make_reader(bus, detach_kernel_driver=True)
    with r:
        collect(stream, kind("ReaderAttached"))
        assert device.claimed and not device.kernel_driver_active
    assert device.kernel_driver_active and not device.claimed  # handed back on close


@pytest.mark.parametrize("report_format", ["length-prefixed", "raw"])
def test_reads_mrz_frames_split_over_many_reports(bus, report_format):
    device = bus.plug(SimulatedHidReader(report_format=report_format))
    r, stream = make_reader(bus, detach_kernel_driver=True, report_format=report_format)
    with r:
        collect(stream, kind("ReaderAttached"))
        data = frames.accessis_magstripe() + frames.accessis(TD1) + frames.accessis_barcode()
        assert len(frames.accessis(TD1)) > 64  # more than one report
        device.send(data)
        events = collect(stream, kind("FrameSkipped"))
        events += collect(stream, kind("FrameSkipped"))
    assert [e.kind for e in events if type(e).__name__ == "FrameSkipped"] == ["magstripe", "barcode"]
    [read] = [e for e in events if type(e).__name__ == "MRZRead"]
    assert read.result.valid and read.result.lines == TD1 and read.framing == "cute"


@pytest.mark.parametrize("fault", ["garbage", "split", "truncate", "misread"])
def test_faults_over_hid(bus, fault):
    device = bus.plug(SimulatedHidReader())
    r, stream = make_reader(bus, detach_kernel_driver=True)
    with r:
        collect(stream, kind("ReaderAttached"))
        device.play(faults.swipe("accessis", TD3, [fault]))
        read = collect(stream, kind("MRZRead"))[-1]
    assert read.result.valid and read.result.lines == TD3
    if fault == "misread":
        assert [(c.from_char, c.to_char) for c in read.result.corrections] == [("O", "0")]


def test_pause_mid_frame_over_hid(bus):
    device = bus.plug(SimulatedHidReader())
    r, stream = make_reader(bus, detach_kernel_driver=True)
    with r:
        collect(stream, kind("ReaderAttached"))
        device.play(faults.swipe("accessis", TD2, ["pause"], pause_s=1.0))
        events = collect(stream, kind("FrameProblem"))
        assert events[-1].code == "TIMEOUT"
        device.play(faults.swipe("accessis", TD2))
        assert collect(stream, kind("MRZRead"))[-1].result.lines == TD2


def test_3m_bad_bcc_over_hid_is_an_error(bus):
    device = bus.plug(SimulatedHidReader())
    r, stream = make_reader(bus, detach_kernel_driver=True)
    with r:
        collect(stream, kind("ReaderAttached"))
        device.play(faults.swipe("3m", TD3, ["bad-bcc"]))
        events = collect(stream, kind("FrameProblem"))
        assert events[-1].code == "BAD_BCC"
        assert "MRZRead" not in names(drain(stream))


def test_unplug_and_replug_over_hid(bus):
    device = bus.plug(SimulatedHidReader())
    r, stream = make_reader(bus, detach_kernel_driver=True)
    with r:
        collect(stream, kind("ReaderAttached"))
        device.send(frames.accessis(TD3)[:30])
        deadline = time.monotonic() + 5
        while device.reports and time.monotonic() < deadline:  # the host has read the half frame
            time.sleep(0.01)
        time.sleep(0.1)
        bus.unplug(device)
        events = collect(stream, kind("ReaderUnavailable"))
        assert "ReaderDetached" in names(events) and events[-1].code == NOT_FOUND
        assert "TRUNCATED" in [e.code for e in events if isinstance(e, FrameProblem)]
        assert r.status().state == UNAVAILABLE
        bus.plug(device)  # new address, usbhid bound again: detached again because configured
        collect(stream, kind("ReaderAttached"))
        device.play(faults.swipe("accessis", TD3))
        assert collect(stream, kind("MRZRead"))[-1].result.valid
        assert r.status().state == OK and r.status().attached


def test_device_not_plugged_in_then_plugged(bus):
    r, stream = make_reader(bus, detach_kernel_driver=True)
    with r:
        assert collect(stream, kind("ReaderUnavailable"))[-1].code == NOT_FOUND
        bus.plug(SimulatedHidReader())
        collect(stream, kind("ReaderAttached"))


def test_serial_number_picks_one_of_two_identical_readers(bus):
    first = bus.plug(SimulatedHidReader(serial="A1"))
    second = bus.plug(SimulatedHidReader(serial="B2"))
    r, stream = make_reader(bus, detach_kernel_driver=True, serial_number="B2")
    with r:
        collect(stream, kind("ReaderAttached"))
        first.play(faults.swipe("accessis", TD1))
        second.play(faults.swipe("accessis", TD2))
        assert collect(stream, kind("MRZRead"))[-1].result.lines == TD2
    assert first.kernel_driver_active and not first.claimed


def test_report_decoding():
    assert decode_report(bytes((3,)) + b"abc" + b"\x00" * 60, "length-prefixed") == b"abc"
    assert decode_report(bytes((70,)) + b"x" * 63, "length-prefixed") == b"x" * 63  # clipped to the report
    assert decode_report(b"ab\x00\x00", "raw") == b"ab"
    assert decode_report(b"", "raw") == b""


def test_hid_settings_are_validated():
    with pytest.raises(ValueError, match="vendor_id"):
        HidSettings(vendor_id=0x10000, product_id=1)
    with pytest.raises(ValueError, match="report_format"):
        HidSettings(vendor_id=1, product_id=1, report_format="keyboard")
    with pytest.raises(ValueError, match="endpoint"):
        HidSettings(vendor_id=1, product_id=1, endpoint=0x01)
