"""The optical checks' core (gateway.verify.optical) on rendered pages, and bad input through the one
pipeline: IR/UV images that show nothing or are not the same scan, corrupt or oversized files, a
page without portrait, soft focus — each a specific check outcome or a clear error."""

from __future__ import annotations

import struct
import zlib
from functools import cache

import cv2
import numpy as np
import pytest

from gateway.mrz.image import ImageError, read_mrz_image
from gateway.verdict import CHECK_NAMES, CheckStatus, Status
from gateway.verify import PageCapture, VerifyOptions, read_and_verify
from gateway.verify import optical as o
from gateway.verify.reasons import MESSAGES
from simulators.documents import Degradation, render
from simulators.documents.profiles import spec_from_profile
from tests.verify_support import NOW, in_process_transport, trust_store, verify_profile

OPTIONS = VerifyOptions(now=NOW, today=NOW.date())


@cache
def lights(profile: str = "td3-bac", forgeries: frozenset[str] = frozenset(), **degrade: object) -> dict[str, bytes]:
    spec = spec_from_profile(profile, forgeries=forgeries)
    d = Degradation(scene="scanner", **degrade)
    return {light: render(spec, seed=3, degradation=d, light=light).encoded for light in ("white", "ir", "uv")}


def pixels(data: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)


@cache
def white_read(profile: str = "td3-bac"):  # type: ignore[no-untyped-def]
    return read_mrz_image(pixels(lights(profile)["white"]), portrait=True)


def test_ir_check_on_genuine_and_ir_invisible_pages() -> None:
    read = white_read()
    white = pixels(lights()["white"])
    ok, ratio = o.ir_check(white, pixels(lights()["ir"]), read.mrz_quad)
    assert ok.status is CheckStatus.PASSED and ok.reason == "MRZ_IR_VISIBLE" and ratio > 0.9
    forged = pixels(lights(forgeries=frozenset({"ir_invisible_mrz"}))["ir"])
    bad, ratio = o.ir_check(white, forged, read.mrz_quad)
    assert bad.status is CheckStatus.FAILED and bad.decisive and bad.reason == "MRZ_NOT_IR_VISIBLE"
    assert ratio < 0.1 and "0.0" in bad.message_en


@pytest.mark.parametrize("level", [0, 255])
def test_an_all_black_or_saturated_ir_image_is_not_a_forgery(level: int) -> None:
    white = pixels(lights()["white"])
    check, ratio = o.ir_check(white, np.full_like(white, level), white_read().mrz_quad)
    assert (check.status, check.reason, ratio) == (CheckStatus.NOT_PERFORMED, "IR_IMAGE_DARK", None)


def test_ir_and_uv_of_another_size_are_not_the_same_scan() -> None:
    white = pixels(lights()["white"])
    smaller = cv2.resize(pixels(lights()["ir"]), None, fx=0.5, fy=0.5)
    assert o.ir_check(white, smaller, white_read().mrz_quad)[0].reason == "IR_GEOMETRY_MISMATCH"
    assert o.uv_check(white, smaller, white_read().mrz_quad)[0].reason == "UV_GEOMETRY_MISMATCH"


def test_uv_check_on_dull_and_bright_paper() -> None:
    white = pixels(lights()["white"])
    ok, level = o.uv_check(white, pixels(lights()["uv"]), white_read().mrz_quad)
    assert ok.reason == "UV_DULL_PAPER" and level < 60
    bad, level = o.uv_check(white, pixels(lights(forgeries=frozenset({"uv_bright_paper"}))["uv"]),
                            white_read().mrz_quad)
    assert bad.status is CheckStatus.FAILED and bad.decisive and bad.reason == "UV_BRIGHT_PAPER" and level > 200


def test_portrait_outcomes_without_something_to_compare() -> None:
    face = np.full((600, 480, 3), 128, np.uint8)
    assert o.portrait_check("TD1", None, face, True)[0].reason == "PORTRAIT_ON_OTHER_SIDE"
    assert o.portrait_check("TD3", np.full((300, 240, 3), 230, np.uint8), face, True)[0].reason == \
        "PORTRAIT_NOT_FOUND"  # a flat crop: no photo where the layout puts it
    crop = white_read().portrait.image
    assert o.portrait_check("TD3", crop, None, False)[0].reason == "CHIP_NOT_READ"
    assert o.portrait_check("TD3", crop, None, True)[0].reason == "CHIP_FACE_UNAVAILABLE"


def test_quality_warnings_fail_the_quality_check_without_deciding() -> None:
    class W:
        def __init__(self, code: str, severity: str) -> None:
            self.code, self.severity = code, severity

    assert o.quality_check([]).reason == "IMAGE_QUALITY_GOOD"
    c = o.quality_check([W("MRZ_SOFT", "warn"), W("PORTRAIT_OTHER_SIDE", "warn")])
    assert c.status is CheckStatus.FAILED and not c.decisive and "MRZ_SOFT" in c.message_en
    assert "PORTRAIT_OTHER_SIDE" not in c.message_en  # a TD1's layout fact, not a quality issue


