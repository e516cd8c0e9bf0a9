"""Shared pieces of the API tests that use simulated chips in real PC/SC reader slots."""

from __future__ import annotations

import time
from dataclasses import dataclass

from gateway.client import GatewayClient
from simulators.chip.card import CardFaults, VirtualCard
from simulators.chip.lds_builder import build_document, mrz_lines
from simulators.chip.profile import load_profile

# Slots of simulators/chip/reader.conf used by the API tests; the chip reader tests use 35963 first,
# so these two are less likely to be busy when suites run side by side.
PORT = 35966
PORT_2 = 35965


@dataclass
class ProfileCard:
    card: VirtualCard
    mrz: list[str]
    can: str | None
    pace: bool


def profile_card(name: str) -> ProfileCard:
    profile = load_profile(name)
    document = build_document(profile)
    card = VirtualCard(document, CardFaults(**document.card_faults))
    return ProfileCard(card, mrz_lines(profile), document.can, bool(document.pace))


def device_id(reader: str) -> str:
    from gateway.service.devices import slug

    return "pcsc-" + slug(reader)


def wait_document(client: GatewayClient, device: str, present: bool = True, timeout: float = 5.0) -> None:
    """Wait until the daemon's device monitor has seen the card come (or go)."""
    wanted = "PRESENT" if present else "ABSENT"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if client.describe_device(device).document == wanted:
                return
        except Exception:  # not attached yet
            pass
        time.sleep(0.05)
    raise AssertionError(f"daemon did not report the document {wanted} in {device}")


def engine_verifier():
    """A DocumentVerifier with the simulator PKI's trust material (written once per process, loaded
    like real master lists and CSCA files)."""
    from gateway.service.verification import DocumentVerifier
    from tests.verify_support import trust_store

    return DocumentVerifier(trust_store())
