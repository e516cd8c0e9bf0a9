"""Check-digit correction driven by the OCR's per-character alternatives (`check_readings`)."""

from __future__ import annotations

import datetime as dt
import math
import string

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gateway.mrz import MRZError, build_mrz, check, check_readings
from gateway.mrz.correction import AMBIGUITY_MARGIN, CONFUSION_PRIOR, correct_readings
from gateway.mrz.formats import LAYOUTS
from gateway.mrz.ocr import CharReading, LineReading
from gateway.mrz.parser import detect_layout

TODAY = dt.date(2026, 11, 22)
TD3 = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]
DE_ID = ["IDD<<T220001293<<<<<<<<<<<<<<<", "6408125<2010315D<<<<<<<<<<<<<4", "MUSTERMANN<<ERIKA<<<<<<<<<<<<<"]
# A Bulgarian passport (invented person) whose number is a run of digits; OCR read its last 0 as O.
BG_TD3 = build_mrz(format="TD3", document_code="P", issuing_state="BGR", document_number="876232860",
                   primary_identifier="IVANOVA", secondary_identifier="MARIA", nationality="BGR",
                   birth_date=dt.date(1985, 3, 4), sex="F", expiry_date=dt.date(2031, 5, 6))


def reading(text: str, spots: dict[int, tuple[tuple[str, float], ...]] | None = None) -> LineReading:
    """A line read with certainty except at `spots` (position → alternatives, best first)."""
    spots = spots or {}
    return LineReading(tuple(CharReading(spots.get(i, ((ch, 0.99),))) for i, ch in enumerate(text)), "test")


def _sub(lines: list[str], line: int, pos: int, ch: str) -> list[str]:
    out = list(lines)
    out[line] = out[line][:pos] + ch + out[line][pos + 1 :]
    return out


def test_o_for_0_in_a_digit_run_is_a_tie_as_text_but_resolved_by_the_alternatives() -> None:
    ocr = _sub(BG_TD3, 1, 8, "O")
    # As text, several one-substitution readings satisfy every check digit: nothing is chosen.
    text_only = check(ocr, today=TODAY)
    assert text_only.ambiguous and not text_only.valid
    # The OCR saw O but gave 0 a fair chance: that reading is far likelier than any other.
    r = check_readings([reading(ocr[0]), reading(ocr[1], {8: (("O", 0.6), ("0", 0.35), ("D", 0.05))})],
                       today=TODAY)
    assert r.valid and not r.ambiguous
    assert r.lines == tuple(BG_TD3)
    assert [c.to_dict() for c in r.corrections] == [{"line": 2, "position": 9, "from": "O", "to": "0",
                                                     "checked": True}]


def test_two_candidates_nearly_as_likely_stay_ambiguous() -> None:
    # T22000I29: 1 and L differ by 20 in value, so no check digit separates them; the OCR barely
    # prefers one: within the margin, so nothing is chosen.
    ocr = _sub(DE_ID, 0, 11, "I")
    lines = [reading(ocr[0], {11: (("I", 0.5), ("1", 0.26), ("L", 0.24))}), reading(ocr[1]), reading(ocr[2])]
    r = check_readings(lines, today=TODAY)
    assert r.ambiguous and not r.valid and r.corrections == []


def test_a_clearly_likelier_candidate_wins_where_check_digits_cannot_decide() -> None:
    ocr = _sub(DE_ID, 0, 11, "I")
    lines = [reading(ocr[0], {11: (("I", 0.5), ("1", 0.49), ("L", 0.005))}), reading(ocr[1]), reading(ocr[2])]
    r = check_readings(lines, today=TODAY)
    assert r.valid and r.lines == tuple(DE_ID)
    assert [(c.position, c.from_char, c.to_char) for c in r.corrections] == [(12, "I", "1")]


def test_margin_is_a_likelihood_ratio_of_50() -> None:
    ocr = _sub(DE_ID, 0, 11, "I")
    layout = detect_layout(ocr)

    def outcome(p1: float, pl: float):
        alts = [[((ch, 1.0),) for ch in line] for line in ocr]
        alts[0][11] = (("I", 0.5), ("1", p1), ("L", pl))
        return correct_readings(ocr, alts, layout)

    assert outcome(0.49, 0.49 / 60).lines is not None  # 60 times likelier: chosen
    assert outcome(0.49, 0.49 / 40).ambiguous  # 40 times: not enough
    assert math.isclose(AMBIGUITY_MARGIN, math.log(50))


