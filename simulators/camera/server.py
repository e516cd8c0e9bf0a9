"""An MJPEG-over-HTTP camera, as phone camera apps and IP document cameras serve one: `GET
/stream.mjpg` answers `multipart/x-mixed-replace; boundary=...` and then, for as long as the client
stays, one part per frame (`Content-Type: image/jpeg`, `Content-Length`, the JPEG). `GET
/frame.jpg` answers the current frame alone.

Built on the standard library's ThreadingHTTPServer (one thread per client) and `cv2.imencode` of
frames the simulator composes itself (`scene.Scene`); one producer thread paces the frames and
every client is sent each frame once.

Faults, for the reader's bad-input paths (set at start or changed while running):
- `corrupt_every = N`: every N-th frame is garbage with JPEG markers: random bytes between SOI
  and EOI, or (every other one) a frame header claiming 65000x65000 pixels.
- `stall_after = S`: S seconds into a connection the server stops sending but keeps it open.
- `drop_after = S`: S seconds into a connection the server closes it (a camera app that quit).
"""

from __future__ import annotations

import contextlib
import random
import socket
import struct
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cv2
import numpy as np

from simulators.documents import DocumentSpec

from .scene import Scene

BOUNDARY = "gatewaysimframe"
STREAM_PATH = "/stream.mjpg"
SNAPSHOT_PATH = "/frame.jpg"


@dataclass
class Faults:
    corrupt_every: int = 0
    stall_after: float | None = None
    drop_after: float | None = None
    stall_now: bool = False  # stall every open connection from now on (`stall` command)
    drop_generation: int = 0  # bumped by the `drop` command: connections older than it close


@dataclass
class _Frame:
    number: int
    jpeg: bytes
    corrupt: bool


@dataclass
class Stats:
    frames: int = 0
    corrupt_sent: int = 0
    clients: int = 0


