"""National document-number formats (data/document_numbers.toml), for ranking OCR alternatives.

The correction makes a candidate reading less likely when its document number fits none of its
issuer's patterns; nothing here ever rejects an MRZ (see the data file's header).
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path

from .formats import LAYOUTS

DATA = Path(__file__).with_name("data") / "document_numbers.toml"


@cache
def _table() -> dict[tuple[str, str], tuple[re.Pattern[str], ...]]:
    with DATA.open("rb") as f:
        doc = tomllib.load(f)
    table: dict[tuple[str, str], list[re.Pattern[str]]] = {}
    for entry in doc.get("issuer", []):
        for fmt in entry["formats"]:
            if fmt not in LAYOUTS:
                raise ValueError(f"{DATA.name}: unknown format {fmt!r} for {entry['state']}")
            table.setdefault((entry["state"], fmt), []).extend(re.compile(p) for p in entry["patterns"])
    return {k: tuple(v) for k, v in table.items()}


def number_patterns(state: str, layout_name: str) -> tuple[re.Pattern[str], ...]:
    """The issuer's document-number patterns for this layout; () when none are known."""
    return _table().get((state, layout_name), ())
