"""Invented persons and documents for rendering (never real people), drawn deterministically from a seed.

The names are made up from common given names and surname forms of the desk's main countries
(Bulgarian, Romanian, Polish, Hungarian, German) and written in the visual zone as a person would see
them (Cyrillic for Bulgarian, diacritics elsewhere); the MRZ carries them transliterated per Doc 9303.
Document numbers follow the look of each country's numbers (shape only: the renderer's MRZ is what
counts), so the reader's national patterns get realistic input.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from .mrz_text import FORMATS, MrzFields

# (surnames, given names female, given names male)
_NAMES = {
    "BGR": (["Димитрова", "Петров", "Георгиева", "Иванов", "Стоянова", "Николов", "Христова", "Тодоров"],
            ["Елена", "Мария", "Йорданка", "Цветелина", "Радостина"],
            ["Иван", "Георги", "Стоян", "Христо", "Щерьо"]),
    "ROU": (["Popescu", "Ionescu", "Țurcanu", "Șerban", "Dumitrescu", "Stănescu", "Constantinescu"],
            ["Ioana", "Andreea", "Mădălina", "Ștefania"],
            ["Andrei", "Mihai", "Ștefan", "Răzvan"]),
    "POL": (["Kowalska", "Wiśniewski", "Łukasiewicz", "Zielińska", "Wójcik", "Grzegorczyk-Nowak"],
            ["Małgorzata", "Agnieszka", "Zofia", "Katarzyna"],
            ["Łukasz", "Paweł", "Krzysztof", "Jędrzej"]),
    "HUN": (["Nagy", "Kovács", "Szőke", "Tóth", "Horváth", "Vörösmarty"],
            ["Zsófia", "Erzsébet", "Réka", "Ildikó"],
            ["Gábor", "László", "Ödön", "Zoltán"]),
    "D": (["Müller", "Schröder", "Weiß", "Großmann", "Bäcker"],
          ["Jürgen", "Anneliese", "Käthe", "Sören"],
          ["Jürgen", "Björn", "Günther", "Matthäus"]),
    "UTO": (["Eriksson", "Stevenson", "Van Der Muellen", "O'Connor"],
            ["Anna Maria", "Enya Siobhan"],
            ["Peter John", "Martin"]),
}


def _doc_number(rng: random.Random, state: str, fmt: str) -> str:
    digits = "0123456789"
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    if state == "BGR":
        return "".join(rng.choice(digits) for _ in range(9))
    if state == "ROU":
        return (rng.choice(letters) + rng.choice(letters) + "".join(rng.choice(digits) for _ in range(6))
                if fmt == "TD1" else "".join(rng.choice(digits) for _ in range(8)))
    if state == "POL":
        return "".join(rng.choice(letters) for _ in range(3)) + "".join(rng.choice(digits) for _ in range(6))
    if state == "HUN":
        return "".join(rng.choice(digits) for _ in range(6)) + "".join(rng.choice(letters) for _ in range(2))
    if state == "D":
        alphabet = "CFGHJKLMNPRTVWXYZ0123456789"
        return "".join(rng.choice(alphabet) for _ in range(9))
    n = rng.choice([8, 9, 9, 9, 12]) if fmt == "TD1" else 9
    return "".join(rng.choice(letters + digits) for _ in range(n))


@dataclass(frozen=True)
class Person:
    """The visual-zone facts of an invented holder."""

    primary: str
    secondary: str
    sex: str
    birth_date: dt.date
    place_of_birth: str


_PLACES = {"BGR": "СОФИЯ", "ROU": "CLUJ-NAPOCA", "POL": "ŁÓDŹ", "HUN": "GYŐR", "D": "KÖLN", "UTO": "ZENITH"}


def invented_document(seed: int, fmt: str | None = None, state: str | None = None,
                      today: dt.date = dt.date(2026, 1, 1)) -> tuple[MrzFields, Person]:
    """MRZ fields and visual-zone facts of an invented document, the same for the same arguments."""
    rng = random.Random(seed * 7919 + 17)
    fmt = fmt or rng.choice(FORMATS)
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    state = state or rng.choice(list(_NAMES))
    surnames, female, male = _NAMES[state]
    sex = rng.choice("MF")
    surname = rng.choice(surnames)
    if state == "BGR" and sex == "M" and surname.endswith("а"):
        surname = surname[:-1]
    if state == "POL" and sex == "M" and surname.endswith("ska"):
        surname = surname[:-3] + "ski"
    given = rng.choice(female if sex == "F" else male)
    if rng.random() < 0.35:
        given += " " + rng.choice(female if sex == "F" else male)
    birth = dt.date(rng.randint(1940, 2012), rng.randint(1, 12), rng.randint(1, 28))
    expiry = today + dt.timedelta(days=rng.randint(-400, 3650))
    code = {"TD1": "ID", "TD2": "ID", "TD3": "P<", "MRV-A": "V<", "MRV-B": "V<"}[fmt]
    if state == "D" and fmt in ("TD1", "TD2"):
        code = "ID"
    optional = ""
    if fmt == "TD3" and rng.random() < 0.5:
        optional = "".join(rng.choice("0123456789") for _ in range(rng.randint(6, 14)))
    fields = MrzFields(
        format=fmt, document_code=code, issuing_state=state, document_number=_doc_number(rng, state, fmt),
        primary_identifier=surname, secondary_identifier=given, nationality=state, birth_date=birth,
        sex=sex, expiry_date=expiry, optional_data=optional,
    )
    return fields, Person(surname, given, sex, birth, _PLACES[state])


# The ICAO specimens of Doc 9303 (Utopia) and the German ID card specimen, as MRZ lines.
SPECIMENS: dict[str, list[str]] = {
    "TD3": ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"],
    "TD2": ["I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6"],
    "TD1": ["I<UTOD23145890<1233<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<2", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"],
    "TD1-DE": ["IDD<<T220001293<<<<<<<<<<<<<<<", "6408125<2010315D<<<<<<<<<<<<<4",
               "MUSTERMANN<<ERIKA<<<<<<<<<<<<<"],
}
