"""USB HID line readers through pyusb: find by vendor/product id, claim, read the interrupt-IN endpoint.

A HID reader is normally bound to the kernel's usbhid driver. The gateway detaches it only when the
config says `detach_kernel_driver = true` (and re-attaches it on close); otherwise opening fails with
a message that says how to fix it, never silently takes a device from another program.

Input reports carry the reader's byte stream (the CUTE frames of docs/line-readers.md). Two layouts:
`length-prefixed` - byte 0 is the number of data bytes that follow - and `raw` - the data bytes,
zero padded (NUL never occurs in reader data). `backend` exists so tests and the simulator can put a
simulated bus under pyusb (`usb.backend.IBackend`); production code passes None and pyusb uses libusb.
"""

from __future__ import annotations

import contextlib
import errno
from dataclasses import dataclass
from typing import Any

import usb.core
import usb.util

from .byte_source import BUSY, LOST, NO_BACKEND, NOT_FOUND, PERMISSION, PortError

REPORT_FORMATS = ("length-prefixed", "raw")
_GONE = {errno.ENODEV, errno.EIO, errno.EPIPE, errno.ESHUTDOWN, errno.ENOENT}


@dataclass(frozen=True)
class HidSettings:
    vendor_id: int
    product_id: int
    serial_number: str | None = None  # pick one of several identical readers
    interface: int = 0
    endpoint: int | None = None  # interrupt-IN endpoint address; default: the interface's first
    detach_kernel_driver: bool = False
    report_format: str = "length-prefixed"

    def __post_init__(self) -> None:
        for name in ("vendor_id", "product_id"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 0xFFFF:
                raise ValueError(f"{name} must be a 16-bit number, e.g. 0x0DB5")
        if self.report_format not in REPORT_FORMATS:
            raise ValueError(f"report_format must be one of {', '.join(REPORT_FORMATS)}")
        if self.endpoint is not None and not 0x81 <= self.endpoint <= 0x8F:
            raise ValueError("endpoint must be an IN endpoint address (0x81-0x8F)")

    @property
    def ids(self) -> str:
        return f"{self.vendor_id:04x}:{self.product_id:04x}"


def default_backend() -> Any:
    """pyusb's libusb 1.0 backend, or PortError(NO_BACKEND) with what to install."""
    import usb.backend.libusb1

    backend = usb.backend.libusb1.get_backend()
    if backend is None:
        raise PortError(NO_BACKEND, "pyusb finds no libusb-1.0 (Debian package libusb-1.0-0)")
    return backend


def decode_report(report: bytes, report_format: str) -> bytes:
    """The reader's data bytes inside one input report."""
    if not report:
        return b""
    if report_format == "length-prefixed":
        return bytes(report[1:1 + report[0]])
    return bytes(report).replace(b"\x00", b"")


class HidSource:
    """A `ByteSource` over pyusb."""

    def __init__(self, settings: HidSettings, backend: Any = None) -> None:
        self.settings = settings
        self._backend = backend
        self._dev: Any = None
        self._ep: Any = None
        self._detached = False

    @property
    def description(self) -> str:
        return f"usb {self.settings.ids}"

    def open(self) -> None:
        s = self.settings
        backend = self._backend or default_backend()

        def match(dev: Any) -> bool:
            if s.serial_number is None:
                return True
            with contextlib.suppress(usb.core.USBError, ValueError, NotImplementedError):
                return dev.serial_number == s.serial_number
            return False

        try:
            dev = usb.core.find(idVendor=s.vendor_id, idProduct=s.product_id, custom_match=match, backend=backend)
        except usb.core.USBError as exc:
            raise PortError(NOT_FOUND, f"cannot list USB devices: {exc.strerror or exc}") from None
        if dev is None:
            which = f" with serial number {s.serial_number}" if s.serial_number else ""
            raise PortError(NOT_FOUND, f"no USB device {s.ids}{which} (reader unplugged?)")
        try:
            self._claim(dev)
        except PortError:
            self._release(dev)
            raise
        except usb.core.USBError as exc:
            self._release(dev)
            raise self._error(exc, "open") from None
        self._dev = dev

    def _claim(self, dev: Any) -> None:
        s = self.settings
        active = False
        with contextlib.suppress(NotImplementedError):
            active = dev.is_kernel_driver_active(s.interface)
        if active:
            if not s.detach_kernel_driver:
                raise PortError(BUSY, f"USB {s.ids} interface {s.interface} is held by a kernel driver (usbhid); "
                                "set detach_kernel_driver = true for this device to let the gateway take it")
            dev.detach_kernel_driver(s.interface)
            self._detached = True
        try:
            cfg = dev.get_active_configuration()
        except usb.core.USBError:
            dev.set_configuration()
            cfg = dev.get_active_configuration()
        try:
            intf = cfg[(s.interface, 0)]
        except (IndexError, usb.core.USBError):
            raise PortError(NOT_FOUND, f"USB {s.ids} has no interface {s.interface}") from None

        def wanted(ep: Any) -> bool:
            if usb.util.endpoint_direction(ep.bEndpointAddress) != usb.util.ENDPOINT_IN:
                return False
            if usb.util.endpoint_type(ep.bmAttributes) != usb.util.ENDPOINT_TYPE_INTR:
                return False
            return s.endpoint is None or ep.bEndpointAddress == s.endpoint

        ep = usb.util.find_descriptor(intf, custom_match=wanted)
        if ep is None:
            raise PortError(NOT_FOUND, f"USB {s.ids} interface {s.interface} has no interrupt-IN endpoint"
                            + (f" 0x{s.endpoint:02x}" if s.endpoint else ""))
        usb.util.claim_interface(dev, s.interface)
        self._ep = ep

    def read(self, timeout_s: float) -> bytes:
        dev, ep = self._dev, self._ep
        if dev is None or ep is None:
            raise PortError(LOST, f"{self.description} is not open")
        try:
            report = dev.read(ep.bEndpointAddress, ep.wMaxPacketSize, max(1, int(timeout_s * 1000)))
        except usb.core.USBTimeoutError:
            return b""
        except usb.core.USBError as exc:
            raise self._error(exc, "read") from None
        return decode_report(bytes(report), self.settings.report_format)

    def close(self) -> None:
        dev, self._dev, self._ep = self._dev, None, None
        if dev is not None:
            self._release(dev)

    def _release(self, dev: Any) -> None:
        with contextlib.suppress(Exception):
            usb.util.release_interface(dev, self.settings.interface)
        if self._detached:
            with contextlib.suppress(Exception):
                dev.attach_kernel_driver(self.settings.interface)
            self._detached = False
        with contextlib.suppress(Exception):
            usb.util.dispose_resources(dev)

    def _error(self, exc: usb.core.USBError, during: str) -> PortError:
        ids = self.settings.ids
        if exc.errno in (errno.EACCES, errno.EPERM):
            return PortError(PERMISSION, f"no permission to use USB {ids} (a udev rule must grant it)")
        if exc.errno == errno.EBUSY:
            return PortError(BUSY, f"USB {ids} is busy (another program or driver holds it)")
        if exc.errno in _GONE or during == "read":
            return PortError(LOST, f"USB {ids} went away (reader unplugged?)")
        return PortError(NOT_FOUND, f"USB {ids}: {exc.strerror or exc} during {during}")
