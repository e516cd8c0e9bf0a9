"""Serve the simulated device on TCP (one client at a time, like a handheld) or on a pseudo-terminal."""

from __future__ import annotations

import contextlib
import os
import select
import socket
import threading
import tty

from .device import SimulatedTranslator

MAX_LINE = 128 * 1024


class _LineReader:
    def __init__(self) -> None:
        self.buffer = b""

    def feed(self, data: bytes) -> list[bytes]:
        self.buffer += data
        lines = []
        while b"\n" in self.buffer:
            line, self.buffer = self.buffer.split(b"\n", 1)
            if line.strip():
                lines.append(line.rstrip(b"\r"))
        if len(self.buffer) > MAX_LINE:  # a runaway line: drop it like a device with a small buffer
            self.buffer = b""
        return lines


class TcpDevice:
    def __init__(self, device: SimulatedTranslator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.device = device
        self.server = socket.create_server((host, port), reuse_port=False)
        self.address = self.server.getsockname()[:2]
        self._stop = threading.Event()
        self._clients: set[socket.socket] = set()
        self._thread = threading.Thread(target=self._accept, name="sim-translator", daemon=True)

    def start(self) -> TcpDevice:
        self._thread.start()
        return self

    def _accept(self) -> None:
        self.server.settimeout(0.2)
        while not self._stop.is_set():
            try:
                client, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._clients.add(client)
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        reader = _LineReader()
        client.settimeout(0.2)
        try:
            while not self._stop.is_set():
                try:
                    data = client.recv(65536)
                except TimeoutError:
                    continue
                if not data:
                    return
                for line in reader.feed(data):
                    for answer in self.device.handle(line):
                        client.sendall(answer)
        except OSError:
            return
        finally:
            self._clients.discard(client)
            client.close()

    def broadcast(self, data: bytes) -> None:
        for client in list(self._clients):
            with contextlib.suppress(OSError):
                client.sendall(data)

    def close(self) -> None:
        self._stop.set()
        self.server.close()
        for client in list(self._clients):
            with contextlib.suppress(OSError):
                client.close()
        self._thread.join(2)


class PtyDevice:
    """The device at the far end of a pseudo-terminal: the gateway opens `slave_path` as a serial line."""

    def __init__(self, device: SimulatedTranslator) -> None:
        self.device = device
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)  # no echo, no line discipline: bytes as a serial line carries them
        self.slave_path = os.ttyname(self.slave)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="sim-translator-pty", daemon=True)

    def start(self) -> PtyDevice:
        self._thread.start()
        return self

    def _serve(self) -> None:
        reader = _LineReader()
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if not ready:
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:  # EIO while no one has the slave open: wait for the next opener
                self._stop.wait(0.05)
                continue
            for line in reader.feed(data):
                for answer in self.device.handle(line):
                    os.write(self.master, answer)

    def broadcast(self, data: bytes) -> None:
        with contextlib.suppress(OSError):
            os.write(self.master, data)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)
