"""MRZ generation: Doc 9303 transliteration, truncation, long document numbers, refusals."""

from __future__ import annotations

import datetime as dt

import pytest

from gateway.mrz import MRZError, build_mrz, parse, transliterate
from gateway.mrz.generate import name_field

TODAY = dt.date(2026, 11, 22)


def test_regenerates_icao_specimens_exactly() -> None:
    td3 = build_mrz(format="TD3", document_code="P", issuing_state="UTO", document_number="L898902C3",
                    primary_identifier="Eriksson", secondary_identifier="Anna Maria", nationality="UTO",
                    birth_date=dt.date(1974, 8, 12), sex="F", expiry_date=dt.date(2012, 4, 15),
                    optional_data="ZE184226B")
    assert td3 == ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]
    td1 = build_mrz(format="TD1", document_code="I", issuing_state="UTO", document_number="D23145890123",
                    primary_identifier="Eriksson", secondary_identifier="Anna Maria", nationality="UTO",
                    birth_date=dt.date(1974, 8, 12), sex="F", expiry_date=dt.date(2012, 4, 15))
    assert td1 == ["I<UTOD23145890<1233<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<2", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"]
    de = build_mrz(format="TD1", document_code="ID", issuing_state="D", document_number="T22000129",
                   primary_identifier="Mustermann", secondary_identifier="Erika", nationality="D",
                   birth_date=dt.date(1964, 8, 12), sex="<", expiry_date=dt.date(2020, 10, 31))
    assert de == ["IDD<<T220001293<<<<<<<<<<<<<<<", "6408125<2010315D<<<<<<<<<<<<<4", "MUSTERMANN<<ERIKA<<<<<<<<<<<<<"]
    visa = build_mrz(format="MRVB", document_code="V", issuing_state="UTO", document_number="L8988901C",
                     primary_identifier="Eriksson", secondary_identifier="Anna Maria", nationality="XXX",
                     birth_date=dt.date(1940, 9, 7), sex="F", expiry_date=dt.date(1996, 12, 10))
    assert visa == ["V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "L8988901C4XXX4009078F9612109<<<<<<<<"]


@pytest.mark.parametrize(
    ("name", "system", "expected"),
    [
        ("Müller-Lüdenscheidt", "icao", "MUELLER<LUEDENSCHEIDT"),
        ("Weiß", "icao", "WEISS"),
        ("Ångström Øre", "icao", "AANGSTROEM<OERE"),
        ("Ștefănescu", "icao", "STEFANESCU"),
        ("Țuțea Bălan", "icao", "TUTEA<BALAN"),
        ("Łukasz Żółć", "icao", "LUKASZ<ZOLC"),
        ("Szőke Árpád", "icao", "SZOKE<ARPAD"),
        ("O'Brien", "icao", "OBRIEN"),
        ("Христов", "icao", "KHRISTOV"),
        ("Христов", "bg", "HRISTOV"),
        ("Щерю Ъглов", "icao", "SHCHERIU<IEGLOV"),
        ("Щерю Ъглов", "bg", "SHTERYU<AGLOV"),
        ("Йорданка Янева", "bg", "YORDANKA<YANEVA"),
    ],
)
def test_transliteration(name: str, system: str, expected: str) -> None:
    assert transliterate(name, system) == expected


def test_transliteration_refuses_unmappable() -> None:
    with pytest.raises(MRZError, match="no MRZ transliteration"):
        transliterate("王")


def test_name_truncation_secondary_first() -> None:
    field = name_field("Constantinescu-Popovici", "Ioana Maria Magdalena", 30)
    assert len(field) == 30
    assert field.startswith("CONSTANTINESCU<POPOVICI<<IOAN")
    assert field[-1] != "<"  # a truncated name ends in a letter
    very_long = name_field("Wolfeschlegelsteinhausenbergerdorff", "Hubert", 30)
    assert very_long == "WOLFESCHLEGELSTEINHAUSENBER<<H"


def test_generated_mrz_parses_valid_in_every_format() -> None:
    for fmt, code in (("TD1", "I"), ("TD2", "I"), ("TD3", "P"), ("MRVA", "V"), ("MRVB", "V")):
        lines = build_mrz(format=fmt, document_code=code, issuing_state="BGR", document_number="645123987",
                          primary_identifier="Георгиева", secondary_identifier="Мария", nationality="BGR",
                          birth_date=dt.date(1988, 3, 4), sex="F", expiry_date=dt.date(2029, 3, 4))
        r = parse(lines, today=TODAY)
        assert r.format == fmt and r.valid, fmt
        assert r.fields["primary_identifier"] == "GEORGIEVA"


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"format": "TD4"}, "unknown MRZ format"),
        ({"document_code": "P"}, "document code"),
        ({"issuing_state": "BG1"}, "issuing state"),
        ({"sex": "Q"}, "sex"),
        ({"document_number": "AB#1"}, "document number"),
        ({"optional_data": "X" * 16}, "optional data"),
    ],
)
def test_generation_refuses_bad_values(kwargs: dict, needle: str) -> None:
    base = dict(format="TD1", document_code="ID", issuing_state="BGR", document_number="AA0000001",
                primary_identifier="IVANOV", secondary_identifier="IVAN", nationality="BGR",
                birth_date=dt.date(1990, 1, 2), sex="M", expiry_date=dt.date(2030, 1, 2))
    base.update(kwargs)
    with pytest.raises(MRZError, match=needle):
        build_mrz(**base)


def test_long_document_number_refused_for_td3() -> None:
    with pytest.raises(MRZError, match="longer than 9"):
        build_mrz(format="TD3", document_code="P", issuing_state="UTO", document_number="ABCDEFGHIJ",
                  primary_identifier="A", nationality="UTO", birth_date="800101", sex="M", expiry_date="300101")
