"""The serial line reader driver over real pseudo-terminals, with the simulator's faults."""

from __future__ import annotations

import datetime as dt
import logging
import time

import pytest

from gateway.drivers.byte_source import NOT_A_TTY, NOT_FOUND
from gateway.drivers.line_events import (
    DEGRADED,
    NOISE,
    OK,
    UNAVAILABLE,
    FrameProblem,
    HealthChanged,
    MRZRead,
    ReaderAttached,
    ReaderUnavailable,
)
from gateway.drivers.line_reader import LineReader, MRZMailbox
from gateway.drivers.serial_port import SerialSettings, SerialSource
from gateway.framing import Timing
from simulators.linereader import faults, frames
from simulators.linereader.pty_port import PtyPort
from tests.framing_frames import DE_ID, TD1, TD2, TD3
from tests.line_reader_support import collect, drain, kind, names

TODAY = dt.date(2010, 1, 1)  # the specimens' expiry dates lie after it


@pytest.fixture
def port(tmp_path):
    p = PtyPort(tmp_path / "mrz0")
    p.plug()
    yield p
    p.unplug()


@pytest.fixture
def reader(port):
    r = LineReader("desk1-mrz", SerialSource(SerialSettings(port=str(port.link))), retry_s=0.05,
                   today=lambda: TODAY, timing=Timing(max_gap_s=0.5))
    stream = r.subscribe()
    r.start()
    collect(stream, kind("ReaderAttached"))
    yield r, stream
    r.stop()


@pytest.mark.parametrize(("framing", "lines", "detected"), [
    ("desko", TD3, "cute"), ("accessis", TD2, "cute"), ("3m", TD1, "3m"), ("3m", TD3, "3m"), ("plain", DE_ID, "plain"),
])
def test_each_framing_over_a_real_pty(port, reader, framing, lines, detected):
    r, stream = reader
    port.play(faults.swipe(framing, lines))
    events = collect(stream, kind("MRZRead"))
    assert ("FramingChosen", detected) in [(type(e).__name__, getattr(e, "framing", None)) for e in events]
    read = events[-1]
    assert read.result.valid and read.result.lines == lines and read.framing == detected
    assert r.mailbox.latest() is read
    assert r.status().framing == detected and r.status().reads == 1


def test_misread_is_corrected_by_the_check_digits(port, reader):
    _r, stream = reader
    port.play(faults.swipe("desko", TD3, ["misread"]))
    read = collect(stream, kind("MRZRead"))[-1]
    assert read.result.valid
    assert [(c.from_char, c.to_char, c.checked) for c in read.result.corrections] == [("O", "0", True)]
    assert read.result.fields["birth_date"] == "1974-08-12"


@pytest.mark.parametrize("fault", ["garbage", "split", "truncate"])
def test_recoverable_faults_still_deliver_the_mrz(port, reader, fault):
    _r, stream = reader
    port.play(faults.swipe("3m", TD3, [fault]))
    read = collect(stream, kind("MRZRead"))[-1]
    assert read.result.valid and read.result.lines == TD3


def test_short_pause_mid_frame_is_tolerated_long_pause_drops_the_frame(port, reader):
    _r, stream = reader
    port.play(faults.swipe("desko", TD3, ["pause"], pause_s=0.15))
    assert collect(stream, kind("MRZRead"))[-1].result.valid
    port.play(faults.swipe("desko", TD3, ["pause"], pause_s=1.0))  # the reader's limit is 0.5 s here
    events = collect(stream, kind("FrameProblem"))
    assert events[-1].code == "TIMEOUT"
    assert "MRZRead" not in names(events + drain(stream))
    port.play(faults.swipe("desko", TD3))  # the next document reads
    assert collect(stream, kind("MRZRead"))[-1].result.valid


def test_bad_bcc_is_reported_and_never_an_mrz(port, reader):
    r, stream = reader
    port.play(faults.swipe("3m", TD3, ["bad-bcc"]))
    events = collect(stream, kind("FrameProblem"))
    assert events[-1].code == "BAD_BCC"
    assert "MRZRead" not in names(events + drain(stream))
    assert r.mailbox.latest() is None


def test_wrong_baud_rate_degrades_health_and_a_good_frame_restores_it(port, reader):
    r, stream = reader
    for _ in range(8):
        port.play(faults.swipe("desko", TD3, ["wrong-baud"]))
    events = collect(stream, lambda e: isinstance(e, HealthChanged) and e.state == DEGRADED)
    assert events[-1].reason in (NOISE, "FRAME_ERRORS")
    assert "MRZRead" not in names(events)
    assert r.status().state == DEGRADED
    port.play(faults.swipe("desko", TD3))
    events = collect(stream, lambda e: isinstance(e, HealthChanged) and e.state == OK)
    assert "MRZRead" in names(events)


def test_flood_and_one_megabyte_line_leave_the_reader_working(port, reader):
    r, stream = reader
    port.play(faults.swipe("desko", TD3))  # lock the framing first
    collect(stream, kind("MRZRead"))
    port.write(frames.long_line("desko"))
    port.write(faults.noise(__import__("random").Random(1), 200_000))
    port.play(faults.swipe("desko", TD3))
    events = collect(stream, kind("MRZRead"), timeout_s=20)
    assert "OVERSIZE" in [e.code for e in events if isinstance(e, FrameProblem)]
    assert r.status().noise_bytes > 1_000_000
    assert events[-1].result.valid


