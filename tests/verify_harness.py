"""In-process chip reading for the verification tests: the simulator's VirtualCard driven by the
reader-side sans-IO code (BAC/PACE, secure messaging, AA, CA) — no pcscd, no reader engine.

Deliberately small: it reads what the verdict needs and runs the AA/CA steps exactly as a reader
would (commands protected by the current SM session, CA switching to the new session and proving it
by reading EF.COM on), so a cloned chip fails for the real reason: a MAC that does not verify.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from gateway.nfc.aa import AAResult
from gateway.nfc.apdu import CommandAPDU, ResponseAPDU, read_binary, select_aid, select_file
from gateway.nfc.auth_steps import ActiveAuthenticationStep, ChipAuthenticationStep
from gateway.nfc.bac import BAC, derive_basic_keys
from gateway.nfc.ca import CAOutcome
from gateway.nfc.pace import PACE, PACEPassword
from gateway.nfc.sm import SMSession
from gateway.nfc.status import ChipError
from gateway.nfc.steps import StepContext, StepOutcome
from gateway.nfc.tlv import total_length
from gateway.pki import TrustStore
from gateway.verify.verdict_builder import ChipEvidence
from simulators.chip.card import VirtualCard
from simulators.chip.document import FID_COM, FID_SOD, ChipDocument, dg_fid
from simulators.chip.lds_builder import build_document
from simulators.chip.pki import TestPKI
from simulators.chip.profile import load_profile


@cache
def document(profile: str) -> ChipDocument:
    return build_document(load_profile(profile), TestPKI.shared())


@lru_cache(maxsize=1)
def trust_folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="gateway-trust-"))
    TestPKI.shared().write_trust(folder)
    return folder


def trust_store() -> TrustStore:
    return TrustStore.from_paths([trust_folder()])


def evidence_from_files(doc: ChipDocument, access: str | None = "BAC") -> ChipEvidence:
    """The document's files as if read perfectly (passive checks only; AA/CA not run)."""
    dgs = {n: doc.app_files[dg_fid(n)] for n in range(1, 17) if dg_fid(n) in doc.app_files}
    return ChipEvidence(dgs, doc.app_files.get(FID_SOD), access=access)


@dataclass
class InProcessRead:
    evidence: ChipEvidence
    apdus: int = 0
    log: list[str] = field(default_factory=list)


class Chip:
    def __init__(self, doc: ChipDocument) -> None:
        self.card = VirtualCard(doc)
        self.card.power_on()
        self.doc = doc
        self.session: SMSession | None = None

    def plain(self, cmd: CommandAPDU) -> ResponseAPDU:
        return ResponseAPDU.decode(self.card.transmit(cmd.encode()))

    def send(self, cmd: CommandAPDU) -> ResponseAPDU:
        if self.session is None:
            return self.plain(cmd)
        return self.session.unwrap(self.card.transmit(self.session.wrap(cmd).encode()))

    def open(self) -> str:
        if self.doc.bac:
            self.plain(select_aid()).check()
            machine = BAC(*derive_basic_keys(self.doc.mrz_key))
            access = "BAC"
        else:
            params = self.doc.pace[0]
            machine = PACE(params.protocol_oid, params.parameter_id, PACEPassword.mrz(self.doc.mrz_key))
            access = "PACE"
        out = machine.start()
        while not isinstance(out, SMSession):
            out = machine.feed(self.plain(out))
        self.session = out
        if access == "PACE":
            self.send(select_aid()).check()
        return access

    def read(self, fid: int) -> bytes | None:
        r = self.send(select_file(fid))
        if r.sw != 0x9000:
            return None
        head = self.send(read_binary(0, 8)).check(allow_end_of_file=True).data
        if not head:
            return b""
        size = total_length(head)
        data = bytearray(head)
        while len(data) < size:
            data += self.send(read_binary(len(data), min(0xDF, size - len(data)))).check().data
        return bytes(data[:size])

    def run(self, step: ActiveAuthenticationStep | ChipAuthenticationStep) -> StepOutcome:
        out = step.start()
        while not isinstance(out, StepOutcome):
            out = step.feed(self.send(out))
        return out


def read_document(profile: str, *, aa: bool = True, ca: bool = True) -> InProcessRead:
    doc = document(profile)
    chip = Chip(doc)
    access = chip.open()
    files = {f"DG{n}": chip.read(dg_fid(n)) for n in (1, 2, 11, 12, 14, 15)}
    files = {k: v for k, v in files.items() if v is not None}
    sod = chip.read(FID_SOD)
    context = StepContext(files=files, access=None)  # type: ignore[arg-type]
    aa_result: AAResult | None = None
    ca_result: CAOutcome | None = None
    if ca and (step := ChipAuthenticationStep.factory()(context)) is not None:
        outcome = chip.run(step)
        if outcome.session is not None:
            chip.session = outcome.session
            try:  # the proof: read on under the new keys
                if chip.read(FID_COM) is None:
                    raise ChipError("EF.COM not readable under the new keys")
                ca_result = step.confirm()
            except ChipError as exc:
                ca_result = step.fail(type(exc).__name__)
        else:
            ca_result = outcome.data.get("outcome")
    if aa and (step_aa := ActiveAuthenticationStep.factory()(context)) is not None:
        if chip.session is not None and not chip.session.trusted:
            chip = Chip(doc)  # a failed CA ends the session: start a fresh one for AA
            chip.open()
        aa_result = chip.run(step_aa).data["result"]
    dgs = {int(k[2:]): v for k, v in files.items()}
    evidence = ChipEvidence(dgs, sod, access=access, active_authentication=aa_result, chip_authentication=ca_result)
    return InProcessRead(evidence, chip.card.apdu_count)
