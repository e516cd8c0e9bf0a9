"""ISO/IEC 7816-4 command and response APDUs, and the commands an eMRTD reader sends.

`le` is always the *number of bytes expected*: 256 encodes as 00 (short) and 65536 as 0000
(extended). Keeping the integer meaning avoids the classic off-by-one where "Le=00" is read as
"expect nothing". Short or extended form is chosen automatically (extended when the data or Le
does not fit a short APDU) unless forced, because some chips need extended length and others
break on it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .status import ChipError, check, status_message
from .tlv import encode

MAX_SHORT_LE = 256
MAX_EXTENDED_LE = 65536

CLA_CHAINING = 0x10

INS_SELECT = 0xA4
INS_READ_BINARY = 0xB0
INS_READ_BINARY_ODD = 0xB1
INS_GET_CHALLENGE = 0x84
INS_EXTERNAL_AUTHENTICATE = 0x82
INS_INTERNAL_AUTHENTICATE = 0x88
INS_MSE = 0x22
INS_GENERAL_AUTHENTICATE = 0x86

EMRTD_AID = bytes.fromhex("A0000002471001")


class APDUError(ChipError, ValueError):
    """A malformed APDU (bytes that cannot be a command/response, or out-of-range fields)."""


def _byte(name: str, value: int) -> int:
    if not 0 <= value <= 0xFF:
        raise APDUError(f"{name} must be one byte, got {value}")
    return value


@dataclass(frozen=True, slots=True)
class CommandAPDU:
    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None  # expected response length in bytes; None = no Le field
    extended: bool | None = None  # None = choose automatically

    def __post_init__(self) -> None:
        for name in ("cla", "ins", "p1", "p2"):
            _byte(name, getattr(self, name))
        if len(self.data) > 65535:
            raise APDUError("command data longer than 65535 bytes")
        if self.le is not None and not 1 <= self.le <= MAX_EXTENDED_LE:
            raise APDUError(f"Le must be 1..65536 bytes, got {self.le}")
        if self.extended is False and self.needs_extended:
            raise APDUError("data or Le does not fit a short APDU")

    @property
    def needs_extended(self) -> bool:
        return len(self.data) > 255 or (self.le is not None and self.le > MAX_SHORT_LE)

    @property
    def is_extended(self) -> bool:
        return self.extended if self.extended is not None else self.needs_extended

    def with_(self, **changes: object) -> CommandAPDU:
        return replace(self, **changes)  # type: ignore[arg-type]

    def encode(self) -> bytes:
        out = bytearray((self.cla, self.ins, self.p1, self.p2))
        ext = self.is_extended
        if ext:
            if self.data:
                out += b"\x00" + len(self.data).to_bytes(2, "big") + self.data
            if self.le is not None:
                if not self.data:
                    out.append(0)
                out += (self.le % MAX_EXTENDED_LE).to_bytes(2, "big")
        else:
            if self.data:
                out.append(len(self.data))
                out += self.data
            if self.le is not None:
                out.append(self.le % MAX_SHORT_LE)
        return bytes(out)

    def __bytes__(self) -> bytes:
        return self.encode()

    @classmethod
    def decode(cls, raw: bytes) -> CommandAPDU:
        """Parse all seven ISO 7816-3 cases (1, 2S, 3S, 4S, 2E, 3E, 4E); anything else is an
        APDUError. The simulator side parses independently; this is for logs and tests."""
        raw = bytes(raw)
        if len(raw) < 4:
            raise APDUError(f"command APDU of {len(raw)} bytes is shorter than its 4-byte header")
        cla, ins, p1, p2 = raw[:4]
        body = raw[4:]
        n = len(body)
        if n == 0:
            return cls(cla, ins, p1, p2)
        if n == 1:
            return cls(cla, ins, p1, p2, le=body[0] or 256, extended=False)
        if body[0] != 0 or n < 3:  # short forms
            lc = body[0]
            if lc == 0:
                raise APDUError("short Lc of zero")
            if n == 1 + lc:
                return cls(cla, ins, p1, p2, body[1:], extended=False)
            if n == 2 + lc:
                return cls(cla, ins, p1, p2, body[1:-1], le=body[-1] or 256, extended=False)
            raise APDUError(f"short APDU body of {n} bytes does not match Lc={lc}")
        # extended forms: first body byte 00
        if n == 3:
            le = int.from_bytes(body[1:3], "big") or MAX_EXTENDED_LE
            return cls(cla, ins, p1, p2, le=le, extended=True)
        lc = int.from_bytes(body[1:3], "big")
        if lc == 0:
            raise APDUError("extended Lc of zero")
        if n == 3 + lc:
            return cls(cla, ins, p1, p2, body[3:], extended=True)
        if n == 5 + lc:
            le = int.from_bytes(body[-2:], "big") or MAX_EXTENDED_LE
            return cls(cla, ins, p1, p2, body[3:-2], le=le, extended=True)
        raise APDUError(f"extended APDU body of {n} bytes does not match Lc={lc}")


@dataclass(frozen=True, slots=True)
class ResponseAPDU:
    data: bytes
    sw1: int
    sw2: int

    @property
    def sw(self) -> int:
        return (self.sw1 << 8) | self.sw2

    @property
    def ok(self) -> bool:
        return self.sw == 0x9000

    @property
    def message(self) -> str:
        return status_message(self.sw)

    def check(self, *, allow_end_of_file: bool = False) -> ResponseAPDU:
        """Raise the status word's CardError unless it is success; returns self to chain."""
        check(self.sw, allow_end_of_file=allow_end_of_file)
        return self

    def encode(self) -> bytes:
        return self.data + bytes((self.sw1, self.sw2))

    def __bytes__(self) -> bytes:
        return self.encode()

    @classmethod
    def decode(cls, raw: bytes) -> ResponseAPDU:
        raw = bytes(raw)
        if len(raw) < 2:
            raise APDUError(f"response APDU of {len(raw)} bytes has no status word")
        return cls(raw[:-2], raw[-2], raw[-1])

    @classmethod
    def from_sw(cls, sw: int, data: bytes = b"") -> ResponseAPDU:
        return cls(data, sw >> 8, sw & 0xFF)


