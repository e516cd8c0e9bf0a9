"""Helpers for the translation tests: a writable copy of the shipped catalogues to break on purpose."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from gateway.translation.catalogue import LOCALE_DIR


def copy_locale(tmp_path: Path) -> Path:
    target = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, target)
    return target


def entry_span(lines: list[str], phrase_id: str) -> tuple[int, int]:
    """(first, last+1) line indexes of the .po entry whose msgctxt is `phrase_id` (comments included)."""
    ctx = lines.index(f'msgctxt "{phrase_id}"')
    start = ctx
    while start > 0 and lines[start - 1].strip():
        start -= 1
    stop = ctx
    while stop < len(lines) and lines[stop].strip():
        stop += 1
    return start, stop


def edit_entry(po: Path, phrase_id: str, fn) -> int:
    """Rewrite one entry's lines with fn(list[str]) -> list[str] (same count keeps numbering); returns
    the 1-based line number of its msgctxt."""
    lines = po.read_text(encoding="utf-8").split("\n")
    start, stop = entry_span(lines, phrase_id)
    ctx_line = lines.index(f'msgctxt "{phrase_id}"') + 1
    lines[start:stop] = fn(lines[start:stop])
    po.write_text("\n".join(lines), encoding="utf-8")
    return ctx_line


def set_msgstr(po: Path, phrase_id: str, text: str) -> None:
    def fn(block: list[str]) -> list[str]:
        out, skipping = [], False
        for line in block:
            if line.startswith("msgstr "):
                out.append(f'msgstr "{text}"')
                skipping = True
            elif skipping and line.startswith('"'):
                continue
            else:
                out.append(line)
        return out
    edit_entry(po, phrase_id, fn)


def mark_reviewed(po: Path, phrase_id: str, reviewer: str) -> None:
    def fn(block: list[str]) -> list[str]:
        out = []
        for line in block:
            if line.startswith("# machine-drafted"):
                out.append(f"# reviewed-by: {reviewer}")
            elif line.startswith("#,"):
                flags = [f.strip() for f in line[2:].split(",") if f.strip() != "fuzzy"]
                if flags:
                    out.append("#, " + ", ".join(flags))
            else:
                out.append(line)
        return out
    edit_entry(po, phrase_id, fn)


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text)
