"""The framing parsers against hand-made frames, every fault, every chunking, bounded memory."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.framing import (
    DISCARD_REPORT_BYTES,
    AutoParser,
    CuteParser,
    Discarded,
    FrameError,
    FramingDetected,
    MRZLines,
    PlainParser,
    RteParser,
    SkippedFrame,
    Timing,
    cute,
    make_parser,
    plain,
    rte,
)
from tests.framing_frames import (
    ACCESSIS_BARCODE,
    ACCESSIS_MAGSTRIPE,
    ACCESSIS_TD2,
    DE_ID,
    DESKO_TD1,
    DESKO_TD3,
    PLAIN_TD1_LF,
    PLAIN_TD2_CR,
    PLAIN_TD3_CRLF,
    RTE_DE_ID,
    RTE_TD2,
    TD1,
    TD2,
    TD3,
    xor_bcc,
)


def run(parser, data: bytes, *, flush: bool = True) -> list:
    events = parser.feed(data)
    return events + (parser.flush() if flush else [])


def mrzs(events) -> list[tuple[str, ...]]:
    return [e.lines for e in events if isinstance(e, MRZLines)]


def codes(events) -> list[str]:
    return [e.code for e in events if isinstance(e, FrameError)]


def discarded(events) -> int:
    return sum(e.nbytes for e in events if isinstance(e, Discarded))


def byte_by_byte(parser, data: bytes) -> list:
    events = []
    for b in data:
        events += parser.feed(bytes((b,)))
    return events + parser.flush()


# --- hand-made frames ------------------------------------------------------------------------------

@pytest.mark.parametrize(("framing", "frame", "lines"), [
    ("desko", DESKO_TD3, TD3),
    ("desko", DESKO_TD1, TD1),
    ("accessis", ACCESSIS_TD2, TD2),
    ("3m", RTE_TD2, TD2),
    ("3m", RTE_DE_ID, DE_ID),
    ("plain", PLAIN_TD3_CRLF, TD3),
    ("plain", PLAIN_TD1_LF, TD1),
    ("plain", PLAIN_TD2_CR, TD2),
])
def test_each_framing_reads_its_hand_made_frame(framing, frame, lines):
    events = run(make_parser(framing), frame)
    assert events == [MRZLines(lines, framing)]
    assert byte_by_byte(make_parser(framing), frame) == events


def test_3m_frames_follow_the_documented_length_and_bcc():
    for frame in (RTE_TD2, RTE_DE_ID):
        assert frame[1] | frame[2] << 8 == len(frame) - 3  # bytes after the length word, BCC included
        assert frame[-1] == xor_bcc(frame)  # XOR of everything after SOH up to and including ETX
        assert frame[-2] == 0x03 and frame[3:6] == b"OU\x02"


def test_cute_skips_magstripe_and_barcode_frames_and_reads_the_mrz_after_them():
    events = run(CuteParser(framing="accessis"), ACCESSIS_MAGSTRIPE + ACCESSIS_BARCODE + ACCESSIS_TD2)
    assert events == [
        SkippedFrame("magstripe", len(ACCESSIS_MAGSTRIPE) - 4, "accessis"),
        SkippedFrame("barcode", len(ACCESSIS_BARCODE) - 4, "accessis"),
        MRZLines(TD2, "accessis"),
    ]


def test_a_binary_barcode_may_hold_etx_without_ending_the_frame():
    frame = b"\x1e\x02AB\x03CD\x03\x03\x1f"
    assert run(CuteParser(), frame) == [SkippedFrame("barcode", 6, "cute")]  # A B 03 C D 03


def test_an_mrz_after_noise_that_opened_a_skipped_frame_is_not_swallowed():
    events = run(CuteParser(), b"\x1e\x02garbage" + DESKO_TD3)  # noise looked like a barcode start
    assert codes(events) == ["TRUNCATED"] and mrzs(events) == [TD3]
    events = run(CuteParser(), b"\x0e\x02AB\x03" + DESKO_TD3)  # ... even right after an ETX
    assert codes(events) == ["TRUNCATED"] and mrzs(events) == [TD3]
    assert run(CuteParser(), b"\x1e\x02A\x1cB\x03\x1f") == [SkippedFrame("barcode", 3, "cute")]  # FS as data


def test_mrz_repr_shows_the_shape_never_the_characters():
    event = run(CuteParser(), DESKO_TD3)[0]
    assert "ERIKSSON" not in repr(event) and "L898902C3" not in str(event)
    assert "44/44" in repr(event)


# --- faults: every one an error or a discard, never an MRZ ---------------------------------------

def test_garbage_before_between_and_after_frames_is_discarded_and_frames_still_read():
    garbage = bytes(range(0x40, 0x60)) * 3  # 96 printable bytes, no framing byte
    for framing, frame, lines in (("desko", DESKO_TD3, TD3), ("3m", RTE_TD2, TD2)):
        events = run(make_parser(framing), garbage + frame + garbage + frame + garbage)
        assert mrzs(events) == [lines, lines]
        assert discarded(events) == 3 * len(garbage)
        assert not codes(events)


@pytest.mark.parametrize("parser_cls", [CuteParser, RteParser])
def test_a_frame_cut_short_by_a_new_frame_is_truncated_and_the_new_frame_reads(parser_cls):
    frame = DESKO_TD3 if parser_cls is CuteParser else RTE_TD2
    lines = TD3 if parser_cls is CuteParser else TD2
    events = run(parser_cls(), frame[: len(frame) // 2] + frame)
    assert codes(events) == ["TRUNCATED"]
    assert mrzs(events) == [lines]


@pytest.mark.parametrize(("framing", "frame"), [("desko", DESKO_TD3), ("3m", RTE_TD2)])
def test_stream_ending_mid_frame_is_truncated(framing, frame):
    events = run(make_parser(framing), frame[:-3])
    assert codes(events) == ["TRUNCATED"] and not mrzs(events)


def test_3m_bad_bcc_is_an_error_never_an_mrz():
    bad = RTE_TD2[:-1] + bytes((RTE_TD2[-1] ^ 0x01,))
    events = run(RteParser(), bad + RTE_TD2)
    assert codes(events) == ["BAD_BCC"]
    assert mrzs(events) == [TD2]  # the next, good frame still reads


def test_3m_changed_data_byte_breaks_the_bcc():
    tampered = RTE_TD2.replace(b"D231458907", b"D231458908")
    assert codes(run(RteParser(), tampered)) == ["BAD_BCC"]


def test_3m_length_word_that_disagrees_with_etx_is_an_error():
    too_long = RTE_TD2[:1] + bytes((RTE_TD2[1] + 2,)) + RTE_TD2[2:]  # ETX comes 2 bytes early
    assert codes(run(RteParser(), too_long)) == ["LENGTH_MISMATCH"]
    too_short = RTE_TD2[:1] + bytes((RTE_TD2[1] - 2,)) + RTE_TD2[2:]  # data where ETX should be
    events = run(RteParser(), too_short)
    assert codes(events) == ["LENGTH_MISMATCH"] and not mrzs(events)


def test_3m_false_start_in_line_noise_is_rescanned():
    for noise in (b"\x01", b"\x01\x01", b"\x01\x20\x00O", b"\x01\x20\x00OU", b"\x01\xff\xff"):
        events = run(RteParser(), noise + RTE_TD2)
        assert mrzs(events) == [TD2], noise
        assert not codes(events)
        assert discarded(events) == len(noise)


def test_3m_oversize_block_is_reported_and_skipped():
    header = b"\x01\xff\x3fOU\x02"  # announces 16383 bytes
    events = run(RteParser(), header + b"0" + b"A" * 3000 + RTE_TD2)
    assert codes(events) == ["OVERSIZE"]
    assert mrzs(events) == [TD2]


def test_3m_empty_and_miscounted_blocks():
    def block(data: bytes) -> bytes:
        length = 6 + len(data)
        body = bytes((length & 0xFF, length >> 8)) + b"OU\x020" + data + b"\x03"
        acc = 0
        for x in body:
            acc ^= x
        return b"\x01" + body + bytes((acc,))

    assert codes(run(RteParser(), block(b"\r\r\r"))) == ["EMPTY_FRAME"]
    assert codes(run(RteParser(), block(b"______\r______\r______\r"))) == ["EMPTY_FRAME"]
    assert codes(run(RteParser(), block(b"\r" + TD2[0].encode() + b"\r"))) == ["LINE_COUNT"]
    assert codes(run(RteParser(), block(b"\r\r" + TD2[1].encode() + b"\r"))) == ["LINE_COUNT"]
    assert codes(run(RteParser(), block(b"\r" + TD2[0].encode() + b"\xff\r\r"))) == ["BAD_BYTE"]


def test_cute_frame_errors():
    assert codes(run(CuteParser(), b"\x1c\x02\x03\x1d")) == ["EMPTY_FRAME"]
    assert codes(run(CuteParser(), b"\x1c\x02" + TD3[0].encode() + b"\r\x03\x1d")) == ["LINE_COUNT"]
    four = b"\r".join(x.encode() for x in TD1 + TD1[:1])
    assert codes(run(CuteParser(), b"\x1c\x02" + four + b"\x03\x1d")) == ["LINE_COUNT"]
    assert codes(run(CuteParser(), DESKO_TD3[:20] + b"\xff" + DESKO_TD3[21:])) == ["BAD_BYTE"]
    assert codes(run(CuteParser(), DESKO_TD3[:-1] + b"\x0f")) == ["UNCLOSED"]  # magstripe end on an OCR frame
    assert codes(run(CuteParser(), DESKO_TD3[:-1] + b"X")) == ["UNCLOSED"]


def test_cute_start_byte_without_stx_is_noise():
    events = run(CuteParser(), b"\x1c\x1c\x0eA" + DESKO_TD3)
    assert mrzs(events) == [TD3] and not codes(events) and discarded(events) == 4


# --- bounded memory ----------------------------------------------------------------------------

def test_one_megabyte_line_is_discarded_with_an_event_in_every_framing():
    big = b"A" * 1_000_000
    cases = {
        "desko": (b"\x1c\x02" + big + b"\r\x03\x1d", cute.MAX_OCR_BODY),
        "plain": (big + b"\r", plain.MAX_LINE),
    }
    for framing, (stream, cap) in cases.items():
        parser = make_parser(framing)
        events = parser.feed(stream[:500_000])
        assert codes(events) == ["OVERSIZE"]
        buffered = len(parser.body) if framing == "desko" else len(parser.line)
        assert buffered <= cap  # nothing of the flood is held
        events += parser.feed(stream[500_000:] + (DESKO_TD3 if framing == "desko" else PLAIN_TD3_CRLF))
        events += parser.flush()
        assert mrzs(events) == [TD3]  # and the reader works again right after
        assert discarded(events) >= 1_000_000 - cap


def test_flood_without_frames_gives_steady_discard_events_and_holds_nothing():
    rng = random.Random(7)
    flood = bytes(rng.choice(b"ABCDEFGHIJ0123456789 ") for _ in range(50_000))
    for framing in ("desko", "3m", "auto"):
        parser = make_parser(framing)
        events = parser.feed(flood)
        blocks = [e for e in events if isinstance(e, Discarded)]
        assert len(blocks) == 50_000 // DISCARD_REPORT_BYTES
        assert all(e.nbytes == DISCARD_REPORT_BYTES for e in blocks)
        if isinstance(parser, AutoParser):
            assert len(parser._buf) <= 128


def test_line_noise_in_plain_mode_reports_one_oversize_per_stretch():
    rng = random.Random(11)
    noise = bytes(rng.randrange(256) for _ in range(300_000))  # CR/LF about every 128 bytes
    events = run(PlainParser(), noise + b"\r\n" + PLAIN_TD3_CRLF + noise)
    assert codes(events).count("OVERSIZE") <= 2 and mrzs(events) == [TD3]
    assert discarded(events) >= 2 * 300_000 - 256


# --- timing policy (timestamps in, no clock inside) -----------------------------------------------

@pytest.mark.parametrize(("framing", "frame", "lines"), [("desko", DESKO_TD3, TD3), ("3m", RTE_TD2, TD2)])
def test_pause_mid_frame(framing, frame, lines):
    half = len(frame) // 2
    ok = make_parser(framing, Timing(max_gap_s=1.0))
    assert mrzs(ok.feed(frame[:half], now=10.0) + ok.feed(frame[half:], now=10.6)) == [lines]

    late = make_parser(framing, Timing(max_gap_s=1.0))
    events = late.feed(frame[:half], now=10.0) + late.feed(frame[half:], now=12.5)
    assert codes(events) == ["TIMEOUT"] and not mrzs(events)
    assert discarded(events + late.flush()) > 0  # the tail is garbage now
    assert mrzs(late.feed(frame, now=13.0)) == [lines]  # next swipe reads


def test_expire_reports_a_frame_left_open():
    parser = CuteParser(Timing(max_gap_s=0.5))
    parser.feed(DESKO_TD3[:30], now=1.0)
    assert parser.expire(1.4) == []
    assert codes(parser.expire(1.6)) == ["TIMEOUT"]
    assert not parser.in_frame


def test_plain_gap_policy_splits_mrzs():
    parser = PlainParser(Timing(max_gap_s=1.0))
    l1, l2 = PLAIN_TD3_CRLF.split(b"\r\n")[:2]
    events = parser.feed(l1 + b"\r\n", now=0.0) + parser.feed(l2 + b"\r\n", now=0.3)
    assert mrzs(events) == [TD3]
    events = parser.feed(l1 + b"\r\n", now=5.0) + parser.feed(l2 + b"\r\n", now=7.0)
    assert codes(events) == ["INCOMPLETE"] and not mrzs(events)
    assert codes(parser.feed(l1 + b"\r", now=8.0) + parser.expire(9.5)) == ["INCOMPLETE"]


def test_plain_lines_that_do_not_make_an_mrz():
    td3_1, td3_2 = (x.encode() for x in TD3)
    events = run(PlainParser(), td3_1 + b"\r" + b"hello world\r" + td3_1 + b"\r" + td3_2 + b"\r")
    assert codes(events) == ["INCOMPLETE"] and mrzs(events) == [TD3]
    events = run(PlainParser(), td3_1 + b"\r" + TD2[1].encode() + b"\r")  # 44 then 36
    assert codes(events) == ["INCOMPLETE"]
    events = run(PlainParser(), td3_2 + b"\r" + td3_1 + b"\r" + td3_2 + b"\r")  # second line first
    assert mrzs(events) == [TD3] and discarded(events) == len(td3_2) + 1
    garbage = bytes(range(0x80, 0xAC)) + b"\r"  # 44 non-ASCII bytes
    assert mrzs(run(PlainParser(), garbage + garbage)) == []


def test_plain_keeps_a_misread_character_for_check_to_correct():
    misread = TD3[1].replace("7408122", "74O8122").encode()
    assert mrzs(run(PlainParser(), TD3[0].encode() + b"\r" + misread + b"\r")) == [(TD3[0], misread.decode())]


# --- autodetection ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("frame", "framing", "lines"), [
    (DESKO_TD3, "cute", TD3), (ACCESSIS_TD2, "cute", TD2), (ACCESSIS_BARCODE + DESKO_TD1, "cute", TD1),
    (RTE_TD2, "3m", TD2), (PLAIN_TD3_CRLF, "plain", TD3), (PLAIN_TD1_LF, "plain", TD1),
])
def test_autodetect_from_the_first_frame(frame, framing, lines):
    noise = b"\x00\xff noise \xfe\r"  # ends in CR: noise without a line end would spoil a plain first line
    events = run(AutoParser(), noise + frame + frame)
    assert FramingDetected(framing) in events
    assert mrzs(events) == [lines, lines]
    assert byte_by_byte(AutoParser(), noise + frame + frame) == events


def test_autodetect_is_not_fooled_by_mrz_lines_inside_a_framed_block():
    # A 3M block of a 44-character MRZ holds "\rLINE1\rLINE2\r" - plain-looking - after its header.
    rte_td3 = (b"\x01\x61\x00OU\x020\r" + TD3[0].encode() + b"\r" + TD3[1].encode() + b"\r\x03")
    acc = 0
    for x in rte_td3[1:]:
        acc ^= x
    rte_td3 += bytes((acc,))
    events = run(AutoParser(), rte_td3)
    assert FramingDetected("3m") in events and mrzs(events) == [TD3]
    # Starting mid-frame (the gateway opened the port during a swipe): the tail ends in CR ETX,
    # so it is not taken for plain lines; the next whole frame decides.
    events = run(AutoParser(), DESKO_TD1[5:] + DESKO_TD3)
    assert events[-2:] == [FramingDetected("cute"), MRZLines(TD3, "cute")]


def test_autodetect_with_only_noise_never_decides():
    rng = random.Random(3)
    parser = AutoParser()
    events = run(parser, bytes(rng.randrange(0x20, 0x7F) for _ in range(20_000)))  # printable noise, CR-free
    assert not any(isinstance(e, FramingDetected) for e in events)
    assert discarded(events) == 20_000


# --- any chunking, same events (hypothesis) -------------------------------------------------------

FRAMES = [DESKO_TD3, DESKO_TD1, ACCESSIS_TD2, ACCESSIS_MAGSTRIPE, ACCESSIS_BARCODE, RTE_TD2, RTE_DE_ID,
          PLAIN_TD3_CRLF, PLAIN_TD1_LF]
pieces = st.one_of(st.sampled_from(FRAMES), st.binary(max_size=40),
                   st.sampled_from([b"\x01", b"\x1c", b"\x02", b"\x03", b"\r", b"\x1c\x02", b"\x01\x61\x00OU"]))


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    bounds = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(pieces, max_size=12), st.lists(st.integers(min_value=0), max_size=30),
       st.sampled_from(["desko", "3m", "plain", "auto"]))
def test_any_chunking_gives_the_same_events(parts, cuts, framing):
    data = b"".join(parts)
    whole = run(make_parser(framing), data)
    parser = make_parser(framing)
    events = []
    for chunk in chunked(data, cuts):
        events += parser.feed(chunk)
    assert events + parser.flush() == whole


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.binary(max_size=30).map(lambda b: bytes(x for x in b if x not in b"\x01\x1c\x0e\x1e")),
                          st.sampled_from([(DESKO_TD3, TD3), (DESKO_TD1, TD1), (RTE_TD2, TD2), (RTE_DE_ID, DE_ID)])),
                min_size=1, max_size=6))
def test_frames_survive_any_garbage_between_them(items):
    """Garbage without start bytes never costs a frame: CUTE and 3M streams resynchronise."""
    for framing in ("desko", "3m"):
        wanted = [lines for _, (frame, lines) in items if (frame[0] == 0x01) == (framing == "3m")]
        data = b"".join(g + frame for g, (frame, _) in items)
        assert mrzs(run(make_parser(framing), data)) == wanted


def test_parsers_take_no_clock():
    import inspect

    for module in (cute, rte, plain):
        source = inspect.getsource(module)
        assert "import time" not in source and "monotonic" not in source
