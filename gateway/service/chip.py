"""The chip part of a verification, behind the `ChipBackend` interface of gateway.service.verification.

`default_chip_backend()` returns the full engine (gateway.nfc.reader + gateway.verify) when it is
installed. Until then `ProbeChipBackend` does the only chip work that needs no access keys - it
reads EF.CardAccess in the clear, so the document is detected and the reader serialisation, progress
and cancellation paths are exercised on real hardware - and reports every chip check NOT_PERFORMED
(reason CHIP_ENGINE_UNAVAILABLE): the verdict can never be GENUINE without the real checks.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from .cancel import CancelToken
from .model import ChipAccessSpec, ChipOutcome, FileProgress, FileRead, ProgressCallback
from .verification import CHIP_CHECKS, ChipBackend, own_check

EF_CARD_ACCESS = 0x011C
_SELECT_EF = bytes.fromhex("00A4020C02")
_SW_OK = b"\x90\x00"
_CHUNK = 0xDF  # fits every chip's short Le limit (224 bytes is the smallest common one)


class ProbeChipBackend:
    """Reads EF.CardAccess without access control; everything else NOT_PERFORMED."""

    reason = "CHIP_ENGINE_UNAVAILABLE"

    def read_and_verify(
        self,
        transport: object,
        access: ChipAccessSpec,
        *,
        printed_mrz: tuple[str, ...] | None = None,
        wanted_checks: frozenset[str] | None = None,
        want_face_image: bool = False,
        reference_date: dt.date | None = None,
        progress: ProgressCallback,
        cancel: CancelToken,
    ) -> ChipOutcome:
        t0 = time.monotonic()
        outcome = ChipOutcome()
        data = self._read_card_access(transport, progress)
        if data is not None:
            outcome.files.append(FileRead("EF.CardAccess", EF_CARD_ACCESS, len(data)))
        outcome.phases["read"] = time.monotonic() - t0
        outcome.checks = [own_check(name, self.reason) for name in CHIP_CHECKS]
        return outcome

    @staticmethod
    def _read_card_access(transport: object, progress: ProgressCallback) -> bytes | None:
        transmit = transport.transmit  # type: ignore[attr-defined]
        if transmit(_SELECT_EF + EF_CARD_ACCESS.to_bytes(2, "big"))[-2:] != _SW_OK:
            return None  # BAC-only documents have no EF.CardAccess
        head = transmit(bytes.fromhex("00B0000004"))
        if head[-2:] != _SW_OK or len(head) < 4:
            return None
        body = head[:-2]
        total = _tlv_total(body)
        progress(FileProgress("EF.CardAccess", len(body), total))
        while len(body) < total:
            want = min(_CHUNK, total - len(body))
            response = transmit(bytes([0x00, 0xB0, len(body) >> 8, len(body) & 0xFF, want]))
            if response[-2:] != _SW_OK or len(response) <= 2:
                return None
            body += response[:-2]
            progress(FileProgress("EF.CardAccess", len(body), total))
        return body[:total]


def _tlv_total(head: bytes) -> int:
    """Whole length of a BER-TLV from its first bytes (tag, length): what a file read must fetch."""
    if len(head) < 2:
        return len(head)
    first = head[1]
    if first < 0x80:
        return 2 + first
    n = first & 0x7F
    if n == 0 or n > 2 or len(head) < 2 + n:
        return len(head)
    return 2 + n + int.from_bytes(head[2 : 2 + n], "big")


def default_chip_backend(trust_path: Path | None = None) -> ChipBackend:
    """The best chip backend installed: the full engine if present, else the probe."""
    try:
        from .chip_engine import EngineChipBackend
    except ImportError:
        return ProbeChipBackend()
    return EngineChipBackend(trust_path)
