"""The reader's block-size and status-word policy (`gateway.nfc.reading.policy`), without a card:
every answer a chip in the field gives to READ BINARY maps to the action ISO/IEC 7816-4 and Doc 9303
call for, and the table is complete and ordered."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.nfc.reading.policy import (
    EXTENDED_BLOCK,
    SHORT_LADDER,
    TABLE,
    Action,
    Answer,
    Asked,
    Status,
    Via,
    classify,
    decide,
    smaller_block,
)

SELECTED = Asked(Via.SELECTED)


@pytest.mark.parametrize(("sw", "status"), [
    (0x9000, Status.OK), (0x6282, Status.END_OF_FILE), (0x6C10, Status.WRONG_LE), (0x6C00, Status.WRONG_LE),
    (0x6700, Status.LENGTH_REFUSED), (0x6B00, Status.LENGTH_REFUSED), (0x6A87, Status.LC_INCONSISTENT),
    (0x6A82, Status.NOT_FOUND), (0x6982, Status.DENIED), (0x6A86, Status.SFI_REFUSED),
    (0x6D00, Status.SFI_REFUSED), (0x6E00, Status.SFI_REFUSED), (0x6F00, Status.OTHER), (0x6988, Status.OTHER),
])
def test_status_words_are_classified(sw: int, status: Status) -> None:
    assert classify(sw) is status


@pytest.mark.parametrize(("answer", "asked", "action"), [
    # data comes back: take it, whatever the warning
    (Answer(0x9000, True), SELECTED, Action.TAKE),
    (Answer(0x6282, True), SELECTED, Action.TAKE),
    (Answer(0x9000, True), Asked(Via.SFI), Action.TAKE),
    # success without data: at offset 0 a one-byte probe tells an empty file from a shy chip
    (Answer(0x9000, False), Asked(Via.SELECTED, at_start=True), Action.PROBE_ONE_BYTE),
    (Answer(0x6282, False), Asked(Via.SELECTED, at_start=True), Action.PROBE_ONE_BYTE),
    (Answer(0x9000, False), Asked(Via.SELECTED, at_start=True, probed_empty=True), Action.EMPTY_FILE),
    (Answer(0x9000, False), SELECTED, Action.SHRINK),  # later in the file: the block was too large
    # lengths
    (Answer(0x6C10, False), SELECTED, Action.RETRY_WITH_LE),
    (Answer(0x6700, False), SELECTED, Action.SHRINK),
    (Answer(0x6B00, False), Asked(Via.ODD), Action.SHRINK),
    (Answer(0x6A87, False), SELECTED, Action.SHRINK),
    # short file identifiers: refused five ways, and 6A82 is ambiguous until SFI support is known
    (Answer(0x6A86, False), Asked(Via.SFI), Action.SFI_UNSUPPORTED),
    (Answer(0x6A87, False), Asked(Via.SFI), Action.SFI_UNSUPPORTED),
    (Answer(0x6D00, False), Asked(Via.SFI), Action.SFI_UNSUPPORTED),
    (Answer(0x6A82, False), Asked(Via.SFI), Action.SFI_AMBIGUOUS),
    (Answer(0x6A82, False), Asked(Via.SFI, sfi_known=True), Action.ABSENT),
    (Answer(0x6A82, False), SELECTED, Action.ABSENT),
    # access rights and the session
    (Answer(0x6982, False), SELECTED, Action.DENIED),
    (Answer(0x6982, False), Asked(Via.SELECTED, session_lost=True), Action.REACCESS),
    (Answer(0x6988, False), Asked(Via.SELECTED, session_lost=True), Action.REACCESS),
    (Answer(0x6A86, False), SELECTED, Action.FAIL),  # wrong P1-P2 to a plain B0: nothing to retry
    (Answer(0x6F00, False), SELECTED, Action.FAIL),
    # a plain answer past the end of the file: discard it, access again, read exactly
    (Answer(0x6282, True, unprotected=True), SELECTED, Action.REREAD_EXACT),
    (Answer(0x6282, False, unprotected=True), Asked(Via.SELECTED, session_lost=True), Action.REREAD_EXACT),
    (Answer(0x6B00, False, unprotected=True), Asked(Via.SELECTED, session_lost=True), Action.REREAD_EXACT),
])
def test_each_answer_gets_its_action(answer: Answer, asked: Asked, action: Action) -> None:
    assert decide(answer, asked) is action


def test_the_table_ends_with_a_catch_all_and_every_row_can_fire() -> None:
    assert TABLE[-1][:3] == (None, None, None) and TABLE[-1][3] is Action.FAIL
    for index, (status, via, data, action) in enumerate(TABLE):
        probe = Answer(next(sw for sw in range(0x6000, 0x10000) if classify(sw) is status) if status else 0x6F00,
                       bool(data) if data is not None else False)
        asked = Asked(via or Via.SELECTED, sfi_known=True)
        fired = next(i for i, row in enumerate(TABLE) if row[0] in (None, classify(probe.sw))
                     and row[1] in (None, asked.via) and row[2] in (None, probe.has_data))
        assert fired <= index  # no row is shadowed by an earlier, more general one
        assert fired == index or TABLE[fired][3] is action or TABLE[fired][0] is not None


@given(sw=st.integers(0x6000, 0x6FFF) | st.sampled_from([0x9000]), data=st.booleans(), via=st.sampled_from(Via),
       start=st.booleans(), probed=st.booleans(), known=st.sampled_from([None, True, False]), lost=st.booleans(),
       plain=st.booleans())
def test_every_answer_has_exactly_one_action_and_data_is_taken_only_when_trusted(
        sw: int, data: bool, via: Via, start: bool, probed: bool, known: bool | None, lost: bool, plain: bool) -> None:
    action = decide(Answer(sw, data, plain), Asked(via, start, probed, known, lost))
    assert isinstance(action, Action)
    if action is Action.TAKE:
        assert data and not plain and classify(sw) in (Status.OK, Status.END_OF_FILE)


def test_the_block_ladder_only_goes_down() -> None:
    assert smaller_block(EXTENDED_BLOCK) == 256
    assert [smaller_block(b) for b in SHORT_LADDER] == [*SHORT_LADDER[1:], None]
    for a, b in itertools.pairwise(SHORT_LADDER):
        assert a > b
    assert smaller_block(100) == 96  # a refused odd size steps to the next ladder rung below it
