"""The gRPC servicers: translate messages, queue per reader, run device work in threads, map errors.

Every call ends either with a response or with a status carrying google.rpc details
(`gateway.api.status`); unexpected exceptions become INTERNAL with the operation id - the traceback
stays out of the response and the log line holds only the exception type and where it happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
import traceback
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor

import grpc

from gateway.service import model
from gateway.service.cancel import CancelToken
from gateway.service.devices import DeviceRegistry
from gateway.service.errors import ErrorKind, ServiceError
from gateway.service.one_touch import desk_request
from gateway.service.validation import validate_request
from gateway.service.verification import DocumentVerifier, new_operation_id

from . import convert, report_convert
from .protos import devices_pb2, devices_pb2_grpc, verification_pb2, verification_pb2_grpc
from .status import abort, grpc_code

log = logging.getLogger("gateway.api")
QUEUE_POSITION_KEY = "x-gateway-queue-position"
OPERATION_ID_KEY = "x-gateway-operation-id"


class Draining:
    """Shared shutdown flag: once set, new work is refused with UNAVAILABLE."""

    def __init__(self) -> None:
        self.active = False

    def check(self) -> None:
        if self.active:
            raise ServiceError(ErrorKind.UNAVAILABLE, "SHUTTING_DOWN", "the gateway is shutting down")


def _internal(exc: BaseException, operation_id: str) -> ServiceError:
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}" if frame else "?"
    log.error("internal error", extra={"error_type": type(exc).__name__, "where": where,
                                       "operation_id": operation_id})
    return ServiceError(ErrorKind.INTERNAL, "INTERNAL", "internal error; the daemon log has details",
                        metadata={"operation_id": operation_id})


class VerificationServicer(verification_pb2_grpc.VerificationServiceServicer):
    def __init__(self, verifier: DocumentVerifier, registry: DeviceRegistry, draining: Draining,
                 operation_timeout_s: float = 60.0, workers: int = 8) -> None:
        self.verifier = verifier
        self.registry = registry
        self.draining = draining
        self.operation_timeout_s = operation_timeout_s
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="device-work")
        self.active = 0  # verifications in progress (queued or running), for a draining shutdown

    # --- the shared core ----------------------------------------------------------------------------

    async def _verify(
        self,
        request: verification_pb2.VerifyRequest,
        context: grpc.aio.ServicerContext,
        on_event: Callable[[model.ProgressEvent], None],
        on_queued: Callable[[int, str], None],
        operation_id: str,
    ) -> model.VerifyResult:
        started = time.monotonic()
        self.draining.check()
        self.active += 1
        try:
            return await self._verify_counted(request, context, on_event, on_queued, operation_id, started)
        finally:
            self.active -= 1

    async def _verify_counted(
        self,
        request: verification_pb2.VerifyRequest,
        context: grpc.aio.ServicerContext,
        on_event: Callable[[model.ProgressEvent], None],
        on_queued: Callable[[int, str], None],
        operation_id: str,
        started: float,
    ) -> model.VerifyResult:
        request_input = validate_request(convert.request_from_pb(request))
        remaining = context.time_remaining()
        budget = self.operation_timeout_s if remaining is None else min(remaining, self.operation_timeout_s)
        if request_input.wait_document:
            # one touch: wait for the document on the desk's reader, capture it under every light; the
            # request then names the desk's chip reader (if any) and carries the page images
            request_input = await desk_request(request_input, self.registry, started + budget, on_event)
        device = self.registry.choose_reader(request_input.reader_id) if request_input.uses_chip else None
        if request_input.use_device_mrz:
            # a line reader's swipe (fresh, or waited for until the deadline) or the reader's own scanner
            request_input = await self.registry.mrz.for_request(
                request_input, device.id if device is not None else None, started + budget, on_event, on_queued)
        if device is None and request_input.page_image is None and request_input.page is None:
            token = CancelToken()
            return self.verifier.verify(request_input, on_event, token, None, operation_id=operation_id,
                                        started_at=started)
        loop = asyncio.get_running_loop()
        if device is None:  # reading a page image takes a tenth of a second: not on the loop
            token = CancelToken()
            return await loop.run_in_executor(self.executor, functools.partial(
                self.verifier.verify, request_input, lambda e: loop.call_soon_threadsafe(on_event, e), token, None,
                operation_id=operation_id, started_at=started))
        token = CancelToken(started + budget)

        def progress(event: model.ProgressEvent) -> None:
            loop.call_soon_threadsafe(on_event, event)

        async with self.registry.queue(device.id).slot(lambda position: on_queued(position, device.id)):
            self.draining.check()
            chip_device = self.registry.chip_device(device.id, token)
            work = loop.run_in_executor(self.executor, functools.partial(
                self.verifier.verify, request_input, progress, token, chip_device,
                operation_id=operation_id, started_at=started))
            try:
                return await asyncio.shield(work)
            except asyncio.CancelledError:
                token.cancel(deadline=context.time_remaining() == 0)
                # keep the reader locked until the worker has really let go of the card
                while not work.done():
                    with contextlib.suppress(asyncio.CancelledError):
                        await asyncio.wait({work})
                with contextlib.suppress(BaseException):
                    work.result()
                raise

    async def _fail(self, context: grpc.aio.ServicerContext, exc: BaseException, operation_id: str,
                    method: str, started: float) -> None:
        error = exc if isinstance(exc, ServiceError) else _internal(exc, operation_id)
        error.metadata.setdefault("operation_id", operation_id)
        log.info("call failed", extra={"method": method, "code": grpc_code(error).name, "reason": error.reason,
                                       "operation_id": operation_id,
                                       "duration_ms": round((time.monotonic() - started) * 1000, 2)})
        await abort(context, error)

    async def _response(self, request: verification_pb2.VerifyRequest,
                        result: model.VerifyResult) -> verification_pb2.VerifyResponse:
        """The response, with the check report when the request asked for one (rendered off the loop)."""
        response = convert.result_to_pb(result)
        if request.HasField("report"):
            try:
                await asyncio.get_running_loop().run_in_executor(
                    self.executor, report_convert.attach_report, response, result, request.report)
            except Exception as exc:  # the verdict stands without its report; the warning says so
                log.warning("check report failed", extra={"operation_id": result.operation_id,
                                                          "error": type(exc).__name__})
                response.warnings.append(f"the check report could not be made ({type(exc).__name__})")
        return response

    # --- RPCs ---------------------------------------------------------------------------------------

    async def Verify(self, request: verification_pb2.VerifyRequest,
                     context: grpc.aio.ServicerContext) -> verification_pb2.VerifyResponse:
        started = time.monotonic()
        operation_id = new_operation_id()
        sent: list[asyncio.Future[None]] = []

        def on_queued(position: int, device_id: str) -> None:
            if not sent:  # initial metadata can be sent once: the first position the call got
                sent.append(asyncio.ensure_future(context.send_initial_metadata(
                    ((QUEUE_POSITION_KEY, str(position)), (OPERATION_ID_KEY, operation_id)))))

        try:
            if not request.HasField("chip_access") and not request.use_device_mrz and not request.page_image \
                    and not request.wait_document and not self.draining.active:
                # MRZ only: no device, no queue, nothing to wait for - the fast path (no extra coroutines)
                result = self.verifier.verify(validate_request(convert.request_from_pb(request)),
                                              model.ignore_progress, CancelToken(), None,
                                              operation_id=operation_id, started_at=started)
            else:
                result = await self._verify(request, context, model.ignore_progress, on_queued, operation_id)
        except asyncio.CancelledError:
            log.info("call cancelled", extra={"method": "Verify", "operation_id": operation_id})
            raise
        except Exception as exc:
            await self._fail(context, exc, operation_id, "Verify", started)
            raise AssertionError("unreachable") from None
        _log_done("Verify", result, started)
        return await self._response(request, result)

    async def VerifyStream(self, request: verification_pb2.VerifyStreamRequest,
                           context: grpc.aio.ServicerContext) -> AsyncIterator[verification_pb2.VerifyStreamResponse]:
        started = time.monotonic()
        operation_id = new_operation_id()
        events: asyncio.Queue[model.ProgressEvent] = asyncio.Queue()
        task = asyncio.ensure_future(self._verify(
            request.request, context, events.put_nowait,
            lambda position, device_id: events.put_nowait(model.Queued(position, device_id)), operation_id))
        sequence = 0
        try:
            while True:
                getter = asyncio.ensure_future(events.get())
                done, _ = await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
                if getter in done:
                    sequence += 1
                    yield convert.event_to_pb(getter.result(), sequence, time.monotonic() - started)
                    continue
                getter.cancel()
                break
            while not events.empty():
                sequence += 1
                yield convert.event_to_pb(events.get_nowait(), sequence, time.monotonic() - started)
            try:
                result = task.result()
            except Exception as exc:
                await self._fail(context, exc, operation_id, "VerifyStream", started)
                return
            sequence += 1
            final = verification_pb2.VerifyStreamResponse(sequence=sequence)
            final.elapsed.FromNanoseconds(int((time.monotonic() - started) * 1e9))
            final.result.CopyFrom(await self._response(request.request, result))
            _log_done("VerifyStream", result, started)
            yield final
        finally:
            if not task.done():
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task


def _log_done(method: str, result: model.VerifyResult, started: float) -> None:
    if not log.isEnabledFor(logging.INFO):
        return
    log.info("verification done", extra={
        "method": method, "code": "OK", "operation_id": result.operation_id, "device_id": result.reader_id,
        "verdict": result.verdict.status.value, "files": len(result.files), "apdus": result.apdus,
        "duration_ms": round((time.monotonic() - started) * 1000, 2)})


class DeviceServicer(devices_pb2_grpc.DeviceServiceServicer):
    def __init__(self, registry: DeviceRegistry, draining: Draining) -> None:
        self.registry = registry
        self.draining = draining

    async def ListDevices(self, request: devices_pb2.ListDevicesRequest,
                          context: grpc.aio.ServicerContext) -> devices_pb2.ListDevicesResponse:
        kind = None
        if request.kind != devices_pb2.DEVICE_KIND_UNSPECIFIED:
            kind = devices_pb2.DeviceKind.Name(request.kind).removeprefix("DEVICE_KIND_")
        return devices_pb2.ListDevicesResponse(devices=[convert.device_to_pb(d) for d in self.registry.list(kind)])

    async def DescribeDevice(self, request: devices_pb2.DescribeDeviceRequest,
                             context: grpc.aio.ServicerContext) -> devices_pb2.DescribeDeviceResponse:
        try:
            if not request.device_id:
                from gateway.service.errors import FieldViolation, invalid

                raise invalid([FieldViolation("device_id", "required")])
            device = self.registry.get(request.device_id)
        except ServiceError as exc:
            await abort(context, exc)
            raise AssertionError("unreachable") from None
        return devices_pb2.DescribeDeviceResponse(device=convert.device_to_pb(device))

    async def WatchDevices(self, request: devices_pb2.WatchDevicesRequest,
                           context: grpc.aio.ServicerContext) -> AsyncIterator[devices_pb2.WatchDevicesResponse]:
        wanted = set(request.device_ids)
        queue = self.registry.subscribe()
        try:
            if request.send_initial_state:
                from gateway.service.devices import DeviceEvent

                for device in self.registry.list():
                    if wanted and device.id not in wanted:
                        continue
                    if device.attached:
                        yield convert.device_event_to_pb(DeviceEvent("ATTACHED", device))
                    if device.document == "PRESENT":
                        yield convert.device_event_to_pb(DeviceEvent("DOCUMENT_INSERTED", device))
            while True:
                event = await queue.get()
                if event is None:
                    return
                if wanted and event.device.id not in wanted:
                    continue
                yield convert.device_event_to_pb(event)
        finally:
            self.registry.unsubscribe(queue)


def stop_executor(servicer: VerificationServicer) -> None:
    servicer.executor.shutdown(wait=False, cancel_futures=True)
