"""Keep the gettext files in step with the source: `python -m gateway.translation.extract`.

The equivalent of `pybabel extract` + `pybabel update` for a phrasebook whose source is
`phrasebook.toml` rather than program code: writes `locale/<domain>.pot` from the source and
merges it into every language's `.po` with Babel's `Catalog.update` (new phrases appear with an
empty msgstr - marked missing -, changed German texts turn their translations fuzzy, removed
phrases become obsolete `#~` entries). `--check` only reports whether the templates are current
(exit 1 if not), which the tests and CI use.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from .catalogue import LOCALE_DIR, po_path
from .languages import LANGUAGES, SOURCE_LANGUAGE
from .model import DOMAINS, AnswerKind, SourceEntry
from .source import SourceBook, load_source

PROJECT = "clearing-gateway phrasebook"
# A fixed header date keeps the templates byte-stable, so "is the template current?" is a plain compare.
TEMPLATE_DATE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
HEADER = """\
# {what} of the clearing desk's interview phrasebook ({domain}).
# Source: gateway/translation/phrasebook.toml (German). msgctxt = phrase id, msgid = German source.
# Review state: "#, fuzzy" = machine-drafted, not reviewed;
# "# reviewed-by: NAME" without the fuzzy flag = reviewed by a native speaker (docs/translations.md).
#"""


def _comment(entry: SourceEntry, book: SourceBook) -> list[str]:
    if entry.kind == "phrase":
        notes = [f"section: {entry.section}; answer: {entry.answer.value}"]
        if entry.answer is AnswerKind.CHOICE:
            notes.append(("choose any of: " if entry.multiple else "choose one of: ")
                         + ", ".join(c.id for c in entry.choices))
        if entry.answer is AnswerKind.NUMBER:
            notes.append(f"number {entry.minimum}..{entry.maximum}, unit {entry.unit}")
        if entry.personal_data:
            notes.append("the answer is personal data")
        return notes
    if entry.kind == "choice":
        return [f"an answer to {entry.parent}: {book.entries[entry.parent].text}"]
    if entry.kind == "section_title":
        return ["interview section title"]
    if entry.kind == "common":
        return ["shared answer or unit"]
    return [f"first-information sheet: {entry.kind}"]


def template(book: SourceBook, domain: str) -> Catalog:
    catalog = Catalog(domain=domain, project=PROJECT, version="1", locale=None, creation_date=TEMPLATE_DATE,
                      revision_date=TEMPLATE_DATE, charset="utf-8", fuzzy=False,
                      header_comment=HEADER.format(what="Template", domain=domain))
    for entry in book.domain(domain):
        flags = ("python-brace-format",) if entry.placeholders else ()
        catalog.add(entry.text, "", auto_comments=_comment(entry, book), flags=flags, context=entry.id)
    return catalog


def render(catalog: Catalog, **kwargs: object) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=100, no_location=True, **kwargs)
    return out.getvalue()


def template_path(locale_dir: Path, domain: str) -> Path:
    return locale_dir / f"{domain}.pot"


def stale_templates(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    book = load_source()
    stale = []
    for domain in DOMAINS:
        path = template_path(locale_dir, domain)
        if not path.exists() or path.read_bytes() != render(template(book, domain)):
            stale.append(path)
    return stale


def update(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    book = load_source()
    written = []
    for domain in DOMAINS:
        tmpl = template(book, domain)
        path = template_path(locale_dir, domain)
        path.write_bytes(render(tmpl))
        written.append(path)
        for code in LANGUAGES:
            if code == SOURCE_LANGUAGE:
                continue
            target = po_path(locale_dir, code, domain)
            if target.exists():
                with target.open("rb") as f:
                    catalog = read_po(f, locale=code, domain=domain)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                catalog = Catalog(locale=code, domain=domain, project=PROJECT, version="1",
                                  creation_date=TEMPLATE_DATE, fuzzy=False,
                                  header_comment=HEADER.format(what=f"{LANGUAGES[code].english_name} catalogue",
                                                               domain=domain))
            catalog.update(tmpl, update_header_comment=False)
            catalog.revision_date = TEMPLATE_DATE
            target.write_bytes(render(catalog, include_previous=True))
            written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.translation.extract", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check that the .pot templates are current")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_templates()
        for path in stale:
            print(f"{path}: not current; run python -m gateway.translation.extract", file=sys.stderr)
        return 1 if stale else 0
    for path in update():
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
