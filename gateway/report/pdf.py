"""The check report as a one-page A4 PDF "Prüfprotokoll" (German), rendered from the record.

The PDF is a view of the record (`gateway.report.record.build_record`), never of the result
directly, so the JSON and the PDF of one inspection say the same: what is not in the record (holder
data without `include_personal_data`, images not allowed) cannot be in the PDF either.

One page, always: the page is laid out at a text scale, and when the checks (a growing list: the
optical checks add rows) and images do not fit above the footer, it is laid out again smaller,
down to a floor; text that still does not fit is cut with "…" rather than spill onto a second page.
The font is Noto Sans (fonts-noto-core), found as the translation sheet finds it
(`gateway.translation.fonts`: a missing file is an error naming the package). Bytes out, nothing
written to disk.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from typing import Any

from fpdf import FPDF

from gateway.translation.fonts import font_set

_MARGIN = 12.0
_FOOTER_H = 14.0
_SCALES = (1.0, 0.92, 0.84, 0.76, 0.68, 0.6)
_MAX_IMAGE_PIXELS = 40_000_000
_MAX_IMAGES = 6  # one row across the page
_GREY = (95, 95, 95)
_RULE = (200, 200, 200)

STATUS_DE = {"PASSED": "bestanden", "FAILED": "nicht bestanden", "NOT_PERFORMED": "nicht durchgeführt"}
_STATUS_COLOUR = {"PASSED": (20, 110, 45), "FAILED": (180, 25, 25), "NOT_PERFORMED": (120, 90, 0)}
_OVERALL_COLOUR = {"GENUINE": (20, 110, 45), "NOT_GENUINE": (180, 25, 25), "INCONCLUSIVE": (150, 105, 0)}
_IMAGE_TITLES = {"chip_face": "Chipbild (DG2)", "portrait": "Lichtbild (Seite)", "page_white": "Seite (Weißlicht)",
                 "page_ir": "Seite (Infrarot)", "page_uv": "Seite (UV)"}
_HOLDER = (("surname", "Name"), ("given_names", "Vorname(n)"), ("document_number", "Dokumentnummer"),
           ("nationality", "Staatsangehörigkeit"), ("birth_date", "Geburtsdatum"), ("sex", "Geschlecht"),
           ("expiry_date", "Ablaufdatum"))
_SOURCE_DE = {"chip_dg1": "Chip (DG1)", "printed_mrz": "gedruckte MRZ"}


class _Page(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4", unit="mm")
        fonts = font_set("Latn")  # Noto Sans covers every Latin, Greek and Cyrillic letter a report holds;
        self.add_font("body", fname=str(fonts.regular))  # no fallback font: loading one doubles the time
        self.add_font("body", style="B", fname=str(fonts.bold))
        self.set_margins(_MARGIN, _MARGIN, _MARGIN)
        self.set_auto_page_break(False)

    @property
    def bottom(self) -> float:
        return self.h - _MARGIN - _FOOTER_H


def render_pdf(record: dict[str, Any]) -> bytes:
    """The Prüfprotokoll of one record: one A4 page, German."""
    last = b""
    decoded = [_decode(image) for image in (record.get("images") or [])[:_MAX_IMAGES]]  # once, for every try
    for scale in _SCALES:
        pdf, fits = _layout(record, scale, decoded)
        last = bytes(pdf.output())
        if fits:
            return last
    return last  # the smallest scale, text cut where it had to be: still one page


def _layout(record: dict[str, Any], scale: float, decoded: list[tuple[bytes | None, float]]) -> tuple[_Page, bool]:
    pdf = _Page()
    when = _time(record["inspection"]["time"])
    pdf.set_creation_date(when)
    pdf.set_title("Prüfprotokoll")
    pdf.set_lang("de")
    pdf.set_creator(f"{record['inspection']['software']} {record['inspection']['software_version']}")
    pdf.add_page()
    _header(pdf, record, when, scale)
    _overall(pdf, record, scale)
    _document(pdf, record, scale)
    if "holder" in record:
        _holder(pdf, record["holder"], scale)
    images_fit = _images(pdf, record.get("images") or [], decoded, scale)
    table_fits = _checks(pdf, record["groups"], scale)
    _footer(pdf, record)
    return pdf, images_fit and table_fits and pdf.page_no() == 1


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _text(pdf: _Page, size: float, bold: bool = False, colour: tuple[int, int, int] = (0, 0, 0)) -> None:
    pdf.set_font("body", style="B" if bold else "", size=size)
    pdf.set_text_color(*colour)


def _fit(pdf: _Page, text: str, width: float) -> str:
    """The text cut with "…" to one line of `width` mm in the current font."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _header(pdf: _Page, record: dict[str, Any], when: dt.datetime, s: float) -> None:
    ins = record["inspection"]
    top = pdf.get_y()
    _text(pdf, 20 * s, bold=True)
    pdf.cell(100, 9 * s, "Prüfprotokoll", new_x="LMARGIN", new_y="NEXT")
    _text(pdf, 8.5 * s, colour=_GREY)
    pdf.cell(100, 4.5 * s, "Maschinelle Prüfung eines Reisedokuments (nach BSI TR-03135)", new_x="LMARGIN",
             new_y="NEXT")
    left_bottom = pdf.get_y()
    rows = [("Datum", when.strftime("%d.%m.%Y")), ("Uhrzeit", when.strftime("%H:%M:%S UTC")),
            ("Vorgang", ins["operation_id"]), ("Gerät", ins["reader_id"] or "—"),
            ("Software", f"{ins['software']} {ins['software_version']}")]
    rows += [(k, v) for k, v in sorted(ins.get("device", {}).items())][:2]
    x = pdf.w - _MARGIN - 78
    pdf.set_y(top)
    for label, value in rows:
        pdf.set_x(x)
        _text(pdf, 8 * s, colour=_GREY)
        pdf.cell(20, 4.2 * s, label)
        _text(pdf, 8 * s)
        pdf.cell(58, 4.2 * s, _fit(pdf, str(value), 58), new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(left_bottom, pdf.get_y()) + 2 * s)
    _rule(pdf)


