"""`gateway-sim chip` as a person runs it: a real process serving a card to pcscd, read with pyscard."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from smartcard.System import readers

from simulators.pcscd import PcscdHandle, wait_card_state

SIM = str(Path(sys.executable).with_name("gateway-sim"))
PORT = 35964


def _start(*args: str) -> subprocess.Popen[str]:
    # A card a previous test served on this slot must be seen gone first, or pcscd may still report
    # the old card as present and route the first APDU to a dead connection.
    from simulators.pcscd import reader_name

    assert wait_card_state(reader_name(PORT), present=False, timeout=10)
    return subprocess.Popen([SIM, "chip", "--port", str(PORT), *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _reader_line(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("reader: "), line + (proc.stderr.read() if proc.poll() is not None else "")
    return line.removeprefix("reader: ").strip()


def _connection(name: str):
    reader = next(r for r in readers() if str(r) == name)
    conn = reader.createConnection()
    conn.connect()
    return conn


def _apdu(conn, hexstr: str) -> tuple[bytes, int]:
    data, sw1, sw2 = conn.transmit(list(bytes.fromhex(hexstr)))
    return bytes(data), (sw1 << 8) | sw2


@pytest.mark.pcsc
def test_pace_only_profile_served_to_pcscd(pcscd: PcscdHandle) -> None:
    if PORT not in pcscd.available_ports():
        pytest.skip(pcscd.why_unavailable(PORT))
    proc = _start("--profile", "td1-eu-pace")
    try:
        name = _reader_line(proc)
        assert name == pcscd.reader_name(PORT)
        assert wait_card_state(name, present=True, timeout=10)
        conn = _connection(name)
        # EF.CardAccess is readable without authentication and announces PACE.
        _, sw = _apdu(conn, "00A4020C02011C")
        assert sw == 0x9000
        data, sw = _apdu(conn, "00B0000000")
        assert sw in (0x9000, 0x6282) and bytes.fromhex("04007F00070202040202") in data
        # PACE only: BAC's GET CHALLENGE is refused, as EU ID cards since 2021 do.
        _, sw = _apdu(conn, "0084000008")
        assert sw in (0x6D00, 0x6A88)
        conn.disconnect()
        # Pull the card, as a person would, and put it back.
        assert proc.stdin is not None
        proc.stdin.write("remove\n")
        proc.stdin.flush()
        assert wait_card_state(name, present=False, timeout=10)
        proc.stdin.write("insert\n")
        proc.stdin.flush()
        assert wait_card_state(name, present=True, timeout=10)
        proc.stdin.write("quit\n")
        proc.stdin.flush()
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.pcsc
def test_quick_card_from_mrz(pcscd: PcscdHandle) -> None:
    if PORT not in pcscd.available_ports():
        pytest.skip(pcscd.why_unavailable(PORT))
    mrz = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
    proc = _start("--mrz", mrz, "--access", "bac")
    try:
        name = _reader_line(proc)
        assert wait_card_state(name, present=True, timeout=10)
        conn = _connection(name)
        _, sw = _apdu(conn, "00A4040C07A0000002471001")
        assert sw == 0x9000
        challenge, sw = _apdu(conn, "0084000008")
        assert sw == 0x9000 and len(challenge) == 8
        # Without secure messaging the application's files stay closed.
        _, sw = _apdu(conn, "00A4020C020101")
        _, sw2 = _apdu(conn, "00B0000004")
        assert 0x6982 in (sw, sw2)
        conn.disconnect()
    finally:
        proc.terminate()
        assert proc.wait(timeout=15) == 0


def test_bad_profile_is_a_one_line_error() -> None:
    p = subprocess.run([SIM, "chip", "--profile", "no-such-profile", "--no-pcscd"], capture_output=True,
                       text=True, timeout=60, check=False)
    assert p.returncode == 2
    assert "no profile" in p.stderr and "Traceback" not in p.stderr


def test_list_profiles_and_help() -> None:
    p = subprocess.run([SIM, "chip", "--list-profiles"], capture_output=True, text=True, timeout=60, check=True)
    names = p.stdout.split()
    assert {"td3-bac", "td1-eu-pace", "td3-pace-bac-ca-aa"} <= set(names)
    h = subprocess.run([SIM, "chip", "--help"], capture_output=True, text=True, timeout=60, check=True)
    for option in ("--profile", "--mrz", "--can", "--access", "--port", "--kbit-s"):
        assert option in h.stdout
    assert "td1-eu-pace" in h.stdout


def test_pki_writes_trust_material(tmp_path: Path) -> None:
    subprocess.run([SIM, "pki", str(tmp_path)], capture_output=True, text=True, timeout=120, check=True)
    assert (tmp_path / "masterlist.ml").stat().st_size > 500
    assert list(tmp_path.glob("csca-*.pem")) and list(tmp_path.glob("crl-*.der"))
