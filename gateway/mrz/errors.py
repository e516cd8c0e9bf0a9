"""The one error the MRZ engine raises for unusable input."""

from __future__ import annotations


class MRZError(ValueError):
    """The input is not an MRZ (wrong line count or length, characters outside the MRZ set).

    Messages name the line and position of the problem but never echo the characters of a
    document, which would put personal data into logs and tracebacks.
    """
