"""The MRZ character set and the 7-3-1 check digit (Doc 9303 Part 3, 4.9)."""

from __future__ import annotations

FILLER = "<"
DIGITS = frozenset("0123456789")
LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
MRZ_CHARS = DIGITS | LETTERS | {FILLER}

# Value of each character in the check digit sum: digits as themselves, A=10 … Z=35, filler 0.
CHAR_VALUE: dict[str, int] = {str(d): d for d in range(10)}
CHAR_VALUE.update({chr(ord("A") + i): 10 + i for i in range(26)})
CHAR_VALUE[FILLER] = 0

_WEIGHTS = (7, 3, 1)
# Value already multiplied by each weight: the hot loop is then one lookup and one add per char.
_WEIGHTED = tuple({c: (v * w) for c, v in CHAR_VALUE.items()} for w in _WEIGHTS)


def check_digit(data: str) -> int:
    """Doc 9303 check digit of `data` (which must consist of MRZ characters)."""
    w0, w1, w2 = _WEIGHTED
    total = 0
    i = 0
    n = len(data)
    # Unrolled by three so the weight never needs an index computation.
    while i + 3 <= n:
        total += w0[data[i]] + w1[data[i + 1]] + w2[data[i + 2]]
        i += 3
    if i < n:
        total += w0[data[i]]
        if i + 1 < n:
            total += w1[data[i + 1]]
    return total % 10


def check_digit_char(data: str) -> str:
    return str(check_digit(data))
