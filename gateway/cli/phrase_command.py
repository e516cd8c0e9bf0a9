"""`gateway phrase` and `gateway info-sheet`: the interview phrasebook at the desk, without the daemon.

    gateway phrase languages                         # coverage per language
    gateway phrase list --lang ro [--section housing] [--json]
    gateway phrase show next_steps.appointment --lang bg --arg date=12.03. --arg time=10:30
    gateway phrase say housing.persons --lang bg --out q.wav [--with-choices] [--format opus]
    gateway phrase check                             # catalogue problems (exit 1 if any)
    gateway info-sheet --lang ro --out info-ro.pdf [--config gateway.toml]

The same service (gateway.service.translation) as the daemon's TranslationService. Exit status:
0 ok, 1 `check` found problems, 2 bad arguments (unknown language or phrase id, placeholders),
3 a component is missing (espeak-ng, opusenc, fonts, config), 4 speech or rendering failed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

EXIT_PROBLEMS, EXIT_USAGE, EXIT_MISSING, EXIT_FAILED = 1, 2, 3, 4
_MISSING_REASONS = {"SPEECH_UNAVAILABLE", "OPUS_UNAVAILABLE", "FONT_MISSING"}
_STATE_LABEL = {"SOURCE": "source", "REVIEWED": "reviewed", "MACHINE_DRAFTED": "machine-drafted",
                "MISSING": "missing"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("phrase", help="the interview phrasebook: list, show, speak, check",
                       description="The Stufe 1 interview phrasebook in German (source) and its translations, "
                       "each shown with its review state; a missing translation falls back to English, then German.")
    psub = p.add_subparsers(dest="phrase_command", required=True, metavar="ACTION")

    langs = psub.add_parser("languages", help="the languages and how much of each is reviewed")
    _common(langs)
    langs.set_defaults(handler=run_languages)

    lst = psub.add_parser("list", help="the questions and statements in one language")
    _common(lst)
    lst.add_argument("--lang", required=True, metavar="CODE", help="language code, e.g. ro, bg, ar")
    lst.add_argument("--section", default="", help="only this interview section")
    lst.add_argument("--sheet", action="store_true", help="the first-information sheet's texts instead")
    lst.set_defaults(handler=run_list)

    show = psub.add_parser("show", help="one phrase with its choices")
    _common(show)
    show.add_argument("phrase_id")
    show.add_argument("--lang", required=True, metavar="CODE")
    show.add_argument("--arg", action="append", default=[], metavar="NAME=VALUE", help="placeholder value")
    show.set_defaults(handler=run_show)

    say = psub.add_parser("say", help="speak one phrase into an audio file (espeak-ng, offline)")
    _common(say)
    say.add_argument("phrase_id")
    say.add_argument("--lang", required=True, metavar="CODE")
    say.add_argument("--out", required=True, type=Path, metavar="FILE", help="audio file to write ('-': stdout)")
    say.add_argument("--format", choices=("wav", "opus"), help="default: from the file name (.opus/.ogg: opus)")
    say.add_argument("--arg", action="append", default=[], metavar="NAME=VALUE", help="placeholder value")
    say.add_argument("--with-choices", action="store_true", help="also read the answer choices")
    say.add_argument("--wpm", type=int, default=0, help="words per minute (80-260; default 150)")
    say.set_defaults(handler=run_say)

    check = psub.add_parser("check", help="check the catalogues (syntax, stale entries, placeholders)")
    _common(check)
    check.set_defaults(handler=run_check)

    sheet = sub.add_parser("info-sheet", help="the printable first-information sheet (PDF) in one language",
                           description="Render the first-information sheet: what happens at the clearing desk, "
                           "what to bring to the citizens' office, opening hours (from --config [clearing_desk]), "
                           "data protection. Arabic right to left; fonts from Debian's fonts-noto-core.")
    _common(sheet)
    sheet.add_argument("--lang", required=True, metavar="CODE")
    sheet.add_argument("--out", required=True, type=Path, metavar="FILE.pdf", help="PDF to write ('-': stdout)")
    sheet.set_defaults(handler=run_info_sheet)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, metavar="PATH", help="gateway TOML config ([translation], [clearing_desk])")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def _fail(code: int, message: str) -> int:
    print(f"gateway: {message}", file=sys.stderr)
    return code


def _desk(args: argparse.Namespace):
    from gateway.service.config import ConfigError, load_config
    from gateway.service.translation import TranslationDesk, TranslationSetupError

    try:
        config = load_config(args.config)
    except ConfigError as exc:
        raise _Exit(EXIT_MISSING, str(exc)) from None
    try:
        return TranslationDesk(config.translation, config.devices)
    except TranslationSetupError as exc:
        raise _Exit(EXIT_MISSING, str(exc)) from None


class _Exit(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def _guard(fn):
    def wrapper(args: argparse.Namespace) -> int:
        from gateway.service.errors import ErrorKind, ServiceError

        try:
            return fn(args)
        except _Exit as exc:
            return _fail(exc.code, str(exc))
        except ServiceError as exc:
            if exc.reason in _MISSING_REASONS:
                return _fail(EXIT_MISSING, str(exc))
            if exc.kind in (ErrorKind.INVALID_ARGUMENT, ErrorKind.NOT_FOUND):
                return _fail(EXIT_USAGE, str(exc))
            return _fail(EXIT_FAILED, str(exc))
    wrapper.__name__ = fn.__name__
    return wrapper


def _arguments(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise _Exit(EXIT_USAGE, f"--arg {pair!r}: NAME=VALUE expected")
        out[name] = value
    return out


def _text_dict(r) -> dict:
    return {"text": r.text, "language": r.language, "requested_language": r.requested, "fallback": r.fallback,
            "review_state": r.state.value, "german": r.german}


def phrase_dict(p) -> dict:
    e = p.entry
    d = {"id": e.id, "section": e.section, "answer": e.answer.value, **_text_dict(p.resolved)}
    if p.choices:
        d["choices"] = [{"id": c.id, **_text_dict(c.resolved)} for c in p.choices]
        d["multiple"] = e.multiple
    if p.unit is not None:
        d["number"] = {"min": e.minimum, "max": e.maximum, "unit": p.unit.text}
    if e.date_range:
        d["date_range"] = e.date_range
    if e.placeholders:
        d["placeholders"] = sorted(e.placeholders)
    if e.personal_data:
        d["personal_data"] = True
    return d


def _label(r) -> str:
    label = _STATE_LABEL[r.state.value]
    return f"{label}, {r.language} fallback" if r.fallback else label


@_guard
def run_languages(args: argparse.Namespace) -> int:
    desk = _desk(args)
    rows = []
    for code, lang in __import__("gateway.translation.languages", fromlist=["LANGUAGES"]).LANGUAGES.items():
        c = desk.book.coverage(code)
        rows.append({"code": code, "name": lang.english_name, "native_name": lang.native_name,
                     "rtl": lang.rtl, "total": c.total, "source": c.source, "reviewed": c.reviewed,
                     "machine_drafted": c.machine_drafted, "missing": c.missing})
    if args.json:
        print(json.dumps({"languages": rows, "catalogue_problems": len(desk.problems)}, ensure_ascii=False, indent=2))
        return 0
    print(f"{'code':<5} {'language':<11} {'native':<12} {'texts':>5} {'reviewed':>9} {'machine':>8} {'missing':>8}")
    for r in rows:
        reviewed = r["reviewed"] + r["source"]
        print(f"{r['code']:<5} {r['name']:<11} {r['native_name']:<12} {r['total']:>5} {reviewed:>9} "
              f"{r['machine_drafted']:>8} {r['missing']:>8}")
    if desk.problems:
        print(f"{len(desk.problems)} catalogue problem(s): gateway phrase check", file=sys.stderr)
    return 0


@_guard
def run_list(args: argparse.Namespace) -> int:
    desk = _desk(args)
    domain = "infosheet" if args.sheet else "interview"
    phrases = desk.phrases(args.lang, args.section, domain)
    titles = dict(desk.section_titles(args.lang))
    if args.json:
        print(json.dumps({"language": phrases[0].resolved.requested if phrases else args.lang,
                          "phrases": [phrase_dict(p) for p in phrases]}, ensure_ascii=False, indent=2))
        return 0
    code = phrases[0].resolved.requested if phrases else args.lang
    counts: dict[str, int] = {}
    for p in phrases:
        counts[_STATE_LABEL[p.resolved.requested_state.value]] = counts.get(
            _STATE_LABEL[p.resolved.requested_state.value], 0) + 1
    summary = ", ".join(f"{n} {label}" for label, n in sorted(counts.items()))
    print(f"{code}: {len(phrases)} {'sheet texts' if args.sheet else 'questions and statements'} ({summary})")
    section = None
    for p in phrases:
        if p.entry.section and p.entry.section != section:
            section = p.entry.section
            print(f"\n[{titles[section].text}]  ({section})")
        kind = "" if p.entry.answer.value == "none" else f" <{p.entry.answer.value}>"
        print(f"  {p.id}{kind}  [{_label(p.resolved)}]")
        print(f"      {p.text}")
        for c in p.choices:
            print(f"        - {c.id}: {c.text}" + (f"  [{_label(c.resolved)}]" if c.resolved.fallback else ""))
        if p.unit is not None:
            print(f"        {p.entry.minimum}..{p.entry.maximum} {p.unit.text}")
    return 0


@_guard
def run_show(args: argparse.Namespace) -> int:
    desk = _desk(args)
    phrase = desk.phrase(args.phrase_id, args.lang, _arguments(args.arg))
    if args.json:
        print(json.dumps(phrase_dict(phrase), ensure_ascii=False, indent=2))
        return 0
    print(f"{phrase.id} [{_label(phrase.resolved)}]")
    print(phrase.text)
    if phrase.resolved.language != "de":
        print(f"(de) {phrase.resolved.german}")
    for c in phrase.choices:
        print(f"  - {c.id}: {c.text}")
    if phrase.unit is not None:
        print(f"  number {phrase.entry.minimum}..{phrase.entry.maximum} {phrase.unit.text}")
    return 0


def _write(out: Path, data: bytes) -> None:
    """Whole file or nothing: written next to the target, then renamed over it."""
    if str(out) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    target = out.resolve()
    if not target.parent.is_dir():
        raise _Exit(EXIT_USAGE, f"cannot write {out}: folder {target.parent} does not exist")
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _Exit(EXIT_FAILED, f"cannot write {out}: {exc.strerror}") from None


@_guard
def run_say(args: argparse.Namespace) -> int:
    from gateway.translation.speech import AudioFormat

    fmt = args.format or ("opus" if args.out.suffix.lower() in (".opus", ".ogg", ".oga") else "wav")
    desk = _desk(args)
    result = desk.speak(args.phrase_id, args.lang, AudioFormat(fmt), _arguments(args.arg), args.with_choices,
                        args.wpm)
    _write(args.out, result.audio)
    info = {"file": str(args.out), "format": fmt, "bytes": len(result.audio),
            "duration_s": round(result.duration_s, 3), "language": result.language,
            "requested_language": result.requested, "fallback": result.language != result.requested,
            "review_state": result.phrase.resolved.state.value, "voice": result.voice, "text": result.text}
    stream = sys.stderr if str(args.out) == "-" else sys.stdout
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=2), file=stream)
    else:
        note = f" (fallback: {result.language})" if info["fallback"] else ""
        print(f"{args.out}: {fmt}, {result.duration_s:.2f} s, voice {result.voice}{note} "
              f"[{_label(result.phrase.resolved)}]", file=stream)
    return 0


@_guard
def run_check(args: argparse.Namespace) -> int:
    from gateway.translation.extract import stale_templates

    desk = _desk(args)
    problems = desk.problems
    stale = [str(p) for p in stale_templates()]
    if args.json:
        print(json.dumps({"problems": [{"file": p.file, "line": p.line, "code": p.code, "phrase_id": p.phrase_id,
                                        "message": p.message} for p in problems],
                          "stale_templates": stale}, ensure_ascii=False, indent=2))
    else:
        for p in problems:
            print(f"{p} ({p.code})")
        for s in stale:
            print(f"{s}: template not current; run python -m gateway.translation.extract")
        if not problems and not stale:
            print("catalogues ok")
    return EXIT_PROBLEMS if problems or stale else 0


@_guard
def run_info_sheet(args: argparse.Namespace) -> int:
    desk = _desk(args)
    result = desk.info_sheet(args.lang)
    _write(args.out, result.pdf)
    c = result.content
    info = {"file": str(args.out), "language": c.language, "pages": result.pages, "bytes": len(result.pdf),
            "machine_drafted": c.machine_drafted, "fallback_phrase_ids": list(c.fallbacks),
            "render_s": round(result.render_s, 3)}
    stream = sys.stderr if str(args.out) == "-" else sys.stdout
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=2), file=stream)
    else:
        note = "; machine-drafted translation (notice printed)" if c.machine_drafted else ""
        print(f"{args.out}: {c.language_name}, {result.pages} page(s){note}", file=stream)
    return 0
