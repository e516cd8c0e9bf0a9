"""The devices the daemon knows: attach/detach, document in/out, health, desks, and per-reader queues.

PC/SC readers are discovered by a watcher thread (gateway.drivers.pcsc.ReaderWatcher), MRZ line
readers by their own reader threads (`gateway.service.line_reader_monitor`); both hand their events
to the asyncio loop, and everything here runs on the loop, so no locks are needed. The model covers
all three device kinds of the mission (desk document readers, mobile ID checkers, translation
devices). Configured devices that are not attached are listed with health UNAVAILABLE, so a desk PC
shows "reader unplugged" rather than nothing. A `desk` (config) groups the devices that serve one
desk: a Verify with `use_device_mrz` takes the MRZ from the line reader of the chip reader's desk
(`gateway.service.device_mrz`).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from gateway.drivers.byte_source import NOT_FOUND
from gateway.drivers.line_events import (
    DETACHED,
    NOT_ATTACHED,
    HealthChanged,
    LineReaderEvent,
    MRZRead,
    ReaderAttached,
    ReaderDetached,
    ReaderUnavailable,
)

from .cancel import CancelToken
from .device_mrz import MRZSources, ScannerSource

if TYPE_CHECKING:
    from .verification import ChipDevice
from .errors import ErrorKind, ServiceError
from .queueing import ReaderQueue

log = logging.getLogger("gateway.devices")

KINDS = ("DOCUMENT_READER", "MOBILE_ID_CHECKER", "TRANSLATION_DEVICE")
CAPABILITIES = ("MRZ", "IMAGE_VISIBLE", "IMAGE_INFRARED", "IMAGE_ULTRAVIOLET", "CHIP",
                "TRANSLATE_SPEECH", "TRANSLATE_TEXT")
EVENT_KINDS = ("ATTACHED", "DETACHED", "DOCUMENT_INSERTED", "DOCUMENT_REMOVED", "HEALTH_CHANGED")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "reader"


@dataclass(frozen=True)
class Health:
    state: str = "OK"  # OK | DEGRADED | UNAVAILABLE
    reason: str = ""
    message: str = ""
    since: dt.datetime = field(default_factory=_now)


@dataclass(frozen=True)
class DeviceSnapshot:
    """A device as seen at one moment (what the API returns)."""

    id: str
    display_name: str
    kind: str = "DOCUMENT_READER"
    capabilities: tuple[str, ...] = ("CHIP",)
    driver: str = "pcsc"
    simulated: bool = False
    attached: bool = False
    health: Health = field(default_factory=Health)
    document: str = "UNSPECIFIED"  # PRESENT | ABSENT | UNSPECIFIED
    queue_length: int = 0
    busy: bool = False
    vendor: str = ""
    model: str = ""
    firmware: str = ""
    languages: tuple[str, ...] = ()
    desk: str = ""  # config `desk`: the devices of one desk work together (chip reader + line reader)


@dataclass(frozen=True)
class DeviceEvent:
    kind: str  # one of EVENT_KINDS
    device: DeviceSnapshot
    time: dt.datetime = field(default_factory=_now)


@dataclass
class _Device:
    info: DeviceSnapshot
    pcsc_name: str | None
    queue: ReaderQueue

    def snapshot(self) -> DeviceSnapshot:
        return replace(self.info, queue_length=self.queue.waiting, busy=self.queue.busy)


@dataclass(frozen=True)
class DeviceConfig:
    """One `[[devices]]` entry of the config file."""

    id: str
    pcsc_reader: str | None = None
    kind: str = "DOCUMENT_READER"
    display_name: str = ""
    capabilities: tuple[str, ...] = ("CHIP",)
    vendor: str = ""
    model: str = ""
    # translation devices (kind TRANSLATION_DEVICE): link address, whether it translates offline, reply timeout
    address: str | None = None
    offline: bool = False
    timeout_s: float = 5.0
    languages: tuple[str, ...] = ()
    desk: str = ""  # groups the devices of one desk
    driver: str = ""  # "serial" / "hid" for MRZ line readers; empty otherwise (pcsc, translator, none)


#: The driver name a device shows in the API, by config driver.
LINE_DRIVER_NAMES = {"serial": "serial-mrz", "hid": "hid-mrz"}
#: Line reader health reasons that both mean "not there"; a change between them is not news.
_ABSENT_REASONS = {DETACHED, NOT_ATTACHED}


def _driver_name(c: DeviceConfig) -> str:
    if c.driver in LINE_DRIVER_NAMES:
        return LINE_DRIVER_NAMES[c.driver]
    if c.driver:  # a document-reader adapter (gateway.service.document_readers)
        return c.driver
    return "pcsc" if c.pcsc_reader else ("translator" if c.address else "none")


class DeviceRegistry:
    """All devices, their queues and the watchers listening. Use from the event loop only."""

    def __init__(self, queue_limit: int = 8, configured: tuple[DeviceConfig, ...] = (),
                 simulated_readers: Mapping[str, str] | None = None,
                 mrz_sources: Mapping[str, Callable[[], str]] | None = None, *,
                 mrz_fresh_s: float | None = None) -> None:
        self.queue_limit = queue_limit
        self._devices: dict[str, _Device] = {}
        self._by_pcsc: dict[str, str] = {}
        self._subscribers: set[asyncio.Queue[DeviceEvent | None]] = set()
        self._simulated = dict(simulated_readers or {})  # reader name -> simulator profile
        self._mrz_sources = dict(mrz_sources or {})  # reader name -> its MRZ scanner
        self._aliases = {c.pcsc_reader: c for c in configured if c.pcsc_reader}
        self._order = [c.id for c in configured]  # config order: "the first line reader of the desk"
        #: Where a Verify's MRZ comes from when the caller asks for the device's (use_device_mrz).
        self.mrz = MRZSources(self, mrz_fresh_s)
        #: The desk document readers (gateway.service.document_readers.DocumentReaderMonitor), set by the server.
        self.documents: Any = None
        for c in configured:
            self._add(c.id, c.pcsc_reader, DeviceSnapshot(
                id=c.id, display_name=c.display_name or c.pcsc_reader or c.id, kind=c.kind,
                capabilities=c.capabilities, driver=_driver_name(c),
                attached=False, health=Health("UNAVAILABLE", "NOT_ATTACHED", "The device is not attached."),
                vendor=c.vendor, model=c.model, languages=c.languages, desk=c.desk))

    # --- queries ------------------------------------------------------------------------------------

    def list(self, kind: str | None = None) -> list[DeviceSnapshot]:
        return [d.snapshot() for _, d in sorted(self._devices.items()) if kind in (None, d.info.kind)]

    def get(self, device_id: str) -> DeviceSnapshot:
        return self._find(device_id).snapshot()

    def queue(self, device_id: str) -> ReaderQueue:
        return self._find(device_id).queue

    def pcsc_name(self, device_id: str) -> str:
        name = self._find(device_id).pcsc_name
        if name is None:
            raise ServiceError(ErrorKind.FAILED_PRECONDITION, "DEVICE_UNSUPPORTED",
                               f"device {device_id!r} has no chip reader driver")
        return name

    def chip_device(self, device_id: str, cancel: CancelToken) -> ChipDevice:
        """The device as the verifier's ChipDevice for one operation (connected when it starts)."""
        from .chipdevice import PcscChipDevice  # the driver loads with the first chip operation

        return PcscChipDevice(device_id, self.pcsc_name(device_id), cancel)

    def desk_devices(self, desk: str) -> list[DeviceSnapshot]:
        """The devices of one desk, in config order (devices found at run time after them)."""
        if not desk:
            return []
        rank = {device_id: i for i, device_id in enumerate(self._order)}
        members = [d for d in self._devices.values() if d.info.desk == desk]
        members.sort(key=lambda d: (rank.get(d.info.id, len(rank)), d.info.id))
        return [d.snapshot() for d in members]

    def resolve(self, device_id: str, capability: str) -> str:
        """A device id, or a desk name standing for that desk's first device with `capability`
        (a device id wins over a desk of the same name). NOT_FOUND when it is neither."""
        if device_id in self._devices:
            return device_id
        for device in self.desk_devices(device_id):
            if capability in device.capabilities:
                return device.id
        return self._find(device_id).info.id  # raises DEVICE_NOT_FOUND

    def choose_reader(self, device_id: str) -> DeviceSnapshot:
        """The reader for a chip operation: the named one (or the chip reader of the named desk), else
        the first chip reader holding a document."""
        if device_id:
            device = self.get(self.resolve(device_id, "CHIP"))
            if "CHIP" not in device.capabilities:
                raise ServiceError(ErrorKind.FAILED_PRECONDITION, "DEVICE_UNSUPPORTED",
                                   f"device {device.id!r} cannot read chips")
            if not device.attached:
                raise ServiceError(ErrorKind.FAILED_PRECONDITION, "DEVICE_UNAVAILABLE",
                                   f"device {device.id!r} is not attached")
            return device
        readers = [d for d in self.list() if "CHIP" in d.capabilities and d.attached]
        for d in readers:
            if d.document == "PRESENT":
                return d
        reason = "NO_DOCUMENT" if readers else "NO_READER"
        text = "no document on any reader" if readers else "no chip reader is attached"
        raise ServiceError(ErrorKind.FAILED_PRECONDITION, reason, text)

    def _find(self, device_id: str) -> _Device:
        try:
            return self._devices[device_id]
        except KeyError:
            raise ServiceError(ErrorKind.NOT_FOUND, "DEVICE_NOT_FOUND", "no device with this id",
                               metadata={"device_id": device_id[:200]}) from None

    # --- watching -----------------------------------------------------------------------------------

    def subscribe(self) -> asyncio.Queue[DeviceEvent | None]:
        q: asyncio.Queue[DeviceEvent | None] = asyncio.Queue(maxsize=1000)
        self._subscribers.add(q)
        return q

    def unsubscribe(self, q: asyncio.Queue[DeviceEvent | None]) -> None:
        self._subscribers.discard(q)

    def close_subscribers(self) -> None:
        """End every watch stream (daemon shutdown)."""
        for q in list(self._subscribers):
            with contextlib.suppress(asyncio.QueueFull):
                q.put_nowait(None)

    def _publish(self, kind: str, device: _Device) -> None:
        event = DeviceEvent(kind, device.snapshot())
        log.info("device event", extra={"event": kind.lower(), "device_id": device.info.id})
        for q in list(self._subscribers):
            try:
                q.put_nowait(event)
            except asyncio.QueueFull:  # a watcher that does not read loses its stream, not our memory
                self._subscribers.discard(q)
                q.get_nowait()
                q.put_nowait(None)

    # --- updates (from drivers, on the loop) ---------------------------------------------------------

    def _add(self, device_id: str, pcsc_name: str | None, info: DeviceSnapshot) -> _Device:
        device = _Device(info, pcsc_name, ReaderQueue(self.queue_limit))
        self._devices[device_id] = device
        if pcsc_name:
            self._by_pcsc[pcsc_name] = device_id
        return device

    def _pcsc_device(self, reader: str) -> _Device:
        device_id = self._by_pcsc.get(reader)
        if device_id is not None:
            return self._devices[device_id]
        base = "sim-" if reader in self._simulated else "pcsc-"
        device_id = base + slug(reader)
        conf = self._aliases.get(reader)
        info = DeviceSnapshot(
            id=device_id, display_name=reader, kind="DOCUMENT_READER",
            capabilities=("MRZ", "CHIP") if reader in self._mrz_sources else ("CHIP",),
            driver="pcsc", simulated=reader in self._simulated,
            health=Health("UNAVAILABLE", "NOT_ATTACHED", "The device is not attached."),
            vendor=conf.vendor if conf else ("gateway simulator" if reader in self._simulated else ""),
            model=conf.model if conf else (f"profile {self._simulated[reader]}" if reader in self._simulated else ""),
            desk=conf.desk if conf else "")
        device = self._add(device_id, reader, info)
        if reader in self._mrz_sources:  # the simulated desk reader's own scanner: one more MRZ source
            self.mrz.add(ScannerSource(device_id, self._mrz_sources[reader]))
        return device

    def reader_attached(self, reader: str, present: bool = False) -> None:
        device = self._pcsc_device(reader)
        if not device.info.attached:
            device.info = replace(device.info, attached=True, health=Health(), document="ABSENT")
            self._publish("ATTACHED", device)
        if present:
            self.card_changed(reader, True)

    def reader_detached(self, reader: str) -> None:
        device_id = self._by_pcsc.get(reader)
        if device_id is None:
            return
        device = self._devices[device_id]
        if device.info.document == "PRESENT":
            self.card_changed(reader, False)
        device.info = replace(device.info, attached=False, document="UNSPECIFIED",
                              health=Health("UNAVAILABLE", "DETACHED", "The device was detached."))
        self._publish("DETACHED", device)

    def card_changed(self, reader: str, present: bool) -> None:
        device = self._pcsc_device(reader)
        if not device.info.attached:
            self.reader_attached(reader)
        wanted = "PRESENT" if present else "ABSENT"
        if device.info.document != wanted:
            device.info = replace(device.info, document=wanted)
            self._publish("DOCUMENT_INSERTED" if present else "DOCUMENT_REMOVED", device)

    def device_state(self, device_id: str, attached: bool, health: Health, **info: object) -> None:
        """A non-PC/SC driver (e.g. a translation device's link) reports its device's state."""
        device = self._find(device_id)
        before = device.info
        changed = (health.state, health.reason) != (before.health.state, before.health.reason)
        device.info = replace(before, attached=attached, health=health if changed else before.health,
                              **info)  # type: ignore[arg-type]
        if attached != before.attached:
            self._publish("ATTACHED" if attached else "DETACHED", device)
        elif changed:
            self._publish("HEALTH_CHANGED", device)

    def line_reader(self, device_id: str, *, display_name: str, source: object) -> None:
        """A configured MRZ line reader whose driver now runs: its display name and MRZ source."""
        device = self._find(device_id)
        if not device.info.display_name or device.info.display_name == device_id:
            device.info = replace(device.info, display_name=display_name)
        self.mrz.add(source)  # type: ignore[arg-type]

    def line_reader_event(self, event: LineReaderEvent) -> None:
        """A line reader's driver reports (on the loop): attach, detach, health, a document read.

        A swipe is momentary: a read gives DOCUMENT_INSERTED and DOCUMENT_REMOVED at once. The
        driver's UNAVAILABLE "NOT_ATTACHED" right after a detach is the same news and gives no event;
        a changed message with the same state and reason (e.g. naming the path) is kept silently.
        """
        device = self._devices.get(event.device_id)
        if device is None:
            return
        if isinstance(event, ReaderUnavailable):  # the port cannot be opened: the same as a health change
            reason = NOT_ATTACHED if event.code == NOT_FOUND else event.code
            event = HealthChanged(event.device_id, "UNAVAILABLE", reason, event.message, event.time)
        info = device.info
        if isinstance(event, MRZRead):
            for presence, kind in (("PRESENT", "DOCUMENT_INSERTED"), ("ABSENT", "DOCUMENT_REMOVED")):
                device.info = replace(device.info, document=presence)
                self._publish(kind, device)
            self.mrz.delivered(event)
        elif isinstance(event, ReaderAttached):
            if not info.attached:
                device.info = replace(info, attached=True, health=Health(), document="ABSENT")
                self._publish("ATTACHED", device)
        elif isinstance(event, ReaderDetached):
            if info.attached:
                device.info = replace(info, attached=False, document="UNSPECIFIED",
                                      health=Health("UNAVAILABLE", event.code, event.message))
                self._publish("DETACHED", device)
            self.mrz.detached(event.device_id, event.code)
        elif isinstance(event, HealthChanged):
            before = info.health
            same = (event.state, event.reason) == (before.state, before.reason) or (
                event.state == before.state == "UNAVAILABLE" and {event.reason, before.reason} <= _ABSENT_REASONS)
            if same:
                if event.reason == before.reason and event.message and event.message != before.message:
                    device.info = replace(info, health=replace(before, message=event.message))
                return
            device.info = replace(info, health=Health(event.state, event.reason, event.message))
            self._publish("HEALTH_CHANGED", device)

    def document_reader_event(self, device_id: str, what: str, value: object) -> None:
        """A desk document reader's thread reports (on the loop): "attached" (its Capabilities),
        "unavailable" / "detached" (a one-line reason), "placed" / "removed" (a monotonic time)."""
        device = self._devices.get(device_id)
        if device is None:
            return
        info = device.info
        if what == "attached":
            from .document_readers import LIGHT_CAPABILITY

            lights = getattr(value, "lights", frozenset())
            caps = tuple(LIGHT_CAPABILITY[light] for light in LIGHT_CAPABILITY if light in lights)
            device.info = replace(info, attached=True, health=Health(), document="ABSENT",
                                  capabilities=caps or info.capabilities,
                                  vendor=info.vendor or getattr(value, "vendor", ""),
                                  model=info.model or getattr(value, "model", ""))
            if not info.attached:
                self._publish("ATTACHED", device)
        elif what in ("unavailable", "detached"):
            reason = "DETACHED" if what == "detached" else "NOT_ATTACHED"
            message = "The document reader went away." if what == "detached" else \
                "The document reader cannot be opened."
            device.info = replace(info, attached=False, document="UNSPECIFIED",
                                  health=Health("UNAVAILABLE", reason, message))
            if info.attached:
                self._publish("DETACHED", device)
            elif (info.health.state, info.health.reason) != ("UNAVAILABLE", reason):
                self._publish("HEALTH_CHANGED", device)
        elif what in ("placed", "removed"):
            wanted = "PRESENT" if what == "placed" else "ABSENT"
            if info.document != wanted:
                device.info = replace(info, document=wanted)
                self._publish("DOCUMENT_INSERTED" if what == "placed" else "DOCUMENT_REMOVED", device)

    def pcsc_service_state(self, up: bool, message: str = "") -> None:
        """pcscd went away or came back: every PC/SC device's health follows."""
        for device in self._devices.values():
            if device.pcsc_name is None or not device.info.attached:
                continue
            health = device.info.health
            if up and health.reason == "PCSC_SERVICE_DOWN":
                device.info = replace(device.info, health=Health())
                self._publish("HEALTH_CHANGED", device)
            elif not up and health.state == "OK":
                device.info = replace(device.info, health=Health("UNAVAILABLE", "PCSC_SERVICE_DOWN",
                                                                 message or "The PC/SC service is not running."))
                self._publish("HEALTH_CHANGED", device)


