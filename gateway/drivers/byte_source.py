"""The one interface the line-reader driver needs from a transport: open, read bytes, close.

Serial ports (pyserial) and USB HID readers (pyusb) implement it; the driver above them
(`gateway.drivers.line_reader`) does reconnecting, parsing and MRZ checking once for both.
"""

from __future__ import annotations

from typing import Protocol

# PortError codes
NOT_FOUND = "NOT_FOUND"  # path or USB ids not present (unplugged): retried
NOT_A_TTY = "NOT_A_TTY"  # the path exists but is no terminal device: a configuration error
PERMISSION = "PERMISSION"  # the OS refuses access (group dialout / udev rule missing)
BUSY = "BUSY"  # another process or a kernel driver holds the device
NO_BACKEND = "NO_BACKEND"  # pyusb found no libusb
LOST = "LOST"  # the device went away while open (unplugged, reset)
BAD_SETTINGS = "BAD_SETTINGS"  # the OS rejected baud rate / parity / ...

PERMANENT = frozenset({NOT_A_TTY, BAD_SETTINGS})  # retrying will not help until the config changes


class PortError(Exception):
    """A transport problem with a code and one line for a person (names the port, never data)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def permanent(self) -> bool:
        return self.code in PERMANENT


class ByteSource(Protocol):
    """A reader's byte stream. Implementations are used from one thread."""

    @property
    def description(self) -> str:
        """Where the bytes come from, for messages: a path, or "usb 0db5:5eed"."""
        ...

    def open(self) -> None:
        """Connect; raise PortError (NOT_FOUND when simply not plugged in)."""
        ...

    def read(self, timeout_s: float) -> bytes:
        """Bytes that arrived, or b"" after `timeout_s`; raise PortError(LOST) when the device is gone."""
        ...

    def close(self) -> None:
        """Release the device; never raises."""
        ...
