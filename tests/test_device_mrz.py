"""The service layer's MRZ sources without sockets: the registry's line reader mapping, the simulated
scanner as one more source, the mailbox hand-over (superseded reads, a cancelled call giving a swipe
back) and the request once the device has delivered."""

from __future__ import annotations

import asyncio
import time

import pytest

from gateway.drivers.line_events import HealthChanged, MRZRead, ReaderAttached, ReaderDetached, ReaderUnavailable
from gateway.drivers.line_reader import LineReader, MRZMailbox
from gateway.drivers.serial_port import SerialSettings, SerialSource
from gateway.mrz import check
from gateway.service import model
from gateway.service.cancel import CancellableTransport, CancelToken
from gateway.service.device_mrz import LineReaderSource
from gateway.service.devices import DeviceConfig, DeviceRegistry
from gateway.service.errors import ServiceError
from gateway.service.line_reader_monitor import LineReaderMonitor
from gateway.service.line_readers import LineReaderConfig
from gateway.service.validation import RawVerifyRequest, validate_request
from gateway.service.verification import DocumentVerifier
from gateway.verdict import Status
from simulators.chip.lds_builder import mrz_lines
from simulators.chip.profile import load_profile
from simulators.linereader import faults
from simulators.linereader.pty_port import PtyPort
from tests.framing_frames import TD1, TD2, TD3
from tests.verify_support import in_process_transport, trust_store

MISREAD_TD3 = (TD3[0], TD3[1][:13] + "74O8122" + TD3[1][20:])  # 0 read as O in the birth date


def _read(lines, seq: int, device_id: str = "d1-mrz") -> MRZRead:
    return MRZRead(device_id, check(list(lines)), "cute", seq, time.monotonic())


def _registry(**kwargs) -> tuple[DeviceRegistry, LineReader]:
    registry = DeviceRegistry(configured=(
        DeviceConfig("d1-chip", pcsc_reader="Desk One 00 00", desk="d1"),
        DeviceConfig("d1-mrz", capabilities=("MRZ",), desk="d1", driver="serial"),
    ), **kwargs)
    # a real reader object, never started: the tests put reads into its mailbox as its thread would
    reader = LineReader("d1-mrz", SerialSource(SerialSettings(port="/nonexistent/gateway-test")))
    registry.line_reader("d1-mrz", display_name="MRZ line reader test", source=LineReaderSource(reader))
    return registry, reader


def _request(**raw) -> object:
    return validate_request(RawVerifyRequest(use_device_mrz=True, **raw))


def test_registry_maps_line_reader_events_to_device_events():
    async def scenario():
        registry, _reader = _registry()
        assert registry.get("d1-mrz").driver == "serial-mrz" and registry.get("d1-mrz").desk == "d1"
        watch = registry.subscribe()
        now = time.monotonic()
        registry.line_reader_event(ReaderUnavailable("d1-mrz", "NOT_FOUND", "/dev/x does not exist", now))
        assert registry.get("d1-mrz").health.message == "/dev/x does not exist"  # same state: no event
        registry.line_reader_event(ReaderAttached("d1-mrz", "/dev/x", now))
        registry.line_reader_event(HealthChanged("d1-mrz", "OK", "", "", now))  # the driver's echo: no event
        registry.line_reader_event(_read(TD3, 1))
        registry.line_reader_event(HealthChanged("d1-mrz", "DEGRADED", "NOISE", "600 bytes without a frame", now))
        registry.line_reader_event(ReaderDetached("d1-mrz", "DETACHED", "went away", now))
        registry.line_reader_event(HealthChanged("d1-mrz", "UNAVAILABLE", "DETACHED", "went away", now))
        registry.line_reader_event(HealthChanged("d1-mrz", "UNAVAILABLE", "NOT_ATTACHED", "gone", now))
        registry.line_reader_event(HealthChanged("d1-mrz", "UNAVAILABLE", "NOT_A_TTY", "/dev/x is a file", now))
        events = []
        while not watch.empty():
            events.append(await watch.get())
        assert [(e.kind, e.device.document) for e in events] == [
            ("ATTACHED", "ABSENT"), ("DOCUMENT_INSERTED", "PRESENT"), ("DOCUMENT_REMOVED", "ABSENT"),
            ("HEALTH_CHANGED", "ABSENT"), ("DETACHED", "UNSPECIFIED"), ("HEALTH_CHANGED", "UNSPECIFIED")]
        assert events[3].device.health.reason == "NOISE"
        assert registry.get("d1-mrz").health.reason == "NOT_A_TTY"

    asyncio.run(scenario())


