"""The renderer's own MRZ composer (Doc 9303 Parts 3-7): fields in, lines out.

Deliberately independent of `gateway.mrz`: the simulator writes the MRZ with its own code so that a
bug in the reader's parser cannot hide by being symmetric. Tests cross-check both against each
other and against the ICAO specimens of the field guide.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

LINE_LENGTH = {"TD1": 30, "TD2": 36, "TD3": 44, "MRV-A": 44, "MRV-B": 36}
LINE_COUNT = {"TD1": 3, "TD2": 2, "TD3": 2, "MRV-A": 2, "MRV-B": 2}
FORMATS = tuple(LINE_LENGTH)

# Doc 9303 Part 3 section 6 (Latin) for the letters our invented persons use, and table B (Cyrillic).
_LATIN = {"Ä": "AE", "Ö": "OE", "Ü": "UE", "ß": "SS", "Å": "AA", "Æ": "AE", "Ø": "OE", "Þ": "TH",
          "Ł": "L", "Đ": "D", "Œ": "OE", "Ĳ": "IJ", "ẞ": "SS"}
_CYRILLIC = {"А": "A", "Б": "B", "В": "V", "Г": "G", "Д": "D", "Е": "E", "Ж": "ZH", "З": "Z", "И": "I",
             "Й": "I", "К": "K", "Л": "L", "М": "M", "Н": "N", "О": "O", "П": "P", "Р": "R", "С": "S",
             "Т": "T", "У": "U", "Ф": "F", "Х": "KH", "Ц": "TS", "Ч": "CH", "Ш": "SH", "Щ": "SHT",
             "Ъ": "IE", "Ь": "", "Ю": "IU", "Я": "IA", "Ы": "Y", "Э": "E"}


def _value(ch: str) -> int:
    if ch.isdigit():
        return ord(ch) - 48
    if "A" <= ch <= "Z":
        return ord(ch) - 55
    if ch == "<":
        return 0
    raise ValueError("character outside the MRZ set")


def check_digit(field: str) -> str:
    """7-3-1 weighted sum modulo 10 (Doc 9303 Part 3, 4.9)."""
    return str(sum(_value(c) * (7, 3, 1)[i % 3] for i, c in enumerate(field)) % 10)


def mrz_name(text: str) -> str:
    """Upper-case, transliterated, punctuation per Part 3 4.6 (hyphen and space -> '<', apostrophe dropped)."""
    out = []
    for ch in text.upper():
        if ch in _CYRILLIC:
            out.append(_CYRILLIC[ch])
        elif ch in _LATIN:
            out.append(_LATIN[ch])
        elif ch in " -,":
            out.append("<")
        elif "A" <= ch <= "Z":
            out.append(ch)
        else:
            base = unicodedata.normalize("NFKD", ch)[0]
            if "A" <= base <= "Z":
                out.append(base)
            # other punctuation (apostrophes, dots) is omitted
    s = "".join(out)
    while "<<" in s:
        s = s.replace("<<", "<")
    return s.strip("<")


def name_field(primary: str, secondary: str, width: int) -> str:
    """PRIMARY<<SECONDARY padded with '<'; truncated from the secondary identifier's end, ending in a letter."""
    p, s = mrz_name(primary), mrz_name(secondary)
    text = p + ("<<" + s if s else "")
    if len(text) > width:
        text = text[:width]
        while text and text[-1] == "<":
            text = text[:-1]
    return text.ljust(width, "<")


def _pad(s: str, n: int) -> str:
    if len(s) > n:
        raise ValueError(f"field longer than {n} characters")
    return s.ljust(n, "<")


def _date(d: dt.date | str | None) -> str:
    if d is None:
        return "<<<<<<"
    if isinstance(d, str):
        return d
    return d.strftime("%y%m%d")


@dataclass(frozen=True)
class MrzFields:
    """What the MRZ says. Names are as printed in the visual zone (diacritics and Cyrillic allowed)."""

    format: str
    document_code: str
    issuing_state: str
    document_number: str
    primary_identifier: str
    secondary_identifier: str
    nationality: str
    birth_date: dt.date | str
    sex: str
    expiry_date: dt.date | str
    optional_data: str = ""
    optional_data_2: str = ""


def compose(f: MrzFields) -> list[str]:
    """The MRZ lines for `f` (check digits computed here)."""
    fmt = f.format
    if fmt not in LINE_LENGTH:
        raise ValueError(f"unknown format {fmt!r}")
    code = _pad(f.document_code, 2)
    state, nat = _pad(f.issuing_state, 3), _pad(f.nationality, 3)
    birth, expiry = _date(f.birth_date), _date(f.expiry_date)
    bcd, ecd = check_digit(birth), check_digit(expiry)
    sex = f.sex if f.sex in ("M", "F", "<") else "<"
    num = f.document_number
    if fmt == "TD1":
        if len(num) > 9:  # Part 5: number continues in optional data, '<' in position 15, check digit after it
            doc = num[:9] + "<"
            opt1 = _pad(num[9:] + check_digit(num) + f.optional_data, 15)
        else:
            doc = _pad(num, 9) + check_digit(_pad(num, 9))
            opt1 = _pad(f.optional_data, 15)
        l1 = code + state + doc + opt1
        l2_head = birth + bcd + sex + expiry + ecd + nat + _pad(f.optional_data_2, 11)
        composite = check_digit(l1[5:30] + l2_head[0:7] + l2_head[8:15] + l2_head[18:29])
        l2 = l2_head + composite
        l3 = name_field(f.primary_identifier, f.secondary_identifier, 30)
        return [l1, l2, l3]
    width = LINE_LENGTH[fmt]
    l1 = code + state + name_field(f.primary_identifier, f.secondary_identifier, width - 5)
    if fmt in ("TD2", "MRV-B") and len(num) > 9 and fmt == "TD2":
        doc = num[:9] + "<"
        opt = num[9:] + check_digit(num) + f.optional_data
    else:
        doc = _pad(num, 9) + check_digit(_pad(num, 9))
        opt = f.optional_data
    head = doc + nat + birth + bcd + sex + expiry + ecd
    if fmt == "TD3":
        personal = _pad(opt, 14)
        pcd = check_digit(personal) if personal.strip("<") else "<"
        body = head + personal + pcd
        l2 = body + check_digit(body[0:10] + body[13:20] + body[21:43])
    elif fmt == "TD2":
        body = head + _pad(opt, 7)
        l2 = body + check_digit(body[0:10] + body[13:20] + body[21:35])
    else:  # visas carry no composite check digit
        l2 = head + _pad(opt, width - len(head))
    return [l1, l2]
