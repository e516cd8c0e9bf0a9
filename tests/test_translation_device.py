"""The translation-device protocol: the host codec alone (sans-IO), then the link driver against the
simulator as a real process over TCP and over a pseudo-terminal, with its faults."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gateway.drivers.translator import (
    TranslatorLink,
    TranslatorProtocolError,
    TranslatorRefused,
    TranslatorTimeout,
    TranslatorUnreachable,
    parse_address,
)
from gateway.translation.device_protocol import (
    NEED_DATA,
    ConnectionClosed,
    DeviceError,
    HelloAccepted,
    HostConnection,
    ProtocolError,
    State,
    StatusChanged,
    Translated,
)

SIM = str(Path(sys.executable).with_name("gateway-sim"))
ROOT = Path(__file__).resolve().parents[1]


def _line(obj: dict) -> bytes:
    return json.dumps(obj).encode() + b"\n"


def _ready() -> HostConnection:
    conn = HostConnection()
    rid, data = conn.hello()
    assert json.loads(data) == {"v": 1, "type": "hello", "id": rid, "host": "clearing-gateway", "versions": [1]}
    conn.receive_data(_line({"v": 1, "type": "hello", "id": rid, "version": 1, "offline": True,
                             "languages": ["de", "bg"], "device": {"model": "T1"}, "max_chars": 500}))
    hello = conn.next_event()
    assert isinstance(hello, HelloAccepted) and hello.device.model == "T1" and hello.max_chars == 500
    assert conn.state is State.READY
    return conn


# --- the codec, sans-IO -----------------------------------------------------------------------------


def test_translation_round_trip_split_across_reads():
    conn = _ready()
    rid, data = conn.translate("Живея тук.", "bg", "de")
    assert json.loads(data) == {"v": 1, "type": "translate", "id": rid, "source": "bg", "target": "de",
                                "text": "Живея тук."}
    wire = _line({"v": 1, "type": "translation", "id": rid, "text": "Ich wohne hier.", "source": "bg",
                  "target": "de", "offline": True, "extra_field_of_v1_1": 3})
    chunks = [wire[i:i + 7] for i in range(0, len(wire), 7)]
    for chunk in chunks[:-1]:
        conn.receive_data(chunk)
        assert conn.next_event() is NEED_DATA  # no newline yet
    conn.receive_data(chunks[-1])
    event = conn.next_event()
    assert isinstance(event, Translated) and event.text == "Ich wohne hier." and event.offline
    assert conn.next_event() is NEED_DATA
    assert "Ich wohne" not in repr(event)  # the text never shows in reprs or logs


def test_errors_status_and_keepalives():
    conn = _ready()
    rid, _ = conn.translate("x", "bg", "de")
    conn.receive_data(b"\r\n" + _line({"v": 1, "type": "status", "offline": False, "state": "busy", "battery": 12})
                      + _line({"v": 1, "type": "error", "id": rid, "code": "BUSY", "message": "wait",
                               "retry_after_ms": 250}))
    status = conn.next_event()
    assert status == StatusChanged(False, "busy", 12)
    assert conn.next_event() == DeviceError(rid, "BUSY", "wait", 250)
    assert conn.next_event() is NEED_DATA
    conn.receive_data(b"")
    assert isinstance(conn.next_event(), ConnectionClosed) and conn.state is State.CLOSED


@pytest.mark.parametrize(("wire", "message"), [
    (b"{not json}\n", "not UTF-8 JSON"),
    (b"[1,2]\n", "not an object"),
    (_line({"v": 2, "type": "pong", "id": 2}), "version 2 not supported"),
    (_line({"v": 1, "type": "pong", "id": 99}), "never sent"),
    (_line({"v": 1, "type": "pong", "id": 2}), "answered with 'pong'"),
    (_line({"v": 1, "type": "translation", "id": 2, "text": 5}), "must be a string"),
    (b"x" * 70_000, "longer than"),
])
def test_protocol_violations_break_the_connection(wire, message):
    conn = _ready()
    conn.translate("x", "bg", "de")  # id 2
    conn.receive_data(wire)
    with pytest.raises(ProtocolError, match=message):
        conn.next_event()
    assert conn.state is State.BROKEN
    with pytest.raises(ProtocolError):
        conn.translate("again", "bg", "de")


def test_late_answer_to_an_abandoned_request_is_dropped():
    conn = _ready()
    late, _ = conn.translate("x", "bg", "de")
    conn.forget(late)
    rid, _ = conn.ping()
    conn.receive_data(_line({"v": 1, "type": "translation", "id": late, "text": "old"})
                      + _line({"v": 1, "type": "pong", "id": rid}))
    event = conn.next_event()
    assert getattr(event, "id", None) == rid


def test_requests_need_the_greeting_first():
    conn = HostConnection()
    with pytest.raises(ProtocolError, match="before the device's hello"):
        conn.translate("x", "bg", "de")
    conn.hello()
    with pytest.raises(ProtocolError, match="once"):
        conn.hello()


def test_addresses():
    assert str(parse_address("tcp://127.0.0.1:7301")) == "tcp://127.0.0.1:7301"
    serial = parse_address("serial:///dev/ttyUSB0?baud=9600")
    assert (serial.path, serial.baud) == ("/dev/ttyUSB0", 9600)
    for bad in ("http://x:1", "tcp://nohost", "serial://", "serial:///dev/x?baud=fast"):
        with pytest.raises(ValueError):
            parse_address(bad)


def test_simulator_shares_no_code_with_the_gateway():
    for path in (ROOT / "simulators" / "translator").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom | ast.Import):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                assert not any(n.startswith("gateway") for n in names), path


# --- the link against the simulator, a real process ------------------------------------------------


class Sim:
    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen([SIM, "translator", *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, bufsize=1)
        lines = [self.proc.stdout.readline() for _ in range(2 if "--pty" not in args else 3)]
        self.address = next(x.split()[1] for x in lines if x.startswith("address:"))

    def command(self, text: str) -> str:
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def close(self) -> int:
        if self.proc.poll() is None:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
        return self.proc.wait(10)


@pytest.fixture
def sim():
    s = Sim("--listen", "127.0.0.1:0")
    yield s
    assert s.close() == 0


def test_translates_over_tcp_and_reports_the_device(sim):
    link = TranslatorLink(sim.address, timeout_s=2)
    hello = link.connect()
    assert hello.offline and "bg" in hello.languages and hello.device.model == "Translator Sim T1"
    assert link.translate("Живея тук от три месеца.", "bg", "de").text == "Ich wohne seit drei Monaten hier."
    assert link.translate("Ich habe keinen Mietvertrag.", "de", "ro").text == "Nu am contract de închiriere."
    assert link.ping() < 1
    link.close()


def test_faults_busy_no_network_unknown_language(sim):
    link = TranslatorLink(sim.address, timeout_s=2)
    assert sim.command("fault busy") == "fault busy"
    with pytest.raises(TranslatorRefused) as busy:
        link.translate("Ja", "de", "bg")
    assert busy.value.code == "BUSY" and busy.value.retry_after_ms == 500
    sim.command("fault offline")
    with pytest.raises(TranslatorRefused) as offline:
        link.translate("Ja", "de", "bg")
    assert offline.value.code == "NOT_CONNECTED"
    sim.command("fault unknown-language")
    with pytest.raises(TranslatorRefused) as lang:
        link.translate("Ja", "de", "bg")
    assert lang.value.code == "UNSUPPORTED_LANGUAGE"
    sim.command("fault none")
    assert link.translate("ja", "de", "bg").text == "да"  # the link survived every refusal


def test_device_that_stops_answering_times_out_and_the_link_recovers(sim):
    link = TranslatorLink(sim.address, timeout_s=0.4)
    link.connect()
    sim.command("fault mute")
    started = time.monotonic()
    with pytest.raises(TranslatorTimeout, match=r"did not answer within 0\.4 s"):
        link.translate("Ja", "de", "bg")
    assert 0.35 < time.monotonic() - started < 1.5
    assert not link.connected  # closed after the timeout: no late answer can be mistaken for the next one
    sim.command("fault none")
    assert link.translate("nein", "de", "uk").text == "ні"


def test_garbage_is_a_protocol_error(sim):
    link = TranslatorLink(sim.address, timeout_s=2)
    link.connect()
    sim.command("fault garbage")
    with pytest.raises(TranslatorProtocolError, match="not UTF-8 JSON"):
        link.translate("Ja", "de", "bg")


def test_status_line_is_seen_by_the_link(sim):
    link = TranslatorLink(sim.address, timeout_s=2)
    link.connect()
    assert sim.command("cloud") == "mode cloud"
    link.ping()  # the status line arrives before the pong
    assert link.last_status is not None and link.last_status.offline is False


def test_nothing_listening_is_unreachable():
    with pytest.raises(TranslatorUnreachable, match="cannot connect"):
        TranslatorLink("tcp://127.0.0.1:9", timeout_s=0.5).connect()


def test_serial_link_over_a_pseudo_terminal():
    sim = Sim("--pty", "--latency-ms", "20")
    try:
        assert sim.address.startswith("serial:///dev/pts/")
        link = TranslatorLink(sim.address, timeout_s=2)
        hello = link.connect()
        assert hello.offline
        started = time.monotonic()
        assert link.translate("Wo ist das Bürgerbüro?", "de", "ar").text == "أين مكتب المواطنين؟"
        assert time.monotonic() - started >= 0.02  # the simulated latency
        link.close()
        sim.command("fault mute")
        with pytest.raises(TranslatorTimeout):
            TranslatorLink(sim.address, timeout_s=0.3).connect()  # a silent device on a serial line
    finally:
        assert sim.close() == 0


def test_cloud_device_says_so_in_its_hello():
    sim = Sim("--listen", "127.0.0.1:0", "--cloud")
    try:
        hello = TranslatorLink(sim.address, timeout_s=2).connect()
        assert hello.offline is False
    finally:
        sim.close()
