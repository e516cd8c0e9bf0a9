"""The document renderer: its own MRZ composer agrees with the gateway's parser and the ICAO
specimens; pages render at their ICAO sizes under white, IR and UV light with exact ground truth;
forgery switches change what they should and nothing else; everything is deterministic."""

from __future__ import annotations

import datetime as dt
import json

import cv2
import numpy as np
import pytest

from gateway.mrz import check
from simulators.documents import (
    FORMATS,
    Degradation,
    DocumentSpec,
    MrzFields,
    check_digit,
    compose,
    invented_document,
    render,
    render_page,
    specimen_spec,
)
from simulators.documents.layout import LAYOUTS
from simulators.documents.persons import SPECIMENS

TODAY = dt.date(2026, 1, 15)


def test_check_digits_of_doc9303_examples() -> None:
    assert check_digit("L898902C3") == "6"
    assert check_digit("740812") == "2"
    assert check_digit("120415") == "9"
    assert check_digit("D23145890123") == "3"  # the TD1 specimen's long document number


def test_composer_reproduces_the_icao_specimens() -> None:
    td3 = MrzFields("TD3", "P<", "UTO", "L898902C3", "Eriksson", "Anna Maria", "UTO", "740812", "F", "120415",
                    optional_data="ZE184226B")
    assert compose(td3) == SPECIMENS["TD3"]
    td2 = MrzFields("TD2", "I<", "UTO", "D23145890", "Eriksson", "Anna Maria", "UTO", "740812", "F", "120415")
    assert compose(td2) == SPECIMENS["TD2"]
    td1 = MrzFields("TD1", "I<", "UTO", "D23145890123", "Eriksson", "Anna Maria", "UTO", "740812", "F", "120415")
    assert compose(td1) == SPECIMENS["TD1"]
    de = MrzFields("TD1", "ID", "D", "T22000129", "Mustermann", "Erika", "D", "640812", "<", "201031")
    assert compose(de) == SPECIMENS["TD1-DE"]


@pytest.mark.parametrize("seed", range(40))
def test_invented_documents_validate_in_the_gateway(seed: int) -> None:
    fields, _person = invented_document(seed)
    lines = compose(fields)
    result = check(lines, today=TODAY)
    assert result.format == fields.format.replace("-", "")  # the gateway writes MRVA/MRVB
    assert all(v in ("ok", "absent") for v in result.checks.values()), result.checks
    assert result.fields["document_number"] == fields.document_number
    assert result.fields["birth_date"] == fields.birth_date.isoformat()


def test_transliteration_of_the_desks_languages() -> None:
    from simulators.documents.mrz_text import mrz_name

    assert mrz_name("Стоянова") == "STOIANOVA"
    assert mrz_name("Щерьо") == "SHTERO"  # Щ -> SHT (Bulgarian); Ь is not in table B and is dropped
    assert mrz_name("Ștefan") == "STEFAN"
    assert mrz_name("Łukasiewicz") == "LUKASIEWICZ"
    assert mrz_name("Szőke") == "SZOKE"
    assert mrz_name("Müller") == "MUELLER"
    assert mrz_name("O'Connor") == "OCONNOR"
    assert mrz_name("Grzegorczyk-Nowak") == "GRZEGORCZYK<NOWAK"


@pytest.mark.parametrize("fmt", FORMATS)
def test_pages_have_icao_size_and_the_mrz_on_the_grid(fmt: str) -> None:
    fields, person = invented_document(7, fmt)
    page = render_page(DocumentSpec(fields, person), dpi=254.0)  # 10 px per mm
    lay = LAYOUTS[fmt]
    h, w = page.image.shape[:2]
    assert (w, h) == (round(lay.width * 10), round(lay.height * 10))
    assert len(page.mrz_line_quads) == len(page.mrz_lines)
    first = page.mrz_line_quads[0]
    assert first[1][0] - first[0][0] == pytest.approx(len(page.mrz_lines[0]) * 25.4, abs=0.01)  # 2.54 mm pitch
    # the ink of the first line lies inside its box, and the MRZ zone above the lines is free of VIZ print
    x0, y0 = (round(v) for v in first[0])
    x1, y1 = (round(v) for v in first[2])
    gray = cv2.cvtColor(page.image, cv2.COLOR_RGB2GRAY)
    assert gray[y0:y1, x0:x1].min() < 60
    if page.portrait_quad is not None:
        (px0, _py0), _, (_px1, py1), _ = page.portrait_quad
        assert py1 < lay.mrz_zone_top * 10 and px0 >= 20


def test_render_is_deterministic_and_seeds_differ() -> None:
    d = Degradation(rotation=90, skew=4, blur=0.03, noise=3, jpeg=80)
    a, b = render(seed=3, fmt="TD3", degradation=d), render(seed=3, fmt="TD3", degradation=d)
    assert a.encoded == b.encoded and a.truth.to_dict() == b.truth.to_dict()
    c = render(seed=4, fmt="TD3", degradation=d)
    assert c.truth.mrz_lines != a.truth.mrz_lines


def test_ground_truth_follows_rotation_and_is_json(tmp_path) -> None:
    doc = render(seed=5, fmt="TD2", degradation=Degradation(rotation=270, skew=-6))
    t = doc.truth
    assert t.rotation == 270 and t.angle == pytest.approx(264.0)
    h, w = doc.image.shape[:2]
    assert h > w  # a landscape page turned by a quarter
    x, y, bw, bh = t.mrz_box
    assert bh > 5 * bw  # the MRZ now runs vertically
    assert x >= 0 and x + bw <= w and y >= 0 and y + bh <= h
    gray = cv2.cvtColor(doc.image, cv2.COLOR_RGB2GRAY)
    assert gray[y:y + bh, x:x + bw].min() < 80  # the box holds the print
    path = doc.save(tmp_path, "td2")
    meta = json.loads((tmp_path / "td2.json").read_text())
    assert path.exists() and meta["mrz_lines"] == t.mrz_lines and meta["rotation"] == 270
    assert meta["degradations"]["rotation"] == 270