def test_the_newest_read_wins_and_a_cancelled_call_gives_its_swipe_back():
    async def scenario():
        registry, reader = _registry()
        registry.line_reader_event(ReaderAttached("d1-mrz", "/dev/x", time.monotonic()))
        task = asyncio.ensure_future(registry.mrz.for_request(
            _request(reader_id="d1-chip"), None, time.monotonic() + 5, lambda e: None, lambda p, d: None))
        await asyncio.sleep(0.01)
        assert registry.mrz.waiting == 1
        first, second = _read(TD3, 1), _read(TD2, 2)
        reader.mailbox.put(first)
        reader.mailbox.put(second)  # two swipes before the loop saw the first
        registry.line_reader_event(first)  # superseded: not taken
        assert not task.done()
        registry.line_reader_event(second)
        request = await task
        assert request.mrz.lines == TD2 and request.mrz_device_id == "d1-mrz"
        assert reader.mailbox.latest() is None  # consumed: one swipe, one verification

        task = asyncio.ensure_future(registry.mrz.for_request(
            _request(reader_id="d1-mrz"), None, time.monotonic() + 5, lambda e: None, lambda p, d: None))
        await asyncio.sleep(0.01)
        third = _read(TD1, 3)
        reader.mailbox.put(third)
        registry.line_reader_event(third)  # the call's future has its reading ...
        task.cancel()  # ... but the call goes away before it resumes
        with pytest.raises(asyncio.CancelledError):
            await task
        assert reader.mailbox.latest() is third  # back for the next call
        again = await registry.mrz.for_request(_request(reader_id="d1"), None, time.monotonic() + 5,
                                               lambda e: None, lambda p, d: None)
        assert again.mrz.lines == TD1

    asyncio.run(scenario())


def test_deadline_and_detach_end_the_wait_with_their_reasons():
    async def scenario():
        registry, _reader = _registry()
        registry.line_reader_event(ReaderAttached("d1-mrz", "/dev/x", time.monotonic()))
        t0 = time.monotonic()
        with pytest.raises(ServiceError) as info:
            await registry.mrz.for_request(_request(), None, time.monotonic() + 0.2, lambda e: None,
                                           lambda p, d: None)
        assert info.value.reason == "MRZ_READ_TIMEOUT" and info.value.kind.value == "DEADLINE_EXCEEDED"
        assert 0.15 < time.monotonic() - t0 < 1.0
        task = asyncio.ensure_future(registry.mrz.for_request(_request(), None, time.monotonic() + 5,
                                                              lambda e: None, lambda p, d: None))
        await asyncio.sleep(0.01)
        registry.line_reader_event(ReaderDetached("d1-mrz", "DETACHED", "went away", time.monotonic()))
        with pytest.raises(ServiceError) as info:
            await task
        assert info.value.reason == "DEVICE_DETACHED" and info.value.kind.value == "UNAVAILABLE"
        assert not registry.get("d1-mrz").busy  # the line reader's queue slot was released
        with pytest.raises(ServiceError) as info:  # not attached: refused before any wait
            await registry.mrz.for_request(_request(), None, time.monotonic() + 5, lambda e: None,
                                           lambda p, d: None)
        assert info.value.reason == "DEVICE_UNAVAILABLE"

    asyncio.run(scenario())


def test_simulated_scanner_is_one_more_mrz_source_and_its_reading_keys_the_chip():
    """`gateway serve --simulate`: the simulated reader's scanner reads the document lying on it."""

    async def scenario():
        name = "Virtual PCD 00 00"
        registry = DeviceRegistry(simulated_readers={name: "td3-bac"},
                                  mrz_sources={name: lambda: "\n".join(MISREAD_TD3)})
        registry.reader_attached(name, present=True)
        events = []
        request = await registry.mrz.for_request(
            _request(access_kind="use_printed_mrz", use_printed_mrz=True), "sim-virtual-pcd-00-00",
            time.monotonic() + 5, events.append, lambda p, d: None)
        assert request.mrz_device_id == "sim-virtual-pcd-00-00" and request.mrz.lines == TD3
        assert [(c.from_char, c.to_char) for c in request.mrz.corrections] == [("O", "0")]
        assert request.chip_access.from_printed  # the pipeline takes the key from these corrected lines
        assert [type(e).__name__ for e in events] == ["MRZReceived"]  # a scanner answers at once
        assert events[0].framing == "scanner"
        # MRZ only, no reader named, no line reader configured: the reader holding the document
        request = await registry.mrz.for_request(_request(), None, time.monotonic() + 5, events.append,
                                                 lambda p, d: None)
        assert request.mrz_device_id == "sim-virtual-pcd-00-00" and request.chip_access is None

    asyncio.run(scenario())


