"""Shared set-up for the chip-reading tests: simulator cards from the shipped profiles, the access
key a desk officer would type for each, and a transport wrapper that records what went over it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gateway.nfc.access_key import CANKey, MRZKey
from simulators.chip.card import CardFaults, VirtualCard
from simulators.chip.document import ChipDocument
from simulators.chip.inprocess import InProcessTransport
from simulators.chip.lds_builder import build_document, mrz_lines
from simulators.chip.profile import Profile, load_profile

FILE_IDS = {"EF.COM": 0x011E, "EF.SOD": 0x011D, **{f"DG{n}": 0x0100 + n for n in range(1, 17)}}

_DOCS: dict[str, tuple[Profile, ChipDocument]] = {}


def document(name: str) -> tuple[Profile, ChipDocument]:
    """Built once per test session: the document builder signs with the shared test PKI."""
    if name not in _DOCS:
        profile = load_profile(name)
        _DOCS[name] = (profile, build_document(profile))
    return _DOCS[name]


def mrz_key(name: str) -> MRZKey:
    profile, _ = document(name)
    return MRZKey.from_mrz("\n".join(mrz_lines(profile)))


def can_key(name: str) -> CANKey:
    _, doc = document(name)
    assert doc.can is not None, f"profile {name} has no CAN"
    return CANKey(doc.can)


def virtual_card(name: str, **faults: Any) -> VirtualCard:
    _, doc = document(name)
    return VirtualCard(doc, CardFaults(**{**doc.card_faults, **faults}))


def expected_file(name: str, file: str) -> bytes:
    _, doc = document(name)
    if file == "EF.CardAccess":
        return doc.ef_files[0x011C]
    return doc.app_files[FILE_IDS[file]]


@dataclass
class RecordingTransport:
    """An in-process card transport that keeps every command and response (bytes) it moved."""

    inner: InProcessTransport
    commands: list[bytes] = field(default_factory=list)
    responses: list[bytes] = field(default_factory=list)

    @classmethod
    def for_card(cls, card: VirtualCard) -> RecordingTransport:
        transport = InProcessTransport(card)
        transport.connect()
        return cls(transport)

    def transmit(self, apdu: bytes) -> bytes:
        self.commands.append(bytes(apdu))
        response = self.inner.transmit(apdu)
        self.responses.append(response)
        return response

    def reconnect(self, reset: bool = False) -> None:
        self.inner.reconnect(reset)

    def remove(self) -> None:
        self.inner.remove()

    def insert(self) -> None:
        self.inner.insert()

    def instructions(self) -> list[int]:
        return [c[1] for c in self.commands]


def put_back_when_pulled(
    is_out: Callable[[], bool], insert: Callable[[], None], delay: float = 0.2, timeout: float = 10.0
) -> threading.Thread:
    """Start a thread that waits until the card has been pulled (by a fault), then puts it back after
    `delay` seconds, like an officer noticing the card slipped off the reader."""

    def run() -> None:
        deadline = time.monotonic() + timeout
        while not is_out():
            if time.monotonic() > deadline:
                return
            time.sleep(0.005)
        time.sleep(delay)
        insert()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def read_with_steps(doc: ChipDocument, *steps: Any, files: tuple[str, ...] | None = None,
                    key: MRZKey | None = None) -> tuple[Any, RecordingTransport]:
    """Read `doc` with the real ChipReader running `steps` (AA/CA factories), in process."""
    from gateway.nfc.reading import ChipReader, ReadOptions
    from gateway.verify.chip_session import drive

    transport = RecordingTransport.for_card(VirtualCard(doc, CardFaults(**doc.card_faults)))
    reader = ChipReader(key or MRZKey.from_mrz(doc_mrz(doc)), ReadOptions(files=files, steps=tuple(steps)))
    return drive(reader, transport), transport


def doc_mrz(doc: ChipDocument) -> str:
    """The printed MRZ of a built document, from its DG1 (the simulator wrote it there)."""
    from gateway.nfc.lds.dg1 import parse_dg1

    return "\n".join(parse_dg1(doc.app_files[0x0101]).lines)


def read_chip(transport: Any, key: Any, options: Any = None, *, on_event: Any = None,
              wait_for_card_s: float = 0.0) -> Any:
    """The reader alone over a transport (no verdict): warm reset first, as a newly presented card."""
    import contextlib

    from gateway.nfc.reading import ChipReader
    from gateway.transport import CardResetError
    from gateway.verify.chip_session import drive

    with contextlib.suppress(CardResetError):
        transport.reconnect(reset=True)
    return drive(ChipReader(key, options), transport, on_event=on_event, wait_for_card_s=wait_for_card_s)
