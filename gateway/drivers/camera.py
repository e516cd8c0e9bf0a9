"""A document camera as a desk document reader, through OpenCV `VideoCapture`: a USB (UVC) document
camera by device index or path, or an MJPEG-over-HTTP stream (`http://host:port/stream.mjpg`, as
phone camera apps and IP document cameras serve it; OpenCV reads it through FFmpeg).

A thin I/O adapter: one reader thread per connection pulls frames and feeds them to the sans-IO core
`gateway.imaging.document_watch.DocumentWatch`, which says when a document is placed or removed and
which frame is the sharpest still one. `wait_event` hands out its events, `capture([WHITE])` its
best frame (resolution unknown: `dpi=0`, the MRZ reader measures it from the characters).

Bad streams, each a specific error (`gateway.drivers.document_reader`):
- no frame for `timeout_s` (the stream stalls, or sends only undecodable frames)
  -> CaptureFailedError "camera stream stalled";
- the stream ends or the server is gone -> DeviceGoneError; the next call connects again, so the
  camera recovers without restarting the daemon;
- a corrupt JPEG frame is skipped and counted (`stats()`), never fatal.

An MJPEG stream is read in OpenCV's raw mode (`CAP_PROP_FORMAT = -1`): FFmpeg demuxes the
multipart stream and hands over each JPEG; its header is checked against the page-image budget
(`gateway.imaging.header.check_size`) before `cv2.imdecode` sees it, and a frame that fails either
is a corrupt frame. Then a failing `grab()` is the stream itself: after the read timeout
(`CAP_PROP_READ_TIMEOUT_MSEC`) a stall, at once the end. Where OpenCV decodes (a local device) a
corrupt frame makes one `grab()` fail and the next succeed, so only repeated instant failures
mean the end (measured with the simulator, see docs/document-camera.md).
"""

from __future__ import annotations

import collections
import logging
import os
import threading
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gateway.drivers.document_reader import (
    Capabilities,
    Capture,
    CaptureFailedError,
    DeviceGoneError,
    DocumentEvent,
    DocumentPlaced,
    DocumentReaderError,
    DocumentRemoved,
    Light,
    lights_of,
)
from gateway.imaging.best_frame import BestFrameSettings
from gateway.imaging.document_watch import DocumentWatch, WatchSettings
from gateway.imaging.header import ImageHeaderError, check_size
from gateway.imaging.presence import Placed, PresenceSettings
from gateway.limits import MAX_PAGE_IMAGE_PIXELS

# FFmpeg prints every undecodable frame on stderr; quiet unless the operator asks for it
# (OPENCV_FFMPEG_LOGLEVEL is read when OpenCV first starts FFmpeg, so set before the first open).
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

import cv2  # after the environment it reads
import numpy as np

log = logging.getLogger(__name__)

#: A failing grab() that returns this fast after another failure is FFmpeg at end of stream.
_FAST_FAILURE_S = 0.01
#: Fast failures in a row that mean the stream has ended (one may be a buffered corrupt frame).
_ENDED_AFTER = 3
_MAX_QUEUED_EVENTS = 64


def _redact(source: str | int) -> str:
    """The source as it may appear in messages: a URL without its user:password part."""
    if isinstance(source, int):
        return f"device {source}"
    parts = urllib.parse.urlsplit(source)
    if parts.username or parts.password:
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        return urllib.parse.urlunsplit(parts._replace(netloc=netloc))
    return source


def _source_of(value: str | int) -> str | int:
    """A device index ("0" or 0), a device path (/dev/video0) or a stream URL."""
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not text:
        raise ValueError("camera: give a device index (0), a device path (/dev/video0) or a stream URL")
    if text.isdigit():
        return int(text)
    return text


@dataclass
class CameraStats:
    frames: int = 0  # decoded frames fed to the core
    corrupt_frames: int = 0  # frames FFmpeg/OpenCV could not decode, skipped
    connections: int = 0  # streams opened (1 + reconnects)
    stalls: int = 0
    ended: int = 0


