"""Issue 11 item 5: TD1 document numbers over nine characters (both check-digit variants) and
national document-number patterns (ranking only, never rejection)."""

from __future__ import annotations

import datetime as dt

import pytest

from gateway.mrz import build_mrz, check, check_digit, check_readings, parse
from gateway.mrz.numbers import number_patterns
from gateway.mrz.ocr import CharReading, LineReading

TODAY = dt.date(2026, 11, 22)
TD1_LONG = ["I<UTOD23145890<1233<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<2", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"]


def long_td1(number: str, *, with_filler: bool, state: str = "BGR") -> list[str]:
    """A TD1 whose long number's check digit is computed as the issuer chose (Doc 9303 Part 5
    note j read with or without the filler after the ninth character). Built here, not with
    build_mrz, so the test does not share the generator's arithmetic."""
    head, rest = number[:9], number[9:]
    digit = check_digit(head + "<" + rest if with_filler else number)
    line1 = (f"I<{state:<<3}" + head + "<" + rest + str(digit) + "<").ljust(30, "<")
    line2 = f"900102{check_digit('900102')}F300102{check_digit('300102')}{state:<<3}" + "<" * 11
    composite = line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]
    line2 += str(check_digit(composite))
    return [line1, line2, "IVANOVA<<MARIA".ljust(30, "<")]


def _codes(r) -> list[str]:
    return [w.code for w in r.warnings]


def test_icao_specimen_holds_both_ways_and_says_so() -> None:
    assert check_digit("D23145890123") == check_digit("D23145890<123") == 3
    r = parse(TD1_LONG, today=TODAY)
    assert r.valid and r.checks["document_number"] == "ok"
    note = next(w for w in r.warnings if w.code == "long_document_number")
    assert "with and without" in note.message
    assert "document_number_check_includes_filler" not in _codes(r)


@pytest.mark.parametrize("number", ["AB1234567809", "BG7700123465", "XY98765432101"])
def test_check_digit_over_the_number_with_the_filler_is_accepted_and_reported(number: str) -> None:
    with_lines = long_td1(number, with_filler=True)
    without_lines = long_td1(number, with_filler=False)
    assert with_lines != without_lines  # the two variants really differ for these numbers
    r = parse(with_lines, today=TODAY)
    assert r.valid and r.checks["document_number"] == "ok" and r.fields["document_number"] == number
    assert "document_number_check_includes_filler" in _codes(r)
    assert "covers the filler" in next(w.message for w in r.warnings if w.code == "long_document_number")
    r2 = parse(without_lines, today=TODAY)
    assert r2.valid and r2.checks["document_number"] == "ok"
    assert "document_number_check_includes_filler" not in _codes(r2)
    assert "without the filler" in next(w.message for w in r2.warnings if w.code == "long_document_number")


def test_a_long_number_failing_both_ways_fails() -> None:
    lines = long_td1("AB1234567809", with_filler=False)
    good = lines[0][15:18]
    digits = {str(check_digit("AB1234567809")), str(check_digit("AB1234567<809"))}
    wrong = next(d for d in "0123456789" if d not in digits)
    bad = [lines[0][:18] + wrong + lines[0][19:], *lines[1:]]
    assert good == "809"
    r = parse(bad, today=TODAY)
    assert r.checks["document_number"] == "fail" and not r.valid
    assert "neither" in next(w.message for w in r.warnings if w.code == "long_document_number")


def test_build_mrz_writes_the_variant_without_filler() -> None:
    built = build_mrz(format="TD1", document_code="I", issuing_state="BGR", document_number="AB1234567809",
                      primary_identifier="IVANOVA", secondary_identifier="MARIA", nationality="BGR",
                      birth_date="900102", sex="F", expiry_date="300102")
    assert built[0] == long_td1("AB1234567809", with_filler=False)[0]


def test_correction_inside_a_long_number() -> None:
    lines = long_td1("AB1234567809", with_filler=False)
    ocr = [lines[0][:16] + "O" + lines[0][17:], *lines[1:]]  # the 0 of "809" read as O
    assert not parse(ocr, today=TODAY).valid
    r = check(ocr, today=TODAY)
    assert r.valid and r.lines == tuple(lines)
    assert [(c.position, c.from_char, c.to_char, c.checked) for c in r.corrections] == [(17, "O", "0", True)]


