"""The virtual eMRTD chip: a sans-IO state machine from command APDU bytes to response APDU bytes.

A transport (the vpcd connector or an in-process test) feeds `transmit`; the card never blocks, sleeps
or does I/O. Whatever the terminal sends, `transmit` answers with a status word — only a deliberate
'card pulled' fault escapes, as `CardRemoved`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

from simulators.chip.card_apdu import (
    SW_CHANNEL_NOT_SUPPORTED,
    SW_CLA_NOT_SUPPORTED,
    SW_CONDITIONS,
    SW_INS_NOT_SUPPORTED,
    SW_OK,
    SW_SECURITY_STATUS,
    SW_SM_OBJECTS_INCORRECT,
    SW_WRONG_DATA,
    SW_WRONG_LENGTH,
    SW_WRONG_P1P2,
    CardError,
    Command,
    parse_command,
    response,
)
from simulators.chip.card_auth import active_authenticate, chip_authenticate
from simulators.chip.card_bac import BacResponder
from simulators.chip.card_files import FileSystem, ReadResult
from simulators.chip.card_pace import PaceFixed, PaceResponder
from simulators.chip.card_sm import SecureChannel
from simulators.chip.card_tlv import as_dict, oid_to_bytes, parse, tlv
from simulators.chip.document import ChipDocument
from simulators.chip.faults import CardFaults, CardRemoved

__all__ = ["CardFaults", "CardRemoved", "FixedValues", "VirtualCard"]

log = logging.getLogger(__name__)

# ISO 14443-4 card behind a PC/SC reader (PC/SC Part 3 §3.1.3.2.3): 3B 8n 80 01 + historical bytes +
# TCK. These historical bytes are the ones German eID cards show.
_HISTORICAL = bytes.fromhex("80829000")


def _make_atr(historical: bytes) -> bytes:
    body = bytes([0x80 | len(historical), 0x80, 0x01]) + historical
    tck = 0
    for b in body:
        tck ^= b
    return b"\x3b" + body + bytes([tck])


@dataclass
class FixedValues:
    """Chip-side secrets pinned for tests so the Doc 9303 worked examples reproduce byte for byte.
    Anything left None is drawn from the card's rng."""

    rnd_ic: bytes | None = None  # BAC challenge
    k_ic: bytes | None = None  # BAC key material of the chip
    pace_nonce: bytes | None = None
    pace_mapping_key: int | None = None
    pace_ephemeral_key: int | None = None


def _with_giant_header(document: ChipDocument, fid: int | None) -> ChipDocument:
    """The document with one file's outer length replaced by 2^31 - 1 (tag kept, 84 7FFFFFFF)."""
    if fid is None:
        return document
    import dataclasses

    def patch(files: dict[int, bytes]) -> dict[int, bytes]:
        if fid not in files:
            return files
        content = files[fid]
        first = content[1]
        header = 2 + (first & 0x7F if first & 0x80 else 0)
        return {**files, fid: content[:1] + b"\x84\x7f\xff\xff\xff" + content[header:]}

    return dataclasses.replace(document, app_files=patch(document.app_files), ef_files=patch(document.ef_files))


