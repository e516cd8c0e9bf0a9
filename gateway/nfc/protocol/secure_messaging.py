"""Secure messaging (ICAO Doc 9303 Part 11 §9.8, ISO/IEC 7816-4 §10): wrap commands, unwrap
and *verify* responses.

The session is a small state machine around the send sequence counter (SSC): every wrap and every
unwrap increments it, so wrap/unwrap must alternate. Any response whose MAC does not verify, or
that lacks the mandatory objects, makes the session untrusted for good — a reader that carried on
after a bad MAC would hand tampered data to the caller as authentic.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.crypto import symmetric as crypto
from gateway.nfc.apdu import MAX_EXTENDED_LE, MAX_SHORT_LE, APDUError, CommandAPDU, ResponseAPDU
from gateway.nfc.status import CardError, ProtocolError, error_for
from gateway.nfc.tlv import TLVError, encode, iter_tlv

#: Quirks a session tolerates, by name (reported in the read's result; `gateway.nfc.reading.quirks`).
QUIRK_NO_DO99 = "SM_STATUS_ONLY_IN_TRAILER"


class SMError(ProtocolError):
    """A protected response cannot be accepted; the session is no longer usable."""


class SMMACError(SMError):
    """The response MAC (DO'8E) does not verify: tampering, a lost frame, or a desynchronised SSC."""


class SMSessionUnusable(SMError):
    """The session was ended (bad MAC, chip-side SM error, protocol misuse); re-authenticate."""


class UnprotectedStatus(CardError):
    """The chip answered a protected command with a plain (unprotected) warning or error status:
    it left secure messaging. Nothing of the answer is used (any data with it was not MAC'd), so
    this is not a sign of tampering; the session is over and access must run again."""

    def __init__(self, sw: int, carried_data: bool) -> None:
        super().__init__(sw)
        self.carried_data = carried_data


@dataclass
class _Pending:
    odd_ins: bool


class SMSession:
    """One secure-messaging session: cipher '3DES' (BAC, PACE 3DES) or 'AES' (PACE AES)."""

    def __init__(self, cipher: crypto.CipherName, ks_enc: bytes, ks_mac: bytes, ssc: bytes) -> None:
        bs = crypto.block_size(cipher)
        if len(ssc) != bs:
            raise ValueError(f"SSC must be {bs} bytes for {cipher}")
        self.cipher: crypto.CipherName = cipher
        self.ks_enc = ks_enc
        self.ks_mac = ks_mac
        self._ssc = int.from_bytes(ssc, "big")
        self._bs = bs
        self._pending: _Pending | None = None
        self.trusted = True
        self.failure: str | None = None
        self.quirks: set[str] = set()  # tolerated deviations seen in this session (names above)

    # -- state ---------------------------------------------------------------------------------

    @property
    def ssc(self) -> bytes:
        return self._ssc.to_bytes(self._bs, "big")

    def _next_ssc(self) -> bytes:
        self._ssc = (self._ssc + 1) % (1 << (8 * self._bs))
        return self.ssc

    def _fail(self, exc: SMError) -> SMError:
        self.trusted = False
        self.failure = str(exc)
        self._pending = None
        return exc

    def _ensure_usable(self) -> None:
        if not self.trusted:
            raise SMSessionUnusable(f"secure messaging session is no longer trusted ({self.failure})")

    def _iv(self, ssc: bytes) -> bytes:
        # AES SM uses IV = E(KSenc, SSC); 3DES SM uses a zero IV.
        if self.cipher == "AES":
            return crypto.ecb_encrypt("AES", self.ks_enc, ssc)
        return bytes(8)

    def _mac(self, ssc: bytes, message: bytes) -> bytes:
        return crypto.mac(self.cipher, self.ks_mac, crypto.pad(ssc + message, self._bs))

    # -- commands ------------------------------------------------------------------------------

    def wrap(self, command: CommandAPDU) -> CommandAPDU:
        """Protect a plain command: DO'87 (even INS, with padding indicator 01) or DO'85 (odd INS)
        for data, DO'97 for Le, DO'8E for the MAC; CLA gets the SM bits 0C."""
        self._ensure_usable()
        if self._pending is not None:
            raise self._fail(SMSessionUnusable("wrap called twice without unwrapping the response"))
        if command.cla & 0x0C:
            raise ValueError("command is already protected")
        ssc = self._next_ssc()
        cla = command.cla | 0x0C
        odd = bool(command.ins & 1)
        header = crypto.pad(bytes((cla, command.ins, command.p1, command.p2)), self._bs)
        objects = b""
        if command.data:
            padded = crypto.pad(command.data, self._bs)
            enc = crypto.cbc_encrypt(self.cipher, self.ks_enc, padded, self._iv(ssc))
            objects += encode(0x85, enc) if odd else encode(0x87, b"\x01" + enc)
        extended = command.is_extended
        if command.le is not None:
            if extended:
                objects += encode(0x97, (command.le % MAX_EXTENDED_LE).to_bytes(2, "big"))
            else:
                objects += encode(0x97, bytes((command.le % MAX_SHORT_LE,)))
        objects += encode(0x8E, self._mac(ssc, header + objects))
        # Extended if the plain command was, or if the protected body no longer fits a short APDU.
        ext = extended or len(objects) > 255
        le = MAX_EXTENDED_LE if ext else MAX_SHORT_LE
        self._pending = _Pending(odd)
        return CommandAPDU(cla, command.ins, command.p1, command.p2, objects, le, extended=ext)

    # -- responses -----------------------------------------------------------------------------

    def unwrap(self, response: ResponseAPDU | bytes) -> ResponseAPDU:
        """Verify and decrypt a protected response; returns the plain response (data + the SW
        from DO'99, or from the trailer when the chip omitted DO'99). Raises SMMACError / SMError
        and marks the session untrusted for anything that does not verify; raises UnprotectedStatus
        (session over, trust intact) for a plain warning/error status, whose data is discarded."""
        self._ensure_usable()
        if self._pending is None:
            raise self._fail(SMSessionUnusable("unwrap without a wrapped command"))
        self._pending = None
        ssc = self._next_ssc()
        if not isinstance(response, ResponseAPDU):
            try:
                response = ResponseAPDU.decode(response)
            except APDUError as exc:  # shorter than a status word: nothing can be verified
                raise self._fail(SMMACError(f"protected response is malformed: {exc}")) from None
        if not response.data:
            # Plain status: the chip aborted SM (6987/6988) or failed before SM; either way the
            # status word is unauthenticated and the chip's session state is unknown.
            err = error_for(response.sw)
            self._fail(SMSessionUnusable(f"unprotected response with status {response.sw:04X}"))
            if err is not None:
                raise err
            raise SMMACError("response carries no MAC")
        try:
            objs = list(iter_tlv(response.data))
        except TLVError:
            objs = []
        if not objs or objs[-1].tag != 0x8E:
            if response.sw != 0x9000:
                # A plain answer with data and a warning/error status (e.g. READ BINARY past the end
                # answered 6282 with the file's tail in the clear). Not MAC'd, so not used.
                self._fail(SMSessionUnusable(f"unprotected response with status {response.sw:04X}"))
                raise UnprotectedStatus(response.sw, carried_data=True)
            # Data claimed successful but not protected: whoever sent it may have stripped the MAC.
            raise self._fail(SMMACError("protected response does not end with a MAC (DO'8E)"))
        mac_obj = objs[-1]
        expected = self._mac(ssc, response.data[: mac_obj.offset])
        if not crypto.constant_time_equal(mac_obj.value, expected):
            raise self._fail(SMMACError("response MAC does not verify"))
        # The MAC is good from here on; structural oddities still end the session.
        do87 = do85 = do99 = None
        for obj in objs[:-1]:
            if obj.tag == 0x87 and do87 is None:
                do87 = obj.value
            elif obj.tag == 0x85 and do85 is None:
                do85 = obj.value
            elif obj.tag == 0x99 and do99 is None:
                do99 = obj.value
            else:
                raise self._fail(SMError(f"unexpected object {obj.tag:X} in protected response"))
        if do99 is None:
            # Doc 9303 makes DO'99 mandatory, but some chips put the status only in the trailer. The
            # MAC covers everything else that is there (data), so the data is as trustworthy as
            # ever; only the status word is unauthenticated, which decides no verdict.
            self.quirks.add(QUIRK_NO_DO99)
            do99 = bytes((response.sw1, response.sw2))
        elif len(do99) != 2:
            raise self._fail(SMError("protected response has a malformed status object DO'99"))
        data = b""
        iv = self._iv(ssc)
        try:
            if do87 is not None:
                if not do87 or do87[0] != 0x01:
                    raise SMError("DO'87 without padding-content indicator 01")
                data = crypto.unpad(crypto.cbc_decrypt(self.cipher, self.ks_enc, do87[1:], iv))
            elif do85 is not None:
                data = crypto.unpad(crypto.cbc_decrypt(self.cipher, self.ks_enc, do85, iv))
        except SMError as exc:
            raise self._fail(exc) from None
        except ValueError as exc:  # PaddingError, misaligned ciphertext
            raise self._fail(SMError(f"cannot decrypt response data: {exc}")) from None
        return ResponseAPDU(data, do99[0], do99[1])
