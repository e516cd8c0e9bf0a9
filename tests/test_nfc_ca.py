"""Chip authentication (Doc 9303 Part 11 §6.2): key agreement with the DG14 key, new session keys,
and the proof by reading on — against the simulator's VirtualCard, for 3DES (MSE:Set KAT) and AES
(MSE:Set AT + GENERAL AUTHENTICATE), with and without key ids; a cloned chip fails on the next read."""

from __future__ import annotations

import dataclasses

import pytest
from asn1crypto import core
from cryptography.hazmat.primitives.asymmetric import dh

from gateway.crypto import symmetric as crypto
from gateway.crypto.dh import GROUPS
from gateway.crypto.public_key import DHDomain, PublicKeyInfo
from gateway.nfc.apdu import ResponseAPDU
from gateway.nfc.lds.dg14 import parse_dg14
from gateway.nfc.lds.security_infos import (
    ChipAuthenticationInfo,
    ChipAuthenticationPublicKeyInfo,
    SecurityInfos,
)
from gateway.nfc.protocol.chip_authentication import (
    CAError,
    CARefused,
    ChipAuthentication,
    ChipAuthenticationStep,
    select_key,
)
from gateway.nfc.protocol.secure_messaging import SMSession
from simulators.chip.card_auth import chip_authenticate
from simulators.chip.document import dg_fid
from simulators.chip.lds_builder import build_document
from simulators.chip.pki import TestPKI
from simulators.chip.profile import load_profile
from tests.chip_read_helpers import read_with_steps


def _doc(protocol: str = "ecdh-aes-128", curve: str = "brainpoolP256r1", key_id: int | None = None,
         cloned: bool = False, explicit: bool = False):
    base = load_profile("fault-cloned-ca" if cloned else "td3-pace-bac-ca-aa")
    profile = dataclasses.replace(base, ca_protocol=protocol, ca_curve=curve, ca_key_id=key_id,
                                  explicit_ec_parameters=explicit)
    return build_document(profile, TestPKI.shared())


def _read(doc):
    return read_with_steps(doc, ChipAuthenticationStep.factory(), files=("EF.COM", "DG1", "DG2"))


@pytest.mark.parametrize(("protocol", "curve", "key_id", "commands"), [
    ("ecdh-aes-128", "brainpoolP256r1", None, [0x22, 0x86]),
    ("ecdh-aes-256", "p384", 7, [0x22, 0x86]),
    ("ecdh-aes-192", "p256", None, [0x22, 0x86]),
    ("ecdh-3des", "brainpoolP256r1", None, [0x22]),
    ("ecdh-3des", "p256", 3, [0x22]),
])
def test_chip_authentication_switches_to_working_keys(protocol, curve, key_id, commands) -> None:
    doc = _doc(protocol, curve, key_id)
    result, transport = _read(doc)
    outcome = result.steps["chip_authentication"]
    assert (outcome.passed, outcome.reason) == (True, "CA_VERIFIED")
    assert outcome.data["protocol"].startswith("id-CA-ECDH-" + ("3DES" if protocol.endswith("3des") else "AES"))
    # KAT for 3DES; Set AT + GENERAL AUTHENTICATE for AES - both under the PACE session (CLA 0C).
    assert [c[1] for c in transport.commands if c[0] == 0x0C and c[1] in (0x22, 0x86)] == commands
    # Every response after it MAC-verified under the new keys, in the same session: no access again.
    assert result.files["DG2"] == doc.app_files[dg_fid(2)] and result.stats.access_runs == 1


def test_new_session_starts_at_ssc_zero_with_kdf_keys() -> None:
    ca = ChipAuthentication.from_dg14(parse_dg14(_doc().app_files[dg_fid(14)]))
    assert ca.start().ins == 0x22
    assert ca.feed(ResponseAPDU.from_sw(0x9000)).ins == 0x86
    session = ca.feed(ResponseAPDU.from_sw(0x9000, b"\x7c\x00"))
    assert isinstance(session, SMSession) and session.cipher == "AES" and session.ssc == bytes(16)
    assert len(session.ks_enc) == len(session.ks_mac) == 16


