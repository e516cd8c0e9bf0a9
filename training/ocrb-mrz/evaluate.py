"""Measure every MRZ line engine on held-out data; the figures of README.md come from here.

    nice -n 19 env OMP_THREAD_LIMIT=1 .venv/bin/python training/ocrb-mrz/evaluate.py [--lines N] [--pages N]

Two held-out sets, neither seen in training:
  lines   lines rendered by synth.py with a seed no training step uses, once with the full
          degradation range and once "mild" (a good scan): character error rate (CER, by edit
          distance), exact-line rate, median and p95 milliseconds per line;
  pages   whole documents drawn by the simulators' own renderer (simulators/documents: other
          code, other layouts, its own degradations), read end to end by
          `gateway.mrz.image.read_mrz_image` with each engine: exact-MRZ rate, valid rate, wrong
          MRZs reported as valid, median seconds per image.
Engines: Debian's stock `eng` (baseline), our Tesseract model, the glyph classifier, and votes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import synth  # noqa: E402

from gateway.mrz.ocr import LineRecogniser, RecogniserUnavailable, engines  # noqa: E402

LINE_SEED, PAGE_SEED = 5505, 9000


def edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def line_figures(engine: LineRecogniser, data: list[tuple[str, object]]) -> dict[str, float]:
    errors = chars = exact = 0
    times = []
    for text, img in data:
        t = time.perf_counter()
        got = engine.recognise(img, len(text)).text  # type: ignore[arg-type]
        times.append(time.perf_counter() - t)
        errors += edit_distance(got, text)
        chars += len(text)
        exact += got == text
    times.sort()
    return {"cer": errors / chars, "exact": exact / len(data), "ms": 1000 * statistics.median(times),
            "p95": 1000 * times[int(0.95 * (len(times) - 1))]}


def page_figures(engine: LineRecogniser, count: int) -> dict[str, float]:
    from gateway.mrz.image import read_mrz_image
    from simulators.documents import random_case, render

    exact = valid = wrong = 0
    times = []
    for i in range(count):
        spec, degradation = random_case(PAGE_SEED + i)
        doc = render(spec, seed=PAGE_SEED + i, degradation=degradation)
        t = time.perf_counter()
        r = read_mrz_image(doc.encoded, recogniser=engine)
        times.append(time.perf_counter() - t)
        mrz = getattr(r, "mrz", None)
        if mrz is None:
            continue
        ok = list(mrz.lines) == list(doc.truth.mrz_lines)
        exact += ok
        valid += mrz.valid
        wrong += mrz.valid and not ok
    times.sort()
    return {"exact": exact / count, "valid": valid / count, "wrong_valid": wrong,
            "s": statistics.median(times), "p95_s": times[int(0.95 * (len(times) - 1))]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lines", type=int, default=300)
    ap.add_argument("--pages", type=int, default=60)
    ap.add_argument("--engines", default="eng,tesseract,glyphs,vote")
    args = ap.parse_args()
    makers: dict[str, Callable[[], LineRecogniser]] = {
        "eng": engines.eng, "tesseract": engines.own_tesseract, "glyphs": engines.glyphs, "vote": engines.vote,
    }
    sets = {
        "full": synth.samples(LINE_SEED, args.lines),
        "mild": synth.samples(LINE_SEED + 1, args.lines, synth.Degradation.mild()),
    }
    print(f"held-out lines: {args.lines} full-range + {args.lines} mild (seeds {LINE_SEED}, {LINE_SEED + 1}); "
          f"pages: {args.pages} (simulators.documents.random_case seeds {PAGE_SEED}…)")
    print("| engine | CER full | exact full | CER mild | exact mild | ms/line median (p95) "
          "| pages exact | pages valid | wrong valid | s/page median (p95) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in args.engines.split(","):
        try:
            engine = makers[name]()
        except RecogniserUnavailable as exc:
            print(f"| {name} | unavailable: {exc} |")
            continue
        full = line_figures(engine, sets["full"])
        mild = line_figures(engine, sets["mild"])
        pages = page_figures(engine, args.pages) if args.pages else None
        cells = [engine.name, f"{full['cer']:.2%}", f"{full['exact']:.1%}", f"{mild['cer']:.2%}",
                 f"{mild['exact']:.1%}", f"{full['ms']:.1f} ({full['p95']:.1f})"]
        if pages:
            cells += [f"{pages['exact']:.1%}", f"{pages['valid']:.1%}", str(pages["wrong_valid"]),
                      f"{pages['s']:.3f} ({pages['p95_s']:.3f})"]
        print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
