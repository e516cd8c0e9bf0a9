"""Verify with a page image instead of MRZ text: the pipeline reads the printed MRZ off the scan (and
takes the chip's key from it), reports how it was read, crops the portrait when asked, and refuses a
page to scan again with PAGE_UNREADABLE and the reason — in process, through the daemon over a real
socket, with a chip over pcscd, and from `gateway verify`."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import pytest

from gateway.client import GatewayClient, GatewayError
from gateway.mrz import check
from gateway.service.config import ServeConfig
from gateway.service.verification import DocumentVerifier
from gateway.verdict import Status
from gateway.verify import VerifyOptions, read_and_verify
from gateway.verify.pipeline import PageUnreadableError
from simulators.documents import Degradation, render
from simulators.documents.profiles import spec_from_profile
from tests.api_support import DaemonThread
from tests.verify_support import NOW, in_process_transport, printed_mrz, trust_store

GATEWAY = str(Path(sys.executable).with_name("gateway"))
OPTIONS = VerifyOptions(now=NOW, today=NOW.date())


@cache
def page(profile: str, **degrade: object) -> bytes:
    """The printed data page of a chip profile, as a desk scanner delivers it."""
    return render(spec_from_profile(profile), seed=3, degradation=Degradation(scene="scanner", **degrade)).encoded


def test_mrz_only_from_a_page_image() -> None:
    result = read_and_verify(None, None, trust_store(), OPTIONS, page_image=page("td3-bac"))
    assert result.printed_mrz is not None and result.printed_mrz.valid
    assert result.printed_mrz.lines == check(printed_mrz("td3-bac")).lines
    assert result.verdict.get("mrz_check_digits").reason == "MRZ_VALID"
    assert result.page is not None and result.page.status == "read" and result.page.engine
    assert len(result.page.mrz_box) == 8 and result.page.effective_dpi > 100
    assert "page" in result.timings.phases
    report = json.dumps(result.to_dict())
    assert "ERIKSSON" not in json.dumps(result.page.to_dict()) and "page" in report  # the page object holds no data


def test_the_page_is_the_chips_access_key_and_the_document_is_genuine() -> None:
    result = read_and_verify(in_process_transport("td1-eu-pace"), None, trust_store(), OPTIONS,
                             page_image=page("td1-eu-pace"))
    assert result.verdict.status is Status.GENUINE
    assert result.verdict.get("mrz_matches_chip").reason == "MRZ_MATCHES_CHIP"
    assert result.access is not None and result.access.password == "MRZ"


def test_the_portrait_is_cropped_only_when_asked() -> None:
    plain = read_and_verify(None, None, None, OPTIONS, page_image=page("td3-bac"))
    assert plain.portrait == b""
    asked = read_and_verify(None, None, None, VerifyOptions(now=NOW, today=NOW.date(), want_portrait=True),
                            page_image=page("td3-bac"))
    face = cv2.imdecode(np.frombuffer(asked.portrait, np.uint8), cv2.IMREAD_COLOR)
    assert face is not None and face.shape[0] > face.shape[1] > 40  # a portrait, taller than wide


def test_a_page_to_scan_again_says_why() -> None:
    blank = cv2.imencode(".png", np.full((900, 1300), 235, np.uint8))[1].tobytes()
    with pytest.raises(PageUnreadableError, match="scan the page again") as info:
        read_and_verify(None, None, None, OPTIONS, page_image=blank)
    assert info.value.page.status == "not_found"
    with pytest.raises(PageUnreadableError) as info:
        read_and_verify(None, None, None, OPTIONS, page_image=page("td3-bac", blur=0.6))
    assert any(w.severity == "reject" for w in info.value.page.warnings)


def test_text_and_image_at_once_is_a_caller_error() -> None:
    with pytest.raises(ValueError, match="not both"):
        read_and_verify(None, None, None, OPTIONS, printed_mrz=printed_mrz("td3-bac"), page_image=page("td3-bac"))


# --- through the daemon ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def daemon():
    with DaemonThread(ServeConfig(listen=["127.0.0.1:0"]), DocumentVerifier(trust_store()),
                      monitor_pcsc=False) as d:
        yield d


def test_verify_with_a_page_image_over_grpc(daemon) -> None:
    with GatewayClient(daemon.address, timeout=30) as client:
        result = client.verify(page_image=page("td3-bac"), return_portrait=True)
        assert result.printed_mrz is not None and result.printed_mrz.valid
        assert result.verdict.status is Status.INCONCLUSIVE  # MRZ only: the chip was not read
        assert result.page is not None and result.page.status == "read" and result.portrait[:2] == b"\xff\xd8"
        with pytest.raises(GatewayError) as info:
            client.verify(page_image=page("td3-bac", blur=0.6))
        assert info.value.reason == "PAGE_UNREADABLE" and "scan the page again" in str(info.value)
        with pytest.raises(GatewayError) as info:
            client.verify(page_image=b"not an image")
        assert info.value.reason == "IMAGE_INVALID"
        with pytest.raises(GatewayError) as info:
            client.verify(page_image=page("td3-bac"), mrz=printed_mrz("td3-bac"))
        assert info.value.reason == "INVALID_REQUEST"


def test_gateway_verify_page_image_cli(daemon, tmp_path: Path) -> None:
    scan = tmp_path / "scan.png"
    scan.write_bytes(page("td3-bac"))
    portrait = tmp_path / "portrait.jpg"
    done = subprocess.run([GATEWAY, "verify", "--server", daemon.address, "--page-image", str(scan), "--mrz-only",
                           "--save-portrait", str(portrait), "--json"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 3, done.stderr  # INCONCLUSIVE: the chip was not read
    out = json.loads(done.stdout)
    assert out["printed_mrz"]["valid"] and out["page"]["status"] == "read"
    assert portrait.read_bytes()[:2] == b"\xff\xd8"


# --- with a chip over pcscd ---------------------------------------------------------------------------


@pytest.mark.pcsc
def test_page_image_and_chip_through_the_daemon(vpcd_card) -> None:  # type: ignore[no-untyped-def]
    from tests.api_chip_support import PORT, device_id, engine_verifier, profile_card, wait_document

    pc = profile_card("td3-pace-bac-ca-aa")
    slot = vpcd_card(pc.card, port=PORT)
    with DaemonThread(ServeConfig(listen=["127.0.0.1:0"]), engine_verifier(), monitor_pcsc=True) as d, \
            GatewayClient(d.address, timeout=60) as client:
        wait_document(client, device_id(slot.reader))
        result = client.verify(page_image=page("td3-pace-bac-ca-aa"), use_printed_mrz=True,
                               reader_id=device_id(slot.reader))
    assert result.verdict.status is Status.GENUINE, [(c.name, c.reason) for c in result.verdict.checks]
    assert result.verdict.get("mrz_matches_chip").reason == "MRZ_MATCHES_CHIP"
    assert result.verdict.get("chip_authentication").reason == "CA_VERIFIED"


@pytest.mark.pcsc
def test_chip_read_with_a_page_image(vpcd_card, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.api_chip_support import PORT_2, profile_card
    from tests.verify_support import trust_folder

    pc = profile_card("td3-bac")
    slot = vpcd_card(pc.card, port=PORT_2)
    scan = tmp_path / "scan.png"
    scan.write_bytes(page("td3-bac"))
    done = subprocess.run([GATEWAY, "chip", "read", "--reader", slot.reader, "--page-image", str(scan),
                           "--trust", str(trust_folder()), "--json"], capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["verdict"] == "GENUINE" and out["page"]["status"] == "read"
    blank = tmp_path / "blank.png"
    blank.write_bytes(cv2.imencode(".png", np.full((900, 1300), 235, np.uint8))[1].tobytes())
    done = subprocess.run([GATEWAY, "chip", "read", "--reader", slot.reader, "--page-image", str(blank)],
                          capture_output=True, text=True, timeout=90)
    assert done.returncode == 2 and "scan the page again" in done.stderr and done.stdout == ""
