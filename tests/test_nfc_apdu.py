"""APDU encoding (short and extended), command constructors, status words, and parsers that
must only ever raise their documented errors on hostile bytes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.nfc import apdu, status, tlv
from gateway.nfc.apdu import APDUError, CommandAPDU, ResponseAPDU

H = bytes.fromhex


@pytest.mark.parametrize(
    ("cmd", "encoded"),
    [
        (CommandAPDU(0x00, 0xB0, 0, 0), "00B00000"),  # case 1
        (CommandAPDU(0x00, 0xB0, 0, 0, le=256), "00B0000000"),  # case 2S, Le=256 → 00
        (CommandAPDU(0x00, 0xB0, 0, 0, le=4), "00B0000004"),
        (CommandAPDU(0x00, 0xA4, 2, 0x0C, H("011E")), "00A4020C02011E"),  # case 3S
        (CommandAPDU(0x00, 0x88, 0, 0, H("0102"), 256), "008800000201020 0".replace(" ", "")),  # 4S
        (CommandAPDU(0x00, 0xB0, 0, 0, le=65536), "00B00000000000"),  # case 2E, 65536 → 0000
        (CommandAPDU(0x00, 0xB0, 0, 0, le=257), "00B00000000101"),
        (CommandAPDU(0x00, 0xB0, 0, 0, le=200, extended=True), "00B000000000C8"),
        (CommandAPDU(0x00, 0xD6, 0, 0, bytes(256)), "00D60000000100" + "00" * 256),  # case 3E
        (CommandAPDU(0x00, 0xD6, 0, 0, H("AA"), 65536, extended=True), "00D6000000" + "0001AA0000"),  # 4E
    ],
)
def test_encode_and_decode_all_cases(cmd: CommandAPDU, encoded: str):
    assert cmd.encode() == H(encoded)
    back = CommandAPDU.decode(H(encoded))
    assert (back.cla, back.ins, back.p1, back.p2, back.data, back.le) == (
        cmd.cla,
        cmd.ins,
        cmd.p1,
        cmd.p2,
        cmd.data,
        cmd.le,
    )
    assert back.encode() == H(encoded)


def test_invalid_fields_raise_apdu_error():
    for kwargs in ({"le": 0}, {"le": 65537}, {"data": bytes(300), "extended": False}):
        with pytest.raises(APDUError):
            CommandAPDU(0, 0xB0, 0, 0, **kwargs)
    with pytest.raises(APDUError):
        CommandAPDU(0x100, 0xB0, 0, 0)
    with pytest.raises(APDUError):
        ResponseAPDU.decode(b"\x90")
    with pytest.raises(APDUError):
        apdu.read_binary(0x8000, 1)
    with pytest.raises(APDUError):
        apdu.read_binary_sfi(31, 0, 1)


def test_constructors():
    assert apdu.select_aid().encode() == H("00A4040C07A0000002471001")
    assert apdu.select_file(0x011E).encode() == H("00A4020C02011E")
    assert apdu.select_master_file().encode() == H("00A4000C023F00")
    assert apdu.read_binary(0x1234, 0xDF).encode() == H("00B01234DF")
    assert apdu.read_binary_sfi(0x1E, 0, 256).encode() == H("00B09E0000")
    assert apdu.read_binary_odd(0x8000, 0x100).encode() == H("00B100000454028000" + "00")
    assert apdu.read_binary_odd(0, 0x10).data == H("540100")
    assert apdu.read_binary_odd(0x10000, 0x10000).encode() == H("00B10000" + "000005" + "5403010000" + "0000")
    assert apdu.get_challenge().encode() == H("0084000008")
    assert apdu.internal_authenticate(H("0011223344556677")).encode() == H("0088000008001122334455667700")
    assert apdu.mse_set_at(H("04007F00070202040202"), key_reference=1, parameter_id=13).encode() == H(
        "0022C1A412800A04007F0007020204020283010184010D"
    )
    assert apdu.mse_set_kat(H("04AABB"), key_id=1).encode() == H("002241A608910304AABB840101")
    assert apdu.general_authenticate(b"", last=False).encode() == H("10860000027C0000")
    assert apdu.general_authenticate(H("8508C2B0BD78D94BA866"), last=True).encode() == H(
        "008600000C7C0A8508C2B0BD78D94BA86600"
    )
    big = apdu.general_authenticate(tlv.encode(0x81, bytes(256)), last=False)
    assert big.is_extended and big.encode()[-2:] == b"\x00\x00"


def test_odd_read_unwrap():
    assert apdu.unwrap_odd_read(H("5303010203")) == H("010203")
    assert apdu.unwrap_odd_read(H("53820100") + bytes(256)) == bytes(256)
    with pytest.raises(APDUError):
        apdu.unwrap_odd_read(H("5403010203"))
    with pytest.raises(APDUError):
        apdu.unwrap_odd_read(H("530501"))


def test_response_apdu():
    r = ResponseAPDU.decode(H("01029000"))
    assert (r.data, r.sw, r.ok) == (H("0102"), 0x9000, True)
    assert r.check() is r
    with pytest.raises(status.FileNotFound):
        ResponseAPDU.decode(H("6A82")).check()
    eof = ResponseAPDU.decode(H("AA6282"))
    assert eof.check(allow_end_of_file=True).data == H("AA")
    with pytest.raises(status.EndOfFileReached):
        eof.check()


@pytest.mark.parametrize(
    ("sw", "cls", "group"),
    [
        (0x6982, status.SecurityStatusNotSatisfied, status.SecurityError),
        (0x6987, status.SMObjectsMissing, status.SecurityError),
        (0x6988, status.SMObjectsIncorrect, status.SecurityError),
        (0x6700, status.WrongLength, status.LengthRefused),
        (0x6C10, status.WrongLe, status.LengthRefused),
        (0x6282, status.EndOfFileReached, status.LengthRefused),
        (0x6B00, status.OffsetOutOfRange, status.LengthRefused),
        (0x6A82, status.FileNotFound, status.NotFound),
        (0x6A88, status.ReferencedDataNotFound, status.NotFound),
        (0x6D00, status.InsNotSupported, status.NotSupported),
        (0x6E00, status.ClaNotSupported, status.NotSupported),
        (0x6300, status.AuthenticationFailed, status.SecurityError),
        (0x63C2, status.AuthenticationFailed, status.SecurityError),
        (0x6A80, status.WrongData, status.CardError),
        (0x6F00, status.NoPreciseDiagnosis, status.CardError),
        (0x1234, status.NoPreciseDiagnosis, status.CardError),
    ],
)
def test_status_words_map_to_the_exception_hierarchy(sw: int, cls: type, group: type):
    err = status.error_for(sw)
    assert type(err) is cls and isinstance(err, group) and isinstance(err, status.ChipError)
    assert err.sw == sw and f"{sw:04X}" in str(err) and err.message


def test_status_details():
    assert status.error_for(0x9000) is None
    wrong_le = status.error_for(0x6C10)
    assert isinstance(wrong_le, status.WrongLe) and wrong_le.available == 0x10
    tries = status.error_for(0x63C2)
    assert isinstance(tries, status.AuthenticationFailed) and tries.retries_left == 2
    assert status.error_for(0x6300).retries_left is None  # type: ignore[union-attr]
    assert "2 tries left" in status.status_message(0x63C2)
    assert status.status_message(0x6104) == "4 more response bytes available"


@settings(max_examples=500, deadline=None)
@given(raw=st.binary(max_size=300))
def test_command_decoder_raises_only_apdu_error(raw: bytes):
    try:
        cmd = CommandAPDU.decode(raw)
    except APDUError:
        return
    assert cmd.encode() == raw  # whatever it accepts, it re-encodes identically


@settings(max_examples=300, deadline=None)
@given(
    cla=st.integers(0, 255),
    data=st.binary(max_size=600),
    le=st.none() | st.integers(1, 65536),
    extended=st.none() | st.booleans(),
)
def test_command_round_trip(cla: int, data: bytes, le: int | None, extended: bool | None):
    try:
        cmd = CommandAPDU(cla, 0xB0, 1, 2, data, le, extended)
    except APDUError:
        assert extended is False and (len(data) > 255 or (le or 0) > 256)
        return
    back = CommandAPDU.decode(cmd.encode())
    framed = bool(data) or le is not None  # a case-1 APDU looks the same short or extended
    assert (back.data, back.le, back.is_extended) == (data, le, cmd.is_extended and framed)


@settings(max_examples=500, deadline=None)
@given(raw=st.binary(max_size=200))
def test_tlv_parser_raises_only_tlv_error(raw: bytes):
    try:
        objs = tlv.parse_all(raw)
        for obj in objs:
            if obj.constructed:
                obj.children()
    except tlv.TLVError as exc:
        assert raw.hex() not in str(exc) or not raw
