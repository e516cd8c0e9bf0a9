"""Every simulator profile verified through the daemon, end to end: gRPC over TCP -> daemon -> PC/SC
driver -> pcscd -> vpcd -> virtual chip, with the simulator PKI's trust store. Each profile must give
the documented verdict and, where it is not GENUINE, the right check with the right reason — and
`gateway chip read` on the same card must give exactly the same checks (one pipeline, two callers)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from gateway.client import GatewayClient
from gateway.service.config import ServeConfig
from gateway.verdict import CHECK_NAMES, CheckStatus
from simulators.chip.profile import list_profiles
from simulators.pcscd import wait_card_state
from tests.api_chip_support import PORT, device_id, engine_verifier, profile_card, wait_document
from tests.api_support import DaemonThread
from tests.expected_verdicts import EXPECTED, EXPECTED_QUIRKS
from tests.pcsc_fixtures import pcscd, vpcd_card  # noqa: F401
from tests.verify_support import trust_folder

pytestmark = pytest.mark.pcsc
GATEWAY = str(Path(sys.executable).with_name("gateway"))



@pytest.fixture(scope="module")
def client():
    with DaemonThread(ServeConfig(listen=["127.0.0.1:0"]), engine_verifier(), monitor_pcsc=True) as d, \
            GatewayClient(d.address, timeout=30) as c:
        yield c


def test_every_shipped_profile_has_an_expected_verdict():
    assert set(list_profiles()) == set(EXPECTED)


def _put_back_when_pulled(slot, done: threading.Event) -> None:
    """A user putting the card back after it slipped off the reader."""
    if wait_card_state(slot.reader, False, 20) and not done.is_set():
        slot.insert()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_profile_verdict_through_the_daemon(name, vpcd_card, client, pcscd):  # noqa: F811
    pc = profile_card(name)
    slot = vpcd_card(pc.card, port=PORT)
    reader = device_id(slot.reader)
    wait_document(client, reader)
    done = threading.Event()
    helper = None
    if name == "quirk-pulled-mid-dg2":
        helper = threading.Thread(target=_put_back_when_pulled, args=(slot, done), daemon=True)
        helper.start()
    try:
        access = {"can": pc.can} if pc.can and name.startswith("td1") else {"use_printed_mrz": True}
        result = client.verify(mrz=pc.mrz, reader_id=reader, **access)
    finally:
        done.set()
    status, check_name, reason = EXPECTED[name]
    summary = [(c.name, c.status.value, c.reason) for c in result.verdict.checks]
    assert result.verdict.status is status, summary
    assert [c.name for c in result.verdict.checks] == list(CHECK_NAMES)
    if check_name is not None:
        c = result.verdict.get(check_name)
        assert c.status is not CheckStatus.PASSED and c.reason == reason, summary
    matches = result.verdict.get("mrz_matches_chip").status
    if name == "fault-tampered-dg":  # DG1 was altered after signing: it no longer matches the page
        assert matches is CheckStatus.FAILED, summary
    elif name != "quirk-wrong-mac-sod" and not name.startswith("hostile-"):  # nothing kept from those reads
        assert matches is CheckStatus.PASSED, summary
    if name == "quirk-pulled-mid-dg2":
        assert result.reading.recoveries >= 1
    if access.get("can"):
        assert result.access.password == "CAN"

    # The CLI on the same card (a fresh one: the same profile, its one-shot faults armed again).
    slot.slot.card = profile_card(name).card
    done.clear()
    if name == "quirk-pulled-mid-dg2":
        threading.Thread(target=_put_back_when_pulled, args=(slot, done), daemon=True).start()
    key = ["--can", pc.can] if access.get("can") else []
    try:
        cli = subprocess.run([GATEWAY, "chip", "read", "--reader", slot.reader, "--mrz", "\n".join(pc.mrz), *key,
                              "--trust", str(trust_folder()), "--wait", "10", "--json"],
                             capture_output=True, text=True, timeout=90, check=False)
    finally:
        done.set()
    assert cli.returncode in (0, 6, 7), cli.stderr  # 6: SM failure, 7: a chip that misbehaves
    report = json.loads(cli.stdout)
    assert report["verdict"] == result.verdict.status.value
    assert [(c["name"], c["status"], c["reason"], c["decisive"]) for c in report["checks"]] == [
        (c.name, c.status.value, c.reason, c.decisive) for c in result.verdict.checks]
    assert [q["code"] for q in report["quirks"]] == [q.code for q in result.quirks]
    if name in EXPECTED_QUIRKS:  # the quirk is named, in both languages, and changed nothing
        quirk = next(q for q in report["quirks"] if q["code"] == EXPECTED_QUIRKS[name])
        assert quirk["message"]["en"] and quirk["message"]["de"]
