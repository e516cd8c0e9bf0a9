"""Speech latency per phrase and language, Opus cost, the sheet's render time, phrasebook coverage.

    .venv/bin/python benchmarks/speech_bench.py [--rounds 2] [--languages bg,ro]

For every interview question (57) in every language: the time `TranslationDesk.speak` takes with the
cache cleared (espeak-ng process, WAV repair, checks) - median and p95 per language -, the real-time
factor (synthesis time / audio length), and the peer measured in the same run: the plain
`espeak-ng -w FILE TEXT` call a naive integration would make, same text, voice and speed (ratio
ours / plain). Then Opus encoding on top, a cached call, and the first-information sheet's render
time per language (median of 3).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gateway.service.translation import TranslationDesk
from gateway.translation import LANGUAGES
from gateway.translation.speech import AudioFormat


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _values(entry) -> dict[str, str] | None:
    if not entry.placeholders:
        return None
    return {n: {"date": "12.03.2026", "time": "10:30"}.get(n, "Stadt Musterstadt") for n in entry.placeholders}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=1, help="passes over all phrases (default 1)")
    parser.add_argument("--languages", default=",".join(LANGUAGES))
    args = parser.parse_args()
    langs = [x for x in args.languages.split(",") if x]
    desk = TranslationDesk.start()
    questions = desk.book.questions()
    engine = desk.engine
    assert engine is not None
    print(f"espeak-ng: {engine.info.version}; opusenc: {'yes' if desk.opus.available else 'no'}; "
          f"{len(questions)} questions x {len(langs)} languages x {args.rounds} round(s)\n")

    total = len(desk.book.source.entries)
    translated = [c for c in LANGUAGES if c != "de"]
    reviewed = sum(desk.book.coverage(c).reviewed for c in translated)
    drafted = sum(desk.book.coverage(c).machine_drafted for c in translated)
    missing = sum(desk.book.coverage(c).missing for c in translated)
    cells = total * len(translated)
    print(f"phrasebook: {total} texts (interview {len(desk.book.source.domain('interview'))}, sheet "
          f"{len(desk.book.source.domain('infosheet'))}) x {len(translated)} translated languages = {cells}; "
          f"reviewed {reviewed} ({100 * reviewed / cells:.0f} %), machine-drafted {drafted} "
          f"({100 * drafted / cells:.0f} %), missing {missing}\n")

    header = (f"{'lang':<5}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}{'audio s':>9}{'RTF':>7}"
              f"{'plain p50':>10}{'ours/plain':>11}{'+opus p50':>10}{'cached ms':>10}")
    print(header)
    print("-" * len(header))
    all_ours, all_plain = [], []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "plain.wav"
        for lang in langs:
            ours, plain, audio, rtf, opus, cached = [], [], [], [], [], []
            for _ in range(args.rounds):
                for entry in questions:
                    desk.clear_caches()
                    t0 = time.perf_counter()
                    r = desk.speak(entry.id, lang, values=_values(entry))
                    dt = time.perf_counter() - t0
                    ours.append(dt)
                    audio.append(r.duration_s)
                    rtf.append(dt / r.duration_s)
                    t0 = time.perf_counter()
                    subprocess.run([engine.binary, "-v", r.voice, "-s", "150", "-w", str(out), r.text], check=True,
                                   capture_output=True)
                    plain.append(time.perf_counter() - t0)
                    t0 = time.perf_counter()
                    desk.speak(entry.id, lang, values=_values(entry))
                    cached.append(time.perf_counter() - t0)
                    if desk.opus.available:
                        desk.clear_caches()
                        t0 = time.perf_counter()
                        desk.speak(entry.id, lang, AudioFormat.OPUS, values=_values(entry))
                        opus.append(time.perf_counter() - t0)
            all_ours += ours
            all_plain += plain
            med, pmed = statistics.median(ours), statistics.median(plain)
            print(f"{lang:<5}{med * 1000:>8.1f}{p95(ours) * 1000:>8.1f}{max(ours) * 1000:>8.1f}"
                  f"{statistics.median(audio):>9.2f}{statistics.median(rtf):>7.3f}{pmed * 1000:>10.1f}"
                  f"{med / pmed:>11.2f}{(statistics.median(opus) * 1000 if opus else float('nan')):>10.1f}"
                  f"{statistics.median(cached) * 1000:>10.3f}")
    print(f"{'all':<5}{statistics.median(all_ours) * 1000:>8.1f}{p95(all_ours) * 1000:>8.1f}"
          f"{max(all_ours) * 1000:>8.1f}{'':>9}{'':>7}{statistics.median(all_plain) * 1000:>10.1f}"
          f"{statistics.median(all_ours) / statistics.median(all_plain):>11.2f}")

    print("\nfirst-information sheet (PDF, fpdf2 + HarfBuzz), median of 3:")
    for lang in langs:
        times, pages, size = [], 0, 0
        for _ in range(3):
            desk.clear_caches()
            sheet = desk.info_sheet(lang)
            times.append(sheet.render_s)
            pages, size = sheet.pages, len(sheet.pdf)
        print(f"  {lang:<4} {statistics.median(times) * 1000:7.0f} ms  {pages} page(s)  {size / 1024:6.1f} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
