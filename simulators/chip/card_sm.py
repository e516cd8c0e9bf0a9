"""Card side of secure messaging (Doc 9303 Part 11 §9.8): unwrap protected commands, wrap responses.

The send sequence counter is incremented once for the command and once for the response. Any error in
the protected command (missing or malformed DOs, wrong MAC, bad padding) ends the session, as real
chips do: the terminal has to authenticate again.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulators.chip.card_apdu import (
    SW_SM_OBJECTS_INCORRECT,
    SW_SM_OBJECTS_MISSING,
    CardError,
    Command,
)
from simulators.chip.card_crypto import CipherSuite, PaddingError, pad, unpad
from simulators.chip.card_tlv import parse, tlv


@dataclass
class SecureChannel:
    suite: CipherSuite
    ks_enc: bytes
    ks_mac: bytes
    ssc: int = 0

    def _ssc_bytes(self) -> bytes:
        return (self.ssc % (1 << (8 * self.suite.block))).to_bytes(self.suite.block, "big")

    def _iv(self) -> bytes | None:
        # AES: IV = E(KSenc, SSC); 3DES: zero IV.
        if self.suite.cipher == "AES":
            return self.suite.encrypt(self.ks_enc, self._ssc_bytes())
        return None

    def unwrap(self, cmd: Command) -> Command:
        """Verify and decrypt a protected command. Raises CardError(6987/6988) on any defect."""
        self.ssc += 1
        body = cmd.data
        if len(body) < 10 or body[-10:-8] != b"\x8e\x08":
            raise CardError(SW_SM_OBJECTS_MISSING, "no MAC data object")
        mac = body[-8:]
        covered = body[:-10]
        objects = parse(covered, SW_SM_OBJECTS_INCORRECT)
        tags = [t for t, _ in objects]
        if any(t not in (0x85, 0x87, 0x97) for t in tags) or len(set(tags)) != len(tags):
            raise CardError(SW_SM_OBJECTS_INCORRECT, "unexpected SM data object")
        if 0x85 in tags and 0x87 in tags:
            raise CardError(SW_SM_OBJECTS_INCORRECT, "both DO85 and DO87")
        macced = self._ssc_bytes() + pad(cmd.header, self.suite.block) + covered
        if self.suite.sm_mac(self.ks_mac, macced) != mac:
            raise CardError(SW_SM_OBJECTS_INCORRECT, "command MAC wrong")
        found = dict(objects)
        data = b""
        try:
            if 0x87 in found:
                crypto = found[0x87]
                if len(crypto) < 2 or crypto[0] != 0x01 or (len(crypto) - 1) % self.suite.block:
                    raise CardError(SW_SM_OBJECTS_INCORRECT, "bad DO87")
                data = unpad(self.suite.decrypt(self.ks_enc, crypto[1:], self._iv()))
            elif 0x85 in found:
                crypto = found[0x85]
                if not crypto or len(crypto) % self.suite.block:
                    raise CardError(SW_SM_OBJECTS_INCORRECT, "bad DO85")
                data = unpad(self.suite.decrypt(self.ks_enc, crypto, self._iv()))
        except PaddingError as exc:
            raise CardError(SW_SM_OBJECTS_INCORRECT, "bad padding") from exc
        ne = 0
        if 0x97 in found:
            le = found[0x97]
            if len(le) == 1:
                ne = le[0] or 256
            elif len(le) == 2:
                ne = int.from_bytes(le, "big") or 65536
            else:
                raise CardError(SW_SM_OBJECTS_INCORRECT, "bad DO97")
        return Command(cmd.cla & ~0x0C & 0xFF, cmd.ins, cmd.p1, cmd.p2, data, ne, cmd.extended)

    def wrap(self, ins: int, data: bytes, sw: int, *, corrupt_mac: bool = False, omit_do99: bool = False) -> bytes:
        """Protect a response: DO'87 (or DO'85 for odd INS) + DO'99 + DO'8E, then the plain SW.
        `omit_do99`: leave the status object out (a quirk of some chips); the MAC covers the rest."""
        self.ssc += 1
        objects = b""
        if data:
            enc = self.suite.encrypt(self.ks_enc, pad(data, self.suite.block), self._iv())
            objects += tlv(0x85, enc) if ins & 1 else tlv(0x87, b"\x01" + enc)
        if not omit_do99:
            objects += tlv(0x99, sw.to_bytes(2, "big"))
        mac = self.suite.sm_mac(self.ks_mac, self._ssc_bytes() + objects)
        if corrupt_mac:
            mac = bytes([mac[0] ^ 0x01]) + mac[1:]
        return objects + tlv(0x8E, mac) + sw.to_bytes(2, "big")
