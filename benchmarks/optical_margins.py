"""The optical checks' margins: each figure (IR ratio, UV paper level, UV feature share, portrait distance) on genuine
pages and on the forgery it is meant to catch, over N desk-scanner renders per chip profile (200 and
300 dpi, PNG and JPEG 85, noise 0-2, skew -2..+2 degrees), and the time the checks take.

    .venv/bin/python benchmarks/optical_margins.py [--renders 6] [--profiles td3-bac,td3-rsa-pss]

Prints, per figure, the genuine range, the forged range, the threshold, and the margin on each
side (distance from the threshold to the nearest value, relative to the threshold).
"""

from __future__ import annotations

import argparse
import statistics
import time

import cv2
import numpy as np

from gateway.mrz.image import read_mrz_image
from gateway.nfc.lds import parse_dg2
from gateway.verify import optical as o
from simulators.chip.document import dg_fid
from simulators.documents import Degradation, render
from simulators.documents.profiles import spec_from_profile
from tests.verify_support import NOW, document

FIGURES = {  # figure -> (forgery it catches, threshold, forged side: "below" | "above")
    "ir_ratio": ("ir_invisible_mrz", o.IR_RATIO_MIN, "below"),
    "uv_paper": ("uv_bright_paper", o.UV_PAPER_MAX, "above"),
    "uv_feature_share": ("no_uv_feature", o.UV_FEATURE_MIN, "below"),
    "portrait_distance": ("swapped_photo", o.PORTRAIT_DISTANCE_MAX, "above"),
}


def chip_face(profile: str) -> np.ndarray:
    image = parse_dg2(document(profile).app_files[dg_fid(2)]).face.image
    return cv2.imdecode(np.frombuffer(image, np.uint8), cv2.IMREAD_COLOR)


def degradation(i: int) -> Degradation:
    return Degradation(scene="scanner", dpi=(200.0, 300.0)[i % 2], jpeg=(0, 85)[(i // 2) % 2],
                       noise=float(i % 3), skew=float(i % 5 - 2))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--renders", type=int, default=6)
    ap.add_argument("--profiles", default="td3-bac,td3-pace-bac-ca-aa,td3-rsa-pss,td3-ecdsa-aa-p256")
    args = ap.parse_args()
    values: dict[tuple[str, str], list[float]] = {}
    times: list[float] = []
    for profile in args.profiles.split(","):
        face = chip_face(profile)
        for forgery in ("", *(f for f, _, _ in FIGURES.values())):
            spec = spec_from_profile(profile, forgeries=frozenset({forgery} - {""}))
            for i in range(args.renders):
                shots = {light: cv2.imdecode(np.frombuffer(render(spec, seed=i, degradation=degradation(i),
                                                                  light=light).encoded, np.uint8), cv2.IMREAD_COLOR)
                         for light in ("white", "ir", "uv")}  # as the scanner delivers them (PNG or JPEG)
                read = read_mrz_image(shots["white"], portrait=True, today=NOW.date())
                if read.mrz is None or read.mrz_quad is None:
                    print(f"  {profile} {forgery or 'genuine'} render {i}: MRZ not found, skipped")
                    continue
                t0 = time.perf_counter()
                _, m = o.optical_checks(fmt=read.mrz.format, white=shots["white"], quad=read.mrz_quad,
                                        ir=shots["ir"], uv=shots["uv"],
                                        page_portrait=read.portrait.image if read.portrait else None,
                                        chip_face=face, chip_read=True, warnings=read.warnings)
                times.append(time.perf_counter() - t0)
                for fig in FIGURES:
                    v = getattr(m, fig)
                    if v is not None:
                        values.setdefault((fig, forgery or "genuine"), []).append(v)
    print(f"{'figure':<18} {'genuine (n, min-max)':<26} {'forged (n, min-max)':<26} {'threshold':>9}  margins")
    for fig, (forgery, threshold, side) in FIGURES.items():
        g, f = values.get((fig, "genuine"), []), values.get((fig, forgery), [])
        if not g or not f:
            continue
        if side == "below":
            mg, mf = (min(g) - threshold) / threshold, (threshold - max(f)) / threshold
        else:
            mg, mf = (threshold - max(g)) / threshold, (min(f) - threshold) / threshold
        print(f"{fig:<18} {len(g):>3}, {min(g):7.3f}-{max(g):<7.3f}        {len(f):>3}, {min(f):7.3f}-{max(f):<7.3f}"
              f"        {threshold:>9.3f}  genuine {mg:+.0%}, forged {mf:+.0%}")
    print(f"optical checks: median {statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms "
          f"per page ({len(times)} pages, three lights)")


if __name__ == "__main__":
    main()
