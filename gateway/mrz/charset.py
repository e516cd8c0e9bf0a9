"""The MRZ character set and the 7-3-1 check digit (Doc 9303 Part 3, 4.9)."""

from __future__ import annotations

from operator import mul

FILLER = "<"
DIGITS = frozenset("0123456789")
LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
MRZ_CHARS = DIGITS | LETTERS | {FILLER}

# Value of each character in the check digit sum: digits as themselves, A=10 … Z=35, filler 0.
CHAR_VALUE: dict[str, int] = {str(d): d for d in range(10)}
CHAR_VALUE.update({chr(ord("A") + i): 10 + i for i in range(26)})
CHAR_VALUE[FILLER] = 0

# Character values as a byte translation table: `bytes.translate` and `map(mul, …)` run the
# whole sum in C, which makes validation several times faster than a Python loop.
_VALUE_TABLE = bytes.maketrans(
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<", bytes(range(36)) + b"\x00"
)
_WEIGHTS = (7, 3, 1) * 34  # longer than any MRZ check digit span (TD3 composite: 39 characters)


def check_digit(data: str) -> int:
    """Doc 9303 check digit of `data` (which must consist of MRZ characters)."""
    return sum(map(mul, data.encode("ascii").translate(_VALUE_TABLE), _WEIGHTS)) % 10


def check_digit_char(data: str) -> str:
    return str(check_digit(data))
