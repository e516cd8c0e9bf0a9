"""Document-reader adapter for SANE scanners, through libsane's own front end `scanimage`.

SANE does the device protocol (USB, SCSI, a `saned` on the network via the `net` backend); this
adapter only runs `scanimage` and maps its results: one scan per light, the light chosen with a
SANE option (`source` by default: desk scanners expose IR/UV as source or mode values; the
mapping is configurable), the image as PNM turned into a BGR array. A flatbed cannot sense a
document; scanners that can expose a read-only sensor option (`page-loaded` is the SANE
standard name), which `wait_event` polls (debounced) when present.

Failure mapping (the device recovers on the next call, each call is a fresh `scanimage`):
device not reachable / dropped mid-scan -> DeviceGoneError; no document, refused option,
stalled or truncated image -> CaptureFailedError; a device name SANE does not know ->
UnknownDeviceError. libsane's net backend keeps waiting when a saned disappears mid-scan, so a
scan that delivers no bytes for `stall_s` is stopped and the device probed to tell the two apart.
"""

from __future__ import annotations

import os
import re
import selectors
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from gateway.drivers.document_reader import (
    Capabilities,
    Capture,
    CaptureFailedError,
    DeviceGoneError,
    DocumentEvent,
    DocumentPlaced,
    DocumentReaderError,
    DocumentRemoved,
    Light,
    lights_of,
)
from gateway.limits import MAX_PAGE_IMAGE_PIXELS

__all__ = ["PRESENCE_OPTIONS", "SaneScanner", "UnknownDeviceError", "list_devices", "parse_pnm"]

DEFAULT_LIGHT_VALUES = {"white": "White", "ir": "IR", "uv": "UV"}
PRESENCE_OPTIONS = ("page-loaded", "document-present", "document-loaded")  # read-only sensor names
_PROBE_TIMEOUT_S = 5.0


class UnknownDeviceError(DocumentReaderError):
    """SANE has no device of that name (a typo in the config, or the backend not configured)."""


@dataclass(frozen=True)
class SaneOption:
    """One option as `scanimage -A` lists it: allowed values, current value, settable or not."""

    name: str
    allowed: str
    current: str | None
    settable: bool

    def choices(self) -> list[str]:
        """The values of a list option (`White|IR|UV`); [] for free strings (`<string>`) and ranges."""
        if not self.allowed or self.allowed.startswith("<") or ".." in self.allowed:
            return []
        return [v for v in self.allowed.split("|") if v]


_OPTION_LINE = re.compile(r"^\s+--?([A-Za-z0-9][\w-]*)(\[=\(([^)]*)\)\])?\s*(.*)$")


def parse_options(text: str) -> dict[str, SaneOption]:
    """The options of `scanimage -A` output: `--source White|IR|UV [White]`,
    `--page-loaded[=(yes|no)] [yes] [hardware]`, `--resolution 75..600dpi [300]`."""
    out: dict[str, SaneOption] = {}
    for line in text.splitlines():
        m = _OPTION_LINE.match(line)
        if not m or not line.startswith("    -"):
            continue
        name, bool_values, rest = m.group(1), m.group(3), m.group(4)
        brackets = re.findall(r"\[([^\]]*)\]", rest)
        allowed = bool_values if bool_values is not None else rest.split(" [", 1)[0].strip()
        flags = {b for b in brackets if b in ("read-only", "hardware", "inactive", "advanced")}
        values = [b for b in brackets if b not in flags]
        current = values[0] if values else None
        out[name] = SaneOption(name, allowed, current, settable=not flags & {"read-only", "hardware"})
    return out


