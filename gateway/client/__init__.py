"""A small typed Python client for the gateway daemon (over the generated `gateway.v1` stubs).

    from gateway.client import GatewayClient

    with GatewayClient() as gw:                       # localhost:50051, or GatewayClient("unix:/run/...")
        result = gw.verify(mrz=mrz_text, use_printed_mrz=True)
        print(result.verdict.status, [c.name for c in result.verdict.checks])

Results are the gateway's own types (`gateway.service.model.VerifyResult` holding
`gateway.verdict.Verdict` and `gateway.mrz.MRZResult`), so `result.to_dict()` is exactly the JSON of
`gateway verify --json`. Failures raise `GatewayError` with the status code, the reason code and the
request fields at fault.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import grpc

from gateway.api import convert
from gateway.api.protos import devices_pb2, devices_pb2_grpc, verification_pb2, verification_pb2_grpc
from gateway.api.status import parse_error
from gateway.service.config import DEFAULT_LISTEN
from gateway.service.devices import DeviceEvent, DeviceSnapshot
from gateway.service.model import ProgressEvent, VerifyResult

__all__ = ["DEFAULT_TARGET", "DeviceWatch", "GatewayClient", "GatewayError", "TlsOptions"]

DEFAULT_TARGET = DEFAULT_LISTEN
TOKEN_ENV = "GATEWAY_TOKEN"


@dataclass
class GatewayError(Exception):
    """A failed call: `code` (grpc.StatusCode), `reason` (ErrorInfo reason), `fields` (BadRequest)."""

    code: grpc.StatusCode
    message: str
    reason: str = ""
    fields: list[tuple[str, str]] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        where = f" [{', '.join(f for f, _ in self.fields)}]" if self.fields else ""
        return f"{self.code.name}: {self.message}{where}" + (f" ({self.reason})" if self.reason else "")

    @classmethod
    def from_rpc(cls, exc: grpc.RpcError) -> GatewayError:
        reason, fields, metadata = parse_error(exc)
        return cls(exc.code(), exc.details() or "", reason, fields, metadata)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class TlsOptions:
    """TLS to a remote daemon: `ca` verifies the server; `cert`+`key` for mutual TLS."""

    ca: Path | None = None
    cert: Path | None = None
    key: Path | None = None
    server_name: str | None = None  # override the name checked in the server certificate

    def credentials(self) -> grpc.ChannelCredentials:
        def read(p: Path | None) -> bytes | None:
            return Path(p).read_bytes() if p else None

        return grpc.ssl_channel_credentials(read(self.ca), read(self.key), read(self.cert))


class DeviceWatch:
    """An open WatchDevices stream: an iterator of DeviceEvent that ends when cancelled or closed."""

    def __init__(self, call: grpc.Call) -> None:
        self._call = call

    def __iter__(self) -> Iterator[DeviceEvent]:
        try:
            for message in self._call:  # type: ignore[attr-defined]
                yield convert.device_event_from_pb(message)
        except grpc.RpcError as exc:
            if exc.code() != grpc.StatusCode.CANCELLED:  # type: ignore[attr-defined]
                raise GatewayError.from_rpc(exc) from None

    def cancel(self) -> None:
        self._call.cancel()

    def __enter__(self) -> DeviceWatch:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.cancel()


class GatewayClient:
    """One channel to a daemon. Thread-safe (gRPC channels are); close it or use `with`."""

    def __init__(self, target: str = DEFAULT_TARGET, *, token: str | None = None, tls: TlsOptions | None = None,
                 timeout: float | None = 120.0) -> None:
        self.target = target
        self.timeout = timeout
        self._token = token if token is not None else os.environ.get(TOKEN_ENV)
        options = [("grpc.max_receive_message_length", 16 * 1024 * 1024)]
        if tls is not None:
            if tls.server_name:
                options.append(("grpc.ssl_target_name_override", tls.server_name))
            self.channel = grpc.secure_channel(target, tls.credentials(), options=options)
        else:
            self.channel = grpc.insecure_channel(target, options=options)
        self.verification = verification_pb2_grpc.VerificationServiceStub(self.channel)
        self.devices = devices_pb2_grpc.DeviceServiceStub(self.channel)

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> GatewayClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- helpers ------------------------------------------------------------------------------------

    def _metadata(self) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {self._token}"),) if self._token else ()

    def _timeout(self, timeout: float | None) -> float | None:
        return self.timeout if timeout is None else timeout

    @staticmethod
    def build_request(
        *,
        mrz: str | Sequence[str] | None = None,
        use_printed_mrz: bool = False,
        access_mrz: str | Sequence[str] | None = None,
        can: str | None = None,
        document_key: tuple[str, str, str] | None = None,
        reader_id: str = "",
        checks: Iterable[str] = (),
        return_face_image: bool = False,
        reference_date: dt.date | None = None,
        use_device_mrz: bool = False,
        page_image: bytes | None = None,
        return_portrait: bool = False,
        page_image_ir: bytes | None = None,
        page_image_uv: bytes | None = None,
        wait_document: bool = False,
    ) -> verification_pb2.VerifyRequest:
        """The request message; at most one of use_printed_mrz / access_mrz / can / document_key."""

        def text(value: str | Sequence[str] | None) -> str:
            return "" if value is None else value if isinstance(value, str) else "\n".join(value)

        request = verification_pb2.VerifyRequest(
            reader_id=reader_id, mrz=text(mrz), checks=list(checks), return_face_image=return_face_image,
            reference_date=reference_date.isoformat() if reference_date else "", use_device_mrz=use_device_mrz,
            page_image=page_image or b"", return_portrait=return_portrait, page_image_ir=page_image_ir or b"",
            page_image_uv=page_image_uv or b"", wait_document=wait_document)
        chosen = [name for name, on in (("use_printed_mrz", use_printed_mrz), ("mrz", access_mrz is not None),
                                        ("can", can is not None), ("document_key", document_key is not None)) if on]
        if len(chosen) > 1:
            raise ValueError(f"choose one chip password source, not {', '.join(chosen)}")
        if use_printed_mrz:
            request.chip_access.use_printed_mrz = True
        elif access_mrz is not None:
            request.chip_access.mrz = text(access_mrz)
        elif can is not None:
            request.chip_access.can = can
        elif document_key is not None:
            number, birth, expiry = document_key
            request.chip_access.document_key.CopyFrom(
                verification_pb2.DocumentKey(document_number=number, birth_date=birth, expiry_date=expiry))
        return request

    # --- verification -------------------------------------------------------------------------------

    def verify(self, *, timeout: float | None = None, **request_args: object) -> VerifyResult:
        """Unary Verify; keyword arguments as `build_request`."""
        request = self.build_request(**request_args)  # type: ignore[arg-type]
        try:
            response = self.verification.Verify(request, timeout=self._timeout(timeout), metadata=self._metadata())
        except grpc.RpcError as exc:
            raise GatewayError.from_rpc(exc) from None
        return convert.result_from_pb(response)

    def verify_stream(self, *, timeout: float | None = None,
                      **request_args: object) -> Iterator[ProgressEvent | VerifyResult]:
        """Streamed verification: progress events, then the VerifyResult as the last item."""
        request = verification_pb2.VerifyStreamRequest(request=self.build_request(**request_args))  # type: ignore[arg-type]
        call = self.verification.VerifyStream(request, timeout=self._timeout(timeout), metadata=self._metadata())
        try:
            for message in call:
                yield convert.event_from_pb(message)
        except grpc.RpcError as exc:
            raise GatewayError.from_rpc(exc) from None
        finally:
            call.cancel()

    # --- devices ------------------------------------------------------------------------------------

    def list_devices(self, timeout: float | None = 10.0) -> list[DeviceSnapshot]:
        try:
            response = self.devices.ListDevices(devices_pb2.ListDevicesRequest(), timeout=timeout,
                                                metadata=self._metadata())
        except grpc.RpcError as exc:
            raise GatewayError.from_rpc(exc) from None
        return [convert.device_from_pb(d) for d in response.devices]

    def describe_device(self, device_id: str, timeout: float | None = 10.0) -> DeviceSnapshot:
        try:
            response = self.devices.DescribeDevice(devices_pb2.DescribeDeviceRequest(device_id=device_id),
                                                   timeout=timeout, metadata=self._metadata())
        except grpc.RpcError as exc:
            raise GatewayError.from_rpc(exc) from None
        return convert.device_from_pb(response.device)

    def watch_devices(self, device_ids: Iterable[str] = (), send_initial_state: bool = True,
                      timeout: float | None = None) -> DeviceWatch:
        """Device events as they happen; iterate it, and `cancel()` it (from any thread) to stop."""
        request = devices_pb2.WatchDevicesRequest(device_ids=list(device_ids), send_initial_state=send_initial_state)
        return DeviceWatch(self.devices.WatchDevices(request, timeout=timeout, metadata=self._metadata()))

    # --- health -------------------------------------------------------------------------------------

    def wait_ready(self, timeout: float) -> bool:
        """Wait until the daemon answers health SERVING (it may still be starting); False on timeout."""
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.health(timeout=min(1.0, max(0.05, deadline - time.monotonic()))) == "SERVING":
                    return True
            except GatewayError:
                pass
            time.sleep(0.05)
        return False

    def health(self, service: str = "", timeout: float | None = 5.0) -> str:
        """"SERVING", "NOT_SERVING", ... of the standard grpc.health.v1 service."""
        from grpc_health.v1 import health_pb2, health_pb2_grpc

        stub = health_pb2_grpc.HealthStub(self.channel)
        try:
            response = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=timeout)
        except grpc.RpcError as exc:
            raise GatewayError.from_rpc(exc) from None
        return health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
