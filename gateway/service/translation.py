"""The interview tools as one service: phrasebook, speech, first-information sheet, device translation.

The CLI (`gateway phrase`, `gateway info-sheet`) and the daemon's TranslationService both call
this class - one recipe for each job. It knows no transport: errors are ServiceErrors with a reason
code, and nothing a person said (free text, translations) is logged or put into an error.

Personal-data guard: free text may hold personal data, so `translate` sends it only to a device
that the config marks `offline = true` *and* that itself reports offline translation (hello,
status lines and every answer). Anything else is refused with FAILED_PRECONDITION /
DEVICE_NOT_OFFLINE before a byte is sent; a device that answers "translated online" although
marked offline is distrusted until the daemon restarts.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from gateway.drivers.speech import EspeakEngine, OpusEncoder, SpeechFailed, SpeechUnavailable
from gateway.drivers.translator import (
    TranslatorError,
    TranslatorLink,
    TranslatorProtocolError,
    TranslatorRefused,
    TranslatorTimeout,
    TranslatorUnreachable,
)
from gateway.translation import LANGUAGES, Phrasebook, PhrasebookError, Problem
from gateway.translation.audio import ogg_opus_duration, wav_info
from gateway.translation.catalogue import LOCALE_DIR
from gateway.translation.fonts import FontMissing, font_set
from gateway.translation.infosheet import SheetContent, sheet_content
from gateway.translation.languages import UnknownLanguage, get_language
from gateway.translation.phrasebook import Coverage, Phrase, UnknownPhrase
from gateway.translation.placeholders import PlaceholderError
from gateway.translation.speech import AudioFormat, SpeechRequestError, speech_request, spoken_text

from .devices import DeviceConfig, Health
from .errors import ErrorKind, FieldViolation, ServiceError
from .translation_config import TranslationSettings

log = logging.getLogger("gateway.translation")
MAX_PHRASE_ID_CHARS = 120
MAX_ARGUMENTS = 10
SPEECH_CACHE_BYTES = 32 * 1024 * 1024


@functools.lru_cache(maxsize=4)
def _phrasebook(locale_dir: Path | None, require_reviewed: bool) -> Phrasebook:
    """The catalogues, read once per process and folder (they do not change while it runs)."""
    return Phrasebook.load(locale_dir or LOCALE_DIR, require_reviewed=require_reviewed)


class TranslationSetupError(RuntimeError):
    """A component the interview tools need is missing or broken (espeak-ng, a voice, fonts, catalogues)."""


@dataclass(frozen=True)
class LanguageInfo:
    code: str
    english_name: str
    native_name: str
    rtl: bool
    source: bool
    voice: str
    speech: bool
    coverage: Coverage


@dataclass(frozen=True)
class SpeechResult:
    audio: bytes
    format: AudioFormat
    duration_s: float
    sample_rate: int
    text: str  # what was said
    language: str  # the language actually spoken
    requested: str
    voice: str
    phrase: Phrase
    synthesis_s: float
    cached: bool


@dataclass(frozen=True)
class SheetResult:
    pdf: bytes
    pages: int
    content: SheetContent
    render_s: float


@dataclass(frozen=True)
class TranslationResult:
    text: str
    source: str
    target: str
    device_id: str
    device_offline: bool
    device_model: str
    duration_s: float

    def __repr__(self) -> str:  # the text may be personal data
        return f"TranslationResult(source={self.source!r}, target={self.target!r}, device_id={self.device_id!r})"


DeviceStateCallback = Callable[[str, bool, Health, dict], None]


def _err(kind: ErrorKind, reason: str, message: str, field: str = "", **metadata: str) -> ServiceError:
    violations = [FieldViolation(field, message)] if field else []
    return ServiceError(kind, reason, message, violations, dict(metadata))


def language_error(exc: UnknownLanguage, field: str = "language") -> ServiceError:
    return _err(ErrorKind.INVALID_ARGUMENT, "UNKNOWN_LANGUAGE", str(exc), field)


class _TranslationDevice:
    def __init__(self, config: DeviceConfig, max_text_chars: int) -> None:
        self.config = config
        self.link = TranslatorLink(config.address or "", timeout_s=config.timeout_s)
        self.lock = threading.Lock()
        self.distrusted = False  # answered "translated online" while marked offline


class TranslationDesk:
    def __init__(self, settings: TranslationSettings | None = None, devices: tuple[DeviceConfig, ...] = (),
                 book: Phrasebook | None = None, engine: EspeakEngine | None = None,
                 opus: OpusEncoder | None = None) -> None:
        self.settings = settings or TranslationSettings()
        self.book = book or self._load_book()
        self.engine = engine
        self.opus = opus if opus is not None else OpusEncoder(timeout_s=self.settings.speech_timeout_s)
        self.devices = {c.id: _TranslationDevice(c, self.settings.max_text_chars)
                        for c in devices if c.kind == "TRANSLATION_DEVICE"}
        self.on_device_state: DeviceStateCallback | None = None
        self._cache: OrderedDict[tuple, SpeechResult] = OrderedDict()
        self._cache_bytes = 0
        self._cache_lock = threading.Lock()
        self._sheets: dict[str, SheetResult] = {}

    # --- set-up ---------------------------------------------------------------------------------

    def _load_book(self) -> Phrasebook:
        try:
            book = _phrasebook(self.settings.locale_dir, self.settings.require_reviewed)
        except PhrasebookError as exc:
            raise TranslationSetupError(str(exc)) from None
        problems = book.problems
        for p in problems:
            log.warning("catalogue problem", extra={"file": p.file, "line": p.line, "code": p.code,
                                                    "phrase_id": p.phrase_id, "problem": p.message})
        if problems and self.settings.strict_catalogues:
            raise TranslationSetupError(f"{len(problems)} catalogue problem(s), first: {problems[0]} "
                                        "([translation] strict_catalogues = true)")
        return book

    @classmethod
    def start(cls, settings: TranslationSettings | None = None,
              devices: tuple[DeviceConfig, ...] = ()) -> TranslationDesk:
        """Everything checked up front: catalogues, espeak-ng with a voice per language, the sheet's fonts.

        Raises TranslationSetupError with one line saying what is missing. Opus is optional: without
        opusenc, WAV works and Opus requests get a clear FAILED_PRECONDITION.
        """
        settings = settings or TranslationSettings()
        try:
            engine = EspeakEngine(timeout_s=settings.speech_timeout_s)
            engine.require_voices([lang.voice for lang in LANGUAGES.values()])
            for script in {lang.script for lang in LANGUAGES.values()}:
                font_set(script)
        except (SpeechUnavailable, SpeechFailed, FontMissing) as exc:
            raise TranslationSetupError(str(exc)) from None
        desk = cls(settings, devices, engine=engine)
        if not desk.opus.available:
            log.warning("opus unavailable", extra={"problem": "opusenc not installed; speech in WAV only"})
        return desk

    def _engine(self) -> EspeakEngine:
        if self.engine is None:
            try:
                self.engine = EspeakEngine(timeout_s=self.settings.speech_timeout_s)
            except (SpeechUnavailable, SpeechFailed) as exc:
                raise _err(ErrorKind.FAILED_PRECONDITION, "SPEECH_UNAVAILABLE", str(exc)) from None
        return self.engine

    @property
    def problems(self) -> list[Problem]:
        return self.book.problems

    # --- phrasebook -----------------------------------------------------------------------------

    def _language(self, code: str, field: str = "language") -> str:
        if not code:
            raise _err(ErrorKind.INVALID_ARGUMENT, "INVALID_REQUEST", "a language code is required", field)
        try:
            return get_language(code).code
        except UnknownLanguage as exc:
            raise language_error(exc, field) from None

    def languages(self) -> list[LanguageInfo]:
        voices = self.engine.info.voices if self.engine is not None else frozenset()
        return [LanguageInfo(lang.code, lang.english_name, lang.native_name, lang.rtl, lang.source, lang.voice,
                             lang.voice in voices, self.book.coverage(lang.code)) for lang in LANGUAGES.values()]

    def phrase(self, phrase_id: str, language: str, values: Mapping[str, str] | None = None) -> Phrase:
        code = self._language(language)
        if not phrase_id or len(phrase_id) > MAX_PHRASE_ID_CHARS:
            raise _err(ErrorKind.INVALID_ARGUMENT, "INVALID_REQUEST",
                       f"phrase_id must be 1 to {MAX_PHRASE_ID_CHARS} characters", "phrase_id")
        if values is not None and len(values) > MAX_ARGUMENTS:
            raise _err(ErrorKind.INVALID_ARGUMENT, "INVALID_REQUEST", f"at most {MAX_ARGUMENTS} arguments",
                       "arguments")
        try:
            return self.book.phrase(phrase_id, code, values if values else None)
        except UnknownPhrase as exc:
            raise _err(ErrorKind.NOT_FOUND, "PHRASE_NOT_FOUND", str(exc), "phrase_id") from None
        except PlaceholderError as exc:
            raise _err(ErrorKind.INVALID_ARGUMENT, "PLACEHOLDER_MISMATCH", f"arguments: {exc}", "arguments") from None

    def phrases(self, language: str, section: str = "", domain: str = "interview") -> list[Phrase]:
        """Questions and statements of the interview (or the sheet's texts), in order, resolved.

        Phrases with placeholders keep them as `{name}` here (filled in by GetPhrase/SpeakPhrase).
        """
        code = self._language(language)
        if domain not in ("interview", "infosheet"):
            raise _err(ErrorKind.INVALID_ARGUMENT, "INVALID_REQUEST", "domain must be interview or infosheet", "domain")
        if section and section not in {s.id for s in self.book.sections}:
            raise _err(ErrorKind.NOT_FOUND, "SECTION_NOT_FOUND",
                       f"unknown section; sections: {', '.join(s.id for s in self.book.sections)}", "section")
        if domain == "infosheet":
            entries = self.book.source.domain("infosheet")
        else:
            entries = self.book.questions(section or None)
        out = []
        for e in entries:
            placeholders = {name: "{" + name + "}" for name in e.placeholders}
            out.append(self.book.phrase(e.id, code, placeholders or None))
        return out

    def section_titles(self, language: str) -> list[tuple[str, Phrase]]:
        code = self._language(language)
        return [(s.id, self.book.phrase(s.title_id, code)) for s in self.book.sections]

    # --- speech ---------------------------------------------------------------------------------

    def speak(self, phrase_id: str, language: str, audio_format: AudioFormat = AudioFormat.WAV,
              values: Mapping[str, str] | None = None, include_choices: bool = False,
              words_per_minute: int = 0) -> SpeechResult:
        phrase = self.phrase(phrase_id, language, values)
        text = spoken_text(phrase.text, [c.text for c in phrase.choices] if include_choices else [])
        if include_choices and any(c.resolved.language != phrase.language for c in phrase.choices):
            # one voice per utterance: mixed languages would be read with the wrong voice
            text = spoken_text(phrase.text)
        try:
            request = speech_request(text, phrase.language, words_per_minute or self.settings.words_per_minute,
                                     audio_format)
        except SpeechRequestError as exc:
            raise _err(ErrorKind.INVALID_ARGUMENT, "INVALID_REQUEST", str(exc), "words_per_minute") from None
        key = (request.text, request.voice, request.words_per_minute, request.format)
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
        if hit is not None:
            return SpeechResult(hit.audio, hit.format, hit.duration_s, hit.sample_rate, hit.text, hit.language,
                                phrase.resolved.requested, hit.voice, phrase, 0.0, True)
        if audio_format is AudioFormat.OPUS and not self.opus.available:
            raise _err(ErrorKind.FAILED_PRECONDITION, "OPUS_UNAVAILABLE",
                       "Opus needs opusenc (Debian package opus-tools), which is not installed; ask for WAV",
                       "format")
        started = time.monotonic()
        try:
            wav = self._engine().synthesize(request)
            info = wav_info(wav)
            audio = wav
            duration = info.duration_s
            if audio_format is AudioFormat.OPUS:
                audio = self.opus.encode(wav)
                duration = ogg_opus_duration(audio)
        except SpeechUnavailable as exc:
            raise _err(ErrorKind.FAILED_PRECONDITION, "SPEECH_UNAVAILABLE", str(exc)) from None
        except SpeechFailed as exc:
            raise _err(ErrorKind.UNAVAILABLE, "SPEECH_FAILED", str(exc)) from None
        result = SpeechResult(audio, audio_format, duration, info.sample_rate, request.text, phrase.language,
                              phrase.resolved.requested, request.voice, phrase, time.monotonic() - started, False)
        self._remember(key, result)
        return result

    def clear_caches(self) -> None:
        with self._cache_lock:
            self._cache.clear()
            self._cache_bytes = 0
            self._sheets.clear()

    def _remember(self, key: tuple, result: SpeechResult) -> None:
        with self._cache_lock:
            self._cache[key] = result
            self._cache_bytes += len(result.audio)
            while self._cache_bytes > SPEECH_CACHE_BYTES and self._cache:
                _, old = self._cache.popitem(last=False)
                self._cache_bytes -= len(old.audio)

    # --- the first-information sheet ------------------------------------------------------------

    def info_sheet(self, language: str) -> SheetResult:
        """The sheet as PDF; rendered once per language (texts and config do not change while running)."""
        code = self._language(language)
        with self._cache_lock:
            hit = self._sheets.get(code)
        if hit is not None:
            return hit
        started = time.monotonic()
        content = sheet_content(self.book, code, self.settings.desk)
        from gateway.translation.sheet_pdf import render_sheet  # fpdf2 loads numpy and fontTools: only when printing

        try:
            rendered = render_sheet(content)
        except FontMissing as exc:
            raise _err(ErrorKind.FAILED_PRECONDITION, "FONT_MISSING", str(exc)) from None
        result = SheetResult(rendered.pdf, rendered.pages, content, time.monotonic() - started)
        with self._cache_lock:
            self._sheets[code] = result
        return result

    # --- free text through a translation device -------------------------------------------------

    def device_ids(self) -> list[str]:
        return sorted(self.devices)

    def _device(self, device_id: str) -> _TranslationDevice:
        if not self.devices:
            raise _err(ErrorKind.FAILED_PRECONDITION, "NO_TRANSLATION_DEVICE",
                       "no translation device is configured ([[devices]] kind = \"TRANSLATION_DEVICE\")")
        if not device_id:
            if len(self.devices) == 1:
                return next(iter(self.devices.values()))
            offline = [d for d in self.devices.values() if d.config.offline and not d.distrusted]
            if offline:
                return offline[0]
            return next(iter(self.devices.values()))
        device = self.devices.get(device_id)
        if device is None:
            raise _err(ErrorKind.NOT_FOUND, "DEVICE_NOT_FOUND", "no translation device with this id", "device_id",
                       device_id=device_id[:200])
        return device

    def _report(self, device: _TranslationDevice, attached: bool, state: str, reason: str = "",
                message: str = "") -> None:
        if self.on_device_state is None:
            return
        info: dict = {}
        hello = device.link.hello
        if hello is not None:
            info = {"vendor": device.config.vendor or hello.device.vendor,
                    "model": device.config.model or hello.device.model,
                    "firmware": hello.device.firmware,
                    "languages": tuple(hello.languages)}
        self.on_device_state(device.config.id, attached, Health(state, reason, message), info)

    def select_device(self, device_id: str) -> str:
        return self._device(device_id).config.id

    def translate(self, text: str, source: str, target: str, device_id: str = "") -> TranslationResult:
        limit = self.settings.max_text_chars
        if not isinstance(text, str) or not text.strip():
            raise _err(ErrorKind.INVALID_ARGUMENT, "INVALID_REQUEST", "text is empty", "text")
        if len(text) > limit:
            raise _err(ErrorKind.INVALID_ARGUMENT, "TEXT_TOO_LONG",
                       f"text is {len(text)} characters; at most {limit} can be translated", "text",
                       limit=str(limit), length=str(len(text)))
        src, dst = self._language(source, "source_language"), self._language(target, "target_language")
        if src == dst:
            raise _err(ErrorKind.INVALID_ARGUMENT, "INVALID_REQUEST", "source and target language are the same",
                       "target_language")
        device = self._device(device_id)
        did = device.config.id
        if not device.config.offline:
            raise _err(ErrorKind.FAILED_PRECONDITION, "DEVICE_NOT_OFFLINE",
                       f"free text may hold personal data and goes only to a device marked offline = true; "
                       f"device {did!r} is not", device_id=did)
        if device.distrusted:
            raise _err(ErrorKind.FAILED_PRECONDITION, "DEVICE_NOT_OFFLINE",
                       f"device {did!r} translated online although marked offline; it gets no personal data until "
                       "the daemon restarts", device_id=did)
        with device.lock:
            return self._translate_locked(device, text, src, dst)

    def _translate_locked(self, device: _TranslationDevice, text: str, src: str, dst: str) -> TranslationResult:
        did = device.config.id
        link = device.link
        started = time.monotonic()
        try:
            link.poll()  # a status line saying "now translating online" must be seen before the text goes out
            hello = link.connect()
            if not hello.offline or (link.last_status is not None and link.last_status.offline is False):
                self._report(device, True, "DEGRADED", "DEVICE_ONLINE_MODE", "The device translates online.")
                raise _err(ErrorKind.FAILED_PRECONDITION, "DEVICE_NOT_OFFLINE",
                           f"device {did!r} reports that it translates online; free text is not sent to it",
                           device_id=did)
            missing = [c for c in (src, dst) if c not in hello.languages]
            if missing:
                raise _err(ErrorKind.FAILED_PRECONDITION, "LANGUAGE_NOT_ON_DEVICE",
                           f"device {did!r} does not offer {', '.join(missing)}", device_id=did)
            if len(text) > hello.max_chars:
                raise _err(ErrorKind.INVALID_ARGUMENT, "TEXT_TOO_LONG",
                           f"device {did!r} takes at most {hello.max_chars} characters", "text",
                           limit=str(hello.max_chars), length=str(len(text)))
            answer = link.translate(text, src, dst)
        except TranslatorRefused as exc:
            busy = exc.code == "BUSY"
            self._report(device, True, "DEGRADED" if busy else "OK", "DEVICE_BUSY" if busy else "",
                         "The device is busy." if busy else "")
            raise self._refusal(did, exc) from None
        except TranslatorTimeout as exc:
            self._report(device, False, "UNAVAILABLE", "DEVICE_NOT_RESPONDING", "The device does not answer.")
            raise _err(ErrorKind.UNAVAILABLE, "DEVICE_TIMEOUT", str(exc), device_id=did,
                       timeout_ms=str(int(device.config.timeout_s * 1000))) from None
        except TranslatorUnreachable as exc:
            self._report(device, False, "UNAVAILABLE", "NOT_ATTACHED", "The device cannot be reached.")
            raise _err(ErrorKind.UNAVAILABLE, "DEVICE_UNAVAILABLE", str(exc), device_id=did) from None
        except TranslatorProtocolError as exc:
            self._report(device, False, "UNAVAILABLE", "PROTOCOL_ERROR", "The device broke the protocol.")
            raise _err(ErrorKind.UNAVAILABLE, "DEVICE_PROTOCOL_ERROR", str(exc), device_id=did) from None
        except TranslatorError as exc:  # pragma: no cover - every subclass is handled above
            raise _err(ErrorKind.UNAVAILABLE, "DEVICE_UNAVAILABLE", str(exc), device_id=did) from None
        if not answer.offline:
            device.distrusted = True
            link.close()
            log.warning("device translated online", extra={"device_id": did, "reason": "DEVICE_NOT_OFFLINE"})
            self._report(device, True, "DEGRADED", "DEVICE_ONLINE_MODE", "The device translated online.")
            raise _err(ErrorKind.FAILED_PRECONDITION, "DEVICE_NOT_OFFLINE",
                       f"device {did!r} answered that it translated online although marked offline; the answer is "
                       "discarded and the device gets no more personal data", device_id=did)
        self._report(device, True, "OK")
        return TranslationResult(answer.text, src, dst, did, True, link.hello.device.model if link.hello else "",
                                 time.monotonic() - started)

    @staticmethod
    def _refusal(did: str, exc: TranslatorRefused) -> ServiceError:
        if exc.code == "BUSY":
            return _err(ErrorKind.UNAVAILABLE, "DEVICE_BUSY", f"device {did!r} is busy; try again shortly",
                        device_id=did, retry_after_ms=str(exc.retry_after_ms))
        if exc.code == "NOT_CONNECTED":
            return _err(ErrorKind.UNAVAILABLE, "DEVICE_NO_NETWORK",
                        f"device {did!r} says it has no network connection", device_id=did)
        if exc.code == "UNSUPPORTED_LANGUAGE":
            return _err(ErrorKind.FAILED_PRECONDITION, "LANGUAGE_NOT_ON_DEVICE",
                        f"device {did!r} cannot translate this language pair", device_id=did)
        if exc.code == "TEXT_TOO_LONG":
            return _err(ErrorKind.INVALID_ARGUMENT, "TEXT_TOO_LONG", f"device {did!r}: text too long", "text",
                        device_id=did)
        return _err(ErrorKind.UNAVAILABLE, "DEVICE_ERROR", f"device {did!r} refused: {exc.code}", device_id=did)

    def probe(self, device_id: str) -> None:
        """Greet one device now (start-up, health); reports its state, never raises."""
        device = self.devices[device_id]
        with device.lock:
            try:
                hello = device.link.connect()
            except TranslatorError as exc:
                self._report(device, False, "UNAVAILABLE", "NOT_ATTACHED", str(exc)[:200])
                return
        if not hello.offline:
            self._report(device, True, "DEGRADED", "DEVICE_ONLINE_MODE", "The device translates online.")
        else:
            self._report(device, True, "OK")

    def close(self) -> None:
        for device in self.devices.values():
            device.link.close()
