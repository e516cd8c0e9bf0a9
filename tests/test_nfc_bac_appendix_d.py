"""ICAO Doc 9303 Part 11 Appendix D: BAC and 3DES secure messaging, byte for byte, from the vector file."""

from __future__ import annotations

import pytest

from gateway.crypto import symmetric as crypto
from gateway.mrz.charset import check_digit_char
from gateway.nfc.access_key import MRZKey, mrz_information
from gateway.nfc.apdu import ResponseAPDU, read_binary, select_file
from gateway.nfc.protocol.bac import BAC, BACError, derive_basic_keys, key_seed
from gateway.nfc.protocol.secure_messaging import SMSession
from gateway.nfc.randomness import ScriptedRandom
from gateway.nfc.status import AuthenticationFailed
from tests.vectors import APPENDIX_D, load

D = load(APPENDIX_D)
MRZ_INFO = D.get("mrz.information")


def test_mrz_information_and_basic_keys():
    assert mrz_information(D.get("mrz.document_number"), D.get("mrz.date_of_birth"),
                           D.get("mrz.date_of_expiry")) == MRZ_INFO
    assert check_digit_char(D.get("mrz.document_number")) == D.get("mrz.check_digit_document_number")
    assert key_seed(MRZ_INFO) == D.bytes("keys.kseed")
    k_enc, k_mac = derive_basic_keys(MRZ_INFO)
    assert (k_enc, k_mac) == (D.bytes("keys.kenc"), D.bytes("keys.kmac"))


def _bac(rnd_ifd: bytes | None = None) -> BAC:
    random = ScriptedRandom([rnd_ifd or D.bytes("terminal.rnd_ifd"), D.bytes("terminal.k_ifd")])
    key = MRZKey(D.get("mrz.document_number"), D.get("mrz.date_of_birth"), D.get("mrz.date_of_expiry"))
    return BAC(*derive_basic_keys(key.information), random=random)


def _session() -> SMSession:
    bac = _bac()
    bac.start()
    bac.feed(D.bytes("chip.rnd_ic") + b"\x90\x00")
    session = bac.feed(D.bytes("chip.response") + b"\x90\x00")
    assert isinstance(session, SMSession)
    return session


def test_bac_commands_and_session_keys():
    bac = _bac()
    transcript = D.transcript()
    assert bac.start().encode() == transcript[1][0]
    cmd = bac.feed(ResponseAPDU.decode(transcript[1][1]))
    assert cmd.encode() == transcript[2][0]
    assert cmd.data == D.bytes("terminal.eifd") + D.bytes("terminal.mifd")
    session = bac.feed(transcript[2][1])
    assert bac.done and isinstance(session, SMSession)
    assert crypto.cbc_decrypt("3DES", bac.k_enc, D.bytes("chip.response")[:32])[16:] == D.bytes("chip.k_ic")
    assert session.cipher == "3DES"
    assert (session.ks_enc, session.ks_mac, session.ssc) == (
        D.bytes("session.ks_enc"), D.bytes("session.ks_mac"), D.bytes("session.ssc"))


def test_secure_messaging_worked_example():
    s = _session()
    steps = D.transcript()[3:]
    commands = [select_file(0x011E), read_binary(0, 4), read_binary(4, 0x12)]
    data = b""
    for command, (wire_command, wire_response) in zip(commands, steps, strict=True):
        assert s.wrap(command).encode() == wire_command
        r = s.unwrap(wire_response)
        assert r.sw == 0x9000
        data += r.data
    assert data == D.bytes("files.ef_com")
    assert s.trusted and not s.quirks


def test_wrong_chip_mac_is_rejected():
    bac = _bac()
    bac.start()
    bac.feed(D.bytes("chip.rnd_ic") + b"\x90\x00")
    bad = bytearray(D.bytes("chip.response"))
    bad[-1] ^= 1
    with pytest.raises(BACError, match="MAC"):
        bac.feed(bytes(bad) + b"\x90\x00")
    assert not bac.done


def test_wrong_rnd_ifd_echo_is_rejected():
    # Same chip answer, but we claim to have sent another RND.IFD: the echo check must fail.
    bac = _bac(rnd_ifd=bytes(8))
    bac.start()
    bac.feed(D.bytes("chip.rnd_ic") + b"\x90\x00")
    with pytest.raises(BACError, match=r"RND\.IFD"):
        bac.feed(D.bytes("chip.response") + b"\x90\x00")


def test_chip_refusal_is_an_authentication_error_without_personal_data():
    bac = _bac()
    bac.start()
    bac.feed(D.bytes("chip.rnd_ic") + b"\x90\x00")
    with pytest.raises(AuthenticationFailed) as info:
        bac.feed(bytes.fromhex("6300"))
    assert "L898902C" not in str(info.value)
    assert "6300" in str(info.value)


def test_bad_challenge_length_and_state_misuse():
    bac = _bac()
    bac.start()
    with pytest.raises(BACError):
        bac.feed(bytes.fromhex("01029000"))
    with pytest.raises(BACError):
        bac.feed(D.bytes("chip.rnd_ic") + b"\x90\x00")  # failed machine accepts nothing more
    with pytest.raises(BACError):
        _bac().feed(D.bytes("chip.rnd_ic") + b"\x90\x00")  # not started


def test_scripted_random_refuses_a_wrong_script():
    with pytest.raises(LookupError):
        BAC(bytes(16), bytes(16), random=ScriptedRandom([bytes(16)]))  # RND.IFD is 8 bytes
    with pytest.raises(LookupError):
        BAC(bytes(16), bytes(16), random=ScriptedRandom([bytes(8)]))  # K.IFD missing
