"""Errors of the cryptographic layer: malformed input and unsupported algorithms.

Both are `ValueError`s so a caller that only wants "usable or not" can catch one thing; the
layers above turn them into their own errors (an LDS file error, a verdict reason code).
Messages name the structure, never the bytes: keys and signatures come from hostile input.
"""

from __future__ import annotations


class CryptoError(ValueError):
    """Root of the cryptographic layer's errors."""


class DecodeError(CryptoError):
    """A key, point, parameter set or CMS structure is malformed."""


class UnsupportedError(CryptoError):
    """Well-formed, but uses an algorithm, curve or encoding this gateway does not handle."""


class LimitError(DecodeError):
    """Input exceeds a budget of `gateway.limits`: a key, a curve or a nesting deeper or larger than
    any genuine document uses. Built to cost time or memory, so refused before any work is done."""


class PointError(DecodeError):
    """An encoded EC point is malformed, off the curve, or the identity."""


class DHKeyError(DecodeError):
    """A DH public value is malformed or outside the prime-order subgroup."""


__all__ = ["CryptoError", "DHKeyError", "DecodeError", "LimitError", "PointError", "UnsupportedError"]
