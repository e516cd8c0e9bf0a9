"""Hostile input never crashes verification and never yields GENUINE for altered signed data:
mutated EF.SOD, hostile DG14/DG15 for the AA/CA steps, garbage chip answers, garbage trust files."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest
from asn1crypto import cms

from gateway.nfc.apdu import ResponseAPDU
from gateway.nfc.lds.dg14 import parse_dg14
from gateway.nfc.lds.dg15 import parse_dg15
from gateway.nfc.protocol.active_authentication import AAError, ActiveAuthentication, ActiveAuthenticationStep
from gateway.nfc.protocol.chip_authentication import CAError, ChipAuthentication, ChipAuthenticationStep
from gateway.nfc.protocol.steps import StepContext
from gateway.pki import TrustStore
from gateway.verdict import CHECK_NAMES, Status
from gateway.verify.verdict_builder import verify_document
from simulators.chip.document import dg_fid
from tests.verify_support import document, evidence_from_files, trust_store

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def store() -> TrustStore:
    return trust_store()


def _signed_parts(sod: bytes) -> tuple[bytes, ...] | None:
    """What the document signer's signature covers or is: the encapsulated LDS security object, the
    signed attributes, the signature, the certificates (which the chain check covers). Not the
    signer's sid: it only points at the certificate (X.500 names match case-insensitively, so a case
    change there still finds the same certificate). None when the SOD no longer parses."""
    try:
        content = cms.ContentInfo.load(sod[4:] if sod[1] == 0x82 else sod[2:] if sod[1] < 0x80 else sod[3:])
        signed = content["content"]
        signer = signed["signer_infos"][0]
        return (signed["encap_content_info"]["content"].contents, signer["signed_attrs"].dump(),
                signer["signature"].contents, signed["certificates"].dump())
    except Exception:  # any parse failure: a hostile SOD is not our signed one
        return None


def test_mutated_sod_never_crashes_and_altered_signed_parts_never_pass(store: TrustStore) -> None:
    rng = random.Random(9303)
    ev = evidence_from_files(document("td3-bac"))
    original = _signed_parts(ev.sod)
    assert original is not None
    genuine = 0
    for _ in range(400):
        data = bytearray(ev.sod)
        kind = rng.randrange(3)
        if kind == 0:
            pos = rng.randrange(len(data))
            data[pos] ^= 1 << rng.randrange(8)
        elif kind == 1:
            data = data[: rng.randrange(len(data))]
        else:
            pos = rng.randrange(len(data))
            data[pos:pos] = bytes([rng.randrange(256)])
        verdict = verify_document(dataclasses.replace(ev, sod=bytes(data)), store, now=NOW)
        assert [c.name for c in verdict.checks] == list(CHECK_NAMES)
        assert all(c.message_en and c.message_de for c in verdict.checks)
        if verdict.status is Status.GENUINE:
            # Only a change outside what the signature covers may leave the document genuine
            # (e.g. a flipped bit in SignedData's unsigned digestAlgorithms set).
            assert _signed_parts(bytes(data)) == original, "altered signed data was judged GENUINE"
            genuine += 1
    assert genuine < 400 // 10  # the mutations mostly hit what is signed


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
                assert step.start().ins in (0x22, 0x88)  # MSE (CA) or INTERNAL AUTHENTICATE (AA)


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