def parse_pnm(data: bytes, max_pixels: int = MAX_PAGE_IMAGE_PIXELS) -> np.ndarray:
    """A binary PNM (P5 grey / P6 RGB, maxval 255) as scanimage writes it, to a grey or BGR array.
    The header is checked against the pixel budget before anything is allocated; a short body
    (a scan cut off) is an error, never a partly black image."""
    if data[:2] not in (b"P5", b"P6"):
        raise CaptureFailedError("the scanner's output is no binary PNM image")
    fields: list[bytes] = []
    pos = 2
    while len(fields) < 3:
        while pos < len(data) and data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            end = data.find(b"\n", pos)
            if end < 0:
                raise CaptureFailedError("truncated PNM header")
            pos = end + 1
            continue
        start = pos
        while pos < len(data) and not data[pos:pos + 1].isspace():
            pos += 1
        if start == pos or pos >= len(data):
            raise CaptureFailedError("truncated PNM header")
        fields.append(data[start:pos])
    pos += 1  # the single whitespace after maxval
    try:
        width, height, maxval = (int(f) for f in fields)
    except ValueError:
        raise CaptureFailedError("malformed PNM header") from None
    if width <= 0 or height <= 0 or maxval != 255:
        raise CaptureFailedError(f"unsupported PNM image ({width} x {height}, maxval {maxval})")
    if width * height > max_pixels:
        raise CaptureFailedError(f"the scan claims {width} x {height} pixels, above the page budget of "
                                 f"{max_pixels} pixels")
    channels = 3 if data[:2] == b"P6" else 1
    need = width * height * channels
    body = memoryview(data)[pos:pos + need]
    if len(body) < need:
        raise CaptureFailedError(f"the scan was cut off ({len(body)} of {need} image bytes)")
    arr = np.frombuffer(body, np.uint8).reshape(height, width, channels)
    return np.ascontiguousarray(arr[:, :, ::-1]) if channels == 3 else arr[:, :, 0].copy()


