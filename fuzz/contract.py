"""What every fuzz target promises, checked around each input.

A target is one entry point that takes hostile bytes. Its contract: it returns, or raises one of
its documented exception types, within its CPU budget; anything else is a finding. Targets with a
verdict add their own assertion (never GENUINE for altered signed data). A finding is raised as
`Finding`, which both engines keep as a regression file under fuzz/regressions/<target>/.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


class Finding(AssertionError):
    """The target broke its contract on this input (stray exception, too slow, wrong verdict)."""


class SlowInput(Finding):
    """The input took more CPU time than the target's budget: a denial-of-service candidate."""


@dataclass
class Target:
    """`run(data)` exercises the entry point and checks target-specific assertions itself; `allowed`
    are the exception types its documentation promises; `budget_s` is CPU seconds per input."""

    name: str
    description: str
    setup: Callable[[], Callable[[bytes], object]]
    seeds: Callable[[], Sequence[bytes]]
    allowed: Callable[[], tuple[type[BaseException], ...]]
    budget_s: float = 0.5
    _run: Callable[[bytes], object] | None = field(default=None, repr=False)
    _allowed: tuple[type[BaseException], ...] | None = field(default=None, repr=False)

    def prepare(self) -> None:
        if self._run is None:
            self._allowed = self.allowed()
            self._run = self.setup()

    def check(self, data: bytes, *, timed: bool = True) -> None:
        """Run one input against the contract; raise Finding if it is broken."""
        self.prepare()
        assert self._run is not None and self._allowed is not None
        start = time.process_time()
        try:
            self._run(bytes(data))
        except Finding:
            raise
        except self._allowed:
            pass
        except RecursionError as exc:
            raise Finding(f"{self.name}: RecursionError (unbounded nesting)") from exc
        except Exception as exc:
            raise Finding(f"{self.name}: undocumented {type(exc).__name__}: {exc}"[:300]) from exc
        spent = time.process_time() - start
        if timed and spent > self.budget_s:
            raise SlowInput(f"{self.name}: {spent:.2f} s CPU for one input (budget {self.budget_s} s)")