def _rule(pdf: _Page) -> None:
    pdf.set_draw_color(*_RULE)
    pdf.line(_MARGIN, pdf.get_y(), pdf.w - _MARGIN, pdf.get_y())
    pdf.ln(1.5)


def _overall(pdf: _Page, record: dict[str, Any], s: float) -> None:
    overall = record["overall"]
    colour = _OVERALL_COLOUR.get(overall["result"], (0, 0, 0))
    _text(pdf, 8.5 * s, colour=_GREY)
    pdf.cell(0, 4.5 * s, "Gesamtergebnis", new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(*colour)
    pdf.set_line_width(0.8)
    y = pdf.get_y()
    height = 15 * s
    pdf.rect(_MARGIN, y, pdf.epw, height)
    pdf.set_line_width(0.2)
    _text(pdf, 26 * s, bold=True, colour=colour)
    pdf.set_xy(_MARGIN, y)
    pdf.cell(pdf.epw, height, overall["title"]["de"], align="C")
    pdf.set_y(y + height + 1.5 * s)
    titles = {c["name"]: c["title"]["de"] for g in record["groups"] for c in g["checks"]}
    if overall["decided_by"]:
        why = "Ausschlaggebend: " if overall["result"] == "NOT_GENUINE" else "Nicht durchgeführt oder offen: "
        _text(pdf, 8.5 * s)
        pdf.cell(0, 4.5 * s, _fit(pdf, why + ", ".join(titles.get(n, n) for n in overall["decided_by"]), pdf.epw),
                 new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5 * s)


def _pairs(pdf: _Page, title: str, pairs: list[tuple[str, str]], s: float) -> None:
    _text(pdf, 9.5 * s, bold=True)
    pdf.cell(0, 5 * s, title, new_x="LMARGIN", new_y="NEXT")
    col = pdf.epw / 2
    for i, (label, value) in enumerate(pairs):
        pdf.set_x(_MARGIN + (i % 2) * col)
        _text(pdf, 8 * s, colour=_GREY)
        pdf.cell(32, 4.2 * s, label)
        _text(pdf, 8 * s)
        pdf.cell(col - 33, 4.2 * s, _fit(pdf, value, col - 34),
                 new_x="LMARGIN" if i % 2 else "RIGHT", new_y="NEXT" if i % 2 else "TOP")
    if len(pairs) % 2:
        pdf.ln(4.2 * s)
    pdf.ln(1.5 * s)


def _document(pdf: _Page, record: dict[str, Any], s: float) -> None:
    doc, chip = record["document"], record["chip"]
    pairs = [("Dokumentformat", f"{doc['format'] or '—'}, Typ {doc['document_code'] or '—'}"),
             ("Ausstellerstaat", doc["issuing_state"] or "—"),
             ("Gedruckte MRZ", ("gelesen" + (f", {doc['printed_mrz_corrections']} Zeichen korrigiert"
                                             if doc["printed_mrz_corrections"] else ""))
              if doc["printed_mrz_given"] else "nicht angegeben")]
    if chip.get("read"):
        access = chip.get("access") or {}
        pairs += [("Chipzugriff", " ".join(filter(None, (access.get("protocol"), access.get("algorithm")))) or "—"),
                  ("Signaturverfahren", chip.get("signature_algorithm") or "—"),
                  ("Gelesene Dateien", ", ".join(chip.get("files") or []) or "—")]
        signer = chip.get("document_signer") or {}
        if signer:
            pairs.append(("Unterzeichner", f"{signer.get('country') or '?'}, Nr. {signer.get('serial') or '?'}"))
        csca = chip.get("csca") or {}
        if csca:
            pairs.append(("CSCA", f"{csca.get('country') or '?'}, Nr. {csca.get('serial') or '?'}"))
    else:
        pairs.append(("Chip", "nicht gelesen"))
    _pairs(pdf, "Dokument", pairs, s)


def _holder(pdf: _Page, holder: dict[str, Any], s: float) -> None:
    pairs = [(label, str(holder.get(key) or "—")) for key, label in _HOLDER]
    pairs.append(("Quelle", _SOURCE_DE.get(holder.get("source") or "", "—")))
    _pairs(pdf, "Inhaber (auf Anforderung)", pairs, s)


def _images(pdf: _Page, images: list[dict[str, Any]], decoded: list[tuple[bytes | None, float]], s: float) -> bool:
    """A row of the allowed images, each at most 38 mm high; an image that does not decode is named."""
    if not images:
        return True
    _text(pdf, 9.5 * s, bold=True)
    pdf.cell(0, 5 * s, "Bilder (auf Anforderung)", new_x="LMARGIN", new_y="NEXT")
    height, gap = 38 * s, 4.0
    slot = min(pdf.epw / min(len(images), _MAX_IMAGES), 60.0)
    y = pdf.get_y()
    for i, (image, (png, ratio)) in enumerate(zip(images, decoded, strict=False)):
        x = _MARGIN + i * slot
        if png is not None:
            w = min(slot - gap, height * ratio)
            pdf.image(io.BytesIO(png), x=x, y=y, w=w, h=w / ratio)
        _text(pdf, 7 * s, colour=_GREY)
        pdf.set_xy(x, y + height + 0.5)
        label = _IMAGE_TITLES.get(image["kind"], image["kind"]) + ("" if png is not None else " (nicht darstellbar)")
        pdf.cell(slot - gap, 3.5 * s, _fit(pdf, label, slot - gap))
    pdf.set_xy(_MARGIN, y + height + 4.5 * s)
    pdf.ln(1.5 * s)
    return len(images) <= _MAX_IMAGES


def _decode(image: dict[str, Any]) -> tuple[bytes | None, float]:
    """JPEG bytes (fpdf2 embeds them as they are) and width/height of an image of the record,
    header-checked before any decoder sees it, scaled down to what the page can show."""
    import cv2
    import numpy as np

    from gateway.imaging import ImageHeaderError, check_size

    try:
        data = base64.b64decode(image["data_base64"], validate=True)
        check_size(data, _MAX_IMAGE_PIXELS, image["kind"])
        pixels = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    except (ValueError, ImageHeaderError, cv2.error):
        return None, 1.0
    if pixels is None or pixels.size == 0:
        return None, 1.0
    longest = max(pixels.shape[:2])
    if longest > 900:  # the page prints at most ~60 mm wide (about 380 dpi at 900 px)
        factor = 900 / longest
        pixels = cv2.resize(pixels, (max(1, int(pixels.shape[1] * factor)), max(1, int(pixels.shape[0] * factor))),
                            interpolation=cv2.INTER_AREA)
    ok, png = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, 90])
    if not ok:
        return None, 1.0
    return png.tobytes(), pixels.shape[1] / pixels.shape[0]


