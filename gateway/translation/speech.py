"""What to say and how, sans-IO: the text of a phrase for speech, its voice and bounds.

The engine itself (espeak-ng, optionally opusenc) runs in `gateway.drivers.speech`; this module
decides the words and checks the limits, so the bounds hold whichever engine runs.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from .languages import get_language

MAX_SPEECH_CHARS = 2000  # about 2 minutes of speech; far above any phrase
MIN_WPM, MAX_WPM, DEFAULT_WPM = 80, 260, 150  # espeak-ng's default is 175; slower is clearer at a desk


class AudioFormat(enum.Enum):
    WAV = "wav"
    OPUS = "opus"

    @property
    def mime_type(self) -> str:
        return "audio/wav" if self is AudioFormat.WAV else "audio/ogg; codecs=opus"


class SpeechRequestError(ValueError):
    """A speech request outside the bounds; the message names the bound."""


@dataclass(frozen=True)
class SpeechRequest:
    text: str
    language: str
    voice: str
    words_per_minute: int
    format: AudioFormat


def speech_request(text: str, language: str, words_per_minute: int = 0,
                   audio_format: AudioFormat = AudioFormat.WAV) -> SpeechRequest:
    """A checked request: non-empty text within MAX_SPEECH_CHARS, a known language, a sane speed."""
    lang = get_language(language)
    if not text.strip():
        raise SpeechRequestError("nothing to say: the text is empty")
    if len(text) > MAX_SPEECH_CHARS:
        raise SpeechRequestError(f"text is {len(text)} characters; speech is limited to {MAX_SPEECH_CHARS}")
    if "\x00" in text:
        raise SpeechRequestError("text contains a NUL character")
    wpm = words_per_minute or DEFAULT_WPM
    if not MIN_WPM <= wpm <= MAX_WPM:
        raise SpeechRequestError(f"words_per_minute must be between {MIN_WPM} and {MAX_WPM}")
    return SpeechRequest(text, lang.code, lang.voice, wpm, audio_format)


def spoken_text(question: str, choices: list[str] | tuple[str, ...] = ()) -> str:
    """A question as said aloud: the question, then its answers one by one (a pause after each)."""
    parts = [question.strip(), *(c.strip() for c in choices)]
    return "\n".join(p if p.endswith((".", "?", "!", "؟", "…", ":")) else p + "." for p in parts if p)
