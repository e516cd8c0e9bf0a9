"""Desk document readers in the daemon: config, a watcher thread per reader, one-touch waiting.

A `[[devices]]` entry whose `driver` is a document-reader adapter (entry-point group
`gateway.drivers`: "sane", "camera", or a vendor's) is a desk document reader:

    [[devices]]
    id = "desk1-scanner"
    desk = "desk1"                   # its chip reader is the desk's device with capability CHIP
    driver = "sane"
    lights = ["white", "ir", "uv"]   # what to capture when a document is placed (default: all it has)
    [devices.settings]               # passed to the adapter as keyword arguments
    device = "net:127.0.0.1:gateway-sim"
    dpi = 300

`DocumentReaderMonitor` runs one thread per reader. The thread owns the device: it waits for
document events (`DocumentReader.wait_event`) and performs the captures calls ask for, so an adapter
is never used from two threads at once. Placed/removed events reach the DeviceRegistry on the loop
(WatchDevices: DOCUMENT_INSERTED / DOCUMENT_REMOVED); a device that goes away turns its health
UNAVAILABLE and the thread retries, so the daemon never restarts for a scanner unplugged mid-scan.

One touch: a Verify(Stream) with `wait_document` waits here (`wait_placed`) until a document lies
on the reader — at once when one already lies there and no call used it yet — then asks for the
captures (`capture`), and the verification pipeline takes it from there (MRZ OCR on the white image,
chip access with that MRZ, passive/active/chip authentication, optical checks). Images are kept
only for the call that asked for them; nothing is stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from gateway.drivers.document_reader import (
    Capabilities,
    Capture,
    DeviceGoneError,
    DocumentPlaced,
    DocumentReader,
    DocumentReaderError,
    DocumentRemoved,
    Light,
    available_drivers,
    check_settings,
    lights_of,
    load_driver,
)

from .errors import ErrorKind, ServiceError

log = logging.getLogger("gateway.document_readers")

DOCUMENT_READER_KEYS = ("lights", "settings")
#: Device capabilities (API) for each light an adapter can capture.
LIGHT_CAPABILITY = {Light.WHITE: "IMAGE_VISIBLE", Light.IR: "IMAGE_INFRARED", Light.UV: "IMAGE_ULTRAVIOLET"}
RETRY_S = 2.0  # how soon a reader that went away is tried again
POLL_S = 0.2  # the longest a queued capture waits for the thread to finish one sensor poll
EXPECT_CAPTURE_S = 1.5  # after a placement the thread waits for captures instead of polling the sensor


class DocumentReaderConfigError(ValueError):
    """One line naming the entry and the key."""


@dataclass(frozen=True)
class DocumentReaderConfig:
    id: str
    driver: str
    desk: str = ""
    display_name: str = ""
    lights: tuple[Light, ...] = ()  # empty: every light the adapter has
    settings: Mapping[str, Any] = field(default_factory=dict)


def is_document_driver(driver: object) -> bool:
    return isinstance(driver, str) and driver in available_drivers()


def parse_document_reader(where: str, entry: Mapping[str, Any], *, device_id: str) -> DocumentReaderConfig:
    settings = entry.get("settings", {})
    if not isinstance(settings, dict):
        raise DocumentReaderConfigError(f"{where}.settings must be a table ([devices.settings])")
    raw_lights = entry.get("lights", [])
    if not isinstance(raw_lights, list) or not all(isinstance(v, str) for v in raw_lights):
        raise DocumentReaderConfigError(f"{where}.lights must be a list such as [\"white\", \"ir\", \"uv\"]")
    try:
        lights = tuple(lights_of(raw_lights))
    except ValueError as exc:
        raise DocumentReaderConfigError(f"{where}.lights: {exc}") from None
    try:
        check_settings(str(entry["driver"]), settings)
    except ValueError as exc:
        raise DocumentReaderConfigError(f"{where}.settings: {exc}") from None
    return DocumentReaderConfig(id=device_id, driver=str(entry["driver"]), desk=str(entry.get("desk", "")),
                                display_name=str(entry.get("display_name", "")), lights=lights,
                                settings=dict(settings))


@dataclass
class _Job:
    lights: tuple[Light, ...]
    future: Future[list[Capture]]


class _ReaderThread:
    """Owns one adapter: opens it, waits for document events, runs captures, reopens after a loss."""

    def __init__(self, config: DocumentReaderConfig, report: Callable[[str, object], None],
                 factory: Callable[[DocumentReaderConfig], DocumentReader]) -> None:
        self.config = config
        self._report = report
        self._factory = factory
        self._jobs: queue.Queue[_Job] = queue.Queue()
        self._expect_jobs_until = 0.0  # right after a placement: wait for the capture, not the sensor
        self._stop = threading.Event()
        self.capabilities: Capabilities | None = None
        self.present = False
        self.placed_at = 0.0
        self._thread = threading.Thread(target=self._run, name=f"docreader-{config.id}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 3.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def capture(self, lights: Sequence[Light]) -> Future[list[Capture]]:
        job = _Job(tuple(lights), Future())
        self._jobs.put(job)
        return job.future

    def _open(self) -> DocumentReader | None:
        try:
            reader = self._factory(self.config)
            self.capabilities = reader.capabilities()
        except (DocumentReaderError, OSError, ValueError, TypeError) as exc:
            self._report("unavailable", _safe(exc))
            return None
        self._report("attached", self.capabilities)
        return reader

    def _run(self) -> None:
        reader: DocumentReader | None = None
        while not self._stop.is_set():
            if reader is None:
                reader = self._open()
                if reader is None:
                    self._fail_jobs("DEVICE_UNAVAILABLE", "the document reader is not available")
                    self._stop.wait(RETRY_S)
                    continue
            try:
                if time.monotonic() < self._expect_jobs_until:  # just placed: a capture is coming,
                    self._run_jobs(reader, wait=0.05)         # do not sit in a sensor poll
                elif self.capabilities is not None and self.capabilities.presence:
                    self._run_jobs(reader)
                    event = reader.wait_event(POLL_S)
                    if isinstance(event, DocumentPlaced) and not self.present:
                        self.present, self.placed_at = True, event.at
                        self._expect_jobs_until = time.monotonic() + EXPECT_CAPTURE_S
                        self._report("placed", event.at)
                    elif isinstance(event, DocumentRemoved) and self.present:
                        self.present = False
                        self._report("removed", event.at)
                else:
                    self._run_jobs(reader, wait=POLL_S)
            except DeviceGoneError as exc:
                self._lost(reader, exc)
                reader = None
            except DocumentReaderError as exc:  # one bad poll: say so, keep the device
                log.info("document reader poll failed", extra={"device_id": self.config.id,
                                                              "error_type": type(exc).__name__})
                self._stop.wait(POLL_S)
        self._fail_jobs("SHUTTING_DOWN", "the gateway is shutting down")
        if reader is not None:
            with contextlib.suppress(Exception):
                reader.close()

    def _next_job(self, wait: float = 0.0) -> _Job | None:
        """The next capture asked for; waits up to `wait` seconds for one (0: only what is queued)."""
        try:
            return self._jobs.get(timeout=wait) if wait > 0 else self._jobs.get_nowait()
        except queue.Empty:
            return None

    def _run_jobs(self, reader: DocumentReader, wait: float = 0.0) -> None:
        """Run the queued captures, waiting up to `wait` seconds for the first."""
        while (job := self._next_job(wait)) is not None:
            wait = 0.0
            if not job.future.set_running_or_notify_cancel():
                continue
            self._expect_jobs_until = max(self._expect_jobs_until, time.monotonic() + 0.5)  # IR/UV follow
            try:
                job.future.set_result(reader.capture(job.lights))
            except DeviceGoneError as exc:
                job.future.set_exception(_capture_error(exc))
                raise
            except DocumentReaderError as exc:
                job.future.set_exception(_capture_error(exc))

    def _lost(self, reader: DocumentReader, exc: Exception) -> None:
        with contextlib.suppress(Exception):
            reader.close()
        if self.present:
            self.present = False
            self._report("removed", time.monotonic())
        self._report("detached", _safe(exc))
        self._fail_jobs("DEVICE_DETACHED", "the document reader went away")
        self._stop.wait(RETRY_S)

    def _fail_jobs(self, reason: str, message: str) -> None:
        while (job := self._next_job()) is not None:
            if job.future.set_running_or_notify_cancel():
                job.future.set_exception(ServiceError(ErrorKind.UNAVAILABLE, reason, message))


def _safe(exc: BaseException) -> str:
    """Adapter messages name the device and the situation (the interface's rule); bounded anyway."""
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def _capture_error(exc: DocumentReaderError) -> ServiceError:
    if isinstance(exc, DeviceGoneError):
        return ServiceError(ErrorKind.UNAVAILABLE, "DEVICE_DETACHED", f"the document reader went away: {_safe(exc)}")
    return ServiceError(ErrorKind.FAILED_PRECONDITION, "CAPTURE_FAILED",
                        f"the page could not be captured: {_safe(exc)}")


def _load(config: DocumentReaderConfig) -> DocumentReader:
    return load_driver(config.driver, **dict(config.settings))


class DocumentReaderMonitor:
    """The configured document readers of a daemon. `start()` on the loop; `stop()` from any thread.

    `wait_placed` and `capture` are what a one-touch call uses; the registry learns of every event."""

    def __init__(self, configs: tuple[DocumentReaderConfig, ...], registry: Any, loop: asyncio.AbstractEventLoop,
                 *, factory: Callable[[DocumentReaderConfig], DocumentReader] = _load) -> None:
        self._registry = registry
        self._loop = loop
        self._threads = {c.id: _ReaderThread(c, self._reporter(c.id), factory) for c in configs}
        self._waiters: dict[str, list[asyncio.Future[float]]] = {c.id: [] for c in configs}
        self._used: dict[str, float] = {}  # device -> placement already handed to a call

    @property
    def device_ids(self) -> list[str]:
        return list(self._threads)

    def start(self) -> None:
        for t in self._threads.values():
            t.start()

    def stop(self) -> None:
        for t in self._threads.values():
            t.stop()

    def _reporter(self, device_id: str) -> Callable[[str, object], None]:
        def report(what: str, value: object) -> None:
            with contextlib.suppress(RuntimeError):  # the loop closed during shutdown
                self._loop.call_soon_threadsafe(self._on_loop, device_id, what, value)
        return report

    def _on_loop(self, device_id: str, what: str, value: object) -> None:
        self._registry.document_reader_event(device_id, what, value)
        if what == "placed":
            for fut in self._waiters[device_id]:
                if not fut.done():
                    fut.set_result(float(value))  # type: ignore[arg-type]
            self._waiters[device_id].clear()

    def capabilities(self, device_id: str) -> Capabilities | None:
        return self._threads[device_id].capabilities

    def present(self, device_id: str) -> bool:
        """Whether a document lies on the reader (as its thread last saw it)."""
        return self._threads[device_id].present

    def lights(self, device_id: str) -> tuple[Light, ...]:
        t = self._threads[device_id]
        have = t.capabilities.lights if t.capabilities else frozenset()
        wanted = t.config.lights or tuple(light for light in Light if light in have)
        return tuple(light for light in wanted if light in have)

    async def wait_placed(self, device_id: str, deadline: float) -> float:
        """Until a document lies on the reader that no call used yet; returns when it was placed.
        Raises ServiceError DEADLINE_EXCEEDED "DOCUMENT_WAIT_TIMEOUT" at the deadline."""
        t = self._threads[device_id]
        if t.capabilities is not None and not t.capabilities.presence:
            return time.monotonic()  # a plain flatbed cannot sense: the call itself is the trigger
        if t.present and self._used.get(device_id) != t.placed_at:
            self._used[device_id] = t.placed_at
            return t.placed_at
        fut: asyncio.Future[float] = self._loop.create_future()
        self._waiters[device_id].append(fut)
        try:
            placed_at = await asyncio.wait_for(fut, max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            raise ServiceError(ErrorKind.DEADLINE_EXCEEDED, "DOCUMENT_WAIT_TIMEOUT",
                               "no document was placed on the reader in time") from None
        finally:
            with contextlib.suppress(ValueError):
                self._waiters[device_id].remove(fut)
        self._used[device_id] = placed_at
        return placed_at

    async def capture(self, device_id: str, lights: Sequence[Light], deadline: float,
                      *, then: Sequence[Light] = ()) -> tuple[list[Capture], dict[Light, Future[Any]]]:
        """The captures of `lights`, and futures of the `then` lights' pictures, queued right after
        them on the reader's thread (they are scanned while the call goes on)."""
        fut = self._threads[device_id].capture(lights)
        later = {light: self.capture_later(device_id, light) for light in then}
        try:
            return await self._await(fut, deadline), later
        except BaseException:
            for f in later.values():
                f.cancel()
            raise

    async def _await(self, fut: Future[list[Capture]], deadline: float) -> list[Capture]:
        try:
            return await asyncio.wait_for(asyncio.wrap_future(fut), max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            fut.cancel()
            raise ServiceError(ErrorKind.DEADLINE_EXCEEDED, "CAPTURE_TIMEOUT",
                               "the document reader did not deliver the images in time") from None

    def capture_later(self, device_id: str, light: Light) -> Future[Any]:
        """One light's picture, scanned by the reader's thread after the jobs before it, while the call
        goes on (the pipeline waits for it before the optical checks)."""
        combined = self._threads[device_id].capture([light])
        picture: Future[Any] = Future()

        def done(f: Future[list[Capture]]) -> None:
            if picture.done():  # the call gave up on it
                return
            if f.cancelled():
                picture.set_exception(ServiceError(ErrorKind.UNAVAILABLE, "CAPTURE_CANCELLED",
                                                   "the capture was cancelled"))
            elif f.exception() is not None:
                picture.set_exception(f.exception())  # type: ignore[arg-type]
            else:
                picture.set_result(f.result()[0].image)

        combined.add_done_callback(done)
        picture.add_done_callback(lambda p: combined.cancel() if p.cancelled() else None)
        return picture
