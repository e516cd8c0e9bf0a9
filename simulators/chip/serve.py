"""Put a simulated document on a vpcd reader slot: profile → document → virtual card → vpcd.

Shared by `gateway-sim chip` and by the daemon's `--simulate` mode, so both serve exactly the same
cards. The card itself and the vpcd connection live in their own modules; this only wires them.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulators.chip.card import VirtualCard
from simulators.chip.document import ChipDocument
from simulators.chip.faults import CardFaults
from simulators.chip.lds_builder import build_document
from simulators.chip.link import LinkModel
from simulators.chip.profile import Profile
from simulators.chip.vpcd import VpcdCard


@dataclass
class SimulatedChip:
    profile: Profile
    document: ChipDocument
    card: VirtualCard
    slot: VpcdCard

    def insert(self) -> None:
        self.slot.insert()

    def remove(self) -> None:
        self.slot.remove()

    def close(self) -> None:
        self.slot.close()


def make_card(profile: Profile) -> tuple[ChipDocument, VirtualCard]:
    document = build_document(profile)
    return document, VirtualCard(document, CardFaults(**document.card_faults))


def serve_profile(profile: Profile, port: int, *, kbit_s: float | None = None, insert: bool = True) -> SimulatedChip:
    """Start serving `profile` on vpcd `port`. `kbit_s` overrides the profile's link speed (None
    keeps it; 0 turns the link model off)."""
    document, card = make_card(profile)
    speed = document.link_kbit_s if kbit_s is None else (kbit_s or None)
    slot = VpcdCard(card, port=port, link=LinkModel(kbit_s=speed) if speed else None)
    chip = SimulatedChip(profile, document, card, slot)
    if insert:
        chip.insert()
    return chip
