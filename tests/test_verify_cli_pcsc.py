"""`gateway chip read --trust` as a user runs it: the installed console script, a simulated card
behind pcscd + vpcd, the simulator's master list / CSCA / CRL folder as trust material."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from simulators.chip.card import VirtualCard
from simulators.chip.lds_builder import mrz_lines
from simulators.chip.profile import load_profile
from tests import pcsc_fixtures
from tests.verify_support import document, trust_folder

pcscd = pcsc_fixtures.pcscd
vpcd_card = pcsc_fixtures.vpcd_card
pytestmark = pytest.mark.pcsc

GATEWAY = str(Path(sys.executable).with_name("gateway"))
PORT = 35964


def _run(sim, profile: str, *extra: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    mrz = "\n".join(mrz_lines(load_profile(profile)))
    return subprocess.run(
        [GATEWAY, "chip", "read", "--reader", sim.reader, "--mrz", mrz, "--trust", str(trust_folder()), *extra],
        capture_output=True, text=True, timeout=60, check=False,
    )


@pytest.mark.parametrize(("profile", "verdict", "check", "reason"), [
    ("td3-pace-bac-ca-aa", "GENUINE", "chip_authentication", "CA_VERIFIED"),
    ("fault-cloned-aa", "NOT_GENUINE", "active_authentication", "AA_SIGNATURE_INVALID"),
    ("fault-unknown-csca", "INCONCLUSIVE", "certificate_chain", "NO_TRUST_ANCHOR"),
])
def test_chip_read_prints_verdict_and_checks(vpcd_card, profile: str, verdict: str, check: str,  # type: ignore[no-untyped-def]
                                             reason: str) -> None:
    sim = vpcd_card(VirtualCard(document(profile)), port=PORT)
    done = _run(sim, profile, "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["verdict"] == verdict
    checks = {c["name"]: c for c in out["checks"]}
    assert checks[check]["reason"] == reason
    assert checks["mrz_matches_chip"]["status"] == "PASSED"
    assert out["trust"]["cscas"] == 4
    assert {c["message"]["de"] != "" for c in out["checks"]} == {True}


def test_text_output_shows_the_verdict(vpcd_card) -> None:  # type: ignore[no-untyped-def]
    sim = vpcd_card(VirtualCard(document("fault-tampered-dg")), port=PORT)
    done = _run(sim, "fault-tampered-dg")
    assert done.returncode == 0, done.stderr
    assert "NOT_GENUINE" in done.stdout and "data_group_hashes" in done.stdout
    assert "DG1 does not match its signed hash" in done.stdout
