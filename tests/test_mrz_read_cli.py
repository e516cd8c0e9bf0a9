"""`gateway mrz read` as a user runs it: the installed console script on image files, exit codes
as `mrz check` (2 also for an unreadable file), the `mrz check --json` object plus `image`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

from simulators.documents import Degradation, render

GATEWAY = str(Path(sys.executable).with_name("gateway"))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GATEWAY, "mrz", "read", *args], capture_output=True, text=True, timeout=120, check=False)


def test_json_is_the_check_object_plus_image(tmp_path) -> None:
    doc = render(seed=81, fmt="TD3", degradation=Degradation(rotation=180, skew=3, dpi=220, jpeg=85))
    path = doc.save(tmp_path, "passport")
    p = run("--json", "--today", "2026-01-15", str(path))
    d = json.loads(p.stdout)
    assert {"format", "valid", "fields", "checks", "corrections", "ambiguous", "warnings", "errors",
            "lines"} <= set(d)
    img = d["image"]
    assert img["file"] == str(path) and img["status"] == "read" and img["rotation"] == 180
    assert set(img["mrz_box"]) == {"x", "y", "width", "height", "quad"}
    assert img["engine"] and img["timings_ms"]["total"] > 0 and isinstance(img["warnings"], list)
    assert p.returncode == (0 if d["valid"] else 1)
    assert d["lines"] == doc.truth.mrz_lines


def test_unreadable_files_exit_2_with_one_line(tmp_path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not an image\n")
    doc = render(seed=82, fmt="TD1", degradation=Degradation(jpeg=80, dpi=150))
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(doc.encoded[: len(doc.encoded) // 2])
    for path in (text, cut, tmp_path / "missing.png"):
        p = run(str(path))
        assert p.returncode == 2 and p.stdout == ""
        lines = p.stderr.strip().splitlines()
        assert len(lines) == 1 and str(path) in lines[0] and "Traceback" not in p.stderr


def test_blank_page_exits_2_with_the_reason_and_json(tmp_path) -> None:
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((800, 600), 250, np.uint8))
    p = run("--json", str(blank))
    assert p.returncode == 2
    assert p.stderr.strip().endswith("No MRZ was found in the image.")
    d = json.loads(p.stdout)
    assert d["valid"] is False and d["format"] is None and d["image"]["status"] == "not_found"


def test_several_images_give_an_array_and_the_worst_status(tmp_path) -> None:
    good = render(seed=83, fmt="TD2", degradation=Degradation(dpi=220)).save(tmp_path, "good")
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((600, 800), 250, np.uint8))
    p = run("--json", "--today", "2026-01-15", str(good), str(blank))
    d = json.loads(p.stdout)
    assert isinstance(d, list) and len(d) == 2 and d[1]["image"]["status"] == "not_found"
    assert p.returncode == 2


def test_portrait_is_written_only_when_asked(tmp_path) -> None:
    doc = render(seed=84, fmt="TD3", degradation=Degradation(dpi=200))
    path = doc.save(tmp_path, "p")
    out = tmp_path / "face.png"
    p = run("--portrait", str(out), str(path))
    assert p.returncode in (0, 1), p.stderr
    face = cv2.imread(str(out))
    assert face is not None and face.shape[0] > face.shape[1] > 100
    assert "portrait" not in p.stderr
    assert len(list(tmp_path.iterdir())) == 3  # image, its ground truth, the face: nothing else written


def test_text_output_names_rotation_and_warnings(tmp_path) -> None:
    doc = render(seed=85, fmt="TD3", degradation=Degradation(rotation=90, blur=0.33, dpi=200))
    path = doc.save(tmp_path, "blurred")
    p = run("--today", "2026-01-15", str(path))
    assert p.returncode in (1, 2)
    if p.returncode == 1:
        assert "rotation 90" in p.stdout and "neu scannen" in p.stdout and "INVALID" in p.stdout
