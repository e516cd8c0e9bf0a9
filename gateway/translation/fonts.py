"""Fonts for the printed sheet, from Debian packages (fonts-noto-core, fonts-dejavu-core).

Noto Sans covers Latin (with Romanian ș/ț, Polish, Hungarian ő/ű, Turkish ğ/ı) and Cyrillic
(Bulgarian and Ukrainian forms); Arabic uses Noto Naskh Arabic, shaped by HarfBuzz, with Noto
Sans as the fallback for Latin text (addresses, e-mail) inside it. A missing file is an error
naming the package - never a silent substitute that would print boxes instead of letters.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

NOTO = Path("/usr/share/fonts/truetype/noto")
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


class FontMissing(RuntimeError):
    """A font file the sheet needs is not installed; the message names the Debian package."""


@dataclass(frozen=True)
class FontSet:
    family: str
    regular: Path
    bold: Path
    fallback_family: str = ""
    fallback_regular: Path | None = None
    fallback_bold: Path | None = None

    def files(self) -> list[Path]:
        return [p for p in (self.regular, self.bold, self.fallback_regular, self.fallback_bold) if p is not None]


_SANS = ("NotoSans", NOTO / "NotoSans-Regular.ttf", NOTO / "NotoSans-Bold.ttf")
_NASKH = ("NotoNaskhArabic", NOTO / "NotoNaskhArabic-Regular.ttf", NOTO / "NotoNaskhArabic-Bold.ttf")
_DEJAVU = ("DejaVuSans", DEJAVU / "DejaVuSans.ttf", DEJAVU / "DejaVuSans-Bold.ttf")


def font_set(script: str) -> FontSet:
    fs = FontSet(*_NASKH, *_SANS) if script == "Arab" else FontSet(*_SANS, *_DEJAVU)
    missing = [p for p in fs.files() if not p.exists()]
    if missing:
        package = "fonts-dejavu-core" if missing[0].name.startswith("DejaVu") else "fonts-noto-core"
        raise FontMissing(f"font {missing[0]} is missing (Debian package {package}; scripts/setup-system.sh)")
    return fs
