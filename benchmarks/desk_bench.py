"""Document placed -> verdict at the desk document reader, broken into its phases, with floors and a peer.

Run: `.venv/bin/python benchmarks/desk_bench.py [--rounds N] [--profiles genuine-td3,genuine-td3-bac]`.

* The desk is `simulators.desk.SimulatedDesk` in this process: the page scanner behind a simulated
  saned (libsane's own `net` backend and `scanimage` read it, as a networked scanner), and the chip in
  a pcscd vpcd slot with the contactless link modelled at 424 kbit/s (`simulators.chip.link`).
* The daemon runs as its own process (`python -m gateway serve --config ...`, as in production), with
  the desk's document reader and chip reader configured as one desk. The client holds a
  `VerifyStream(wait_document)` call (its `awaiting_document` event has arrived); then the document is
  placed. Total = placement -> the result at the client. Phases, from the stream's events and the
  result's timings: detection (placement -> `document_placed`: the scanner's sensor poll), capture
  (the white scan; IR and UV are scanned while the chip is read, and the wait for them, if any, is
  its own phase), OCR (MRZ off the white image), chip (access and every file), checks (passive
  authentication, the optical checks, the verdict).
* Link time: the time the modelled link itself needs for the bytes moved (VpcdCard's
  `modeled_link_s`): what any reader pays at 424 kbit/s. Aim (issue 13): total <= link time + 0.5 s.
* In the same run: the chip read alone (`read_and_verify` in this process with the MRZ typed in, same
  card, same link); `scanimage` alone for the white light (the capture floor: process start, libsane,
  transfer); and PassportEye's `read_mrz` on the same white scan next to our OCR (the peer).
"""

from __future__ import annotations

import argparse
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PORT = 35964  # a vpcd slot of simulators/chip/reader.conf
NOT_CHIP = {"page", "optical", "checks", "capture", "capture_wait", "document_wait", "queued", "device_mrz"}


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def start_daemon(config: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "gateway", "serve", "--config", str(config), "--log-level",
                             "warning"], stderr=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stderr is not None
    deadline = time.monotonic() + 30
    for line in proc.stderr:
        if "serving on" in line:
            threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()  # type: ignore[union-attr]
            return proc, line.split("serving on ", 1)[1].strip()
        if time.monotonic() > deadline:
            break
    proc.kill()
    raise SystemExit("the daemon did not start")


def one_touch(client, desk, timeout: float = 60.0) -> dict[str, float]:
    """One placement: the stream's events with their arrival times, and the result's phases."""
    from gateway.service.model import VerifyResult

    items: queue.Queue = queue.Queue()

    def run() -> None:
        try:
            for item in client.verify_stream(wait_document=True, reader_id="desk1", timeout=timeout):
                items.put((time.perf_counter(), item))
        except Exception as exc:  # reported below
            items.put((time.perf_counter(), exc))

    threading.Thread(target=run, daemon=True).start()
    while True:
        _, item = items.get(timeout=timeout)
        if isinstance(item, Exception):
            raise item
        if type(item).__name__ == "AwaitingDocument":
            break
    desk.chip.slot.stats.modeled_link_s = 0.0
    desk.place()  # renders the scans first (a reader's pre-scan), then the sensor reports the page
    t0 = time.perf_counter()
    out: dict[str, float] = {}
    while True:
        at, item = items.get(timeout=timeout)
        if isinstance(item, Exception):
            raise item
        name = type(item).__name__
        if name == "DocumentPlaced":
            out["detect"] = at - t0
        elif name == "PagesCaptured":
            out["capture"] = item.seconds
        elif isinstance(item, VerifyResult):
            out["total"] = at - t0
            phases = item.timings.phases
            out["ocr"] = phases.get("page", 0.0)
            out["checks"] = phases.get("checks", 0.0) + phases.get("optical", 0.0)
            out["ir_uv_wait"] = phases.get("capture_wait", 0.0)
            out["chip"] = sum(v for k, v in phases.items() if k not in NOT_CHIP)
            out["link"] = desk.chip.slot.stats.modeled_link_s
            out["verdict"] = item.verdict.status.value  # type: ignore[assignment]
            out["bytes"] = item.reading.bytes_received if item.reading else 0
            return out


def chip_alone(desk, trust, rounds: int) -> list[float]:
    """The same chip read and verified in this process with the MRZ typed in (no page, no daemon)."""
    from gateway.drivers.pcsc import PcscConnection
    from gateway.nfc.access_key import MRZKey
    from gateway.verify.pipeline import VerifyOptions, read_and_verify
    from simulators.chip.lds_builder import mrz_lines
    from simulators.chip.profile import load_profile
    from simulators.pcscd import wait_card_state

    mrz = "\n".join(mrz_lines(load_profile(desk.chip_profile)))
    wait_card_state(desk.chip_reader, True, timeout=10)
    time.sleep(1.0)  # pcscd settles after the reinsertion
    times = []
    for _ in range(rounds):
        conn = PcscConnection(desk.chip_reader)
        conn.connect()
        try:
            t0 = time.perf_counter()
            result = read_and_verify(conn, MRZKey.from_mrz(mrz), trust, VerifyOptions(wait_for_card_s=5.0),
                                     printed_mrz=mrz)
            times.append(time.perf_counter() - t0)
            assert result.verdict.status.value == "GENUINE", result.verdict.to_dict()
        finally:
            conn.disconnect()
    return times


def scanimage_alone(desk, rounds: int, dpi: int) -> tuple[list[float], bytes]:
    """`scanimage` for the white light alone, as a shell script would: the capture floor."""
    env = dict(os.environ, SANE_CONFIG_DIR=str(desk.sane_config_dir))
    times, white = [], b""
    for _ in range(rounds):
        t0 = time.perf_counter()
        white = subprocess.run(["scanimage", "-d", desk.scanner_device, "--format=pnm", "--mode", "Color",
                                "--source", "White", "--resolution", str(dpi)], env=env, capture_output=True,
                               check=True, timeout=60).stdout
        times.append(time.perf_counter() - t0)
    return times, white


