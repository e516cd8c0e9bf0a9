"""Placeholders in phrase texts: python-brace-format named fields such as `{date}`.

Only bare names are allowed - no positional fields, attribute/index access, conversions or format
specs - so filling a phrase can never reach into an object or format a value in surprising ways.
Translations must carry exactly the placeholders of the German source.
"""

from __future__ import annotations

import string
from collections.abc import Mapping

_FORMATTER = string.Formatter()
MAX_VALUE_CHARS = 200


class PlaceholderError(ValueError):
    """A text's placeholders are malformed or do not match; the message says which."""


def placeholders(text: str) -> frozenset[str]:
    """The placeholder names of `text`; raises PlaceholderError for anything but `{name}` fields."""
    names: set[str] = set()
    try:
        parsed = list(_FORMATTER.parse(text))
    except ValueError as exc:  # unbalanced braces
        raise PlaceholderError(f"malformed braces: {exc}") from None
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise PlaceholderError(f"placeholder {{{name}}} is not a plain {{name}} field")
        names.add(name)
    return frozenset(names)


def fill(text: str, values: Mapping[str, str]) -> str:
    """`text` with every placeholder replaced; missing or extra values raise PlaceholderError."""
    wanted = placeholders(text)
    missing = sorted(wanted - set(values))
    extra = sorted(set(values) - wanted)
    if missing:
        raise PlaceholderError(f"missing value(s) for {', '.join(missing)}")
    if extra:
        raise PlaceholderError(f"unexpected value(s) {', '.join(extra)}; this phrase takes "
                               f"{', '.join(sorted(wanted)) or 'none'}")
    out: list[str] = []
    for literal, name, _spec, _conversion in _FORMATTER.parse(text):
        out.append(literal)
        if name is not None:
            value = str(values[name])
            if len(value) > MAX_VALUE_CHARS:
                raise PlaceholderError(f"value for {name} is longer than {MAX_VALUE_CHARS} characters")
            out.append(value)
    return "".join(out)