def test_unplug_and_replug(port, reader):
    r, stream = reader
    port.unplug()
    events = collect(stream, lambda e: isinstance(e, ReaderUnavailable))
    assert names(events).index("ReaderDetached") < len(events) - 1 and events[-1].code == NOT_FOUND
    assert r.status().state == UNAVAILABLE and not r.status().attached
    port.plug()
    collect(stream, kind("ReaderAttached"))
    port.play(faults.swipe("plain", TD1))  # another reader model on the same port: detected afresh
    read = collect(stream, kind("MRZRead"))[-1]
    assert read.result.lines == TD1 and r.status().attached and r.status().state == OK


def test_unplug_mid_frame_reports_truncated_and_loses_nothing_after(port, reader):
    _r, stream = reader
    frame = frames.desko(TD3)
    port.write(frame[:40])
    time.sleep(0.1)
    port.unplug()
    events = collect(stream, kind("ReaderDetached"))
    assert "TRUNCATED" in [e.code for e in events if isinstance(e, FrameProblem)]
    port.plug()
    collect(stream, kind("ReaderAttached"))
    port.play(faults.swipe("desko", TD3))
    assert collect(stream, kind("MRZRead"))[-1].result.valid


def test_port_that_appears_later(tmp_path):
    link = tmp_path / "later"
    r = LineReader("x", SerialSource(SerialSettings(port=str(link))), retry_s=0.05)
    stream = r.subscribe()
    with r:
        assert collect(stream, kind("ReaderUnavailable"))[-1].code == NOT_FOUND
        p = PtyPort(link)
        p.plug()
        try:
            collect(stream, kind("ReaderAttached"))
        finally:
            p.unplug()


@pytest.mark.parametrize("make", ["regular file", "/dev/null", "directory"])
def test_a_path_that_is_not_a_tty_is_a_clear_error(tmp_path, make):
    if make == "regular file":
        path = tmp_path / "not-a-port"
        path.write_text("hello")
    elif make == "directory":
        path = tmp_path
    else:
        path = make
    r = LineReader("x", SerialSource(SerialSettings(port=str(path))), retry_s=0.05)
    stream = r.subscribe()
    with r:
        event = collect(stream, kind("ReaderUnavailable"))[-1]
    assert event.code == NOT_A_TTY
    assert "not a" in event.message and str(path) in event.message
    status = r.status()
    assert (status.state, status.reason) == (UNAVAILABLE, NOT_A_TTY)


def test_no_mrz_text_reaches_logs_or_event_reprs(port, reader, caplog):
    _r, stream = reader
    caplog.set_level(logging.DEBUG)
    port.play(faults.swipe("desko", TD3, ["misread"]))
    events = collect(stream, kind("MRZRead"))
    port.play(faults.swipe("desko", TD3, ["truncate"]))
    events += collect(stream, kind("MRZRead"))
    text = caplog.text + " ".join(repr(e) for e in events) + " ".join(str(e) for e in events)
    for secret in ("ERIKSSON", "L898902C3", "740812", "ANNA"):
        assert secret not in text


def test_mailbox_take_and_wait_next(port, reader):
    r, stream = reader
    port.play(faults.swipe("desko", TD3))
    first = collect(stream, kind("MRZRead"))[-1]
    assert r.mailbox.take(max_age_s=10) is first
    assert r.mailbox.take() is None  # one swipe serves one verification
    seq = r.mailbox.seq
    t0 = time.monotonic()
    assert r.mailbox.wait_next(0.2, after_seq=seq) is None
    assert time.monotonic() - t0 >= 0.2

    import threading

    got: list = []
    waiter = threading.Thread(target=lambda: got.append(r.mailbox.wait_next(5, after_seq=seq, consume=True)))
    waiter.start()
    time.sleep(0.1)
    port.play(faults.swipe("desko", TD2))
    waiter.join(6)
    assert got and got[0].result.lines == TD2 and got[0].seq == seq + 1
    assert r.mailbox.latest() is None  # consumed


def test_mailbox_forgets_old_reads():
    clock = [100.0]
    box = MRZMailbox(retain_s=60, clock=lambda: clock[0])
    from gateway.mrz import check

    read = MRZRead("d", check(list(TD3)), "cute", 1, 100.0)
    box.put(read)
    clock[0] = 130.0
    assert box.latest(max_age_s=20) is None and box.latest() is read
    clock[0] = 161.0
    assert box.latest() is None  # retention over: forgotten, not only hidden
    clock[0] = 100.0
    assert box.latest() is None


def test_event_stream_of_a_slow_consumer_drops_oldest(port, tmp_path):
    r = LineReader("x", SerialSource(SerialSettings(port=str(port.link))), retry_s=0.05, today=lambda: TODAY)
    slow = r.subscribe(maxsize=3)
    fast = r.subscribe()
    with r:
        collect(fast, kind("ReaderAttached"))
        for _ in range(4):
            port.play(faults.swipe("desko", TD3))
        for _ in range(4):
            collect(fast, kind("MRZRead"))
    assert slow.lost > 0
    assert len(drain(slow, 0.05)) <= 3


def test_event_callback_failure_does_not_stop_the_reader(port):
    calls = []

    def consumer(event):
        calls.append(event)
        raise RuntimeError("consumer bug")

    r = LineReader("x", SerialSource(SerialSettings(port=str(port.link))), retry_s=0.05, on_event=consumer,
                   today=lambda: TODAY)
    stream = r.subscribe()
    with r:
        collect(stream, kind("ReaderAttached"))
        port.play(faults.swipe("desko", TD3))
        collect(stream, kind("MRZRead"))
    assert any(isinstance(e, MRZRead) for e in calls)
    assert any(isinstance(e, ReaderAttached) for e in calls)