def ocr_compare(white_pnm: bytes, rounds: int) -> tuple[list[float], list[float], bool, bool]:
    import cv2
    import numpy as np

    from gateway.mrz.image import read_mrz_image

    image = cv2.imdecode(np.frombuffer(white_pnm, np.uint8), cv2.IMREAD_COLOR)
    png = cv2.imencode(".png", image)[1].tobytes()
    ours, peer = [], []
    ok_ours = ok_peer = False
    for _ in range(rounds):
        t0 = time.perf_counter()
        r = read_mrz_image(png)
        ours.append(time.perf_counter() - t0)
        ok_ours = r.mrz is not None and r.mrz.valid
    try:
        from passporteye import read_mrz
    except ImportError:
        return ours, peer, ok_ours, False
    with tempfile.NamedTemporaryFile(suffix=".png") as f:
        f.write(png)
        f.flush()
        for _ in range(max(1, rounds // 2)):
            t0 = time.perf_counter()
            m = read_mrz(f.name)
            peer.append(time.perf_counter() - t0)
            ok_peer = m is not None and bool(m.valid)
    return ours, peer, ok_ours, ok_peer


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--profiles", default="genuine-td3,genuine-td3-bac")
    ap.add_argument("--dpi", type=int, default=300)
    ap.add_argument("--kbit-s", type=int, default=424)
    args = ap.parse_args()

    from gateway.client import GatewayClient
    from gateway.pki.store import TrustStore
    from simulators.chip.pki import TestPKI
    from simulators.desk.desk import SimulatedDesk
    from simulators.pcscd import ensure_pcscd

    handle = ensure_pcscd()
    trust_dir = Path(tempfile.mkdtemp(prefix="desk-bench-trust-"))
    TestPKI.shared().write_trust(trust_dir)
    trust = TrustStore.from_paths([trust_dir])
    print(f"desk_bench: {args.rounds} placements per profile, scans at {args.dpi} dpi, link {args.kbit_s} kbit/s, "
          f"{os.cpu_count()} cores")
    try:
        for profile in args.profiles.split(","):
            desk = SimulatedDesk(profile, PORT, kbit_s=args.kbit_s, dpi=args.dpi)
            with tempfile.TemporaryDirectory() as tmp:
                config = Path(tmp) / "desk.toml"
                config.write_text(f'[server]\nlisten = ["127.0.0.1:0"]\n[trust]\npath = "{trust_dir}"\n\n'
                                  + desk.daemon_config() + "poll_s = 0.05\n")
                proc, address = start_daemon(config)
                try:
                    with GatewayClient(address, timeout=60) as client:
                        deadline = time.monotonic() + 20
                        while not client.describe_device("desk1-scanner").attached:
                            if time.monotonic() > deadline:
                                raise SystemExit("the scanner did not attach")
                            time.sleep(0.05)
                        one_touch(client, desk)  # warm-up: first render, first TLS-free channel, imports
                        desk.remove()
                        runs = []
                        for _ in range(args.rounds):
                            time.sleep(0.3)  # the removal reaches the daemon
                            runs.append(one_touch(client, desk))
                            desk.remove()
                finally:
                    proc.terminate()
                    proc.wait(10)
            desk.place()
            alone = chip_alone(desk, trust, args.rounds)
            desk.remove()
            desk.place()
            scans, white = scanimage_alone(desk, args.rounds, args.dpi)
            desk.close()
            ours, peer, ok_ours, ok_peer = ocr_compare(white, args.rounds)
            verdicts = {r["verdict"] for r in runs}
            col = {k: med([r[k] for r in runs]) for k in ("detect", "capture", "ocr", "chip", "ir_uv_wait",
                                                          "checks", "total", "link")}
            print(f"\n{profile}: verdict {', '.join(sorted(verdicts))}; {int(runs[0]['bytes'])} bytes from the chip")
            print(f"  placed -> verdict   median {col['total']:.3f} s   (min {min(r['total'] for r in runs):.3f}, "
                  f"max {max(r['total'] for r in runs):.3f})")
            names = {"detect": "detect (sensor poll)", "capture": "capture (white)", "ocr": "MRZ OCR",
                     "chip": "chip", "ir_uv_wait": "IR/UV wait (scanned during the chip)",
                     "checks": "checks (passive + optical + verdict)"}
            for k, label in names.items():
                print(f"    {label:<38} {col[k]:.3f} s")
            budget = col["link"] + 0.5
            met = col["total"] <= budget
            print(f"  link time {col['link']:.3f} s at {args.kbit_s} kbit/s; "
                  f"aim total <= link + 0.5 s = {budget:.3f} s: "
                  f"{'MET' if met else 'NOT met'} (overhead over link {col['total'] - col['link']:.3f} s)")
            if alone:
                print(f"  chip read alone (in process, MRZ typed) median {med(alone):.3f} s: the desk flow costs "
                      f"x{col['total'] / med(alone):.2f} of it")
            print(f"  scanimage alone, white     median {med(scans):.3f} s (capture floor); "
                  f"ours {col['capture']:.3f} s "
                  f"(x{col['capture'] / med(scans):.2f})")
            if peer:
                print(f"  OCR of the white scan: ours {med(ours):.3f} s ({'valid' if ok_ours else 'NOT valid'}), "
                      f"PassportEye {med(peer):.3f} s ({'valid' if ok_peer else 'not valid'}): "
                      f"x{med(peer) / med(ours):.1f} faster")
    finally:
        handle.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
