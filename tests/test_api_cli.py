"""`gateway verify` as a user runs it (the installed console script) against a daemon on a real socket:
exit codes, the JSON contract shared with `gateway chip read --json`, errors as one line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.service.config import ServeConfig
from tests.api_chip_support import PORT, device_id, engine_verifier, profile_card, wait_document
from tests.api_support import DaemonThread
from tests.pcsc_fixtures import pcscd, vpcd_card  # noqa: F401

GATEWAY = str(Path(sys.executable).with_name("gateway"))
TD3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
CHIP_READ_KEYS = {"reader", "access", "files", "absent", "denied", "mrz", "face_image", "apdus", "bytes", "quirks",
                  "timings", "reading", "warnings"}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GATEWAY, *args], capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture(scope="module")
def daemon():
    with DaemonThread() as d:
        yield d


def test_mrz_only_json_and_exit_code(daemon):
    p = run("verify", "--server", daemon.address, "--mrz-only", "--mrz", TD3, "--today", "2010-01-01", "--json")
    assert p.returncode == 3, p.stderr  # INCONCLUSIVE: the chip was not read
    out = json.loads(p.stdout)
    assert set(out) == CHIP_READ_KEYS | {"printed_mrz", "verdict", "checks"}
    assert out["verdict"] == "INCONCLUSIVE" and out["mrz"] is None and out["files"] == {}
    assert out["printed_mrz"]["fields"]["document_number"] == "L898902C3"
    assert {c["name"] for c in out["checks"]} >= {"mrz_check_digits", "sod_signature"}
    assert out["checks"][0]["message"].keys() == {"en", "de"}


def test_errors_are_one_line_with_the_field(daemon):
    p = run("verify", "--server", daemon.address, "--can", "12x")
    assert p.returncode == 2
    assert p.stderr.count("\n") == 1 and "chip_access.can" in p.stderr and "INVALID_ARGUMENT" in p.stderr
    p = run("verify", "--server", "127.0.0.1:1", "--mrz-only", "--mrz", TD3, "--timeout", "1")
    assert p.returncode == 2 and p.stderr.startswith("gateway verify: UNAVAILABLE")


@pytest.mark.pcsc
def test_chip_json_has_the_shape_of_chip_read(vpcd_card, pcscd):  # noqa: F811
    pc = profile_card("td3-bac")
    slot = vpcd_card(pc.card, port=PORT)
    with DaemonThread(ServeConfig(listen=["127.0.0.1:0"]), engine_verifier(), monitor_pcsc=True) as d:
        from gateway.client import GatewayClient

        with GatewayClient(d.address) as client:
            wait_document(client, device_id(slot.reader))
        p = run("verify", "--server", d.address, "--reader", device_id(slot.reader), "--mrz", "\n".join(pc.mrz),
                "--json")
        assert p.returncode == 0, p.stderr  # GENUINE
        verified = json.loads(p.stdout)
    read = run("chip", "read", "--reader", slot.reader, "--mrz", "\n".join(pc.mrz), "--json")
    assert read.returncode == 0, read.stderr
    chip = json.loads(read.stdout)
    assert set(chip) - {"verification", "trust"} == set(verified)
    for key in ("access", "files", "absent", "denied", "mrz", "face_image"):
        assert verified[key] == chip[key], key
    assert set(verified["bytes"]) == set(chip["bytes"]) and set(verified["reading"]) == set(chip["reading"])
    assert verified["verdict"] == "GENUINE"
