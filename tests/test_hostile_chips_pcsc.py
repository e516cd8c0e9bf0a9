"""Hostile chips over the real stack (pcscd + vpcd + pyscard): each `hostile-*` profile ends within its
budget with CHIP_MISBEHAVES — from `gateway chip read` and from the daemon's Verify — in bounded
memory, and the daemon keeps serving other calls and other readers while one reader holds a chip
that stalls on purpose."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from gateway.client import GatewayClient
from gateway.service.config import ServeConfig
from gateway.verdict import Status
from tests.api_chip_support import PORT, PORT_2, device_id, engine_verifier, profile_card, wait_document
from tests.api_support import DaemonThread
from tests.pcsc_fixtures import pcscd, vpcd_card  # noqa: F401
from tests.verify_support import trust_folder

pytestmark = pytest.mark.pcsc
GATEWAY = str(Path(sys.executable).with_name("gateway"))
HOSTILE = {
    "hostile-6cxx-loop": "MAX_RETRIES_PER_OFFSET",
    "hostile-drip-feed": "MAX_APDUS_PER_READ",
    "hostile-giant-header": "MAX_FILE_BYTES",
    "hostile-giant-card-access": "MAX_FILE_BYTES",
}
#: Memory a `gateway chip read` process may reach on any hostile chip (the issue's bound).
MAX_RSS_MB = 300


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_chip_read_ends_with_chip_misbehaves(vpcd_card, name: str) -> None:  # noqa: F811
    pc = profile_card(name)
    slot = vpcd_card(pc.card, port=PORT_2)
    key = ["--can", pc.can] if pc.can else []
    # Run through a tiny parent that reports the peak memory of that one `gateway chip read` process.
    measure = ("import resource, subprocess, sys; p = subprocess.run(sys.argv[1:]); "
               "sys.stderr.write(f'\\nMAXRSS_KB={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}\\n'); "
               "sys.exit(p.returncode)")
    done = subprocess.run([sys.executable, "-c", measure, GATEWAY, "chip", "read", "--reader", slot.reader,
                           "--mrz", "\n".join(pc.mrz), *key, "--trust", str(trust_folder()), "--json"],
                          capture_output=True, text=True, timeout=120)
    peak_mb = int(done.stderr.rsplit("MAXRSS_KB=", 1)[1].split()[0]) / 1024
    done.stderr = done.stderr.rsplit("\nMAXRSS_KB=", 1)[0]
    assert done.returncode == 7, done.stderr
    assert "behaves as no genuine chip does" in done.stderr.strip()
    report = json.loads(done.stdout)
    access = next(c for c in report["checks"] if c["name"] == "chip_access")
    assert (access["status"], access["reason"]) == ("FAILED", "CHIP_MISBEHAVES")
    assert HOSTILE[name] in access["message"]["en"]
    assert report["verdict"] == "INCONCLUSIVE" and report["files"] == {}
    assert report["apdus"] <= 4096
    assert peak_mb < MAX_RSS_MB


def test_daemon_serves_others_while_one_reader_holds_a_stalling_chip(vpcd_card, pcscd) -> None:  # noqa: F811
    drip = profile_card("hostile-drip-feed")
    genuine = profile_card("td3-bac")
    with DaemonThread(ServeConfig(listen=["127.0.0.1:0"]), engine_verifier(), monitor_pcsc=True) as d, \
            GatewayClient(d.address, timeout=60) as client:
        slow = vpcd_card(drip.card, port=PORT)
        other = vpcd_card(genuine.card, port=PORT_2)
        wait_document(client, device_id(slow.reader))
        wait_document(client, device_id(other.reader))
        result: dict[str, object] = {}

        def hostile_read() -> None:
            result["hostile"] = client.verify(mrz=drip.mrz, use_printed_mrz=True, reader_id=device_id(slow.reader))

        worker = threading.Thread(target=hostile_read)
        started = time.monotonic()
        worker.start()
        time.sleep(0.3)  # the drip-fed read is now under way on its reader
        served = []
        while worker.is_alive() and len(served) < 3:
            served.append(client.verify(mrz=genuine.mrz, use_printed_mrz=True, reader_id=device_id(other.reader)))
            assert client.verify(mrz=genuine.mrz).verdict.status is Status.INCONCLUSIVE  # MRZ only: no chip
        worker.join(120)
        assert not worker.is_alive()
    hostile = result["hostile"]
    assert served and all(r.verdict.status is Status.GENUINE for r in served)
    assert hostile.verdict.status is Status.INCONCLUSIVE
    assert hostile.verdict.get("chip_access").reason == "CHIP_MISBEHAVES"
    assert hostile.apdus <= 4096 and time.monotonic() - started < 60
