"""The daemon's MRZ line readers: their driver threads, bridged into the DeviceRegistry on the loop.

`LineReaderMonitor` is to line readers what `PcscMonitor` is to chip readers. It starts one
`gateway.drivers.line_reader.LineReader` per configured `[[devices]]` entry with driver serial/hid
(`LineReaderSet`), registers each reader's mailbox as an MRZ source (`gateway.service.device_mrz`) and
hands the events the registry needs - attach, detach, health, each document read - to the event loop
with `call_soon_threadsafe`. Events only the driver's counters care about (frame problems, discarded
noise, skipped magnetic-stripe frames, framing detection) stay on the reader thread: a reader flooding
garbage costs the loop one HEALTH_CHANGED, not one hop per 4 KiB of noise.

A reader that is unplugged, not a tty or busy never stops the daemon: its health says why, the
driver retries, and every other device is served as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from typing import Any

from gateway.drivers.line_events import (
    HealthChanged,
    LineReaderEvent,
    MRZRead,
    ReaderAttached,
    ReaderDetached,
    ReaderUnavailable,
)

from .device_mrz import LineReaderSource
from .devices import DeviceRegistry
from .line_readers import LineReaderConfig, LineReaderSet

log = logging.getLogger("gateway.line_readers")

#: The driver events the registry maps (the others are the driver's own business).
FORWARDED = (ReaderAttached, ReaderDetached, ReaderUnavailable, HealthChanged, MRZRead)


class LineReaderMonitor:
    """Runs the configured line readers for a registry. `start()` on the loop; `stop()` from any thread."""

    def __init__(self, configs: tuple[LineReaderConfig, ...], registry: DeviceRegistry,
                 loop: asyncio.AbstractEventLoop, *, usb_backend: Any = None) -> None:
        self._registry = registry
        self._loop = loop
        self._unseen = {c.id for c in configs}  # readers that have not tried their port yet
        self._lock = threading.Lock()
        self.ready = threading.Event()  # every reader has attached or said why it cannot
        if not configs:
            self.ready.set()
        self.readers = LineReaderSet(configs, usb_backend=usb_backend, on_event=self._on_event)
        for config in configs:
            registry.line_reader(config.id, display_name=config.display_name or f"MRZ line reader {config.where}",
                                 source=LineReaderSource(self.readers.get(config.id)))

    def start(self) -> None:
        self.readers.start()
        if self.readers.readers:
            log.info("line readers started", extra={"devices": list(self.readers.readers)})

    def stop(self) -> None:
        self.readers.stop()

    def _on_event(self, event: LineReaderEvent) -> None:
        """On a reader thread: forward what the registry maps."""
        if isinstance(event, FORWARDED):
            with contextlib.suppress(RuntimeError):  # the loop closed during shutdown
                self._loop.call_soon_threadsafe(self._registry.line_reader_event, event)
        if isinstance(event, (ReaderAttached, ReaderUnavailable)) and not self.ready.is_set():
            with self._lock:
                self._unseen.discard(event.device_id)
                if not self._unseen:
                    self.ready.set()
