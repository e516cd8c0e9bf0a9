"""`SimulatedDesk`: the devices of one desk, serving one document, placed and removed together.

A desk document reader holds the page on its glass and the chip in its field at the same time, so
`place()` puts the page under the scanner and inserts the card in the vpcd slot, and `remove()`
takes both away. The page is rendered from the same simulator profile as the chip (same holder,
same face), with the desk profile's forgeries applied to the page only: a forgery that passes the
chip checks must be caught by the optical ones.

`daemon_config()` writes the `[[devices]]` entries a daemon needs to use this desk — its chip
reader (by the vpcd reader's PC/SC name) and the scanner (driver "sane", device `net:HOST:...`,
the SANE config directory that points libsane's net backend at the simulator) — grouped as one
desk, so `gateway verify --reader DESK --wait-document` works against it.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_DESK = "desk1"
DEFAULT_LIGHTS = ("white", "ir", "uv")


@dataclass
class SimulatedDesk:
    profile: str  # a desk profile (simulators.documents.desk_profiles) or a chip simulator profile
    vpcd_port: int
    kbit_s: float | None = 424.0
    scanner_host: str | None = None  # None: a free loopback address of its own (libsane uses port 6566)
    desk: str = DEFAULT_DESK
    dpi: int = 300
    sane_config_dir: Path | None = None
    optical: str = "scanner"  # "scanner" (white/IR/UV over SANE) | "camera" (MJPEG, white) | "none"
    line_reader: Path | None = None  # also an MRZ line reader (Desko framing) on a pty linked here
    placed: bool = False
    _chip: Any = field(default=None, init=False, repr=False)
    _scanner: Any = field(default=None, init=False, repr=False)
    _camera: Any = field(default=None, init=False, repr=False)
    _pty: Any = field(default=None, init=False, repr=False)
    _placements: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        from simulators.chip.profile import load_profile
        from simulators.chip.serve import serve_profile
        from simulators.scanner.sane_config import write_sane_config
        from simulators.scanner.server import SimulatedScanner

        if self.optical not in ("scanner", "camera", "none"):
            raise ValueError(f"optical must be scanner, camera or none, not {self.optical!r}")
        self.chip_profile, self.spec = resolve(self.profile)
        self._chip = serve_profile(load_profile(self.chip_profile), self.vpcd_port, kbit_s=self.kbit_s, insert=False)
        try:
            if self.optical == "scanner":
                self._scanner = SimulatedScanner(host=self.scanner_host)
                if self.sane_config_dir is None:
                    self.sane_config_dir = Path(tempfile.mkdtemp(prefix="gateway-desk-sane-"))
                write_sane_config(self.sane_config_dir, [self._scanner.host])
            elif self.optical == "camera":
                from simulators.camera import CameraServer

                self._camera = CameraServer(fps=10).start()
            if self.line_reader is not None:
                from simulators.linereader.pty_port import PtyPort

                self._pty = PtyPort(self.line_reader)
                self._pty.plug()
        except Exception:
            self.close()
            raise

    @property
    def scanner(self) -> Any:
        return self._scanner

    @property
    def chip(self) -> Any:
        return self._chip

    @property
    def scanner_device(self) -> str:
        return self._scanner.device if self._scanner is not None else ""

    @property
    def camera_url(self) -> str:
        return self._camera.url if self._camera is not None else ""

    @property
    def chip_reader(self) -> str:
        from simulators.pcscd import reader_name

        return reader_name(self.vpcd_port)

    def place(self, profile: str | None = None) -> None:
        """Put a document on the desk reader (another desk profile: a new chip and page)."""
        if profile is not None and profile != self.profile:
            self._swap(profile)
        self._placements += 1
        self._chip.insert()  # the chip is in the field as the page lands on the glass:
        self._wait_card_seen()  # pcscd reports the card before the scanner's sensor reports the page
        if self._scanner is not None:
            self._scanner.place_scanned(self.spec, self.dpi, seed=self._placements)
        if self._camera is not None:
            self._camera.place(self.spec)
        if self._pty is not None:  # the document swiped through the desk's line reader
            from simulators.linereader import faults

            self._pty.play(faults.swipe("desko", self.spec.lines()))
        self.placed = True

    def _wait_card_seen(self, timeout: float = 5.0) -> None:
        from simulators.pcscd import wait_card_state

        try:
            wait_card_state(self.chip_reader, True, timeout=timeout)
        except ImportError:  # no pyscard: nothing to wait for (without pcscd it returns at once)
            return

    def remove(self) -> None:
        if self._scanner is not None:
            self._scanner.remove()
        if self._camera is not None:
            self._camera.remove()
        self._chip.remove()
        self.placed = False

    def _swap(self, profile: str) -> None:
        from simulators.chip.profile import load_profile
        from simulators.chip.serve import serve_profile

        chip_profile, spec = resolve(profile)
        self._chip.close()
        self._chip = serve_profile(load_profile(chip_profile), self.vpcd_port, kbit_s=self.kbit_s, insert=False)
        self.profile, self.chip_profile, self.spec = profile, chip_profile, spec

    def daemon_config(self, *, lights: tuple[str, ...] = DEFAULT_LIGHTS) -> str:
        """TOML `[[devices]]` entries for `gateway serve --config`: this desk's chip reader, its
        scanner or camera, and its line reader."""
        out = ["[[devices]]", f'id = "{self.desk}-chip"', f'desk = "{self.desk}"',
               f'pcsc_reader = "{self.chip_reader}"', 'display_name = "Desk reader (chip)"', ""]
        if self._pty is not None:  # before the table with [devices.settings], which must come last
            out += ["[[devices]]", f'id = "{self.desk}-mrz"', f'desk = "{self.desk}"', 'driver = "serial"',
                    f'port = "{self.line_reader}"', 'framing = "auto"', ""]
        if self._scanner is not None:
            light_list = ", ".join(f'"{light}"' for light in lights)
            out += ["[[devices]]", f'id = "{self.desk}-scanner"', f'desk = "{self.desk}"', 'driver = "sane"',
                    'display_name = "Desk reader (page scanner)"', f"lights = [{light_list}]",
                    "[devices.settings]", f'device = "{self.scanner_device}"', f"dpi = {self.dpi}",
                    f'sane_config_dir = "{self.sane_config_dir}"', 'presence_option = "page-loaded"', ""]
        elif self._camera is not None:
            out += ["[[devices]]", f'id = "{self.desk}-camera"', f'desk = "{self.desk}"', 'driver = "camera"',
                    'display_name = "Desk camera"', "[devices.settings]", f'url = "{self.camera_url}"', ""]
        return "\n".join(out)

    def close(self) -> None:
        for part in (self._scanner, self._camera, self._chip):
            if part is not None:
                part.close()
        if self._pty is not None:
            self._pty.unplug()


def resolve(profile: str) -> tuple[str, Any]:
    """(chip profile, printed page spec) of a desk profile or a plain chip profile (genuine page)."""
    from simulators.documents.desk_profiles import DESK_PROFILES, desk_spec
    from simulators.documents.profiles import spec_from_profile

    if profile in DESK_PROFILES:
        return DESK_PROFILES[profile].chip, desk_spec(profile)
    return profile, spec_from_profile(profile)
