"""Read one language's gettext catalogues (`<lang>/LC_MESSAGES/<domain>.po`) with Babel.

Conventions of the phrasebook's catalogues (see docs/translations.md):
- `msgctxt` is the stable phrase id, `msgid` the German source text, `msgstr` the translation;
- review state: the standard `#, fuzzy` flag means *machine-drafted, not reviewed*; a translator
  comment `# reviewed-by: <who>` without the fuzzy flag means *reviewed by a native speaker*; an
  entry with neither is reported (NOT_MARKED) and treated as machine-drafted - never as reviewed;
- an empty msgstr is a missing translation (the phrase falls back to English, then German).

Nothing here raises for a bad entry: each problem is reported with file and line and the entry is
left out (so it falls back and says so); the rest loads. Whether problems stop the daemon is the
caller's decision (`[translation] strict_catalogues`).
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.pofile import PoFileError, read_po

from .model import Problem, ReviewState, SourceEntry, Translation
from .placeholders import PlaceholderError, placeholders
from .po_lint import check_lines

LOCALE_DIR = Path(__file__).with_name("locale")
REVIEWED_BY = "reviewed-by:"
_MAX_RETRIES = 50


@dataclass
class LanguageCatalogue:
    language: str
    translations: dict[str, Translation] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def po_path(locale_dir: Path, language: str, domain: str) -> Path:
    return locale_dir / language / "LC_MESSAGES" / f"{domain}.po"


def load_language(language: str, source: dict[str, SourceEntry], locale_dir: Path = LOCALE_DIR,
                  domains: tuple[str, ...] = ("interview", "infosheet")) -> LanguageCatalogue:
    catalogue = LanguageCatalogue(language)
    for domain in domains:
        path = po_path(locale_dir, language, domain)
        if not path.exists():
            catalogue.problems.append(Problem(_shown(path, locale_dir), 0, "NO_FILE",
                                              f"no {domain} catalogue for {language}: every phrase falls back"))
            continue
        catalogue.files.append(str(path))
        _load_file(path, _shown(path, locale_dir), domain, source, catalogue)
    return catalogue


def _shown(path: Path, locale_dir: Path) -> str:
    try:
        return str(path.relative_to(locale_dir.parent))
    except ValueError:
        return str(path)


def _decode(data: bytes, shown: str, problems: list[Problem]) -> list[str]:
    lines = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            problems.append(Problem(shown, number, "SYNTAX", "line is not valid UTF-8"))
            lines.append("\x00")  # a line the syntax check rejects, so its entry is dropped whole
    return lines


def _load_file(path: Path, shown: str, domain: str, source: dict[str, SourceEntry],
               catalogue: LanguageCatalogue) -> None:
    problems = catalogue.problems
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(shown, 0, "UNREADABLE", f"cannot read: {exc.strerror}"))
        return
    before = len(problems)
    lines = _decode(data, shown, problems)
    undecodable = {p.line for p in problems[before:]}
    lines, syntax = check_lines(lines)
    problems.extend(Problem(shown, p.line, "SYNTAX", p.message) for p in syntax if p.line not in undecodable)
    contexts = Counter(line.strip() for line in lines if line.startswith("msgctxt "))
    duplicates = {c for c, n in contexts.items() if n > 1}
    parsed = None
    for _ in range(_MAX_RETRIES):
        try:
            parsed = read_po(io.StringIO("\n".join(lines)), locale=None, domain=domain, abort_invalid=True)
            break
        except PoFileError as exc:  # a fault the line check let through: drop that entry, keep the rest
            number = exc.lineno + 1
            problems.append(Problem(shown, number, "SYNTAX", str(exc).rsplit(" on ", 1)[0]))
            start = number - 1
            while start > 0 and lines[start - 1].strip():
                start -= 1
            stop = number - 1
            while stop < len(lines) and lines[stop].strip():
                stop += 1
            for i in range(start, max(stop, start + 1)):
                lines[i] = ""
    if parsed is None:
        problems.append(Problem(shown, 0, "SYNTAX", "too many broken entries; catalogue not loaded"))
        return
    for message in parsed:
        if not message.id:
            continue  # the header
        _take(message, shown, domain, source, duplicates, catalogue)


def _take(message, shown: str, domain: str, source: dict[str, SourceEntry], duplicates: set[str],
          catalogue: LanguageCatalogue) -> None:
    line = message.lineno or 0
    pid = message.context
    if not pid:
        catalogue.problems.append(Problem(shown, line, "NO_CONTEXT", "entry has no msgctxt (the phrase id)"))
        return
    entry = source.get(pid)
    if entry is None or entry.domain != domain:
        catalogue.problems.append(Problem(shown, line, "UNKNOWN_ID", f"no {domain} phrase with this id", pid))
        return
    if f'msgctxt "{pid}"' in duplicates:
        catalogue.problems.append(Problem(shown, line, "DUPLICATE", "phrase id appears more than once", pid))
        return
    if isinstance(message.id, tuple) or isinstance(message.string, tuple):
        catalogue.problems.append(Problem(shown, line, "PLURAL", "plural entries are not used", pid))
        return
    if message.id != entry.text:
        catalogue.problems.append(Problem(shown, line, "STALE_SOURCE",
                                          "German source changed since this was translated; needs an update", pid))
        return
    text = message.string or ""
    if not text.strip():
        return  # missing: not a problem, the phrase falls back
    try:
        names = placeholders(text)
    except PlaceholderError as exc:
        catalogue.problems.append(Problem(shown, line, "PLACEHOLDERS", str(exc), pid))
        return
    if names != entry.placeholders:
        want = ", ".join(sorted(entry.placeholders)) or "none"
        got = ", ".join(sorted(names)) or "none"
        catalogue.problems.append(Problem(shown, line, "PLACEHOLDERS",
                                          f"placeholders {got} do not match the source's {want}", pid))
        return
    reviewer = next((c.split(":", 1)[1].strip() for c in message.user_comments
                     if c.strip().lower().startswith(REVIEWED_BY)), "")
    if message.fuzzy:
        state = ReviewState.MACHINE_DRAFTED
    elif reviewer:
        state = ReviewState.REVIEWED
    else:
        catalogue.problems.append(Problem(shown, line, "NOT_MARKED",
                                          "neither fuzzy nor '# reviewed-by:'; counted as machine-drafted", pid))
        state = ReviewState.MACHINE_DRAFTED
    catalogue.translations[pid] = Translation(text, state, reviewer if state is ReviewState.REVIEWED else "",
                                              shown, line)
