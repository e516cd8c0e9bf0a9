"""Basic Access Control, card side (Doc 9303 Part 11 §4.3): GET CHALLENGE + EXTERNAL AUTHENTICATE.

The chip checks the terminal's MAC and its own challenge, answers with its half of the key material and
opens a 3DES secure messaging session whose SSC is the low halves of both challenges.
"""

from __future__ import annotations

import hashlib

from simulators.chip.card_apdu import (
    SW_AUTH_FAILED,
    SW_CONDITIONS,
    SW_WRONG_LENGTH,
    CardError,
)
from simulators.chip.card_crypto import TDES
from simulators.chip.card_sm import SecureChannel


def mrz_key_seed(mrz_key: str) -> bytes:
    """Kseed = first 16 bytes of SHA-1(MRZ information); PACE uses the whole 20-byte hash."""
    return hashlib.sha1(mrz_key.encode("ascii", "replace")).digest()


class BacResponder:
    def __init__(self, mrz_key: str) -> None:
        seed = mrz_key_seed(mrz_key)[:16]
        self.k_enc = TDES.derive(seed, 1)
        self.k_mac = TDES.derive(seed, 2)
        self.rnd_ic: bytes | None = None

    def challenge(self, rnd_ic: bytes) -> bytes:
        self.rnd_ic = rnd_ic
        return rnd_ic

    def authenticate(self, data: bytes, k_ic: bytes) -> tuple[bytes, SecureChannel]:
        """Check E.IFD || M.IFD; return E.IC || M.IC and the new session. 6300 on any mismatch."""
        if self.rnd_ic is None:
            raise CardError(SW_CONDITIONS, "no challenge issued")
        rnd_ic, self.rnd_ic = self.rnd_ic, None  # a challenge is good for one attempt only
        if len(data) != 40:
            raise CardError(SW_WRONG_LENGTH, "EXTERNAL AUTHENTICATE needs 40 bytes")
        e_ifd, m_ifd = data[:32], data[32:]
        if TDES.mac(self.k_mac, e_ifd) != m_ifd:
            raise CardError(SW_AUTH_FAILED, "terminal MAC wrong")
        plain = TDES.decrypt(self.k_enc, e_ifd)
        rnd_ifd, echoed, k_ifd = plain[:8], plain[8:16], plain[16:]
        if echoed != rnd_ic:
            raise CardError(SW_AUTH_FAILED, "challenge mismatch")
        e_ic = TDES.encrypt(self.k_enc, rnd_ic + rnd_ifd + k_ic)
        answer = e_ic + TDES.mac(self.k_mac, e_ic)
        seed = bytes(a ^ b for a, b in zip(k_ifd, k_ic, strict=True))
        channel = SecureChannel(
            TDES,
            TDES.derive(seed, 1),
            TDES.derive(seed, 2),
            int.from_bytes(rnd_ic[4:] + rnd_ifd[4:], "big"),
        )
        return answer, channel


