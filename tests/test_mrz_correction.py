"""Check-digit-driven OCR correction, with property tests over generated documents."""

from __future__ import annotations

import datetime as dt
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.mrz import MRZError, build_mrz, check
from gateway.mrz.correction import CONFUSABLE, PRIMARY
from gateway.mrz.formats import LAYOUTS
from gateway.mrz.parser import detect_layout

TODAY = dt.date(2026, 11, 22)
TD3 = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]
DE_ID = ["IDD<<T220001293<<<<<<<<<<<<<<<", "6408125<2010315D<<<<<<<<<<<<<4", "MUSTERMANN<<ERIKA<<<<<<<<<<<<<"]


def _sub(lines: list[str], line: int, pos: int, ch: str) -> list[str]:
    out = list(lines)
    out[line] = out[line][:pos] + ch + out[line][pos + 1 :]
    return out


def test_letters_in_dates_are_corrected_and_reported() -> None:
    ocr = _sub(_sub(TD3, 1, 15, "O"), 1, 23, "O")
    r = check(ocr, today=TODAY)
    assert r.valid and r.lines == tuple(TD3)
    assert [c.to_dict() for c in r.corrections] == [
        {"line": 2, "position": 16, "from": "O", "to": "0", "checked": True},
        {"line": 2, "position": 24, "from": "O", "to": "0", "checked": True},
    ]
    assert "corrected" in [w.code for w in r.warnings]


def test_digits_in_names_are_corrected() -> None:
    ocr = [TD3[0].replace("ERIKSSON", "ER1KSS0N"), TD3[1]]
    r = check(ocr, today=TODAY)
    assert r.valid and r.fields["primary_identifier"] == "ERIKSSON"
    assert len(r.corrections) == 2 and not any(c.checked for c in r.corrections)


def test_document_number_confusion_resolved_by_check_digits() -> None:
    ocr = _sub(TD3, 1, 5, "O")  # L8989O2C3
    r = check(ocr, today=TODAY)
    assert r.valid and r.fields["document_number"] == "L898902C3"
    assert [(c.line, c.position, c.from_char, c.to_char) for c in r.corrections] == [(2, 6, "O", "0")]


TD1_BG = build_mrz(format="TD1", document_code="ID", issuing_state="BGR", document_number="AA1234567",
                   primary_identifier="IVANOVA", secondary_identifier="MARIA", nationality="BGR",
                   birth_date=dt.date(1990, 1, 2), sex="F", expiry_date=dt.date(2030, 1, 2),
                   optional_data="7501011234")


def test_filler_read_as_x_in_td1_optional_data_is_found_by_the_composite() -> None:
    # The composite digit alone covers TD1's optional data. X is worth 33 and `<` 0: at every
    # weight (7, 3, 1) the sum changes by a non-multiple of 10, so the composite sees it.
    pos = TD1_BG[0].index("<", 16)
    ocr = _sub(TD1_BG, 0, pos, "X")
    assert not check(ocr, today=TODAY, autocorrect=False).valid
    r = check(ocr, today=TODAY)
    assert r.valid and r.lines == tuple(TD1_BG)
    assert [c.to_dict() for c in r.corrections] == [
        {"line": 1, "position": pos + 1, "from": "X", "to": "<", "checked": True}]


def test_filler_read_as_k_is_invisible_to_every_check_digit() -> None:
    # K is worth 20 and `<` 0; 20 × 7, 20 × 3 and 20 × 1 are all multiples of 10, so no check
    # digit can see this confusion anywhere: the reading stays valid as read and nothing is
    # "corrected" (a corrector that claims otherwise is guessing).
    assert all((20 * w) % 10 == 0 for w in (7, 3, 1))
    pos = TD1_BG[0].index("<", 16)
    ocr = _sub(TD1_BG, 0, pos, "K")
    r = check(ocr, today=TODAY)
    assert r.valid and r.lines == tuple(ocr) and r.corrections == []
    assert r.fields["optional_data"] != check(TD1_BG, today=TODAY).fields["optional_data"]
    assert "K" not in CONFUSABLE  # no check digit can ever confirm a K→< correction


