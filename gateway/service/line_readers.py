"""Line reader devices from the config file, and the set of running readers grouped by desk.

A `[[devices]]` entry with `driver = "serial"` or `driver = "hid"` is a line reader:

    [[devices]]
    id = "desk1-mrz"
    desk = "desk1"                      # groups it with the chip reader of the same desk
    driver = "serial"
    port = "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A1B2C3-if00-port0"
    framing = "auto"                    # auto | desko | accessis | 3m | plain
    baudrate = 9600                     # parity "N", bytesize 8, stopbits 1 are the defaults
    frame_timeout_s = 1.0               # silence inside a frame that drops it

    [[devices]]
    id = "desk2-ocr"
    desk = "desk2"
    driver = "hid"
    vendor_id = 0x0DB5                  # TOML takes hex integers
    product_id = 0x0100
    detach_kernel_driver = true         # let the gateway take the interface from usbhid
    report_format = "length-prefixed"   # or "raw"

This module parses such entries (`parse_line_reader`, used by `gateway.service.config`) and builds
running `LineReader`s from them. It knows no transport: `gateway.service.line_reader_monitor` runs
them in the daemon and maps their events onto the DeviceRegistry (see docs/line-readers.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gateway.drivers.hid_port import REPORT_FORMATS, HidSettings, HidSource
from gateway.drivers.line_events import LineReaderEvent
from gateway.drivers.line_reader import LineReader
from gateway.drivers.serial_port import SerialSettings, SerialSource
from gateway.framing import FRAMINGS, Timing

LINE_DRIVERS = ("serial", "hid")
SERIAL_KEYS = ("port", "baudrate", "parity", "bytesize", "stopbits", "rtscts", "xonxoff")
HID_KEYS = ("vendor_id", "product_id", "serial_number", "interface", "endpoint", "detach_kernel_driver",
            "report_format")
COMMON_KEYS = ("framing", "frame_timeout_s")
LINE_READER_KEYS = (*SERIAL_KEYS, *HID_KEYS, *COMMON_KEYS)


class LineReaderConfigError(ValueError):
    """One line that names the entry and the key."""


@dataclass(frozen=True)
class LineReaderConfig:
    id: str
    driver: str  # serial | hid
    desk: str = ""
    kind: str = "DOCUMENT_READER"
    display_name: str = ""
    framing: str = "auto"
    frame_timeout_s: float = 1.0
    serial: SerialSettings | None = None
    hid: HidSettings | None = None
    vendor: str = ""
    model: str = ""

    @property
    def where(self) -> str:
        if self.serial is not None:
            return self.serial.port
        assert self.hid is not None
        return f"usb {self.hid.ids}"


def parse_line_reader(where: str, entry: Mapping[str, Any], *, device_id: str, kind: str,
                      display_name: str = "", vendor: str = "", model: str = "") -> LineReaderConfig:
    """A validated LineReaderConfig from one `[[devices]]` table (keys already known to be allowed)."""
    driver = entry.get("driver")
    if driver not in LINE_DRIVERS:
        raise LineReaderConfigError(f"{where}.driver must be one of {', '.join(LINE_DRIVERS)}")
    framing = entry.get("framing", "auto")
    if framing not in FRAMINGS:
        raise LineReaderConfigError(f"{where}.framing must be one of {', '.join(FRAMINGS)}")
    timeout = entry.get("frame_timeout_s", 1.0)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise LineReaderConfigError(f"{where}.frame_timeout_s must be a positive number of seconds")
    desk = entry.get("desk", "")
    if not isinstance(desk, str):
        raise LineReaderConfigError(f"{where}.desk must be a string")
    foreign = [k for k in (HID_KEYS if driver == "serial" else SERIAL_KEYS) if k in entry]
    if foreign:
        raise LineReaderConfigError(f"{where}: {', '.join(foreign)} do not apply to driver {driver!r}")
    serial = hid = None
    try:
        if driver == "serial":
            port = entry.get("port")
            if not isinstance(port, str) or not port:
                raise LineReaderConfigError(f"{where}.port must be a device path (driver serial)")
            serial = SerialSettings(port=port, **{k: entry[k] for k in SERIAL_KEYS[1:] if k in entry})
        else:
            for key in ("vendor_id", "product_id"):
                if key not in entry:
                    raise LineReaderConfigError(f"{where}.{key} is required for driver hid (e.g. 0x0DB5)")
            hid = HidSettings(**{k: entry[k] for k in HID_KEYS if k in entry})
    except (TypeError, ValueError) as exc:
        if isinstance(exc, LineReaderConfigError):
            raise
        raise LineReaderConfigError(f"{where}: {exc}") from None
    if hid is not None and hid.report_format not in REPORT_FORMATS:  # pragma: no cover - HidSettings checks
        raise LineReaderConfigError(f"{where}.report_format must be one of {', '.join(REPORT_FORMATS)}")
    return LineReaderConfig(id=device_id, driver=driver, desk=desk, kind=kind, display_name=display_name,
                            framing=framing, frame_timeout_s=float(timeout), serial=serial, hid=hid,
                            vendor=vendor, model=model)


def build_reader(config: LineReaderConfig, *, usb_backend: Any = None,
                 on_event: Callable[[LineReaderEvent], None] | None = None, **kwargs: Any) -> LineReader:
    """A (not yet started) LineReader for one configured device."""
    source: SerialSource | HidSource
    if config.serial is not None:
        source = SerialSource(config.serial)
    elif config.hid is not None:
        source = HidSource(config.hid, backend=usb_backend)
    else:  # pragma: no cover - parse_line_reader guarantees one of them
        raise LineReaderConfigError(f"device {config.id!r} has neither port nor USB ids")
    return LineReader(config.id, source, framing=config.framing, timing=Timing(config.frame_timeout_s),
                      on_event=on_event, **kwargs)


class LineReaderSet:
    """All configured line readers of a daemon, started and stopped together, found by id or desk."""

    def __init__(self, configs: tuple[LineReaderConfig, ...], *, usb_backend: Any = None,
                 on_event: Callable[[LineReaderEvent], None] | None = None) -> None:
        self.configs = {c.id: c for c in configs}
        self.readers = {c.id: build_reader(c, usb_backend=usb_backend, on_event=on_event) for c in configs}

    def start(self) -> None:
        for reader in self.readers.values():
            reader.start()

    def stop(self) -> None:
        for reader in self.readers.values():  # every thread sees the stop first, then each is joined
            reader.stop(timeout_s=0)
        for reader in self.readers.values():
            reader.stop()

    def get(self, device_id: str) -> LineReader:
        return self.readers[device_id]

    def for_desk(self, desk: str) -> list[LineReader]:
        """The line readers of one desk (config order), e.g. to take the MRZ for that desk's chip reader."""
        return [self.readers[i] for i, c in self.configs.items() if desk and c.desk == desk]
