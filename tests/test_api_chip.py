"""Chip verifications through the daemon over real sockets, pcscd, vpcd and the PC/SC driver:
progress order, deadlines that stop the device work, serialised readers, queue limits, draining."""

from __future__ import annotations

import threading
import time

import grpc
import pytest

from gateway.client import GatewayClient, GatewayError
from gateway.service import model
from gateway.service.config import ServeConfig
from gateway.service.verification import DocumentVerifier
from gateway.verdict import CHECK_NAMES, Status
from simulators.chip.link import LinkModel
from tests.api_chip_support import PORT, device_id, engine_verifier, profile_card, wait_document
from tests.api_support import DaemonThread
from tests.pcsc_fixtures import pcscd, vpcd_card  # noqa: F401

pytestmark = pytest.mark.pcsc

# "quirk-slow-card": no extended length, Le <= 224, no SFI - a read of many short APDUs, so progress
# moves in steps and a cancel lands between APDUs quickly.
SLOW_CARD = "quirk-slow-card"
CRAWL = LinkModel(kbit_s=106, frame_overhead_s=0.12)  # ~0.3 s per APDU: a read to interrupt
LINK_106 = LinkModel(kbit_s=106)  # a ~2 s read: long enough to queue behind


class RecordingVerifier(DocumentVerifier):
    """Notes when each verification's device work starts and ends, on the server side."""

    def __init__(self) -> None:
        super().__init__(engine_verifier().trust)
        self.spans: list[tuple[float, float]] = []

    def verify(self, *args, **kwargs):
        start = time.monotonic()
        try:
            return super().verify(*args, **kwargs)
        finally:
            self.spans.append((start, time.monotonic()))


@pytest.fixture
def daemon(pcscd):  # noqa: F811
    config = ServeConfig(listen=["127.0.0.1:0"], queue_per_reader=1)
    with DaemonThread(config, RecordingVerifier(), monitor_pcsc=True) as d:
        yield d


@pytest.fixture
def client(daemon):
    with GatewayClient(daemon.address, timeout=30) as c:
        yield c


def _insert(vpcd_card, client, name="td1-eu-pace", link=None):  # noqa: F811
    pc = profile_card(name)
    slot = vpcd_card(pc.card, port=PORT, link=link)
    reader = device_id(slot.reader)
    wait_document(client, reader)
    return pc, slot, reader


def test_chip_verify_reads_the_document_and_returns_the_verdict(vpcd_card, client):  # noqa: F811
    pc, _slot, reader = _insert(vpcd_card, client)
    result = client.verify(mrz=pc.mrz, use_printed_mrz=True, reader_id=reader, return_face_image=True)
    assert result.reader_id == reader
    assert result.verdict.status is Status.GENUINE, [(c.name, c.reason) for c in result.verdict.checks]
    assert [c.name for c in result.verdict.checks] == list(CHECK_NAMES)
    assert result.access.protocol == "PACE" and result.access.algorithm.startswith("PACE-")
    assert {"EF.COM", "DG1", "DG2", "EF.SOD"} <= {f.name for f in result.files}
    assert result.chip_mrz.lines == tuple(pc.mrz)
    assert result.face_image.data[:2] in (b"\xff\xd8", b"\x00\x00") and result.face_image.width > 0
    assert result.apdus > 0 and result.reading.bytes_received > 20_000
    # without asking, the face image's metadata comes but not its bytes
    assert client.verify(mrz=pc.mrz, use_printed_mrz=True, reader_id=reader).face_image.data == b""
    # with no reader named, the first one holding a document is used (other suites may fill other slots)
    holding = [d.id for d in client.list_devices() if d.document == "PRESENT"]
    assert reader in holding
    assert client.verify(mrz=pc.mrz, use_printed_mrz=True, checks=["mrz_check_digits"]).reader_id == holding[0]


def test_stream_reports_progress_in_order(vpcd_card, client):  # noqa: F811
    pc, _slot, reader = _insert(vpcd_card, client, SLOW_CARD)
    items = list(client.verify_stream(mrz=pc.mrz, use_printed_mrz=True, reader_id=reader))
    kinds = [type(i).__name__ for i in items]
    assert kinds[:2] == ["Started", "DocumentDetected"] and kinds[-1] == "VerifyResult"
    first_check = kinds.index("CheckCompleted")
    assert set(kinds[2:first_check]) == {"FileProgress", "AccessEstablished"}
    assert set(kinds[first_check:-1]) == {"CheckCompleted"}
    access = kinds.index("AccessEstablished")
    protected = [i for i, item in enumerate(items) if isinstance(item, model.FileProgress)
                 and item.name != "EF.CardAccess"]
    assert access < min(protected)
    progress = [i for i in items if isinstance(i, model.FileProgress)]
    assert {"EF.COM", "DG1", "DG2", "EF.SOD"} <= {p.name for p in progress}
    for name in {p.name for p in progress}:
        percents = [p.percent for p in progress if p.name == name]
        assert percents == sorted(percents) and percents[-1] == 100
    dg2 = [p.percent for p in progress if p.name == "DG2"]
    assert len(dg2) > 20  # DG2 is read in 224-byte blocks: the bar moves
    final = items[-1]
    assert [i.check.name for i in items if isinstance(i, model.CheckCompleted)] == \
        [c.name for c in final.verdict.checks] == list(CHECK_NAMES)
    assert final.verdict.status is Status.GENUINE