def _mean(img: np.ndarray, quad) -> float:
    (x0, y0), _, (x1, y1), _ = quad
    return float(img[round(y0):round(y1), round(x0):round(x1)].mean())


def test_infrared_shows_the_mrz_but_not_the_tint_and_captions() -> None:
    spec = specimen_spec("TD3")
    page = render_page(spec, dpi=200)
    ir = page.relight("ir")[:, :, 0]
    white = cv2.cvtColor(page.image, cv2.COLOR_RGB2GRAY)
    mrz = page.mrz_line_quads[0]
    assert _mean(ir, mrz) < _mean(ir, ((0, 0), (0, 0), (ir.shape[1], 40), (0, 40))) - 25
    # guilloche and tint are IR-transparent: the paper away from print is flat in IR, not in white light
    band = (slice(5, 30), slice(ir.shape[1] // 2, ir.shape[1] - 5))
    assert ir[band].std() < white[band].std()
    forged = render_page(DocumentSpec(spec.fields, spec.person, mrz_lines=spec.mrz_lines,
                                      forgeries=frozenset({"ir_invisible_mrz"})), dpi=200).relight("ir")[:, :, 0]
    assert _mean(forged, mrz) > _mean(ir, mrz) + 20  # the MRZ vanishes under IR: a photocopy/inkjet forgery
    assert np.array_equal(render_page(spec, dpi=200).image, page.image)  # white light unchanged by relighting


def test_ultraviolet_paper_is_dull_unless_forged_and_the_emblem_glows() -> None:
    spec = specimen_spec("TD2")
    uv = render_page(spec, dpi=150).relight("uv")
    bright = render_page(DocumentSpec(spec.fields, spec.person, mrz_lines=spec.mrz_lines,
                                      forgeries=frozenset({"uv_bright_paper"})), dpi=150).relight("uv")
    assert np.median(uv) < 50 and np.median(bright) > 150
    no_feature = render_page(DocumentSpec(spec.fields, spec.person, mrz_lines=spec.mrz_lines,
                                          forgeries=frozenset({"no_uv_feature"})), dpi=150).relight("uv")
    assert int(uv[:, :, 1].max()) > int(no_feature[:, :, 1].max()) + 80  # green fluorescent emblem


def test_swapped_photo_changes_only_the_portrait() -> None:
    fields, person = invented_document(9, "TD3")
    a = render_page(DocumentSpec(fields, person, portrait_seed=9), dpi=150)
    b = render_page(DocumentSpec(fields, person, portrait_seed=9, forgeries=frozenset({"swapped_photo"})), dpi=150)
    diff = np.abs(a.image.astype(int) - b.image.astype(int)).sum(axis=2) > 0
    (x0, y0), _, (x1, y1), _ = a.portrait_quad
    inside = diff[round(y0):round(y1), round(x0):round(x1)].mean()
    outside = diff.sum() - diff[round(y0):round(y1), round(x0):round(x1)].sum()
    assert inside > 0.3 and outside == 0


def test_td1_portrait_is_on_the_front_and_the_mrz_on_the_back() -> None:
    fields, person = invented_document(2, "TD1")
    back = render_page(DocumentSpec(fields, person), dpi=150)
    front = render_page(DocumentSpec(fields, person), dpi=150, side="front")
    assert back.portrait_quad is None and len(back.mrz_line_quads) == 3
    assert front.portrait_quad is not None and front.mrz_line_quads == []


def test_unknown_switches_are_refused() -> None:
    fields, person = invented_document(1, "TD3")
    with pytest.raises(ValueError, match="forgery"):
        DocumentSpec(fields, person, forgeries=frozenset({"hologram"}))
    with pytest.raises(ValueError, match="unknown degradation"):
        Degradation.parse("sharpen=3")
    assert Degradation.parse("rotation=90,skew=2.5,scene=phone,glare_on_mrz=no") == Degradation(
        rotation=90, skew=2.5, scene="phone", glare_on_mrz=False)
    with pytest.raises(ValueError):
        render_page(DocumentSpec(fields, person), light="xray")


def test_profile_pages_print_the_chips_mrz() -> None:
    """The page of every shipped chip profile carries exactly the MRZ its chip's DG1 holds (the chip
    side builds DG1 with gateway.mrz; the renderer composes with its own code)."""
    from simulators.chip.lds_builder import mrz_lines
    from simulators.chip.profile import list_profiles, load_profile
    from simulators.documents.profiles import spec_from_profile

    for name in list_profiles():
        spec = spec_from_profile(name)
        assert spec.lines() == mrz_lines(load_profile(name)), name


def test_gateway_sim_render_writes_pictures_and_truth(tmp_path) -> None:
    import subprocess
    import sys
    from pathlib import Path

    sim = str(Path(sys.executable).with_name("gateway-sim"))
    p = subprocess.run([sim, "render", "--profile", "td1-eu-pace", "--light", "ir", "--degrade",
                        "rotation=90,skew=3", "--out", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    meta = json.loads(next(tmp_path.glob("*.json")).read_text())
    assert meta["light"] == "ir" and meta["rotation"] == 90 and len(meta["mrz_lines"]) == 3
    bad = subprocess.run([sim, "render", "--degrade", "sharpen=1", "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "unknown degradation" in bad.stderr and "Traceback" not in bad.stderr