def test_tie_is_reported_ambiguous_not_guessed() -> None:
    # 1 and L differ by 20 in check-digit value, so no check digit can tell them apart.
    ocr = _sub(DE_ID, 0, 11, "I")  # T22000I29: was it 1 or L?
    r = check(ocr, today=TODAY)
    assert not r.valid and r.ambiguous
    assert r.lines == tuple(ocr) and r.corrections == []
    assert any(e.code == "ambiguous_correction" for e in r.errors)


def test_uncorrectable_stays_invalid() -> None:
    ocr = _sub(TD3, 1, 16, "3")  # a digit-for-digit error: no confusion explains it
    r = check(ocr, today=TODAY)
    assert not r.valid and not r.ambiguous and r.corrections == []


def test_no_correct_flag_keeps_reading() -> None:
    ocr = _sub(TD3, 1, 15, "O")
    r = check(ocr, today=TODAY, autocorrect=False)
    assert not r.valid and r.corrections == []


# --- property tests --------------------------------------------------------------------------

NAME = st.text(alphabet=string.ascii_uppercase, min_size=1, max_size=12)
DOCNUM = st.text(alphabet=string.ascii_uppercase + string.digits, min_size=1, max_size=9)
COUNTRY = st.sampled_from(["UTO", "D", "BGR", "ROU", "POL", "HUN", "XXA", "EUE", "GBD"])
FORMAT = st.sampled_from([("TD1", "I"), ("TD1", "ID"), ("TD2", "I"), ("TD3", "P"), ("MRVA", "V"), ("MRVB", "V")])
BIRTH = st.dates(min_value=dt.date(1927, 1, 1), max_value=dt.date(2026, 11, 22))
EXPIRY = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2045, 12, 31))


@st.composite
def documents(draw: st.DrawFn) -> list[str]:
    fmt, code = draw(FORMAT)
    optional_width = {"TD1": 15, "TD2": 7, "TD3": 14, "MRVA": 16, "MRVB": 8}[fmt]
    opt = draw(st.text(alphabet=string.ascii_uppercase + string.digits, max_size=optional_width))
    birth = draw(BIRTH)
    expiry = draw(EXPIRY.filter(lambda d: d > birth))
    return build_mrz(
        format=fmt, document_code=code, issuing_state=draw(COUNTRY), document_number=draw(DOCNUM),
        primary_identifier=draw(NAME), secondary_identifier=draw(st.one_of(st.just(""), NAME)),
        nationality=draw(COUNTRY), birth_date=birth, sex=draw(st.sampled_from("MFX<")),
        expiry_date=expiry, optional_data=opt,
    )


@settings(max_examples=300, deadline=None)
@given(documents())
def test_generate_parse_round_trip(lines: list[str]) -> None:
    r = check(lines, today=TODAY)
    assert r.valid, [e.code for e in r.errors]
    assert r.lines == tuple(lines) and r.corrections == []
    assert all(v in ("ok", "absent") for v in r.checks.values())


def _alphabet_at(lines: list[str], line: int, pos: int) -> frozenset[str]:
    layout = detect_layout(lines)
    for f in LAYOUTS[layout.name].fields:
        if f.line == line and f.start <= pos < f.end:
            return f.alphabet
    raise AssertionError("position outside every field")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(documents(), st.data())
def test_one_confusion_that_breaks_the_field_alphabet_is_corrected(lines: list[str], data: st.DataObject) -> None:
    """A confusable character that cannot stand in its field (a letter in a date, a digit in a name)
    is always put back exactly."""
    spots = []
    for ln, text in enumerate(lines):
        for pos, ch in enumerate(text):
            for wrong in CONFUSABLE:
                if ch in CONFUSABLE[wrong] and wrong not in _alphabet_at(lines, ln, pos):
                    # Only confusions whose likeliest reverse is the original (e.g. 1 in a name is I).
                    fits = {c for c in CONFUSABLE[wrong] if c in _alphabet_at(lines, ln, pos)}
                    if fits == {ch} or PRIMARY.get(wrong) == ch:
                        spots.append((ln, pos, wrong))
    if not spots:
        return
    ln, pos, wrong = data.draw(st.sampled_from(spots))
    ocr = _sub(lines, ln, pos, wrong)
    r = check(ocr, today=TODAY)
    if r.ambiguous:
        # Allowed only where the check digits truly cannot separate two readings.
        assert not r.valid and r.corrections == []
        return
    assert r.valid and r.lines == tuple(lines)
    assert (ln + 1, pos + 1, wrong, lines[ln][pos]) in [(c.line, c.position, c.from_char, c.to_char)
                                                         for c in r.corrections]


