"""A small mutation fuzzer without coverage feedback: the CI smoke, and the fallback where atheris
is not installed. Seeds in, byte-level mutations (flips, interesting values, inserts, deletes,
truncations, duplicated and spliced chunks) out; every input goes through the target's contract,
and an input that breaks it is written to the regressions folder before the finding is re-raised.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fuzz.contract import Finding, Target

_INTERESTING = (0x00, 0x01, 0x7F, 0x80, 0x81, 0x82, 0x83, 0x84, 0xFF, 0x30, 0x31, 0x02, 0x03, 0x04, 0x05, 0x06)


def mutate(data: bytes, rng: random.Random, corpus: Sequence[bytes]) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.choice((1, 1, 1, 2, 3, 5))):
        op = rng.randrange(8)
        pos = rng.randrange(len(buf) + 1)
        if op == 0 and buf:
            buf[min(pos, len(buf) - 1)] ^= 1 << rng.randrange(8)
        elif op == 1 and buf:
            buf[min(pos, len(buf) - 1)] = rng.choice(_INTERESTING)
        elif op == 2:
            buf[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 4)))
        elif op == 3 and buf:
            del buf[pos : pos + rng.randrange(1, 9)]
        elif op == 4:
            del buf[pos:]
        elif op == 5 and buf:
            start = rng.randrange(len(buf))
            chunk = buf[start : start + rng.randrange(1, 64)]
            buf[pos:pos] = chunk * rng.randrange(1, 4)
        elif op == 6 and corpus:
            other = rng.choice(corpus)
            start = rng.randrange(len(other) + 1)
            buf[pos:] = other[start : start + rng.randrange(1, 256)]
        elif buf:  # a length octet made long-form or huge
            buf[min(pos, len(buf) - 1)] = rng.choice((0x84, 0x83, 0xFF, 0x7F))
    return bytes(buf)


@dataclass
class Run:
    target: str
    executions: int
    seconds: float
    findings: list[Path]


def save(data: bytes, folder: Path, kind: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{kind}-{hashlib.sha1(data).hexdigest()}"
    path.write_bytes(data)
    return path


def fuzz(target: Target, seconds: float, *, seed: int = 0, regressions: Path | None = None,
         stop_on_finding: bool = True, max_inputs: int | None = None) -> Run:
    """Mutate the target's seeds for `seconds` (or `max_inputs`); return how many inputs ran."""
    target.prepare()
    rng = random.Random(seed)
    corpus = [bytes(s) for s in target.seeds()] or [b""]
    findings: list[Path] = []
    start = time.monotonic()
    count = 0
    for data in corpus:  # the seeds themselves first: a genuine file must never be a finding
        target.check(data)
        count += 1
    while time.monotonic() - start < seconds and (max_inputs is None or count < max_inputs):
        data = mutate(rng.choice(corpus), rng, corpus)
        count += 1
        try:
            target.check(data)
        except Finding as exc:
            kind = "slow" if "CPU" in str(exc) else "crash"
            if regressions is not None:
                findings.append(save(data, regressions / target.name, kind))
            if stop_on_finding:
                raise
    return Run(target.name, count, time.monotonic() - start, findings)