# --- command constructors -------------------------------------------------------------------


def select_aid(aid: bytes = EMRTD_AID, *, want_fci: bool = False) -> CommandAPDU:
    """SELECT by DF name. P2=0C asks for no FCI, which is what eMRTDs expect."""
    return CommandAPDU(0x00, INS_SELECT, 0x04, 0x00 if want_fci else 0x0C, aid, 256 if want_fci else None)


def select_file(file_id: int | bytes, *, p1: int = 0x02) -> CommandAPDU:
    """SELECT an EF by file identifier (P1=02: EF under the current DF; 00 for the MF)."""
    fid = file_id if isinstance(file_id, bytes) else int(file_id).to_bytes(2, "big")
    if len(fid) != 2:
        raise APDUError("file identifier must be 2 bytes")
    return CommandAPDU(0x00, INS_SELECT, p1, 0x0C, fid)


def select_master_file() -> CommandAPDU:
    """SELECT MF (3F00): needed before reading EF.CardAccess on some chips."""
    return CommandAPDU(0x00, INS_SELECT, 0x00, 0x0C, b"\x3f\x00")


def read_binary(offset: int, le: int) -> CommandAPDU:
    """READ BINARY of the current EF; the 15-bit offset limits it to the first 32 767 bytes."""
    if not 0 <= offset <= 0x7FFF:
        raise APDUError("READ BINARY (B0) offset must be 0..32767; use read_binary_odd beyond")
    return CommandAPDU(0x00, INS_READ_BINARY, offset >> 8, offset & 0xFF, le=le)


def read_binary_sfi(sfi: int, offset: int, le: int) -> CommandAPDU:
    """READ BINARY with a short file identifier: selects and reads in one APDU (offset ≤ 255)."""
    if not 1 <= sfi <= 30:
        raise APDUError("SFI must be 1..30")
    if not 0 <= offset <= 0xFF:
        raise APDUError("offset with SFI must be 0..255")
    return CommandAPDU(0x00, INS_READ_BINARY, 0x80 | sfi, offset, le=le)


