"""Hostile requests over a real TCP socket (issue 10): error details that grew with the request (100
unknown `checks` gave a 22.7 KB trailer, so a default client saw RESOURCE_EXHAUSTED and no details),
and bytes that are no protobuf (answered UNKNOWN). MRZ-only verification: no pcscd needed."""

from __future__ import annotations

import grpc
import pytest
from google.rpc import status_pb2
from grpc_status import rpc_status

from gateway.api.status import parse_error, to_status
from gateway.client import GatewayClient, GatewayError
from gateway.limits import MAX_ERROR_DETAIL_BYTES, MAX_FIELD_VIOLATIONS
from gateway.service.config import ServeConfig
from gateway.service.errors import ErrorKind, FieldViolation, ServiceError
from gateway.verdict import CHECK_NAMES
from tests.api_support import DaemonThread

TD3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
METHODS = {
    "/gateway.v1.VerificationService/Verify": "unary_unary",
    "/gateway.v1.VerificationService/VerifyStream": "unary_stream",
    "/gateway.v1.DeviceService/ListDevices": "unary_unary",
    "/gateway.v1.DeviceService/DescribeDevice": "unary_unary",
}
GARBAGE = [b"\xff\xff\xff\xff", b"\x0a\xff\xff\xff\xff\x0f", b"\x12\x05ab", b"\x08" + b"\x80" * 11]


@pytest.fixture(scope="module")
def daemon():
    with DaemonThread() as d:
        yield d


def _trailer_bytes(error: grpc.RpcError) -> int:
    return sum(len(k) + len(v) for k, v in error.trailing_metadata() or ())


def test_a_hundred_unknown_checks_give_bounded_details_a_default_client_can_read(daemon):
    request = GatewayClient.build_request(mrz=TD3, checks=[f"palm_reading_{i}" for i in range(100)])
    with GatewayClient(daemon.address, timeout=10) as client, pytest.raises(grpc.RpcError) as info:
        client.verification.Verify(request, timeout=5)
    assert info.value.code() is grpc.StatusCode.INVALID_ARGUMENT  # not RESOURCE_EXHAUSTED
    assert _trailer_bytes(info.value) < 2 * MAX_ERROR_DETAIL_BYTES  # base64 of ≤ 2 KiB details
    error = GatewayError.from_rpc(info.value)
    fields = [f for f, _ in error.fields]
    assert len(fields) == MAX_FIELD_VIOLATIONS
    assert fields[:3] == ["checks", "checks[0]", "checks[1]"] and fields[-1] == "(more)"
    descriptions = " ".join(d for _, d in error.fields)
    assert descriptions.count(next(iter(CHECK_NAMES))) == 1  # the known checks are named once, in full
    assert all(name in descriptions for name in CHECK_NAMES)
    assert "92 further field violation(s)" in descriptions


def test_to_status_caps_whatever_the_service_layer_built():
    error = ServiceError(ErrorKind.INVALID_ARGUMENT, "INVALID_REQUEST", "x" * 5000,
                         [FieldViolation(f"field_{i}" * 20, "d" * 2000) for i in range(1000)],
                         {f"key{i}": "v" * 3000 for i in range(50)})
    status = to_status(error)
    details = dict(status.trailing_metadata)["grpc-status-details-bin"]
    assert len(details) <= MAX_ERROR_DETAIL_BYTES
    decoded = status_pb2.Status.FromString(details)
    assert decoded.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert len(decoded.details) == 2  # ErrorInfo (with the reason) and BadRequest both survive
    small = ServiceError(ErrorKind.NOT_FOUND, "NO_SUCH_READER", "no reader named desk",
                         [FieldViolation("reader_id", "unknown")])
    assert rpc_status.to_status(status_pb2.Status()) is not None
    assert dict(to_status(small).trailing_metadata)["grpc-status-details-bin"]  # untouched when small


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("garbage", GARBAGE, ids=["ff", "bad-length", "truncated-string", "bad-varint"])
def test_bytes_that_are_no_protobuf_are_invalid_argument(daemon, method, garbage):
    with grpc.insecure_channel(daemon.address) as channel:
        call = getattr(channel, METHODS[method])(method, request_serializer=None, response_deserializer=None)
        with pytest.raises(grpc.RpcError) as info:
            result = call(garbage, timeout=5)
            if METHODS[method] == "unary_stream":
                list(result)
    assert info.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "is not a valid gateway.v1." in info.value.details() and "protobuf message" in info.value.details()
    reason, _, _ = parse_error(info.value)
    assert reason == "MALFORMED_REQUEST"


def test_the_daemon_keeps_answering_after_garbage(daemon):
    with grpc.insecure_channel(daemon.address) as channel:
        call = channel.unary_unary("/gateway.v1.VerificationService/Verify", request_serializer=None,
                                   response_deserializer=None)
        for garbage in GARBAGE:
            with pytest.raises(grpc.RpcError):
                call(garbage, timeout=5)
    with GatewayClient(daemon.address, timeout=10) as client:
        assert client.verify(mrz=TD3.split("\n")).printed_mrz is not None


def test_without_a_token_garbage_is_unauthenticated_first():
    config = ServeConfig(listen=["127.0.0.1:0"], tokens=("s3cret-token",))
    with DaemonThread(config) as d, grpc.insecure_channel(d.address) as channel:
        call = channel.unary_unary("/gateway.v1.VerificationService/Verify", request_serializer=None,
                                   response_deserializer=None)
        with pytest.raises(grpc.RpcError) as info:
            call(b"\xff\xff", timeout=5)
        assert info.value.code() is grpc.StatusCode.UNAUTHENTICATED
        with pytest.raises(grpc.RpcError) as info:
            call(b"\xff\xff", timeout=5, metadata=[("authorization", "Bearer s3cret-token")])
        assert info.value.code() is grpc.StatusCode.INVALID_ARGUMENT
