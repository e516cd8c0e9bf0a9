"""Audio containers, sans-IO: WAV (RIFF/PCM) header checks and repair, Ogg Opus duration.

espeak-ng writing to stdout cannot seek back, so its WAV header carries placeholder sizes
(0x7FFFF000); `repair_streamed_wav` writes the true sizes so every player and `wave` accept it.
`ogg_opus_duration` reads the last page's granule position (48 kHz units, minus the pre-skip of
the OpusHead header, RFC 7845) - how the Opus output is checked against the WAV it came from.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass


class AudioFormatError(ValueError):
    """Bytes that are not the audio container expected; the message says what is wrong."""


@dataclass(frozen=True)
class WavInfo:
    sample_rate: int
    channels: int
    bits_per_sample: int
    data_offset: int
    data_bytes: int

    @property
    def frames(self) -> int:
        return self.data_bytes // (self.channels * self.bits_per_sample // 8)

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate


def _chunks(data: bytes):
    offset = 12
    while offset + 8 <= len(data):
        cid, size = struct.unpack_from("<4sI", data, offset)
        yield cid, offset, size
        if cid == b"data":
            return  # sizes after `data` may be placeholders; data runs to the end
        offset += 8 + size + (size & 1)


def wav_info(data: bytes) -> WavInfo:
    """Parse a PCM WAV; a `data` chunk whose size runs past the end is taken to end at the end."""
    if len(data) < 44 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise AudioFormatError("not a RIFF/WAVE file")
    fmt = None
    for cid, offset, size in _chunks(data):
        if cid == b"fmt ":
            if size < 16:
                raise AudioFormatError("fmt chunk too short")
            tag, channels, rate, _byte_rate, _align, bits = struct.unpack_from("<HHIIHH", data, offset + 8)
            if tag != 1:
                raise AudioFormatError(f"WAV format tag {tag} is not PCM")
            if channels < 1 or rate < 1 or bits not in (8, 16, 24, 32):
                raise AudioFormatError("WAV fmt chunk has impossible values")
            fmt = (channels, rate, bits)
        elif cid == b"data":
            if fmt is None:
                raise AudioFormatError("data chunk before fmt chunk")
            start = offset + 8
            length = min(size, len(data) - start)
            channels, rate, bits = fmt
            length -= length % (channels * bits // 8)
            return WavInfo(rate, channels, bits, start, length)
    raise AudioFormatError("no data chunk")


def repair_streamed_wav(data: bytes) -> bytes:
    """The WAV with true RIFF and data sizes (and any trailing partial frame dropped)."""
    info = wav_info(data)
    body = bytearray(data[:info.data_offset + info.data_bytes])
    struct.pack_into("<I", body, 4, len(body) - 8)
    struct.pack_into("<I", body, info.data_offset - 4, info.data_bytes)
    return bytes(body)


def ogg_opus_duration(data: bytes) -> float:
    """Duration in seconds of an Ogg Opus stream (first logical stream)."""
    if data[:4] != b"OggS":
        raise AudioFormatError("not an Ogg stream")
    head = data.find(b"OpusHead")
    if head < 0 or head + 12 > len(data):
        raise AudioFormatError("no OpusHead header: not Ogg Opus")
    pre_skip = struct.unpack_from("<H", data, head + 10)[0]
    last = data.rfind(b"OggS")
    if last < 0 or last + 14 > len(data):
        raise AudioFormatError("truncated Ogg page")
    granule = struct.unpack_from("<q", data, last + 6)[0]
    if granule < pre_skip:
        raise AudioFormatError("Ogg granule position before the pre-skip")
    return (granule - pre_skip) / 48000.0
