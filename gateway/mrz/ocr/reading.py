"""What a line recogniser returns: per character, the alternatives it saw and how likely each is.

The check-digit correction needs more than the best reading: when a check digit fails, the
second-best character at each position is where the truth most often is. So every engine hands
back, for every character it found, its alternatives (best first) with probabilities, and the
correction (`gateway.mrz.check_readings`) chooses among them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..charset import MRZ_CHARS

MRZ_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"


class RecogniserUnavailable(RuntimeError):
    """A recogniser's model file or library is missing; the message says which and how to install it."""


@dataclass(frozen=True, slots=True)
class CharReading:
    """One character position: `alternatives` best first, each (character in A-Z 0-9 <, probability)."""

    alternatives: tuple[tuple[str, float], ...]
    box: tuple[int, int, int, int] | None = None  # x, y, w, h in the line image, when known

    def __post_init__(self) -> None:
        if not self.alternatives:
            raise ValueError("a character reading needs at least one alternative")
        for ch, p in self.alternatives:
            if ch not in MRZ_CHARS or len(ch) != 1:
                raise ValueError("alternatives must be single MRZ characters (A-Z, 0-9, <)")
            if not 0.0 <= p <= 1.0:
                raise ValueError("alternative probabilities must lie in 0..1")

    @property
    def char(self) -> str:
        return self.alternatives[0][0]

    @property
    def confidence(self) -> float:
        return self.alternatives[0][1]


@dataclass(frozen=True, slots=True)
class LineReading:
    chars: tuple[CharReading, ...]
    engine: str

    @property
    def text(self) -> str:
        """The best alternative of each character."""
        return "".join(c.alternatives[0][0] for c in self.chars)

    @classmethod
    def from_text(cls, text: str, engine: str = "text") -> LineReading:
        """A reading that is certain of every character (typed or from a line reader without choices)."""
        return cls(tuple(CharReading(((ch, 1.0),)) for ch in text), engine)


class LineRecogniser(Protocol):
    """Reads ONE MRZ line: `line` is uint8 grayscale, upright, dark text on a light background,
    cropped to the line with a small margin, any height; `length` the expected number of
    characters (30, 36 or 44) when known."""

    name: str

    def recognise(self, line: np.ndarray, length: int | None = None) -> LineReading: ...


def normalise_alternatives(pairs: Iterable[tuple[str, float]], floor: float = 1e-4,
                           keep: int = 5) -> tuple[tuple[str, float], ...]:
    """Merge duplicates (max), drop characters outside the MRZ set, scale to a sum of at most 1,
    sort best first, keep the `keep` likeliest. Probabilities below `floor` are raised to it so
    that a listed alternative is never impossible."""
    best: dict[str, float] = {}
    for ch, p in pairs:
        if len(ch) == 1 and ch in MRZ_CHARS:
            best[ch] = max(best.get(ch, 0.0), float(p))
    if not best:
        return ()
    total = sum(best.values())
    scale = 1.0 / total if total > 1.0 else 1.0
    ranked = sorted(((ch, min(1.0, max(floor, p * scale))) for ch, p in best.items()), key=lambda t: -t[1])
    return tuple(ranked[:keep])


def check_line_image(line: np.ndarray) -> np.ndarray:
    """The line as a C-contiguous 2-D uint8 array, or a clear error."""
    if not isinstance(line, np.ndarray):
        raise TypeError("a line image must be a numpy array")
    if line.ndim == 3 and line.shape[2] in (1, 3, 4):
        raise ValueError("a line image must be grayscale (2-D uint8); convert colour images first")
    if line.ndim != 2 or line.dtype != np.uint8:
        raise ValueError("a line image must be a 2-D uint8 array")
    if line.shape[0] < 6 or line.shape[1] < 20:
        raise ValueError("a line image is too small to hold an MRZ line")
    return np.ascontiguousarray(line)
