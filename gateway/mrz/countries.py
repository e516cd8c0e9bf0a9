"""ICAO codes for states, organizations and nationalities, shipped as data with the package."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    kind: str  # state, organization, british, person_status, specimen
    name: str


@cache
def codes() -> dict[str, Code]:
    text = resources.files("gateway.mrz").joinpath("data/icao_codes.tsv").read_text(encoding="utf-8")
    table: dict[str, Code] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        code, kind, name = line.split("\t")
        table[code] = Code(code, kind, name)
    return table


@cache
def known_codes() -> frozenset[str]:
    return frozenset(codes())


def is_known(code: str) -> bool:
    """True for any code in Doc 9303's list. `code` is given without filler (`D`, not `D<<`)."""
    return code in known_codes()
