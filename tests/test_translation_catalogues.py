"""The shipped phrasebook catalogues and the loader's handling of broken, stale and reviewed entries."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from gateway.service.translation import TranslationDesk, TranslationSetupError
from gateway.service.translation_config import TranslationSettings
from gateway.translation import LANGUAGES, AnswerKind, Phrasebook, ReviewState
from gateway.translation.catalogue import LOCALE_DIR, po_path
from gateway.translation.extract import stale_templates
from gateway.translation.placeholders import PlaceholderError, fill, placeholders
from gateway.translation.po_lint import check_lines
from gateway.translation.source import load_source
from tests.translation_support import copy_locale, edit_entry, mark_reviewed, set_msgstr

TRANSLATED = [c for c in LANGUAGES if c != "de"]


@pytest.fixture(scope="module")
def book() -> Phrasebook:
    return Phrasebook.load()


def _raw_catalogue(lang: str, domain: str):
    with po_path(LOCALE_DIR, lang, domain).open("rb") as f:
        return read_po(f, abort_invalid=True)


# --- the shipped catalogues -------------------------------------------------------------------------


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_phrase_is_in_every_language_or_marked_missing(lang):
    source = load_source()
    seen: dict[str, str] = {}
    for domain in ("interview", "infosheet"):
        for m in _raw_catalogue(lang, domain):
            if m.id:
                seen[m.context] = m.string
    absent = [pid for pid in source.entries if pid not in seen]
    assert absent == [], f"{lang}: entries neither translated nor marked missing: {absent[:5]}"
    translated = [pid for pid, text in seen.items() if text]
    assert len(translated) == len(source.entries)  # today every entry is drafted in every language


def test_no_catalogue_problems_and_templates_current(book):
    assert book.problems == []
    assert stale_templates() == []


@pytest.mark.parametrize("lang", TRANSLATED)
def test_placeholders_match_the_german_source(lang):
    source = load_source()
    for domain in ("interview", "infosheet"):
        for m in _raw_catalogue(lang, domain):
            if m.id:
                assert placeholders(m.string) == source.entries[m.context].placeholders, (lang, m.context)
                if source.entries[m.context].placeholders:
                    assert "python-brace-format" in m.flags


@pytest.mark.parametrize("lang", TRANSLATED)
def test_review_state_follows_the_files_marks(book, lang):
    # Counted from the raw text, independently of the loader: a reviewed entry needs `# reviewed-by:`.
    text = "".join(po_path(LOCALE_DIR, lang, d).read_text(encoding="utf-8") for d in ("interview", "infosheet"))
    marked_reviewed = text.count("\n# reviewed-by:")
    fuzzy = sum(1 for line in text.splitlines() if line.startswith("#,") and "fuzzy" in line)
    cov = book.coverage(lang)
    assert cov.reviewed == marked_reviewed
    assert cov.machine_drafted == fuzzy
    assert cov.total == cov.reviewed + cov.machine_drafted + cov.missing == len(book.source.entries)


def test_german_is_the_source_and_complete(book):
    cov = book.coverage("de")
    assert cov.source == cov.total == len(book.source.entries) and cov.missing == 0


def test_phrase_model_answers_are_choices_where_possible(book):
    kinds = book.answer_kinds()
    free = [pid for pid, kind in kinds.items() if kind is AnswerKind.FREE_TEXT]
    assert free == ["work.employer"]  # the only answer no list can give
    persons = book.phrase("housing.persons", "ro")
    assert persons.entry.answer is AnswerKind.NUMBER and persons.entry.minimum == 1 and persons.unit.text == "persoane"
    doc = book.phrase("identity.document_type", "bg")
    assert [c.id for c in doc.choices] == ["id_card", "passport", "residence_document", "other", "none"]
    assert doc.choices[0].text == "Лична карта"
    insured = book.phrase("health.insured", "hu")
    assert [c.id for c in insured.choices] == ["yes", "no", "dont_know"]
    assert book.phrase("work.employer", "de").entry.personal_data


def test_placeholders_are_filled_and_checked(book):
    r = book.resolve("next_steps.appointment", "ro", {"date": "12.03.2026", "time": "10:30"})
    assert "12.03.2026" in r.text and "10:30" in r.text
    assert r.german == "Ihr Termin im Bürgerbüro ist am 12.03.2026 um 10:30 Uhr."
    with pytest.raises(PlaceholderError, match="missing value"):
        book.resolve("next_steps.appointment", "ro", {"date": "12.03."})
    with pytest.raises(PlaceholderError, match="unexpected"):
        book.resolve("start.wait", "ro", {"date": "x"})
    with pytest.raises(PlaceholderError, match="plain"):
        placeholders("{a.__class__}")
    assert fill("{a} {{b}}", {"a": "{c}"}) == "{c} {b}"  # values are never formatted again


# --- broken, stale, missing and reviewed entries (on a copy) ---------------------------------------


def test_broken_entry_is_reported_with_file_and_line_and_falls_back(tmp_path):
    locale = copy_locale(tmp_path)
    po = locale / "ro" / "LC_MESSAGES" / "interview.po"
    line = edit_entry(po, "housing.rooms", lambda b: [x.replace('msgstr "Câte', 'msgstr "Câte\\q') for x in b])
    garbage = edit_entry(po, "work.hours", lambda b: [("this is not po syntax" if x.startswith("msgid ") else x)
                                                     for x in b])
    book = Phrasebook.load(locale)
    problems = sorted((p.line, p.code, p.file) for p in book.problems)
    assert problems == [(line + 2, "SYNTAX", "locale/ro/LC_MESSAGES/interview.po"),
                        (garbage + 1, "SYNTAX", "locale/ro/LC_MESSAGES/interview.po")]
    rooms = book.resolve("housing.rooms", "ro")
    assert rooms.language == "en" and rooms.fallback and rooms.requested_state is ReviewState.MISSING
    assert rooms.text == "How many rooms does the flat have, not counting kitchen and bathroom?"
    cov = book.coverage("ro")
    assert cov.missing == 2 and cov.machine_drafted == cov.total - 2  # the rest loaded
    assert str(book.problems[0]).startswith("locale/ro/LC_MESSAGES/interview.po:")


def test_msgstr_without_msgid_does_not_leak_into_the_next_entry(tmp_path):
    locale = copy_locale(tmp_path)
    po = locale / "bg" / "LC_MESSAGES" / "interview.po"
    # Babel alone would silently give this msgstr to the next entry; the line check drops the entry.
    edit_entry(po, "start.wait", lambda b: [x for x in b if not x.startswith("msgid ")])
    book = Phrasebook.load(locale)
    assert [p.code for p in book.problems] == ["SYNTAX"]
    assert "msgstr without msgid" in book.problems[0].message
    assert book.resolve("start.point", "bg").text == "Моля, посочете подходящия отговор."
    assert book.resolve("start.wait", "bg").language == "en"


def test_stale_source_placeholder_mismatch_and_duplicate(tmp_path):
    locale = copy_locale(tmp_path)
    po = locale / "pl" / "LC_MESSAGES" / "interview.po"
    edit_entry(po, "start.wait", lambda b: [x.replace('msgid "Bitte warten', 'msgid "Bitte kurz warten') for x in b])
    set_msgstr(po, "next_steps.appointment", "Termin: {datum} o {time}.")
    text = po.read_text(encoding="utf-8")
    po.write_text(text + '\n#, fuzzy\nmsgctxt "start.point"\nmsgid "Bitte zeigen Sie auf die passende Antwort."\n'
                  'msgstr "Proszę pokazać."\n', encoding="utf-8")
    book = Phrasebook.load(locale)
    codes = sorted(p.code for p in book.problems)
    assert codes == ["DUPLICATE", "PLACEHOLDERS", "STALE_SOURCE"]
    assert book.resolve("start.wait", "pl").language == "en"
    assert book.resolve("next_steps.appointment", "pl", {"date": "1.2.", "time": "9:00"}).language == "en"
    assert book.resolve("start.point", "pl").language == "en"  # which of the two is right is unknown


def test_missing_falls_back_to_english_then_german(tmp_path):
    locale = copy_locale(tmp_path)
    set_msgstr(locale / "tr" / "LC_MESSAGES" / "interview.po", "start.welcome", "")
    set_msgstr(locale / "tr" / "LC_MESSAGES" / "interview.po", "start.wait", "")
    set_msgstr(locale / "en" / "LC_MESSAGES" / "interview.po", "start.wait", "")
    book = Phrasebook.load(locale)
    assert book.problems == []  # an empty msgstr is a missing translation, not a fault
    welcome = book.resolve("start.welcome", "tr")
    assert (welcome.language, welcome.fallback, welcome.state) == ("en", True, ReviewState.MACHINE_DRAFTED)
    wait = book.resolve("start.wait", "tr")
    assert (wait.language, wait.text, wait.state) == ("de", "Bitte warten Sie einen Moment.", ReviewState.SOURCE)
    assert book.coverage("tr").missing == 2


def test_reviewed_entries_and_require_reviewed(tmp_path):
    locale = copy_locale(tmp_path)
    po = locale / "ro" / "LC_MESSAGES" / "interview.po"
    mark_reviewed(po, "common.yes", "Ana Popescu (invented), native speaker")
    edit_entry(po, "common.no", lambda b: [x for x in b if not x.startswith("#,")])  # neither fuzzy nor reviewed
    book = Phrasebook.load(locale)
    assert book.state("common.yes", "ro") is ReviewState.REVIEWED
    assert book.catalogues["ro"].translations["common.yes"].reviewer.startswith("Ana Popescu")
    assert book.state("common.no", "ro") is ReviewState.MACHINE_DRAFTED
    assert [p.code for p in book.problems] == ["NOT_MARKED"]
    strict = Phrasebook.load(locale, require_reviewed=True)
    assert strict.resolve("common.yes", "ro").text == "Da"
    no = strict.resolve("common.no", "ro")
    assert (no.language, no.text) == ("de", "Nein")  # English is machine-drafted too: German source


def test_strict_catalogues_stop_start_up(tmp_path):
    locale = copy_locale(tmp_path)
    edit_entry(locale / "uk" / "LC_MESSAGES" / "infosheet.po", "sheet.title",
               lambda b: [x.replace('msgstr "', 'msgstr "\\', 1) if x.startswith("msgstr") else x for x in b])
    with pytest.raises(TranslationSetupError, match=r"locale/uk/LC_MESSAGES/infosheet.po:\d+"):
        TranslationDesk(TranslationSettings(strict_catalogues=True, locale_dir=locale))
    desk = TranslationDesk(TranslationSettings(locale_dir=locale))  # default: reported, the rest serves
    assert len(desk.problems) == 1 and desk.book.resolve("sheet.title", "uk").language == "en"


def test_undecodable_line_is_reported(tmp_path):
    locale = copy_locale(tmp_path)
    po = locale / "hu" / "LC_MESSAGES" / "interview.po"
    data = po.read_bytes().replace(b"Igen", b"Ig\xffen", 1)
    po.write_bytes(data)
    book = Phrasebook.load(locale)
    assert [(p.code, p.message) for p in book.problems] == [("SYNTAX", "line is not valid UTF-8")]
    assert book.resolve("common.yes", "hu").language == "en"


def test_missing_catalogue_file_means_everything_falls_back(tmp_path):
    locale = copy_locale(tmp_path)
    (locale / "ar" / "LC_MESSAGES" / "infosheet.po").unlink()
    book = Phrasebook.load(locale)
    assert [p.code for p in book.problems] == ["NO_FILE"]
    assert book.resolve("sheet.title", "ar").language == "en"
    assert book.resolve("common.yes", "ar").language == "ar"


@pytest.mark.parametrize(("text", "line", "message"), [
    ('msgctxt "a.b"\nmsgid "x"\nmsgstr "unterminated\n', [3], "unterminated"),
    ('msgctxt "a.b"\nmsgid "x"\n\nmsgstr "y"\n', [2, 4], "without msgstr"),  # and then an orphan msgstr
    ('msgid "x"\nmsgid "y"\nmsgstr ""\n', [2], "twice"),
    ('"orphan"\n', [1], "outside an entry"),
    ('msgctxt "a.b"\nmsgid "x"\n# comment\nmsgstr "y"\n', [3], "comment inside"),
    ('msgctxt "a.b"\nmsgid "x"\nmsgstr "y\\z"\n', [3], "badly escaped"),
])
def test_line_check_names_the_line(text, line, message):
    lines, problems = check_lines(text.split("\n"))
    assert [p.line for p in problems] == line and message in problems[0].message
    assert not any(x.strip() for x in lines)  # the broken entry is blanked, line count unchanged
    assert len(lines) == len(text.split("\n"))
    read_po(io.StringIO("\n".join(lines)), abort_invalid=True)  # what is left parses


def test_extract_round_trip_keeps_translations(tmp_path):
    from gateway.translation import extract

    locale = copy_locale(tmp_path)
    before = Phrasebook.load(locale)
    extract.update(locale)
    after = Phrasebook.load(locale)
    assert after.problems == []
    for lang in TRANSLATED:
        assert after.catalogues[lang].translations.keys() == before.catalogues[lang].translations.keys()
        assert all(after.catalogues[lang].translations[k].text == v.text
                   for k, v in before.catalogues[lang].translations.items())
    assert Path(locale / "interview.pot").read_bytes() == (LOCALE_DIR / "interview.pot").read_bytes()
