"""Hostile input never crashes verification and never yields GENUINE for altered signed data:
mutated EF.SOD, hostile DG14/DG15 for the AA/CA steps, garbage chip answers, garbage trust files."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from verify_harness import document, evidence_from_files, trust_store

from gateway.nfc.aa import AAError, ActiveAuthentication
from gateway.nfc.apdu import ResponseAPDU
from gateway.nfc.auth_steps import ActiveAuthenticationStep, ChipAuthenticationStep
from gateway.nfc.ca import CAError, ChipAuthentication
from gateway.nfc.lds.dg14 import parse_dg14
from gateway.nfc.lds.dg15 import parse_dg15
from gateway.nfc.steps import StepContext
from gateway.pki import TrustStore
from gateway.verdict import Status
from gateway.verify.verdict_builder import verify_document
from simulators.chip.document import dg_fid

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def store() -> TrustStore:
    return trust_store()


def test_mutated_sod_never_crashes_and_signed_parts_never_pass(store: TrustStore) -> None:
    rng = random.Random(9303)
    ev = evidence_from_files(document("td3-bac"))
    sod = ev.sod
    genuine = 0
    for _ in range(400):
        data = bytearray(sod)
        kind = rng.randrange(3)
        if kind == 0:
            pos = rng.randrange(len(data))
            data[pos] ^= 1 << rng.randrange(8)
        elif kind == 1:
            data = data[: rng.randrange(len(data))]
        else:
            pos = rng.randrange(len(data))
            data[pos:pos] = bytes([rng.randrange(256)])
        ev.sod = bytes(data)
        verdict = verify_document(ev, store, now=NOW)
        assert verdict.status in Status
        genuine += verdict.status is Status.GENUINE
    # Only flips in unsigned bookkeeping (e.g. SignedData's digestAlgorithms set) may survive.
    assert genuine <= 3


def test_hostile_dg14_dg15_make_the_steps_decline() -> None:
    rng = random.Random(14)
    doc = document("td3-pace-bac-ca-aa")
    good14, good15 = doc.app_files[dg_fid(14)], doc.app_files[dg_fid(15)]
    for _ in range(200):
        files = {}
        for name, good in (("DG14", good14), ("DG15", good15)):
            data = bytearray(good)
            data[rng.randrange(len(data))] ^= 0xFF
            files[name] = bytes(data[: rng.randrange(1, len(data) + 1)])
        context = StepContext(files=files, access=None)  # type: ignore[arg-type]
        for factory in (ActiveAuthenticationStep.factory(), ChipAuthenticationStep.factory()):
            step = factory(context)  # None (declined) or a usable step: never an exception
            if step is not None:
                step.start()


def test_garbage_chip_answers() -> None:
    rng = random.Random(88)
    doc = document("td3-pace-bac-ca-aa")
    key = parse_dg15(doc.app_files[dg_fid(15)])
    infos = parse_dg14(doc.app_files[dg_fid(14)])
    for _ in range(200):
        answer = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 300))) + b"\x90\x00"
        aa = ActiveAuthentication(key)
        aa.start()
        assert aa.feed(ResponseAPDU.decode(answer)).reason in ("AA_SIGNATURE_INVALID", "AA_REFUSED")
        with pytest.raises(AAError):
            aa.feed(ResponseAPDU.decode(answer))
    ca = ChipAuthentication.from_dg14(infos)
    with pytest.raises(CAError):
        ca.feed(ResponseAPDU.from_sw(0x9000))  # not started
    ca.start()
    with pytest.raises(CAError):
        ca.start()


def test_garbage_trust_material(tmp_path) -> None:
    rng = random.Random(12)
    for i in range(50):
        (tmp_path / f"f{i}.der").write_bytes(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400))))
    (tmp_path / "x.pem").write_bytes(b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    store = TrustStore.from_paths([tmp_path])
    assert len(store) == 0 and len(store.report.sources) == 51
    assert all(s.problems for s in store.report.sources)
