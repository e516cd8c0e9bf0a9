"""ISO/IEC 7816-4 command APDU parsing and the card's status words.

The card is fed bytes from an untrusted terminal, so every parse failure becomes a `CardError` carrying
the status word the card answers with — `transmit` turns it into a response, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass

SW_OK = 0x9000
SW_END_OF_FILE = 0x6282  # fewer bytes than Le before the end of the file
SW_AUTH_FAILED = 0x6300
SW_WRONG_LENGTH = 0x6700
SW_LAST_CMD_EXPECTED = 0x6883
SW_SM_OBJECTS_MISSING = 0x6987
SW_SM_OBJECTS_INCORRECT = 0x6988
SW_SECURITY_STATUS = 0x6982
SW_CONDITIONS = 0x6985
SW_NO_CURRENT_EF = 0x6986
SW_WRONG_DATA = 0x6A80
SW_FILE_NOT_FOUND = 0x6A82
SW_WRONG_P1P2 = 0x6A86
SW_REF_DATA_NOT_FOUND = 0x6A88
SW_WRONG_OFFSET = 0x6B00
SW_INS_NOT_SUPPORTED = 0x6D00
SW_CLA_NOT_SUPPORTED = 0x6E00
SW_CHANNEL_NOT_SUPPORTED = 0x6881


class CardError(Exception):
    """Refuse the command with status word `sw` (the message is for logs and never holds card data)."""

    def __init__(self, sw: int, reason: str = "") -> None:
        super().__init__(f"{sw:04X} {reason}".strip())
        self.sw = sw


@dataclass(frozen=True)
class Command:
    """A parsed command APDU. `ne` is the expected response length (0 = no Le field)."""

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes
    ne: int
    extended: bool

    @property
    def is_sm(self) -> bool:
        return self.cla & 0x0C == 0x0C

    @property
    def chained(self) -> bool:
        return bool(self.cla & 0x10)

    @property
    def header(self) -> bytes:
        return bytes((self.cla, self.ins, self.p1, self.p2))


def parse_command(apdu: bytes) -> Command:
    """Split an APDU into its ISO 7816-4 cases (1, 2S/E, 3S/E, 4S/E); a length that fits none is 6700."""
    if len(apdu) < 4:
        raise CardError(SW_WRONG_LENGTH, "APDU shorter than a header")
    cla, ins, p1, p2 = apdu[:4]
    body = apdu[4:]
    data = b""
    ne = 0
    extended = False
    if not body:
        pass
    elif len(body) == 1:
        ne = body[0] or 256
    elif body[0] != 0:
        lc = body[0]
        if len(body) == 1 + lc:
            data = body[1:]
        elif len(body) == 2 + lc:
            data = body[1:-1]
            ne = body[-1] or 256
        else:
            raise CardError(SW_WRONG_LENGTH, "Lc does not match the data")
    else:
        extended = True
        if len(body) == 3:
            ne = int.from_bytes(body[1:3], "big") or 65536
        elif len(body) < 3:
            raise CardError(SW_WRONG_LENGTH, "truncated extended length")
        else:
            lc = int.from_bytes(body[1:3], "big")
            if lc == 0:
                raise CardError(SW_WRONG_LENGTH, "extended Lc of zero")
            if len(body) == 3 + lc:
                data = body[3:]
            elif len(body) == 5 + lc:
                data = body[3:-2]
                ne = int.from_bytes(body[-2:], "big") or 65536
            else:
                raise CardError(SW_WRONG_LENGTH, "extended Lc does not match the data")
    return Command(cla, ins, p1, p2, bytes(data), ne, extended)


def response(data: bytes, sw: int) -> bytes:
    return bytes(data) + sw.to_bytes(2, "big")