def test_every_optical_reason_has_an_english_and_a_german_message() -> None:
    import inspect

    source = inspect.getsource(o)
    codes = {c for c in MESSAGES if f'"{c}"' in source}
    assert {"MRZ_NOT_IR_VISIBLE", "UV_BRIGHT_PAPER", "PORTRAIT_MISMATCH", "IMAGE_QUALITY_LOW"} <= codes
    for code in codes:
        en, de = MESSAGES[code]
        assert en and de and en != de
    assert set(o.OPTICAL_CHECKS) <= set(CHECK_NAMES) and not any(CHECK_NAMES[n] for n in o.OPTICAL_CHECKS)


# --- through the pipeline --------------------------------------------------------------------------------


def test_without_page_images_every_optical_check_says_so_and_the_chip_still_decides() -> None:
    result = verify_profile("td3-bac")
    assert result.verdict.status is Status.GENUINE
    assert {result.verdict.get(n).reason for n in o.OPTICAL_CHECKS} == {"NO_PAGE_IMAGES"}
    assert "optical" not in result.timings.phases and result.optical is None


def test_a_white_page_alone_runs_what_it_can() -> None:
    result = read_and_verify(None, None, None, OPTIONS, page_image=lights()["white"])
    got = {n: result.verdict.get(n).reason for n in o.OPTICAL_CHECKS}
    assert got == {"mrz_ir_visible": "NO_IR_IMAGE", "uv_dull_paper": "NO_UV_IMAGE",
                   "portrait_matches_chip": "CHIP_NOT_READ", "image_quality": "IMAGE_QUALITY_GOOD"}
    assert "optical" in result.timings.phases and result.page is not None and result.page.lights == ("white",)


def test_all_three_lights_with_the_chip_and_the_measures_in_the_result() -> None:
    page = lights()
    result = read_and_verify(in_process_transport("td3-bac"), None, trust_store(), OPTIONS,
                             page=PageCapture(page["white"], page["ir"], page["uv"]))
    assert result.verdict.status is Status.GENUINE
    assert all(result.verdict.get(n).status is CheckStatus.PASSED for n in o.OPTICAL_CHECKS)
    out = result.to_dict()
    assert out["page"]["lights"] == ["white", "ir", "uv"] and out["optical"]["ir_ratio"] > 0.9
    assert out["optical"]["portrait_distance"] < o.PORTRAIT_DISTANCE_MAX


def test_a_black_ir_scan_gives_ir_image_dark_not_a_forgery() -> None:
    page = lights()
    black = cv2.imencode(".png", np.zeros_like(pixels(page["white"])))[1].tobytes()
    result = read_and_verify(in_process_transport("td3-bac"), None, trust_store(), OPTIONS,
                             page=PageCapture(page["white"], black, page["uv"]))
    assert result.verdict.get("mrz_ir_visible").reason == "IR_IMAGE_DARK"
    assert result.verdict.status is Status.GENUINE  # not required: the chip still decides


def test_a_soft_page_warns_in_image_quality_without_deciding() -> None:
    page = lights(blur=0.15)
    result = read_and_verify(in_process_transport("td3-bac"), None, trust_store(), OPTIONS,
                             page=PageCapture(page["white"], page["ir"], page["uv"]))
    quality = result.verdict.get("image_quality")
    assert quality.status is CheckStatus.FAILED and not quality.decisive and "MRZ_SOFT" in quality.message_en
    assert result.verdict.status is Status.GENUINE


def test_corrupt_uv_bytes_are_an_image_error_naming_the_light() -> None:
    page = lights()
    with pytest.raises(ImageError, match="the UV page image"):
        read_and_verify(None, None, None, OPTIONS, page=PageCapture(page["white"], page["ir"], page["uv"][:4000]))
    with pytest.raises(ImageError, match="the IR page image"):
        read_and_verify(None, None, None, OPTIONS, page=PageCapture(page["white"], b"not an image"))


def _png_claiming(width: int, height: int) -> bytes:
    good = cv2.imencode(".png", np.zeros((8, 8), np.uint8))[1].tobytes()
    ihdr = b"IHDR" + struct.pack(">II", width, height) + good[24:29]
    return good[:12] + ihdr + struct.pack(">I", zlib.crc32(ihdr) & 0xFFFFFFFF) + good[33:]


def test_an_ir_image_claiming_too_many_pixels_is_refused_before_decoding() -> None:
    page = lights()
    with pytest.raises(ImageError, match="the IR page image") as info:
        read_and_verify(None, None, None, OPTIONS, page=PageCapture(page["white"], _png_claiming(40000, 40000)))
    assert info.value.code == "too_large"


def test_ir_or_uv_without_the_white_image_is_a_caller_error() -> None:
    with pytest.raises(ValueError, match="needs the white-light page image"):
        PageCapture(ir=lights()["ir"])
    with pytest.raises(ValueError, match="not both"):
        read_and_verify(None, None, None, OPTIONS, page_image=lights()["white"], page=PageCapture(lights()["white"]))
