"""Verify over a real TCP socket, MRZ only: results, the streamed event order, and bad requests."""

from __future__ import annotations

import datetime as dt

import grpc
import pytest

from gateway.api import convert
from gateway.api.protos import verification_pb2, verification_pb2_grpc
from gateway.client import GatewayClient, GatewayError
from gateway.mrz import check
from gateway.service import model
from gateway.verdict import CHECK_NAMES, Check, CheckStatus, Status, Verdict
from tests.api_support import DaemonThread

TD3 = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]
TD1_DE = ["IDD<<T220001293<<<<<<<<<<<<<<<", "6408125<2010315D<<<<<<<<<<<<<4", "MUSTERMANN<<ERIKA<<<<<<<<<<<<<"]
BEFORE_EXPIRY = dt.date(2010, 1, 1)


@pytest.fixture(scope="module")
def daemon():
    with DaemonThread() as d:
        yield d


@pytest.fixture
def client(daemon):
    with GatewayClient(daemon.address, timeout=10) as c:
        yield c


def test_mrz_only_verify_returns_printed_mrz_and_an_inconclusive_verdict(client):
    result = client.verify(mrz=TD3, reference_date=BEFORE_EXPIRY)
    assert result.printed_mrz.to_dict() == check(TD3, today=BEFORE_EXPIRY).to_dict()
    assert result.chip_mrz is None and result.access is None and result.files == []
    assert result.verdict.status is Status.INCONCLUSIVE  # chip not read: required checks missing
    by_name = {c.name: c for c in result.verdict.checks}
    assert set(by_name) == set(CHECK_NAMES)
    assert by_name["mrz_check_digits"].status is CheckStatus.PASSED
    assert by_name["document_expiry"].status is CheckStatus.PASSED
    assert by_name["sod_signature"].status is CheckStatus.NOT_PERFORMED
    assert by_name["sod_signature"].reason == "CHIP_NOT_READ"
    assert by_name["chip_access"].message_de  # both languages travel


def test_expired_document_and_ocr_correction(client):
    misread = [TD3[0], TD3[1].replace("7408122", "74O8122")]
    result = client.verify(mrz=misread, reference_date=dt.date(2026, 11, 22))
    by_name = {c.name: c for c in result.verdict.checks}
    assert by_name["mrz_check_digits"].status is CheckStatus.PASSED
    assert by_name["mrz_check_digits"].reason == "MRZ_VALID"
    assert [c.to_char for c in result.printed_mrz.corrections] == ["0"]
    assert by_name["document_expiry"].status is CheckStatus.FAILED
    assert by_name["document_expiry"].reason == "DOCUMENT_EXPIRED"
    assert by_name["document_expiry"].decisive is False
    assert result.verdict.status is Status.INCONCLUSIVE


def test_wrong_check_digit_fails_the_mrz_check_without_a_bad_request(client):
    broken = [TD1_DE[0], TD1_DE[1][:-1] + "9", TD1_DE[2]]  # composite check digit wrong
    result = client.verify(mrz=broken, reference_date=BEFORE_EXPIRY)
    assert result.printed_mrz.valid is False
    assert result.verdict.get("mrz_check_digits").status is CheckStatus.FAILED


def test_check_selection_marks_others_not_requested(client):
    result = client.verify(mrz=TD3, checks=["mrz_check_digits"], reference_date=BEFORE_EXPIRY)
    expiry = result.verdict.get("document_expiry")
    assert expiry.status is CheckStatus.NOT_PERFORMED and expiry.reason == "NOT_REQUESTED"
    assert result.verdict.get("mrz_check_digits").status is CheckStatus.PASSED


def test_stream_events_come_in_order_and_end_with_the_unary_result(client):
    items = list(client.verify_stream(mrz=TD3, reference_date=BEFORE_EXPIRY))
    assert isinstance(items[0], model.Started) and items[0].reader_id == ""
    assert isinstance(items[-1], model.VerifyResult)
    checks = [i.check for i in items[1:-1]]
    assert all(isinstance(i, model.CheckCompleted) for i in items[1:-1])
    final = items[-1]
    assert [c.name for c in checks] == [c.name for c in final.verdict.checks]
    unary = client.verify(mrz=TD3, reference_date=BEFORE_EXPIRY)
    assert final.to_dict() | {"timings": None} == unary.to_dict() | {"timings": None}


def test_stream_sequence_numbers_increase(daemon):
    channel = grpc.insecure_channel(daemon.address)
    stub = verification_pb2_grpc.VerificationServiceStub(channel)
    request = verification_pb2.VerifyStreamRequest(request=GatewayClient.build_request(mrz=TD3))
    sequences = [m.sequence for m in stub.VerifyStream(request, timeout=5)]
    channel.close()
    assert sequences == list(range(1, len(sequences) + 1))


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"mrz": "hello world"}, "mrz"),
        ({"mrz": "P<" * 200}, "mrz"),
        ({}, "mrz"),
        ({"can": "12ab56"}, "chip_access.can"),
        ({"can": "1234567"}, "chip_access.can"),
        ({"use_printed_mrz": True}, "chip_access.use_printed_mrz"),
        ({"access_mrz": "not an mrz"}, "chip_access.mrz"),
        ({"document_key": ("L898902C3", "741312", "120415")}, "chip_access.document_key.birth_date"),
        ({"document_key": ("l898 902", "740812", "120415")}, "chip_access.document_key.document_number"),
        ({"mrz": "\n".join(TD3), "checks": ["mrz_check_digits", "palm_reading"]}, "checks[1]"),
        ({"mrz": "\n".join(TD3), "reference_date": None, "_raw_date": "2026-13-01"}, "reference_date"),
    ],
)
def test_bad_requests_name_the_field(client, args, field):
    raw_date = args.pop("_raw_date", None)
    request = GatewayClient.build_request(**args)
    if raw_date:
        request.reference_date = raw_date
    with pytest.raises(grpc.RpcError) as info:
        client.verification.Verify(request, timeout=5)
    error = GatewayError.from_rpc(info.value)
    assert error.code is grpc.StatusCode.INVALID_ARGUMENT
    assert field in [f for f, _ in error.fields]
    assert error.reason == "INVALID_REQUEST"
    assert "Traceback" not in error.message and "ERIKSSON" not in str(error.fields)


def test_unknown_reader_is_not_found_and_no_reader_is_a_failed_precondition(client):
    with pytest.raises(GatewayError) as info:
        client.verify(mrz=TD3, use_printed_mrz=True, reader_id="no-such-reader")
    assert info.value.code is grpc.StatusCode.NOT_FOUND and info.value.reason == "DEVICE_NOT_FOUND"
    with pytest.raises(GatewayError) as info:
        client.verify(mrz=TD3, use_printed_mrz=True)  # this daemon watches no PC/SC readers
    assert info.value.code is grpc.StatusCode.FAILED_PRECONDITION and info.value.reason == "NO_READER"


def test_verdict_and_mrz_survive_the_wire_unchanged():
    checks = [Check(name, status, f"R_{i}", f"en {i}", f"de {i}", decisive=bool(i % 2))
              for i, (name, status) in enumerate(zip(CHECK_NAMES, list(CheckStatus) * 4, strict=False))]
    verdict = Verdict(checks)
    back, status = convert.verdict_from_pb(convert.verdict_to_pb(verdict))
    assert back.to_dict() == verdict.to_dict() and status is verdict.status
    for lines in (TD3, TD1_DE):
        result = check(lines, today=BEFORE_EXPIRY)
        assert convert.mrz_from_pb(convert.mrz_to_pb(result)).to_dict() == result.to_dict()