class PcscMonitor:
    """A thread that feeds PC/SC reader and card events into the registry (on the loop).

    When pcscd is not running it retries every `retry_s` seconds and marks PC/SC devices unavailable;
    it never raises into the daemon.
    """

    def __init__(self, registry: DeviceRegistry, loop: asyncio.AbstractEventLoop, retry_s: float = 2.0) -> None:
        self._registry = registry
        self._loop = loop
        self._retry_s = retry_s
        self._stop = threading.Event()
        self._watcher = None
        self._thread = threading.Thread(target=self._run, name="pcsc-monitor", daemon=True)
        self.ready = threading.Event()  # set after the first scan (or the first failure)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 3.0) -> None:
        self._stop.set()
        watcher = self._watcher
        if watcher is not None:
            with contextlib.suppress(Exception):
                watcher.stop()
        self._thread.join(timeout)

    def _call(self, fn: Callable[..., None], *args: object) -> None:
        with contextlib.suppress(RuntimeError):  # loop closed during shutdown
            self._loop.call_soon_threadsafe(fn, *args)

    def _run(self) -> None:
        from gateway.drivers.pcsc import ReaderEventKind, ReaderWatcher, list_readers
        from gateway.transport import TransportError

        while not self._stop.is_set():
            try:
                readers = list_readers()
                watcher = ReaderWatcher(initial_events=False, max_wait_s=0.5)
            except TransportError as exc:
                self._call(self._registry.pcsc_service_state, False, str(exc))
                self.ready.set()
                self._stop.wait(self._retry_s)
                continue
            self._watcher = watcher
            present = watcher.present()
            self._call(self._registry.pcsc_service_state, True)
            for reader in readers:
                self._call(self._registry.reader_attached, reader, present.get(reader, False))
            self._call(self.ready.set)
            try:
                while not self._stop.is_set():
                    event = watcher.next_event(0.5)
                    if event is None:
                        continue
                    if event.kind is ReaderEventKind.READER_ADDED:
                        self._call(self._registry.reader_attached, event.reader)
                    elif event.kind is ReaderEventKind.READER_REMOVED:
                        self._call(self._registry.reader_detached, event.reader)
                    else:
                        self._call(self._registry.card_changed, event.reader,
                                   event.kind is ReaderEventKind.CARD_INSERTED)
            except TransportError as exc:
                self._call(self._registry.pcsc_service_state, False, str(exc))
                self._stop.wait(self._retry_s)
            finally:
                self._watcher = None
                with contextlib.suppress(Exception):
                    watcher.close()
