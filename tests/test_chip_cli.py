"""`gateway chip read` as a user runs it: a real process, a virtual card in a real pcscd slot, exit
codes, one-line reasons, and the JSON contract (the `mrz` object is `gateway mrz check --json`'s)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.drivers.pcsc import first_reader_with_card
from gateway.mrz import check
from gateway.nfc.lds import parse_dg2
from simulators.chip.lds_builder import mrz_lines
from tests import pcsc_fixtures
from tests.chip_read_helpers import document, expected_file, put_back_when_pulled, virtual_card

pcscd = pcsc_fixtures.pcscd  # fixtures (until conftest.py imports them)
vpcd_card = pcsc_fixtures.vpcd_card

GATEWAY = str(Path(sys.executable).with_name("gateway"))
PORT = 35964  # the API tests use 35965/35966


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GATEWAY, "chip", *args], capture_output=True, text=True, timeout=timeout, check=False)


def _mrz(name: str) -> str:
    profile, _ = document(name)
    return "\n".join(mrz_lines(profile))


def _one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


# --- without a card: argument errors --------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("read",),  # no key
        ("read", "--can", "12345"),
        ("read", "--can", "123456", "--mrz", "P<UTO"),
        ("read", "--doc-number", "L898902C3", "--birth", "740812"),
        ("read", "--doc-number", "L898902C3", "--birth", "7408", "--expiry", "120415"),
        ("read", "--mrz", "NOT AN MRZ"),
        ("read", "--can", "123456", "--files", "dg1,dg99"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args: tuple[str, ...]) -> None:
    p = run(*args)
    assert p.returncode == 2
    line = _one_line(p.stderr)
    assert "L898902C3" not in line and "740812" not in line


# --- with a card in a real pcscd slot -----------------------------------------------------------


@pytest.mark.pcsc
def test_read_json_with_mrz_and_saved_face(vpcd_card, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    name = "td3-bac"
    sim = vpcd_card(virtual_card(name), port=PORT)
    face_path = tmp_path / "face.jpg"
    p = run("read", "--reader", sim.reader, "--mrz", _mrz(name), "--json", "--save-face", str(face_path))
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert report["access"] == {"protocol": "BAC", "algorithm": None, "password": "MRZ"}
    assert report["files"] == {f: len(expected_file(name, f)) for f in ("EF.COM", "DG1", "DG2", "EF.SOD")}
    lines = mrz_lines(document(name)[0])
    assert report["mrz"] == check(lines, autocorrect=False).to_dict()  # the `gateway mrz check --json` object
    face = parse_dg2(expected_file(name, "DG2")).face
    assert report["face_image"]["format"] == "JPEG" and report["face_image"]["bytes"] == len(face.image)
    assert report["face_image"]["width"] > 0 and report["face_image"]["height"] > 0
    assert face_path.read_bytes() == face.image
    assert report["apdus"] == 8
    assert report["timings"]["total"] > 0 and {"access", "read"} <= set(report["timings"])
    assert p.stderr == ""


@pytest.mark.pcsc
def test_pace_only_card_with_can_and_the_first_reader_holding_a_card(vpcd_card) -> None:  # type: ignore[no-untyped-def]
    name = "td1-eu-pace"
    sim = vpcd_card(virtual_card(name), port=PORT)
    if first_reader_with_card() != sim.reader:
        pytest.skip("another card sits in an earlier reader slot (a parallel test run?)")
    p = run("read", "--can", document(name)[1].can or "", "--json")
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert report["access"]["algorithm"] == "PACE-ECDH-GM-AES-128"
    assert report["access"]["password"] == "CAN"
    assert report["mrz"]["fields"]["document_number"] == "643215987"
    assert "face_image" in report and "saved_to" not in report["face_image"]


@pytest.mark.pcsc
def test_human_output_and_field_arguments(vpcd_card) -> None:  # type: ignore[no-untyped-def]
    sim = vpcd_card(virtual_card("td3-pace-bac-ca-aa"), port=PORT)
    p = run("read", "--reader", sim.reader, "--doc-number", "C01X00T47", "--birth", "640812",
            "--expiry", "311031", "--files", "dg11,dg12")
    assert p.returncode == 0, p.stderr
    assert "PACE (PACE-ECDH-GM-AES-128, MRZ)" in p.stdout and "DG1 93 B" in p.stdout
    assert "DG11 " in p.stdout and "DG2 " in p.stdout  # the files asked for, besides the default ones
    assert "verdict" in p.stdout and "NO_TRUST_STORE" not in p.stdout  # messages, not codes


@pytest.mark.pcsc
def test_wrong_key_exits_4(vpcd_card) -> None:  # type: ignore[no-untyped-def]
    sim = vpcd_card(virtual_card("td3-bac"), port=PORT)
    p = run("read", "--reader", sim.reader, "--doc-number", "L898902C3", "--birth", "740812", "--expiry", "340416")
    assert p.returncode == 4
    line = _one_line(p.stderr)
    assert "refused BAC" in line and "L898902C3" not in line
    assert p.stdout == ""


@pytest.mark.pcsc
def test_untrusted_session_exits_6_without_data(vpcd_card) -> None:  # type: ignore[no-untyped-def]
    name = "quirk-wrong-mac-sod"
    sim = vpcd_card(virtual_card(name), port=PORT)
    p = run("read", "--reader", sim.reader, "--mrz", _mrz(name), "--json")
    assert p.returncode == 6
    assert "secure messaging" in _one_line(p.stderr)
    report = json.loads(p.stdout)  # the verdict says why; nothing read in that session is handed out
    assert report["files"] == {} and report["mrz"] is None and report["face_image"] is None
    assert report["verdict"] == "INCONCLUSIVE"
    assert {c["name"]: c["reason"] for c in report["checks"]}["chip_access"] == "SM_FAILURE"


@pytest.mark.pcsc
def test_card_pulled_exits_5_and_waiting_for_it_succeeds(vpcd_card) -> None:  # type: ignore[no-untyped-def]
    name = "quirk-pulled-mid-dg2"
    sim = vpcd_card(virtual_card(name, no_extended_length=True), port=PORT)
    p = run("read", "--reader", sim.reader, "--mrz", _mrz(name))
    assert p.returncode == 5
    assert "removed" in _one_line(p.stderr) and "DG2" in p.stderr
    # The card slips off again (a fresh card object with the same fault) and is put back while the
    # command waits for it.
    sim.slot.card = virtual_card(name, no_extended_length=True)
    sim.insert()
    put_back_when_pulled(lambda: not sim.slot.connected, sim.slot.insert, timeout=30)
    p = run("read", "--reader", sim.reader, "--mrz", _mrz(name), "--json", "--wait", "10")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["reading"]["recoveries"] == 1
    assert "put it back" in p.stderr


@pytest.mark.pcsc
def test_no_card_exits_3(pcscd) -> None:  # type: ignore[no-untyped-def]
    reader = pcscd.reader_name(PORT)
    if pcscd.why_unavailable(PORT):
        pytest.skip(pcscd.why_unavailable(PORT))
    p = run("read", "--reader", reader, "--can", "123456")
    assert p.returncode == 3
    assert "no card" in _one_line(p.stderr)
