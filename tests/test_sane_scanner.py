"""The SANE adapter over the real stack: the simulated saned on a real TCP port, libsane's own
`net` backend in a real `scanimage`, driven by `SaneScanner`. Scans are small (200 dpi, one TD3
data page) so each takes well under a second."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from gateway.drivers.document_reader import (
    CaptureFailedError,
    DeviceGoneError,
    DocumentPlaced,
    DocumentReader,
    DocumentRemoved,
    Light,
    load_driver,
)
from gateway.drivers.sane_scanner import (
    SaneScanner,
    UnknownDeviceError,
    list_devices,
    parse_options,
    parse_pnm,
)
from gateway.mrz.image import read_mrz_image
from simulators.documents.profiles import spec_from_profile
from simulators.scanner.sane_config import write_sane_config
from simulators.scanner.server import SimulatedScanner

TODAY = dt.date(2026, 1, 15)
DPI = 200
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def spec():
    return spec_from_profile("td3-bac")


@pytest.fixture
def sim(tmp_path: Path):
    s = SimulatedScanner()
    s.config_dir = tmp_path / "sane"  # type: ignore[attr-defined]
    write_sane_config(s.config_dir, [s.host])  # type: ignore[attr-defined]
    yield s
    s.close()


def scanner(sim: SimulatedScanner, **kw) -> SaneScanner:
    kw.setdefault("stall_s", 1.5)
    return SaneScanner(sim.device, dpi=DPI, sane_config_dir=str(sim.config_dir), poll_s=0.05, **kw)  # type: ignore[attr-defined]


def mrz_band_darkness(img: np.ndarray) -> float:
    """Share of dark pixels in the lower quarter of the page scan (where a TD3 MRZ sits)."""
    grey = img.mean(axis=2) if img.ndim == 3 else img
    band = grey[int(grey.shape[0] * 0.75):]
    return float((band < 110).mean())


def test_white_ir_uv_scans_have_one_geometry_and_the_mrz_reads_back(sim, spec) -> None:
    sim.place(spec)
    reader = scanner(sim)
    caps = reader.capabilities()
    assert caps.lights == {Light.WHITE, Light.IR, Light.UV} and caps.presence and not caps.mrz
    shots = reader.capture([Light.WHITE, Light.IR, Light.UV])
    assert [c.light for c in shots] == [Light.WHITE, Light.IR, Light.UV]
    # A TD3 data page (125 x 88 mm) plus the reader window's 3 mm margins, sampled at 200 dpi.
    want_w, want_h = (125 + 6) / 25.4 * DPI, (88 + 6) / 25.4 * DPI
    for c in shots:
        assert c.dpi == DPI and c.image.dtype == np.uint8 and c.image.ndim == 3
        assert c.image.shape[:2] == (c.height, c.width) == shots[0].image.shape[:2]
        assert abs(c.width - want_w) <= 3 and abs(c.height - want_h) <= 3
    white, ir, uv = (c.image for c in shots)
    assert not np.array_equal(white, ir) and not np.array_equal(white, uv)
    for img in (white, ir):
        r = read_mrz_image(img, today=TODAY)
        assert r.status == "read" and r.valid
        assert list(r.mrz.lines) == spec.lines()
    assert sim.scans == 3


def test_ir_shows_the_mrz_and_the_ir_invisible_forgery_does_not(sim) -> None:
    genuine = spec_from_profile("td3-bac")
    forged = spec_from_profile("td3-bac", forgeries=frozenset({"ir_invisible_mrz"}))
    reader = scanner(sim)
    sim.place(genuine)
    ir_genuine = reader.capture([Light.IR])[0].image
    sim.place(forged)
    white_forged, ir_forged = (c.image for c in reader.capture([Light.WHITE, Light.IR]))
    assert mrz_band_darkness(ir_genuine) > 0.03
    assert mrz_band_darkness(ir_forged) < mrz_band_darkness(ir_genuine) / 5
    assert mrz_band_darkness(white_forged) > 0.03  # the forgery's MRZ is printed, just not in IR ink
    assert read_mrz_image(ir_forged, today=TODAY).status != "read"


def test_presence_sensor_reports_placed_and_removed(sim, spec) -> None:
    reader = scanner(sim)
    assert reader.wait_event(0.3) is None  # nothing on the glass, nothing to report
    sim.place(spec)
    t0 = time.monotonic()
    ev = reader.wait_event(5)
    assert isinstance(ev, DocumentPlaced) and ev.at >= t0
    assert reader.wait_event(0.3) is None  # still lying there: no second event
    sim.remove()
    assert isinstance(reader.wait_event(5), DocumentRemoved)


def test_debounce_holds_across_short_polls(sim, spec) -> None:
    reader = scanner(sim, debounce=3)
    sim.place(spec)
    events = [reader.wait_event(0.0) for _ in range(3)]  # one sensor reading per call
    assert events[:2] == [None, None] and isinstance(events[2], DocumentPlaced)


def test_a_document_already_lying_there_counts_as_placed(sim, spec) -> None:
    sim.place(spec)
    assert isinstance(scanner(sim).wait_event(5), DocumentPlaced)


def test_without_a_sensor_option_presence_is_not_claimed(sim, spec) -> None:
    reader = scanner(sim, presence_option="")
    assert not reader.capabilities().presence
    sim.place(spec)
    t0 = time.monotonic()
    assert reader.wait_event(0.2) is None and time.monotonic() - t0 >= 0.2


def test_no_document_is_a_clear_capture_error(sim) -> None:
    with pytest.raises(CaptureFailedError, match="no document on the scanner"):
        scanner(sim).capture([Light.WHITE])


def test_scanner_vanishing_mid_scan_then_recovering(sim, spec) -> None:
    sim.place(spec)
    reader = scanner(sim)
    reader.capture([Light.WHITE])  # warm: the page is rendered, the options known
    sim.vanish(mid_scan=True)
    with pytest.raises(DeviceGoneError, match="went away during the ir scan"):
        reader.capture([Light.IR])
    with pytest.raises(DeviceGoneError, match="not reachable"):
        reader.capture([Light.IR])
    with pytest.raises(DeviceGoneError):
        reader.wait_event(1)
    sim.restore()
    shot = reader.capture([Light.IR])[0]  # the same reader object: no restart
    assert read_mrz_image(shot.image, today=TODAY).status == "read"
    assert isinstance(reader.wait_event(5), DocumentPlaced)


def test_a_stalled_scan_is_a_capture_error_not_a_hang(sim, spec) -> None:
    sim.place(spec)
    reader = scanner(sim, stall_s=1.0)
    reader.capture([Light.UV])  # warm: the page is rendered
    sim.stall = True
    t0 = time.monotonic()
    with pytest.raises(CaptureFailedError, match="stalled"):
        reader.capture([Light.UV])
    assert time.monotonic() - t0 < 8
    sim.stall = False
    assert reader.capture([Light.UV])[0].width > 0


def test_unknown_device_and_unreachable_host(sim, spec) -> None:
    sim.place(spec)
    other = SaneScanner(f"net:{sim.host}:no-such-scanner", sane_config_dir=str(sim.config_dir))  # type: ignore[attr-defined]
    with pytest.raises(UnknownDeviceError, match="no-such-scanner"):
        other.capture([Light.WHITE])
    nobody = SaneScanner("net:127.0.0.2:gateway-sim", sane_config_dir=str(sim.config_dir))  # type: ignore[attr-defined]
    with pytest.raises(DeviceGoneError, match="not reachable"):
        nobody.capabilities()


def test_light_not_offered_by_the_scanner_is_refused_by_name(sim, spec) -> None:
    sim.place(spec)
    reader = scanner(sim, light_values={"white": "White", "ir": "IR", "uv": "Blacklight"})
    assert reader.capabilities().lights == {Light.WHITE, Light.IR}
    with pytest.raises(CaptureFailedError, match="no source value for light uv"):
        reader.capture([Light.UV])
    with pytest.raises(CaptureFailedError, match="no mode 'Colour'"):
        scanner(sim, mode="Colour").capture([Light.WHITE])


def test_a_scanner_without_the_light_option_offers_white_only(sim, spec) -> None:
    sim.place(spec)
    reader = scanner(sim, light_option="illumination")
    assert reader.capabilities().lights == {Light.WHITE}
    with pytest.raises(CaptureFailedError, match="no 'illumination' option to select light ir"):
        reader.capture([Light.IR])
    assert reader.capture([Light.WHITE])[0].width > 0


def test_entry_point_and_device_list(sim) -> None:
    reader = load_driver("sane", device=sim.device, dpi=150, sane_config_dir=str(sim.config_dir))  # type: ignore[attr-defined]
    assert isinstance(reader, SaneScanner) and isinstance(reader, DocumentReader)
    assert reader.dpi == 150 and reader.chip_reader() is None
    devices = list_devices(sane_config_dir=str(sim.config_dir))  # type: ignore[attr-defined]
    assert (sim.device, "Gateway", "Simulated desk reader", "document scanner") in devices


def test_gateway_sim_scanner_command(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-m", "simulators.cli", "scanner", "--profile", "td3-bac", "--host",
                             "auto", "--empty", "--sane-config", str(tmp_path / "sane")], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdin is not None
        device = proc.stdout.readline().split("device: ", 1)[1].strip()
        config = proc.stdout.readline().split("SANE_CONFIG_DIR=", 1)[1].strip()
        proc.stdout.readline()
        reader = SaneScanner(device, dpi=150, sane_config_dir=config, poll_s=0.05)
        with pytest.raises(CaptureFailedError, match="no document"):
            reader.capture([Light.WHITE])
        proc.stdin.write("place\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "document placed"
        assert isinstance(reader.wait_event(5), DocumentPlaced)
        shot = reader.capture([Light.IR])[0]
        assert shot.dpi == 150 and mrz_band_darkness(shot.image) > 0.03
        proc.stdin.write("quit\n")
        proc.stdin.flush()
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# ---- the adapter's own parsing of scanimage output -----------------------------------------------

def test_pnm_is_bounded_before_allocation_and_a_cut_scan_is_an_error() -> None:
    rgb = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    data = b"P6\n# SANE data follows\n3 2\n255\n" + rgb.tobytes()
    assert np.array_equal(parse_pnm(data), rgb[:, :, ::-1])  # BGR, as OpenCV and the MRZ reader take it
    with pytest.raises(CaptureFailedError, match="cut off"):
        parse_pnm(data[:-1])
    with pytest.raises(CaptureFailedError, match="above the page budget"):
        parse_pnm(b"P6\n100000 100000\n255\n")
    with pytest.raises(CaptureFailedError, match="no binary PNM"):
        parse_pnm(b"\x89PNG\r\n")


def test_scanimage_option_listing_is_parsed() -> None:
    text = ("\nAll options specific to device `net:h:d':\n    --mode Color|Gray [Color]\n        Scan mode.\n"
            "    --source White|IR|UV [IR]\n    --resolution 75..600dpi (in steps of 1) [300]\n"
            "    --page-loaded[=(yes|no)] [no] [hardware]\n    -l 0..215.9mm [0]\n")
    opts = parse_options(text)
    assert opts["source"].choices() == ["White", "IR", "UV"] and opts["source"].current == "IR"
    assert opts["page-loaded"].current == "no" and not opts["page-loaded"].settable
    assert opts["resolution"].current == "300" and opts["resolution"].settable
    assert opts["l"].current == "0"
