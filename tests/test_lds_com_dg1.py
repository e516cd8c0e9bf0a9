"""EF.COM and DG1: the Doc 9303 samples, the MRZ line splitting for every format, and DG1 through
the project's MRZ engine."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from lds_samples import BSI_DG1, BSI_SOD, DG1_PART4_TD3, DG1_PART10_A21_TD1, EF_COM_APPENDIX_D, dg1

from gateway.nfc.lds import DG1, LDSError, LDSTagError, dg1_to_mrz_result, parse_com, parse_dg1, parse_sod, split_mrz
from gateway.nfc.tlv import encode

TD1 = ["I<UTOD23145890<1233<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<2", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"]
TD2 = ["I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6"]
TD3 = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]
GERMAN_ID = ["IDD<<T220001293<<<<<<<<<<<<<<<", "6408125<2010315D<<<<<<<<<<<<<4", "MUSTERMANN<<ERIKA<<<<<<<<<<<<<"]


def test_ef_com_of_appendix_d():
    com = parse_com(EF_COM_APPENDIX_D)
    assert (com.lds_version, com.unicode_version) == ("0106", "040000")
    assert com.tags == (0x61, 0x75) and com.data_groups == (1, 2) and com.unknown_tags == ()


def test_ef_com_all_data_groups_and_unknown_tag():
    tags = bytes([0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70])
    value = encode(0x5F01, b"0108") + encode(0x5F36, b"040000") + encode(0x5C, tags + b"\x5f\x20")
    com = parse_com(encode(0x60, value))
    assert com.data_groups == tuple(range(1, 17)) and com.unknown_tags == (0x5F20,)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (encode(0x61, b""), "outer tag is 61, expected 60"),
        (encode(0x60, encode(0x5F01, b"0106") + encode(0x5C, b"\x61")), "missing 5F36"),
        (encode(0x60, encode(0x5F01, b"01x6") + encode(0x5F36, b"040000") + encode(0x5C, b"")), "4 ASCII digits"),
        (encode(0x60, encode(0x5F01, b"0106") + encode(0x5F36, b"040000") + encode(0x5C, b"\x5f")), "two-byte tag"),
        (EF_COM_APPENDIX_D[:-1], "declares 20 bytes, 19 present"),
        (EF_COM_APPENDIX_D + b"\x01", "1 bytes after the outer object"),
    ],
)
def test_ef_com_malformed(data, message):
    with pytest.raises(LDSError, match=message):
        parse_com(data)


@pytest.mark.parametrize(("lines", "fmt"), [(TD1, "TD1"), (TD2, "TD2"), (TD3, "TD3"), (GERMAN_ID, "TD1")])
def test_mrz_line_splitting(lines, fmt):
    parsed = parse_dg1(dg1(lines))
    assert parsed == DG1(fmt, tuple(lines))
    assert parsed.text == "\n".join(lines)
    assert "ERIKSSON" not in repr(parsed) and "MUSTERMANN" not in repr(parsed)


def test_split_mrz_lengths():
    assert split_mrz(b"<" * 90)[1] == ("<" * 30,) * 3
    assert split_mrz(b"<" * 72)[1] == ("<" * 36,) * 2
    assert split_mrz(b"<" * 88)[1] == ("<" * 44,) * 2
    for bad in (0, 30, 89, 91, 100):
        with pytest.raises(LDSError, match=f"MRZ has {bad} characters"):
            split_mrz(b"<" * bad)


def test_dg1_public_samples_through_the_mrz_engine():
    bsi = dg1_to_mrz_result(BSI_DG1, today=dt.date(2015, 1, 1))
    assert bsi.format == "TD3" and bsi.valid and bsi.fields["document_number"] == "C11T002JM"
    # The same DG1 is what the BSI reference SOD signed:
    assert hashlib.sha256(BSI_DG1).digest() == parse_sod(BSI_SOD).dg_hashes[1]

    td3 = dg1_to_mrz_result(DG1_PART4_TD3, today=dt.date(2010, 1, 1))
    assert td3.valid and td3.fields["document_number"] == "L898902C3"

    # Doc 9303 Part 10 A.2.1's TD1 example carries composite check digit 4 where the 7-3-1 rule
    # gives 8: the chip MRZ goes through the same checks as a printed one, and the flaw shows.
    td1 = dg1_to_mrz_result(DG1_PART10_A21_TD1, today=dt.date(2010, 1, 1))
    assert td1.format == "TD1" and td1.fields["document_number"] == "XI85935F8"
    assert [e.field for e in td1.errors] == ["composite"]


def test_dg1_to_mrz_result_accepts_parsed_dg1():
    result = dg1_to_mrz_result(parse_dg1(dg1(TD2)), today=dt.date(2010, 1, 1))
    assert result.format == "TD2" and result.valid


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (encode(0x61, encode(0x5F20, b"x")), LDSError, "5F1F missing"),
        (encode(0x75, encode(0x5F1F, b"<" * 88)), LDSTagError, "expected 61"),
        (encode(0x61, encode(0x5F1F, b"<" * 87 + b"\n")), LDSError, "not printable ASCII"),
        (encode(0x61, encode(0x5F1F, b"<" * 87 + b"\xc4")), LDSError, "not printable ASCII"),
        (dg1(TD3)[:50], LDSError, "declares"),
    ],
)
def test_dg1_malformed(data, error, message):
    with pytest.raises(error, match=message):
        parse_dg1(data)


def test_dg1_engine_refusal_is_an_lds_error_without_the_mrz():
    lines = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<1a"]
    with pytest.raises(LDSError) as info:
        dg1_to_mrz_result(dg1(lines))
    assert "ERIKSSON" not in str(info.value) and "L898902C3" not in str(info.value)