def test_text_only_input_keeps_the_fewest_substitutions_rule() -> None:
    # One confusion against two: the prior makes every table substitution cost the same.
    assert -math.log(CONFUSION_PRIOR) > AMBIGUITY_MARGIN
    ocr = _sub(_sub(TD3, 1, 15, "O"), 1, 23, "O")
    r = check([TD3[0], ocr[1]], today=TODAY)
    assert r.valid and r.lines == tuple(TD3) and len(r.corrections) == 2


def test_text_reading_equals_text_check() -> None:
    ocr = _sub(TD3, 1, 5, "O")
    a = check(ocr, today=TODAY).to_dict()
    b = check_readings([LineReading.from_text(t) for t in ocr], today=TODAY).to_dict()
    assert a == b and a["valid"]


def test_alternative_outside_the_confusion_table_is_used() -> None:
    # 3 for 8 is no table confusion, but the OCR proposed it.
    ocr = _sub(TD3, 1, 1, "3")  # L398902C3
    assert not check(ocr, today=TODAY).valid
    r = check_readings([reading(ocr[0]), reading(ocr[1], {1: (("3", 0.7), ("8", 0.3))})], today=TODAY)
    assert r.valid and r.lines == tuple(TD3)


def test_reading_valid_as_read_is_never_changed_by_alternatives() -> None:
    r = check_readings([reading(TD3[0]), reading(TD3[1], {5: (("0", 0.4), ("O", 0.6))})], today=TODAY)
    # A reading whose first choices satisfy every check is kept even if an alternative is likelier
    # elsewhere: here the first choice "0" was listed second in probability only by a quirk.
    assert r.valid and r.lines == tuple(TD3) and r.corrections == []


def test_name_guess_follows_the_ocr_not_the_table() -> None:
    # A digit in a name has no check digit: the OCR's likeliest letter is taken, unchecked.
    ocr = [TD3[0].replace("ERIKSSON", "ERIKSS0N"), TD3[1]]
    pos = ocr[0].index("0")
    r = check_readings([reading(ocr[0], {pos: (("0", 0.5), ("D", 0.3), ("O", 0.2))}), reading(ocr[1])],
                       today=TODAY)
    assert r.fields["primary_identifier"] == "ERIKSSDN"
    assert [(c.to_char, c.checked) for c in r.corrections] == [("D", False)]
    assert check(ocr, today=TODAY).fields["primary_identifier"] == "ERIKSSON"  # the table's guess


def test_a_line_of_the_wrong_length_is_a_clear_error() -> None:
    with pytest.raises(MRZError, match="differ in length"):
        check_readings([reading(TD3[0]), reading(TD3[1][:-1])], today=TODAY)
    with pytest.raises(MRZError, match="read no characters"):
        check_readings([reading(TD3[0]), LineReading((), "test")], today=TODAY)


def test_char_reading_refuses_foreign_characters_and_probabilities() -> None:
    with pytest.raises(ValueError, match="MRZ characters"):
        CharReading((("a", 0.5),))
    with pytest.raises(ValueError, match=r"0\.\.1"):
        CharReading((("A", 1.5),))


# --- property: the truth among the alternatives is never corrected away ---------------------

DOCNUM = st.text(alphabet=string.ascii_uppercase + string.digits, min_size=5, max_size=9)
COUNTRY = st.sampled_from(["UTO", "D", "BGR", "ROU", "POL", "HUN"])
FORMAT = st.sampled_from([("TD1", "ID"), ("TD2", "I"), ("TD3", "P")])


@st.composite
def documents(draw: st.DrawFn) -> list[str]:
    fmt, code = draw(FORMAT)
    birth = draw(st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2020, 1, 1)))
    return build_mrz(format=fmt, document_code=code, issuing_state=draw(COUNTRY), document_number=draw(DOCNUM),
                     primary_identifier=draw(st.text(alphabet=string.ascii_uppercase, min_size=2, max_size=10)),
                     secondary_identifier="ANNA", nationality=draw(COUNTRY), birth_date=birth,
                     sex=draw(st.sampled_from("MF")), expiry_date=dt.date(2031, 1, 1))


