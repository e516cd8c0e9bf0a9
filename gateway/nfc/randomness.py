"""The random source of the reader-side protocols, injected rather than called.

BAC's RND.IFD and K.IFD, PACE's ephemeral keys and integrated-mapping nonce, the active
authentication challenge and chip authentication's ephemeral key all come from a `RandomSource`.
In use that is the operating system's CSPRNG (`SYSTEM_RANDOM`); a worked example of Doc 9303
(Appendix D, G, H) is replayed through the real `ChipReader` by giving it a `ScriptedRandom` with
the example's values, so the transcript is reproduced byte for byte by the code that reads chips.
"""

from __future__ import annotations

import secrets
from collections import deque
from collections.abc import Iterable
from typing import Protocol


class RandomSource(Protocol):
    def token_bytes(self, n: int) -> bytes:
        """n uniformly random bytes (nonces, challenges, key material)."""
        ...

    def scalar(self, order: int) -> int:
        """A private key: uniformly random in [1, order)."""
        ...


class SystemRandom:
    """The operating system's CSPRNG (`secrets`)."""

    def token_bytes(self, n: int) -> bytes:
        return secrets.token_bytes(n)

    def scalar(self, order: int) -> int:
        if order < 2:
            raise ValueError("the group order must be at least 2")
        return secrets.randbelow(order - 1) + 1

    def __repr__(self) -> str:
        return "SystemRandom()"


SYSTEM_RANDOM = SystemRandom()


class ScriptedRandom:
    """Hands out given values in order, checking each is asked for as what it is: bytes for
    `token_bytes` (of exactly that length), ints for `scalar` (within range). For replaying
    published worked examples only: a read with a scripted source is not a secure read."""

    def __init__(self, values: Iterable[bytes | int]) -> None:
        self._values: deque[bytes | int] = deque(values)

    @property
    def remaining(self) -> int:
        return len(self._values)

    def _next(self) -> bytes | int:
        if not self._values:
            raise LookupError("the scripted random source is exhausted")
        return self._values.popleft()

    def token_bytes(self, n: int) -> bytes:
        value = self._next()
        if not isinstance(value, bytes) or len(value) != n:
            raise LookupError(f"the script expected {type(value).__name__}, the protocol asked for {n} bytes")
        return value

    def scalar(self, order: int) -> int:
        value = self._next()
        if not isinstance(value, int) or not 1 <= value < order:
            raise LookupError("the script expected bytes, or its private key is out of range")
        return value


__all__ = ["SYSTEM_RANDOM", "RandomSource", "ScriptedRandom", "SystemRandom"]
