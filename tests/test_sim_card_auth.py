"""Virtual card, active authentication (RSA ISO/IEC 9796-2 and ECDSA) and chip authentication
(CAv1 by MSE:Set KAT and by MSE:Set AT + GENERAL AUTHENTICATE), verified with `cryptography`."""

from __future__ import annotations

import hashlib
import os

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from simulators.chip.card import VirtualCard
from simulators.chip.document import ChipDocument
from tests.sim_card_terminal import SM, H, Terminal, kdf, oid_bytes, tlv

MRZ_KEY = "L898902C<369080619406236"
EF_COM = H("60145F0104303130365F36063034303030305C026175")
CA_3DES = "0.4.0.127.0.7.2.2.3.2.1"
CA_AES128 = "0.4.0.127.0.7.2.2.3.2.2"
CA_AES256 = "0.4.0.127.0.7.2.2.3.2.4"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.BrainpoolP256R1())
CA_KEY = ec.generate_private_key(ec.BrainpoolP256R1())


def _card(**kwargs) -> VirtualCard:
    doc = ChipDocument(mrz_key=MRZ_KEY, app_files={0x011E: EF_COM, 0x0101: bytes(300)}, **kwargs)
    card = VirtualCard(doc)
    card.power_on()
    return card


def _bac(card: VirtualCard) -> Terminal:
    t = Terminal(card)
    assert t.select_app() == 0x9000
    assert t.bac(MRZ_KEY) == 0x9000
    return t


def _verify_9796_2(public: rsa.RSAPublicKey, challenge: bytes, signature: bytes, digest: str) -> None:
    numbers = public.public_numbers()
    k = (numbers.n.bit_length() + 7) // 8
    assert len(signature) == k
    f = pow(int.from_bytes(signature, "big"), numbers.e, numbers.n).to_bytes(k, "big")
    trailer = {"sha1": b"\xbc", "sha256": b"\x34\xcc"}[digest]
    hlen = hashlib.new(digest).digest_size
    assert f[0] == 0x6A and f.endswith(trailer)
    m1 = f[1 : k - hlen - len(trailer)]
    assert f[k - hlen - len(trailer) : k - len(trailer)] == hashlib.new(digest, m1 + challenge).digest()


@pytest.mark.parametrize("digest", [None, "sha1", "sha256"])
def test_active_authentication_rsa_iso9796_2(digest):
    card = _card(aa_private_key=RSA_KEY, aa_digest=digest)
    t = _bac(card)
    challenge = os.urandom(8)
    signature, sw = t.send(0x00, 0x88, 0, 0, challenge, 256)
    assert sw == 0x9000
    _verify_9796_2(RSA_KEY.public_key(), challenge, signature, digest or "sha1")
    # a different challenge does not verify against this signature
    with pytest.raises(AssertionError):
        _verify_9796_2(RSA_KEY.public_key(), os.urandom(8), signature, digest or "sha1")


def test_active_authentication_ecdsa_plain_signature():
    card = _card(aa_private_key=EC_KEY)
    t = _bac(card)
    challenge = os.urandom(8)
    signature, sw = t.send(0x00, 0x88, 0, 0, challenge, 256)
    assert sw == 0x9000 and len(signature) == 64
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    EC_KEY.public_key().verify(encode_dss_signature(r, s), challenge, ec.ECDSA(hashes.SHA256()))


def test_active_authentication_refusals():
    assert _card().transmit(H("00880000080102030405060708" "00")) == H("6D00")  # no AA key
    card = _card(aa_private_key=EC_KEY)
    assert card.transmit(H("00880000080102030405060708" "00")) == H("6982")  # needs SM
    t = _bac(card)
    assert t.send(0x00, 0x88, 0, 1, os.urandom(8), 256)[1] == 0x6A86


def _ca_keys(card_public: ec.EllipticCurvePublicKey, oid: str) -> tuple[bytes, SM]:
    eph = ec.generate_private_key(card_public.curve)
    secret = eph.exchange(ec.ECDH(), card_public)
    cipher, bits = ("3DES", 128) if oid.endswith(".1") else ("AES", 128 if oid.endswith(".2") else 256)
    point = eph.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return point, SM(cipher, kdf(secret, 1, cipher, bits), kdf(secret, 2, cipher, bits), 0)


