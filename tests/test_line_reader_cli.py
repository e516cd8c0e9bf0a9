"""`gateway-sim mrz-reader` and `gateway mrz listen` / `gateway devices` as real processes against each other."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.framing_frames import TD1, TD2, TD3

BIN = Path(sys.executable).parent
GATEWAY, GATEWAY_SIM = str(BIN / "gateway"), str(BIN / "gateway-sim")
WAIT_S = 10.0  # process start-up on two shared cores
TODAY = "2010-01-01"


class Proc:
    """A child process whose stdout and stderr lines are collected by threads."""

    def __init__(self, *argv: str) -> None:
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, bufsize=1)
        self.out: queue.Queue[str] = queue.Queue()
        self.err: queue.Queue[str] = queue.Queue()
        self.err_lines: list[str] = []
        for stream, q in ((self.p.stdout, self.out), (self.p.stderr, self.err)):
            threading.Thread(target=self._pump, args=(stream, q), daemon=True).start()

    @staticmethod
    def _pump(stream, q) -> None:
        for line in stream:
            q.put(line.rstrip("\n"))

    def line(self, q: queue.Queue[str], contains: str = "", timeout_s: float = WAIT_S) -> str:
        deadline = time.monotonic() + timeout_s
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no line containing {contains!r} within {timeout_s} s; stderr so far: "
                                     f"{self.err_lines}")
            try:
                line = q.get(timeout=left)
            except queue.Empty:
                continue
            if q is self.err:
                self.err_lines.append(line)
            if contains in line:
                return line

    def stdout_line(self, contains: str = "", timeout_s: float = WAIT_S) -> str:
        return self.line(self.out, contains, timeout_s)

    def stderr_line(self, contains: str = "", timeout_s: float = WAIT_S) -> str:
        return self.line(self.err, contains, timeout_s)

    def send(self, text: str) -> None:
        assert self.p.stdin is not None
        self.p.stdin.write(text + "\n")
        self.p.stdin.flush()

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.p.poll() is None:
            self.p.send_signal(sig)
        try:
            return self.p.wait(WAIT_S)
        except subprocess.TimeoutExpired:
            self.p.kill()
            return self.p.wait(WAIT_S)


@pytest.fixture
def start():
    procs: list[Proc] = []

    def _start(*argv: str) -> Proc:
        proc = Proc(*argv)
        procs.append(proc)
        return proc

    yield _start
    for proc in reversed(procs):
        proc.stop()


def sim(start, tmp_path: Path, framing: str, *extra: str) -> tuple[Proc, Path]:
    link = tmp_path / f"gateway-mrz-{framing}"
    proc = start(GATEWAY_SIM, "mrz-reader", "--framing", framing, "--link", str(link), *extra)
    proc.stdout_line("pty: /dev/pts/")
    assert proc.stdout_line("link:") == f"link: {link}"
    return proc, link


def mrz_text(lines) -> str:
    return "\n".join(lines)


def test_listen_survives_unplug_and_replug_and_reports_every_fault(start, tmp_path):
    reader, link = sim(start, tmp_path, "desko", "--mrz", mrz_text(TD3), "--seed", "5")
    listen = start(GATEWAY, "mrz", "listen", "--device", f"serial:{link}", "--json", "--today", TODAY)
    listen.stderr_line("reader attached")

    reader.send("swipe")
    first = json.loads(listen.stdout_line())
    assert first["valid"] and first["lines"] == list(TD3) and first["corrections"] == []
    assert "framing detected: cute" in listen.stderr_line("framing")

    reader.send("swipe misread")  # 0 read as O in the birth date: corrected like an OCR misread
    corrected = json.loads(listen.stdout_line())
    assert corrected["valid"] and corrected["corrections"] == [
        {"line": 2, "position": 16, "from": "O", "to": "0", "checked": True}]

    reader.send("unplug")
    listen.stderr_line("reader detached")
    listen.stderr_line("waiting for the reader")
    reader.send("replug")
    reader.stdout_line("replugged")
    listen.stderr_line("reader attached")
    reader.send("swipe garbage split")
    assert json.loads(listen.stdout_line())["valid"]

    reader.send("swipe truncate")
    assert "TRUNCATED" in listen.stderr_line("frame error")
    assert json.loads(listen.stdout_line())["valid"]

    reader.send("longline")  # 1 MB line: discarded with an error, the listener keeps going
    assert "OVERSIZE" in listen.stderr_line("frame error", timeout_s=20)
    reader.send("swipe")
    assert json.loads(listen.stdout_line(timeout_s=20))["valid"]

    os.kill(reader.p.pid, signal.SIGUSR1)  # a swipe by signal
    assert json.loads(listen.stdout_line())["valid"]
    assert listen.stop(signal.SIGTERM) == 0
    assert listen.p.poll() == 0
    everything = " ".join(listen.err_lines)
    for secret in ("ERIKSSON", "L898902C3", "7408122"):
        assert secret not in everything  # stderr carries no MRZ text


@pytest.mark.parametrize(("framing", "lines"), [("3m", TD1), ("accessis", TD2), ("plain", TD3)])
def test_listen_to_each_framing_with_count(start, tmp_path, framing, lines):
    _reader, link = sim(start, tmp_path, framing, "--mrz", mrz_text(lines), "--every", "0.3")
    listen = start(GATEWAY, "mrz", "listen", "--device", f"serial:{link}", "--json", "--today", TODAY,
                   "--count", "2", "--framing", "auto")
    got = [json.loads(listen.stdout_line()), json.loads(listen.stdout_line())]
    assert [g["lines"] for g in got] == [list(lines)] * 2
    assert listen.p.wait(WAIT_S) == 0  # --count reached


def test_bad_bcc_and_wrong_baud_are_errors_not_mrzs(start, tmp_path):
    reader, link = sim(start, tmp_path, "3m", "--profile", "td1-eu-pace")
    listen = start(GATEWAY, "mrz", "listen", "--device", f"serial:{link}", "--framing", "3m")
    listen.stderr_line("reader attached")
    reader.send("swipe bad-bcc")
    assert "BAD_BCC" in listen.stderr_line("frame error")
    for _ in range(6):
        reader.send("swipe wrong-baud")
    listen.stderr_line("reader degraded")
    reader.send("swipe")
    first = listen.stdout_line()  # the first stdout line of all: the bad frames printed nothing there
    assert first == "TD1  VALID"  # the text rendering of `gateway mrz check`
    assert listen.stdout_line().split()[:3] == ["document", "ID", "BGR"]


def test_listen_with_a_configured_device(start, tmp_path):
    _reader, link = sim(start, tmp_path, "desko", "--profile", "td3-bac", "--every", "0.3")
    config = tmp_path / "gateway.toml"
    config.write_text(f'[[devices]]\nid = "desk1-mrz"\ndesk = "desk1"\ndriver = "serial"\nport = "{link}"\n'
                      f'framing = "desko"\n')
    listen = start(GATEWAY, "mrz", "listen", "--device", "desk1-mrz", "--config", str(config), "--json",
                   "--count", "1")
    got = json.loads(listen.stdout_line())  # profile td3-bac expires in 2034: valid today
    assert got["format"] == "TD3" and got["valid"] and got["fields"]["document_number"] == "L898902C3"
    assert listen.p.wait(WAIT_S) == 0


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GATEWAY, *args], capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize(("device", "message"), [
    ("serial:/dev/null", "not a terminal"),
    ("serial:{tmp}/file", "is a regular file, not a serial port"),
    ("hid:xyz", "hid: needs vendor and product ids"),
    ("desk1", "--device ID needs --config"),
])
def test_listen_bad_input_is_one_line_exit_2(tmp_path, device, message):
    (tmp_path / "file").write_text("x")
    p = run("mrz", "listen", "--device", device.format(tmp=tmp_path))
    assert p.returncode == 2 and message in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr


def test_listen_unknown_device_in_config(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('[[devices]]\nid = "chip"\npcsc_reader = "R"\n')
    p = run("mrz", "listen", "--device", "chip", "--config", str(config))
    assert p.returncode == 2 and "is not a line reader" in p.stderr
    p = run("mrz", "listen", "--device", "nope", "--config", str(config))
    assert p.returncode == 2 and "no device 'nope'" in p.stderr


def test_listen_waits_for_a_port_that_is_not_there_yet(start, tmp_path):
    link = tmp_path / "gateway-mrz-late"
    listen = start(GATEWAY, "mrz", "listen", "--device", f"serial:{link}", "--json", "--count", "1")
    assert "does not exist" in listen.stderr_line("waiting for the reader")
    reader = start(GATEWAY_SIM, "mrz-reader", "--framing", "plain", "--link", str(link), "--every", "0.3")
    reader.stdout_line("link:")
    assert json.loads(listen.stdout_line())["valid"]


def test_gateway_devices_nothing_attached_real_libusb_and_list_ports(tmp_path):
    import serial.tools.list_ports
    import usb.core

    p = run("devices", "--json", "--scan", str(tmp_path / "nothing*"))
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert report["configured"] == []
    assert sorted(os.path.realpath(x["device"]) for x in report["serial_ports"]) == sorted(
        os.path.realpath(x.device) for x in serial.tools.list_ports.comports())  # by-id names resolve to these
    hid_now = [(d.idVendor, d.idProduct, i.bInterfaceNumber) for d in usb.core.find(find_all=True)
               for c in d for i in c if i.bInterfaceClass == 3 and i.bAlternateSetting == 0]
    assert sorted((x["vendor_id"], x["product_id"], x["interface"]) for x in report["usb_hid"]) == sorted(hid_now)
    assert report["usb_error"] is None
    text = run("devices", "--scan", str(tmp_path / "nothing*"))
    assert text.returncode == 0 and "Configured devices (no config file):" in text.stdout


def test_gateway_devices_sees_the_simulator(start, tmp_path):
    _reader, link = sim(start, tmp_path, "desko")
    p = run("devices", "--scan", str(tmp_path / "gateway-mrz*"), "--no-usb")
    assert p.returncode == 0, p.stderr
    assert f"{link} -> /dev/pts/" in p.stdout and "pseudo-terminal" in p.stdout
    assert f'port = "{link}"' in p.stdout and 'driver = "serial"' in p.stdout
    config = tmp_path / "gateway.toml"
    config.write_text(p.stdout.split("set id and desk:", 1)[1])  # paste the block as it is printed
    p = run("devices", "--config", str(config), "--scan", str(tmp_path / "gateway-mrz*"), "--no-usb")
    assert p.returncode == 0, p.stderr
    assert "attached - terminal device /dev/pts/" in p.stdout and "configured as mrz-gateway-mrz-desko" in p.stdout
    assert "set id and desk" not in p.stdout  # nothing left to configure


def test_gateway_devices_bad_config(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('[[devices]]\nid = "x"\ndriver = "serial"\n')
    p = run("devices", "--config", str(config))
    assert p.returncode == 2 and "port must be a device path" in p.stderr


def test_simulator_refuses_a_fault_that_does_not_apply(tmp_path):
    p = subprocess.run([GATEWAY_SIM, "mrz-reader", "--framing", "desko", "--fault", "bad-bcc", "--link",
                        str(tmp_path / "l")], capture_output=True, text=True, timeout=60, check=False)
    assert p.returncode == 2 and "bad-bcc needs the 3m framing" in p.stderr


def test_serve_runs_the_configured_line_reader_and_verify_takes_its_swipe(start, tmp_path):
    """The desk as processes: `gateway-sim mrz-reader`, `gateway serve --config`, `gateway verify
    --device-mrz` - the swipe's misread is corrected and shown to the person at the desk."""
    reader, link = sim(start, tmp_path, "3m", "--mrz", mrz_text(TD1))
    config = tmp_path / "gateway.toml"
    config.write_text(f'[server]\nlisten = ["127.0.0.1:0"]\n\n[[devices]]\nid = "desk1-mrz"\ndesk = "desk1"\n'
                      f'driver = "serial"\nport = "{link}"\n')
    serve = start(GATEWAY, "serve", "--config", str(config), "--log-level", "info")
    address = serve.stderr_line("gateway: serving on").split("serving on ", 1)[1].strip()
    verify = start(GATEWAY, "verify", "--server", address, "--reader", "desk1", "--device-mrz", "--mrz-only",
                   "--progress", "--timeout", "20", "--today", TODAY)
    assert "swipe the document on desk1-mrz" in verify.stderr_line("swipe the document")
    reader.send("swipe misread")
    assert "1 character(s) corrected" in verify.stderr_line("MRZ read by desk1-mrz")
    assert verify.p.wait(WAIT_S) == 3  # INCONCLUSIVE: MRZ only
    assert "confirmed by check digits" in verify.stdout_line("MRZ corrected")
    assert serve.stop() == 0
