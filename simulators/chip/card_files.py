"""The card's file system: MF with EF.CardAccess, the eMRTD application (DF by AID) with its EFs.

Selection and READ BINARY (even INS B0 with 15-bit offset or SFI, odd INS B1 with DO'54 offset for
files beyond 32 KB) follow ISO/IEC 7816-4. Access rules (which files need secure messaging) are the
card's decision (card.py); this module only knows where bytes are.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from simulators.chip.card_apdu import (
    SW_END_OF_FILE,
    SW_FILE_NOT_FOUND,
    SW_NO_CURRENT_EF,
    SW_OK,
    SW_WRONG_DATA,
    SW_WRONG_LENGTH,
    SW_WRONG_OFFSET,
    SW_WRONG_P1P2,
    CardError,
    Command,
)
from simulators.chip.card_tlv import encode_length, parse
from simulators.chip.document import EMRTD_AID, ChipDocument

MF_FID = 0x3F00


@dataclass
class ReadResult:
    """What a READ BINARY produced; `fid`/`offset`/`end` let fault injection see where the read was."""

    data: bytes
    sw: int
    fid: int
    offset: int
    end: int  # offset just past the bytes returned
    reached_eof: bool


@dataclass
class FileSystem:
    document: ChipDocument
    in_application: bool = False
    current_ef: int | None = None
    _sfi_map: dict[int, int] = field(default_factory=dict)

    def reset(self) -> None:
        self.in_application = False
        self.current_ef = None

    def _files(self) -> dict[int, bytes]:
        return self.document.app_files if self.in_application else self.document.ef_files

    # --- SELECT --------------------------------------------------------------------------------------
    def select(self, cmd: Command) -> bytes:
        """Returns the response data (no FCI: chips answer P2=0C without one; P2=00 gets an empty
        FCP template so readers that ask for it still see success)."""
        if cmd.p2 not in (0x00, 0x0C, 0x04):
            raise CardError(SW_WRONG_P1P2, "unsupported SELECT P2")
        if cmd.p1 == 0x04:
            if cmd.data != EMRTD_AID:
                raise CardError(SW_FILE_NOT_FOUND, "unknown AID")
            self.in_application = True
            self.current_ef = None
            return self._fci(cmd)
        if cmd.p1 == 0x00 and cmd.data in (b"", b"\x3f\x00"):
            self.reset()
            return self._fci(cmd)
        if cmd.p1 in (0x00, 0x02):
            if len(cmd.data) != 2:
                raise CardError(SW_WRONG_LENGTH, "file id must be two bytes")
            fid = int.from_bytes(cmd.data, "big")
            if fid not in self._files():
                raise CardError(SW_FILE_NOT_FOUND, "no such EF")
            self.current_ef = fid
            return self._fci(cmd, len(self._files()[fid]))
        raise CardError(SW_WRONG_P1P2, "unsupported SELECT P1")

    @staticmethod
    def _fci(cmd: Command, size: int | None = None) -> bytes:
        if cmd.p2 == 0x0C or cmd.ne == 0:
            return b""
        inner = b"" if size is None else b"\x80\x02" + size.to_bytes(2, "big")
        return b"\x62" + encode_length(len(inner)) + inner

    def file_for_sfi(self, sfi: int) -> int:
        for fid in self._files():
            if fid & 0x1F == sfi and fid & 0xFF00 == 0x0100:
                return fid
        raise CardError(SW_FILE_NOT_FOUND, "no EF with that SFI")

    # --- READ BINARY ---------------------------------------------------------------------------------
    def resolve_read(
        self, cmd: Command, *, allow_sfi: bool = True, no_sfi_sw: int = 0x6A86
    ) -> tuple[int, int]:
        """Work out (file id, offset) of a READ BINARY and make that EF current (SFI reads do)."""
        if cmd.ins == 0xB0:
            if cmd.data:
                raise CardError(SW_WRONG_LENGTH, "READ BINARY B0 carries no data")
            if cmd.p1 & 0x80:
                if not allow_sfi:
                    raise CardError(no_sfi_sw, "SFI not supported")
                if cmd.p1 & 0x60:
                    raise CardError(SW_WRONG_P1P2, "bad SFI byte")
                fid = self.file_for_sfi(cmd.p1 & 0x1F)
                self.current_ef = fid
                return fid, cmd.p2
            if self.current_ef is None:
                raise CardError(SW_NO_CURRENT_EF, "no EF selected")
            return self.current_ef, ((cmd.p1 & 0x7F) << 8) | cmd.p2
        # Odd INS B1: offset in DO'54, P1-P2 = 0000 (current EF), SFI in P2, or a file id.
        objects = dict(parse(cmd.data))
        raw = objects.get(0x54)
        if raw is None or not 1 <= len(raw) <= 4:
            raise CardError(SW_WRONG_DATA, "B1 needs an offset DO'54")
        offset = int.from_bytes(raw, "big")
        p1p2 = (cmd.p1 << 8) | cmd.p2
        if p1p2 == 0:
            if self.current_ef is None:
                raise CardError(SW_NO_CURRENT_EF, "no EF selected")
            return self.current_ef, offset
        if p1p2 <= 0x1F:
            if not allow_sfi:
                raise CardError(no_sfi_sw, "SFI not supported")
            fid = self.file_for_sfi(p1p2)
        else:
            fid = p1p2
            if fid not in self._files():
                raise CardError(SW_FILE_NOT_FOUND, "no such EF")
        self.current_ef = fid
        return fid, offset

    def read(self, fid: int, offset: int, ne: int, odd: bool) -> ReadResult:
        content = self._files()[fid]
        if ne == 0:
            raise CardError(SW_WRONG_LENGTH, "READ BINARY without Le")
        if offset > len(content) or (offset == len(content) and content):
            raise CardError(SW_WRONG_OFFSET, "offset beyond end of file")
        room = ne
        if odd:  # the answer is DO'53, whose header counts against Le
            room = ne - 2
            while room > 0 and len(b"\x53" + encode_length(room)) + room > ne:
                room -= 1
        chunk = content[offset : offset + room]
        end = offset + len(chunk)
        sw = SW_END_OF_FILE if len(chunk) < room else SW_OK
        data = b"\x53" + encode_length(len(chunk)) + chunk if odd else chunk
        return ReadResult(data, sw, fid, offset, end, end >= len(content))