def test_chip_authentication_set_kat_switches_to_new_3des_keys():
    card = _card(ca_private_key=CA_KEY, ca_protocol_oid=CA_3DES)
    t = _bac(card)
    point, new_sm = _ca_keys(CA_KEY.public_key(), CA_3DES)
    old_sm = t.sm
    assert t.send(0x00, 0x22, 0x41, 0xA6, tlv(0x91, point))[1] == 0x9000  # answered under old keys
    t.sm = new_sm
    assert t.read_file(0x011E) == EF_COM
    assert card.channel.ssc == t.sm.ssc
    t.sm = old_sm  # the BAC keys are dead now
    assert t.select_ef(0x011E) == 0x6988


@pytest.mark.parametrize("oid", [CA_AES128, CA_AES256])
def test_chip_authentication_set_at_and_general_authenticate_aes(oid):
    card = _card(ca_private_key=CA_KEY, ca_protocol_oid=oid, ca_key_id=7)
    t = _bac(card)
    point, new_sm = _ca_keys(CA_KEY.public_key(), oid)
    mse = tlv(0x80, oid_bytes(oid)) + tlv(0x84, b"\x07")
    assert t.send(0x00, 0x22, 0x41, 0xA4, mse)[1] == 0x9000
    assert t.send(0x00, 0x86, 0, 0, tlv(0x7C, tlv(0x80, point)), 256) == (H("7C00"), 0x9000)
    t.sm = new_sm
    assert t.read_file(0x011E) == EF_COM
    assert t.read_file(0x0101) == bytes(300)


def test_cloned_chip_is_caught_by_reading_on():
    # DG14 announces one key, the chip holds another: the terminal cannot read the card's next answer.
    announced = ec.generate_private_key(ec.BrainpoolP256R1()).public_key()
    card = _card(ca_private_key=CA_KEY, ca_protocol_oid=CA_AES128)
    t = _bac(card)
    point, new_sm = _ca_keys(announced, CA_AES128)
    assert t.send(0x00, 0x22, 0x41, 0xA4, tlv(0x80, oid_bytes(CA_AES128)))[1] == 0x9000
    assert t.send(0x00, 0x86, 0, 0, tlv(0x7C, tlv(0x80, point)), 256)[1] == 0x9000
    t.sm = new_sm
    # the card cannot verify the terminal's MAC: a plain 6988 instead of a protected answer
    assert card.transmit(t.sm.protect(0x00, 0xA4, 0x02, 0x0C, H("011E"))) == H("6988")


def test_chip_authentication_refusals():
    card = _card(ca_private_key=CA_KEY, ca_protocol_oid=CA_AES128, ca_key_id=1)
    point, _ = _ca_keys(CA_KEY.public_key(), CA_AES128)
    assert card.transmit(H("002241A6") + bytes([len(tlv(0x91, point))]) + tlv(0x91, point)) == H("6982")
    t = _bac(card)
    wrong_id = tlv(0x80, oid_bytes(CA_AES128)) + tlv(0x84, b"\x02")
    assert t.send(0x00, 0x22, 0x41, 0xA4, wrong_id)[1] == 0x6A88
    assert t.send(0x00, 0x22, 0x41, 0xA4, tlv(0x80, oid_bytes(CA_3DES)))[1] == 0x6A80
    bad_point = b"\x04" + bytes(64)
    assert t.send(0x00, 0x22, 0x41, 0xA6, tlv(0x91, bad_point))[1] == 0x6A80
    assert t.send(0x00, 0x22, 0x41, 0xA6, tlv(0x84, b"\x01"))[1] == 0x6A80  # no key
    # the session survived the refusals
    assert t.read_file(0x011E) == EF_COM
    assert _bac(_card()).send(0x00, 0x22, 0x41, 0xA6, tlv(0x91, point))[1] == 0x6985  # no CA key
