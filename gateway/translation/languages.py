"""The interview languages: codes, names, writing direction, script and speech voice.

German is the source language (every phrase is written in German first). A missing translation
falls back to English, then German - and every answer says which language was actually used.
Names in the language itself come from CLDR through Babel, so they are spelled as the speakers
spell them.
"""

from __future__ import annotations

from dataclasses import dataclass

from babel import Locale

SOURCE_LANGUAGE = "de"
FALLBACK_LANGUAGE = "en"


@dataclass(frozen=True)
class Language:
    code: str  # BCP 47 / gettext locale name
    english_name: str
    rtl: bool  # written right to left
    script: str  # ISO 15924: Latn, Cyrl, Arab - picks the sheet's font
    voice: str  # espeak-ng voice name

    @property
    def native_name(self) -> str:
        return Locale.parse(self.code).get_display_name(self.code) or self.english_name

    @property
    def source(self) -> bool:
        return self.code == SOURCE_LANGUAGE


LANGUAGES: dict[str, Language] = {lang.code: lang for lang in (
    Language("de", "German", False, "Latn", "de"),
    Language("en", "English", False, "Latn", "en-gb"),
    Language("bg", "Bulgarian", False, "Cyrl", "bg"),
    Language("ro", "Romanian", False, "Latn", "ro"),
    Language("pl", "Polish", False, "Latn", "pl"),
    Language("hu", "Hungarian", False, "Latn", "hu"),
    Language("tr", "Turkish", False, "Latn", "tr"),
    Language("uk", "Ukrainian", False, "Cyrl", "uk"),
    Language("ar", "Arabic", True, "Arab", "ar"),
)}

TRANSLATED = tuple(code for code in LANGUAGES if code != SOURCE_LANGUAGE)


class UnknownLanguage(KeyError):
    """A language code the phrasebook does not offer; str() is a one-line message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    def __str__(self) -> str:
        shown = self.code if len(self.code) <= 16 and self.code.isprintable() else self.code[:16] + "..."
        return f"unknown language {shown!r}; offered: {', '.join(LANGUAGES)}"


def normalise_code(code: str) -> str:
    """'RO', 'ro-RO', 'ro_RO' -> 'ro' (the phrasebook has one variety per language)."""
    return code.strip().replace("_", "-").split("-", 1)[0].lower()


def get_language(code: str) -> Language:
    try:
        return LANGUAGES[normalise_code(code)]
    except KeyError:
        raise UnknownLanguage(code) from None


def fallback_chain(code: str) -> tuple[str, ...]:
    """The languages tried for `code`, in order: itself, English, German (no repeats)."""
    chain: list[str] = []
    for c in (get_language(code).code, FALLBACK_LANGUAGE, SOURCE_LANGUAGE):
        if c not in chain:
            chain.append(c)
    return tuple(chain)
