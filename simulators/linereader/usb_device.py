"""A simulated USB HID line reader behind pyusb's backend interface (`usb.backend.IBackend`).

The backend is the lowest layer of pyusb and the one that cannot run here (it talks to a USB host
controller through libusb). Everything above it is pyusb's real code: `usb.core.find(backend=bus)`
enumerates our devices and parses their descriptors, `Device.read` goes through pyusb's interface
and endpoint bookkeeping, string descriptors are fetched with real GET_DESCRIPTOR control transfers,
and errors come back as the `USBError`/`USBTimeoutError` (with errno) libusb would give.

The device looks like an Access-IS style OCR reader: one HID interface (class 3) with one interrupt
IN endpoint of 64 bytes. The report layout is configurable because vendors differ:

- `length-prefixed` (default): byte 0 = number of data bytes that follow (at most 63), zero padded;
- `raw`: the data bytes themselves, zero padded to 64 (NUL never occurs in reader data).

Like a real HID device it starts with the kernel's usbhid driver bound to its interface, so a host
that does not detach it gets EBUSY when claiming the interface.
"""

from __future__ import annotations

import errno
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from types import SimpleNamespace

import usb.backend
import usb.core

from .faults import Write

ACCESS_IS_VENDOR = 0x0DB5  # Access-IS's USB vendor id (field guide §4)
SIM_PRODUCT = 0x5EED  # not a real product id: marks the simulator
PACKET = 64
REPORT_FORMATS = ("length-prefixed", "raw")
_GET_DESCRIPTOR, _DESC_STRING = 0x06, 0x03
_LANG_EN_US = 0x0409


def _no_device() -> usb.core.USBError:
    return usb.core.USBError("No such device (it may have been disconnected)", -4, errno.ENODEV)


@dataclass(eq=False)
class SimulatedHidReader:
    """One simulated reader. `send(bytes)` queues input reports as the device would produce them."""

    vendor_id: int = ACCESS_IS_VENDOR
    product_id: int = SIM_PRODUCT
    manufacturer: str = "gateway-sim"
    product: str = "Simulated OCR line reader"
    serial: str = "SIM0001"
    report_format: str = "length-prefixed"
    endpoint_address: int = 0x81
    interface_class: int = 3  # HID
    kernel_driver_active: bool = True
    address: int = 0
    reports: deque[bytes] = field(default_factory=deque)
    plugged: bool = False
    claimed: bool = False
    generation: int = 0  # bumped on every plug: handles from before a replug stay dead
    _cond: threading.Condition = field(default_factory=threading.Condition)

    def __post_init__(self) -> None:
        if self.report_format not in REPORT_FORMATS:
            raise ValueError(f"report_format must be one of {', '.join(REPORT_FORMATS)}")

    # --- what the reader "says" -------------------------------------------------------------------

    def send(self, data: bytes) -> None:
        step = PACKET - 1 if self.report_format == "length-prefixed" else PACKET
        with self._cond:
            for i in range(0, len(data), step):
                chunk = data[i:i + step]
                report = bytes((len(chunk),)) + chunk if self.report_format == "length-prefixed" else chunk
                self.reports.append(report.ljust(PACKET, b"\x00"))
            self._cond.notify_all()

    def play(self, writes: list[Write], stop: threading.Event | None = None) -> None:
        for w in writes:
            self.send(w.data)
            if w.pause_after_s and (stop.wait(w.pause_after_s) if stop else time.sleep(w.pause_after_s)):
                break

    def next_report(self, timeout_s: float) -> bytes | None:
        with self._cond:
            if not self._cond.wait_for(lambda: self.reports or not self.plugged, timeout_s):
                return None
            if not self.plugged:
                raise _no_device()
            return self.reports.popleft()

    def wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    # --- descriptors ------------------------------------------------------------------------------

    def strings(self) -> dict[int, str]:
        return {1: self.manufacturer, 2: self.product, 3: self.serial}

    def device_descriptor(self) -> SimpleNamespace:
        return SimpleNamespace(
            bLength=18, bDescriptorType=1, bcdUSB=0x0200, bDeviceClass=0, bDeviceSubClass=0, bDeviceProtocol=0,
            bMaxPacketSize0=64, idVendor=self.vendor_id, idProduct=self.product_id, bcdDevice=0x0100,
            iManufacturer=1, iProduct=2, iSerialNumber=3, bNumConfigurations=1,
            address=self.address, bus=1, port_number=self.address, port_numbers=(self.address,), speed=2)

    def configuration_descriptor(self) -> SimpleNamespace:
        return SimpleNamespace(bLength=9, bDescriptorType=2, wTotalLength=34, bNumInterfaces=1,
                               bConfigurationValue=1, iConfiguration=0, bmAttributes=0x80, bMaxPower=50,
                               extra_descriptors=b"")

    def interface_descriptor(self) -> SimpleNamespace:
        return SimpleNamespace(bLength=9, bDescriptorType=4, bInterfaceNumber=0, bAlternateSetting=0,
                               bNumEndpoints=1, bInterfaceClass=self.interface_class, bInterfaceSubClass=0,
                               bInterfaceProtocol=0, iInterface=0, extra_descriptors=b"")

    def endpoint_descriptor(self) -> SimpleNamespace:
        return SimpleNamespace(bLength=7, bDescriptorType=5, bEndpointAddress=self.endpoint_address,
                               bmAttributes=0x03, wMaxPacketSize=PACKET, bInterval=4, bRefresh=0,
                               bSynchAddress=0, extra_descriptors=b"")


