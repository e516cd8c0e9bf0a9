"""The first-information sheet as PDF, per language: text extracted back (poppler's pdftotext) matches
the catalogue, Arabic is laid out right to left, opening hours come from the config."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from collections import Counter

import pytest

from gateway.service.config import load_config
from gateway.service.translation import TranslationDesk
from gateway.service.translation_config import TranslationSettings, parse_desk
from gateway.translation import LANGUAGES, Phrasebook
from gateway.translation.fonts import FontMissing
from gateway.translation.infosheet import SheetContent, hours_lines, sheet_content
from gateway.translation.sheet_pdf import render_sheet
from tests.translation_support import copy_locale, set_msgstr

A4_WIDTH_PT = 595.28
MARGIN_PT = 18 / 25.4 * 72
_BIDI = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u200e\u200f\u2066\u2067\u2068\u2069"), " ")
_MARKS = re.compile("[\u064b-\u0652\u0670\u0640]")  # Arabic harakat and tatweel


def _norm(text: str) -> str:
    """NFKC (Arabic presentation forms back to letters), bidi controls to spaces, Arabic marks dropped."""
    return _MARKS.sub("", unicodedata.normalize("NFKC", text).translate(_BIDI))


def _pdftotext(pdf: bytes, *args: str) -> str:
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", *args, "-", "-"], input=pdf, capture_output=True,
                          timeout=60, check=True)
    return done.stdout.decode("utf-8")


def _catalogue_text(content: SheetContent) -> str:
    return "\n".join(f"{b.text}\n{b.german}" for b in content.blocks)


@pytest.fixture(scope="module")
def book() -> Phrasebook:
    return Phrasebook.load()


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_sheet_renders_and_its_text_matches_the_catalogue(book, lang):
    content = sheet_content(book, lang)
    rendered = render_sheet(content)
    assert rendered.pdf.startswith(b"%PDF-") and 1 <= rendered.pages <= 2
    extracted = _norm(_pdftotext(rendered.pdf))
    expected = _norm(_catalogue_text(content))
    # 1. every letter of the catalogue text is in the PDF's text layer (nothing dropped, no boxes)
    letters = Counter(c for c in expected if c.isalpha())
    assert letters - Counter(c for c in extracted if c.isalpha()) == Counter()
    # 2. every word; Arabic words carrying a mark above a letter are split by pdftotext, so those count by letters
    raw_words = re.findall(r"[\w\u064b-\u0652\u0670]+", unicodedata.normalize("NFKC", _catalogue_text(content)))
    whole = Counter(_norm(w) for w in raw_words if not _MARKS.search(w))
    got = Counter(re.findall(r"\w+", extracted))
    assert whole - got == Counter(), f"{lang}: words missing from the PDF"
    if not LANGUAGES[lang].rtl:
        # 3. left-to-right sheets read in catalogue order
        sequence = iter(re.findall(r"\w+", extracted))
        assert all(word in sequence for word in re.findall(r"\w+", expected)), f"{lang}: text out of order"
    assert unicodedata.normalize("NFKC", extracted) == extracted  # no presentation forms left after _norm


def test_arabic_is_right_aligned_and_latin_left_aligned(book):
    right_edge = A4_WIDTH_PT - MARGIN_PT
    for lang, rtl in (("ar", True), ("bg", False)):
        pdf = render_sheet(sheet_content(book, lang)).pdf
        layout = _pdftotext(pdf, "-bbox-layout")
        lines = re.findall(r'<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)"[^>]*>(.*?)</line>', layout, re.S)
        script = re.compile("[\u0621-\u064a]" if rtl else "[\u0400-\u04ff]")  # letters (marks are placed apart)
        rows: list[list[float]] = []  # [page, y, xmin, xmax]; poppler splits a mixed-direction line into pieces
        page, last_y = 0, 0.0
        for x0, y0, x1, body in lines:
            y = float(y0)
            if y < last_y - 200:
                page += 1
            last_y = y
            if not script.search(body):
                continue
            row = next((r for r in rows if r[0] == page and abs(r[1] - y) < 5), None)
            if row is None:
                rows.append([page, y, float(x0), float(x1)])
            else:
                row[2], row[3] = min(row[2], float(x0)), max(row[3], float(x1))
        ours = [(r[2], r[3]) for r in rows]
        assert len(ours) > 20
        if rtl:
            flush = [x1 for _, x1 in ours if right_edge - 16 < x1 < right_edge + 1]  # bullets indent 4 mm
        else:
            flush = [x0 for x0, _ in ours if MARGIN_PT - 1 < x0 < MARGIN_PT + 16]  # bullets indent 4 mm
        assert len(flush) >= 0.95 * len(ours), (lang, len(flush), len(ours))


def test_fonts_are_the_debian_ones_and_embedded(book):
    for lang, family in (("ar", "NotoNaskhArabic"), ("uk", "NotoSans"), ("bg", "NotoSans")):
        pdf = render_sheet(sheet_content(book, lang)).pdf
        fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, timeout=30, check=True).stdout
        rows = [line.split() for line in fonts.decode().splitlines()[2:]]
        assert any(family in r[0] for r in rows), (lang, rows)
        assert all("yes" in r for r in rows)  # embedded (subset) - prints the same everywhere


def test_cyrillic_letters_survive_exactly(book):
    text = _pdftotext(render_sheet(sheet_content(book, "uk")).pdf)
    for word in ("Ласкаво", "зареєструватися", "Зв'язатися"):
        assert word in text.replace("’", "'")
    assert "Адрес:" in _pdftotext(render_sheet(sheet_content(book, "bg")).pdf)


def test_opening_hours_default_and_from_config(book, tmp_path):
    assert [b.text for b in sheet_content(book, "de").blocks if b.kind == "hours"] == [
        "Dienstag: 08:30–12:00, 13:00–16:30", "Donnerstag: 08:30–12:00, 13:00–16:30"]
    assert hours_lines(parse_desk({}).opening_hours, "bg") == [
        "Вторник: 08:30–12:00, 13:00–16:30", "Четвъртък: 08:30–12:00, 13:00–16:30"]
    config = tmp_path / "gateway.toml"
    config.write_text('[clearing_desk]\nname = "Clearingstelle Musterstadt"\naddress = "Marktplatz 3"\n'
                      'opening_hours = [{ day = "wednesday", from = "09:00", to = "11:30" },'
                      ' { day = "monday", from = "14:00", to = "15:00" }]\n', encoding="utf-8")
    desk = TranslationDesk(load_config(config).translation)
    text = _pdftotext(desk.info_sheet("ro").pdf)
    assert "Luni: 14:00–15:00" in text and "Miercuri: 09:00–11:30" in text
    assert text.index("Luni") < text.index("Miercuri")  # week order
    assert "Marți" not in text and "Adresă: Marktplatz 3" in text and "Clearingstelle Musterstadt" in text


def test_machine_drafted_notice_in_both_languages(book):
    ro = sheet_content(book, "ro")
    notes = [b for b in ro.blocks if b.kind == "note"]
    assert ro.machine_drafted and [b.language for b in notes] == ["ro", "de"]
    text = _pdftotext(render_sheet(ro).pdf)
    assert "Această traducere a fost realizată automat" in text and "Im Zweifel gilt der deutsche Text." in text
    de = sheet_content(book, "de")
    assert not de.machine_drafted and not [b for b in de.blocks if b.kind == "note"]


def test_headings_carry_the_german_text(book):
    headings = [b for b in sheet_content(book, "tr").blocks if b.kind == "heading"]
    assert [b.german for b in headings] == ["Was bei der Clearingstelle passiert", "Was Sie zum Bürgerbüro mitbringen",
                                            "Öffnungszeiten der Clearingstelle", "Datenschutz"]


def test_missing_text_prints_in_english_and_is_listed(tmp_path):
    locale = copy_locale(tmp_path)
    set_msgstr(locale / "ar" / "LC_MESSAGES" / "infosheet.po", "sheet.desk.free", "")
    desk = TranslationDesk(TranslationSettings(locale_dir=locale))
    sheet = desk.info_sheet("ar")
    assert sheet.content.fallbacks == ("sheet.desk.free",)
    block = next(b for b in sheet.content.blocks if b.phrase_id == "sheet.desk.free")
    assert (block.language, block.rtl) == ("en", False)
    assert "The conversation is free of charge." in _pdftotext(sheet.pdf)


def test_missing_font_is_an_error_naming_the_package(monkeypatch, tmp_path):
    from gateway.translation import fonts

    monkeypatch.setattr(fonts, "_NASKH", ("NotoNaskhArabic", tmp_path / "NotoNaskhArabic-Regular.ttf",
                                          tmp_path / "NotoNaskhArabic-Bold.ttf"))
    with pytest.raises(FontMissing, match="fonts-noto-core"):
        fonts.font_set("Arab")
