"""Several engines voting per character.

The glyph classifier cuts the line into exactly `length` cells; another engine (Tesseract) finds
its own characters, each with a box. A Tesseract character whose centre falls inside a cell is
that cell's second opinion, and the two distributions are pooled linearly (the average of the
probabilities): an engine that is sure and right outweighs one that is unsure, and a character
only one engine proposes keeps half its probability, so the correction still sees it. Cells
without exactly one partner keep the first engine's opinion.
"""

from __future__ import annotations

import numpy as np

from .reading import CharReading, LineReading, LineRecogniser, normalise_alternatives


def pool(a: CharReading, b: CharReading, weight_b: float = 0.5) -> CharReading:
    probs: dict[str, float] = {}
    for ch, p in a.alternatives:
        probs[ch] = probs.get(ch, 0.0) + (1 - weight_b) * p
    for ch, p in b.alternatives:
        probs[ch] = probs.get(ch, 0.0) + weight_b * p
    return CharReading(normalise_alternatives(probs.items()), a.box)


class VotingRecogniser:
    """`primary` must return one character per cell with boxes (the glyph classifier);
    `others` are aligned to it by box centre."""

    def __init__(self, primary: LineRecogniser, *others: LineRecogniser, weight: float = 0.5) -> None:
        self.primary = primary
        self.others = others
        self.weight = weight
        self.name = "+".join([primary.name, *(o.name for o in others)])

    def recognise(self, line: np.ndarray, length: int | None = None) -> LineReading:
        first = self.primary.recognise(line, length)
        if not first.chars:
            for other in self.others:  # the primary could not cut the line: the next engine alone
                reading = other.recognise(line, length)
                if reading.chars:
                    return LineReading(reading.chars, self.name)
            return LineReading((), self.name)
        chars = list(first.chars)
        for other in self.others:
            second = other.recognise(line, length)
            centres = [(c.box[0] + c.box[2] / 2, c) for c in second.chars if c.box is not None]
            for i, cell in enumerate(chars):
                if cell.box is None:
                    continue
                x, _, w, _ = cell.box
                inside = [c for cx, c in centres if x <= cx < x + w]
                if len(inside) == 1:
                    chars[i] = pool(cell, inside[0], self.weight)
        return LineReading(tuple(chars), self.name)