def test_cloned_chip_fails_on_the_next_read() -> None:
    doc = _doc(cloned=True)
    result, _ = _read(doc)  # the clone happily answers the key agreement ...
    # ... but cannot speak with the keys DG14 implies: its next answer fails, the step fails, and
    # the read goes on in a fresh session so the verdict can weigh the rest.
    outcome = result.steps["chip_authentication"]
    assert (outcome.passed, outcome.reason) == (False, "CA_FAILED")
    assert result.stats.access_runs == 2
    assert result.files["DG2"] == doc.app_files[dg_fid(2)]


def test_explicit_curve_parameters_in_dg14() -> None:
    result, _ = _read(_doc(explicit=True))
    assert result.steps["chip_authentication"].reason == "CA_VERIFIED"


def test_refusal_is_reported() -> None:
    ca = ChipAuthentication.from_dg14(parse_dg14(_doc().app_files[dg_fid(14)]))
    ca.start()
    with pytest.raises(CARefused) as info:
        ca.feed(ResponseAPDU.from_sw(0x6A80))
    assert info.value.sw == 0x6A80
    assert ca.current_outcome().reason == "CA_REFUSED"


def test_protocol_is_never_guessed() -> None:
    infos = parse_dg14(_doc().app_files[dg_fid(14)])
    only_key = SecurityInfos(tuple(infos.chip_authentication_public_keys), infos.der)
    with pytest.raises(CAError, match="not guessed"):
        select_key(only_key)
    with pytest.raises(CAError):
        select_key(SecurityInfos((), b""))


def test_key_id_pairing() -> None:
    key = parse_dg14(_doc(key_id=5).app_files[dg_fid(14)]).chip_authentication_public_keys[0]
    other = dataclasses.replace(key, key_id=6)
    info5 = ChipAuthenticationInfo("0.4.0.127.0.7.2.2.3.2.2", 1, 5, "ECDH", "AES-128")
    info6 = ChipAuthenticationInfo("0.4.0.127.0.7.2.2.3.2.4", 1, 6, "ECDH", "AES-256")
    infos = SecurityInfos((info6, info5, other, key), b"")
    assert select_key(infos, 5) == (info5, key)
    assert select_key(infos, 6) == (info6, other)
    assert select_key(infos)[0] is info6


@pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning")
def test_dh_key_agreement_matches_the_chip_side() -> None:
    """DH chip authentication (no DH profile in the simulator): our side vs the simulator's
    chip-side key agreement on RFC 5114 group 2048/224 (standardized id 1)."""
    group = GROUPS[1]
    numbers = dh.DHParameterNumbers(group.p, group.g, group.q)
    chip_key = numbers.parameters().generate_private_key()
    y = chip_key.public_key().public_numbers().y
    public = PublicKeyInfo("1.2.840.10046.2.1", "DH", b"", core.Integer(y).dump(),
                           dh_domain=DHDomain(group.p, group.g, group.q))
    for suffix, cipher in (("1", "3DES"), ("2", "AES-128")):
        info = ChipAuthenticationInfo(f"0.4.0.127.0.7.2.2.3.1.{suffix}", 1, None, "DH", cipher)
        pk = ChipAuthenticationPublicKeyInfo("0.4.0.127.0.7.2.2.1.1", "DH", public, None)
        ca = ChipAuthentication(info, pk)
        cmd = ca.start()
        terminal_public = ca.terminal_public
        assert len(terminal_public) == group.size
        if cipher == "3DES":
            session = ca.feed(ResponseAPDU.from_sw(0x9000))
        else:
            assert ca.feed(ResponseAPDU.from_sw(0x9000)).ins == 0x86
            session = ca.feed(ResponseAPDU.from_sw(0x9000, b"\x7c\x00"))
        assert isinstance(session, SMSession) and cmd.ins == 0x22
        channel = chip_authenticate(chip_key, terminal_public, info.protocol)
        assert channel.ks_enc == session.ks_enc and channel.ks_mac == session.ks_mac
        assert session.cipher == ("3DES" if cipher == "3DES" else "AES")
    assert crypto.block_size("AES") == 16
