"""The first-information sheet's content, sans-IO: which texts, in which language, in what order.

The layout follows the `[[sheet]]` entries of the phrasebook source; the opening hours come from
the config (`[clearing_desk]`, default Tuesday and Thursday 08:30-12:00 and 13:00-16:30), weekday
names from CLDR via Babel. Headings carry their German text too, so staff at the citizens' office
can follow the sheet. The machine-drafted notice (in the language and in German) is printed when
any text on the sheet is not reviewed. `gateway.translation.sheet_pdf` turns this into a PDF.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from babel.dates import get_day_names

from .languages import SOURCE_LANGUAGE, get_language
from .model import ReviewState
from .phrasebook import Phrasebook, Resolved

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class OpeningHours:
    day: str  # monday ... sunday
    start: str  # HH:MM
    end: str

    def __post_init__(self) -> None:
        if self.day not in WEEKDAYS:
            raise ValueError(f"opening hours: day must be one of {', '.join(WEEKDAYS)}")
        if not _TIME.match(self.start) or not _TIME.match(self.end) or self.start >= self.end:
            raise ValueError(f"opening hours on {self.day}: from/to must be HH:MM with from before to")


DEFAULT_HOURS = (
    OpeningHours("tuesday", "08:30", "12:00"), OpeningHours("tuesday", "13:00", "16:30"),
    OpeningHours("thursday", "08:30", "12:00"), OpeningHours("thursday", "13:00", "16:30"),
)


@dataclass(frozen=True)
class DeskInfo:
    """The clearing desk as the sheet names it (config `[clearing_desk]`)."""

    name: str = "Clearingstelle"
    address: str = "Rathaus, Bürgerbüro-Flur, Raum 1"
    controller: str = "die Stadtverwaltung, vertreten durch die Oberbürgermeisterin oder den Oberbürgermeister"
    data_protection_officer: str = "datenschutz@stadt.example"
    supervisory_authority: str = "die Landesbeauftragte oder der Landesbeauftragte für den Datenschutz"
    opening_hours: tuple[OpeningHours, ...] = DEFAULT_HOURS

    def values(self) -> dict[str, str]:
        return {"address": self.address, "controller": self.controller, "dpo": self.data_protection_officer,
                "authority": self.supervisory_authority}


@dataclass(frozen=True)
class Block:
    kind: str  # title | heading | paragraph | item | note | hours
    text: str
    language: str  # of `text`
    rtl: bool
    german: str = ""  # German text printed under headings of non-German sheets
    state: ReviewState = ReviewState.SOURCE
    phrase_id: str = ""


@dataclass(frozen=True)
class SheetContent:
    language: str  # requested
    language_name: str  # in the language itself
    rtl: bool
    blocks: tuple[Block, ...]
    desk_name: str
    machine_drafted: bool  # some text on it is not reviewed
    fallbacks: tuple[str, ...] = field(default_factory=tuple)  # phrase ids shown in another language


def hours_lines(hours: tuple[OpeningHours, ...], language: str) -> list[str]:
    """'Dienstag: 08:30–12:00, 13:00–16:30' per day, in week order, weekday names from CLDR."""
    names = get_day_names("wide", locale=get_language(language).code)
    by_day: dict[str, list[OpeningHours]] = {}
    for h in hours:
        by_day.setdefault(h.day, []).append(h)
    lines = []
    for day in WEEKDAYS:
        if day in by_day:
            spans = ", ".join(f"{h.start}–{h.end}" for h in sorted(by_day[day], key=lambda h: h.start))
            name = names[WEEKDAYS.index(day)]
            lines.append(f"{name[:1].upper()}{name[1:]}: {spans}")
    return lines


def sheet_content(book: Phrasebook, language: str, desk: DeskInfo | None = None) -> SheetContent:
    desk = desk or DeskInfo()
    lang = get_language(language)
    values = desk.values()
    blocks: list[Block] = []
    fallbacks: list[str] = []
    drafted = False

    def block(kind: str, r: Resolved, with_german: bool = False) -> Block:
        nonlocal drafted
        if r.fallback:
            fallbacks.append(r.phrase_id)
        if r.state is ReviewState.MACHINE_DRAFTED or r.fallback:
            drafted = True
        german = ""
        if with_german and r.language != SOURCE_LANGUAGE:
            german = book.resolve(r.phrase_id, SOURCE_LANGUAGE, needed(r.phrase_id)).text
        return Block(kind, r.text, r.language, get_language(r.language).rtl, german, r.state, r.phrase_id)

    def needed(phrase_id: str) -> dict[str, str] | None:
        names = book.entry(phrase_id).placeholders
        return {k: values[k] for k in names} if names else None

    notice = None
    for entry in book.source.domain("infosheet"):
        r = book.resolve(entry.id, lang.code, needed(entry.id))
        if entry.id == "sheet.machine_drafted":
            notice = r
            continue
        blocks.append(block(entry.kind, r, with_german=entry.kind in ("title", "heading")))
        if entry.id == "sheet.hours.heading":
            for line in hours_lines(desk.opening_hours, r.language):
                blocks.append(Block("hours", line, r.language, get_language(r.language).rtl))
    if drafted and notice is not None and lang.code != SOURCE_LANGUAGE:
        blocks.append(Block("note", notice.text, notice.language, get_language(notice.language).rtl, "",
                            notice.state, notice.phrase_id))
        if notice.language != SOURCE_LANGUAGE:
            blocks.append(Block("note", book.resolve(notice.phrase_id, SOURCE_LANGUAGE).text, SOURCE_LANGUAGE, False,
                                "", ReviewState.SOURCE, notice.phrase_id))
    return SheetContent(lang.code, lang.native_name, lang.rtl, tuple(blocks), desk.name, drafted, tuple(fallbacks))
