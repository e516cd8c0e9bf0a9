"""A minimal inspection-system side for driving the virtual card in tests.

Independent of both gateway.nfc and the card's own crypto modules (only curve *constants* are shared
and those are cross-checked against `cryptography` in the tests): a bug in the card's MAC, padding or
key derivation cannot hide by being symmetric. Affine EC arithmetic here (the card uses Jacobian) is
needed because `cryptography` cannot multiply points on PACE's mapped generator.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC

from simulators.chip.card_ec import STANDARD_CURVES, Curve

H = bytes.fromhex
PACE_GM = "0.4.0.127.0.7.2.2.4.2"
OID_3DES, OID_AES128, OID_AES192, OID_AES256 = (f"{PACE_GM}.{i}" for i in (1, 2, 3, 4))


class MacMismatch(AssertionError):
    """The card's response MAC did not verify."""


# --- symmetric primitives ------------------------------------------------------------------------------
def pad(data: bytes, block: int) -> bytes:
    n = block - len(data) % block
    return data + b"\x80" + bytes(n - 1)


def unpad(data: bytes) -> bytes:
    i = len(data) - 1
    while data[i] == 0:
        i -= 1
    assert data[i] == 0x80, "bad padding"
    return data[:i]


def _cbc(alg, data: bytes, iv: bytes, decrypt: bool = False) -> bytes:
    c = Cipher(alg, modes.CBC(iv))
    ctx = c.decryptor() if decrypt else c.encryptor()
    return ctx.update(data) + ctx.finalize()


def tdes(key: bytes, data: bytes, decrypt: bool = False, iv: bytes = bytes(8)) -> bytes:
    return _cbc(TripleDES(key + key[:8]), data, iv, decrypt)


def aes(key: bytes, data: bytes, decrypt: bool = False, iv: bytes = bytes(16)) -> bytes:
    return _cbc(algorithms.AES(key), data, iv, decrypt)


def retail_mac(key: bytes, padded: bytes) -> bytes:
    """DES-CBC-MAC with K1 over all but the last block, then EDE3 on the last block."""
    head, last = padded[:-8], padded[-8:]
    state = _cbc(TripleDES(key[:8] * 3), head, bytes(8))[-8:] if head else bytes(8)
    return tdes(key, bytes(a ^ b for a, b in zip(state, last, strict=True)))


def cmac8(key: bytes, data: bytes) -> bytes:
    c = CMAC(algorithms.AES(key))
    c.update(data)
    return c.finalize()[:8]


