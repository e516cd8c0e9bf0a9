"""Shared set-up for the verification tests: the simulator's documents and trust material, and one
document verified through the real pipeline (`gateway.verify.read_and_verify`) over an in-process
virtual card — the same recipe the CLI and the daemon run, with no reader written for tests."""

from __future__ import annotations

import datetime as dt
import tempfile
from functools import cache, lru_cache
from pathlib import Path

from gateway.nfc.access_key import AccessKey, MRZKey
from gateway.pki import TrustStore
from gateway.verify import VerifyOptions, VerifyResult, read_and_verify
from gateway.verify.verdict_builder import ChipEvidence
from simulators.chip.card import CardFaults, VirtualCard
from simulators.chip.document import FID_SOD, ChipDocument, dg_fid
from simulators.chip.inprocess import InProcessTransport
from simulators.chip.lds_builder import build_document, mrz_lines
from simulators.chip.pki import TestPKI
from simulators.chip.profile import load_profile

#: The date the verdict tests judge at (every simulator document and certificate is valid then).
NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


@cache
def document(profile: str) -> ChipDocument:
    return build_document(load_profile(profile), TestPKI.shared())


@lru_cache(maxsize=1)
def trust_folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="gateway-trust-"))
    TestPKI.shared().write_trust(folder)
    return folder


@cache
def trust_store() -> TrustStore:
    return TrustStore.from_paths([trust_folder()])


def printed_mrz(profile: str) -> str:
    return "\n".join(mrz_lines(load_profile(profile)))


def evidence_from_files(doc: ChipDocument, access: str | None = "BAC") -> ChipEvidence:
    """The document's files as if read perfectly, for tests of the checks alone (passive
    authentication, the verdict rules); AA/CA not run."""
    dgs = {n: doc.app_files[dg_fid(n)] for n in range(1, 17) if dg_fid(n) in doc.app_files}
    return ChipEvidence(dgs, doc.app_files.get(FID_SOD), access, secure_messaging_intact=True)


def in_process_transport(profile: str, **faults: object) -> InProcessTransport:
    doc = document(profile)
    transport = InProcessTransport(VirtualCard(doc, CardFaults(**{**doc.card_faults, **faults})), sleep=False)
    transport.connect()
    return transport


def verify_profile(profile: str, *, key: AccessKey | None = None, printed: bool = True,
                   options: VerifyOptions | None = None, trust: TrustStore | bool | None = True,
                   **faults: object) -> VerifyResult:
    """One simulator document through the real pipeline, in process. The key defaults to the printed
    MRZ's (as a desk types it); `printed` also hands that MRZ over for comparison with DG1."""
    mrz = printed_mrz(profile)
    store = trust_store() if trust is True else (trust or None)
    return read_and_verify(in_process_transport(profile, **faults), key or MRZKey.from_mrz(mrz), store,
                           options or VerifyOptions(now=NOW, today=NOW.date()),
                           printed_mrz=mrz if printed else None)
