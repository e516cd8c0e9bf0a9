"""ICAO Doc 9303 Part 11 Appendix D: BAC and 3DES secure messaging, byte for byte."""

from __future__ import annotations

import pytest

from gateway.crypto import symmetric as crypto
from gateway.nfc.apdu import ResponseAPDU, read_binary, select_file
from gateway.nfc.bac import BAC, BACError, check_digit, derive_basic_keys, key_seed, mrz_information
from gateway.nfc.sm import SMSession
from gateway.nfc.status import AuthenticationFailed

H = bytes.fromhex
MRZ_INFO = "L898902C<369080619406236"
RND_IC = H("4608F91988702212")
RND_IFD = H("781723860C06C226")
K_IFD = H("0B795240CB7049B01C19B33E32804F0B")
CHIP_RESPONSE = H("46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449")


def test_mrz_information_and_basic_keys():
    assert mrz_information("L898902C", "690806", "940623") == MRZ_INFO
    assert check_digit("L898902C<") == "3"
    assert key_seed(MRZ_INFO) == H("239AB9CB282DAF66231DC5A4DF6BFBAE")
    k_enc, k_mac = derive_basic_keys(MRZ_INFO)
    assert k_enc == H("AB94FDECF2674FDFB9B391F85D7F76F2")
    assert k_mac == H("7962D9ECE03D1ACD4C76089DCE131543")


def _bac() -> BAC:
    return BAC.from_mrz("L898902C<", "690806", "940623", rnd_ifd=RND_IFD, k_ifd=K_IFD)


def _session() -> SMSession:
    bac = _bac()
    bac.start()
    bac.feed(RND_IC + b"\x90\x00")
    session = bac.feed(CHIP_RESPONSE + b"\x90\x00")
    assert isinstance(session, SMSession)
    return session


def test_bac_commands_and_session_keys():
    bac = _bac()
    assert bac.start().encode() == H("0084000008")
    cmd = bac.feed(ResponseAPDU(RND_IC, 0x90, 0x00))
    e_ifd = H("72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2")
    m_ifd = H("5F1448EEA8AD90A7")
    assert cmd.encode() == H("0082000028") + e_ifd + m_ifd + H("28")
    session = bac.feed(CHIP_RESPONSE + b"\x90\x00")
    assert bac.done
    assert isinstance(session, SMSession)
    k_ic = crypto.cbc_decrypt("3DES", bac.k_enc, CHIP_RESPONSE[:32])[16:]
    assert k_ic == H("0B4F80323EB3191CB04970CB4052790B")
    assert session.cipher == "3DES"
    assert session.ks_enc == H("979EC13B1CBFE9DCD01AB0FED307EAE5")
    assert session.ks_mac == H("F1CB1F1FB5ADF208806B89DC579DC1F8")
    assert session.ssc == H("887022120C06C226")


def test_secure_messaging_worked_example():
    s = _session()
    assert s.wrap(select_file(0x011E)).encode() == H("0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800")
    r = s.unwrap(H("990290008E08FA855A5D4C50A8ED9000"))
    assert (r.data, r.sw) == (b"", 0x9000)

    assert s.wrap(read_binary(0, 4)).encode() == H("0CB000000D9701048E08ED6705417E96BA5500")
    r = s.unwrap(H("8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000"))
    assert (r.data, r.sw) == (H("60145F01"), 0x9000)

    assert s.wrap(read_binary(4, 0x12)).encode() == H("0CB000040D9701128E082EA28A70F3C7B53500")
    r = s.unwrap(H("871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D749000"))
    assert r.sw == 0x9000
    assert H("60145F01") + r.data == H("60145F0104303130365F36063034303030305C026175")
    assert s.trusted


def test_wrong_chip_mac_is_rejected():
    bac = _bac()
    bac.start()
    bac.feed(RND_IC + b"\x90\x00")
    bad = bytearray(CHIP_RESPONSE)
    bad[-1] ^= 1
    with pytest.raises(BACError, match="MAC"):
        bac.feed(bytes(bad) + b"\x90\x00")
    assert not bac.done


def test_wrong_rnd_ifd_echo_is_rejected():
    # Same chip answer, but we claim to have sent another RND.IFD: the echo check must fail.
    bac = BAC.from_mrz("L898902C<", "690806", "940623", rnd_ifd=bytes(8), k_ifd=K_IFD)
    bac.start()
    bac.feed(RND_IC + b"\x90\x00")
    with pytest.raises(BACError, match=r"RND\.IFD"):
        bac.feed(CHIP_RESPONSE + b"\x90\x00")


def test_chip_refusal_is_an_authentication_error_without_personal_data():
    bac = _bac()
    bac.start()
    bac.feed(RND_IC + b"\x90\x00")
    with pytest.raises(AuthenticationFailed) as info:
        bac.feed(H("6300"))
    assert "L898902C" not in str(info.value)
    assert "6300" in str(info.value)


def test_bad_challenge_length_and_state_misuse():
    bac = _bac()
    bac.start()
    with pytest.raises(BACError):
        bac.feed(H("01029000"))
    with pytest.raises(BACError):
        bac.feed(RND_IC + b"\x90\x00")  # failed machine accepts nothing more
    with pytest.raises(BACError):
        _bac().feed(RND_IC + b"\x90\x00")  # not started
