"""A timing model of the contactless link, so that benchmarks against the simulator see realistic time.

A card on a desk reader is not reached at memory speed: every APDU crosses ISO/IEC 14443 at a bit rate
of 106 to 848 kbit/s, cut into blocks of at most FSC/FSD bytes, each block followed by a turnaround.
The model is deliberately simple and every number has a source:

* Bit rates are fc/128, fc/64, fc/32, fc/16 with the carrier fc = 13.56 MHz (ISO/IEC 14443-2), i.e.
  105.9, 211.9, 423.75 and 847.5 kbit/s; they are called 106/212/424/848 everywhere.
* A byte costs 9 bit times on Type A (8 data bits + odd parity, ISO/IEC 14443-3); Type B costs 10
  (start + 8 data + stop, plus a small extra guard time not modelled). `bits_per_byte` selects it.
* Each ISO/IEC 14443-4 block carries a prologue and epilogue: PCB (1 byte, no CID/NAD) and CRC
  (2 bytes) -> 3 bytes per block.
* A block holds at most FSC (card's receive size, towards the card) or FSD (reader's receive size,
  towards the reader) bytes including those 3 bytes; 256 is the largest size of ISO/IEC 14443-4:2008
  (FSCI/FSDI = 8) and what current eMRTD chips and desk readers announce.
* Longer APDUs are chained: every block but the last is acknowledged by an R(ACK) block (3 bytes).
* Every block costs `frame_overhead_s` of turnaround on top of its bits. The default, 1 ms, lies
  between the minimum frame delay time (~86 us at 106 kbit/s, ISO/IEC 14443-3) and the default frame
  waiting time FWT = 256*16*2^4/fc = 4.8 ms (FWI = 4, ISO/IEC 14443-4); it stands for a chip that
  answers plain reads in about a fifth of its allowed waiting time. Crypto-heavy commands are slower on
  real chips; set a larger value to model a slow chip.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

CARRIER_HZ = 13_560_000
#: Nominal bit rate name (kbit/s) -> divider of the carrier frequency (ISO/IEC 14443-2).
BIT_RATE_DIVIDERS = {106: 128, 212: 64, 424: 32, 848: 16}
BLOCK_OVERHEAD_BYTES = 3  # PCB + CRC (ISO/IEC 14443-4, no CID, no NAD)
R_BLOCK_BYTES = 3  # R(ACK): PCB + CRC


@dataclass(frozen=True)
class LinkModel:
    """Time to move one command APDU to the card and its response back.

    Use `exchange_time(len(command), len(response))`; transports sleep that long (minus the time the
    simulator itself spent) so the host sees the delay a real card on a real reader would show.
    """

    kbit_s: int = 424
    frame_overhead_s: float = 0.001
    fsc: int = 256
    fsd: int = 256
    bits_per_byte: int = 9

    def __post_init__(self) -> None:
        if self.kbit_s not in BIT_RATE_DIVIDERS:
            raise ValueError(f"bit rate must be one of {sorted(BIT_RATE_DIVIDERS)} kbit/s, not {self.kbit_s}")
        for name in ("fsc", "fsd"):
            if getattr(self, name) <= BLOCK_OVERHEAD_BYTES:
                raise ValueError(f"{name} must exceed the {BLOCK_OVERHEAD_BYTES}-byte block overhead")
        if self.frame_overhead_s < 0 or self.bits_per_byte <= 0:
            raise ValueError("frame overhead must be >= 0 and bits per byte > 0")

    @property
    def bit_rate(self) -> float:
        """Exact bit rate in bit/s (fc divided by 128, 64, 32 or 16)."""
        return CARRIER_HZ / BIT_RATE_DIVIDERS[self.kbit_s]

    @staticmethod
    def _blocks(length: int, block_size: int) -> int:
        return max(1, math.ceil(length / (block_size - BLOCK_OVERHEAD_BYTES)))

    def frames(self, command_len: int, response_len: int) -> int:
        """Number of blocks on the air for one exchange, including the R(ACK)s of chaining."""
        cmd_blocks = self._blocks(command_len, self.fsc)
        rsp_blocks = self._blocks(response_len, self.fsd)
        return (2 * cmd_blocks - 1) + (2 * rsp_blocks - 1)

    def bytes_on_air(self, command_len: int, response_len: int) -> int:
        """Payload plus block overheads plus chaining acknowledgements."""
        cmd_blocks = self._blocks(command_len, self.fsc)
        rsp_blocks = self._blocks(response_len, self.fsd)
        return (
            command_len
            + response_len
            + BLOCK_OVERHEAD_BYTES * (cmd_blocks + rsp_blocks)
            + R_BLOCK_BYTES * (cmd_blocks - 1 + rsp_blocks - 1)
        )

    def transfer_time(self, n_bytes: int) -> float:
        """Pure air time of `n_bytes` at this bit rate, without any block overhead (the benchmark's base)."""
        return n_bytes * self.bits_per_byte / self.bit_rate

    def exchange_time(self, command_len: int, response_len: int) -> float:
        """Seconds one command/response pair occupies the link."""
        if command_len < 0 or response_len < 0:
            raise ValueError("lengths must be non-negative")
        air = self.transfer_time(self.bytes_on_air(command_len, response_len))
        return air + self.frames(command_len, response_len) * self.frame_overhead_s
