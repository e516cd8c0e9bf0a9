"""Basic Access Control (ICAO Doc 9303 Part 11 §4.3) as a sans-IO state machine.

    bac = BAC.from_mrz("L898902C<", "690806", "940623")
    cmd = bac.start()                        # GET CHALLENGE
    cmd = bac.feed(transmit(cmd))            # EXTERNAL AUTHENTICATE
    session = bac.feed(transmit(cmd))        # SMSession (3DES)

The chip's answer is checked completely (MAC, RND.IFD echo, RND.IC echo) before any key is
derived: an answer that fails any check means a wrong MRZ or a chip/relay we must not trust.
"""

from __future__ import annotations

import hashlib
import secrets
from enum import Enum

from gateway.crypto import symmetric as crypto

from .apdu import CommandAPDU, ResponseAPDU, external_authenticate, get_challenge
from .sm import SMSession
from .status import AuthenticationFailed, ProtocolError

_WEIGHTS = (7, 3, 1)


class BACError(ProtocolError):
    """BAC failed on the reader side (bad answer length, MAC or nonce echo)."""


def check_digit(field: str) -> str:
    """ICAO 9303 Part 3 check digit (weights 7-3-1, '<' = 0, A = 10 … Z = 35)."""
    total = 0
    for i, ch in enumerate(field):
        if ch.isdigit():
            v = int(ch)
        elif "A" <= ch <= "Z":
            v = ord(ch) - 55
        elif ch == "<":
            v = 0
        else:
            raise ValueError("character outside the MRZ alphabet")
        total += v * _WEIGHTS[i % 3]
    return str(total % 10)


def mrz_information(document_number: str, date_of_birth: str, date_of_expiry: str) -> str:
    """Document number (padded with '<' to 9) + check digit, birth date YYMMDD + check digit,
    expiry date YYMMDD + check digit. Numbers longer than 9 characters are used in full."""
    doc = document_number.upper().ljust(9, "<")
    for name, value in (("date of birth", date_of_birth), ("date of expiry", date_of_expiry)):
        if len(value) != 6 or not value.isdigit():
            raise ValueError(f"{name} must be YYMMDD")
    return (
        doc
        + check_digit(doc)
        + date_of_birth
        + check_digit(date_of_birth)
        + date_of_expiry
        + check_digit(date_of_expiry)
    )


def key_seed(mrz_info: str) -> bytes:
    return hashlib.sha1(mrz_info.encode("ascii")).digest()[:16]


def derive_basic_keys(mrz_info: str) -> tuple[bytes, bytes]:
    """(KEnc, KMAC) — the document basic access keys."""
    seed = key_seed(mrz_info)
    return crypto.kdf(seed, 1), crypto.kdf(seed, 2)


class _State(Enum):
    NEW = "new"
    CHALLENGE_SENT = "challenge sent"
    AUTHENTICATE_SENT = "authenticate sent"
    DONE = "done"
    FAILED = "failed"


class BAC:
    """The reader side of BAC. `rnd_ifd` / `k_ifd` are injectable only for the worked example;
    in use they come from the OS CSPRNG."""

    def __init__(
        self, k_enc: bytes, k_mac: bytes, *, rnd_ifd: bytes | None = None, k_ifd: bytes | None = None
    ) -> None:
        self.k_enc = k_enc
        self.k_mac = k_mac
        self.rnd_ifd = rnd_ifd if rnd_ifd is not None else secrets.token_bytes(8)
        self.k_ifd = k_ifd if k_ifd is not None else secrets.token_bytes(16)
        if len(self.rnd_ifd) != 8 or len(self.k_ifd) != 16:
            raise ValueError("RND.IFD must be 8 bytes and K.IFD 16 bytes")
        self.rnd_ic: bytes | None = None
        self.session: SMSession | None = None
        self._state = _State.NEW

    @classmethod
    def from_mrz(cls, document_number: str, date_of_birth: str, date_of_expiry: str, **kw: bytes) -> BAC:
        return cls(*derive_basic_keys(mrz_information(document_number, date_of_birth, date_of_expiry)), **kw)

    @property
    def done(self) -> bool:
        return self._state is _State.DONE

    def start(self) -> CommandAPDU:
        if self._state is not _State.NEW:
            raise BACError("BAC already started")
        self._state = _State.CHALLENGE_SENT
        return get_challenge(8)

    def feed(self, response: ResponseAPDU | bytes) -> CommandAPDU | SMSession:
        """Consume the chip's answer to the last command; return the next command or, at the
        end, the secure-messaging session."""
        if not isinstance(response, ResponseAPDU):
            response = ResponseAPDU.decode(response)
        try:
            if self._state is _State.CHALLENGE_SENT:
                return self._on_challenge(response)
            if self._state is _State.AUTHENTICATE_SENT:
                return self._on_authenticate(response)
        except Exception:
            self._state = _State.FAILED
            raise
        raise BACError(f"no response expected in state '{self._state.value}'")

    def _on_challenge(self, response: ResponseAPDU) -> CommandAPDU:
        response.check()
        if len(response.data) != 8:
            raise BACError(f"GET CHALLENGE returned {len(response.data)} bytes, expected 8")
        self.rnd_ic = response.data
        s = self.rnd_ifd + self.rnd_ic + self.k_ifd
        e_ifd = crypto.cbc_encrypt("3DES", self.k_enc, s)
        m_ifd = crypto.retail_mac(self.k_mac, crypto.pad(e_ifd))
        self._state = _State.AUTHENTICATE_SENT
        return external_authenticate(e_ifd + m_ifd, 40)

    def _on_authenticate(self, response: ResponseAPDU) -> SMSession:
        if response.sw in (0x6300, 0x6982) or response.sw >> 8 == 0x63:
            # Chips answer a wrong MRZ key with 6300 (some with 6982).
            raise AuthenticationFailed(response.sw, "BAC refused by the chip (check the MRZ data)")
        response.check()
        data = response.data
        if len(data) != 40:
            raise BACError(f"EXTERNAL AUTHENTICATE returned {len(data)} bytes, expected 40")
        e_ic, m_ic = data[:32], data[32:]
        if not crypto.constant_time_equal(crypto.retail_mac(self.k_mac, crypto.pad(e_ic)), m_ic):
            raise BACError("chip authentication cryptogram MAC does not verify")
        r = crypto.cbc_decrypt("3DES", self.k_enc, e_ic)
        assert self.rnd_ic is not None
        if not crypto.constant_time_equal(r[8:16], self.rnd_ifd):
            raise BACError("chip did not return our RND.IFD")
        if not crypto.constant_time_equal(r[:8], self.rnd_ic):
            raise BACError("chip did not return its RND.IC")
        k_ic = r[16:32]
        seed = bytes(a ^ b for a, b in zip(self.k_ifd, k_ic, strict=True))
        ssc = self.rnd_ic[4:] + self.rnd_ifd[4:]
        self.session = SMSession("3DES", crypto.kdf(seed, 1), crypto.kdf(seed, 2), ssc)
        self._state = _State.DONE
        return self.session


__all__ = [
    "BAC",
    "BACError",
    "check_digit",
    "derive_basic_keys",
    "key_seed",
    "mrz_information",
]
