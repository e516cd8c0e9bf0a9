"""MRZ from images: our reader (`gateway.mrz.image.read_mrz_image`) against PassportEye's `read_mrz`,
on the same rendered pictures in the same run.

    nice -n 15 .venv/bin/python benchmarks/ocr_bench.py              # 320 mixed pictures + specimens
    nice -n 15 .venv/bin/python benchmarks/ocr_bench.py --n 40 --peer-every 4
    nice -n 15 .venv/bin/python benchmarks/ocr_bench.py --calibrate  # quality thresholds vs. reading
    nice -n 15 .venv/bin/python benchmarks/ocr_bench.py --peer-every 0 --misses  # ours only, each miss

Pictures come from `simulators.documents` (seeded, generated in memory, never committed): desk scans
on an A4 bed, rotated and skewed scans, degraded pictures (blur, motion, noise, JPEG, low DPI,
lighting) and phone photos with a cluttered background and perspective — plus the ICAO specimens.
No public sample images were available here (PassportEye's wheel and sdist ship none; photos of
real people's documents are not used).

Figures: exact MRZ rate (every character right), valid rate, wrong-but-valid count (the number that
must stay 0), median and p95 seconds per picture, and the ratios ours / PassportEye.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gateway.mrz.image import read_mrz_image
from simulators.documents import Degradation, random_case, render, specimen_spec

TODAY = dt.date(2026, 1, 15)


@dataclass
class Tally:
    exact: int = 0
    valid: int = 0
    wrong_valid: int = 0
    rejected: int = 0
    n: int = 0
    times: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    def add(self, exact: bool, valid: bool, seconds: float, label: str, rejected: bool = False) -> None:
        self.n += 1
        self.exact += exact
        self.valid += valid
        self.wrong_valid += valid and not exact
        self.rejected += rejected
        self.times.append(seconds)
        if not exact:
            self.misses.append(label)

    def rate(self, k: int) -> float:
        return k / self.n if self.n else 0.0

    def p(self, q: float) -> float:
        return float(np.percentile(self.times, q)) if self.times else float("nan")


def ours(data: bytes, truth: list[str]) -> tuple[bool, bool, float, bool]:
    t = time.perf_counter()
    r = read_mrz_image(data, today=TODAY)
    dt_ = time.perf_counter() - t
    lines = list(r.mrz.lines) if r.mrz else []
    return lines == truth, r.valid, dt_, r.rescan


def passporteye(data: bytes, truth: list[str]) -> tuple[bool, bool, float]:
    from passporteye.mrz.image import MRZPipeline
    from passporteye.mrz.text import MRZOCRCleaner

    t = time.perf_counter()
    try:
        p = MRZPipeline(io.BytesIO(data))
        mrz = p.result
    except Exception:  # PassportEye raises on some inputs; that is a miss, not a crash of the bench
        mrz = None
    dt_ = time.perf_counter() - t
    if mrz is None:
        return False, False, dt_
    try:
        lines = list(MRZOCRCleaner.apply(mrz.aux.get("raw_text", "")))
    except Exception:
        lines = []
    return lines == truth, bool(mrz.valid), dt_


def cases(n: int):
    for seed in range(n):
        spec, d = random_case(seed)
        yield f"{seed}:{spec.format}:{d.scene}:r{d.rotation}", render(spec, seed=seed, degradation=d), d.scene
    for i, name in enumerate(("TD3", "TD2", "TD1", "TD1-DE")):
        for d in (Degradation(scene="scanner", dpi=300), Degradation(scene="phone", skew=6, dpi=240, jpeg=80,
                                                                     lighting=0.3, noise=3)):
            yield f"specimen:{name}:{d.scene}", render(specimen_spec(name), seed=900 + i, degradation=d), d.scene


def report(name: str, t: Tally) -> None:
    print(f"  {name:<18} exact {t.exact:>4}/{t.n} ({100 * t.rate(t.exact):5.1f} %)  valid {t.valid:>4} "
          f"({100 * t.rate(t.valid):5.1f} %)  wrong-but-valid {t.wrong_valid}  "
          f"median {t.p(50):.3f} s  p95 {t.p(95):.3f} s")


def run(args: argparse.Namespace) -> None:
    totals = {"ours": Tally(), "passporteye": Tally()}
    photos = {"ours": Tally(), "passporteye": Tally()}
    pe_subset = Tally()  # ours on exactly the pictures PassportEye also read
    for k, (label, doc, scene) in enumerate(cases(args.n)):
        truth = doc.truth.mrz_lines
        ex, va, s, rej = ours(doc.encoded, truth)
        totals["ours"].add(ex, va, s, label, rej)
        if scene == "phone":
            photos["ours"].add(ex, va, s, label, rej)
        if args.peer_every and k % args.peer_every == 0:
            pe_subset.add(ex, va, s, label, rej)
            pex, pva, ps = passporteye(doc.encoded, truth)
            totals["passporteye"].add(pex, pva, ps, label)
            if scene == "phone":
                photos["passporteye"].add(pex, pva, ps, label)
        if args.verbose:
            print(f"{label:<32} ours exact={ex} valid={va} {s:.3f}s", flush=True)
        if args.misses and not ex:
            print(f"miss {label}: dpi {doc.truth.dpi:.0f}, {doc.truth.degradations}, valid={va}, rescan={rej}",
                  flush=True)
    print(f"MRZ from images, {totals['ours'].n} rendered pictures (mixed formats and degradations), "
          f"PassportEye on {totals['passporteye'].n} of them")
    print("all pictures:")
    report("gateway (ours)", totals["ours"])
    if totals["passporteye"].n:
        print("pictures PassportEye also read:")
        report("gateway (ours)", pe_subset)
        report("PassportEye", totals["passporteye"])
    print("phone photos:")
    report("gateway (ours)", photos["ours"])
    if photos["passporteye"].n:
        report("PassportEye", photos["passporteye"])
    pe = totals["passporteye"]
    if pe.n:
        speed = pe.p(50) / pe_subset.p(50) if pe_subset.p(50) > 0 else float("inf")
        pv, ov = photos["passporteye"], photos["ours"]
        vr = (ov.rate(ov.valid) / pv.rate(pv.valid)) if pv.n and pv.valid else float("inf")
        print("ratios ours / PassportEye:")
        print(f"  exact rate x{(pe_subset.rate(pe_subset.exact) / max(pe.rate(pe.exact), 1e-9)):.1f}, "
              f"valid rate on photos x{vr:.1f}, median speed x{speed:.1f}")
    print(f"rescan asked (reject-level quality issue or no MRZ): {totals['ours'].rejected}")
    if totals["ours"].misses:
        print("ours, not exact: " + ", ".join(totals["ours"].misses[:60]))


def calibrate(args: argparse.Namespace) -> None:
    """Sweep one degradation at a time; print the quality measure and how often the reading is exact."""
    from gateway.mrz.image import read_mrz_image as read

    sweeps = {
        "blur": [Degradation(blur=b) for b in (0.0, 0.08, 0.12, 0.16, 0.2, 0.25, 0.3, 0.35)],
        "dpi": [Degradation(dpi=v) for v in (300.0, 200.0, 150.0, 120.0, 100.0, 85.0, 75.0, 65.0)],
        "glare": [Degradation(glare=g) for g in (0.0, 1.5, 2.0, 2.5, 3.0, 4.0, 6.0, 8.0)],
        "motion": [Degradation(motion=m, motion_angle=10) for m in (0.0, 0.2, 0.3, 0.4, 0.5, 0.7)],
    }
    for name, levels in sweeps.items():
        print(f"{name}:")
        for d in levels:
            exact = valid = 0
            vals = []
            for seed in range(args.n):
                doc = render(seed=3000 + seed, degradation=d)
                r = read(doc.encoded, today=TODAY)
                ok = bool(r.mrz) and list(r.mrz.lines) == doc.truth.mrz_lines
                exact += ok
                valid += r.valid
                if r.quality:
                    vals.append((r.quality.focus, r.quality.glare, r.quality.dpi))
            m = np.array(vals) if vals else np.zeros((1, 3))
            print(f"  {d.applied()}  exact {exact}/{args.n}  valid {valid}  focus median "
                  f"{statistics.median(m[:, 0]):.3f}  glare max {m[:, 1].max():.3f}  dpi median "
                  f"{statistics.median(m[:, 2]):.0f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=320, help="rendered pictures (default 320, plus 8 specimens)")
    ap.add_argument("--peer-every", type=int, default=1, help="run PassportEye on every k-th picture (0: never)")
    ap.add_argument("--calibrate", action="store_true", help="sweep degradations for the quality thresholds")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--misses", action="store_true", help="print each picture ours did not read exactly, with "
                    "its degradations (--peer-every 0 runs ours only)")
    args = ap.parse_args()
    if args.calibrate:
        args.n = min(args.n, 12)
        calibrate(args)
    else:
        run(args)


if __name__ == "__main__":
    main()
