"""The line reader simulator: its frames match the documented bytes, its faults do what they say."""

from __future__ import annotations

import os
import random
import stat

import pytest

from simulators.linereader import faults, frames
from simulators.linereader.pty_port import PtyPort
from tests.framing_frames import (
    ACCESSIS_TD2,
    DE_ID,
    DESKO_TD1,
    DESKO_TD3,
    PLAIN_TD3_CRLF,
    RTE_DE_ID,
    RTE_TD2,
    TD1,
    TD2,
    TD3,
)


def test_simulator_frames_are_the_hand_made_frames():
    # Two independent writings of docs/line-readers.md: the simulator's builders and literal bytes.
    assert frames.desko(TD3) == DESKO_TD3
    assert frames.desko(TD1) == DESKO_TD1
    assert frames.accessis(TD2) == ACCESSIS_TD2
    assert frames.rte_block(TD2) == RTE_TD2
    assert frames.rte_block(DE_ID) == RTE_DE_ID
    assert frames.plain(TD3) == PLAIN_TD3_CRLF


def test_bad_bcc_changes_only_the_check_byte():
    good, bad = frames.rte_block(TD3), frames.rte_block(TD3, corrupt_bcc=True)
    assert good[:-1] == bad[:-1] and good[-1] != bad[-1]


def test_misread_swaps_one_birth_date_digit_for_its_look_alike():
    for lines in (TD3, TD2, TD1, DE_ID):
        out = faults.misread(lines)
        diff = [(r, i) for r, (a, b) in enumerate(zip(lines, out, strict=True))
                for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        assert len(diff) == 1
        r, i = diff[0]
        assert r == 1 and faults.LOOKALIKE[lines[r][i]] == out[r][i]


def test_uart_model_identity_at_the_right_baud_and_noise_at_the_wrong_one():
    data = frames.desko(TD3)
    assert faults.uart_resample(data, 1.0) == data
    for ratio in (0.5, 2.0):
        noisy = faults.uart_resample(data, ratio)
        assert noisy != data and b"P<UTO" not in noisy


@pytest.mark.parametrize(("fault", "writes"), [
    ([], 1), (["split"], 2), (["pause"], 2), (["truncate"], 2), (["garbage"], 2), (["garbage", "split"], 3)])
def test_swipe_plans(fault, writes):
    plan = faults.swipe("3m", TD3, fault, pause_s=1.5, rng=random.Random(1))
    assert len(plan) == writes
    frame = frames.rte_block(TD3)
    joined = b"".join(w.data for w in plan)
    assert joined.endswith(frame)
    if fault == ["pause"]:
        assert plan[0].pause_after_s == 1.5 and b"".join(w.data for w in plan) == frame
    if fault == ["truncate"]:
        assert plan[0].data == frame[: len(frame) // 2]


def test_swipe_refuses_faults_that_do_not_apply():
    with pytest.raises(faults.FaultError, match="3m"):
        faults.swipe("desko", TD3, ["bad-bcc"])
    with pytest.raises(faults.FaultError, match="unknown"):
        faults.swipe("desko", TD3, ["fire"])


def test_long_line_per_framing():
    assert frames.long_line("desko").startswith(b"\x1c\x02") and len(frames.long_line("desko")) > 1_000_000
    rte = frames.long_line("3m")
    assert rte[1] | rte[2] << 8 == 0x3FFF  # the largest length word 14 bits can carry
    assert frames.long_line("plain").endswith(b"\r\n")


def test_pty_plug_unplug_replug_keeps_the_link_stable(tmp_path):
    port = PtyPort(tmp_path / "mrz0", write_timeout_s=0.2)
    first = port.plug()
    assert os.readlink(port.link) == first and stat.S_ISCHR(os.stat(port.link).st_mode)
    fd = os.open(port.link, os.O_RDWR | os.O_NOCTTY)
    try:
        assert os.isatty(fd)
    finally:
        os.close(fd)
    port.unplug()
    assert not port.link.exists() and not port.plugged
    assert port.write(b"lost") == 0  # unplugged: nothing goes anywhere
    second = port.plug()
    assert os.readlink(port.link) == second
    port.unplug()


def test_pty_drops_data_nobody_reads_instead_of_hanging(tmp_path):
    port = PtyPort(tmp_path / "mrz0", write_timeout_s=0.2)
    port.plug()
    try:
        written = port.write(b"x" * 1_000_000)
        assert written < 1_000_000 and port.dropped == 1_000_000 - written
    finally:
        port.unplug()
