"""A daemon with MRZ line readers on real pseudo-terminals, configured by a real TOML file.

`desk_daemon(tmp_path, ...)` plugs simulated serial readers (`simulators.linereader.pty_port`), writes a
config with a chip reader and a line reader per desk, and runs the daemon (`tests.api_support`) on a
real socket. The tests talk to it with the SDK and swipe by writing frames to the pty.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from gateway.client import GatewayClient, GatewayError
from gateway.service.config import load_config
from simulators.linereader import faults
from simulators.linereader.pty_port import PtyPort
from tests.api_support import DaemonThread

WAIT_S = 5.0  # generous: two cores shared with other work


@dataclass
class DeskRig:
    daemon: DaemonThread
    client: GatewayClient
    ports: dict[str, PtyPort]
    config_path: Path

    def swipe(self, device_id: str, lines, fault: list[str] | None = None, framing: str = "desko") -> None:
        self.ports[device_id].play(faults.swipe(framing, list(lines), fault or []))


def write_config(path: Path, readers: dict[str, tuple[str, str]], extra_devices: str = "", limits: str = "") -> Path:
    """readers: device id -> (desk, port path). Each desk also gets a chip reader `<desk>-chip`."""
    parts = ['[server]\nlisten = ["127.0.0.1:0"]\n', f"[limits]\n{limits}\n"]
    for desk in dict.fromkeys(desk for desk, _ in readers.values()):
        parts.append(f'[[devices]]\nid = "{desk}-chip"\npcsc_reader = "Test Chip Reader {desk} 00 00"\n'
                     f'desk = "{desk}"\n')
    for device_id, (desk, port) in readers.items():
        parts.append(f'[[devices]]\nid = "{device_id}"\ndesk = "{desk}"\ndriver = "serial"\nport = "{port}"\n'
                     'framing = "auto"\nframe_timeout_s = 0.5\n')
    parts.append(extra_devices)
    path.write_text("\n".join(parts))
    return path


@contextlib.contextmanager
def desk_daemon(tmp_path: Path, desks: dict[str, str] | None = None, *, extra_devices: str = "",
                limits: str = "", plug: bool = True) -> Iterator[DeskRig]:
    """desks: line reader id -> desk (default one desk: desk1-mrz on desk1)."""
    desks = desks or {"desk1-mrz": "desk1"}
    ports = {device_id: PtyPort(tmp_path / f"{device_id}.link") for device_id in desks}
    if plug:
        for port in ports.values():
            port.plug()
    path = write_config(tmp_path / "gateway.toml", {i: (d, str(ports[i].link)) for i, d in desks.items()},
                        extra_devices, limits)
    daemon = DaemonThread(load_config(path), monitor_pcsc=False)
    daemon.start()
    client = GatewayClient(daemon.address, timeout=30)
    try:
        rig = DeskRig(daemon, client, ports, path)
        if plug:
            for device_id in desks:
                wait_until(lambda device_id=device_id: client.describe_device(device_id).attached,
                           f"{device_id} attached")
        yield rig
    finally:
        client.close()
        daemon.stop()
        for port in ports.values():
            port.unplug()


def wait_until(condition: Callable[[], object], what: str, timeout_s: float = WAIT_S) -> object:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class Background:
    """A streamed call or a watch running in a thread; its items (and a final error) in a queue."""

    items: queue.Queue = field(default_factory=queue.Queue)
    thread: threading.Thread | None = None
    error: GatewayError | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def next(self, kind: str, timeout_s: float = WAIT_S):
        """The next item of type `kind` (earlier items of other types are skipped)."""
        deadline = time.monotonic() + timeout_s
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {kind} within {timeout_s} s (error: {self.error})")
            try:
                item = self.items.get(timeout=left)
            except queue.Empty:
                continue
            if type(item).__name__ == kind:
                return item

    def wait(self, timeout_s: float = WAIT_S) -> None:
        assert self.done.wait(timeout_s), "the call did not end"


def in_background(iterate: Callable[[], Iterator]) -> Background:
    bg = Background()

    def run() -> None:
        try:
            for item in iterate():
                bg.items.put(item)
        except GatewayError as exc:
            bg.error = exc
        finally:
            bg.done.set()

    bg.thread = threading.Thread(target=run, daemon=True)
    bg.thread.start()
    return bg
