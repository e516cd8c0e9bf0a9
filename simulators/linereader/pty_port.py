"""A serial line reader on a real pseudo-terminal: the gateway opens the pty slave like any tty.

`plug()` opens a pty (`os.openpty`), puts the slave in raw mode (so the kernel neither echoes nor
turns CR into LF before the gateway has configured the port) and points a stable symlink at it;
`unplug()` closes both ends - the gateway's next read fails as with a USB-serial adapter pulled out
- and removes the link; `plug()` again is a replug, with a new pty and the link updated atomically.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import time
import tty
from pathlib import Path

from .faults import Write

WRITE_TIMEOUT_S = 2.0  # a reader whose host stops reading loses data rather than hang the simulator


class PtyPort:
    def __init__(self, link: Path | None = None, write_timeout_s: float = WRITE_TIMEOUT_S) -> None:
        self.link = Path(link) if link else None
        self.write_timeout_s = write_timeout_s
        self.path: str | None = None
        self._master: int | None = None
        self._slave: int | None = None
        self._lock = threading.Lock()
        self.dropped = 0  # bytes that could not be written (nobody read the port)

    @property
    def plugged(self) -> bool:
        return self._master is not None

    def plug(self) -> str:
        with self._lock:
            if self._master is not None:
                return self.path or ""
            master, slave = os.openpty()
            tty.setraw(slave)
            os.set_blocking(master, False)
            self._master, self._slave = master, slave
            self.path = os.ttyname(slave)
            if self.link is not None:
                tmp = self.link.with_name(f".{self.link.name}.{os.getpid()}.tmp")
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()
                tmp.symlink_to(self.path)
                os.replace(tmp, self.link)
            return self.path

    def unplug(self) -> None:
        with self._lock:
            for fd in (self._master, self._slave):
                if fd is not None:
                    with contextlib.suppress(OSError):
                        os.close(fd)
            self._master = self._slave = None
            if self.link is not None and self.link.is_symlink() and os.readlink(self.link) == self.path:
                with contextlib.suppress(FileNotFoundError):
                    self.link.unlink()

    close = unplug

    def write(self, data: bytes) -> int:
        """Write all of `data` unless nobody reads for WRITE_TIMEOUT_S; return the bytes written."""
        view = memoryview(data)
        written = 0
        deadline = time.monotonic() + self.write_timeout_s
        while written < len(view):
            with self._lock:
                master = self._master
                if master is None:
                    break
                try:
                    written += os.write(master, view[written:written + 4096])
                    deadline = time.monotonic() + self.write_timeout_s
                    continue
                except BlockingIOError:
                    pass
                except OSError:
                    break
            left = deadline - time.monotonic()
            if left <= 0:
                break
            with contextlib.suppress(OSError, ValueError):
                select.select([], [master], [], min(left, 0.1))
        self.dropped += len(view) - written
        return written

    def play(self, writes: list[Write], stop: threading.Event | None = None) -> int:
        total = 0
        for w in writes:
            total += self.write(w.data)
            if w.pause_after_s and (stop.wait(w.pause_after_s) if stop else time.sleep(w.pause_after_s)):
                break
        return total