@settings(max_examples=300, deadline=None)
@given(documents(), st.data())
def test_a_correction_never_invents_a_wrong_reading(lines: list[str], data: st.DataObject) -> None:
    """Any single confusion: the result is the original, or flagged ambiguous/invalid, or the
    confusion was invisible to every check (then nothing is 'corrected')."""
    spots = [(ln, pos, w) for ln, text in enumerate(lines) for pos, ch in enumerate(text)
             for w in CONFUSABLE if ch in CONFUSABLE[w]]
    ln, pos, wrong = data.draw(st.sampled_from(spots))
    ocr = _sub(lines, ln, pos, wrong)
    r = check(ocr, today=TODAY)
    if r.corrections:
        for c in r.corrections:
            if c.checked:
                assert c.to_char == lines[c.line - 1][c.position - 1]
        if all(c.checked for c in r.corrections):
            assert r.lines == tuple(lines)
    elif r.valid:
        # Valid without a correction: then the confusion is one no check digit can see, i.e. every
        # check digit holds on the misread text too, and the misread character fits its field.
        assert r.lines == tuple(ocr)
        unchecked = check(ocr, today=TODAY, autocorrect=False)
        assert unchecked.valid and all(v in ("ok", "absent") for v in unchecked.checks.values())
        assert wrong in _alphabet_at(lines, ln, pos)
    else:
        assert r.ambiguous or not check(ocr, today=TODAY, autocorrect=False).valid


@settings(max_examples=200, deadline=None)
@given(documents(), st.data())
def test_two_confusions_in_dates_are_corrected(lines: list[str], data: st.DataObject) -> None:
    layout = detect_layout(lines)
    birth = layout.field("birth_date")
    expiry = layout.field("expiry_date")
    to_letter = {"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z", "6": "G"}
    spots = [(f.line, p) for f in (birth, expiry) for p in range(f.start, f.end) if lines[f.line][p] in to_letter]
    if len(spots) < 2:
        return
    picks = data.draw(st.lists(st.sampled_from(spots), min_size=2, max_size=2, unique=True))
    ocr = lines
    for ln, p in picks:
        ocr = _sub(ocr, ln, p, to_letter[lines[ln][p]])
    r = check(ocr, today=TODAY)
    assert r.valid and r.lines == tuple(lines) and len(r.corrections) == 2


MRZ_ALPHABET = string.ascii_uppercase + string.digits + "<"


@settings(max_examples=400, deadline=None)
@given(st.one_of(
    st.binary(max_size=120).map(lambda b: b.decode("latin-1")),
    st.text(max_size=120),
    st.lists(st.text(alphabet=MRZ_ALPHABET, min_size=30, max_size=30), min_size=3, max_size=3),
    st.lists(st.text(alphabet=MRZ_ALPHABET, min_size=44, max_size=44), min_size=2, max_size=2),
    st.lists(st.text(alphabet=MRZ_ALPHABET, min_size=36, max_size=36), min_size=2, max_size=2),
))
def test_random_input_raises_only_the_documented_error(data: str | list[str]) -> None:
    try:
        r = check(data, today=TODAY)
    except MRZError:
        return
    assert isinstance(r.valid, bool)
    r.to_dict()


def test_correction_never_invents_an_unknown_date() -> None:
    # 5 read as S twice in a birth date: '<' would also satisfy both check digits, but a filler is
    # never a correction target in a date.
    lines = ["I<UTO0<<<<<<<<0<<<<<<<<<<<<<<<", "3503052M0001018UTO<<<<<<<<<<<6", "A<<<<<<<<<<<<<<<<<<<<<<<<<<<<<"]
    ocr = [lines[0], "3S030S2M0001018UTO<<<<<<<<<<<6", lines[2]]
    r = check(ocr, today=TODAY)
    assert r.valid and r.lines == tuple(lines)
