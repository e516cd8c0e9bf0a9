"""Card-level quirks and failures real chips show, each switchable on its own (all off by default).

The link speed model (106-848 kbit/s) is a transport matter: see `simulators.chip.link.LinkModel`.

Document-level faults (tampered data group, bad SOD signature, cloned AA/CA keys, empty SOD) live in
the document builder: they change the files, not the card's behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulators.chip.errors import CardRemoved

__all__ = ["CardFaults", "CardRemoved"]


@dataclass
class CardFaults:
    # Card pulled mid-read: after this many APDUs in total (counted from construction) the next
    # transmit raises CardRemoved. Fires once.
    pull_after_apdus: int | None = None
    # Card pulled when a READ BINARY would return the byte at this offset (optionally only in the file
    # `pull_at_read_fid`). Fires once — the reader's resume from the last offset then succeeds.
    pull_at_read_offset: int | None = None
    pull_at_read_fid: int | None = None
    # Largest Le the chip accepts for READ BINARY (256 or 224 on some chips); larger → 6700.
    max_le: int | None = None
    # Extended-length APDUs refused with 6700 (cards without extended length support).
    no_extended_length: bool = False
    # READ BINARY with a short file identifier in P1 refused (`no_sfi_sw`, 6A86 or 6A82).
    no_sfi: bool = False
    no_sfi_sw: int = 0x6A86
    # PACE-only chip: BAC (GET CHALLENGE for BAC / EXTERNAL AUTHENTICATE) refused with this SW.
    pace_only: bool = False
    bac_refusal_sw: int = 0x6D00
    # The response that completes a file read (reaches its end) carries a corrupted DO'8E.
    # `wrong_mac_fid` narrows it to one file (e.g. 0x011D for EF.SOD); `wrong_mac_once` makes it a
    # transient glitch instead of a persistent chip bug.
    wrong_mac_on_last_response: bool = False
    wrong_mac_fid: int | None = None
    wrong_mac_once: bool = False
    # Quirks of real chips (not faults: nothing a reader may trust is affected):
    # protected responses without DO'99 (the status only in the trailer; the MAC covers the rest).
    sm_omit_do99: bool = False
    # A protected READ BINARY past the end of the file is answered in plain (the tail and 6282,
    # unprotected), which ends the secure-messaging session.
    read_past_end_unprotected: bool = False
    # Hostile chips (a reader must end these within its budgets, never loop or exhaust memory):
    # every READ BINARY answered 6C10 ("use Le 16"), whatever Le it asked for;
    wrong_le_forever: bool = False
    # READ BINARY returns at most this many bytes (with 9000), however many were asked for;
    drip_feed: int | None = None
    # the file with this FID announces 2^31 - 1 bytes in its outer TLV header (011C: EF.CardAccess,
    # read before any access control).
    giant_header_fid: int | None = None
