"""Basic Access Control (ICAO Doc 9303 Part 11 §4.3) as a sans-IO state machine.

    bac = BAC(*derive_basic_keys(MRZKey("L898902C<", "690806", "940623").information))
    cmd = bac.start()                        # GET CHALLENGE
    cmd = bac.feed(transmit(cmd))            # EXTERNAL AUTHENTICATE
    session = bac.feed(transmit(cmd))        # SMSession (3DES)

The chip's answer is checked completely (MAC, RND.IFD echo, RND.IC echo) before any key is
derived: an answer that fails any check means a wrong MRZ or a chip/relay we must not trust.
"""

from __future__ import annotations

import hashlib
from enum import Enum

from gateway.crypto import symmetric as crypto
from gateway.nfc.apdu import CommandAPDU, ResponseAPDU, external_authenticate, get_challenge
from gateway.nfc.randomness import SYSTEM_RANDOM, RandomSource
from gateway.nfc.status import AuthenticationFailed, ProtocolError

from .secure_messaging import SMSession


class BACError(ProtocolError):
    """BAC failed on the reader side (bad answer length, MAC or nonce echo)."""


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
    """The reader side of BAC. RND.IFD (8 bytes) and K.IFD (16 bytes) come from `random`, in that
    order — the OS CSPRNG in use, the worked example's values when Appendix D is replayed."""

    def __init__(self, k_enc: bytes, k_mac: bytes, *, random: RandomSource = SYSTEM_RANDOM) -> None:
        self.k_enc = k_enc
        self.k_mac = k_mac
        self.rnd_ifd = random.token_bytes(8)
        self.k_ifd = random.token_bytes(16)
        self.rnd_ic: bytes | None = None
        self.session: SMSession | None = None
        self._state = _State.NEW

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
    "derive_basic_keys",
    "key_seed",
]
