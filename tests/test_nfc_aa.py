"""Active authentication (Doc 9303 Part 11 §6.1): ISO/IEC 9796-2 scheme 1 and plain ECDSA, checked
against the simulator's chip-side signer (written independently) and against the VirtualCard."""

from __future__ import annotations

import hashlib
import os

import pytest

from gateway.crypto.public_key import parse_spki_der
from gateway.nfc.apdu import ResponseAPDU
from gateway.nfc.lds.security_infos import ActiveAuthenticationInfo
from gateway.nfc.protocol.active_authentication import (
    AAError,
    ActiveAuthentication,
    ActiveAuthenticationStep,
    verify_response,
    verify_rsa_9796_2,
)
from gateway.nfc.randomness import ScriptedRandom
from simulators.chip.card_auth import active_authenticate
from simulators.chip.keys import derive_ec_key, derive_rsa_key
from simulators.chip.security_infos import spki_der
from tests.chip_read_helpers import read_with_steps
from tests.verify_support import document

CHALLENGE = bytes.fromhex("0123456789ABCDEF")


@pytest.fixture(scope="module")
def rsa_key():
    return derive_rsa_key("aa-test-rsa", 1024)


@pytest.mark.parametrize("digest", ["sha1", "sha224", "sha256", "sha384", "sha512"])
def test_rsa_9796_2_every_trailer(rsa_key, digest: str) -> None:
    sig = active_authenticate(rsa_key, CHALLENGE, digest, os.urandom)
    info = parse_spki_der(spki_der(rsa_key.public_key()))
    result = verify_response(info, CHALLENGE, sig)
    assert result.verified and digest in result.algorithm
    assert verify_response(info, CHALLENGE[::-1], sig).reason == "AA_SIGNATURE_INVALID"
    assert verify_response(info, CHALLENGE, sig[:-1] + bytes([sig[-1] ^ 1])).reason == "AA_SIGNATURE_INVALID"


def _raw_sign(key, f: bytes) -> bytes:
    n = key.private_numbers().public_numbers.n
    d = key.private_numbers().d
    return pow(int.from_bytes(f, "big"), d, n).to_bytes((n.bit_length() + 7) // 8, "big")


def test_rsa_9796_2_structure_is_enforced(rsa_key) -> None:
    public = rsa_key.public_key()
    k = (public.key_size + 7) // 8
    m1 = os.urandom(k - 20 - 2)
    good = b"\x6a" + m1 + hashlib.sha1(m1 + CHALLENGE).digest() + b"\xbc"
    assert verify_rsa_9796_2(public, CHALLENGE, _raw_sign(rsa_key, good)) == (True, "sha1")
    # The alternative representative n - J^d (ISO/IEC 9796-2 lets the signer send the smaller one).
    n = public.public_numbers().n
    alt = (n - int.from_bytes(_raw_sign(rsa_key, good), "big")).to_bytes(k, "big")
    assert verify_rsa_9796_2(public, CHALLENGE, alt)[0]
    total_recovery = b"\x4a" + good[1:]
    assert not verify_rsa_9796_2(public, CHALLENGE, _raw_sign(rsa_key, total_recovery))[0]
    unknown_trailer = good[:-2] + b"\x99\xcc"
    assert not verify_rsa_9796_2(public, CHALLENGE, _raw_sign(rsa_key, unknown_trailer))[0]
    assert not verify_rsa_9796_2(public, CHALLENGE, b"")[0]
    assert not verify_rsa_9796_2(public, CHALLENGE, b"\xff" * (k + 1))[0]


@pytest.mark.parametrize("curve", ["p256", "brainpoolP256r1", "brainpoolP384r1"])
@pytest.mark.parametrize("explicit", [False, True])
def test_ecdsa_plain_with_and_without_aa_info(curve: str, explicit: bool) -> None:
    key = derive_ec_key(f"aa-test-{curve}", curve)
    info = parse_spki_der(spki_der(key.public_key(), explicit))
    default = "sha384" if curve.endswith("384r1") else "sha256"
    sig = active_authenticate(key, CHALLENGE, default, os.urandom)
    # No ActiveAuthenticationInfo: hash chosen by key size.
    assert verify_response(info, CHALLENGE, sig).verified
    aa_info = ActiveAuthenticationInfo("2.23.136.1.1.5", 1, "0.4.0.127.0.7.1.1.4.1.3")
    sig256 = active_authenticate(key, CHALLENGE, "sha256", os.urandom)
    assert verify_response(info, CHALLENGE, sig256, aa_info).verified
    assert verify_response(info, os.urandom(8), sig256, aa_info).reason == "AA_SIGNATURE_INVALID"
    unknown = ActiveAuthenticationInfo("2.23.136.1.1.5", 1, "1.2.3.4")
    assert verify_response(info, CHALLENGE, sig256, unknown).reason == "AA_UNSUPPORTED"


def test_state_machine_and_refusal(rsa_key) -> None:
    info = parse_spki_der(spki_der(rsa_key.public_key()))
    aa = ActiveAuthentication(info, random=ScriptedRandom([CHALLENGE]))
    cmd = aa.start()
    assert (cmd.cla, cmd.ins, cmd.p1, cmd.p2, cmd.data) == (0x00, 0x88, 0x00, 0x00, CHALLENGE)
    with pytest.raises(AAError):
        aa.start()
    result = aa.feed(ResponseAPDU.from_sw(0x6985))
    assert result.reason == "AA_REFUSED" and "6985" in result.detail
    with pytest.raises(AAError):
        aa.feed(ResponseAPDU.from_sw(0x9000, b"\x01"))
    assert len(ActiveAuthentication(info).challenge) == 8
    with pytest.raises(LookupError):  # a script that does not fit the protocol is refused, not used
        ActiveAuthentication(info, random=ScriptedRandom([b"short"]))


@pytest.mark.parametrize(("profile", "expected"), [
    ("td3-pace-bac-ca-aa", "AA_VERIFIED"),  # RSA, 9796-2 with SHA-1
    ("td3-ecdsa-aa-p256", "AA_VERIFIED"),  # ECDSA P-256, hash from DG14 ActiveAuthenticationInfo
    ("td3-explicit-ec-params", "AA_VERIFIED"),  # ECDSA brainpoolP256r1 with explicit parameters
    ("fault-cloned-aa", "AA_SIGNATURE_INVALID"),  # the card's key is not DG15's
])
def test_against_the_virtual_card(profile: str, expected: str) -> None:
    result, transport = read_with_steps(document(profile), ActiveAuthenticationStep.factory(),
                                        files=("EF.COM", "DG1"))
    assert result.steps["active_authentication"].reason == expected
    assert any(c[:2] == b"\x0c\x88" for c in transport.commands)  # INTERNAL AUTHENTICATE under SM
    assert {"DG14", "DG15"} <= set(result.files)