def test_either_variant_gives_a_misreading_two_chances_to_pass_so_ocr_evidence_decides() -> None:
    # Accepting both variants halves what the number's check digit can tell apart: for this
    # with-filler number, an 8 read as B has several one-substitution repairs as text (ambiguous);
    # the OCR's second choice picks the right one.
    lines = long_td1("AB1234567809", with_filler=True)
    ocr = [lines[0][:15] + "B" + lines[0][16:], *lines[1:]]
    assert check(ocr, today=TODAY).ambiguous
    first = LineReading(tuple(CharReading((("B", 0.6), ("8", 0.4)) if i == 15 else ((ch, 0.99),))
                              for i, ch in enumerate(ocr[0])), "t")
    r = check_readings([first, LineReading.from_text(ocr[1]), LineReading.from_text(ocr[2])], today=TODAY)
    assert r.valid and r.lines == tuple(lines)
    assert "document_number_check_includes_filler" in _codes(r)


# --- national document-number patterns --------------------------------------------------------

@pytest.mark.parametrize(("state", "fmt", "number", "fits"), [
    ("D", "TD1", "T22000129", True),       # the German ID card specimen
    ("D", "TD1", "LZ6311T47", True),
    ("D", "TD1", "T2200O129", False),      # German numbers never hold an O
    ("D", "TD3", "C01X00T47", True),       # German passport specimen
    ("BGR", "TD1", "645123987", True),
    ("BGR", "TD1", "AA1234567", True),
    ("ROU", "TD1", "RX123456", True),
    ("POL", "TD1", "ABA300000", True),
    ("POL", "TD1", "AB3000000", False),
    ("HUN", "TD1", "123456AB", True),
    ("UTO", "TD3", "L898902C3", True),
    ("UTO", "TD1", "D23145890123", True),
])
def test_patterns(state: str, fmt: str, number: str, fits: bool) -> None:
    patterns = number_patterns(state, fmt)
    assert patterns
    assert any(p.fullmatch(number) for p in patterns) is fits


def test_a_valid_mrz_unlike_its_issuers_pattern_stays_valid() -> None:
    lines = build_mrz(format="TD1", document_code="ID", issuing_state="D", document_number="OOOOOOOOO",
                      primary_identifier="MUSTERMANN", secondary_identifier="ERIKA", nationality="D",
                      birth_date="640812", sex="F", expiry_date="301031")
    assert not any(p.fullmatch("OOOOOOOOO") for p in number_patterns("D", "TD1"))
    r = check(lines, today=TODAY)
    assert r.valid and r.corrections == [] and r.fields["document_number"] == "OOOOOOOOO"


def test_pattern_ranks_alternatives_the_check_digits_cannot_separate() -> None:
    # I read in a digit-only Bulgarian ID number: 1 and L (worth 1 and 21) satisfy every check
    # digit alike; the OCR leans to 1. With Bulgaria's pattern (digits, or two letters and seven
    # digits) L is made unlikely and 1 wins; for an issuer without patterns it stays ambiguous.
    def attempt(state: str):
        lines = build_mrz(format="TD1", document_code="ID", issuing_state=state, document_number="645123987",
                          primary_identifier="IVANOVA", secondary_identifier="MARIA", nationality=state,
                          birth_date="900102", sex="F", expiry_date="300102")
        pos = lines[0].index("1", 5)
        ocr = lines[0][:pos] + "I" + lines[0][pos + 1 :]
        spots = {pos: (("I", 0.5), ("1", 0.35), ("L", 0.1))}
        readings = [LineReading(tuple(CharReading(spots.get(i, ((ch, 0.99),))) for i, ch in enumerate(ocr)), "t"),
                    LineReading.from_text(lines[1]), LineReading.from_text(lines[2])]
        return lines, check_readings(readings, today=TODAY)

    lines, bg = attempt("BGR")
    assert bg.valid and bg.lines == tuple(lines)
    _, gr = attempt("GRC")
    assert not number_patterns("GRC", "TD1")
    assert gr.ambiguous and not gr.valid
