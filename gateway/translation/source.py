"""Load the phrasebook's source (`phrasebook.toml`): structure, answer kinds and German text.

The TOML is checked strictly - it ships with the code, so any fault in it is a programming error
and raises PhrasebookError naming the entry.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .model import DATE_RANGES, SHEET_KINDS, AnswerKind, ChoiceSpec, SourceEntry
from .placeholders import PlaceholderError, placeholders

SOURCE_PATH = Path(__file__).with_name("phrasebook.toml")
_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+(/[a-z0-9_]+)?$")
_CHOICE_ID = re.compile(r"^[a-z0-9][a-z0-9_]*$")
_PHRASE_KEYS = {"id", "section", "text", "answer", "choices", "multiple", "min", "max", "unit", "range",
                "personal_data", "allow_unknown"}


class PhrasebookError(ValueError):
    """The phrasebook source or a catalogue cannot be used; the message names file and entry."""


@dataclass(frozen=True)
class Section:
    id: str
    title_id: str  # phrase id of its title: "section.<id>"


@dataclass(frozen=True)
class SourceBook:
    entries: dict[str, SourceEntry]  # id -> entry, in source order
    sections: tuple[Section, ...]

    def domain(self, name: str) -> list[SourceEntry]:
        return [e for e in self.entries.values() if e.domain == name]

    def questions(self, section: str | None = None) -> list[SourceEntry]:
        return [e for e in self.entries.values() if e.is_question and section in (None, e.section)]


def load_source(path: Path = SOURCE_PATH) -> SourceBook:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PhrasebookError(f"{path}: cannot read the phrasebook source: {exc}") from None
    entries: dict[str, SourceEntry] = {}

    def add(entry: SourceEntry) -> None:
        if not _ID.match(entry.id):
            raise PhrasebookError(f"{path}: phrase id {entry.id!r} is not dotted lower-case")
        if entry.id in entries:
            raise PhrasebookError(f"{path}: phrase id {entry.id!r} appears twice")
        if not entry.text.strip():
            raise PhrasebookError(f"{path}: phrase {entry.id!r} has no German text")
        try:
            names = placeholders(entry.text)
        except PlaceholderError as exc:
            raise PhrasebookError(f"{path}: phrase {entry.id!r}: {exc}") from None
        entries[entry.id] = SourceEntry(**{**entry.__dict__, "placeholders": names, "order": len(entries)})

    sections = []
    for s in data.get("section", []):
        section = Section(s["id"], f"section.{s['id']}")
        sections.append(section)
        add(SourceEntry(section.title_id, "interview", s["title"], 0, section="common", kind="section_title"))
    for c in data.get("common", []):
        add(SourceEntry(c["id"], "interview", c["text"], 0, section="common", kind="common"))
    section_ids = {s.id for s in sections}
    for p in data.get("phrase", []):
        _phrase(path, p, section_ids, entries, add)
    for s in data.get("sheet", []):
        if s.get("kind") not in SHEET_KINDS:
            raise PhrasebookError(f"{path}: sheet entry {s.get('id')!r}: kind must be one of {', '.join(SHEET_KINDS)}")
        add(SourceEntry(s["id"], "infosheet", s["text"], 0, kind=s["kind"]))
    return SourceBook(entries, tuple(sections))


def _phrase(path: Path, p: dict, section_ids: set[str], entries: dict[str, SourceEntry], add) -> None:
    pid = p.get("id", "?")
    where = f"{path}: phrase {pid!r}"
    unknown = sorted(set(p) - _PHRASE_KEYS)
    if unknown:
        raise PhrasebookError(f"{where}: unknown key(s) {', '.join(unknown)}")
    if p.get("section") not in section_ids:
        raise PhrasebookError(f"{where}: section must be one of {', '.join(sorted(section_ids))}")
    try:
        answer = AnswerKind(p.get("answer", "none"))
    except ValueError:
        raise PhrasebookError(f"{where}: unknown answer kind {p.get('answer')!r}") from None
    choices: list[ChoiceSpec] = []
    if answer is AnswerKind.YES_NO:
        choices = [ChoiceSpec("yes", "common.yes"), ChoiceSpec("no", "common.no")]
        if p.get("allow_unknown"):
            choices.append(ChoiceSpec("dont_know", "common.dont_know"))
    elif answer is AnswerKind.CHOICE:
        raw = p.get("choices") or []
        if len(raw) < 2:
            raise PhrasebookError(f"{where}: a choice question needs at least two choices")
        seen = set()
        for c in raw:
            cid = c.get("id", "")
            if not _CHOICE_ID.match(cid) or cid in seen:
                raise PhrasebookError(f"{where}: choice id {cid!r} is invalid or repeated")
            seen.add(cid)
            choices.append(ChoiceSpec(cid, f"{pid}/{cid}"))
    elif p.get("choices"):
        raise PhrasebookError(f"{where}: only choice questions have choices")
    minimum = maximum = None
    unit = ""
    if answer is AnswerKind.NUMBER:
        minimum, maximum, unit = p.get("min"), p.get("max"), p.get("unit", "")
        if not isinstance(minimum, int) or not isinstance(maximum, int) or minimum > maximum:
            raise PhrasebookError(f"{where}: a number question needs integer min <= max")
        if unit not in entries:
            raise PhrasebookError(f"{where}: unit {unit!r} is not a [[common]] phrase")
    date_range = ""
    if answer is AnswerKind.DATE:
        date_range = p.get("range", "any")
        if date_range not in DATE_RANGES:
            raise PhrasebookError(f"{where}: range must be one of {', '.join(DATE_RANGES)}")
    personal = bool(p.get("personal_data", answer is AnswerKind.FREE_TEXT))
    add(SourceEntry(pid, "interview", p.get("text", ""), 0, section=p["section"], kind="phrase", answer=answer,
                    choices=tuple(choices), multiple=bool(p.get("multiple")), minimum=minimum, maximum=maximum,
                    unit=unit, date_range=date_range, personal_data=personal))
    if answer is AnswerKind.CHOICE:
        for c, spec in zip(p["choices"], choices, strict=True):
            add(SourceEntry(spec.phrase_id, "interview", c.get("text", ""), 0, section=p["section"], kind="choice",
                            parent=pid))