class _Connection:
    """One open stream and its reader thread. The thread owns the VideoCapture (opens nothing,
    releases it on exit), so no other thread ever touches the capture while `grab()` runs."""

    def __init__(self, cap: Any, reader: CameraReader, raw_jpeg: bool) -> None:
        self._cap = cap
        self._reader = reader
        self._raw_jpeg = raw_jpeg  # the capture hands out each frame's JPEG bytes; we check and decode
        self.watch = DocumentWatch(reader.watch_settings)
        self.lock = threading.Condition()
        self.events: collections.deque[DocumentEvent] = collections.deque(maxlen=_MAX_QUEUED_EVENTS)
        self.error: DocumentReaderError | None = None
        self.last_frame_at = time.monotonic()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"camera-{reader.name}", daemon=True)
        self.thread.start()

    def _decode(self, data: Any) -> Any:
        """A raw MJPEG frame: its header measured against the page budget before the decoder sees
        it (a hostile camera's 32000x32000 claim never allocates), then decoded; None if corrupt."""
        jpeg = data.tobytes() if hasattr(data, "tobytes") else bytes(data)
        try:
            check_size(jpeg, MAX_PAGE_IMAGE_PIXELS, "camera frame")
        except ImageHeaderError:
            return None
        return cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)

    def _run(self) -> None:
        reader = self._reader
        pending = 0  # failed grabs not yet known to be corrupt frames (a success proves they were)
        fast_failures = 0
        try:
            while not self.stop.is_set():
                t0 = time.monotonic()
                ok = self._cap.grab()
                now = time.monotonic()
                if ok:
                    ok, frame = self._cap.retrieve()
                    if ok and self._raw_jpeg:
                        frame = self._decode(frame)
                    if not ok or frame is None or not frame.size:
                        reader.stats.corrupt_frames += 1  # the stream goes on: skip it
                        continue
                    reader.stats.corrupt_frames += pending
                    pending = fast_failures = 0
                    reader.stats.frames += 1
                    with self.lock:
                        try:
                            events = self.watch.feed(frame, now)
                        except ValueError:  # the camera changed its frame size: learn the scene anew
                            log.warning("camera %s: frame size changed; presence restarts", reader.name)
                            self.watch = DocumentWatch(reader.watch_settings)
                            events = self.watch.feed(frame, now)
                        self.last_frame_at = now
                        for e in events:
                            self.events.append(DocumentPlaced(e.at) if isinstance(e, Placed) else DocumentRemoved(e.at))
                        self.lock.notify_all()
                    continue
                # grab() failed: a stall (after the read timeout), the end of the stream (at once), or,
                # where OpenCV decodes itself (local devices), possibly one corrupt frame.
                if now - t0 >= 0.8 * reader.timeout_s:
                    reader.stats.stalls += 1
                    self._fail(CaptureFailedError(
                        f"camera {reader.name}: camera stream stalled (no frame for {reader.timeout_s:g} s)"))
                    return
                pending += 1
                fast_failures = fast_failures + 1 if now - t0 < _FAST_FAILURE_S else 0
                if self._raw_jpeg or fast_failures >= _ENDED_AFTER:
                    reader.stats.ended += 1
                    self._fail(DeviceGoneError(f"camera {reader.name}: the stream ended (camera or server gone)"))
                    return
        except cv2.error as exc:  # a backend that throws instead of returning False
            self._fail(DeviceGoneError(f"camera {reader.name}: OpenCV failed reading the stream ({exc.code})"))
        except Exception as exc:  # never leave callers waiting for a stall: say the reader broke
            log.exception("camera %s: reader thread failed", reader.name)
            self._fail(CaptureFailedError(f"camera {reader.name}: the frame reader failed ({type(exc).__name__})"))
        finally:
            self._cap.release()

    def _fail(self, error: DocumentReaderError) -> None:
        log.warning("%s", error)
        with self.lock:
            self.error = error
            self.lock.notify_all()

    def close(self) -> None:
        self.stop.set()

    def check(self, timeout_s: float, name: str) -> None:
        """Raise the connection's error, or the stall if no frame came for `timeout_s` (caller holds
        the lock). Frames that arrive but cannot be decoded do not count as frames."""
        if self.error is not None:
            raise self.error
        if time.monotonic() - self.last_frame_at > timeout_s:
            corrupt = self._reader.stats.corrupt_frames
            self.error = CaptureFailedError(
                f"camera {name}: camera stream stalled (no decodable frame for {timeout_s:g} s"
                + (f", {corrupt} corrupt frames skipped)" if corrupt else ")"))
            self._reader.stats.stalls += 1
            self.stop.set()
            raise self.error