class SaneScanner:
    """A SANE scanner as a desk document reader. Settings (the `[[document_readers]]` TOML keys):
    `device` (SANE name, e.g. `net:127.0.0.1:gateway-sim`), `dpi`, `lights` it offers,
    `light_option` and `light_values` (which option and value select each light), `mode` (the
    `mode` option value, None: leave it), `presence_option` (None: any of PRESENCE_OPTIONS the
    device has; "": none), `sane_config_dir` (SANE_CONFIG_DIR for libsane), `timeout_s` per scan
    (lamp warm-up included), `stall_s` without an image byte (once the image has begun) before a
    scan counts as stalled, `poll_s` and `debounce` of the presence sensor, `chip_reader` (PC/SC
    name of a chip reader in the same box). Every call runs its own `scanimage`, so nothing is
    held open and a device that comes back is used again without a restart."""

    def __init__(self, device: str, dpi: float = 300, lights: Sequence[str | Light] = ("white", "ir", "uv"),
                 scanimage: str = "scanimage", timeout_s: float = 30.0, sane_config_dir: str | None = None, *,
                 light_option: str = "source", light_values: Mapping[str, str] | None = None,
                 mode: str | None = "Color", presence_option: str | None = None, stall_s: float = 5.0,
                 poll_s: float = 0.25, debounce: int = 2, chip_reader: str | None = None,
                 name: str | None = None) -> None:
        if not device:
            raise ValueError("a SANE scanner needs a device name (see `scanimage -L`)")
        if not 20 <= float(dpi) <= 1200:
            raise ValueError(f"dpi {dpi} out of range 20..1200")
        self.name = name or f"sane:{device}"
        self.device = device
        self.dpi = round(float(dpi))
        self.lights = lights_of(str(x) for x in lights)
        self.scanimage = scanimage
        self.timeout_s = float(timeout_s)
        self.stall_s = float(stall_s)
        self.sane_config_dir = sane_config_dir
        self.light_option = light_option
        self.light_values = {str(Light(k.lower())): v for k, v in (light_values or DEFAULT_LIGHT_VALUES).items()}
        self.mode = mode
        self.presence_option = presence_option
        self.poll_s = float(poll_s)
        self.debounce = max(1, int(debounce))
        self._chip_reader = chip_reader
        self._options: dict[str, SaneOption] | None = None
        self._present: bool | None = None  # debounced sensor state; None: not read yet
        self._reading: bool | None = None  # the last raw reading and how many in a row were equal
        self._streak = 0

    # ---- the interface ------------------------------------------------------------------------

    def capabilities(self) -> Capabilities:
        opts = self._device_options()
        offered = set(self.lights)
        light_opt = opts.get(self.light_option)
        if light_opt is None:
            offered &= {Light.WHITE}  # no way to switch the light: what it scans is a white-light image
        elif light_opt.choices():
            offered = {x for x in offered if self.light_values.get(str(x)) in light_opt.choices()}
        return Capabilities(lights=frozenset(offered), mrz=False, chip=self._chip_reader is not None,
                            presence=self._sensor_name(opts) is not None, vendor="SANE", model=self.device)

    def capture(self, lights: Sequence[Light]) -> list[Capture]:
        wanted = [Light(x) for x in lights]
        opts = self._device_options()
        light_opt = opts.get(self.light_option)
        out = []
        for light in wanted:
            args = ["--format=pnm", f"--resolution={self.dpi}"]
            if self.mode and "mode" in opts:
                if opts["mode"].choices() and self.mode not in opts["mode"].choices():
                    raise CaptureFailedError(f"{self.name}: the scanner has no mode {self.mode!r} "
                                             f"(offered: {opts['mode'].allowed}; set mode)")
                args.append(f"--mode={self.mode}")
            if light_opt is not None:
                value = self.light_values.get(str(light))
                if value is None or (light_opt.choices() and value not in light_opt.choices()):
                    raise CaptureFailedError(f"{self.name}: no {self.light_option} value for light {light} "
                                             f"(offered: {light_opt.allowed}; set light_values)")
                args.append(f"--{self.light_option}={value}")
            elif light != Light.WHITE:
                raise CaptureFailedError(f"{self.name}: the scanner has no {self.light_option!r} option to "
                                         f"select light {light}")
            image = self._scan(args, light)
            out.append(Capture(light=light, image=image, dpi=float(self.dpi), width=image.shape[1],
                               height=image.shape[0], taken_at=time.monotonic()))
        return out

    def wait_event(self, timeout: float) -> DocumentEvent | None:
        """The next placed/removed change of the sensor, debounced over `debounce` readings; a
        document already lying there at the first reading counts as placed. None on timeout (at
        once sleeps `timeout` on a scanner without a sensor)."""
        deadline = time.monotonic() + max(0.0, timeout)
        sensor = self._sensor_name(self._device_options())
        if sensor is None:
            time.sleep(max(0.0, timeout))
            return None
        while True:
            reading = self._read_sensor(sensor)
            self._streak = self._streak + 1 if reading == self._reading else 1
            self._reading = reading
            if self._streak >= self.debounce and reading != self._present:
                was, self._present = self._present, reading
                if reading:
                    return DocumentPlaced(at=time.monotonic())
                if was is not None:
                    return DocumentRemoved(at=time.monotonic())
            if time.monotonic() + self.poll_s > deadline:
                return None
            time.sleep(self.poll_s)

    def chip_reader(self) -> str | None:
        return self._chip_reader

    def close(self) -> None:
        """Nothing held open: every call runs its own scanimage."""

    # ---- scanimage ------------------------------------------------------------------------------

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.sane_config_dir:
            env["SANE_CONFIG_DIR"] = str(self.sane_config_dir)
        return env

    def _binary(self) -> str:
        found = shutil.which(self.scanimage)
        if found is None:
            raise DocumentReaderError(f"{self.name}: {self.scanimage!r} not found (install sane-utils)")
        return found

    def _run(self, args: list[str], timeout: float) -> subprocess.CompletedProcess[bytes]:
        try:
            return subprocess.run([self._binary(), "-d", self.device, *args], env=self._env(),
                                  capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise DeviceGoneError(f"{self.name}: the scanner did not answer within {timeout:.0f} s") from None

    def _device_options(self) -> dict[str, SaneOption]:
        """The device's options (`scanimage -A`); read again after a failure, kept otherwise."""
        if self._options is None:
            self._options = self._read_options()
        return self._options

    def _read_options(self) -> dict[str, SaneOption]:
        proc = self._run(["-A"], _PROBE_TIMEOUT_S)
        if proc.returncode != 0:
            raise self._error(proc.stderr, scanning=False)
        return parse_options(proc.stdout.decode("utf-8", "replace"))

    def _sensor_name(self, opts: Mapping[str, SaneOption]) -> str | None:
        if self.presence_option == "":
            return None
        names = (self.presence_option,) if self.presence_option else PRESENCE_OPTIONS
        return next((n for n in names if n in opts), None)

    def _read_sensor(self, sensor: str) -> bool:
        try:
            opts = self._read_options()
        except DocumentReaderError:
            self._present, self._reading, self._streak = None, None, 0
            self._options = None
            raise
        opt = opts.get(sensor)
        if opt is None:
            raise CaptureFailedError(f"{self.name}: the scanner no longer lists its {sensor!r} sensor")
        return (opt.current or "").lower() in ("yes", "true", "1")

    def _scan(self, args: list[str], light: Light) -> np.ndarray:
        """One scanimage run, its stdout collected while watching for a stall, as an image."""
        proc = subprocess.Popen([self._binary(), "-d", self.device, *args], env=self._env(), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout is not None and proc.stderr is not None
        chunks: list[bytes] = []
        err: list[bytes] = []
        start = time.monotonic()
        last: float | None = None  # when the last image byte came; the stall clock starts with the first
        stalled = False
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ, chunks)
            sel.register(proc.stderr, selectors.EVENT_READ, err)
            open_streams = 2
            while open_streams:
                now = time.monotonic()
                if (last is not None and now - last > self.stall_s) or now - start > self.timeout_s:
                    stalled = True
                    break
                for key, _ in sel.select(timeout=0.1):
                    block = os.read(key.fd, 1 << 20)
                    if not block:
                        sel.unregister(key.fileobj)
                        open_streams -= 1
                        continue
                    key.data.append(block)
                    if key.data is chunks:
                        last = time.monotonic()
        if stalled:
            proc.kill()
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
        data = b"".join(chunks)
        messages = b"".join(err)
        if not stalled and proc.returncode == 0:
            try:
                return parse_pnm(data)
            except CaptureFailedError as exc:
                if data[:2] in (b"P5", b"P6") and "cut off" not in str(exc):
                    raise CaptureFailedError(f"{self.name}: the {light} scan: {exc}") from None
                broken = str(exc)  # empty or cut off: libsane gave up (scanimage may still exit 0)
        else:
            broken = ""
        self._options = None
        early = self._error(messages, scanning=True, light=light) if not stalled else None
        if isinstance(early, UnknownDeviceError) or (early is not None and _before_scan(messages)):
            raise early
        # Failed while the image was coming: tell a scanner gone from one that is still there.
        try:
            self._read_options()
        except DeviceGoneError:
            raise DeviceGoneError(f"{self.name}: the scanner went away during the {light} scan "
                                  f"({len(data)} bytes received)") from None
        if stalled:
            if last is None:
                raise CaptureFailedError(f"{self.name}: the {light} scan gave no image within {self.timeout_s:.0f} s")
            raise CaptureFailedError(f"{self.name}: the {light} scan stalled ({len(data)} bytes, nothing for "
                                     f"{self.stall_s:.0f} s)")
        raise CaptureFailedError(f"{self.name}: the {light} scan failed ({_first_error(messages) or broken})")

    def _error(self, stderr: bytes, *, scanning: bool, light: Light | None = None) -> DocumentReaderError:
        """A scanimage failure as the interface's error, from libsane's status text."""
        last = _first_error(stderr) or "no message"
        what = f"the {light} scan" if light else "the scanner"
        if "open of device" in last and "Invalid argument" in last:
            return UnknownDeviceError(f"{self.name}: SANE knows no device {self.device!r} (see `scanimage -L`)")
        if "open of device" in last:
            return DeviceGoneError(f"{self.name}: the scanner is not reachable ({_sane_reason(last)})")
        if "out of documents" in last or "No documents" in last:
            return CaptureFailedError(f"{self.name}: no document on the scanner")
        if "setting of option" in last:
            return CaptureFailedError(f"{self.name}: the scanner refused a setting for {what}: {_sane_reason(last)}")
        if scanning and ("sane_read" in last or "I/O" in last):
            return DeviceGoneError(f"{self.name}: connection lost during {what} ({_sane_reason(last)})")
        return CaptureFailedError(f"{self.name}: {what} failed ({_sane_reason(last)})")


def _first_error(stderr: bytes) -> str:
    """scanimage's first error line (later ones are the abort that follows it)."""
    lines = [x.strip() for x in stderr.decode("utf-8", "replace").splitlines()]
    lines = [x for x in lines if x and not x.startswith("Output format is not set")]
    return lines[0] if lines else ""


def _before_scan(stderr: bytes) -> bool:
    """The failure came before any image data: opening the device, setting options, no document."""
    line = _first_error(stderr)
    return any(k in line for k in ("open of device", "setting of option", "out of documents", "No documents"))


def _sane_reason(line: str) -> str:
    return line.removeprefix("scanimage: ")[:200]


def list_devices(scanimage: str = "scanimage", sane_config_dir: str | None = None,
                 timeout: float = 15.0) -> list[tuple[str, str, str, str]]:
    """SANE's devices as (name, vendor, model, type), from `scanimage -L` (for `gateway devices`)."""
    binary = shutil.which(scanimage)
    if binary is None:
        return []
    env = dict(os.environ)
    if sane_config_dir:
        env["SANE_CONFIG_DIR"] = str(sane_config_dir)
    try:
        proc = subprocess.run([binary, "-f", "%d\t%v\t%m\t%t%n"], env=env, capture_output=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return []
    out = []
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        parts = line.split("\t")
        if len(parts) == 4:
            out.append((parts[0], parts[1], parts[2], parts[3]))
    return out
