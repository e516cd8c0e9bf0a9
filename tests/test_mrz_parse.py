"""MRZ parsing and validation on the ICAO and national specimens, every format and every check."""

from __future__ import annotations

import datetime as dt

import pytest

from gateway.mrz import MRZError, build_mrz, check, check_digit, parse

TODAY = dt.date(2026, 11, 22)

TD3 = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]
TD2 = ["I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6"]
TD1_LONG = ["I<UTOD23145890<1233<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<2", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"]
DE_ID = ["IDD<<T220001293<<<<<<<<<<<<<<<", "6408125<2010315D<<<<<<<<<<<<<4", "MUSTERMANN<<ERIKA<<<<<<<<<<<<<"]
# Doc 9303 Part 7 visa specimens.
MRVA = ["V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L8988901C4XXX4009078F96121096ZE184226B<<<<<<"]
MRVB = ["V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "L8988901C4XXX4009078F9612109<<<<<<<<"]


def test_check_digit_worked_examples() -> None:
    # Doc 9303 Part 3 4.9 example and the specimen fields.
    assert check_digit("520727") == 3
    assert check_digit("L898902C3") == 6
    assert check_digit("<<<<<<<<<<<<<<") == 0
    assert check_digit("D23145890123") == 3


def test_td3_specimen() -> None:
    r = parse(TD3, today=TODAY)
    assert r.format == "TD3" and r.valid
    assert r.fields == {
        "document_code": "P",
        "issuing_state": "UTO",
        "document_number": "L898902C3",
        "primary_identifier": "ERIKSSON",
        "secondary_identifier": "ANNA MARIA",
        "nationality": "UTO",
        "birth_date": "1974-08-12",
        "sex": "F",
        "expiry_date": "2012-04-15",
        "optional_data": "ZE184226B",
        "optional_data_2": None,
    }
    assert r.checks == {
        "document_number": "ok", "birth_date": "ok", "expiry_date": "ok", "optional_data": "ok", "composite": "ok",
    }
    assert [w.code for w in r.warnings] == ["expired"]


def test_td2_specimen() -> None:
    r = parse(TD2, today=TODAY)
    assert r.format == "TD2" and r.valid
    assert r.fields["document_number"] == "D23145890"
    assert set(r.checks) == {"document_number", "birth_date", "expiry_date", "composite"}


def test_td1_long_document_number() -> None:
    r = parse(TD1_LONG, today=TODAY)
    assert r.format == "TD1" and r.valid
    assert r.fields["document_number"] == "D23145890123"
    assert r.fields["optional_data"] == ""
    assert r.checks["document_number"] == "ok"
    assert "long_document_number" in [w.code for w in r.warnings]


def test_td1_long_document_number_wrong_digit_fails() -> None:
    bad = [TD1_LONG[0].replace("1233", "1234"), *TD1_LONG[1:]]
    r = parse(bad, today=TODAY)
    assert r.checks["document_number"] == "fail" and not r.valid


def test_german_id_card_specimen() -> None:
    r = parse(DE_ID, today=TODAY)
    assert r.valid
    assert r.fields["document_code"] == "ID"
    assert r.fields["issuing_state"] == "D" and r.fields["nationality"] == "D"
    assert r.fields["sex"] == "<"
    assert r.fields["birth_date"] == "1964-08-12" and r.fields["expiry_date"] == "2020-10-31"


@pytest.mark.parametrize(("lines", "fmt"), [(MRVA, "MRVA"), (MRVB, "MRVB")])
def test_visa_specimens(lines: list[str], fmt: str) -> None:
    r = parse(lines, today=TODAY)
    assert r.format == fmt and r.valid
    assert r.fields["nationality"] == "XXX"
    assert "composite" not in r.checks


def test_concatenated_and_newline_input() -> None:
    assert parse("".join(TD1_LONG), today=TODAY).lines == tuple(TD1_LONG)
    assert parse("\n".join(TD3) + "\n", today=TODAY).lines == tuple(TD3)
    assert parse("  " + TD2[0] + "  \n\n" + TD2[1], today=TODAY).valid


# Every check digit position of every format, flipped: exactly that check fails.
CHECK_POSITIONS = [
    (TD3, 1, 9, "document_number"),
    (TD3, 1, 19, "birth_date"),
    (TD3, 1, 27, "expiry_date"),
    (TD3, 1, 42, "optional_data"),
    (TD3, 1, 43, "composite"),
    (TD2, 1, 9, "document_number"),
    (TD2, 1, 19, "birth_date"),
    (TD2, 1, 27, "expiry_date"),
    (TD2, 1, 35, "composite"),
    (DE_ID, 0, 14, "document_number"),
    (DE_ID, 1, 6, "birth_date"),
    (DE_ID, 1, 14, "expiry_date"),
    (DE_ID, 1, 29, "composite"),
    (MRVA, 1, 9, "document_number"),
    (MRVA, 1, 19, "birth_date"),
    (MRVB, 1, 27, "expiry_date"),
]


@pytest.mark.parametrize(("lines", "line", "pos", "name"), CHECK_POSITIONS)
def test_each_failing_check_digit(lines: list[str], line: int, pos: int, name: str) -> None:
    bad = list(lines)
    digit = bad[line][pos]
    new = "7" if digit != "7" else "3"
    bad[line] = bad[line][:pos] + new + bad[line][pos + 1 :]
    r = check(bad, today=TODAY, autocorrect=False)
    assert not r.valid
    assert r.checks[name] == "fail"
    failing = {k for k, v in r.checks.items() if v == "fail"}
    # A changed field digit is also part of the composite.
    assert failing <= {name, "composite"}
    assert any(e.code == "check_digit_failed" and e.field == name for e in r.errors)


def test_empty_optional_data_with_filler_check_digit() -> None:
    lines = build_mrz(format="TD3", document_code="P", issuing_state="D", document_number="C01X00T47",
                      primary_identifier="MUSTERMANN", secondary_identifier="ERIKA", nationality="D",
                      birth_date=dt.date(1983, 8, 12), sex="F", expiry_date=dt.date(2031, 10, 31))
    assert lines[1][28:43] == "<" * 15
    r = parse(lines, today=TODAY)
    assert r.valid and r.checks["optional_data"] == "absent"
    # An empty optional field may also carry 0 as its check digit.
    zero = lines[1][:42] + "0" + lines[1][43:]
    r0 = parse([lines[0], zero], today=TODAY)
    assert r0.checks["optional_data"] == "ok" and r0.checks["composite"] == "ok"
    # But a filler digit behind a non-empty field is a failure, not "absent".
    filled = lines[1][:28] + "AB12" + lines[1][32:]
    assert parse([lines[0], filled], today=TODAY).checks["optional_data"] == "fail"


@pytest.mark.parametrize("sex", ["M", "F", "X", "<"])
def test_sex_values(sex: str) -> None:
    lines = build_mrz(format="TD1", document_code="ID", issuing_state="BGR", document_number="AA0000001",
                      primary_identifier="IVANOVA", secondary_identifier="MARIA", nationality="BGR",
                      birth_date=dt.date(1990, 1, 2), sex=sex, expiry_date=dt.date(2030, 1, 2))
    r = parse(lines, today=TODAY)
    assert r.valid and r.fields["sex"] == sex


def test_invalid_sex_is_an_error() -> None:
    bad = [TD3[0], TD3[1][:20] + "Q" + TD3[1][21:]]
    r = check(bad, today=TODAY, autocorrect=False)
    assert not r.valid and any(e.field == "sex" for e in r.errors)


def test_single_name_person() -> None:
    lines = build_mrz(format="TD3", document_code="P", issuing_state="UTO", document_number="X1234567",
                      primary_identifier="MADONNA", nationality="UTO", birth_date=dt.date(1958, 8, 16),
                      sex="F", expiry_date=dt.date(2030, 1, 1))
    assert lines[0] == "P<UTOMADONNA" + "<" * 32
    r = parse(lines, today=TODAY)
    assert r.valid and r.fields["primary_identifier"] == "MADONNA" and r.fields["secondary_identifier"] == ""


def test_century_inference() -> None:
    born_2020 = build_mrz(format="TD3", document_code="P", issuing_state="ROU", document_number="05123456",
                          primary_identifier="POPESCU", secondary_identifier="ANA", nationality="ROU",
                          birth_date="200101", sex="F", expiry_date="250101")
    r = parse(born_2020, today=TODAY)
    assert r.fields["birth_date"] == "2020-01-01" and r.fields["expiry_date"] == "2025-01-01"
    # A birth date "in the future" belongs to the previous century; an expiry 40 years out does too.
    late = build_mrz(format="TD3", document_code="P", issuing_state="ROU", document_number="05123456",
                     primary_identifier="POPESCU", secondary_identifier="ANA", nationality="ROU",
                     birth_date="270101", sex="F", expiry_date="660101")
    r2 = parse(late, today=TODAY)
    assert r2.fields["birth_date"] == "1927-01-01" and r2.fields["expiry_date"] == "1966-01-01"
    near = build_mrz(format="TD3", document_code="P", issuing_state="ROU", document_number="05123456",
                     primary_identifier="POPESCU", secondary_identifier="ANA", nationality="ROU",
                     birth_date="261122", sex="F", expiry_date="361122")
    r3 = parse(near, today=TODAY)
    assert r3.fields["birth_date"] == "2026-11-22" and r3.fields["expiry_date"] == "2036-11-22"
    assert "expired" not in [w.code for w in r3.warnings]


def test_impossible_date_is_null_and_invalid() -> None:
    lines = build_mrz(format="TD3", document_code="P", issuing_state="UTO", document_number="X1",
                      primary_identifier="A", secondary_identifier="B", nationality="UTO",
                      birth_date="741312", sex="F", expiry_date="301231")
    r = parse(lines, today=TODAY)
    assert r.fields["birth_date"] is None and not r.valid
    assert any(e.code == "invalid_date" for e in r.errors)


def test_unknown_birth_day_is_a_warning() -> None:
    lines = build_mrz(format="TD3", document_code="P", issuing_state="UTO", document_number="X1",
                      primary_identifier="A", secondary_identifier="B", nationality="UTO",
                      birth_date="74<<<<", sex="F", expiry_date="301231")
    r = parse(lines, today=TODAY)
    assert r.valid and r.fields["birth_date"] is None
    assert "birth_date_incomplete" in [w.code for w in r.warnings]


def test_country_codes() -> None:
    for code in ("D", "UTO", "XXA", "XXB", "XXC", "XXX", "EUE", "UNO", "UNA", "UNK", "XOM", "XPO",
                 "GBD", "GBN", "GBO", "GBP", "GBS", "RKS", "BGR", "ROU", "POL", "HUN"):
        lines = build_mrz(format="TD2", document_code="I", issuing_state=code, document_number="Z1",
                          primary_identifier="A", nationality=code, birth_date="800101", sex="M",
                          expiry_date="300101")
        assert parse(lines, today=TODAY).valid, code
    unknown = build_mrz(format="TD2", document_code="I", issuing_state="QQQ", document_number="Z1",
                        primary_identifier="A", nationality="BGR", birth_date="800101", sex="M",
                        expiry_date="300101")
    r = parse(unknown, today=TODAY)
    assert not r.valid and [e.field for e in r.errors if e.code == "unknown_country"] == ["issuing_state"]
    deu = build_mrz(format="TD2", document_code="I", issuing_state="DEU", document_number="Z1",
                    primary_identifier="A", nationality="D", birth_date="800101", sex="M", expiry_date="300101")
    r2 = parse(deu, today=TODAY)
    assert r2.valid and "deu_for_germany" in [w.code for w in r2.warnings]


def test_document_code_must_fit_format() -> None:
    bad = ["X" + TD3[0][1:], TD3[1]]
    r = check(bad, today=TODAY, autocorrect=False)
    # A leading X makes no format: TD3 must start with P.
    assert not r.valid and any(e.code == "invalid_document_code" for e in r.errors)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "no MRZ text"),
        ("P<UTO", "not an MRZ format"),
        (TD3[0] + "\n" + TD3[1][:-1], "differ in length"),
        ("\n".join([TD3[0], TD3[1], TD3[1]]), "not an MRZ format"),
        (TD3[0] + "\n" + TD3[1].replace("F", "f"), "lower-case"),
        (TD3[0] + "\n" + TD3[1].replace("F", "#"), "line 2, position 21"),
    ],
)
def test_unusable_input_raises_clear_error(text: str, needle: str) -> None:
    with pytest.raises(MRZError, match=needle) as info:
        check(text, today=TODAY)
    # Errors never echo the document's characters.
    assert "ERIKSSON" not in str(info.value) and "L898902C3" not in str(info.value)


def test_json_shape_is_stable() -> None:
    d = check(TD3, today=TODAY).to_dict()
    assert {"format", "valid", "fields", "checks", "corrections", "warnings"} <= set(d)
    assert set(d["fields"]) == {
        "document_code", "issuing_state", "document_number", "primary_identifier", "secondary_identifier",
        "nationality", "birth_date", "sex", "expiry_date", "optional_data", "optional_data_2",
    }
