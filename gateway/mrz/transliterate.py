"""Names in the MRZ alphabet: Doc 9303 Part 3 transliteration (section 6, tables A and B).

The clearing desk sees mostly Bulgarian (Cyrillic), Romanian (Ș, Ț, Ă, Â, Î), Polish, Hungarian and
German names. Doc 9303's Latin table is applied first (Ä→AE, Ö→OE, Ü→UE, ß→SS, Å→AA, Ø→OE, …), then
Cyrillic by Doc 9303's table, with Bulgaria's national system (the one Bulgarian documents print) as
an option, then any remaining diacritic is dropped by Unicode decomposition.
"""

from __future__ import annotations

import unicodedata

from .errors import MRZError

# Doc 9303 Part 3, table A (Latin characters with more than one MRZ letter, and special cases).
_LATIN = {
    "Ä": "AE", "Æ": "AE", "Å": "AA", "Ö": "OE", "Ø": "OE", "Œ": "OE", "Ü": "UE", "ß": "SS",
    "Þ": "TH", "Ð": "D", "Đ": "D", "Ł": "L", "Ħ": "H", "Ĳ": "IJ", "Ŋ": "N", "ı": "I",
    "ẞ": "SS",
}

# Doc 9303 Part 3, table B (Cyrillic), upper case.
_CYRILLIC_ICAO = {
    "А": "A", "Б": "B", "В": "V", "Г": "G", "Д": "D", "Е": "E", "Ё": "E", "Ж": "ZH", "З": "Z",
    "И": "I", "Й": "I", "К": "K", "Л": "L", "М": "M", "Н": "N", "О": "O", "П": "P", "Р": "R",
    "С": "S", "Т": "T", "У": "U", "Ф": "F", "Х": "KH", "Ц": "TS", "Ч": "CH", "Ш": "SH",
    "Щ": "SHCH", "Ъ": "IE", "Ы": "Y", "Ь": "", "Э": "E", "Ю": "IU", "Я": "IA",
    "Ѓ": "G", "Ґ": "G", "Є": "IE", "Ї": "I", "І": "I", "Ќ": "K", "Ў": "U", "Џ": "DZ",
    "Ђ": "D", "Ћ": "C", "Љ": "LJ", "Њ": "NJ", "Ј": "J", "Ѕ": "DZ",
}

# Bulgaria's official transliteration (Transliteration Act 2009), used in Bulgarian passports and IDs.
_CYRILLIC_BG = dict(_CYRILLIC_ICAO)
_CYRILLIC_BG.update({"Х": "H", "Щ": "SHT", "Ъ": "A", "Ь": "Y", "Ю": "YU", "Я": "YA", "Й": "Y"})

SYSTEMS = {"icao": _CYRILLIC_ICAO, "bg": _CYRILLIC_BG}

_SEPARATORS = {" ", "-", "‐", "‑", "–", ",", "\u00a0", "<"}
_DROPPED = {"'", "’", "`", "´", ".", "ʼ"}


def transliterate(text: str, system: str = "icao") -> str:
    """`text` in MRZ letters, separators as `<`. Raises MRZError for characters with no rule."""
    try:
        cyrillic = SYSTEMS[system]
    except KeyError:
        raise MRZError(f"unknown transliteration system {system!r}; use one of {', '.join(SYSTEMS)}") from None
    out: list[str] = []
    for ch in text.upper():
        if "A" <= ch <= "Z":
            out.append(ch)
        elif ch in _SEPARATORS:
            out.append("<")
        elif ch in _DROPPED:
            continue
        elif ch in _LATIN:
            out.append(_LATIN[ch])
        elif ch in cyrillic:
            out.append(cyrillic[ch])
        else:
            base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
            if base and all("A" <= c <= "Z" for c in base.upper()):
                out.append(base.upper())
            else:
                raise MRZError("a name contains a character with no MRZ transliteration")
    # Runs of separators collapse to one: '<<' is reserved for the primary/secondary boundary.
    result = "".join(out)
    while "<<" in result:
        result = result.replace("<<", "<")
    return result.strip("<")