def _checks(pdf: _Page, groups: list[dict[str, Any]], s: float) -> bool:
    """The table: per group a header row with its result, per check title, result and message."""
    widths = (50.0, 30.0, pdf.epw - 80.0)
    line = 3.9 * s
    _text(pdf, 9.5 * s, bold=True)
    pdf.cell(0, 5 * s, "Prüfungen", new_x="LMARGIN", new_y="NEXT")
    fits = True
    for group in groups:
        if pdf.get_y() + 2 * line > pdf.bottom:
            return False
        pdf.set_fill_color(238, 238, 238)
        _text(pdf, 8.5 * s, bold=True)
        pdf.cell(widths[0] + widths[1] + widths[2] - 30, 4.6 * s, group["title"]["de"], fill=True)
        _text(pdf, 8.5 * s, bold=True, colour=_STATUS_COLOUR.get(group["result"], (0, 0, 0)))
        pdf.cell(30, 4.6 * s, STATUS_DE.get(group["result"], group["result"]), fill=True, align="R",
                 new_x="LMARGIN", new_y="NEXT")
        for check in group["checks"]:
            _text(pdf, 7.8 * s)
            message = check["message"]["de"] or check["reason"]
            wrapped = pdf.multi_cell(widths[2], line, message, dry_run=True, output="LINES")
            lines = wrapped[:2]
            height = max(1, len(lines)) * line
            if pdf.get_y() + height > pdf.bottom:
                fits = False
                break
            y = pdf.get_y()
            pdf.cell(widths[0], line, _fit(pdf, check["title"]["de"], widths[0] - 1))
            _text(pdf, 7.8 * s, bold=True, colour=_STATUS_COLOUR.get(check["result"], (0, 0, 0)))
            pdf.cell(widths[1], line, STATUS_DE.get(check["result"], check["result"]))
            _text(pdf, 7.8 * s)
            for i, text in enumerate(lines):
                pdf.set_xy(_MARGIN + widths[0] + widths[1], y + i * line)
                cut = i == len(lines) - 1 and len(wrapped) > len(lines)
                pdf.cell(widths[2], line, _fit(pdf, text + ("…" if cut else ""), widths[2]))
            pdf.set_xy(_MARGIN, y + height + 0.6 * s)
        if not fits:
            return False
        pdf.ln(0.8 * s)
    return fits


def _footer(pdf: _Page, record: dict[str, Any]) -> None:
    pdf.set_y(pdf.h - _MARGIN - _FOOTER_H + 3)
    _rule(pdf)
    _text(pdf, 7.5, colour=_GREY)
    privacy = ("Enthält personenbezogene Daten (auf Anforderung erstellt): vertraulich behandeln, nicht länger "
               "aufbewahren als nötig." if record.get("personal_data_included") or record.get("images")
               else "Keine personenbezogenen Daten gespeichert: Protokoll ohne Inhaberdaten und ohne Bilder.")
    pdf.cell(0, 4, privacy, new_x="LMARGIN", new_y="NEXT")
    ins = record["inspection"]
    pdf.cell(0, 4, f"{ins['software']} {ins['software_version']} · {record['format']} · Vorgang "
             f"{ins['operation_id']} · Seite {pdf.page_no()}/1", new_x="LMARGIN", new_y="NEXT")


__all__ = ["STATUS_DE", "render_pdf"]
