"""Serial and USB-CDC line readers through pyserial: a thin byte source, nothing more.

The port is opened exclusively (so a second gateway cannot steal half the frames) with the baud rate,
parity, data bits and stop bits from the config. Before pyserial touches it, the path is checked: a
missing path is "not plugged in" (retried), a path that is not a terminal device is a configuration
error that says so - instead of pyserial's "Inappropriate ioctl for device".
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from dataclasses import dataclass

import serial

from .byte_source import BAD_SETTINGS, BUSY, LOST, NOT_A_TTY, NOT_FOUND, PERMISSION, PortError

PARITIES = {"N": serial.PARITY_NONE, "E": serial.PARITY_EVEN, "O": serial.PARITY_ODD,
            "M": serial.PARITY_MARK, "S": serial.PARITY_SPACE}
BYTESIZES = (5, 6, 7, 8)
STOPBITS = (1, 1.5, 2)
BAUDRATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400)


@dataclass(frozen=True)
class SerialSettings:
    """Line settings. Desko and 3M readers ship at 9600 8N1; some are set to 19200 or 115200."""

    port: str
    baudrate: int = 9600
    parity: str = "N"
    bytesize: int = 8
    stopbits: float = 1
    rtscts: bool = False
    xonxoff: bool = False

    def __post_init__(self) -> None:
        if not self.port:
            raise ValueError("port must be a device path")
        if self.baudrate not in BAUDRATES:
            raise ValueError(f"baudrate must be one of {', '.join(map(str, BAUDRATES))}")
        if self.parity not in PARITIES:
            raise ValueError(f"parity must be one of {', '.join(PARITIES)}")
        if self.bytesize not in BYTESIZES:
            raise ValueError("bytesize must be 5, 6, 7 or 8")
        if self.stopbits not in STOPBITS:
            raise ValueError("stopbits must be 1, 1.5 or 2")


def check_port(path: str, *, probe: bool = True) -> None:
    """Raise PortError unless `path` is a terminal device we may open.

    `probe=False` only looks at the file (no open: opening a real UART toggles DTR); pyserial's own
    open then finds out the rest.
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise PortError(NOT_FOUND, f"{path} does not exist (reader unplugged?)") from None
    except PermissionError:
        raise PortError(PERMISSION, f"no permission to look at {path}") from None
    if not stat.S_ISCHR(st.st_mode):
        kind = "a directory" if stat.S_ISDIR(st.st_mode) else "a regular file" if stat.S_ISREG(st.st_mode) else \
            "not a character device"
        raise PortError(NOT_A_TTY, f"{path} is {kind}, not a serial port")
    if not probe:
        return
    try:
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    except PermissionError:
        raise PortError(PERMISSION, f"no permission to open {path} (is the user in group dialout?)") from None
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENXIO, errno.ENODEV, errno.EIO):
            raise PortError(NOT_FOUND, f"{path} is not available ({exc.strerror})") from None
        raise PortError(BUSY, f"cannot open {path}: {exc.strerror}") from None
    try:
        if not os.isatty(fd):
            raise PortError(NOT_A_TTY, f"{path} is a character device but not a terminal (serial port)")
    finally:
        os.close(fd)


class SerialSource:
    """A `ByteSource` over pyserial."""

    def __init__(self, settings: SerialSettings) -> None:
        self.settings = settings
        self._port: serial.Serial | None = None

    @property
    def description(self) -> str:
        return self.settings.port

    def open(self) -> None:
        s = self.settings
        check_port(s.port, probe=False)
        try:
            self._port = serial.Serial(
                s.port, baudrate=s.baudrate, parity=PARITIES[s.parity], bytesize=s.bytesize,
                stopbits=s.stopbits, rtscts=s.rtscts, xonxoff=s.xonxoff, timeout=0.05, exclusive=True)
        except serial.SerialException as exc:
            text = str(exc)
            if exc.errno == errno.ENOTTY or "Inappropriate ioctl" in text:  # termios on a non-tty
                raise PortError(NOT_A_TTY, f"{s.port} is a character device but not a terminal (serial port)") \
                    from None
            if exc.errno in (errno.EACCES, errno.EPERM):
                raise PortError(PERMISSION, f"no permission to open {s.port} (is the user in group dialout?)") \
                    from None
            if "lock" in text.lower() or "busy" in text.lower():
                raise PortError(BUSY, f"{s.port} is in use by another program") from None
            if "configure" in text.lower():
                raise PortError(BAD_SETTINGS, f"{s.port} refused the line settings {s.baudrate} "
                                f"{s.bytesize}{s.parity}{s.stopbits:g}") from None
            raise PortError(NOT_FOUND, f"cannot open {s.port}: {text}") from None
        except ValueError as exc:
            raise PortError(BAD_SETTINGS, f"{s.port}: {exc}") from None

    def read(self, timeout_s: float) -> bytes:
        port = self._port
        if port is None:
            raise PortError(LOST, f"{self.settings.port} is not open")
        try:
            if port.timeout != timeout_s:
                port.timeout = timeout_s
            data = port.read(1)  # blocks up to timeout_s for the first byte ...
            if data:
                waiting = port.in_waiting
                if waiting:
                    data += port.read(waiting)  # ... then takes whatever is already there
            return data
        except (serial.SerialException, OSError, TypeError):
            # TypeError: pyserial reading a port closed under it by another thread
            raise PortError(LOST, f"{self.settings.port} went away (reader unplugged?)") from None

    def close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            with contextlib.suppress(Exception):
                port.close()
