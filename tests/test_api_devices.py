"""DeviceService over a real socket: list, describe, and a watch stream that sees a card go in and out
of a real PC/SC reader slot; plus the registry and reader queue on their own."""

from __future__ import annotations

import asyncio
import queue
import threading

import grpc
import pytest

from gateway.client import GatewayClient, GatewayError
from gateway.service.devices import DeviceConfig, DeviceRegistry
from gateway.service.errors import ServiceError
from gateway.service.queueing import ReaderQueue
from tests.api_chip_support import PORT, device_id, profile_card, wait_document
from tests.api_support import DaemonThread
from tests.pcsc_fixtures import pcscd, vpcd_card  # noqa: F401


@pytest.fixture
def daemon(pcscd):  # noqa: F811
    with DaemonThread(monitor_pcsc=True) as d:
        yield d


def _next(events: queue.Queue, kind: str, device: str, timeout: float = 5.0):
    while True:
        event = events.get(timeout=timeout)
        if event.kind == kind and event.device.id == device:
            return event


@pytest.mark.pcsc
def test_watch_sees_a_card_inserted_and_removed(vpcd_card, daemon):  # noqa: F811
    slot = vpcd_card(profile_card("td3-bac").card, port=PORT, insert=False)
    reader = device_id(slot.reader)
    events: queue.Queue = queue.Queue()
    with GatewayClient(daemon.address) as client:
        stream = client.watch_devices(device_ids=[reader], send_initial_state=True)

        def pump() -> None:
            for event in stream:
                events.put(event)

        threading.Thread(target=pump, daemon=True).start()
        attached = _next(events, "ATTACHED", reader)
        if attached.device.document == "PRESENT":
            pytest.skip(f"another card occupies vpcd port {PORT} (a test suite running alongside?)")
        assert attached.device.document == "ABSENT" and attached.device.health.state == "OK"
        assert attached.device.kind == "DOCUMENT_READER" and "CHIP" in attached.device.capabilities
        slot.insert()
        inserted = _next(events, "DOCUMENT_INSERTED", reader)
        assert inserted.device.document == "PRESENT"
        assert client.describe_device(reader).document == "PRESENT"
        slot.remove()
        removed = _next(events, "DOCUMENT_REMOVED", reader)
        assert removed.device.document == "ABSENT"
        assert all(e.device.id == reader for e in list(events.queue))  # the filter holds
        stream.cancel()


@pytest.mark.pcsc
def test_list_and_describe(vpcd_card, daemon):  # noqa: F811
    slot = vpcd_card(profile_card("td3-bac").card, port=PORT)
    reader = device_id(slot.reader)
    with GatewayClient(daemon.address) as client:
        wait_document(client, reader)
        listed = {d.id: d for d in client.list_devices()}
        assert listed[reader].display_name == slot.reader and listed[reader].attached
        assert listed[reader].driver == "pcsc" and not listed[reader].busy
        with pytest.raises(GatewayError) as info:
            client.describe_device("no-such-device")
        assert info.value.code is grpc.StatusCode.NOT_FOUND and info.value.reason == "DEVICE_NOT_FOUND"
        with pytest.raises(GatewayError) as info:
            client.describe_device("")
        assert info.value.code is grpc.StatusCode.INVALID_ARGUMENT and info.value.fields[0][0] == "device_id"


# --- the registry and the queue without sockets ------------------------------------------------------


def test_registry_tracks_attach_document_and_service_health():
    async def scenario():
        registry = DeviceRegistry(configured=(DeviceConfig("desk", pcsc_reader="Desk Reader 00 00"),
                                              DeviceConfig("translator", kind="TRANSLATION_DEVICE",
                                                           capabilities=("TRANSLATE_SPEECH",))))
        assert registry.get("desk").health.reason == "NOT_ATTACHED"
        assert registry.list("TRANSLATION_DEVICE")[0].id == "translator"
        watch = registry.subscribe()
        registry.reader_attached("Desk Reader 00 00", present=True)
        registry.pcsc_service_state(False, "pcscd stopped")
        registry.reader_detached("Desk Reader 00 00")
        kinds = []
        while not watch.empty():
            kinds.append((await watch.get()).kind)
        assert kinds == ["ATTACHED", "DOCUMENT_INSERTED", "HEALTH_CHANGED", "DOCUMENT_REMOVED", "DETACHED"]
        assert registry.get("desk").health.state == "UNAVAILABLE"
        with pytest.raises(ServiceError) as info:
            registry.choose_reader("")
        assert info.value.reason == "NO_READER"

    asyncio.run(scenario())


def test_reader_queue_is_fifo_reports_positions_and_is_bounded():
    async def scenario():
        q = ReaderQueue(limit=2)
        order: list[str] = []
        positions: dict[str, list[int]] = {"b": [], "c": []}
        await q.acquire()

        async def waiter(name: str) -> None:
            await q.acquire(positions[name].append)
            order.append(name)
            q.release()

        b = asyncio.ensure_future(waiter("b"))
        await asyncio.sleep(0)
        c = asyncio.ensure_future(waiter("c"))
        await asyncio.sleep(0)
        with pytest.raises(ServiceError) as info:
            await q.acquire()
        assert info.value.reason == "READER_QUEUE_FULL"
        b.cancel()  # b gives up: c moves up to 1
        await asyncio.sleep(0)
        assert positions["c"] == [2, 1]
        q.release()
        await c
        assert order == ["c"] and not q.busy and q.waiting == 0

    asyncio.run(scenario())
