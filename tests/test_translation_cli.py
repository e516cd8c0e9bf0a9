"""`gateway phrase ...` and `gateway info-sheet` as a person runs them: real processes, files, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
import wave
from pathlib import Path

from gateway.translation.audio import ogg_opus_duration
from tests.translation_support import copy_locale, edit_entry

GATEWAY = str(Path(sys.executable).with_name("gateway"))


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GATEWAY, *args], capture_output=True, text=True, timeout=120, check=False, cwd=cwd)


def test_phrase_list_in_romanian_shows_review_state():
    p = run("phrase", "list", "--lang", "ro")
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("ro: 57 questions and statements (57 machine-drafted)")
    assert "[Locuința și cine locuiește acolo]  (housing)" in p.stdout
    assert "  housing.persons <number>  [machine-drafted]" in p.stdout
    assert "Câte persoane locuiesc în locuință, inclusiv dumneavoastră?" in p.stdout
    data = json.loads(run("phrase", "list", "--lang", "ro", "--section", "identity", "--json").stdout)
    doc = next(x for x in data["phrases"] if x["id"] == "identity.document_type")
    assert doc["review_state"] == "MACHINE_DRAFTED" and doc["choices"][1] == {
        "id": "passport", "text": "Pașaport", "language": "ro", "requested_language": "ro", "fallback": False,
        "review_state": "MACHINE_DRAFTED", "german": "Reisepass"}


def test_phrase_say_writes_a_wav_of_the_reported_length(tmp_path):
    out = tmp_path / "q.wav"
    p = run("phrase", "say", "housing.persons", "--lang", "bg", "--out", str(out), "--json")
    assert p.returncode == 0, p.stderr
    info = json.loads(p.stdout)
    with wave.open(str(out)) as w:
        seconds = w.getnframes() / w.getframerate()
    assert abs(seconds - info["duration_s"]) < 0.002 and info["voice"] == "bg" and seconds > 2
    assert info["text"] == "Колко души живеят в жилището, включително Вие?"
    opus = tmp_path / "q.opus"
    p = run("phrase", "say", "identity.document_type", "--lang", "ar", "--out", str(opus), "--with-choices")
    assert p.returncode == 0 and "opus" in p.stdout
    assert ogg_opus_duration(opus.read_bytes()) > 3


def test_info_sheet_writes_a_pdf(tmp_path):
    out = tmp_path / "info-ro.pdf"
    p = run("info-sheet", "--lang", "ro", "--out", str(out))
    assert p.returncode == 0, p.stderr
    assert "română" in p.stdout and "machine-drafted" in p.stdout
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Ce se întâmplă la biroul de clearing" in text and "Marți: 08:30–12:00, 13:00–16:30" in text


def test_opening_hours_from_the_config_file(tmp_path):
    config = tmp_path / "gateway.toml"
    config.write_text('[clearing_desk]\nopening_hours = [{ day = "friday", from = "10:00", to = "12:00" }]\n')
    out = tmp_path / "info-pl.pdf"
    assert run("info-sheet", "--lang", "pl", "--out", str(out), "--config", str(config)).returncode == 0
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(out), "-"], capture_output=True, text=True).stdout
    assert "Piątek: 10:00–12:00" in text and "Wtorek" not in text


def test_bad_input_gives_one_line_and_exit_2(tmp_path):
    for args, needle in ((["phrase", "list", "--lang", "xx"], "unknown language 'xx'"),
                         (["phrase", "say", "no.such", "--lang", "bg", "--out", str(tmp_path / "x.wav")],
                          "unknown phrase id"),
                         (["phrase", "show", "next_steps.appointment", "--lang", "tr"], "missing value(s) for date"),
                         (["phrase", "show", "start.wait", "--lang", "tr", "--arg", "novalue"], "NAME=VALUE"),
                         (["info-sheet", "--lang", "ro", "--out", str(tmp_path / "no" / "dir.pdf")], "does not exist")):
        p = run(*args)
        assert p.returncode == 2, (args, p.stderr)
        assert len(p.stderr.strip().splitlines()) == 1 and needle in p.stderr and "Traceback" not in p.stderr
    assert not (tmp_path / "x.wav").exists()


def test_bad_config_exit_3():
    p = run("phrase", "languages", "--config", "/nonexistent/gateway.toml")
    assert p.returncode == 3 and "cannot read config" in p.stderr


def test_check_reports_broken_entries_with_file_and_line(tmp_path):
    assert run("phrase", "check").returncode == 0
    locale = copy_locale(tmp_path)
    line = edit_entry(locale / "hu" / "LC_MESSAGES" / "interview.po", "work.hours",
                      lambda b: [x.replace("msgstr ", "msgstr_typo ") for x in b])
    config = tmp_path / "gateway.toml"
    config.write_text(f'[translation]\nlocale_dir = "{locale}"\n')
    p = run("phrase", "check", "--config", str(config), "--json")
    assert p.returncode == 1
    problems = json.loads(p.stdout)["problems"]
    assert [(x["file"], x["line"], x["code"]) for x in problems] == [
        ("locale/hu/LC_MESSAGES/interview.po", line + 2, "SYNTAX")]
    shown = run("phrase", "show", "work.hours", "--lang", "hu", "--config", str(config))
    assert shown.returncode == 0 and "[machine-drafted, en fallback]" in shown.stdout


def test_languages_table():
    p = run("phrase", "languages", "--json")
    rows = {r["code"]: r for r in json.loads(p.stdout)["languages"]}
    assert rows["de"]["source"] == rows["de"]["total"] == 151
    assert rows["ar"]["rtl"] and rows["uk"]["machine_drafted"] == 151


def test_daemon_refuses_to_start_on_a_broken_catalogue_when_strict(tmp_path):
    locale = copy_locale(tmp_path)
    line = edit_entry(locale / "ro" / "LC_MESSAGES" / "infosheet.po", "sheet.title",
                      lambda b: [x for x in b if not x.startswith("msgid ")])
    config = tmp_path / "gateway.toml"
    config.write_text(f'[server]\nlisten = ["127.0.0.1:0"]\n[translation]\nstrict_catalogues = true\n'
                      f'locale_dir = "{locale}"\n')
    p = subprocess.run([GATEWAY, "serve", "--config", str(config)], capture_output=True, text=True, timeout=60,
                       check=False)
    assert p.returncode == 2
    last = p.stderr.strip().splitlines()[-1]
    assert last.startswith("gateway serve: translation service: 1 catalogue problem(s)")
    assert f"locale/ro/LC_MESSAGES/infosheet.po:{line + 1}: msgstr without msgid" in last  # msgid removed
    assert "Traceback" not in p.stderr