class VirtualCard:
    """One chip in the field. State that real chips lose on reset or removal (selection, challenge,
    PACE run, SM session) lives in `_reset_session`; fault bookkeeping (which one-shot faults fired)
    survives, so a pulled card re-inserted with `power_on` can be read to the end."""

    atr: bytes = _make_atr(_HISTORICAL)

    def __init__(self, document: ChipDocument, faults: CardFaults | None = None,
                 rng: Callable[[int], bytes] = os.urandom, *, fixed: FixedValues | None = None) -> None:
        self.faults = faults or CardFaults()
        self.document = _with_giant_header(document, self.faults.giant_header_fid)
        self.rng = rng
        self.fixed = fixed or FixedValues()
        self.files = FileSystem(self.document)
        self.apdu_count = 0
        self._removed = False
        self._pull_count_fired = False
        self._pull_offset_fired = False
        self._wrong_mac_fired = False
        self._reset_session()

    # --- power ---------------------------------------------------------------------------------------
    def power_on(self) -> bytes:
        """Cold reset (also re-inserts a card that a fault pulled)."""
        self._removed = False
        self._reset_session()
        return self.atr

    def power_off(self) -> None:
        self._reset_session()

    def reset(self) -> bytes:
        """Warm reset: all security state is gone, like a real chip after RF reset."""
        self._reset_session()
        return self.atr

    def _reset_session(self) -> None:
        self.files.reset()
        self.channel: SecureChannel | None = None
        self._pending: SecureChannel | None = None
        self._bac = BacResponder(self.document.mrz_key)
        self._pace = PaceResponder(
            self.document,
            self.rng,
            PaceFixed(self.fixed.pace_nonce, self.fixed.pace_mapping_key, self.fixed.pace_ephemeral_key),
        )
        self._ca_armed = False
        self._last_read: ReadResult | None = None

    @property
    def _access_controlled(self) -> bool:
        return self.document.bac or bool(self.document.pace)

    @property
    def _bac_refused(self) -> bool:
        return self.faults.pace_only or not self.document.bac

    # --- APDU entry point ----------------------------------------------------------------------------
    def transmit(self, apdu: bytes) -> bytes:
        """Command APDU in, response APDU (data + SW) out. Raises only CardRemoved."""
        if self._removed:
            raise CardRemoved("card is not in the field")
        self.apdu_count += 1
        limit = self.faults.pull_after_apdus
        if limit is not None and not self._pull_count_fired and self.apdu_count > limit:
            self._pull(count=True)
        try:
            return self._transmit(bytes(apdu))
        except CardRemoved:
            raise
        except CardError as err:
            return response(b"", err.sw)
        except Exception:  # a card answers; it never crashes the terminal's stack
            log.exception("virtual card internal error")
            return response(b"", 0x6F00)

    def _pull(self, *, count: bool) -> None:
        if count:
            self._pull_count_fired = True
        else:
            self._pull_offset_fired = True
        self._removed = True
        self._reset_session()
        raise CardRemoved("card pulled (fault injection)")

    def _transmit(self, apdu: bytes) -> bytes:
        cmd = parse_command(apdu)
        if cmd.extended and self.faults.no_extended_length:
            raise CardError(SW_WRONG_LENGTH, "extended length not supported")
        if cmd.cla & 0x80 or cmd.cla & 0x60:
            raise CardError(SW_CLA_NOT_SUPPORTED, "class not supported")
        if cmd.cla & 0x03:
            raise CardError(SW_CHANNEL_NOT_SUPPORTED, "logical channels not supported")
        self._last_read = None
        self._pending = None
        if cmd.is_sm:
            return self._transmit_protected(cmd)
        if self.channel is not None:
            # Doc 9303: a plain APDU ends the secure messaging session.
            self.channel = None
            self._ca_armed = False
        try:
            data, sw = self._dispatch(cmd, secure=False)
        finally:
            if self._pending is not None:
                self.channel, self._pending = self._pending, None
        return response(data, sw)

    def _transmit_protected(self, cmd: Command) -> bytes:
        channel = self.channel
        if channel is None:
            raise CardError(SW_SM_OBJECTS_INCORRECT, "no secure messaging session")
        try:
            inner = channel.unwrap(cmd)
        except CardError:
            self.channel = None
            self._ca_armed = False
            raise
        try:
            data, sw = self._dispatch(inner, secure=True)
        except CardError as err:
            data, sw = b"", err.sw
        if self.faults.read_past_end_unprotected and inner.ins in (0xB0, 0xB1) and sw == 0x6282:
            # This chip answers a read past the end of the file in plain and leaves secure messaging.
            self.channel = None
            self._ca_armed = False
            return response(data, sw)
        answer = channel.wrap(cmd.ins, data, sw, corrupt_mac=self._corrupt_this_response(),
                              omit_do99=self.faults.sm_omit_do99)
        if self._pending is not None:
            self.channel, self._pending = self._pending, None
        return answer

    def _corrupt_this_response(self) -> bool:
        f = self.faults
        read = self._last_read
        if not f.wrong_mac_on_last_response or read is None or not read.reached_eof:
            return False
        if f.wrong_mac_fid is not None and read.fid != f.wrong_mac_fid:
            return False
        if f.wrong_mac_once:
            if self._wrong_mac_fired:
                return False
            self._wrong_mac_fired = True
        return True

    # --- instructions --------------------------------------------------------------------------------
    def _dispatch(self, cmd: Command, *, secure: bool) -> tuple[bytes, int]:
        handler = {
            0xA4: self._select,
            0xB0: self._read_binary,
            0xB1: self._read_binary,
            0x84: self._get_challenge,
            0x82: self._external_authenticate,
            0x22: self._manage_security_environment,
            0x86: self._general_authenticate,
            0x88: self._internal_authenticate,
        }.get(cmd.ins)
        if handler is None:
            raise CardError(SW_INS_NOT_SUPPORTED, "instruction not supported")
        return handler(cmd, secure)

    def _require_secure(self, secure: bool) -> None:
        if self._access_controlled and not secure:
            raise CardError(SW_SECURITY_STATUS, "secure messaging required")

    def _select(self, cmd: Command, secure: bool) -> tuple[bytes, int]:
        if (self.files.in_application and cmd.p1 == 0x02) or (
            self.files.in_application and cmd.p1 == 0x00 and cmd.data not in (b"", b"\x3f\x00")
        ):
            self._require_secure(secure)
        return self.files.select(cmd), SW_OK

    def _read_binary(self, cmd: Command, secure: bool) -> tuple[bytes, int]:
        if self.faults.wrong_le_forever:
            raise CardError(0x6C10, "wrong Le: 16 bytes available (always)")
        max_le = self.faults.max_le
        if max_le is not None and cmd.ne > max_le:
            raise CardError(SW_WRONG_LENGTH, "Le larger than this chip supports")
        previous = (self.files.in_application, self.files.current_ef)
        fid, offset = self.files.resolve_read(
            cmd, allow_sfi=not self.faults.no_sfi, no_sfi_sw=self.faults.no_sfi_sw
        )
        if self.files.in_application and not (secure or not self._access_controlled):
            self.files.in_application, self.files.current_ef = previous
            raise CardError(SW_SECURITY_STATUS, "secure messaging required")
        result = self.files.read(fid, offset, cmd.ne, odd=cmd.ins == 0xB1)
        pull_at = self.faults.pull_at_read_offset
        if (
            pull_at is not None
            and not self._pull_offset_fired
            and (self.faults.pull_at_read_fid is None or self.faults.pull_at_read_fid == fid)
            and result.offset <= pull_at < max(result.end, result.offset + 1)
        ):
            self._pull(count=False)
        self._last_read = result
        drip = self.faults.drip_feed
        if drip is not None and cmd.ins == 0xB0 and len(result.data) > drip:
            return result.data[:drip], SW_OK
        return result.data, result.sw

    def _get_challenge(self, cmd: Command, secure: bool) -> tuple[bytes, int]:
        if not secure and self._bac_refused:
            raise CardError(self.faults.bac_refusal_sw, "BAC not supported")
        if cmd.p1 or cmd.p2:
            raise CardError(SW_WRONG_P1P2, "GET CHALLENGE takes P1=P2=0")
        if cmd.ne != 8:
            raise CardError(SW_WRONG_LENGTH, "challenge is 8 bytes")
        return self._bac.challenge(self.fixed.rnd_ic or self.rng(8)), SW_OK

    def _external_authenticate(self, cmd: Command, secure: bool) -> tuple[bytes, int]:
        if self._bac_refused:
            raise CardError(self.faults.bac_refusal_sw, "BAC not supported")
        if cmd.p1 or cmd.p2:
            raise CardError(SW_WRONG_P1P2, "EXTERNAL AUTHENTICATE takes P1=P2=0")
        answer, channel = self._bac.authenticate(cmd.data, self.fixed.k_ic or self.rng(16))
        self._pending = channel
        return answer, SW_OK

    def _manage_security_environment(self, cmd: Command, secure: bool) -> tuple[bytes, int]:
        p1p2 = (cmd.p1 << 8) | cmd.p2
        if p1p2 == 0xC1A4:  # PACE
            self._ca_armed = False
            self._pace.set_at(cmd.data)
            return b"", SW_OK
        if p1p2 in (0x41A4, 0x41A6):  # chip authentication (Set AT for GA, Set KAT)
            if not secure:
                raise CardError(SW_SECURITY_STATUS, "CA needs secure messaging")
            key = self.document.ca_private_key
            if key is None:
                raise CardError(SW_CONDITIONS, "no chip authentication key")
            objects = as_dict(cmd.data)
            key_id = objects.get(0x84)
            if key_id is not None and (
                self.document.ca_key_id is None or int.from_bytes(key_id, "big") != self.document.ca_key_id
            ):
                raise CardError(0x6A88, "unknown CA key id")
            if p1p2 == 0x41A6:
                public = objects.get(0x91)
                if not public:
                    raise CardError(SW_WRONG_DATA, "MSE:Set KAT needs DO'91")
                self._pending = chip_authenticate(key, public, self.document.ca_protocol_oid)
                return b"", SW_OK
            oid = objects.get(0x80)
            expected = self.document.ca_protocol_oid
            if oid is None or expected is None or oid != oid_to_bytes(expected):
                raise CardError(SW_WRONG_DATA, "CA protocol not offered")
            self._ca_armed = True
            return b"", SW_OK
        raise CardError(SW_WRONG_P1P2, "MSE variant not supported")

    def _general_authenticate(self, cmd: Command, secure: bool) -> tuple[bytes, int]:
        if cmd.p1 or cmd.p2:
            raise CardError(SW_WRONG_P1P2, "GENERAL AUTHENTICATE takes P1=P2=0")
        if self._ca_armed and secure:
            self._ca_armed = False
            outer = parse(cmd.data)
            if len(outer) != 1 or outer[0][0] != 0x7C:
                raise CardError(SW_WRONG_DATA, "dynamic authentication data expected")
            public = as_dict(outer[0][1]).get(0x80)
            if not public:
                raise CardError(SW_WRONG_DATA, "CA needs the terminal key in DO'80")
            self._pending = chip_authenticate(
                self.document.ca_private_key, public, self.document.ca_protocol_oid
            )
            return tlv(0x7C, b""), SW_OK
        data, channel = self._pace.general_authenticate(cmd.data)
        if channel is not None:
            self._pending = channel
        return data, SW_OK

    def _internal_authenticate(self, cmd: Command, secure: bool) -> tuple[bytes, int]:
        if self.document.aa_private_key is None:
            raise CardError(SW_INS_NOT_SUPPORTED, "no active authentication")
        self._require_secure(secure)
        if cmd.p1 or cmd.p2:
            raise CardError(SW_WRONG_P1P2, "INTERNAL AUTHENTICATE takes P1=P2=0")
        signature = active_authenticate(
            self.document.aa_private_key, cmd.data, self.document.aa_digest, self.rng
        )
        return signature, SW_OK
