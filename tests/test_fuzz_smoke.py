"""CI smoke of the fuzzing harness: every target, a few seconds of the built-in mutator each
(about a minute in all; `-m fuzz_smoke` selects it, `-m "not fuzz_smoke"` leaves it out). The long,
coverage-guided runs are `make fuzz`. A finding fails the test and is saved under the test's
temporary folder, ready to be copied into fuzz/regressions/<target>/."""

from __future__ import annotations

import pytest

from fuzz.contract import Finding
from fuzz.engine import fuzz
from fuzz.targets import TARGETS

SECONDS = {"pipeline": 6.0, "verify_sod": 4.0, "masterlist": 4.0}


@pytest.mark.fuzz_smoke
@pytest.mark.parametrize("name", list(TARGETS))
def test_fuzz_target_smoke(name, tmp_path):
    try:
        run = fuzz(TARGETS[name], SECONDS.get(name, 2.5), seed=2026, regressions=tmp_path)
    except Finding as exc:
        saved = sorted(p.name for p in (tmp_path / name).iterdir()) if (tmp_path / name).is_dir() else []
        pytest.fail(f"{exc} (input kept as {saved} in {tmp_path / name})")
    assert run.executions > len(TARGETS[name].seeds())  # it did mutate, not only replay the seeds
