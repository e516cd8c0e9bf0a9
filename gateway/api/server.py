"""The daemon: listeners (TCP, Unix socket, TLS/mTLS), services, health, reflection, graceful stop.

Lifecycle: `start()` binds every listener, starts device monitoring (PC/SC and the configured MRZ
line readers) and reports SERVING;
`shutdown()` first reports NOT_SERVING (so load balancers and clients stop sending), refuses new
work, lets running calls finish for `shutdown_grace_s`, then stops the server and the device threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import stat
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from gateway.service.config import ServeConfig
from gateway.service.devices import DeviceRegistry, PcscMonitor
from gateway.service.document_readers import DocumentReaderMonitor
from gateway.service.line_reader_monitor import LineReaderMonitor
from gateway.service.translation import TranslationDesk, TranslationSetupError
from gateway.service.verification import DocumentVerifier

from .auth import TokenInterceptor
from .decoding import DecodeGuardInterceptor
from .protos import devices_pb2, devices_pb2_grpc, verification_pb2, verification_pb2_grpc
from .servicers import DeviceServicer, Draining, VerificationServicer, stop_executor
from .translation_servicer import SERVICE_NAME as TRANSLATION_SERVICE_NAME
from .translation_servicer import TranslationServicer, translation_pb2_grpc

log = logging.getLogger("gateway.server")

SERVICE_NAMES = (
    verification_pb2.DESCRIPTOR.services_by_name["VerificationService"].full_name,
    devices_pb2.DESCRIPTOR.services_by_name["DeviceService"].full_name,
    TRANSLATION_SERVICE_NAME,
)


class ListenError(RuntimeError):
    """A listener cannot be bound (address in use, bad address, unreadable certificate)."""


class StartupError(ListenError):
    """A component a service needs is missing (e.g. espeak-ng or the sheet's fonts): the daemon does not start."""


def _read(path: Path | None, what: str) -> bytes | None:
    if path is None:
        return None
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ListenError(f"cannot read {what} {path}: {exc.strerror}") from None


def unix_path(address: str) -> Path | None:
    """The filesystem path of a `unix:` address (unix:relative, unix:/abs, unix:///abs)."""
    if not address.startswith("unix:"):
        return None
    rest = address[5:]
    if rest.startswith("//"):
        rest = rest[2:]
    return Path(rest)


@dataclass
class GatewayDaemon:
    config: ServeConfig
    verifier: DocumentVerifier = field(default_factory=DocumentVerifier)
    simulated_readers: Mapping[str, str] = field(default_factory=dict)  # reader name -> profile
    mrz_sources: Mapping[str, Callable[[], str]] = field(default_factory=dict)  # reader name -> MRZ scanner
    monitor_pcsc: bool = True
    bound: dict[str, str] = field(default_factory=dict)  # requested address -> actual (port 0 resolved)
    translation: TranslationDesk | None = None  # built from the config at start() unless given
    usb_backend: Any = None  # pyusb backend for HID line readers (None: pyusb's default, libusb)

    def __post_init__(self) -> None:
        self.registry: DeviceRegistry | None = None
        self.server: grpc.aio.Server | None = None
        self.health = health.aio.HealthServicer()
        self.draining = Draining()
        self._monitor: PcscMonitor | None = None
        self.line_readers: LineReaderMonitor | None = None
        self.document_readers: DocumentReaderMonitor | None = None
        self._verification: VerificationServicer | None = None
        self._translation: TranslationServicer | None = None
        self._stopped = asyncio.Event()
        self.ready_s: float | None = None

    async def start(self) -> None:
        t0 = time.monotonic()
        c = self.config
        self.registry = DeviceRegistry(c.queue_per_reader, c.devices, self.simulated_readers, self.mrz_sources,
                                       mrz_fresh_s=c.mrz_fresh_s)
        interceptors: list[grpc.aio.ServerInterceptor] = [TokenInterceptor(c.tokens)] if c.tokens else []
        interceptors.append(DecodeGuardInterceptor())  # innermost: wraps the generated handlers directly
        self.server = grpc.aio.server(
            interceptors=interceptors,
            maximum_concurrent_rpcs=c.max_concurrent_rpcs,
            options=[("grpc.max_receive_message_length", c.max_message_bytes),
                     ("grpc.max_send_message_length", c.max_message_bytes),
                     ("grpc.so_reuseport", 0)],
        )
        self._verification = VerificationServicer(self.verifier, self.registry, self.draining, c.operation_timeout_s)
        verification_pb2_grpc.add_VerificationServiceServicer_to_server(self._verification, self.server)
        devices_pb2_grpc.add_DeviceServiceServicer_to_server(DeviceServicer(self.registry, self.draining), self.server)
        if self.translation is None:
            try:
                self.translation = TranslationDesk.start(c.translation, c.devices)
            except TranslationSetupError as exc:
                raise StartupError(f"translation service: {exc}") from None
        self._translation = TranslationServicer(self.translation, self.registry, self.draining)
        self._translation.attach(asyncio.get_running_loop())
        translation_pb2_grpc.add_TranslationServiceServicer_to_server(self._translation, self.server)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        reflection.enable_server_reflection((*SERVICE_NAMES, health.SERVICE_NAME, reflection.SERVICE_NAME),
                                            self.server)
        for service in ("", *SERVICE_NAMES):
            await self.health.set(service, health_pb2.HealthCheckResponse.NOT_SERVING)
        self._bind_all()
        await self.server.start()
        self._fix_socket_modes()
        loop = asyncio.get_running_loop()
        self.line_readers = LineReaderMonitor(c.line_readers, self.registry, loop, usb_backend=self.usb_backend)
        self.line_readers.start()
        self.document_readers = DocumentReaderMonitor(c.document_readers, self.registry, loop)
        self.registry.documents = self.document_readers
        self.document_readers.start()
        if self.monitor_pcsc:
            self._monitor = PcscMonitor(self.registry, asyncio.get_running_loop())
            self._monitor.start()
            await asyncio.get_running_loop().run_in_executor(None, self._monitor.ready.wait, 3.0)
            await asyncio.sleep(0)  # let the monitor's first events reach the registry
        # each line reader has opened its port or said why not (a missing port answers at once)
        await loop.run_in_executor(None, self.line_readers.ready.wait, 1.0)
        await asyncio.sleep(0)
        for service in ("", *SERVICE_NAMES):
            await self.health.set(service, health_pb2.HealthCheckResponse.SERVING)
        self._translation.probe_devices(asyncio.get_running_loop())  # in the background: never delays readiness
        self.ready_s = time.monotonic() - t0
        log.info("serving", extra={"listen": list(self.bound.values()), "ready_ms": round(self.ready_s * 1000, 1),
                                   "pid": os.getpid()})

    def _credentials(self) -> grpc.ServerCredentials | None:
        c = self.config
        if not c.tls:
            if c.client_ca is not None:
                raise ListenError("--client-ca needs --tls-cert and --tls-key")
            return None
        cert, key = _read(c.tls_cert, "TLS certificate"), _read(c.tls_key, "TLS key")
        ca = _read(c.client_ca, "client CA")
        return grpc.ssl_server_credentials([(key, cert)], root_certificates=ca, require_client_auth=ca is not None)

    def _bind_all(self) -> None:
        assert self.server is not None
        credentials = self._credentials()
        for address in self.config.listen:
            path = unix_path(address)
            try:
                if path is not None:
                    self._bind_unix(address, path)
                    continue
                if credentials is not None:
                    port = self.server.add_secure_port(address, credentials)
                else:
                    port = self.server.add_insecure_port(address)
            except RuntimeError as exc:
                raise ListenError(f"cannot listen on {address}: {exc}") from None
            host = address.rsplit(":", 1)[0]
            self.bound[address] = f"{host}:{port}"

    def _bind_unix(self, address: str, path: Path) -> None:
        assert self.server is not None
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            if not stat.S_ISSOCK(path.stat().st_mode):
                raise ListenError(f"{path} exists and is not a socket")
            path.unlink()  # stale socket of a previous run
        old = os.umask(0o777 & ~self.config.unix_socket_mode)
        try:
            self.server.add_insecure_port(f"unix:{path}")
        finally:
            os.umask(old)
        self.bound[address] = f"unix:{path}"

    def _fix_socket_modes(self) -> None:
        for actual in self.bound.values():
            path = unix_path(actual)
            if path is not None and path.exists():
                os.chmod(path, self.config.unix_socket_mode)

    async def shutdown(self, grace_s: float | None = None) -> None:
        """NOT_SERVING first, refuse new work, let running calls finish, then stop."""
        if self.server is None or self._stopped.is_set():
            return
        grace = self.config.shutdown_grace_s if grace_s is None else grace_s
        log.info("shutting down", extra={"event": "shutdown"})
        await self.health.enter_graceful_shutdown()
        self.draining.active = True
        if self.registry is not None:
            self.registry.mrz.close()  # calls waiting for a swipe end now (nobody swiped: nothing is lost)
        deadline = time.monotonic() + grace
        while ((self._verification is not None and self._verification.active)
               or (self._translation is not None and self._translation.active)) and time.monotonic() < deadline:
            await asyncio.sleep(0.02)  # still answering health checks (NOT_SERVING) and device queries
        if self.registry is not None:
            self.registry.close_subscribers()
        # What is left are watch streams (they never end by themselves) and quick calls: a short grace.
        await self.server.stop(min(0.5, max(0.05, deadline - time.monotonic())))
        if self._monitor is not None:
            await asyncio.get_running_loop().run_in_executor(None, self._monitor.stop)
        if self.line_readers is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.line_readers.stop)
        if self.document_readers is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.document_readers.stop)
        if self._verification is not None:
            stop_executor(self._verification)
        if self._translation is not None:
            self._translation.stop()
        for actual in self.bound.values():
            path = unix_path(actual)
            if path is not None:
                with contextlib.suppress(OSError):
                    path.unlink()
        self._stopped.set()
        log.info("stopped", extra={"event": "stopped"})

    async def wait_closed(self) -> None:
        await self._stopped.wait()

    def address(self, requested: str | None = None) -> str:
        """The bound address (first listener by default) in a form grpc clients accept."""
        return self.bound[requested] if requested else next(iter(self.bound.values()))
