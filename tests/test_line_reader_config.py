"""Line reader entries of the TOML config, `gateway devices` and its ready-to-paste blocks."""

from __future__ import annotations

import argparse
import json

import pytest

from gateway.cli.devices_command import hid_block, run_devices, serial_block, survey
from gateway.drivers.discovery import SerialPortInfo, UsbHidInfo
from gateway.service.config import ConfigError, load_config
from gateway.service.line_readers import LineReaderSet
from simulators.linereader import faults
from simulators.linereader.pty_port import PtyPort
from simulators.linereader.usb_device import ACCESS_IS_VENDOR, SIM_PRODUCT, SimulatedHidReader, SimulatedUsbBus
from tests.framing_frames import TD3
from tests.line_reader_support import collect, kind

CONFIG = """
[[devices]]
id = "desk1-chip"
pcsc_reader = "Virtual PCD 00 00"
desk = "desk1"

[[devices]]
id = "desk1-mrz"
desk = "desk1"
driver = "serial"
port = "{port}"
framing = "desko"
baudrate = 19200
parity = "E"
frame_timeout_s = 0.5

[[devices]]
id = "desk2-ocr"
desk = "desk2"
driver = "hid"
vendor_id = 0x0DB5
product_id = 0x5EED
detach_kernel_driver = true
report_format = "raw"
"""


def write(tmp_path, text: str):
    path = tmp_path / "gateway.toml"
    path.write_text(text)
    return path


def test_line_readers_in_the_config(tmp_path):
    config = load_config(write(tmp_path, CONFIG.format(port="/dev/ttyUSB7")))
    serial, hid = config.line_readers
    assert (serial.id, serial.driver, serial.desk, serial.framing, serial.frame_timeout_s) == \
        ("desk1-mrz", "serial", "desk1", "desko", 0.5)
    assert (serial.serial.port, serial.serial.baudrate, serial.serial.parity) == ("/dev/ttyUSB7", 19200, "E")
    assert (hid.hid.vendor_id, hid.hid.product_id, hid.hid.detach_kernel_driver, hid.hid.report_format) == \
        (0x0DB5, 0x5EED, True, "raw")
    assert config.desks == {"desk1-chip": "desk1", "desk1-mrz": "desk1", "desk2-ocr": "desk2"}
    # line readers are also devices (capability MRZ), so the daemon lists them until its driver lands
    assert {d.id: d.capabilities for d in config.devices} == {
        "desk1-chip": ("CHIP",), "desk1-mrz": ("MRZ",), "desk2-ocr": ("MRZ",)}


