"""Load the published worked examples kept in this folder (see README.md for their origin)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

_HERE = Path(__file__).parent


@dataclass(frozen=True)
class Vector:
    name: str
    data: dict[str, Any]

    def get(self, dotted: str) -> Any:
        node: Any = self.data
        for part in dotted.split("."):
            node = node[part]
        return node

    def bytes(self, dotted: str) -> bytes:
        return bytes.fromhex("".join(str(self.get(dotted)).split()))

    def int(self, dotted: str) -> int:
        return int("".join(str(self.get(dotted)).split()), 16)

    def transcript(self, key: str = "transcript") -> list[tuple[bytes, bytes]]:
        """(command, response) pairs in the order of the example."""
        return [(bytes.fromhex(step["command"]), bytes.fromhex(step["response"])) for step in self.data[key]]


@cache
def load(name: str) -> Vector:
    with (_HERE / f"{name}.toml").open("rb") as f:
        return Vector(name, tomllib.load(f))


APPENDIX_D = "doc9303-p11-appendix-d-bac"
APPENDIX_G1 = "doc9303-p11-appendix-g1-pace-ecdh-gm"
APPENDIX_G12 = "doc9303-p11-appendix-g12-pace-dh-gm"
APPENDIX_H = "doc9303-p11-appendix-h-pace-im"
