"""`gateway mrz check` as a user runs it: real process, arguments and stdin, exit codes, JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# The console script pyproject.toml installs, next to the interpreter running the tests.
GATEWAY = str(Path(sys.executable).with_name("gateway"))

TD3 = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GATEWAY, "mrz", "check", *args], input=stdin,
                          capture_output=True, text=True, timeout=60, check=False)


def test_valid_json_from_arguments() -> None:
    p = run("--json", "--today", "2026-11-22", *TD3)
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["format"] == "TD3" and d["valid"] is True
    assert d["fields"]["birth_date"] == "1974-08-12"
    assert d["checks"]["composite"] == "ok"
    assert d["corrections"] == [] and d["warnings"][0]["code"] == "expired"


def test_stdin_and_correction() -> None:
    ocr = TD3[1].replace("7408122", "74O8122")
    p = run("--json", "--today", "2026-11-22", stdin=f"{TD3[0]}\n{ocr}\n")
    assert p.returncode == 0
    d = json.loads(p.stdout)
    assert d["corrections"] == [{"line": 2, "position": 16, "from": "O", "to": "0", "checked": True}]


def test_invalid_exits_1_with_readable_summary() -> None:
    bad = TD3[1][:9] + "7" + TD3[1][10:]
    p = run("--today", "2026-11-22", TD3[0], bad)
    assert p.returncode == 1
    assert "INVALID" in p.stdout and "check digit of document_number does not match" in p.stdout


def test_not_an_mrz_exits_2_with_one_line_reason() -> None:
    p = run("hello world")
    assert p.returncode == 2
    assert p.stdout == ""
    assert len(p.stderr.strip().splitlines()) == 1 and "MRZ" in p.stderr
    assert "Traceback" not in p.stderr


def test_bad_today_exits_2() -> None:
    p = run("--today", "22.11.2026", *TD3)
    assert p.returncode == 2 and "YYYY-MM-DD" in p.stderr
