"""The verdict from the real chip reading engine (gateway.nfc.reader via gateway.drivers.chip_runner)
over the simulator's in-process transport, with the AA/CA steps of gateway.nfc.auth_steps — the
path `gateway chip read --trust` takes, minus PC/SC."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from verify_harness import document, trust_folder

from gateway.drivers.chip_runner import read_chip
from gateway.nfc.access_key import MRZKey
from gateway.nfc.reader import ReadOptions
from gateway.verify.cli_support import render_verdict, steps_for, verdict_section
from simulators.chip.card import VirtualCard
from simulators.chip.inprocess import InProcessTransport
from simulators.chip.lds_builder import mrz_lines
from simulators.chip.profile import load_profile

TODAY = dt.date(2026, 6, 1)


def _read(profile: str):
    doc = document(profile)
    card = VirtualCard(doc)
    lines = mrz_lines(load_profile(profile))
    options = ReadOptions(files=("EF.COM", "DG1", "DG2", "DG14", "DG15", "EF.SOD"),
                          active_authentication=True, chip_authentication=True, steps=steps_for(True, True))
    with InProcessTransport(card, sleep=False) as transport:
        return read_chip(transport, MRZKey.from_mrz("\n".join(lines)), options), lines


@pytest.mark.parametrize(("profile", "verdict", "check", "reason"), [
    ("td3-pace-bac-ca-aa", "GENUINE", "chip_authentication", "CA_VERIFIED"),
    ("td3-ecdsa-aa-p256", "GENUINE", "active_authentication", "AA_VERIFIED"),
    ("fault-cloned-aa", "NOT_GENUINE", "active_authentication", "AA_SIGNATURE_INVALID"),
    ("fault-cloned-ca", "NOT_GENUINE", "chip_authentication", "CA_FAILED"),
    ("fault-tampered-dg", "NOT_GENUINE", "data_group_hashes", "HASH_MISMATCH_DG1"),
    ("td3-bac", "GENUINE", "sod_signature", "SIGNATURE_VALID"),
])
def test_reader_result_to_verdict(profile: str, verdict: str, check: str, reason: str) -> None:
    result, lines = _read(profile)
    section = verdict_section(result, [str(trust_folder())], printed_mrz="\n".join(lines), today=TODAY)
    checks = {c["name"]: c for c in section["checks"]}
    assert section["verdict"] == verdict, [(c["name"], c["reason"]) for c in section["checks"]]
    assert checks[check]["reason"] == reason
    # The tampered DG1 carries another name than the printed page: caught twice.
    mrz = "MRZ_MISMATCH" if profile == "fault-tampered-dg" else "MRZ_MATCHES_CHIP"
    assert checks["mrz_matches_chip"]["reason"] == mrz
    assert section["trust"]["cscas"] == 4 and section["trust"]["problems"] == []
    json.dumps(section)  # JSON-serialisable as `gateway chip read --json` prints it
    text = render_verdict(section)
    assert verdict in text and "sod_signature" in text
    assert "Prüf" in render_verdict(section, "de") or "Signatur" in render_verdict(section, "de")


def test_without_trust_the_verdict_is_inconclusive() -> None:
    result, _ = _read("td3-bac")
    section = verdict_section(result, None, today=TODAY)
    assert section["verdict"] == "INCONCLUSIVE" and "trust" not in section
