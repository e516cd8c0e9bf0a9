"""Every input the fuzzer ever kept (fuzz/regressions/<target>/) still meets its target's contract,
and so does every seed: a genuine file is never a finding. `make fuzz` adds files here."""

from __future__ import annotations

from pathlib import Path

import pytest

from fuzz.targets import TARGETS

REGRESSIONS = Path(__file__).resolve().parent.parent / "fuzz" / "regressions"
CASES = sorted((d.name, f) for d in REGRESSIONS.iterdir() if d.is_dir() for f in d.iterdir() if f.is_file()) \
    if REGRESSIONS.is_dir() else []


def test_regression_folders_name_known_targets():
    assert CASES, "fuzz/regressions holds the inputs found so far"
    assert {name for name, _ in CASES} <= set(TARGETS)


@pytest.mark.parametrize(("target", "path"), CASES, ids=[f"{t}/{p.name[:20]}" for t, p in CASES])
def test_found_input_meets_the_contract(target, path):
    # Not timed here (no timed unit tests): the CPU budget is the fuzzer's check; each slow input
    # also has a test of the bound that now refuses it (tests/test_hostile_keys.py, test_image_header.py).
    TARGETS[target].check(path.read_bytes(), timed=False)


@pytest.mark.parametrize("target", [t for t in TARGETS if t != "pipeline"])
def test_every_seed_meets_the_contract(target):
    for seed in TARGETS[target].seeds():
        TARGETS[target].check(seed, timed=False)
