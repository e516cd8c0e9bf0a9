"""Speech through the real espeak-ng (and opusenc): every question in every language, bounds, safety."""

from __future__ import annotations

import array
import io
import math
import wave

import pytest

from gateway.drivers.speech import EspeakEngine, OpusEncoder, SpeechFailed
from gateway.service.errors import ErrorKind, ServiceError
from gateway.service.translation import TranslationDesk
from gateway.service.translation_config import TranslationSettings
from gateway.translation import LANGUAGES, Phrasebook
from gateway.translation.audio import AudioFormatError, ogg_opus_duration, repair_streamed_wav, wav_info
from gateway.translation.speech import MAX_SPEECH_CHARS, AudioFormat, SpeechRequestError, speech_request
from tests.translation_support import copy_locale, set_msgstr


@pytest.fixture(scope="module")
def desk() -> TranslationDesk:
    return TranslationDesk.start()


def _pcm(wav: bytes) -> tuple[int, array.array]:
    with wave.open(io.BytesIO(wav)) as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        return w.getframerate(), array.array("h", w.readframes(w.getnframes()))


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_every_question_spoken_with_plausible_duration(desk, lang):
    """Each question and statement of the interview: real audio whose length fits its text.

    Measured here at 150 words per minute: about 9-16 characters per second of speech depending on the
    language; the bounds below (4-30 characters per second) catch silence, truncation or a wrong voice
    reading digits one by one."""
    book: Phrasebook = desk.book
    rates = []
    for entry in book.questions():
        values = {name: "12.03.2026" if name == "date" else "10:30" for name in entry.placeholders} or None
        if entry.placeholders and not {"date", "time"} >= set(entry.placeholders):
            values = {name: "Stadt Musterstadt" for name in entry.placeholders}
        r = desk.speak(entry.id, lang, values=values)
        assert r.language == lang and r.voice == LANGUAGES[lang].voice
        rate, samples = _pcm(r.audio)
        assert rate == r.sample_rate == 22050
        assert abs(len(samples) / rate - r.duration_s) < 1e-6
        chars = len(r.text)
        assert 0.3 < r.duration_s < chars / 4, (entry.id, r.duration_s, chars)
        rms = math.sqrt(sum(s * s for s in samples[::7]) / len(samples[::7]))
        assert rms > 300, (entry.id, rms)  # speech, not silence
        rates.append(chars / r.duration_s)
    median = sorted(rates)[len(rates) // 2]
    assert 4 < median < 30, median


def test_choices_are_read_after_the_question(desk):
    alone = desk.speak("identity.document_type", "ro")
    with_choices = desk.speak("identity.document_type", "ro", include_choices=True)
    assert with_choices.text.startswith(alone.text) and "Pașaport." in with_choices.text
    assert with_choices.duration_s > alone.duration_s + 2


def test_opus_has_the_duration_of_the_wav(desk):
    wav = desk.speak("housing.persons", "uk")
    opus = desk.speak("housing.persons", "uk", AudioFormat.OPUS)
    assert opus.audio.startswith(b"OggS") and b"OpusHead" in opus.audio[:200]
    assert abs(opus.duration_s - wav.duration_s) < 0.03
    assert len(opus.audio) < len(wav.audio) / 5  # compressed


def test_cache_serves_the_same_audio(desk):
    first = desk.speak("start.welcome", "hu", words_per_minute=170)
    again = desk.speak("start.welcome", "hu", words_per_minute=170)
    assert again.cached and again.audio == first.audio
    slower = desk.speak("start.welcome", "hu", words_per_minute=100)
    assert not slower.cached and slower.duration_s > first.duration_s * 1.3


def test_fallback_is_spoken_with_the_fallback_voice(tmp_path):
    locale = copy_locale(tmp_path)
    set_msgstr(locale / "bg" / "LC_MESSAGES" / "interview.po", "start.wait", "")
    desk = TranslationDesk(TranslationSettings(locale_dir=locale))
    r = desk.speak("start.wait", "bg")
    assert (r.language, r.requested, r.voice, r.text) == ("en", "bg", "en-gb", "Please wait a moment.")


def test_text_reaches_espeak_as_data_never_as_a_command(tmp_path):
    engine = EspeakEngine()
    marker = tmp_path / "pwned"
    for text in (f"$(touch {marker}); `touch {marker}` | touch {marker}", f"-w {marker} --version",
                 f"<audio src='file://{marker}'/>"):
        wav = engine.synthesize(speech_request(text, "en"))
        assert wav_info(wav).duration_s > 0.5
    assert not marker.exists()


def test_bounds():
    with pytest.raises(SpeechRequestError, match=f"limited to {MAX_SPEECH_CHARS}"):
        speech_request("a" * (MAX_SPEECH_CHARS + 1), "de")
    with pytest.raises(SpeechRequestError, match="empty"):
        speech_request("   ", "de")
    with pytest.raises(SpeechRequestError, match="between 80 and 260"):
        speech_request("Hallo", "de", words_per_minute=1000)


def test_speech_timeout_is_a_clear_error():
    engine = EspeakEngine(timeout_s=0.0005)
    with pytest.raises(SpeechFailed, match="did not finish within"):
        engine.synthesize(speech_request("Guten Tag. " * 50, "de"))


def test_opus_unavailable_says_so(tmp_path):
    opus = OpusEncoder()
    opus.binary = None
    desk = TranslationDesk(opus=opus)
    with pytest.raises(ServiceError) as info:
        desk.speak("start.wait", "de", AudioFormat.OPUS)
    assert info.value.kind is ErrorKind.FAILED_PRECONDITION and info.value.reason == "OPUS_UNAVAILABLE"
    assert "opus-tools" in info.value.message
    assert desk.speak("start.wait", "de").format is AudioFormat.WAV


def test_streamed_wav_header_is_repaired():
    engine = EspeakEngine()
    wav = engine.synthesize(speech_request("Ja.", "de"))
    streamed = bytearray(wav)
    streamed[4:8] = b"\x00\xf0\xff\x7f"  # what espeak-ng writes when it cannot seek back
    streamed[40:44] = b"\x00\xf0\xff\x7f"
    assert repair_streamed_wav(bytes(streamed)) == wav
    with pytest.raises(AudioFormatError):
        wav_info(b"RIFF....WAVEjunk" + b"\0" * 40)
    with pytest.raises(AudioFormatError):
        ogg_opus_duration(b"OggS" + b"\0" * 60)
