"""What a parse returns: the fields, a verdict per check digit, and the reasons behind `valid`.

The JSON shape (`to_dict`) is a contract: `gateway mrz check --json`, `gateway chip read --json` and
the gRPC API all carry it, so keys are only ever added, never renamed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

OK = "ok"
FAIL = "fail"
ABSENT = "absent"

FIELD_NAMES = (
    "document_code",
    "issuing_state",
    "document_number",
    "primary_identifier",
    "secondary_identifier",
    "nationality",
    "birth_date",
    "sex",
    "expiry_date",
    "optional_data",
    "optional_data_2",
)


@dataclass(frozen=True, slots=True)
class Issue:
    """A reason (machine-readable `code`) with a short message for a person. Messages name fields,
    never their contents, so a result can be logged without leaking personal data."""

    code: str
    message: str
    field: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            d["field"] = self.field
        return d


@dataclass(frozen=True, slots=True)
class Correction:
    """One OCR substitution. `line` and `position` count from 1, as a person reads the MRZ.

    `checked` tells whether a check digit confirms it. Names, countries and sex have no check digit:
    a digit there is replaced by the letter it is most often mistaken for, which a person should
    confirm by looking at the document.
    """

    line: int
    position: int
    from_char: str
    to_char: str
    checked: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "position": self.position, "from": self.from_char, "to": self.to_char,
                "checked": self.checked}


@dataclass(slots=True)
class MRZResult:
    format: str
    lines: tuple[str, ...]
    fields: dict[str, str | None]
    checks: dict[str, str]
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)
    ambiguous: bool = False

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "valid": self.valid,
            "fields": dict(self.fields),
            "checks": dict(self.checks),
            "corrections": [c.to_dict() for c in self.corrections],
            "ambiguous": self.ambiguous,
            "warnings": [w.to_dict() for w in self.warnings],
            "errors": [e.to_dict() for e in self.errors],
            "lines": list(self.lines),
        }