@dataclass(eq=False)
class _Handle:
    device: SimulatedHidReader
    generation: int
    configuration: int = 1


class SimulatedUsbBus(usb.backend.IBackend):
    """A USB bus whose devices can be plugged and unplugged; pass it to `usb.core.find(backend=...)`."""

    def __init__(self) -> None:
        super().__init__()
        self._devices: list[SimulatedHidReader] = []
        self._lock = threading.Lock()
        self._next_address = 1

    # --- the test's / simulator's side ------------------------------------------------------------

    def plug(self, device: SimulatedHidReader) -> SimulatedHidReader:
        with self._lock:
            device.address = self._next_address
            self._next_address += 1
            device.plugged = True
            device.generation += 1
            device.claimed = False
            device.kernel_driver_active = True  # a fresh enumeration binds usbhid again
            device.reports.clear()
            if device not in self._devices:
                self._devices.append(device)
        return device

    def unplug(self, device: SimulatedHidReader) -> None:
        with self._lock:
            device.plugged = False
            if device in self._devices:
                self._devices.remove(device)
        device.wake()

    # --- IBackend ----------------------------------------------------------------------------------

    def enumerate_devices(self):
        with self._lock:
            return list(self._devices)

    def get_parent(self, dev):
        return None

    def get_device_descriptor(self, dev):
        return dev.device_descriptor()

    def get_configuration_descriptor(self, dev, config):
        if config != 0:
            raise IndexError("configuration index out of range")
        return dev.configuration_descriptor()

    def get_interface_descriptor(self, dev, intf, alt, config):
        if config != 0 or intf != 0 or alt != 0:
            raise IndexError("interface index out of range")
        return dev.interface_descriptor()

    def get_endpoint_descriptor(self, dev, ep, intf, alt, config):
        if ep != 0 or intf != 0 or alt != 0 or config != 0:
            raise IndexError("endpoint index out of range")
        return dev.endpoint_descriptor()

    def open_device(self, dev):
        if not dev.plugged:
            raise _no_device()
        return _Handle(dev, dev.generation)

    def close_device(self, dev_handle):
        if dev_handle.generation == dev_handle.device.generation:
            dev_handle.device.claimed = False

    def set_configuration(self, dev_handle, config_value):
        self._alive(dev_handle)
        if dev_handle.device.kernel_driver_active:  # libusb refuses while a driver holds an interface
            raise usb.core.USBError("Resource busy", -6, errno.EBUSY)
        dev_handle.configuration = config_value

    def get_configuration(self, dev_handle):
        self._alive(dev_handle)
        return dev_handle.configuration

    def set_interface_altsetting(self, dev_handle, intf, altsetting):
        self._alive(dev_handle)

    def claim_interface(self, dev_handle, intf):
        self._alive(dev_handle)
        if dev_handle.device.kernel_driver_active:
            raise usb.core.USBError("Resource busy", -6, errno.EBUSY)
        dev_handle.device.claimed = True

    def release_interface(self, dev_handle, intf):
        self._alive(dev_handle)
        dev_handle.device.claimed = False

    def is_kernel_driver_active(self, dev_handle, intf):
        self._alive(dev_handle)
        return dev_handle.device.kernel_driver_active

    def detach_kernel_driver(self, dev_handle, intf):
        self._alive(dev_handle)
        dev_handle.device.kernel_driver_active = False

    def attach_kernel_driver(self, dev_handle, intf):
        self._alive(dev_handle)
        dev_handle.device.kernel_driver_active = True

    def intr_read(self, dev_handle, ep, intf, buff, timeout):
        device = self._alive(dev_handle)
        if not device.claimed:
            raise usb.core.USBError("Resource busy", -6, errno.EBUSY)
        report = device.next_report(timeout / 1000 if timeout else None)
        self._alive(dev_handle)
        if report is None:
            raise usb.core.USBTimeoutError("Operation timed out", -7, errno.ETIMEDOUT)
        n = min(len(report), len(buff) * buff.itemsize)
        buff[:n] = type(buff)(buff.typecode, report[:n])
        return n

    def ctrl_transfer(self, dev_handle, bmRequestType, bRequest, wValue, wIndex, data, timeout):
        device = self._alive(dev_handle)
        if bmRequestType & 0x80 and bRequest == _GET_DESCRIPTOR and wValue >> 8 == _DESC_STRING:
            index = wValue & 0xFF
            if index == 0:
                payload = _LANG_EN_US.to_bytes(2, "little")
            else:
                text = device.strings().get(index)
                if text is None:
                    raise usb.core.USBError("Pipe error", -9, errno.EPIPE)
                payload = text.encode("utf-16-le")
            desc = bytes((2 + len(payload), _DESC_STRING)) + payload
            n = min(len(desc), len(data) * data.itemsize)
            data[:n] = type(data)(data.typecode, desc[:n])
            return n
        if not bmRequestType & 0x80:  # HID class requests like SET_IDLE: accepted
            return 0
        raise usb.core.USBError("Pipe error", -9, errno.EPIPE)

    @staticmethod
    def _alive(dev_handle) -> SimulatedHidReader:
        device = dev_handle.device
        if not device.plugged or dev_handle.generation != device.generation:
            raise _no_device()
        return device
