"""A full chip read over the real stack (pcscd + vpcd + pyscard) against the simulator's link model.

Run: `.venv/bin/python benchmarks/chip_bench.py [--repeat N] [--port P]` (starts pcscd when none runs).

For each card (a PACE-only EU ID card, a BAC passport, and a slow BAC chip without extended length or
SFI and with Le <= 224) and each bit rate (106, 424, 848 kbit/s) it reads EF.CardAccess, runs PACE or
BAC, and reads DG1, DG2 (~20 KB) and EF.SOD. The virtual card holds each answer back for the time the
link model says the exchange occupies the air (bits, 14443-4 block overheads, chaining acks and a
turnaround per frame); the simulator's own compute time is counted inside that time. Figures:

* APDUs and bytes moved, ours next to the minimum the card's largest accepted block size requires
  (access protocol + one READ BINARY per block of that size, plus SELECTs when the card lacks SFI);
* wall time of the read (median of the repeats), the modeled link time of the bytes moved, and
  their ratio: what the gateway (reader engine, crypto, pyscard, pcscd, vpcd socket) adds. Aim:
  <= 1.25 at 424 kbit/s. Also shown: the pure air time of the bytes (no block overhead, no turnaround).
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from dataclasses import dataclass

from gateway.drivers.pcsc import PcscConnection
from gateway.nfc.access_key import MRZKey
from gateway.nfc.reading import ChipReader, ReadOptions
from gateway.verify.chip_session import drive
from simulators.chip.card import CardFaults, VirtualCard
from simulators.chip.lds_builder import build_document, mrz_lines
from simulators.chip.link import LinkModel
from simulators.chip.profile import load_profile
from simulators.chip.vpcd import VpcdCard
from simulators.pcscd import ensure_pcscd, wait_card_state

FILES = ("DG1", "DG2", "EF.SOD")
RATES = (106, 424, 848)
CARDS = (
    ("td1-eu-pace", "PACE-only EU ID card"),
    ("td3-bac", "BAC passport"),
    ("quirk-slow-card", "slow BAC chip: Le<=224, no ext, no SFI"),
)
# Fewest APDUs an access protocol can take: EF.CardAccess read, then PACE (MSE:Set AT + 4 General
# Authenticate + SELECT eMRTD) or BAC (SELECT eMRTD, GET CHALLENGE, EXTERNAL AUTHENTICATE).
ACCESS_MINIMUM = {"PACE": 1 + 5 + 1, "BAC": 1 + 3}
FID = {"DG1": 0x0101, "DG2": 0x0102, "EF.SOD": 0x011D}


@dataclass
class Run:
    wall_s: float
    link_s: float
    air_s: float
    apdus: int
    bytes_moved: int
    protocol: str
    block: int | None


def minimum_apdus(doc, faults: CardFaults, protocol: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """(APDUs, largest block) the card's own limits require for access + the files."""
    block = min(faults.max_le or 256, 256) if faults.no_extended_length else faults.max_le or 65536
    reads = sum(max(1, math.ceil(len(doc.app_files[FID[f]]) / block)) for f in FILES)
    selects = len(FILES) if faults.no_sfi else 0
    return ACCESS_MINIMUM[protocol] + selects + reads, block


def one_read(reader_name: str, key: MRZKey, slot: VpcdCard, link: LinkModel) -> Run:
    connection = PcscConnection(reader_name).connect()
    try:
        connection.reconnect(reset=True)  # a freshly presented card; not part of the timed read
        before = (slot.stats.apdus, slot.stats.bytes_to_card + slot.stats.bytes_from_card, slot.stats.modeled_link_s)
        reader = ChipReader(key, ReadOptions(files=FILES))
        started = time.perf_counter()
        result = drive(reader, connection)
        wall = time.perf_counter() - started
    finally:
        connection.disconnect()
    moved = slot.stats.bytes_to_card + slot.stats.bytes_from_card - before[1]
    return Run(
        wall_s=wall,
        link_s=slot.stats.modeled_link_s - before[2],
        air_s=link.transfer_time(moved),
        apdus=slot.stats.apdus - before[0],
        bytes_moved=moved,
        protocol=result.access.algorithm or result.access.protocol,
        block=result.stats.block_size,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="reads per card and bit rate (median is shown)")
    parser.add_argument("--port", type=int, default=35963, help="vpcd port to use")
    args = parser.parse_args(argv)

    handle = ensure_pcscd()
    reason = handle.why_unavailable(args.port)
    if reason:
        print(reason, file=sys.stderr)
        return 2
    reader_name = handle.reader_name(args.port)
    print(f"chip read over pcscd + vpcd ({reader_name}); files {', '.join(FILES)} after EF.CardAccess + access; "
          f"median of {args.repeat}")
    header = (f"{'card':<40}{'kbit/s':>7}{'access':>22}{'APDUs':>7}{'min':>5}{'block':>7}{'bytes':>8}"
              f"{'wall s':>9}{'link s':>9}{'wall/link':>10}{'air s':>8}")
    print(header)
    print("-" * len(header))
    verdict_424: list[float] = []
    try:
        for name, label in CARDS:
            profile = load_profile(name)
            doc = build_document(profile)
            key = MRZKey.from_mrz("\n".join(mrz_lines(profile)))
            for rate in RATES:
                link = LinkModel(kbit_s=rate)
                faults = CardFaults(**doc.card_faults)
                slot = VpcdCard(VirtualCard(doc, faults), port=args.port, link=link)
                slot.insert()
                try:
                    if not wait_card_state(reader_name, True, 5.0, atr=VirtualCard.atr):
                        print(f"pcscd did not see the card in {reader_name}", file=sys.stderr)
                        return 2
                    runs = [one_read(reader_name, key, slot, link) for _ in range(args.repeat)]
                finally:
                    slot.close()
                    wait_card_state(reader_name, False, 3.0)
                wall = statistics.median(r.wall_s for r in runs)
                link_s = statistics.median(r.link_s for r in runs)
                last = runs[-1]
                protocol = "PACE" if last.protocol.startswith("PACE") else "BAC"
                minimum, _block = minimum_apdus(doc, faults, protocol)
                ratio = wall / link_s
                if rate == 424 and not faults.no_extended_length:
                    verdict_424.append(ratio)
                print(f"{label:<40}{rate:>7}{last.protocol:>22}{last.apdus:>7}{minimum:>5}{last.block or 0:>7}"
                      f"{last.bytes_moved:>8}{wall:>9.3f}{link_s:>9.3f}{ratio:>10.3f}{last.air_s:>8.3f}")
    finally:
        if handle.started:
            handle.stop()
    print()
    print("APDUs: ours, per read (block size, extended length and SFI support are learnt anew in every read;")
    print("  the slow chip's extra APDUs are its three one-time refusals and a SELECT MF before EF.CardAccess).")
    print("min: access minimum + one READ BINARY per block of the card's largest accepted size (+ SELECTs w/o SFI).")
    print("link s: time the link model holds the exchanges (air time of payload, 14443-4 framing, turnarounds);")
    print("air s: payload bits only. wall/link - 1 is the gateway's overhead over the link.")
    if verdict_424:
        worst = max(verdict_424)
        print(f"424 kbit/s overhead over link time: {100 * (worst - 1):.1f}% (aim <= 25%): "
              f"{'met' if worst <= 1.25 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
