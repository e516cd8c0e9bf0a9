"""The phrasebook: German source + per-language catalogues, resolved with fallback and review state.

    book = Phrasebook.load()
    q = book.phrase("housing.persons", "ro")
    q.text, q.language, q.state      # the Romanian text, "ro", ReviewState.MACHINE_DRAFTED
    q.fallback                       # False; True when the text came from English or German
    [c.text for c in q.choices]      # choice texts, each resolved the same way

A missing (or unusable) translation falls back to English, then German. With `require_reviewed`,
machine-drafted texts count as missing, so only reviewed texts (or the source) reach the person.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .catalogue import LOCALE_DIR, LanguageCatalogue, load_language
from .languages import LANGUAGES, SOURCE_LANGUAGE, fallback_chain, get_language
from .model import AnswerKind, Problem, ReviewState, SourceEntry
from .placeholders import fill
from .source import SOURCE_PATH, PhrasebookError, Section, SourceBook, load_source

__all__ = ["Choice", "Coverage", "Phrase", "Phrasebook", "PhrasebookError", "Resolved"]


class UnknownPhrase(KeyError):
    def __init__(self, phrase_id: str) -> None:
        super().__init__(phrase_id)
        self.phrase_id = phrase_id

    def __str__(self) -> str:
        shown = self.phrase_id if len(self.phrase_id) <= 80 and self.phrase_id.isprintable() else "(not shown)"
        return f"unknown phrase id {shown!r}; `gateway phrase list` shows the ids"


@dataclass(frozen=True)
class Resolved:
    """One text in the language asked for - or, when that has none, the one actually used."""

    phrase_id: str
    text: str
    requested: str  # language asked for
    language: str  # language of `text`
    state: ReviewState  # the state of `text` in `language` (SOURCE for German)
    requested_state: ReviewState  # the requested language's own state (MISSING when it fell back)
    german: str  # the source text, for staff

    @property
    def fallback(self) -> bool:
        return self.language != self.requested


@dataclass(frozen=True)
class Choice:
    id: str
    resolved: Resolved

    @property
    def text(self) -> str:
        return self.resolved.text


@dataclass(frozen=True)
class Phrase:
    entry: SourceEntry
    resolved: Resolved
    choices: tuple[Choice, ...]
    unit: Resolved | None

    @property
    def id(self) -> str:
        return self.entry.id

    @property
    def text(self) -> str:
        return self.resolved.text

    @property
    def language(self) -> str:
        return self.resolved.language

    @property
    def state(self) -> ReviewState:
        return self.resolved.state

    @property
    def fallback(self) -> bool:
        return self.resolved.fallback


@dataclass(frozen=True)
class Coverage:
    language: str
    total: int
    source: int
    reviewed: int
    machine_drafted: int
    missing: int


class Phrasebook:
    def __init__(self, source: SourceBook, catalogues: Mapping[str, LanguageCatalogue],
                 require_reviewed: bool = False) -> None:
        self.source = source
        self.catalogues = dict(catalogues)
        self.require_reviewed = require_reviewed

    @classmethod
    def load(cls, locale_dir: Path = LOCALE_DIR, source_path: Path = SOURCE_PATH,
             require_reviewed: bool = False) -> Phrasebook:
        source = load_source(source_path)
        catalogues = {code: load_language(code, source.entries, locale_dir)
                      for code in LANGUAGES if code != SOURCE_LANGUAGE}
        return cls(source, catalogues, require_reviewed)

    # --- queries ------------------------------------------------------------------------------------

    @property
    def problems(self) -> list[Problem]:
        return [p for c in self.catalogues.values() for p in c.problems]

    def entry(self, phrase_id: str) -> SourceEntry:
        try:
            return self.source.entries[phrase_id]
        except KeyError:
            raise UnknownPhrase(phrase_id) from None

    def state(self, phrase_id: str, language: str) -> ReviewState:
        """The review state of the phrase in exactly this language (no fallback)."""
        code = get_language(language).code
        if code == SOURCE_LANGUAGE:
            return ReviewState.SOURCE
        translation = self.catalogues[code].translations.get(phrase_id)
        if translation is None:
            return ReviewState.MISSING
        if self.require_reviewed and translation.state is not ReviewState.REVIEWED:
            return ReviewState.MISSING
        return translation.state

    def resolve(self, phrase_id: str, language: str, values: Mapping[str, str] | None = None) -> Resolved:
        """The text in `language`, else English, else German; placeholders filled from `values`.

        Raises UnknownPhrase, UnknownLanguage, or PlaceholderError (values missing or extra).
        """
        entry = self.entry(phrase_id)
        requested = get_language(language).code
        requested_state = self.state(phrase_id, requested)
        for code in fallback_chain(requested):
            state = self.state(phrase_id, code)
            if state is ReviewState.MISSING:
                continue
            text = entry.text if code == SOURCE_LANGUAGE else self.catalogues[code].translations[phrase_id].text
            german = entry.text
            if values is not None or entry.placeholders:
                text = fill(text, values or {})
                german = fill(german, values or {})
            return Resolved(phrase_id, text, requested, code, state, requested_state, german)
        raise AssertionError("German source is never missing")  # pragma: no cover

    def phrase(self, phrase_id: str, language: str, values: Mapping[str, str] | None = None) -> Phrase:
        entry = self.entry(phrase_id)
        resolved = self.resolve(phrase_id, language, values)
        choices = tuple(Choice(c.id, self.resolve(c.phrase_id, language)) for c in entry.choices)
        unit = self.resolve(entry.unit, language) if entry.unit else None
        return Phrase(entry, resolved, choices, unit)

    def questions(self, section: str | None = None) -> list[SourceEntry]:
        """The interview's questions and statements (not the choices, units or sheet), in order."""
        return self.source.questions(section)

    @property
    def sections(self) -> tuple[Section, ...]:
        return self.source.sections

    def coverage(self, language: str, domain: str | None = None) -> Coverage:
        code = get_language(language).code
        entries = [e for e in self.source.entries.values() if domain in (None, e.domain)]
        counts = {state: 0 for state in ReviewState}
        for e in entries:
            counts[self.state(e.id, code)] += 1
        return Coverage(code, len(entries), counts[ReviewState.SOURCE], counts[ReviewState.REVIEWED],
                        counts[ReviewState.MACHINE_DRAFTED], counts[ReviewState.MISSING])

    def answer_kinds(self) -> dict[str, AnswerKind]:
        return {e.id: e.answer for e in self.questions()}
