"""The phrasebook's vocabulary: review states, answer kinds, the source entries and load problems."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class ReviewState(enum.Enum):
    """How far a text can be trusted. Shown next to every text the desk sees."""

    SOURCE = "SOURCE"  # the German source text
    REVIEWED = "REVIEWED"  # checked by a native speaker (`# reviewed-by:` comment, not fuzzy)
    MACHINE_DRAFTED = "MACHINE_DRAFTED"  # drafted by a machine/non-native (`#, fuzzy`), not yet reviewed
    MISSING = "MISSING"  # no usable translation: the answer comes from the fallback language


class AnswerKind(enum.Enum):
    NONE = "none"  # a statement, nothing to answer
    YES_NO = "yes_no"
    NUMBER = "number"
    DATE = "date"
    CHOICE = "choice"
    FREE_TEXT = "free_text"


DOMAINS = ("interview", "infosheet")
SHEET_KINDS = ("title", "heading", "paragraph", "item", "note")
DATE_RANGES = ("past", "future", "any")


@dataclass(frozen=True)
class ChoiceSpec:
    id: str  # the value the desk records, e.g. "id_card"
    phrase_id: str  # the catalogue entry of its text, e.g. "identity.document_type/id_card"


@dataclass(frozen=True)
class SourceEntry:
    """One translatable text with its German source and its place in the interview or the sheet."""

    id: str
    domain: str  # interview | infosheet
    text: str  # German
    order: int
    section: str = ""  # interview sections; "common" for shared answers and units
    kind: str = ""  # sheet block kind (title, heading, ...); "section_title" / "choice" / "common"
    answer: AnswerKind = AnswerKind.NONE
    choices: tuple[ChoiceSpec, ...] = ()
    multiple: bool = False
    minimum: int | None = None
    maximum: int | None = None
    unit: str = ""  # phrase id of the unit, e.g. "unit.persons"
    date_range: str = ""
    personal_data: bool = False
    placeholders: frozenset[str] = field(default_factory=frozenset)
    parent: str = ""  # for a choice: the question's id

    @property
    def is_question(self) -> bool:
        return self.kind == "phrase"


@dataclass(frozen=True)
class Problem:
    """Something wrong in a catalogue: where (file and line), which entry, what."""

    file: str
    line: int
    code: str  # SYNTAX, NO_CONTEXT, UNKNOWN_ID, STALE_SOURCE, PLACEHOLDERS, DUPLICATE, NOT_MARKED
    message: str
    phrase_id: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}" + (f" [{self.phrase_id}]" if self.phrase_id else "")


@dataclass(frozen=True)
class Translation:
    text: str
    state: ReviewState
    reviewer: str = ""  # from `# reviewed-by: ...`
    file: str = ""
    line: int = 0