def _covered(lines: list[str]) -> set[tuple[int, int]]:
    layout = LAYOUTS[detect_layout(lines).name]
    return {(ln, p) for chk in layout.checks for ln, a, b in chk.spans for p in range(a, b)} | {
        (chk.line, chk.pos) for chk in layout.checks}


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(documents(), st.data())
def test_checked_corrections_never_produce_a_wrong_character(lines: list[str], data: st.DataObject) -> None:
    """Up to two misread characters under check digits, each with the truth among its
    alternatives at a probability well above every other alternative's: any correction a check
    digit confirms puts back the truth, and a valid corrected result is the original."""
    covered = sorted(_covered(lines))
    spots = data.draw(st.lists(st.sampled_from(covered), min_size=1, max_size=2, unique=True))
    readings = [[((ch, 0.98),) for ch in line] for line in lines]
    ocr = [list(line) for line in lines]
    for ln, p in spots:
        truth = lines[ln][p]
        wrong = data.draw(st.sampled_from([c for c in string.ascii_uppercase + string.digits + "<" if c != truth]))
        p_wrong = data.draw(st.floats(0.4, 0.9))
        p_truth = data.draw(st.floats(0.2, 1.0)) * (1 - p_wrong)
        p_truth = max(p_truth, p_wrong / 5)
        decoy = data.draw(st.sampled_from([c for c in string.digits + "<" if c not in (truth, wrong)]))
        readings[ln][p] = ((wrong, p_wrong), (truth, p_truth), (decoy, p_truth / 200))
        ocr[ln][p] = wrong
    texts = ["".join(r) for r in ocr]
    assume(texts != lines)
    r = check_readings([LineReading(tuple(CharReading(a) for a in line), "test") for line in readings],
                       today=TODAY)
    for c in r.corrections:
        if c.checked:
            assert c.to_char == lines[c.line - 1][c.position - 1], (texts, c)
    if r.valid and r.corrections and all(c.checked for c in r.corrections):
        assert r.lines == tuple(lines)


def test_a_doubtful_character_no_check_digit_covers_makes_the_result_invalid() -> None:
    # The second character of the document code (I*D*) and the name have no check digit: if the
    # OCR doubts what it read there, a wrong letter could pass as valid; it must not.
    doubt = {1: (("G", 0.3), ("D", 0.25), ("F", 0.2), ("0", 0.2))}
    r = check_readings([reading(DE_ID[0], doubt), reading(DE_ID[1]), reading(DE_ID[2])], today=TODAY)
    assert not r.valid
    assert [(e.code, e.field) for e in r.errors] == [("uncertain_reading", "document_code")]
    # Sure enough (D among the letters it allows: 0.55 / 0.8): valid.
    sure = {1: (("D", 0.55), ("G", 0.15), ("0", 0.2), ("F", 0.1))}
    assert check_readings([reading(DE_ID[0], sure), reading(DE_ID[1]), reading(DE_ID[2])], today=TODAY).valid
    # A doubtful character under a check digit is the check digit's business, not an error.
    covered = {7: (("2", 0.3), ("Z", 0.25), ("7", 0.2))}
    assert check_readings([reading(DE_ID[0], covered), reading(DE_ID[1]), reading(DE_ID[2])], today=TODAY).valid
    # Text input is never "doubtful".
    assert check(DE_ID, today=TODAY).valid


def test_a_name_guess_the_ocr_doubts_is_invalid() -> None:
    ocr = [TD3[0].replace("ERIKSSON", "ERIKSS0N"), TD3[1]]
    pos = ocr[0].index("0")
    r = check_readings([reading(ocr[0], {pos: (("0", 0.5), ("O", 0.2), ("D", 0.2), ("Q", 0.1))}), reading(ocr[1])],
                       today=TODAY)
    assert r.fields["primary_identifier"] == "ERIKSSON" and not r.corrections[0].checked
    assert [(e.code, e.field) for e in r.errors] == [("uncertain_reading", "name")]
