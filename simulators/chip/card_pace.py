"""PACE with ECDH generic mapping, card side (Doc 9303 Part 11 §4.4, BSI TR-03110).

MSE:Set AT picks protocol, password and domain parameters; four chained GENERAL AUTHENTICATE steps
follow: encrypted nonce, mapping (G' = s*G + SK_map_IC*PK_map_IFD), key agreement on G', and mutual
authentication tokens. A failed step aborts the run; the terminal starts again with MSE:Set AT.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from simulators.chip.card_apdu import (
    SW_AUTH_FAILED,
    SW_CONDITIONS,
    SW_REF_DATA_NOT_FOUND,
    SW_WRONG_DATA,
    CardError,
)
from simulators.chip.card_crypto import CipherSuite
from simulators.chip.card_ec import STANDARD_CURVES, Curve, Point, PointError
from simulators.chip.card_sm import SecureChannel
from simulators.chip.card_tlv import as_dict, oid_to_bytes, parse, tlv
from simulators.chip.document import ChipDocument, PaceParams

ID_PACE_ECDH_GM = "0.4.0.127.0.7.2.2.4.2"
PACE_SUITES: dict[str, CipherSuite] = {
    ID_PACE_ECDH_GM + ".1": CipherSuite("3DES", 128),
    ID_PACE_ECDH_GM + ".2": CipherSuite("AES", 128),
    ID_PACE_ECDH_GM + ".3": CipherSuite("AES", 192),
    ID_PACE_ECDH_GM + ".4": CipherSuite("AES", 256),
}
PASSWORD_MRZ = 0x01
PASSWORD_CAN = 0x02


@dataclass
class PaceFixed:
    """Fixed chip-side secrets so worked examples reproduce; None = draw from the card's rng."""

    nonce: bytes | None = None
    mapping_key: int | None = None
    ephemeral_key: int | None = None


def random_scalar(curve: Curve, rng: Callable[[int], bytes]) -> int:
    # 64 extra bits make the modular bias negligible.
    return int.from_bytes(rng(curve.size + 8), "big") % (curve.n - 1) + 1