def read_binary_odd(offset: int, le: int) -> CommandAPDU:
    """READ BINARY with odd INS B1: the offset travels in DO'54, so files over 32 KB can be read.
    The response data is wrapped in DO'53 (see `unwrap_odd_read`)."""
    if not 0 <= offset <= 0xFFFFFF:
        raise APDUError("offset must be 0..16777215")
    n = max(1, (offset.bit_length() + 7) // 8)
    return CommandAPDU(0x00, INS_READ_BINARY_ODD, 0x00, 0x00, encode(0x54, offset.to_bytes(n, "big")), le=le)


def get_challenge(length: int = 8) -> CommandAPDU:
    return CommandAPDU(0x00, INS_GET_CHALLENGE, 0x00, 0x00, le=length)


def external_authenticate(data: bytes, le: int | None = 40) -> CommandAPDU:
    """EXTERNAL/MUTUAL AUTHENTICATE (BAC sends EIFD‖MIFD and expects 40 bytes back)."""
    return CommandAPDU(0x00, INS_EXTERNAL_AUTHENTICATE, 0x00, 0x00, data, le)


mutual_authenticate = external_authenticate


def internal_authenticate(challenge: bytes, le: int = 256) -> CommandAPDU:
    """INTERNAL AUTHENTICATE for Active Authentication (8-byte challenge)."""
    return CommandAPDU(0x00, INS_INTERNAL_AUTHENTICATE, 0x00, 0x00, challenge, le)


def mse_set_at(
    protocol_oid: bytes,
    *,
    key_reference: int | None = None,
    parameter_id: int | None = None,
    p1p2: int = 0xC1A4,
) -> CommandAPDU:
    """MSE:Set AT. `protocol_oid` is the OID's content bytes (DO'80, no 06 header);
    DO'83 is the PACE password reference, DO'84 the domain-parameter id (needed when
    EF.CardAccess lists several PACEInfos). P1P2 C1A4 = PACE, 41A4 = chip authentication."""
    data = encode(0x80, protocol_oid)
    if key_reference is not None:
        data += encode(0x83, bytes([_byte("key reference", key_reference)]))
    if parameter_id is not None:
        data += encode(0x84, _int_bytes(parameter_id))
    return CommandAPDU(0x00, INS_MSE, p1p2 >> 8, p1p2 & 0xFF, data)


def mse_set_kat(public_key: bytes, key_id: int | None = None) -> CommandAPDU:
    """MSE:Set KAT for chip authentication with 3DES (public key in DO'91, key id in DO'84)."""
    data = encode(0x91, public_key)
    if key_id is not None:
        data += encode(0x84, _int_bytes(key_id))
    return CommandAPDU(0x00, INS_MSE, 0x41, 0xA6, data)


def general_authenticate(inner: bytes, *, last: bool) -> CommandAPDU:
    """GENERAL AUTHENTICATE with dynamic authentication data 7C; every step but the last is
    sent with the chaining class 10, as PACE prescribes."""
    data = encode(0x7C, inner)
    le = MAX_EXTENDED_LE if len(data) > 255 else MAX_SHORT_LE
    return CommandAPDU(0x00 if last else CLA_CHAINING, INS_GENERAL_AUTHENTICATE, 0x00, 0x00, data, le)


def _int_bytes(value: int) -> bytes:
    if value < 0:
        raise APDUError("negative integer in a data object")
    return value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")


def unwrap_odd_read(data: bytes) -> bytes:
    """The file bytes of an odd-INS READ BINARY response, which arrive inside DO'53."""
    from .tlv import TLVError, parse_one

    if not data:
        return b""
    try:
        obj = parse_one(data)
    except TLVError as exc:
        raise APDUError(f"odd READ BINARY response is not a DO'53: {exc}") from None
    if obj.tag != 0x53:
        raise APDUError(f"odd READ BINARY response has tag {obj.tag:X}, expected 53")
    return obj.value
