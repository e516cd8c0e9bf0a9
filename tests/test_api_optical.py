"""The optical checks through the daemon over a real socket and from `gateway verify`: the IR and UV
page images travel in VerifyRequest.page_image_ir / page_image_uv, the daemon runs the same pipeline
as the in-process call, and gives the same checks; bad IR/UV input is a specific error. With a chip
over pcscd (marked pcsc): every desk profile's verdict through the daemon."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from gateway.client import GatewayClient, GatewayError
from gateway.service.config import ServeConfig
from gateway.service.verification import DocumentVerifier
from gateway.verdict import Status
from gateway.verify import PageCapture, VerifyOptions, read_and_verify
from gateway.verify.optical import OPTICAL_CHECKS
from simulators.documents.desk_profiles import DESK_PROFILES, render_desk
from tests.api_support import DaemonThread
from tests.expected_verdicts import DESK_EXPECTED
from tests.verify_support import NOW, trust_store

GATEWAY = str(Path(sys.executable).with_name("gateway"))


@cache
def pages(name: str) -> dict[str, bytes]:
    return render_desk(name)


@pytest.fixture(scope="module")
def daemon():
    with DaemonThread(ServeConfig(listen=["127.0.0.1:0"]), DocumentVerifier(trust_store()),
                      monitor_pcsc=False) as d:
        yield d


def _checks(result) -> dict[str, tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {n: (result.verdict.get(n).status.value, result.verdict.get(n).reason) for n in OPTICAL_CHECKS}


@pytest.mark.parametrize("name", ["genuine-td3", "forgery-ir-invisible-mrz", "forgery-uv-bright-paper"])
def test_daemon_and_in_process_give_the_same_optical_checks(daemon, name: str) -> None:
    p = pages(name)
    local = read_and_verify(None, None, None, VerifyOptions(now=NOW, today=NOW.date()),
                            page=PageCapture(p["white"], p["ir"], p["uv"]))
    with GatewayClient(daemon.address, timeout=60) as client:
        remote = client.verify(page_image=p["white"], page_image_ir=p["ir"], page_image_uv=p["uv"],
                               reference_date=NOW.date())
    assert _checks(remote) == _checks(local)
    assert remote.optical is not None and remote.optical.lights == ("white", "ir", "uv")
    assert remote.optical.ir_ratio == pytest.approx(local.optical.ir_ratio)
    assert "optical" in remote.timings.phases
    status, check, reason = DESK_EXPECTED[name]
    if status is Status.NOT_GENUINE:  # an optical forgery is NOT_GENUINE even without the chip
        assert remote.verdict.status is Status.NOT_GENUINE and remote.verdict.get(check).reason == reason
    else:
        assert remote.verdict.status is Status.INCONCLUSIVE  # MRZ only: the chip was not read


def test_bad_ir_and_uv_input_over_grpc(daemon) -> None:
    p = pages("genuine-td3")
    with GatewayClient(daemon.address, timeout=60) as client:
        with pytest.raises(GatewayError) as info:
            client.verify(mrz="x" * 10, page_image_ir=p["ir"])
        assert info.value.reason == "INVALID_REQUEST"
        assert "page_image_ir" in [f for f, _ in info.value.fields]
        with pytest.raises(GatewayError) as info:
            client.verify(page_image=p["white"], page_image_uv=b"\x89PNG\r\n\x1a\n broken")
        assert info.value.reason == "IMAGE_INVALID" and "UV page image" in str(info.value)
        assert [f for f, _ in info.value.fields] == ["page_image_uv"]


def test_gateway_verify_with_ir_and_uv_images(daemon, tmp_path: Path) -> None:
    p = pages("forgery-ir-invisible-mrz")
    files = {}
    for light, data in p.items():
        files[light] = tmp_path / f"{light}.png"
        files[light].write_bytes(data)
    done = subprocess.run([GATEWAY, "verify", "--server", daemon.address, "--page-image", str(files["white"]),
                           "--ir-image", str(files["ir"]), "--uv-image", str(files["uv"]), "--mrz-only", "--json"],
                          capture_output=True, text=True, timeout=90)
    assert done.returncode == 1, done.stderr  # NOT_GENUINE
    out = json.loads(done.stdout)
    by_name = {c["name"]: c for c in out["checks"]}
    assert by_name["mrz_ir_visible"]["reason"] == "MRZ_NOT_IR_VISIBLE" and by_name["mrz_ir_visible"]["decisive"]
    assert by_name["uv_dull_paper"]["reason"] == "UV_DULL_PAPER"
    assert out["optical"]["lights"] == ["white", "ir", "uv"]
    done = subprocess.run([GATEWAY, "verify", "--server", daemon.address, "--ir-image", str(files["ir"]),
                           "--mrz-only"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--ir-image needs --page-image" in done.stderr


# --- with the chip over pcscd (the lead runs these) --------------------------------------------------------


@pytest.mark.pcsc
@pytest.mark.parametrize("name", sorted(DESK_EXPECTED))
def test_desk_profile_through_the_daemon(name: str, vpcd_card) -> None:  # type: ignore[no-untyped-def]
    from tests.api_chip_support import PORT, device_id, engine_verifier, profile_card, wait_document

    slot = vpcd_card(profile_card(DESK_PROFILES[name].chip).card, port=PORT)
    p = pages(name)
    with DaemonThread(ServeConfig(listen=["127.0.0.1:0"]), engine_verifier(), monitor_pcsc=True) as d, \
            GatewayClient(d.address, timeout=60) as client:
        wait_document(client, device_id(slot.reader))
        result = client.verify(page_image=p["white"], page_image_ir=p["ir"], page_image_uv=p["uv"],
                               use_printed_mrz=True, reader_id=device_id(slot.reader))
    status, check, reason = DESK_EXPECTED[name]
    assert result.verdict.status is status, [(c.name, c.reason) for c in result.verdict.checks]
    if check is not None:
        assert result.verdict.get(check).reason == reason
