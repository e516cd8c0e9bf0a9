"""One touch at the desk: a document placed on the desk reader starts the whole verification.

A Verify(Stream) with `wait_document` names a desk (or its document reader). This module turns
that request into an ordinary one the verification pipeline takes:

1. wait until a document lies on the desk's document reader (`AwaitingDocument`, then
   `DocumentPlaced` on the stream; WatchDevices shows DOCUMENT_INSERTED meanwhile);
2. capture the page under every light the reader has (`PagesCaptured`);
3. hand the pipeline the page images (`gateway.verify.optical.PageCapture`) and the desk's chip
   reader, with the chip key taken from the MRZ read off the white image unless the caller gave one.

From there it is the same recipe as every other way in: MRZ OCR, chip access with that MRZ,
passive/active/chip authentication, the optical checks, the verdict. The images live only in the
request object of this call.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from gateway.drivers.document_reader import Light

from .errors import ErrorKind, ServiceError
from .model import AwaitingDocument, ChipAccessSpec, DocumentPlaced, PagesCaptured, VerifyInput


def _document_reader(registry: Any, reader_id: str) -> str:
    monitor = registry.documents
    if monitor is None or not monitor.device_ids:
        raise ServiceError(ErrorKind.FAILED_PRECONDITION, "DEVICE_UNSUPPORTED",
                           "no desk document reader is configured")
    if not reader_id:
        if len(monitor.device_ids) == 1:
            return monitor.device_ids[0]
        raise ServiceError(ErrorKind.INVALID_ARGUMENT, "READER_REQUIRED",
                           "several document readers are configured: name the desk or the reader")
    device_id = registry.resolve(reader_id, "IMAGE_VISIBLE")
    if device_id not in monitor.device_ids:  # a chip reader named: the document reader of its desk
        desk = registry.get(device_id).desk
        device_id = next((d.id for d in registry.desk_devices(desk) if d.id in monitor.device_ids), device_id)
    if device_id not in monitor.device_ids:
        raise ServiceError(ErrorKind.FAILED_PRECONDITION, "DEVICE_UNSUPPORTED",
                           f"device {device_id!r} is not a document reader")
    return device_id


#: How long after the page was captured the desk's chip reader may take to report the card. A
#: document without a chip (or one the reader cannot power) is then checked without it: its chip
#: checks stay NOT_PERFORMED, so it can never be GENUINE.
CHIP_WAIT_S = 2.0


def _chip_reader(registry: Any, document_reader: str) -> str | None:
    desk = registry.get(document_reader).desk
    for device in registry.desk_devices(desk):
        if "CHIP" in device.capabilities:
            return device.id
    return None


def _sensing(monitor: Any, reader: str) -> bool:
    caps = monitor.capabilities(reader)
    return caps is not None and caps.presence


async def _card_present(registry: Any, chip: str, deadline: float) -> bool:
    while True:
        device = registry.get(chip)
        if device.attached and device.document == "PRESENT":
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.02)


async def desk_request(request: VerifyInput, registry: Any, deadline: float,
                       on_event: Callable[[Any], None]) -> VerifyInput:
    """The request once the document lies on the reader and its page is captured."""
    from gateway.verify.optical import PageCapture

    monitor = registry.documents
    reader = _document_reader(registry, request.reader_id)
    snapshot = registry.get(reader)
    if not snapshot.attached:
        raise ServiceError(ErrorKind.FAILED_PRECONDITION, "DEVICE_UNAVAILABLE",
                           f"document reader {reader!r} is not attached")
    t0 = time.monotonic()
    on_event(AwaitingDocument(reader, max(0.0, deadline - t0)))
    await monitor.wait_placed(reader, deadline)
    waited = time.monotonic() - t0
    on_event(DocumentPlaced(reader))
    lights = monitor.lights(reader)
    if Light.WHITE not in lights:
        raise ServiceError(ErrorKind.FAILED_PRECONDITION, "DEVICE_UNSUPPORTED",
                           f"document reader {reader!r} cannot capture a white-light image")
    t1 = time.monotonic()
    # The white image first: the MRZ (and so the chip's key) comes from it. IR and UV are scanned by
    # the reader's thread while the chip is read; the pipeline waits for them before the optical checks.
    captures, later = await monitor.capture(reader, [Light.WHITE], deadline,
                                            then=[light for light in lights if light is not Light.WHITE])
    white = next((c for c in captures if c.light is Light.WHITE), None)
    if white is None:
        raise ServiceError(ErrorKind.FAILED_PRECONDITION, "CAPTURE_FAILED",
                           "the document reader gave no white-light image")
    captured = time.monotonic() - t1
    on_event(PagesCaptured(reader, ("white",), captured))
    page = PageCapture(white=white.image, ir=later.get(Light.IR), uv=later.get(Light.UV), dpi=white.dpi)
    chip = _chip_reader(registry, reader)
    if chip is not None and not await _card_present(registry, chip, min(deadline, time.monotonic() + CHIP_WAIT_S)):
        if not monitor.present(reader) and _sensing(monitor, reader):
            raise ServiceError(ErrorKind.FAILED_PRECONDITION, "DOCUMENT_REMOVED",
                               "the document was taken off the reader before its chip was read")
        chip = None  # no card in the desk's chip reader: the page alone (at best INCONCLUSIVE)
    access = request.chip_access
    if chip is not None and access is None:
        access = ChipAccessSpec(from_printed=True)
    return replace(request, reader_id=chip or "", chip_access=access if chip is not None else None,
                   page=page, page_image=None, wait_document=False, document_reader_id=reader,
                   document_wait_s=waited, capture_s=captured)