def kdf(secret: bytes, counter: int, cipher: str, bits: int = 128) -> bytes:
    d = secret + counter.to_bytes(4, "big")
    if cipher == "3DES":
        return hashlib.sha1(d).digest()[:16]  # parity bits are ignored by DES
    if bits == 128:
        return hashlib.sha1(d).digest()[:16]
    return hashlib.sha256(d).digest()[: bits // 8]


SUITES = {OID_3DES: ("3DES", 128), OID_AES128: ("AES", 128), OID_AES192: ("AES", 192),
          OID_AES256: ("AES", 256)}


# --- TLV -----------------------------------------------------------------------------------------------
def tlv(tag: int, value: bytes) -> bytes:
    t = tag.to_bytes(2 if tag > 0xFF else 1, "big")
    n = len(value)
    if n < 0x80:
        return t + bytes([n]) + value
    if n < 0x100:
        return t + b"\x81" + bytes([n]) + value
    return t + b"\x82" + n.to_bytes(2, "big") + value


def tlvs(data: bytes) -> list[tuple[int, bytes]]:
    out, i = [], 0
    while i < len(data):
        tag = data[i]
        i += 1
        if tag & 0x1F == 0x1F:
            tag = tag << 8 | data[i]
            i += 1
        n = data[i]
        i += 1
        if n & 0x80:
            k = n & 0x7F
            n = int.from_bytes(data[i : i + k], "big")
            i += k
        out.append((tag, data[i : i + n]))
        i += n
    return out


def oid_bytes(dotted: str) -> bytes:
    parts = [int(x) for x in dotted.split(".")]
    out = bytearray([parts[0] * 40 + parts[1]])
    for p in parts[2:]:
        enc = [p & 0x7F]
        p >>= 7
        while p:
            enc.insert(0, 0x80 | (p & 0x7F))
            p >>= 7
        out += bytes(enc)
    return bytes(out)


# --- affine EC -----------------------------------------------------------------------------------------
def ec_add(c: Curve, p1, p2):
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    if p1[0] == p2[0]:
        if (p1[1] + p2[1]) % c.p == 0:
            return None
        lam = (3 * p1[0] * p1[0] + c.a) * pow(2 * p1[1], -1, c.p) % c.p
    else:
        lam = (p2[1] - p1[1]) * pow(p2[0] - p1[0], -1, c.p) % c.p
    x = (lam * lam - p1[0] - p2[0]) % c.p
    return (x, (lam * (p1[0] - x) - p1[1]) % c.p)


def ec_mul(c: Curve, k: int, pt):
    acc = None
    while k:
        if k & 1:
            acc = ec_add(c, acc, pt)
        pt = ec_add(c, pt, pt)
        k >>= 1
    return acc


def enc_point(c: Curve, pt) -> bytes:
    return b"\x04" + pt[0].to_bytes(c.size, "big") + pt[1].to_bytes(c.size, "big")


def dec_point(c: Curve, raw: bytes):
    assert raw[0] == 4 and len(raw) == 1 + 2 * c.size
    return int.from_bytes(raw[1 : 1 + c.size], "big"), int.from_bytes(raw[1 + c.size :], "big")


# --- secure messaging ----------------------------------------------------------------------------------
@dataclass
class SM:
    cipher: str
    ks_enc: bytes
    ks_mac: bytes
    ssc: int

    @property
    def block(self) -> int:
        return 8 if self.cipher == "3DES" else 16

    def _ssc(self) -> bytes:
        return self.ssc.to_bytes(self.block, "big")

    def _mac(self, data: bytes) -> bytes:
        padded = pad(data, self.block)
        return retail_mac(self.ks_mac, padded) if self.cipher == "3DES" else cmac8(self.ks_mac, padded)

    def _crypt(self, data: bytes, decrypt: bool) -> bytes:
        if self.cipher == "3DES":
            return tdes(self.ks_enc, data, decrypt)
        iv = aes(self.ks_enc, self._ssc())
        return aes(self.ks_enc, data, decrypt, iv)

    def protect(
        self, cla: int, ins: int, p1: int, p2: int, data: bytes = b"", le: int | None = None
    ) -> bytes:
        self.ssc += 1
        header = bytes([cla | 0x0C, ins, p1, p2])
        dos = b""
        if data:
            enc = self._crypt(pad(data, self.block), False)
            dos += tlv(0x85, enc) if ins & 1 else tlv(0x87, b"\x01" + enc)
        if le is not None:
            dos += tlv(0x97, bytes([le & 0xFF]) if le <= 256 else (le % 65536).to_bytes(2, "big"))
        mac = self._mac(self._ssc() + pad(header, self.block) + dos)
        body = dos + tlv(0x8E, mac)
        if len(body) > 255 or (le is not None and le > 256):
            return header + b"\x00" + len(body).to_bytes(2, "big") + body + b"\x00\x00"
        return header + bytes([len(body)]) + body + b"\x00"

    def unprotect(self, resp: bytes) -> tuple[bytes, int]:
        self.ssc += 1
        sw = int.from_bytes(resp[-2:], "big")
        body = resp[:-2]
        if not body:
            return b"", sw  # plain error: SM session aborted by the card
        if b"\x8e\x08" not in body[-10:-8] and sw != 0x9000:
            return body, sw  # a plain answer (the read-past-end quirk): the card left SM
        objs = dict(tlvs(body))
        covered = body[: body.index(b"\x8e\x08", len(body) - 10)]
        if self._mac(self._ssc() + covered) != objs[0x8E]:
            raise MacMismatch("response MAC wrong")
        data = b""
        if 0x87 in objs:
            data = unpad(self._crypt(objs[0x87][1:], True))
        elif 0x85 in objs:
            data = unpad(self._crypt(objs[0x85], True))
        if 0x99 in objs:  # the sm_omit_do99 quirk leaves it out; then the MAC covered the data alone
            assert int.from_bytes(objs[0x99], "big") == sw
        return data, sw


class Terminal:
    """Sends APDUs to a card object (anything with transmit), with or without secure messaging."""

    def __init__(self, card) -> None:
        self.card = card
        self.sm: SM | None = None

    def raw(self, apdu: bytes) -> tuple[bytes, int]:
        r = self.card.transmit(apdu)
        return r[:-2], int.from_bytes(r[-2:], "big")

    def send(self, cla: int, ins: int, p1: int, p2: int, data: bytes = b"", le: int | None = None):
        if self.sm is not None:
            return self.sm.unprotect(self.card.transmit(self.sm.protect(cla, ins, p1, p2, data, le)))
        apdu = bytes([cla, ins, p1, p2])
        ext = len(data) > 255 or (le is not None and le > 256)
        if data:
            apdu += (b"\x00" + len(data).to_bytes(2, "big")) if ext else bytes([len(data)])
            apdu += data
        if le is not None:
            if ext:
                apdu += (b"" if data else b"\x00") + (le % 65536).to_bytes(2, "big")
            else:
                apdu += bytes([le % 256])
        return self.raw(apdu)

    def select_app(self) -> int:
        return self.send(0x00, 0xA4, 0x04, 0x0C, H("A0000002471001"))[1]

    def select_ef(self, fid: int) -> int:
        return self.send(0x00, 0xA4, 0x02, 0x0C, fid.to_bytes(2, "big"))[1]

    def read_file(self, fid: int, chunk: int = 0xE0) -> bytes:
        assert self.select_ef(fid) == 0x9000
        out = b""
        while True:
            data, sw = self.send(0x00, 0xB0, len(out) >> 8, len(out) & 0xFF, le=chunk)
            if sw == 0x6B00:
                return out
            assert sw in (0x9000, 0x6282), hex(sw)
            out += data
            if sw == 0x6282 or len(data) < chunk:
                return out

    # --- BAC -------------------------------------------------------------------------------------------
    def bac(self, mrz_key: str, rnd_ifd: bytes | None = None, k_ifd: bytes | None = None) -> int:
        seed = hashlib.sha1(mrz_key.encode()).digest()[:16]
        k_enc, k_mac = kdf(seed, 1, "3DES"), kdf(seed, 2, "3DES")
        rnd_ic, sw = self.send(0x00, 0x84, 0x00, 0x00, le=8)
        if sw != 0x9000:
            return sw
        rnd_ifd = rnd_ifd or os.urandom(8)
        k_ifd = k_ifd or os.urandom(16)
        e_ifd = tdes(k_enc, rnd_ifd + rnd_ic + k_ifd)
        resp, sw = self.send(0x00, 0x82, 0x00, 0x00, e_ifd + retail_mac(k_mac, pad(e_ifd, 8)), 0x28)
        if sw != 0x9000:
            return sw
        assert retail_mac(k_mac, pad(resp[:32], 8)) == resp[32:], "chip MAC wrong"
        plain = tdes(k_enc, resp[:32], decrypt=True)
        assert plain[:8] == rnd_ic and plain[8:16] == rnd_ifd
        seed2 = bytes(a ^ b for a, b in zip(k_ifd, plain[16:], strict=True))
        self.sm = SM("3DES", kdf(seed2, 1, "3DES"), kdf(seed2, 2, "3DES"),
                     int.from_bytes(rnd_ic[4:] + rnd_ifd[4:], "big"))
        return sw

    # --- PACE ------------------------------------------------------------------------------------------
    def pace(self, oid: str, param_id: int, password: bytes, ref: int = 1, *, send_param_id: bool = True,
             map_key: int | None = None, eph_key: int | None = None) -> int:
        """`password` is the MRZ information (ref 1) or the CAN (ref 2), as ASCII bytes."""
        cipher, bits = SUITES[oid]
        curve = STANDARD_CURVES[param_id]
        pw = hashlib.sha1(password).digest() if ref == 1 else password
        k_pi = kdf(pw, 3, cipher, bits)
        mse = tlv(0x80, oid_bytes(oid)) + tlv(0x83, bytes([ref]))
        if send_param_id:
            mse += tlv(0x84, bytes([param_id]))
        self.sm = None
        _, sw = self.send(0x00, 0x22, 0xC1, 0xA4, mse)
        if sw != 0x9000:
            return sw
        data, sw = self.send(0x10, 0x86, 0, 0, tlv(0x7C, b""), 256)
        if sw != 0x9000:
            return sw
        z = dict(tlvs(dict(tlvs(data))[0x7C]))[0x80]
        s = (tdes if cipher == "3DES" else aes)(k_pi, z, decrypt=True)
        sk_map = map_key or int.from_bytes(os.urandom(curve.size + 8), "big") % (curve.n - 1) + 1
        pk_map = ec_mul(curve, sk_map, curve.g)
        data, sw = self.send(0x10, 0x86, 0, 0, tlv(0x7C, tlv(0x81, enc_point(curve, pk_map))), 256)
        if sw != 0x9000:
            return sw
        pk_map_ic = dec_point(curve, dict(tlvs(dict(tlvs(data))[0x7C]))[0x82])
        h = ec_mul(curve, sk_map, pk_map_ic)
        g2 = ec_add(curve, ec_mul(curve, int.from_bytes(s, "big"), curve.g), h)
        self.last_h, self.last_g = h, g2
        sk = eph_key or int.from_bytes(os.urandom(curve.size + 8), "big") % (curve.n - 1) + 1
        pk_ifd = enc_point(curve, ec_mul(curve, sk, g2))
        data, sw = self.send(0x10, 0x86, 0, 0, tlv(0x7C, tlv(0x83, pk_ifd)), 256)
        if sw != 0x9000:
            return sw
        pk_ic = dict(tlvs(dict(tlvs(data))[0x7C]))[0x84]
        secret = ec_mul(curve, sk, dec_point(curve, pk_ic))[0].to_bytes(curve.size, "big")
        self.last_secret = secret
        ks_enc, ks_mac = kdf(secret, 1, cipher, bits), kdf(secret, 2, cipher, bits)

        def token(pk: bytes) -> bytes:
            body = tlv(0x7F49, tlv(0x06, oid_bytes(oid)) + tlv(0x86, pk))
            return retail_mac(ks_mac, pad(body, 8)) if cipher == "3DES" else cmac8(ks_mac, body)

        data, sw = self.send(0x00, 0x86, 0, 0, tlv(0x7C, tlv(0x85, token(pk_ic))), 256)
        if sw != 0x9000:
            return sw
        assert dict(tlvs(dict(tlvs(data))[0x7C]))[0x86] == token(pk_ifd), "chip token wrong"
        self.sm = SM(cipher, ks_enc, ks_mac, 0)
        return sw
