"""A strict line-level check of gettext .po syntax, run before Babel parses a catalogue.

Babel's parser is lenient: an unterminated string loses its last character, a `msgstr` without
`msgid` silently becomes the next entry's translation. For a phrasebook read aloud to people that
is a corruption, so every line is checked first; a broken entry is reported with its file and line
and blanked out (its lines become empty, so the line numbers of the rest stay true), and the rest
of the catalogue loads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_STRING = r'"(?:[^"\\]|\\[\\"ntrabfv])*"'
_KEYWORD = re.compile(rf"^(msgctxt|msgid|msgid_plural|msgstr|msgstr\[\d+\])\s+({_STRING})\s*$")
_CONTINUATION = re.compile(rf"^({_STRING})\s*$")


@dataclass(frozen=True)
class SyntaxProblem:
    line: int  # 1-based
    message: str


def check_lines(lines: list[str]) -> tuple[list[str], list[SyntaxProblem]]:
    """(lines with every broken entry blanked, the problems found)."""
    problems: list[SyntaxProblem] = []
    out = list(lines)
    state = "start"  # start | comments | msgctxt | msgid | msgid_plural | msgstr
    entry_start = 0
    broken_at: int | None = None  # index where the current entry broke; skip to the next blank line

    def fail(index: int, message: str) -> None:
        nonlocal broken_at
        problems.append(SyntaxProblem(index + 1, message))
        broken_at = index

    def blank_range(start: int, stop: int) -> None:
        for i in range(start, stop):
            out[i] = ""

    for i, raw in enumerate(lines):
        line = raw.rstrip("\r\n")
        stripped = line.strip()
        if broken_at is not None:
            if stripped:
                continue
            blank_range(entry_start, i)
            broken_at, state = None, "start"
            continue
        if not stripped:
            if state in ("msgctxt", "msgid", "msgid_plural"):
                fail(i - 1, f"entry ends without msgstr ({state} on line {entry_start + 1})")
                blank_range(entry_start, i)
                broken_at = None
            state = "start"
            continue
        if stripped.startswith("#"):
            if state in ("msgctxt", "msgid", "msgid_plural"):
                fail(i, "comment inside an entry (before its msgstr)")
            elif state in ("start", "msgstr"):
                entry_start, state = i, "comments"
            continue
        keyword = _KEYWORD.match(stripped)
        if keyword:
            word = keyword.group(1)
            if word == "msgctxt":
                if state in ("start", "comments", "msgstr"):
                    if state != "comments":
                        entry_start = i
                    state = "msgctxt"
                else:
                    fail(i, "msgctxt in the middle of an entry")
            elif word == "msgid":
                if state in ("start", "comments", "msgctxt", "msgstr"):
                    if state in ("start", "msgstr"):
                        entry_start = i
                    state = "msgid"
                else:
                    fail(i, "msgid appears twice in one entry")
            elif word == "msgid_plural":
                if state == "msgid":
                    state = "msgid_plural"
                else:
                    fail(i, "msgid_plural without msgid")
            elif word == "msgstr":
                if state == "msgid":
                    state = "msgstr"
                else:
                    fail(i, "msgstr without msgid" if state != "msgstr" else "msgstr appears twice")
            else:  # msgstr[n]
                if state in ("msgid_plural", "msgstr"):
                    state = "msgstr"
                else:
                    fail(i, f"{word} without msgid_plural")
            continue
        if _CONTINUATION.match(stripped):
            if state not in ("msgctxt", "msgid", "msgid_plural", "msgstr"):
                fail(i, "a string line outside an entry")
            continue
        if stripped.startswith('"') or re.match(r"^(msgctxt|msgid|msgid_plural|msgstr)\b", stripped):
            fail(i, "unterminated or badly escaped string")
        else:
            fail(i, "unknown keyword (not msgctxt, msgid, msgstr or a comment)")
    if broken_at is not None:
        blank_range(entry_start, len(lines))
    elif state in ("msgctxt", "msgid", "msgid_plural"):
        problems.append(SyntaxProblem(len(lines), f"file ends inside an entry (line {entry_start + 1})"))
        blank_range(entry_start, len(lines))
    return out, problems
