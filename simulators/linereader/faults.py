"""The faults a simulated line reader can show, as plans of timed writes.

A swipe is a list of `Write(data, pause_after_s)`; the pty and the USB simulators both play such a
plan, so every fault exists once for both. Faults:

- `garbage`: line noise before the frame (ending in CR/LF, as a keyboard-like reader's would);
- `split`: the frame in two writes 50 ms apart (the host must reassemble);
- `bad-bcc`: a 3M block whose block check character is wrong;
- `misread`: one character of a check-digit-covered field read as its OCR look-alike (0 -> O ...);
- `pause`: the reader stops mid-frame for `pause_s` (default 2 s, longer than the gateway's 1 s);
- `truncate`: half a frame (the reader reset), then the whole frame again;
- `wrong-baud`: the frame as a UART at half the configured baud rate receives it (garbage);
- `flood`, `longline`: bytes without frames, and one 1 MB line (separate commands, not swipe faults).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from . import frames

SWIPE_FAULTS = ("garbage", "split", "bad-bcc", "misread", "pause", "truncate", "wrong-baud")
LOOKALIKE = {"0": "O", "1": "I", "2": "Z", "5": "S", "8": "B", "6": "G"}


@dataclass(frozen=True)
class Write:
    data: bytes
    pause_after_s: float = 0.0


class FaultError(ValueError):
    """A fault that does not apply (e.g. bad-bcc on a framing without BCC)."""


def misread(lines: Sequence[str]) -> list[str]:
    """Replace the first digit of the birth date with its look-alike letter (a check digit covers it)."""
    out = list(lines)
    if len(lines) == 3:  # TD1: birth date at line 2, positions 1-6
        row, span = 1, range(0, 6)
    else:  # TD2/TD3/MRV: birth date at line 2, positions 14-19
        row, span = 1, range(13, 19)
    line = out[row]
    for i in span:
        if line[i] in LOOKALIKE:
            out[row] = line[:i] + LOOKALIKE[line[i]] + line[i + 1:]
            return out
    raise FaultError("no digit with an OCR look-alike in the birth date")


def uart_resample(data: bytes, ratio: float) -> bytes:
    """What a UART receives when the sender runs `ratio` times faster than the receiver expects.

    Each byte is sent as start bit (0), eight data bits LSB first, stop bit (1) on an idle-high line.
    The receiver waits for a falling edge, samples the middle of each of its own (longer or shorter)
    bit cells, and delivers the byte it sampled - so a baud mismatch turns frames into plausible noise,
    as on a real line, instead of into random bytes.
    """
    bits: list[int] = []
    for byte in data:
        bits += [0, *((byte >> k) & 1 for k in range(8)), 1]
    bits += [1] * 20  # idle after the last byte
    cell = ratio  # receiver bit cell, in sender bit cells
    out = bytearray()
    t = 0.0
    n = len(bits)
    while True:
        i = int(t)
        while i < n and bits[i] == 1:  # wait for a start bit
            i += 1
        if i >= n - 1:
            break
        start = float(i)
        value = 0
        for k in range(8):
            pos = int(start + cell * (1.5 + k))
            if pos < n and bits[pos]:
                value |= 1 << k
        out.append(value)
        t = start + cell * 9.5  # past the stop bit sample
        if t <= start:
            t = start + 1
    return bytes(out)


def noise(rng: random.Random, size: int, *, plain_line_end: bool = False) -> bytes:
    """Line noise: any byte value, the way a cable fault or a mis-set UART delivers it."""
    data = bytes(rng.randrange(256) for _ in range(size))
    return data + b"\r\n" if plain_line_end else data


def swipe(framing: str, lines: Sequence[str], faults: Iterable[str] = (), *, pause_s: float = 2.0,
          rng: random.Random | None = None) -> list[Write]:
    """The writes of one document swipe, with the given faults applied."""
    faults = list(faults)
    unknown = sorted(set(faults) - set(SWIPE_FAULTS))
    if unknown:
        raise FaultError(f"unknown fault(s) {', '.join(unknown)}; known: {', '.join(SWIPE_FAULTS)}")
    rng = rng or random.Random()
    if "bad-bcc" in faults and framing != "3m":
        raise FaultError("bad-bcc needs the 3m framing (the others carry no check character)")
    if "misread" in faults:
        lines = misread(lines)
    data = frames.frame(framing, lines, corrupt_bcc="bad-bcc" in faults)
    if "wrong-baud" in faults:
        data = uart_resample(data, 0.5)
    writes: list[Write] = []
    if "garbage" in faults:
        writes.append(Write(noise(rng, 24, plain_line_end=framing == "plain")))
    if "truncate" in faults:
        # Framed readers resynchronise on the next start byte; a plain reader's half line only ends
        # when the host's gap policy (1 s) drops it, so the plain reader waits longer before resending.
        writes.append(Write(data[: len(data) // 2], 1.5 if framing == "plain" else 0.05))
    half = len(data) // 2
    if "pause" in faults:
        writes += [Write(data[:half], pause_s), Write(data[half:])]
    elif "split" in faults:
        writes += [Write(data[:half], 0.05), Write(data[half:])]
    else:
        writes.append(Write(data))
    return writes
