"""Offline speech: the espeak-ng process (WAV) and opus-tools' opusenc (Ogg Opus). Thin I/O only.

Text reaches espeak-ng on stdin, never through a shell or the argument list, so no text can
become an option or a command; markup is not interpreted (no `-m`). Every run has a timeout
and at most `max_parallel` processes run at once (the desk PC has few cores). The checks of what
may be said live in `gateway.translation.speech`.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from dataclasses import dataclass

from gateway.translation.audio import AudioFormatError, repair_streamed_wav, wav_info
from gateway.translation.speech import SpeechRequest

DEFAULT_TIMEOUT_S = 15.0


class SpeechUnavailable(RuntimeError):
    """The speech engine (or a voice, or the Opus encoder) is missing; the message says how to fix it."""


class SpeechFailed(RuntimeError):
    """The engine ran but gave no usable audio (timeout, crash, empty output)."""


@dataclass(frozen=True)
class EngineInfo:
    binary: str
    version: str
    voices: frozenset[str]


def _run(args: list[str], data: bytes, timeout_s: float, what: str) -> bytes:
    try:
        done = subprocess.run(args, input=data, capture_output=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        raise SpeechFailed(f"{what} did not finish within {timeout_s:g} s") from None
    except OSError as exc:
        raise SpeechUnavailable(f"cannot run {args[0]}: {exc.strerror}") from None
    if done.returncode != 0:
        first = done.stderr.decode("utf-8", "replace").strip().splitlines()[:1]
        raise SpeechFailed(f"{what} exited with status {done.returncode}" + (f": {first[0][:200]}" if first else ""))
    return done.stdout


class EspeakEngine:
    """espeak-ng, found on PATH (Debian package `espeak-ng`)."""

    def __init__(self, binary: str | None = None, timeout_s: float = DEFAULT_TIMEOUT_S, max_parallel: int = 2) -> None:
        found = binary or shutil.which("espeak-ng")
        if not found:
            raise SpeechUnavailable("espeak-ng is not installed (Debian package espeak-ng; scripts/setup-system.sh)")
        self.binary = found
        self.timeout_s = timeout_s
        self._slots = threading.BoundedSemaphore(max_parallel)
        self.info = self._probe()

    def _probe(self) -> EngineInfo:
        version = _run([self.binary, "--version"], b"", 10.0, "espeak-ng --version").decode("utf-8", "replace")
        listing = _run([self.binary, "--voices"], b"", 10.0, "espeak-ng --voices").decode("utf-8", "replace")
        voices = set()
        for line in listing.splitlines()[1:]:
            fields = line.split()
            if len(fields) >= 2:
                voices.add(fields[1])
        first = version.strip().splitlines()[0] if version.strip() else ""
        return EngineInfo(self.binary, first.split("  Data at")[0].strip(), frozenset(voices))

    def require_voices(self, voices: list[str]) -> None:
        missing = sorted(set(voices) - self.info.voices)
        if missing:
            raise SpeechUnavailable(f"espeak-ng has no voice for {', '.join(missing)} (package espeak-ng-data)")

    def synthesize(self, request: SpeechRequest) -> bytes:
        """WAV bytes (mono 16-bit PCM, the voice's rate - 22050 Hz for espeak-ng) for the request."""
        args = [self.binary, "--stdin", "--stdout", "-b", "1", "-v", request.voice, "-s", str(request.words_per_minute)]
        with self._slots:
            raw = _run(args, request.text.encode("utf-8"), self.timeout_s, "espeak-ng")
        try:
            wav = repair_streamed_wav(raw)
        except AudioFormatError as exc:
            raise SpeechFailed(f"espeak-ng gave no WAV: {exc}") from None
        if wav_info(wav).frames == 0:
            raise SpeechFailed("espeak-ng produced no audio")
        return wav


class OpusEncoder:
    """opusenc from opus-tools, when installed; `available` says whether it is."""

    def __init__(self, binary: str | None = None, timeout_s: float = DEFAULT_TIMEOUT_S, bitrate_kbit: int = 24) -> None:
        self.binary = binary or shutil.which("opusenc")
        self.timeout_s = timeout_s
        self.bitrate_kbit = bitrate_kbit

    @property
    def available(self) -> bool:
        return self.binary is not None

    def encode(self, wav: bytes) -> bytes:
        if self.binary is None:
            raise SpeechUnavailable("Opus output needs opusenc (Debian package opus-tools); WAV is available")
        args = [self.binary, "--quiet", "--speech", "--bitrate", str(self.bitrate_kbit), "-", "-"]
        out = _run(args, wav, self.timeout_s, "opusenc")
        if not out.startswith(b"OggS"):
            raise SpeechFailed("opusenc gave no Ogg stream")
        return out
