"""`gateway serve --simulate`: simulated documents in PC/SC reader slots, read through the real stack.

Nothing is short-circuited: each simulator profile becomes a virtual chip (simulators.chip) sitting
in a vpcd reader slot of a real pcscd (started here if none runs), and the daemon reads it through
pyscard and gateway.drivers.pcsc exactly as it would read a card on a desk reader. Only the gateway's
CLI imports this module (lazily, for `--simulate`); nothing in the gateway package depends on it.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger("gateway.simulate")

DEFAULT_PROFILES = ("td3-bac", "td1-eu-pace", "td3-pace-bac-ca-aa", "fault-tampered-dg")


class SimulationError(RuntimeError):
    """The simulated readers cannot be set up (pcscd missing, unknown profile); message says why."""


@dataclass
class SimulatedSlot:
    profile: str
    port: int
    reader: str
    slot: object  # simulators.chip.vpcd.VpcdCard
    mrz: tuple[str, ...] = ()  # what the simulated reader's MRZ scanner reads off the data page

    def insert(self, timeout: float = 5.0) -> bool:
        from simulators.pcscd import wait_card_state

        self.slot.insert()  # type: ignore[attr-defined]
        return wait_card_state(self.reader, True, timeout, atr=bytes(self.slot.card.atr))  # type: ignore[attr-defined]

    def remove(self, timeout: float = 5.0) -> bool:
        from simulators.pcscd import wait_card_state

        self.slot.remove()  # type: ignore[attr-defined]
        return wait_card_state(self.reader, False, timeout)


@dataclass
class SimulatedReaders:
    """Profiles in vpcd slots. `ports` None: every vpcd port the running pcscd offers, in order."""

    profiles: tuple[str, ...] = DEFAULT_PROFILES
    kbit_s: int | None = 424
    ports: tuple[int, ...] | None = None
    insert: bool = True
    slots: list[SimulatedSlot] = field(default_factory=list)
    _trust_dir: tempfile.TemporaryDirectory[str] | None = None

    def start(self) -> dict[str, str]:
        """Start pcscd if needed, put the cards in; returns reader name -> profile."""
        from simulators.chip.lds_builder import mrz_lines
        from simulators.chip.profile import ProfileError, load_profile
        from simulators.chip.serve import serve_profile
        from simulators.pcscd import PcscdError, ensure_pcscd

        try:
            self._pcscd = ensure_pcscd()
        except PcscdError as exc:
            raise SimulationError(str(exc)) from None
        available = self._pcscd.available_ports()
        ports = [p for p in (self.ports or available) if p in available]
        if not ports:
            raise SimulationError("the running pcscd offers none of the simulator's vpcd ports")
        if len(self.profiles) > len(ports):
            log.warning("more profiles than reader slots; extra profiles are not served",
                        extra={"profiles": list(self.profiles[len(ports):])})
        for name, port in zip(self.profiles, ports, strict=False):
            try:
                profile = load_profile(name)
            except (ProfileError, OSError) as exc:
                raise SimulationError(f"simulator profile {name!r}: {exc}") from None
            # The profile's own link speed wins (a slow-card profile stays slow); else the daemon's.
            kbit = profile.link_kbit_s or self.kbit_s
            chip = serve_profile(profile, port, kbit_s=kbit or 0, insert=False)
            slot = SimulatedSlot(profile.name, port, self._pcscd.reader_name(port), chip.slot,
                                 tuple(mrz_lines(profile)))
            self.slots.append(slot)
            if self.insert and not slot.insert():
                raise SimulationError(f"pcscd did not see the simulated card on vpcd port {port}")
        log.info("simulated readers ready", extra={"profiles": [s.profile for s in self.slots]})
        return {s.reader: s.profile for s in self.slots}

    def trust_folder(self) -> Path:
        """The simulator PKI's master list, CSCA certificates and CRLs, written for the trust store
        (the simulated documents are signed by this PKI, as real ones are by their country's)."""
        from simulators.chip.pki import TestPKI

        if self._trust_dir is None:
            self._trust_dir = tempfile.TemporaryDirectory(prefix="gateway-sim-trust-")
            TestPKI.shared().write_trust(self._trust_dir.name)
        return Path(self._trust_dir.name)

    def mrz_sources(self) -> dict[str, Callable[[], str]]:
        """Reader name -> its simulated MRZ scanner (returns the document's printed MRZ)."""
        return {s.reader: (lambda lines=s.mrz: "\n".join(lines)) for s in self.slots}

    def slot(self, profile_or_reader: str) -> SimulatedSlot:
        for s in self.slots:
            if profile_or_reader in (s.profile, s.reader):
                return s
        raise KeyError(profile_or_reader)

    def stop(self) -> None:
        for s in self.slots:
            s.slot.close()  # type: ignore[attr-defined]
        self.slots.clear()
        if self._trust_dir is not None:
            self._trust_dir.cleanup()
            self._trust_dir = None
        pcscd = getattr(self, "_pcscd", None)
        if pcscd is not None:
            pcscd.stop()  # only stops a pcscd this process started
