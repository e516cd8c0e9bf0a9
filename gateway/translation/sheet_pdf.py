"""Render the first-information sheet as a PDF (A4) with fpdf2 and HarfBuzz text shaping.

fpdf2 with uharfbuzz shapes every run (Arabic joining forms and ligatures, combining marks) and
applies the Unicode bidirectional algorithm per paragraph, so Arabic reads right to left with
Latin inserts (e-mail, address) in place; the PDF keeps a ToUnicode map, so text extraction and
screen readers get the letters back. Pure computation: bytes out, nothing written to disk.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fpdf import FPDF

from .fonts import font_set
from .infosheet import Block, SheetContent
from .languages import get_language

_SIZES = {"title": 17.0, "heading": 12.5, "paragraph": 10.5, "item": 10.5, "hours": 10.5, "note": 8.5}
_GREY = (90, 90, 90)
_MARGIN = 18.0
# A fixed creation date keeps the output reproducible for the same content (tests, archives).
_CREATED = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class RenderedSheet:
    pdf: bytes
    pages: int
    language: str


class _Sheet(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("latin", size=7.5)
        self.set_text_color(*_GREY)
        self.set_text_shaping(use_shaping_engine=True, direction="ltr")
        self.cell(0, 5, f"{self.footer_text}  ·  {self.page_no()}/{{nb}}", align="C")


def render_sheet(content: SheetContent) -> RenderedSheet:
    lang = get_language(content.language)
    fonts = font_set(lang.script)
    latin = font_set("Latn")
    pdf = _Sheet(format="A4", unit="mm")
    pdf.set_creation_date(_CREATED)
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_font("body", fname=str(fonts.regular))
    pdf.add_font("body", style="B", fname=str(fonts.bold))
    pdf.add_font("latin", fname=str(latin.regular))
    pdf.add_font("latin", style="B", fname=str(latin.bold))
    if fonts.fallback_regular is not None and fonts.fallback_bold is not None:
        pdf.add_font("fallback", fname=str(fonts.fallback_regular))
        pdf.add_font("fallback", style="B", fname=str(fonts.fallback_bold))
        pdf.set_fallback_fonts(["fallback"], exact_match=False)
    pdf.set_lang(lang.code)
    pdf.set_title(next((b.text for b in content.blocks if b.kind == "title"), "First information"))
    pdf.set_creator("clearing-gateway")
    pdf.footer_text = f"{content.desk_name} · {content.language} / de"
    pdf.alias_nb_pages()
    pdf.add_page()
    # The sheet's language, by name, in the top corner (where a person looks first).
    _write(pdf, content.language_name, lang.code, lang.rtl, size=9, grey=True, bold=True, after=1)
    for block in content.blocks:
        _block(pdf, block)
    return RenderedSheet(bytes(pdf.output()), pdf.page_no(), content.language)


def _shaping(pdf: FPDF, language: str, rtl: bool) -> None:
    lang = get_language(language)
    script = {"Arab": "arab", "Cyrl": "cyrl", "Latn": "latn"}[lang.script]
    pdf.set_text_shaping(use_shaping_engine=True, direction="rtl" if rtl else "ltr", script=script,
                         language=lang.code)


def _write(pdf: FPDF, text: str, language: str, rtl: bool, size: float, bold: bool = False, grey: bool = False,
           indent: float = 0.0, after: float = 1.5, family: str = "body") -> None:
    pdf.set_font(family, style="B" if bold else "", size=size)
    pdf.set_text_color(*(_GREY if grey else (0, 0, 0)))
    _shaping(pdf, language, rtl)
    width = pdf.epw - indent
    pdf.set_x(pdf.l_margin + (0 if rtl else indent))
    pdf.multi_cell(width, size * 0.5, text, align="R" if rtl else "L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(after)


def _block(pdf: FPDF, b: Block) -> None:
    size = _SIZES[b.kind]
    # A text that fell back to a Latin-script language inside an Arabic sheet still needs Latin fonts.
    family = "body" if get_language(b.language).script == get_language(pdf.lang or b.language).script else "latin"
    if b.kind == "title":
        _write(pdf, b.text, b.language, b.rtl, size, bold=True, after=0.5, family=family)
        if b.german:
            _write(pdf, b.german, "de", False, 9.5, grey=True, after=3, family="latin")
        return
    if b.kind == "heading":
        pdf.ln(2)
        _write(pdf, b.text, b.language, b.rtl, size, bold=True, after=0.3, family=family)
        if b.german:
            _write(pdf, b.german, "de", False, 8.5, grey=True, after=1.5, family="latin")
        return
    if b.kind == "item":
        _write(pdf, f"• {b.text}", b.language, b.rtl, size, indent=4, after=1.0, family=family)
        return
    if b.kind == "hours":
        _write(pdf, b.text, b.language, b.rtl, size, bold=True, indent=4, after=1.0, family=family)
        return
    if b.kind == "note":
        pdf.ln(2)
        _write(pdf, b.text, b.language, b.rtl, size, grey=True, after=1.0, family=family)
        return
    _write(pdf, b.text, b.language, b.rtl, size, family=family)
