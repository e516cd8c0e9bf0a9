"""`make fuzz`: run each target for a given time, keep what breaks a contract as a regression file.

    python -m fuzz.run [--seconds N] [--engine atheris|random] [TARGET ...]   (default: all targets)

With atheris (the `fuzz` extra) each target runs coverage-guided in its own process, restarted
after a finding until its time is used (at most `--max-findings` restarts); without it, the
built-in mutator (`fuzz.engine`) runs instead. Found inputs land in fuzz/regressions/<target>/,
which tests/test_fuzz_regressions.py replays; the corpus (fuzz/corpus/<target>/, seeded from the
simulator by `fuzz.seeds`) and the per-run logs (fuzz/out/) are kept between runs but not
committed. Totals per target accumulate in fuzz/out/stats.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = HERE / "corpus"
REGRESSIONS = HERE / "regressions"
OUT = HERE / "out"
_EXECUTED = re.compile(r"stat::number_of_executed_units:\s*(\d+)")
_DONE = re.compile(r"#(\d+)\s+(?:DONE|pulse|NEW|REDUCE|INITED)")
_ARTIFACT = re.compile(r"Test unit written to (\S+)")


def _stats() -> dict:
    path = OUT / "stats.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _record(name: str, executions: int, seconds: float, findings: list[str], engine: str) -> None:
    stats = _stats()
    entry = stats.setdefault(name, {"executions": 0, "seconds": 0.0, "runs": 0, "findings": []})
    entry["executions"] += executions
    entry["seconds"] = round(entry["seconds"] + seconds, 1)
    entry["runs"] += 1
    entry["findings"] = sorted(set(entry["findings"]) | set(findings))
    entry.setdefault("engines", [])
    if engine not in entry["engines"]:
        entry["engines"].append(engine)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "stats.json").write_text(json.dumps(stats, indent=2, sort_keys=True) + "\n")


def run_atheris(name: str, seconds: float, max_findings: int, rss_mb: int,
                runs: int | None = None) -> tuple[int, list[str]]:
    from fuzz.seeds import write_seeds
    from fuzz.targets import TARGETS

    target = TARGETS[name]
    corpus = CORPUS / name
    if not corpus.is_dir() or not any(corpus.iterdir()):
        write_seeds(CORPUS, [name])
    artifacts = REGRESSIONS / name
    artifacts.mkdir(parents=True, exist_ok=True)
    OUT.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + seconds
    executions, findings = 0, []
    hard_timeout = max(10, int(target.budget_s * 10))
    while True:
        remaining = int(deadline - time.monotonic())
        if remaining < 5 or len(findings) >= max_findings or (runs is not None and executions >= runs):
            break
        log = OUT / f"{name}.log"
        cmd = [sys.executable, "-m", "fuzz.atheris_main", name, str(corpus), f"-max_total_time={remaining}",
               f"-artifact_prefix={artifacts}/", f"-timeout={hard_timeout}", f"-rss_limit_mb={rss_mb}",
               "-close_fd_mask=2", "-print_final_stats=1", "-max_len=65536"]
        if runs is not None:
            cmd.append(f"-runs={runs - executions}")
        with log.open("a") as out:
            out.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(cmd[2:])}\n")
            out.flush()
            proc = subprocess.run(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, check=False)
        text = log.read_text(errors="replace").rsplit("\n=== ", 1)[-1]
        counts = [int(m) for m in _EXECUTED.findall(text)] or [int(m) for m in _DONE.findall(text)][-1:]
        executions += counts[-1] if counts else 0
        found = [Path(p).name for p in _ARTIFACT.findall(text)]
        findings += found
        if proc.returncode == 0 or not found:
            break  # time used up (or the run ended without a finding to restart after)
    return executions, findings


def run_random(name: str, seconds: float) -> tuple[int, list[str]]:
    from fuzz.contract import Finding
    from fuzz.engine import fuzz
    from fuzz.targets import TARGETS

    deadline = time.monotonic() + seconds
    executions, findings, seed = 0, [], 0
    while time.monotonic() < deadline - 1:
        try:
            result = fuzz(TARGETS[name], deadline - time.monotonic(), seed=seed, regressions=REGRESSIONS)
            executions += result.executions
        except Finding as exc:
            findings.append(str(exc)[:120])
            seed += 1
    return executions, findings


def main(argv: list[str] | None = None) -> int:
    from fuzz.targets import TARGETS

    ap = argparse.ArgumentParser(prog="python -m fuzz.run", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("targets", nargs="*", help=f"default: all ({', '.join(TARGETS)})")
    ap.add_argument("--seconds", type=float, default=60.0, help="per target")
    ap.add_argument("--engine", choices=("atheris", "random"), default=None,
                    help="default: atheris when installed, else the built-in mutator")
    ap.add_argument("--runs", type=int, default=None, help="stop a target after this many inputs (atheris)")
    ap.add_argument("--max-findings", type=int, default=5, help="restarts after findings, per target")
    ap.add_argument("--rss-mb", type=int, default=2048, help="memory per fuzzing process (libFuzzer)")
    args = ap.parse_args(argv)
    unknown = [t for t in args.targets if t not in TARGETS]
    if unknown:
        ap.error(f"unknown target(s) {', '.join(unknown)}; known: {', '.join(TARGETS)}")
    engine = args.engine or ("atheris" if importlib.util.find_spec("atheris") else "random")
    failed = False
    for name in args.targets or list(TARGETS):
        started = time.monotonic()
        if engine == "atheris":
            executions, findings = run_atheris(name, args.seconds, args.max_findings, args.rss_mb, args.runs)
        else:
            executions, findings = run_random(name, args.seconds)
        spent = time.monotonic() - started
        _record(name, executions, spent, findings, engine)
        total = _stats()[name]["executions"]
        print(f"{name}: {executions:,} inputs in {spent:.0f} s ({engine}); {total:,} in all runs; "
              f"findings: {', '.join(findings) or 'none'}", flush=True)
        failed |= bool(findings)
    return 1 if failed else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    raise SystemExit(main())
