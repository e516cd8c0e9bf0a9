"""Write each target's seed corpus from the simulator's own files: `python -m fuzz.seeds [DIR]`
(default fuzz/corpus). The corpus is generated, not committed: the simulator is deterministic, so
the same seeds come back on every machine, and libFuzzer adds what it finds to the same folders."""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

from fuzz.targets import TARGETS

DEFAULT_DIR = Path(__file__).resolve().parent / "corpus"


def write_seeds(folder: Path, names: list[str] | None = None) -> dict[str, int]:
    counts = {}
    for name in names or list(TARGETS):
        out = folder / name
        out.mkdir(parents=True, exist_ok=True)
        seeds = TARGETS[name].seeds()
        for data in seeds:
            (out / f"seed-{hashlib.sha1(data).hexdigest()[:16]}").write_bytes(data)
        counts[name] = len(seeds)
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m fuzz.seeds", description=__doc__)
    ap.add_argument("folder", nargs="?", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--target", action="append", choices=sorted(TARGETS), help="only these targets")
    args = ap.parse_args(argv)
    for name, n in write_seeds(args.folder, args.target).items():
        print(f"{name}: {n} seeds")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
