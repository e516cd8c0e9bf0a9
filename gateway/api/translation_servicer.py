"""gRPC servicer of `gateway.v1.TranslationService` over `gateway.service.translation.TranslationDesk`.

Quick lookups answer on the event loop; speech synthesis, PDF rendering and device translation run
in a small thread pool. Calls to a translation device wait in that device's FIFO queue (the same
per-device queue as chip readers, so DeviceService shows it busy). Logs carry method, code, reason
and duration - never a phrase argument, a free text or its translation.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
import traceback
from concurrent.futures import ThreadPoolExecutor

import grpc

from gateway._proto.v1 import translation_pb2 as pb
from gateway._proto.v1 import translation_pb2_grpc
from gateway.service.devices import DeviceRegistry, Health
from gateway.service.errors import ErrorKind, ServiceError
from gateway.service.translation import TranslationDesk
from gateway.service.verification import new_operation_id
from gateway.translation.model import AnswerKind, ReviewState
from gateway.translation.phrasebook import Phrase, Resolved
from gateway.translation.speech import AudioFormat

from . import protos as _protos  # noqa: F401  (generates gateway._proto when needed)
from .status import abort, grpc_code

log = logging.getLogger("gateway.api.translation")
SERVICE_NAME = pb.DESCRIPTOR.services_by_name["TranslationService"].full_name
QUEUE_POSITION_KEY = "x-gateway-queue-position"

_STATES = {ReviewState.SOURCE: pb.REVIEW_STATE_SOURCE, ReviewState.REVIEWED: pb.REVIEW_STATE_REVIEWED,
           ReviewState.MACHINE_DRAFTED: pb.REVIEW_STATE_MACHINE_DRAFTED, ReviewState.MISSING: pb.REVIEW_STATE_MISSING}
_KINDS = {AnswerKind.NONE: pb.ANSWER_KIND_NONE, AnswerKind.YES_NO: pb.ANSWER_KIND_YES_NO,
          AnswerKind.NUMBER: pb.ANSWER_KIND_NUMBER, AnswerKind.DATE: pb.ANSWER_KIND_DATE,
          AnswerKind.CHOICE: pb.ANSWER_KIND_CHOICE, AnswerKind.FREE_TEXT: pb.ANSWER_KIND_FREE_TEXT}
_FORMATS = {AudioFormat.WAV: pb.AUDIO_FORMAT_WAV, AudioFormat.OPUS: pb.AUDIO_FORMAT_OPUS}


def _direction(rtl: bool) -> int:
    return pb.TEXT_DIRECTION_RTL if rtl else pb.TEXT_DIRECTION_LTR


def text_to_pb(r: Resolved) -> pb.LocalizedText:
    from gateway.translation.languages import get_language

    return pb.LocalizedText(text=r.text, requested_language=r.requested, language=r.language, fallback=r.fallback,
                            review_state=_STATES[r.state], requested_review_state=_STATES[r.requested_state],
                            german_text=r.german, direction=_direction(get_language(r.language).rtl))


def phrase_to_pb(p: Phrase) -> pb.Phrase:
    e = p.entry
    out = pb.Phrase(id=e.id, section=e.section, domain=e.domain, text=text_to_pb(p.resolved),
                    answer_kind=_KINDS[e.answer], multiple_choice=e.multiple, date_range=e.date_range,
                    placeholders=sorted(e.placeholders), personal_data=e.personal_data,
                    sheet_kind=e.kind if e.domain == "infosheet" else "",
                    choices=[pb.Choice(id=c.id, phrase_id=spec.phrase_id, text=text_to_pb(c.resolved))
                             for c, spec in zip(p.choices, e.choices, strict=True)])
    if e.answer is AnswerKind.NUMBER and p.unit is not None:
        out.number.CopyFrom(pb.NumberRange(min=e.minimum or 0, max=e.maximum or 0, unit=text_to_pb(p.unit)))
    return out


def _internal(exc: BaseException, operation_id: str) -> ServiceError:
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}" if frame else "?"
    log.error("internal error", extra={"error_type": type(exc).__name__, "where": where,
                                       "operation_id": operation_id})
    return ServiceError(ErrorKind.INTERNAL, "INTERNAL", "internal error; the daemon log has details",
                        metadata={"operation_id": operation_id})


class TranslationServicer(translation_pb2_grpc.TranslationServiceServicer):
    def __init__(self, desk: TranslationDesk, registry: DeviceRegistry, draining, workers: int = 2) -> None:
        self.desk = desk
        self.registry = registry
        self.draining = draining
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="translation-work")
        self.active = 0

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Device state reported by the desk's threads reaches the registry on the loop."""

        def report(device_id: str, attached: bool, health: Health, info: dict) -> None:
            loop.call_soon_threadsafe(self._apply_state, device_id, attached, health, info)

        self.desk.on_device_state = report

    def _apply_state(self, device_id: str, attached: bool, health: Health, info: dict) -> None:
        with contextlib.suppress(ServiceError):  # a device the registry does not list
            self.registry.device_state(device_id, attached, health, **info)

    def probe_devices(self, loop: asyncio.AbstractEventLoop) -> None:
        for device_id in self.desk.device_ids():
            loop.run_in_executor(self.executor, self.desk.probe, device_id)

    def stop(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.desk.close()

    async def _call(self, method: str, context: grpc.aio.ServicerContext, fn, *, threaded: bool = False):
        started = time.monotonic()
        operation_id = new_operation_id()
        self.active += 1
        try:
            self.draining.check()
            if threaded:
                result = await asyncio.get_running_loop().run_in_executor(self.executor, fn)
            else:
                result = fn()
        except ServiceError as exc:
            await self._fail(context, exc, operation_id, method, started)
        except Exception as exc:
            await self._fail(context, _internal(exc, operation_id), operation_id, method, started)
        finally:
            self.active -= 1
        log.info("call done", extra={"method": method, "code": "OK", "operation_id": operation_id,
                                     "duration_ms": round((time.monotonic() - started) * 1000, 2)})
        return result

    async def _fail(self, context, error: ServiceError, operation_id: str, method: str, started: float) -> None:
        error.metadata.setdefault("operation_id", operation_id)
        log.info("call failed", extra={"method": method, "code": grpc_code(error).name, "reason": error.reason,
                                       "operation_id": operation_id, "device_id": error.metadata.get("device_id", ""),
                                       "duration_ms": round((time.monotonic() - started) * 1000, 2)})
        await abort(context, error)
        raise AssertionError("unreachable")

    # --- RPCs -----------------------------------------------------------------------------------

    async def ListLanguages(self, request: pb.ListLanguagesRequest, context) -> pb.ListLanguagesResponse:
        def run() -> pb.ListLanguagesResponse:
            langs = [pb.Language(code=i.code, english_name=i.english_name, native_name=i.native_name,
                                 direction=_direction(i.rtl), source=i.source, voice=i.voice,
                                 speech_available=i.speech, phrases_total=i.coverage.total,
                                 phrases_reviewed=i.coverage.reviewed + i.coverage.source,
                                 phrases_machine_drafted=i.coverage.machine_drafted,
                                 phrases_missing=i.coverage.missing) for i in self.desk.languages()]
            return pb.ListLanguagesResponse(languages=langs, opus_available=self.desk.opus.available,
                                            catalogue_problems=len(self.desk.problems))
        return await self._call("ListLanguages", context, run)

    async def ListPhrases(self, request: pb.ListPhrasesRequest, context) -> pb.ListPhrasesResponse:
        def run() -> pb.ListPhrasesResponse:
            phrases = self.desk.phrases(request.language, request.section, request.domain or "interview")
            sections = [pb.Section(id=sid, title=text_to_pb(p.resolved))
                        for sid, p in self.desk.section_titles(request.language)]
            return pb.ListPhrasesResponse(phrases=[phrase_to_pb(p) for p in phrases], sections=sections)
        return await self._call("ListPhrases", context, run)

    async def GetPhrase(self, request: pb.GetPhraseRequest, context) -> pb.GetPhraseResponse:
        def run() -> pb.GetPhraseResponse:
            phrase = self.desk.phrase(request.phrase_id, request.language, dict(request.arguments))
            return pb.GetPhraseResponse(phrase=phrase_to_pb(phrase))
        return await self._call("GetPhrase", context, run)

    async def SpeakPhrase(self, request: pb.SpeakPhraseRequest, context) -> pb.SpeakPhraseResponse:
        fmt = AudioFormat.OPUS if request.format == pb.AUDIO_FORMAT_OPUS else AudioFormat.WAV

        def run() -> pb.SpeakPhraseResponse:
            r = self.desk.speak(request.phrase_id, request.language, fmt, dict(request.arguments),
                                request.include_choices, request.words_per_minute)
            out = pb.SpeakPhraseResponse(audio=r.audio, format=_FORMATS[r.format], mime_type=r.format.mime_type,
                                         sample_rate=r.sample_rate, spoken_text=r.text,
                                         phrase=phrase_to_pb(r.phrase), voice=r.voice, cached=r.cached)
            out.duration.FromNanoseconds(int(r.duration_s * 1e9))
            return out
        return await self._call("SpeakPhrase", context, run, threaded=True)

    async def RenderInfoSheet(self, request: pb.RenderInfoSheetRequest, context) -> pb.RenderInfoSheetResponse:
        def run() -> pb.RenderInfoSheetResponse:
            s = self.desk.info_sheet(request.language)
            return pb.RenderInfoSheetResponse(pdf=s.pdf, pages=s.pages, language=s.content.language,
                                              machine_drafted=s.content.machine_drafted,
                                              fallback_phrase_ids=list(s.content.fallbacks))
        return await self._call("RenderInfoSheet", context, run, threaded=True)

    async def Translate(self, request: pb.TranslateRequest, context) -> pb.TranslateResponse:
        started = time.monotonic()
        operation_id = new_operation_id()
        try:
            self.draining.check()
            device_id = self.desk.select_device(request.device_id)
            sent: list[asyncio.Future] = []

            def on_queued(position: int) -> None:
                if not sent:
                    sent.append(asyncio.ensure_future(context.send_initial_metadata(
                        ((QUEUE_POSITION_KEY, str(position)),))))

            self.active += 1
            try:
                async with self.registry.queue(device_id).slot(on_queued):
                    self.draining.check()
                    result = await asyncio.get_running_loop().run_in_executor(self.executor, functools.partial(
                        self.desk.translate, request.text, request.source_language, request.target_language,
                        device_id))
            finally:
                self.active -= 1
        except ServiceError as exc:
            await self._fail(context, exc, operation_id, "Translate", started)
        except Exception as exc:
            await self._fail(context, _internal(exc, operation_id), operation_id, "Translate", started)
        log.info("call done", extra={"method": "Translate", "code": "OK", "operation_id": operation_id,
                                     "device_id": result.device_id,
                                     "duration_ms": round((time.monotonic() - started) * 1000, 2)})
        out = pb.TranslateResponse(text=result.text, source_language=result.source, target_language=result.target,
                                   device_id=result.device_id, device_offline=result.device_offline,
                                   device_model=result.device_model)
        out.duration.FromNanoseconds(int(result.duration_s * 1e9))
        return out