class PaceResponder:
    def __init__(self, document: ChipDocument, rng: Callable[[int], bytes], fixed: PaceFixed) -> None:
        self.document = document
        self.rng = rng
        self.fixed = fixed
        self.step = 0  # 0: no MSE yet; 1..4: next GENERAL AUTHENTICATE step expected
        self.params: PaceParams | None = None
        self.suite = PACE_SUITES[ID_PACE_ECDH_GM + ".2"]
        self.curve = STANDARD_CURVES[13]
        self.k_pi = b""

    # --- MSE:Set AT ----------------------------------------------------------------------------------
    def set_at(self, data: bytes) -> None:
        self.step = 0
        objects = as_dict(data)
        oid_raw = objects.get(0x80)
        ref = objects.get(0x83)
        if oid_raw is None or ref is None or len(ref) != 1:
            raise CardError(SW_WRONG_DATA, "MSE:Set AT needs 80 and 83")
        offered = [p for p in self.document.pace if oid_to_bytes(p.protocol_oid) == oid_raw]
        if not offered:
            raise CardError(SW_WRONG_DATA, "protocol not offered")
        if 0x84 in objects:
            pid = int.from_bytes(objects[0x84], "big") if objects[0x84] else -1
            offered = [p for p in offered if p.parameter_id == pid]
            if not offered:
                raise CardError(SW_WRONG_DATA, "domain parameters not offered")
        elif len(self.document.pace) > 1:
            # Several PACEInfos: the chip cannot guess which one the terminal means.
            raise CardError(SW_WRONG_DATA, "parameter id required")
        params = offered[0]
        if params.protocol_oid not in PACE_SUITES or params.parameter_id not in STANDARD_CURVES:
            raise CardError(SW_WRONG_DATA, "protocol not supported by this card")
        if ref[0] == PASSWORD_MRZ:
            password = hashlib.sha1(self.document.mrz_key.encode("ascii", "replace")).digest()
        elif ref[0] == PASSWORD_CAN and self.document.can:
            password = self.document.can.encode("latin-1", "replace")
        else:
            raise CardError(SW_REF_DATA_NOT_FOUND, "password not available")
        self.params = params
        self.suite = PACE_SUITES[params.protocol_oid]
        self.curve = STANDARD_CURVES[params.parameter_id]
        self.k_pi = self.suite.derive(password, 3)
        self.step = 1

    # --- GENERAL AUTHENTICATE ------------------------------------------------------------------------
    def general_authenticate(self, data: bytes) -> tuple[bytes, SecureChannel | None]:
        """One step; returns the response data and, after the last step, the new SM channel."""
        if self.step == 0 or self.params is None:
            raise CardError(SW_CONDITIONS, "no PACE run set up")
        try:
            outer = parse(data)
            if len(outer) != 1 or outer[0][0] != 0x7C:
                raise CardError(SW_WRONG_DATA, "dynamic authentication data expected")
            inner = as_dict(outer[0][1])
            return self._step(inner)
        except CardError:
            self.step = 0  # any failure ends the run; the terminal restarts with MSE:Set AT
            raise
        except PointError as exc:
            self.step = 0
            raise CardError(SW_WRONG_DATA, "bad public key") from exc

    def _step(self, inner: dict[int, bytes]) -> tuple[bytes, SecureChannel | None]:
        curve = self.curve
        if self.step == 1:
            if inner:
                raise CardError(SW_WRONG_DATA, "step 1 carries no data")
            self.nonce = self.fixed.nonce or self.rng(self.suite.block)
            self.step = 2
            return tlv(0x7C, tlv(0x80, self.suite.encrypt(self.k_pi, self.nonce))), None
        if self.step == 2:
            pk_map_ifd = curve.decode(self._need(inner, 0x81))
            sk_map = self.fixed.mapping_key or random_scalar(curve, self.rng)
            pk_map_ic = curve.mul(sk_map, curve.g)
            h = curve.mul(sk_map, pk_map_ifd)
            g_mapped: Point = curve.add(curve.mul(int.from_bytes(self.nonce, "big"), curve.g), h)
            if g_mapped is None or h is None:
                raise CardError(SW_WRONG_DATA, "degenerate mapping")
            self.g_mapped = g_mapped
            self.step = 3
            return tlv(0x7C, tlv(0x82, curve.encode(pk_map_ic))), None
        if self.step == 3:
            pk_ifd_raw = self._need(inner, 0x83)
            pk_ifd = curve.decode(pk_ifd_raw)
            sk = self.fixed.ephemeral_key or random_scalar(curve, self.rng)
            pk_ic = curve.mul(sk, self.g_mapped)
            if pk_ic == pk_ifd:
                raise CardError(SW_WRONG_DATA, "terminal echoed the chip key")
            shared = curve.mul(sk, pk_ifd)
            if shared is None:
                raise CardError(SW_WRONG_DATA, "degenerate shared secret")
            secret = shared[0].to_bytes(curve.size, "big")
            self.ks_enc = self.suite.derive(secret, 1)
            self.ks_mac = self.suite.derive(secret, 2)
            self.pk_ic = curve.encode(pk_ic)
            self.pk_ifd = pk_ifd_raw
            self.step = 4
            return tlv(0x7C, tlv(0x84, self.pk_ic)), None
        token_ifd = self._need(inner, 0x85)
        if token_ifd != self._token(self.pk_ic):
            raise CardError(SW_AUTH_FAILED, "terminal token wrong")
        self.step = 0
        channel = SecureChannel(self.suite, self.ks_enc, self.ks_mac, 0)
        return tlv(0x7C, tlv(0x86, self._token(self.pk_ifd))), channel

    @staticmethod
    def _need(inner: dict[int, bytes], tag: int) -> bytes:
        if set(inner) != {tag}:
            raise CardError(SW_WRONG_DATA, "unexpected GENERAL AUTHENTICATE step")
        return inner[tag]

    def _token(self, public_key: bytes) -> bytes:
        assert self.params is not None
        key_data = tlv(0x7F49, tlv(0x06, oid_to_bytes(self.params.protocol_oid)) + tlv(0x86, public_key))
        return self.suite.mac(self.ks_mac, key_data)