def test_deadline_mid_read_stops_the_device_work_and_the_next_call_succeeds(vpcd_card, client):  # noqa: F811
    pc, slot, reader = _insert(vpcd_card, client, SLOW_CARD, link=CRAWL)
    card = slot.card
    t0 = time.monotonic()
    with pytest.raises(GatewayError) as info:
        client.verify(mrz=pc.mrz, use_printed_mrz=True, reader_id=reader, timeout=0.4)
    assert info.value.code is grpc.StatusCode.DEADLINE_EXCEEDED
    assert time.monotonic() - t0 < 1.0
    time.sleep(0.6)  # > one APDU: the worker has noticed the cancel by now
    count = card.apdu_count
    time.sleep(0.6)
    assert card.apdu_count == count, "the device work went on after the deadline"
    assert not client.describe_device(reader).busy
    slot.slot.link = None  # full speed for the retry
    result = client.verify(mrz=pc.mrz, use_printed_mrz=True, reader_id=reader, timeout=20)
    assert result.reader_id == reader and result.verdict.status is Status.GENUINE


def test_two_clients_on_one_reader_are_serialised_and_the_queue_is_bounded(vpcd_card, daemon, client):  # noqa: F811
    pc, _slot, reader = _insert(vpcd_card, client, SLOW_CARD, link=LINK_106)
    timeline: dict[str, list[tuple[float, object]]] = {"a": [], "b": []}

    def run(label: str) -> None:
        with GatewayClient(daemon.address, timeout=30) as own:
            for item in own.verify_stream(mrz=pc.mrz, use_printed_mrz=True, reader_id=reader):
                timeline[label].append((time.monotonic(), item))

    first = threading.Thread(target=run, args=("a",))
    first.start()
    while not timeline["a"]:
        time.sleep(0.01)  # a holds the reader
    second = threading.Thread(target=run, args=("b",))
    second.start()
    deadline = time.monotonic() + 5
    while not any(isinstance(i, model.Queued) for _, i in timeline["b"]) and time.monotonic() < deadline:
        time.sleep(0.01)
    queued = [i for _, i in timeline["b"] if isinstance(i, model.Queued)]
    assert queued and queued[0].position == 1 and queued[0].reader_id == reader
    # queue limit 1: a third caller is refused at once, with the reason and the limit
    with pytest.raises(GatewayError) as info:
        client.verify(mrz=pc.mrz, use_printed_mrz=True, reader_id=reader)
    assert info.value.code is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert info.value.reason == "READER_QUEUE_FULL" and info.value.metadata["queue_limit"] == "1"
    first.join(30)
    second.join(30)
    assert isinstance(timeline["a"][-1][1], model.VerifyResult)
    assert isinstance(timeline["b"][-1][1], model.VerifyResult)
    (_a_start, a_end), (b_start, _b_end) = sorted(daemon.daemon.verifier.spans)
    assert b_start >= a_end, "the second call touched the reader before the first had finished"
    assert timeline["b"][-1][1].timings.phases["queued"] > 0.2


def test_unary_call_reports_its_queue_position_in_metadata(vpcd_card, daemon, client):  # noqa: F811
    pc, _slot, reader = _insert(vpcd_card, client, SLOW_CARD, link=LINK_106)
    request = GatewayClient.build_request(mrz=pc.mrz, use_printed_mrz=True, reader_id=reader)
    first = client.verification.Verify.future(request, timeout=30)
    time.sleep(0.2)
    second = client.verification.Verify.future(request, timeout=30)
    metadata = dict(second.initial_metadata())
    assert metadata["x-gateway-queue-position"] == "1"
    assert first.result().reader_id == second.result().reader_id == reader


def test_shutdown_reports_not_serving_refuses_new_work_and_lets_running_calls_finish(vpcd_card, daemon, client):  # noqa: F811
    pc, _slot, reader = _insert(vpcd_card, client, SLOW_CARD, link=LINK_106)
    request = GatewayClient.build_request(mrz=pc.mrz, use_printed_mrz=True, reader_id=reader)
    running = client.verification.Verify.future(request, timeout=30)
    time.sleep(0.2)
    assert not running.done(), running.exception()
    assert daemon.daemon._verification.active == 1
    assert client.health() == "SERVING"
    stopping = threading.Thread(target=daemon.run, args=(daemon.daemon.shutdown(10.0), 30))
    stopping.start()
    time.sleep(0.1)
    assert client.health() == "NOT_SERVING"
    with pytest.raises(GatewayError) as info:
        client.verify(mrz=pc.mrz, use_printed_mrz=True, reader_id=reader)
    assert info.value.code is grpc.StatusCode.UNAVAILABLE and info.value.reason == "SHUTTING_DOWN"
    assert running.result().reader_id == reader  # drained, not killed
    stopping.join(15)
    assert not stopping.is_alive()