class CameraServer:
    """The simulated camera: `start()`, then `url`; `place(spec)`, `remove()`, `close()`."""

    def __init__(self, scene: Scene | None = None, *, host: str = "127.0.0.1", port: int = 0, fps: float = 10.0,
                 quality: int = 90, faults: Faults | None = None, seed: int = 0) -> None:
        if fps <= 0 or fps > 60:
            raise ValueError("fps must lie in (0, 60]")
        self.scene = scene or Scene(seed=seed)
        self.fps = fps
        self.quality = quality
        self.faults = faults or Faults()
        self.stats = Stats()
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._new_frame = threading.Condition(self._lock)
        self._frame: _Frame | None = None
        self._stop = threading.Event()
        self._httpd = ThreadingHTTPServer((host, port), _handler_for(self))
        self._httpd.daemon_threads = True
        self._threads: list[threading.Thread] = []

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        host = self._httpd.server_address[0]
        return f"http://{host}:{self.port}{STREAM_PATH}"

    def start(self) -> CameraServer:
        self._produce_one()  # a frame is ready before the first client asks
        for target, name in ((self._produce, "camera-sim-frames"), (self._httpd.serve_forever, "camera-sim-http")):
            t = threading.Thread(target=target, name=name, daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def close(self) -> None:
        self._stop.set()
        with self._new_frame:
            self._new_frame.notify_all()
        self._httpd.shutdown()
        self._httpd.server_close()
        for t in self._threads:
            t.join(timeout=2)

    def __enter__(self) -> CameraServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- commands ----------------------------------------------------------------------------

    def place(self, spec: DocumentSpec, light: str = "white") -> None:
        """Put the page down; it shows from the next frame on (rendered first, outside the lock)."""
        rendered = self.scene.render(spec, light)
        with self._lock:
            self.scene.put(rendered)

    def remove(self) -> None:
        with self._lock:
            self.scene.remove()

    def drop_connections(self) -> None:
        with self._lock:
            self.faults.drop_generation += 1

    def stall_connections(self, stalled: bool = True) -> None:
        with self._lock:
            self.faults.stall_now = stalled

    # --- frames ------------------------------------------------------------------------------

    def _produce(self) -> None:
        interval = 1.0 / self.fps
        next_at = time.monotonic() + interval
        while not self._stop.is_set():
            delay = next_at - time.monotonic()
            if delay > 0 and self._stop.wait(delay):
                return
            next_at = max(next_at + interval, time.monotonic() - interval)
            self._produce_one()

    def _produce_one(self) -> None:
        with self._lock:
            image = self.scene.next_frame()
            number = self.stats.frames
        every = self.faults.corrupt_every
        corrupt = bool(every) and number % every == every - 1
        if corrupt:
            jpeg = self._garbage_jpeg()
        else:
            ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, self.quality])
            if not ok:
                raise RuntimeError("OpenCV could not encode a camera frame")
            jpeg = buf.tobytes()
        with self._new_frame:
            self._frame = _Frame(number, jpeg, corrupt)
            self.stats.frames += 1
            self.stats.corrupt_sent += corrupt
            self._new_frame.notify_all()

    def _garbage_jpeg(self) -> bytes:
        """Every other corrupt frame is noise between start and end markers (a broken encoder, a
        flipped bit in the wrong place); the others are a well-formed header claiming 65000x65000
        pixels over a few bytes of scan (a decompression bomb; FFmpeg and OpenCV's own limits refuse
        this size too, so a naive client is not hurt). Readers must skip both."""
        self._garbage_count = getattr(self, "_garbage_count", 0) + 1
        body = self._rng.randbytes(self._rng.randint(2000, 8000)).replace(b"\xff", b"\x00")
        if self._garbage_count % 2 == 0:
            # SOF0: length 17, 8-bit precision, height, width, 3 components (id, sampling, table)
            sof = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, 65000, 65000, 3) + bytes.fromhex("011100021101031101")
            sos = b"\xff\xda" + struct.pack(">HB", 12, 3) + bytes.fromhex("010002110311003f00")
            return b"\xff\xd8" + sof + sos + body[:64] + b"\xff\xd9"
        return b"\xff\xd8\xff\xe0" + body + b"\xff\xd9"

    def wait_frame(self, after: int, generation: int) -> _Frame | None:
        """The next frame numbered above `after`; None when the server stops or this connection's
        generation was dropped."""
        with self._new_frame:
            while not self._stop.is_set() and self.faults.drop_generation == generation:
                if self._frame is not None and self._frame.number > after:
                    return self._frame
                self._new_frame.wait(0.5)
        return None

    def current_jpeg(self) -> bytes:
        with self._lock:
            assert self._frame is not None
            return self._frame.jpeg

    def stopped(self) -> bool:
        return self._stop.is_set()


def _handler_for(camera: CameraServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"
        server_version = "gateway-sim-camera/1"

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet: tests and the CLI print what matters themselves

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == SNAPSHOT_PATH:
                self._send_snapshot()
            elif path == STREAM_PATH:
                self._stream()
            else:
                self.send_error(404, f"no such stream; try {STREAM_PATH}")

        def _send_snapshot(self) -> None:
            jpeg = camera.current_jpeg()
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(jpeg)))
            self.end_headers()
            self.wfile.write(jpeg)

        def _stream(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY}")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            opened = time.monotonic()
            with camera._lock:
                generation = camera.faults.drop_generation
                camera.stats.clients += 1
            last = -1
            try:
                while True:
                    frame = camera.wait_frame(last, generation)
                    if frame is None:
                        break  # dropped or shutting down: close the connection
                    last = frame.number
                    age = time.monotonic() - opened
                    f = camera.faults
                    if f.drop_after is not None and age >= f.drop_after:
                        break
                    if f.stall_now or (f.stall_after is not None and age >= f.stall_after):
                        self._hold_open(generation)
                        break
                    part = (f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(frame.jpeg)}"
                            "\r\n\r\n").encode() + frame.jpeg + b"\r\n"
                    self.wfile.write(part)
                    self.wfile.flush()
            except (TimeoutError, BrokenPipeError, ConnectionResetError):
                pass  # the client went away: that is how streams end
            finally:
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)

        def _hold_open(self, generation: int) -> None:
            """A stalled camera: the connection stays open and silent until dropped or stopped."""
            while not camera.stopped() and camera.faults.drop_generation == generation:
                time.sleep(0.1)

    return Handler


def frame_array(jpeg: bytes) -> np.ndarray | None:
    """Decode one served frame (for the simulator's own checks); None for a corrupt one."""
    return cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
