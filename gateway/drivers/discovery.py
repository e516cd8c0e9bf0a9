"""What is plugged in: serial ports (pyserial's list_ports) and USB HID interfaces (pyusb).

Used by `gateway devices` to show configured readers next to attached ones and to write a config
block for what is attached but not configured. Listing never reads from a device; it only opens a
USB device to fetch its string descriptors (manufacturer, product, serial number), and skips those
when the OS does not allow it.
"""

from __future__ import annotations

import contextlib
import glob
import os
from dataclasses import asdict, dataclass
from typing import Any

import serial.tools.list_ports
import usb.core
import usb.util

from .byte_source import PortError
from .hid_port import default_backend
from .serial_port import check_port

BY_ID = "/dev/serial/by-id/*"  # udev's stable names: the path to put in the config
SIM_LINKS = "/tmp/gateway-mrz*"  # where `gateway-sim mrz-reader` puts its symlinks by default
HID_CLASS = 3
_BUILT_IN = ("serial-base", "serial8250", "pnp", "platform", None)


@dataclass(frozen=True)
class SerialPortInfo:
    device: str  # the path to use
    kind: str  # usb-serial | built-in | pseudo-terminal | other
    description: str = ""
    target: str | None = None  # what a symlink points to
    vid: int | None = None
    pid: int | None = None
    serial_number: str | None = None
    manufacturer: str | None = None
    product: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class UsbHidInfo:
    vendor_id: int
    product_id: int
    bus: int | None
    address: int | None
    interface: int
    endpoint: int | None  # interrupt-IN endpoint address
    keyboard: bool  # boot-protocol keyboard: a keyboard-wedge reader, its keystrokes go to the desktop
    manufacturer: str | None = None
    product: str | None = None
    serial_number: str | None = None

    @property
    def ids(self) -> str:
        return f"{self.vendor_id:04x}:{self.product_id:04x}"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ids": self.ids}


def list_serial_ports(extra_globs: tuple[str, ...] = (SIM_LINKS,)) -> list[SerialPortInfo]:
    """Serial ports pyserial knows (USB-serial with their stable by-id path), plus terminal devices
    matching `extra_globs` (pseudo-terminals such as the simulator's, which have no sysfs entry)."""
    by_id = {os.path.realpath(p): p for p in sorted(glob.glob(BY_ID))}
    ports: list[SerialPortInfo] = []
    seen: set[str] = set()
    for info in serial.tools.list_ports.comports():
        real = os.path.realpath(info.device)
        seen.add(real)
        usb = info.vid is not None
        stable = by_id.get(real)
        ports.append(SerialPortInfo(
            device=stable or info.device, kind="usb-serial" if usb else "built-in" if info.subsystem in _BUILT_IN
            or str(info.subsystem).startswith("serial") else "other",
            description="" if info.description in (None, "n/a") else info.description,
            target=info.device if stable else None, vid=info.vid, pid=info.pid, serial_number=info.serial_number,
            manufacturer=info.manufacturer, product=info.product))
    for pattern in extra_globs:
        for path in sorted(glob.glob(pattern)):
            real = os.path.realpath(path)
            if real in seen:
                continue
            try:
                check_port(path)
            except PortError:
                continue
            seen.add(real)
            ports.append(SerialPortInfo(device=path, kind="pseudo-terminal" if real.startswith("/dev/pts/")
                                        else "other", target=real if real != path else None))
    return ports


def _string(dev: Any, attr: str) -> str | None:
    with contextlib.suppress(usb.core.USBError, ValueError, NotImplementedError, AttributeError, TypeError):
        return getattr(dev, attr)
    return None


def list_usb_hid(backend: Any = None) -> list[UsbHidInfo]:
    """Every HID interface with an interrupt-IN endpoint on the USB buses (PortError if no libusb)."""
    backend = backend or default_backend()
    found: list[UsbHidInfo] = []
    try:
        devices = list(usb.core.find(find_all=True, backend=backend))
    except usb.core.USBError as exc:
        raise PortError("NOT_FOUND", f"cannot list USB devices: {exc.strerror or exc}") from None
    for dev in devices:
        strings: tuple[str | None, ...] | None = None
        try:
            configs = list(dev)
        except usb.core.USBError:
            continue
        for cfg in configs:
            for intf in cfg:
                if intf.bInterfaceClass != HID_CLASS or intf.bAlternateSetting != 0:
                    continue
                ep = usb.util.find_descriptor(intf, custom_match=lambda e: (
                    usb.util.endpoint_direction(e.bEndpointAddress) == usb.util.ENDPOINT_IN
                    and usb.util.endpoint_type(e.bmAttributes) == usb.util.ENDPOINT_TYPE_INTR))
                if strings is None:
                    strings = (_string(dev, "manufacturer"), _string(dev, "product"), _string(dev, "serial_number"))
                found.append(UsbHidInfo(
                    vendor_id=dev.idVendor, product_id=dev.idProduct, bus=dev.bus, address=dev.address,
                    interface=intf.bInterfaceNumber, endpoint=ep.bEndpointAddress if ep is not None else None,
                    keyboard=intf.bInterfaceSubClass == 1 and intf.bInterfaceProtocol == 1,
                    manufacturer=strings[0], product=strings[1], serial_number=strings[2]))
        with contextlib.suppress(Exception):
            usb.util.dispose_resources(dev)
    return found


def find_usb(vendor_id: int, product_id: int, serial_number: str | None = None, backend: Any = None) -> bool:
    """Is this USB device attached?"""
    backend = backend or default_backend()
    for dev in usb.core.find(find_all=True, idVendor=vendor_id, idProduct=product_id, backend=backend):
        if serial_number is None or _string(dev, "serial_number") == serial_number:
            return True
    return False