@pytest.mark.parametrize(("entry", "message"), [
    ('driver = "serial"', "port must be a device path"),
    ('driver = "serial"\nport = "/dev/x"\nbaudrate = 1234', "baudrate must be one of"),
    ('driver = "serial"\nport = "/dev/x"\nparity = "X"', "parity must be one of"),
    ('driver = "serial"\nport = "/dev/x"\nvendor_id = 1', "vendor_id do not apply to driver 'serial'"),
    ('driver = "serial"\nport = "/dev/x"\nframing = "morse"', "framing must be one of"),
    ('driver = "serial"\nport = "/dev/x"\nframe_timeout_s = 0', "frame_timeout_s must be a positive"),
    ('driver = "hid"\nvendor_id = 0x0DB5', "product_id is required"),
    ('driver = "hid"\nvendor_id = 70000\nproduct_id = 1', "vendor_id must be a 16-bit number"),
    ('driver = "hid"\nvendor_id = 1\nproduct_id = 1\nport = "/dev/x"', "port do not apply to driver 'hid'"),
    ('driver = "usb"', "driver must be one of pcsc, serial, hid"),
    ('pcsc_reader = "R"\nport = "/dev/x"', "port only apply to line or document reader drivers"),
    ('driver = "serial"\nport = "/dev/x"\npcsc_reader = "R"', "pcsc_reader does not apply"),
    ('driver = "serial"\nport = "/dev/x"\ndesk = 3', "desk must be a non-empty string"),
    ('driver = "serial"\nport = "/dev/x"\ncolour = "red"', "unknown key(s) colour"),
])
def test_bad_entries_give_one_clear_line(tmp_path, entry, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
        load_config(write(tmp_path, f'[[devices]]\nid = "x"\n{entry}\n'))
    assert "\n" not in str(info.value) and "devices[0]" in str(info.value)


def test_pasted_blocks_load_back(tmp_path):
    port = SerialPortInfo(device="/dev/serial/by-id/usb-FTDI_reader-if00-port0", kind="usb-serial",
                          manufacturer="FTDI")
    hid = UsbHidInfo(vendor_id=0x0DB5, product_id=0x5EED, bus=1, address=4, interface=0, endpoint=0x81,
                     keyboard=False, manufacturer="Access-IS", product="OCR", serial_number="S1")
    taken: set[str] = set()
    text = serial_block(port, taken) + "\n\n" + hid_block(hid, taken)
    config = load_config(write(tmp_path, text))
    serial, usb = config.line_readers
    assert serial.serial.port == port.device and serial.framing == "auto" and serial.desk == "desk1"
    assert (usb.hid.vendor_id, usb.hid.product_id, usb.hid.serial_number, usb.hid.endpoint,
            usb.hid.detach_kernel_driver) == (0x0DB5, 0x5EED, "S1", 0x81, True)


def test_survey_with_simulators_attached_and_unconfigured(tmp_path):
    sim = PtyPort(tmp_path / "gateway-mrz-sim")
    sim.plug()
    other = PtyPort(tmp_path / "gateway-mrz-other")
    other.plug()
    bus = SimulatedUsbBus()
    bus.plug(SimulatedHidReader())
    bus.plug(SimulatedHidReader(product_id=0x1234, serial="K1"))
    try:
        config = load_config(write(tmp_path, CONFIG.format(port=sim.link)))
        report = survey(config, scan=(str(tmp_path / "gateway-mrz*"),), usb_backend=bus)
    finally:
        sim.unplug()
        other.unplug()
    by_id = {c["id"]: c for c in report["configured"]}
    assert by_id["desk1-mrz"]["attached"] is True and by_id["desk2-ocr"]["attached"] is True
    assert by_id["desk1-chip"]["state"] == "SEE_PCSC"
    ptys = {p["device"]: p for p in report["serial_ports"] if p["kind"] == "pseudo-terminal"}
    assert ptys[str(sim.link)]["configured_as"] == "desk1-mrz"
    assert ptys[str(other.link)]["configured_as"] is None
    usb = {d["ids"]: d for d in report["usb_hid"]}
    assert usb["0db5:5eed"]["configured_as"] == "desk2-ocr" and usb["0db5:1234"]["configured_as"] is None
    blocks = "\n\n".join(report["config_blocks"])
    assert str(other.link) in blocks and "product_id = 0x1234" in blocks
    assert str(sim.link) not in blocks and "product_id = 0x5EED" not in blocks
    pasted = load_config(write(tmp_path, blocks))  # the blocks are valid config
    assert {c.driver for c in pasted.line_readers} >= {"hid"}


def test_survey_when_nothing_is_attached(tmp_path):
    config = load_config(write(tmp_path, CONFIG.format(port=tmp_path / "gone")))
    report = survey(config, scan=(str(tmp_path / "none*"),), usb_backend=SimulatedUsbBus())
    by_id = {c["id"]: c for c in report["configured"]}
    assert by_id["desk1-mrz"]["attached"] is False and by_id["desk1-mrz"]["state"] == "NOT_FOUND"
    assert by_id["desk2-ocr"]["attached"] is False
    assert report["usb_hid"] == []
    assert not [p for p in report["serial_ports"] if p["kind"] == "pseudo-terminal"]


def test_gateway_devices_in_process_with_the_simulated_usb_bus(tmp_path, capsys):
    bus = SimulatedUsbBus()
    bus.plug(SimulatedHidReader())
    args = argparse.Namespace(config=None, json=True, scan=[str(tmp_path / "x*")], no_usb=False)
    assert run_devices(args, usb_backend=bus) == 0
    report = json.loads(capsys.readouterr().out)
    assert [d["ids"] for d in report["usb_hid"]] == [f"{ACCESS_IS_VENDOR:04x}:{SIM_PRODUCT:04x}"]
    assert any("driver = \"hid\"" in b for b in report["config_blocks"])


def test_line_reader_set_by_desk(tmp_path):
    sim = PtyPort(tmp_path / "mrz")
    sim.plug()
    bus = SimulatedUsbBus()
    config = load_config(write(tmp_path, CONFIG.format(port=sim.link)))
    readers = LineReaderSet(config.line_readers, usb_backend=bus)
    assert [r.device_id for r in readers.for_desk("desk1")] == ["desk1-mrz"]
    assert readers.for_desk("nowhere") == [] and readers.for_desk("") == []
    stream = readers.get("desk1-mrz").subscribe()
    readers.start()
    try:
        collect(stream, kind("ReaderAttached"))
        sim.play(faults.swipe("desko", TD3))
        read = collect(stream, kind("MRZRead"))[-1]
        assert readers.for_desk("desk1")[0].mailbox.take() is read
        assert readers.get("desk2-ocr").status().state == "UNAVAILABLE"
    finally:
        readers.stop()
        sim.unplug()