class CameraReader:
    """A document camera (see the module docstring). Settings, as in the config's
    `[[document_readers]]` table with `driver = "camera"`:

    - `url` (or `device`, or the first argument): stream URL, device index or device path;
    - `lights`: ("white",) — a camera sees white light only; IR/UV need a separate stream and are
      refused rather than faked;
    - `fps`, `width`, `height`: asked of a local camera (a stream sends what it sends);
    - `timeout_s`: no frame for this long is a stalled stream (default 3 s);
    - `open_timeout_s`: connecting to a stream (default 5 s);
    - `settle_timeout_s`: how long `capture` waits for a still, sharp frame (default 5 s);
    - `chip_reader`: the PC/SC name of a chip reader on the same desk, if any;
    - `name`: how messages name the camera (default: the source without credentials);
    - presence/best-frame tuning: `place_fraction`, `remove_fraction`, `diff_level`, `debounce`,
      `still_motion`, `settle_frames`, `min_sharpness` (defaults in gateway.imaging).
    """

    def __init__(self, url_or_index: str | int | None = None, *, url: str | None = None,
                 device: str | int | None = None, lights: Sequence[str] = ("white",), fps: float | None = None,
                 width: int | None = None, height: int | None = None, timeout_s: float = 3.0,
                 open_timeout_s: float = 5.0, settle_timeout_s: float = 5.0, chip_reader: str | None = None,
                 name: str | None = None, place_fraction: float | None = None,
                 remove_fraction: float | None = None, diff_level: float | None = None, debounce: int | None = None,
                 still_motion: float | None = None, settle_frames: int | None = None,
                 min_sharpness: float | None = None) -> None:
        given = [v for v in (url_or_index, url, device) if v is not None]
        if len(given) != 1:
            raise ValueError("camera: give exactly one of url, device or a positional source")
        self.source = _source_of(given[0])
        if isinstance(self.source, str) and "://" in self.source:
            scheme = urllib.parse.urlsplit(self.source).scheme.lower()
            if scheme not in ("http", "https", "rtsp"):
                raise ValueError(f"camera: stream URL scheme {scheme!r} is not supported (http, https, rtsp)")
        wanted = set(lights_of([lights] if isinstance(lights, str) else lights))
        if wanted - {Light.WHITE}:
            extra = ", ".join(sorted(str(x) for x in wanted - {Light.WHITE}))
            raise ValueError(f"camera: lights {extra} need their own illuminated stream, which this adapter "
                             "does not support; a camera captures white light only")
        for label, value in (("timeout_s", timeout_s), ("open_timeout_s", open_timeout_s),
                             ("settle_timeout_s", settle_timeout_s)):
            if not value > 0:
                raise ValueError(f"camera: {label} must be positive, not {value!r}")
        self.name = name or _redact(self.source)
        self.fps, self.width, self.height = fps, width, height
        self.timeout_s = float(timeout_s)
        self.open_timeout_s = float(open_timeout_s)
        self.settle_timeout_s = float(settle_timeout_s)
        self._chip_reader = chip_reader
        presence = {k: v for k, v in (("place_fraction", place_fraction), ("remove_fraction", remove_fraction),
                                      ("diff_level", diff_level), ("debounce", debounce),
                                      ("still_motion", still_motion)) if v is not None}
        best = {k: v for k, v in (("still_motion", still_motion), ("settle_frames", settle_frames),
                                  ("min_sharpness", min_sharpness)) if v is not None}
        self.watch_settings = WatchSettings(PresenceSettings(**presence), BestFrameSettings(**best))
        self.stats = CameraStats()
        self._conn: _Connection | None = None
        self._lock = threading.Lock()  # one caller at a time opens or drops the connection

    # --- the DocumentReader interface ----------------------------------------------------------

    def capabilities(self) -> Capabilities:
        kind = "MJPEG/HTTP stream" if isinstance(self.source, str) and "://" in self.source else "video device"
        return Capabilities(lights=frozenset({Light.WHITE}), mrz=False, chip=self._chip_reader is not None,
                            presence=True, vendor="OpenCV", model=kind)

    def chip_reader(self) -> str | None:
        return self._chip_reader

    def wait_event(self, timeout: float) -> DocumentEvent | None:
        """The next placed/removed event, or None after `timeout` seconds. Raises the stream's
        error (stalled, ended); the call after that connects again."""
        conn = self._connection()
        deadline = time.monotonic() + max(0.0, timeout)
        with conn.lock:
            while True:
                if conn.events:
                    return conn.events.popleft()
                self._check(conn)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                conn.lock.wait(min(remaining, 0.1))

    def capture(self, lights: Sequence[Light]) -> list[Capture]:
        """The sharpest still frame of the document now in view (waiting up to `settle_timeout_s`
        for it to lie still). CaptureFailedError when no document is in view or no usable frame came."""
        wanted = list(lights) or [Light.WHITE]
        unsupported = sorted({str(x) for x in wanted} - {str(Light.WHITE)})
        if unsupported:
            raise DocumentReaderError(f"camera {self.name}: cannot capture under {', '.join(unsupported)} light "
                                      "(it has white only)")
        conn = self._connection()
        deadline = time.monotonic() + self.settle_timeout_s
        with conn.lock:
            while True:
                self._check(conn)
                best = conn.watch.best
                if best is not None:
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise CaptureFailedError(self._why_no_frame(conn))
                conn.lock.wait(min(remaining, 0.1))
            frame = best.frame
        h, w = frame.shape[:2]
        return [Capture(Light.WHITE, frame, dpi=0.0, width=w, height=h, taken_at=best.t)]

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn.thread.join(timeout=self.timeout_s + 1)
                self._conn = None

    def __enter__(self) -> CameraReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- connection handling ------------------------------------------------------------------

    def _connection(self) -> _Connection:
        with self._lock:
            if self._conn is not None and self._conn.error is None:
                return self._conn
            self._conn = None
            cap, raw_jpeg = self._open()
            self.stats.connections += 1
            self._conn = _Connection(cap, self, raw_jpeg)
            return self._conn

    def _open(self) -> tuple[Any, bool]:
        """The opened capture, and whether it hands out raw JPEG frames (an MJPEG stream through
        FFmpeg: we then check each frame's header and decode it ourselves, so a corrupt frame is
        told from the end of the stream for certain)."""
        raw_jpeg = False
        if isinstance(self.source, str) and "://" in self.source:
            params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, int(self.open_timeout_s * 1000),
                      cv2.CAP_PROP_READ_TIMEOUT_MSEC, int(self.timeout_s * 1000)]
            cap = cv2.VideoCapture(self.source, cv2.CAP_FFMPEG, params)
            fourcc = int(cap.get(cv2.CAP_PROP_FOURCC)).to_bytes(4, "little") if cap.isOpened() else b""
            if fourcc == b"MJPG":
                raw_jpeg = bool(cap.set(cv2.CAP_PROP_FORMAT, -1)) and cap.get(cv2.CAP_PROP_FORMAT) == -1
        else:
            cap = cv2.VideoCapture(self.source)
            for prop, value in ((cv2.CAP_PROP_FRAME_WIDTH, self.width), (cv2.CAP_PROP_FRAME_HEIGHT, self.height),
                                (cv2.CAP_PROP_FPS, self.fps)):
                if value:
                    cap.set(prop, float(value))
        if not cap.isOpened():
            cap.release()
            raise DeviceGoneError(f"camera {self.name}: cannot open the stream (camera off, unplugged or "
                                  "server not answering)")
        return cap, raw_jpeg

    def _check(self, conn: _Connection) -> None:
        """Raise the connection's error; a connection with an error is replaced on the next call
        (`_connection`), which is how the camera recovers."""
        conn.check(self.timeout_s, self.name)

    def _why_no_frame(self, conn: _Connection) -> str:
        w = conn.watch
        if not w.present:
            return f"camera {self.name}: no document in view"
        reason = w.selector.last_rejection
        detail = {"moving": "the document is still moving", "overexposed": "the frames are overexposed",
                  "underexposed": "the frames are underexposed", "unsharp": "the frames are out of focus"}
        why = detail.get(reason or "", "the document did not lie still long enough")
        return f"camera {self.name}: no usable frame within {self.settle_timeout_s:g} s ({why})"