def test_use_printed_mrz_with_use_device_mrz_validates_and_waits_for_the_key():
    request = _request(access_kind="use_printed_mrz", use_printed_mrz=True)
    assert request.uses_chip and request.chip_access.from_printed and request.mrz is None
    resolved = request.with_device_mrz("d1-mrz", check(list(MISREAD_TD3)), 1.5)
    assert not resolved.use_device_mrz and resolved.chip_access.from_printed
    assert resolved.mrz.lines == TD3 and resolved.mrz_device_id == "d1-mrz" and resolved.mrz_wait_s == 1.5
    with pytest.raises(ServiceError) as info:  # a page image and the device's MRZ: which one?
        validate_request(RawVerifyRequest(use_device_mrz=True, page_image=b"\x89PNG"))
    assert info.value.field_violations[0].field == "page_image"
    with pytest.raises(ServiceError) as info:  # neither a typed MRZ nor a device's
        validate_request(RawVerifyRequest(access_kind="use_printed_mrz", use_printed_mrz=True))
    assert info.value.field_violations[0].field == "chip_access.use_printed_mrz"


def test_mailbox_claim_and_give_back():
    box = MRZMailbox()
    first, second = _read(TD3, 1), _read(TD2, 2)
    box.put(first)
    box.put(second)
    assert box.claim(1) is None and box.claim(2) is second and box.latest() is None
    assert box.give_back(second) and box.latest() is second  # nothing newer came: it is back
    box.take()
    box.put(_read(TD1, 3))
    assert not box.give_back(second)  # a newer read arrived meanwhile: the old one stays gone
    assert box.latest().seq == 3


class InProcessChip:
    """The simulator's chip behind the in-process link (simulators.chip.inprocess), as the verifier's
    ChipDevice: the PC/SC hop is the only thing left out (the pcsc-marked end-to-end test has it)."""

    def __init__(self, device_id: str, profile: str, cancel: CancelToken) -> None:
        self.device_id = device_id
        self._profile = profile
        self._cancel = cancel

    def open_transport(self) -> CancellableTransport:
        return CancellableTransport(in_process_transport(self._profile), self._cancel)


def test_a_swipe_on_a_real_pty_keys_the_desks_chip_and_the_verdict_is_genuine(tmp_path):
    """The desk flow without pcscd: LineReaderMonitor runs the configured reader on a real pty, the
    swipe (with a misread) arrives through the registry, and its corrected lines open the chip."""
    profile = "td1-eu-pace"
    lines = mrz_lines(load_profile(profile))
    port = PtyPort(tmp_path / "mrz.link")
    port.plug()
    config = LineReaderConfig(id="d1-mrz", driver="serial", desk="d1", serial=SerialSettings(port=str(port.link)))

    async def scenario():
        registry = DeviceRegistry(configured=(DeviceConfig("d1-chip", pcsc_reader="Desk One 00 00", desk="d1"),
                                              DeviceConfig("d1-mrz", capabilities=("MRZ",), desk="d1",
                                                           driver="serial")))
        loop = asyncio.get_running_loop()
        monitor = LineReaderMonitor((config,), registry, loop)
        monitor.start()
        try:
            await loop.run_in_executor(None, monitor.ready.wait, 5.0)
            for _ in range(100):
                if registry.get("d1-mrz").attached:
                    break
                await asyncio.sleep(0.02)
            events: list = []
            request = _request(access_kind="use_printed_mrz", use_printed_mrz=True, reader_id="d1")
            task = asyncio.ensure_future(registry.mrz.for_request(request, "d1-chip", time.monotonic() + 10,
                                                                  events.append, lambda p, d: None))
            while registry.mrz.waiting == 0:
                await asyncio.sleep(0.01)
            await loop.run_in_executor(None, port.play, faults.swipe("desko", lines, ["misread"]))
            resolved = await task
            token = CancelToken(time.monotonic() + 30)
            verifier = DocumentVerifier(trust_store())
            result = await loop.run_in_executor(None, lambda: verifier.verify(
                resolved, model.ignore_progress, token, InProcessChip("d1-chip", profile, token)))
            return events, result
        finally:
            await loop.run_in_executor(None, monitor.stop)

    try:
        events, result = asyncio.run(scenario())
    finally:
        port.unplug()
    assert [type(e).__name__ for e in events] == ["AwaitingMRZ", "MRZReceived"]
    assert result.reader_id == "d1-chip" and result.access.protocol == "PACE"
    assert result.verdict.status is Status.GENUINE, [(c.name, c.reason) for c in result.verdict.checks]
    assert result.printed_mrz.lines == tuple(lines) == result.chip_mrz.lines
    assert [(c.from_char, c.to_char) for c in result.printed_mrz.corrections] == [("B", "8")]
    assert result.timings.phases["device_mrz"] > 0
