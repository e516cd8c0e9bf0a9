"""The sans-IO chip reader against in-process virtual cards: every profile, access choices, block
sizes, SFI, lost cards, bad MACs, progress events and the step extension point."""

from __future__ import annotations

import dataclasses
import itertools
import math

import pytest

from gateway.nfc.access_key import AccessKeyError, CANKey, MRZKey
from gateway.nfc.apdu import CommandAPDU, ResponseAPDU, internal_authenticate
from gateway.nfc.protocol.active_authentication import ActiveAuthenticationStep
from gateway.nfc.protocol.chip_authentication import ChipAuthenticationStep
from gateway.nfc.protocol.steps import StepContext, StepOutcome
from gateway.nfc.reading import (
    DEFAULT_FILES,
    AccessDeniedError,
    AccessNotPossibleError,
    CardLostError,
    ChipDataError,
    ChipReader,
    ReadOptions,
    UntrustedSessionError,
    files_from_names,
)
from gateway.transport import TransmitError
from gateway.verify.chip_session import drive
from simulators.chip.card import CardFaults, VirtualCard
from simulators.chip.lds_builder import build_document
from simulators.chip.profile import list_profiles
from tests.chip_read_helpers import (
    RecordingTransport,
    can_key,
    document,
    expected_file,
    mrz_key,
    put_back_when_pulled,
    read_chip,
    virtual_card,
)

PROFILES = list_profiles()
FAULTY = {"quirk-wrong-mac-sod", "quirk-pulled-mid-dg2", *(p for p in list_profiles() if p.startswith("hostile-"))}


def run_reader(reader, transport, *, wait_for_card_s: float = 0.0, events=None):
    return drive(reader, transport, on_event=events.append if events is not None else None,
                 wait_for_card_s=wait_for_card_s)


def _read(name: str, key=None, options=None, *, wait: float = 0.0, events=None, **faults):
    transport = RecordingTransport.for_card(virtual_card(name, **faults))
    reader = ChipReader(key or mrz_key(name), options)
    return run_reader(reader, transport, wait_for_card_s=wait, events=events), transport


# --- every profile ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [p for p in PROFILES if p not in FAULTY])
def test_every_profile_reads_completely_and_exactly(name: str) -> None:
    result, transport = _read(name)
    _, doc = document(name)
    for file in DEFAULT_FILES:
        assert result.files[file] == expected_file(name, file), file
    if doc.pace:
        assert result.access.protocol == "PACE"
        assert result.card_access == expected_file(name, "EF.CardAccess")
    else:
        assert result.access.protocol == "BAC" and result.access.algorithm is None
        assert result.card_access is None
    # The engine counts what the transport moved, byte for byte.
    stats = transport.inner.stats
    assert (result.stats.apdus, result.stats.bytes_sent, result.stats.bytes_received) == (
        stats.apdus, stats.bytes_to_card, stats.bytes_from_card)


def test_pace_card_read_with_the_minimum_of_apdus() -> None:
    """Extended length + SFI: EF.CardAccess, MSE:Set AT, 4 x General Authenticate, SELECT, 4 reads."""
    result, transport = _read("td1-eu-pace")
    assert result.access.algorithm == "PACE-ECDH-GM-AES-128"
    assert result.access.parameter_name == "brainpoolP256r1"
    assert transport.instructions() == [0xB0, 0x22, 0x86, 0x86, 0x86, 0x86, 0xA4, 0xB0, 0xB0, 0xB0, 0xB0]
    assert transport.commands[0][:4] == bytes.fromhex("00B09C00")  # EF.CardAccess by SFI 1C, unprotected
    assert all(c[0] == 0x0C for c in transport.commands[6:])  # everything after PACE is protected
    assert all(c[2] & 0x80 for c in transport.commands[7:])  # each file in one read, by SFI
    assert result.stats.extended_length is True and result.stats.sfi is True and result.stats.refusals == 0


def test_bac_card_read_with_the_minimum_of_apdus() -> None:
    result, transport = _read("td3-bac")
    # EF.CardAccess (absent), SELECT eMRTD, GET CHALLENGE, EXTERNAL AUTHENTICATE, 4 reads.
    assert transport.instructions() == [0xB0, 0xA4, 0x84, 0x82, 0xB0, 0xB0, 0xB0, 0xB0]
    assert result.access.protocol == "BAC"


# --- access --------------------------------------------------------------------------------------


def test_pace_only_card_with_can() -> None:
    result, transport = _read("td1-eu-pace", can_key("td1-eu-pace"))
    assert (result.access.protocol, result.access.password) == ("PACE", "CAN")
    assert 0x84 not in transport.instructions()  # BAC never tried
    assert result.files["DG1"] == expected_file("td1-eu-pace", "DG1")


def test_several_pace_infos_choose_one_and_name_its_parameter_id() -> None:
    result, transport = _read("td1-multi-paceinfo", can_key("td1-multi-paceinfo"))
    assert result.access.algorithm == "PACE-ECDH-GM-AES-256"
    assert result.access.parameter_id == 16
    mse = CommandAPDU.decode(transport.commands[1])
    assert mse.ins == 0x22 and bytes.fromhex("840110") in mse.data  # DO'84 = parameter id 16


def test_single_pace_info_sends_no_parameter_id() -> None:
    _, transport = _read("td1-eu-pace")
    mse = CommandAPDU.decode(transport.commands[1])
    assert mse.data.endswith(bytes.fromhex("830101"))  # MRZ password reference, no DO'84


def test_bac_fallback_when_asked_for_on_a_card_offering_both() -> None:
    result, _ = _read("td3-pace-bac-ca-aa", options=ReadOptions(protocol="bac"))
    assert result.access.protocol == "BAC"
    assert result.files["DG2"] == expected_file("td3-pace-bac-ca-aa", "DG2")


@pytest.mark.parametrize(
    ("name", "key", "error"),
    [
        ("td1-eu-pace", CANKey("000000"), AccessDeniedError),
        ("td1-eu-pace", MRZKey("643215987", "880321", "330916"), AccessDeniedError),
        ("td3-bac", MRZKey("L898902C3", "740812", "340416"), AccessDeniedError),
        ("td3-bac", CANKey("123456"), AccessNotPossibleError),
    ],
)
def test_wrong_or_unusable_keys_are_reported(name, key, error) -> None:
    with pytest.raises(error) as info:
        _read(name, key)
    assert "643215987" not in str(info.value) and "L898902C3" not in str(info.value)


def test_bac_asked_for_on_a_pace_only_card_is_not_possible() -> None:
    with pytest.raises(AccessNotPossibleError, match="refused BAC"):
        _read("td1-eu-pace", options=ReadOptions(protocol="bac"))


def test_mrz_key_from_text_applies_check_digit_confirmed_corrections() -> None:
    icao = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]
    assert MRZKey.from_mrz("\n".join(icao)).information == "L898902C36" + "7408122" + "1204159"
    ocr = icao[1].replace("7408122", "74O8122")  # O for 0 in the birth date
    assert MRZKey.from_mrz(icao[0] + ocr).information == MRZKey("L898902C3", "740812", "120415").information
    td1_long = ["I<UTOD23145890<1233<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<2", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"]
    assert MRZKey.from_mrz(td1_long).information == "D231458901233" + "7408122" + "1204159"
    assert "ERIKSSON" not in repr(MRZKey.from_mrz(td1_long)) and "D23" not in repr(MRZKey.from_mrz(td1_long))


def test_appendix_d_mrz_information() -> None:
    assert MRZKey("L898902C", "690806", "940623").information == "L898902C<369080619406236"


@pytest.mark.parametrize("bad", [("L898902C3", "7408", "120415"), ("L89*", "740812", "120415")])
def test_malformed_mrz_key_fields_are_refused(bad) -> None:
    with pytest.raises(AccessKeyError):
        MRZKey(*bad)
    with pytest.raises(AccessKeyError):
        CANKey("12345")


# --- block sizes and SFI ---------------------------------------------------------------------------


def test_slow_card_le_limit_met_by_smaller_blocks() -> None:
    """quirk-slow-card: Le at most 224, no extended length, no SFI."""
    result, transport = _read("quirk-slow-card")
    name = "quirk-slow-card"
    for file in DEFAULT_FILES:
        assert result.files[file] == expected_file(name, file)
    stats = result.stats
    assert (stats.block_size, stats.extended_length, stats.sfi) == (224, False, False)
    # Each refusal happened once and was remembered: extended (6700), Le 256 (6700), SFI (6A86).
    assert stats.refusals == 3
    reads = sum(math.ceil(len(expected_file(name, f)) / 224) for f in DEFAULT_FILES)
    # EF.CardAccess: 3 refused reads (extended, Le 256, SFI), SELECT MF, SELECT (absent); BAC: SELECT + 2;
    # per file one SELECT; then only full 224-byte blocks and exact tails.
    assert stats.apdus == 5 + 3 + len(DEFAULT_FILES) + reads
    sfi_reads = [c for c in transport.commands if c[1] == 0xB0 and c[2] & 0x80]
    assert all(c[2] == 0x9C for c in sfi_reads)  # learnt on EF.CardAccess, never tried again


def test_block_size_shrinks_until_the_card_accepts_it() -> None:
    result, _ = _read("td3-bac", max_le=100)
    assert result.stats.block_size == 96
    assert result.files["DG2"] == expected_file("td3-bac", "DG2")


def test_sfi_refused_as_file_not_found_falls_back_to_select_on_a_pace_only_card() -> None:
    """6A82 to an SFI read is ambiguous; the reader finds EF.CardAccess by SELECT and uses PACE."""
    result, _ = _read("td1-eu-pace", can_key("td1-eu-pace"), no_sfi=True, no_sfi_sw=0x6A82)
    assert result.access.protocol == "PACE"
    assert result.stats.sfi is False
    assert result.files["DG2"] == expected_file("td1-eu-pace", "DG2")


def test_only_the_requested_files_are_read() -> None:
    options = ReadOptions(files=files_from_names("dg1,dg3"))
    result, transport = _read("td3-bac", options=options)
    assert list(result.files) == ["DG1"]
    assert result.absent == ["DG3"]
    assert len(transport.commands) == 1 + 3 + 2


def test_files_from_names_normalises_and_refuses_unknown_names() -> None:
    assert files_from_names("dg1, EF.DG2,sod,com") == ("DG1", "DG2", "EF.SOD", "EF.COM")
    with pytest.raises(ValueError):
        files_from_names("DG99")


def test_aa_and_ca_steps_add_dg14_dg15_only_when_ef_com_lists_them() -> None:
    options = ReadOptions(steps=(ChipAuthenticationStep.factory(), ActiveAuthenticationStep.factory()))
    with_keys, _ = _read("td3-pace-bac-ca-aa", options=options)
    assert {"DG14", "DG15"} <= set(with_keys.files)
    without, transport = _read("td3-bac", options=options)
    assert "DG14" not in without.files and not without.absent
    assert len(transport.commands) == 8  # nothing tried for files EF.COM does not list
    assert without.steps["chip_authentication"].reason == "CA_NOT_SUPPORTED"  # EF.COM lists no DG14


# --- lost card -----------------------------------------------------------------------------------


def test_card_pulled_mid_read_is_a_clear_error_and_a_retry_succeeds() -> None:
    name = "quirk-pulled-mid-dg2"
    card = virtual_card(name)
    transport = RecordingTransport.for_card(card)
    with pytest.raises(CardLostError) as info:
        read_chip(transport, mrz_key(name))
    assert info.value.file == "DG2"
    assert "removed" in str(info.value) and "DG2" in str(info.value)
    transport.insert()  # the officer puts the card back and reads again
    result = read_chip(transport, mrz_key(name))
    assert result.files["DG2"] == expected_file(name, "DG2")


def test_card_put_back_within_the_wait_resumes_at_the_offset_reached() -> None:
    name = "quirk-pulled-mid-dg2"
    events: list = []
    transport = RecordingTransport.for_card(virtual_card(name, no_extended_length=True))
    put_back_when_pulled(lambda: not transport.inner.connected, transport.insert)
    result = run_reader(ChipReader(mrz_key(name)), transport, wait_for_card_s=5.0, events=events)
    assert result.files["DG2"] == expected_file(name, "DG2")
    lost = [e for e in events if e.kind == "card_lost"]
    assert len(lost) == 1 and lost[0].file == "DG2" and 7000 < lost[0].offset <= 8000
    assert result.stats.recoveries == 1 and result.stats.access_runs == 2
    # DG2 was not read again from the start: its bytes crossed the link about once.
    dg2 = len(expected_file(name, "DG2"))
    assert result.stats.bytes_received < dg2 * 1.25
    renewed = [e for e in events if e.kind == "access_established"]
    assert [e.renewed for e in renewed] == [False, True]
    assert result.stats.timings["recovery"] >= 0.15


def test_card_pulled_during_pace_gets_access_again() -> None:
    transport = RecordingTransport.for_card(virtual_card("td1-eu-pace", pull_after_apdus=3))
    put_back_when_pulled(lambda: not transport.inner.connected, transport.insert, delay=0.05)
    result = run_reader(ChipReader(mrz_key("td1-eu-pace")), transport, wait_for_card_s=5.0)
    assert result.access.protocol == "PACE" and result.stats.access_runs == 2


def test_recoveries_are_limited() -> None:
    name = "td3-bac"
    transport = RecordingTransport.for_card(virtual_card(name))
    reader = ChipReader(mrz_key(name), ReadOptions(max_recoveries=0))
    assert reader.start().command is not None
    with pytest.raises(CardLostError, match="giving up"):
        reader.connection_lost("the card was removed")
    assert reader.done and transport.commands == []


# --- untrusted sessions ----------------------------------------------------------------------------


def test_wrong_mac_means_an_untrusted_session_and_no_data() -> None:
    events: list = []
    transport = RecordingTransport.for_card(virtual_card("quirk-wrong-mac-sod"))
    reader = ChipReader(mrz_key("quirk-wrong-mac-sod"))
    with pytest.raises(UntrustedSessionError, match=r"EF\.SOD") as info:
        run_reader(reader, transport, events=events)
    assert reader.result is None and reader.done
    assert "MAC" in str(info.value)
    assert "EF.SOD" not in [e.name for e in events if e.kind == "file_finished"]


def test_a_single_wrong_mac_is_still_not_trusted() -> None:
    with pytest.raises(UntrustedSessionError):
        _read("td1-eu-pace", wrong_mac_on_last_response=True, wrong_mac_fid=0x0102, wrong_mac_once=True)


# --- engine contract -------------------------------------------------------------------------------


def test_progress_events_name_files_and_reach_the_whole_size() -> None:
    events: list = []
    _read("td3-bac", events=events, max_le=224)
    progress = [e for e in events if e.kind == "file_progress" and e.name == "DG2"]
    assert progress[-1].done == progress[-1].total == len(expected_file("td3-bac", "DG2"))
    assert all(a.done < b.done for a, b in itertools.pairwise(progress))
    assert progress[-1].percent == 100.0
    finished = [e.name for e in events if e.kind == "file_finished"]
    assert finished == ["EF.COM", "DG1", "DG2", "EF.SOD"]
    assert all("ERIKSSON" not in str(e.to_dict()) for e in events)


def test_malformed_response_is_a_clear_error() -> None:
    reader = ChipReader(mrz_key("td3-bac"))
    reader.start()
    with pytest.raises(ChipDataError, match="status word"):
        reader.feed(b"\x90")
    with pytest.raises(RuntimeError):
        reader.feed(b"\x90\x00")


def test_timings_cover_the_phases() -> None:
    result, _ = _read("td1-eu-pace")
    timings = result.stats.timings
    assert {"card_access", "access", "read"} <= set(timings)
    assert sum(timings.values()) == pytest.approx(result.stats.total_s, rel=0.05, abs=1e-3)


class _InternalAuthenticateStep:
    """A minimal step: proves the extension point wraps commands and hands back plain responses."""

    name = "probe"

    def start(self) -> CommandAPDU:
        return internal_authenticate(bytes(8))

    def feed(self, response: ResponseAPDU) -> StepOutcome:
        return StepOutcome(response.sw == 0x9000 and len(response.data) > 8, "signature length",
                           data={"length": len(response.data)})


class _ProbeFactory:
    name = "probe"
    needs = ("DG15",)
    not_offered = "PROBE_NOT_OFFERED"
    not_run = "PROBE_NOT_RUN"

    def __init__(self) -> None:
        self.contexts: list[StepContext] = []

    def __call__(self, context: StepContext) -> _InternalAuthenticateStep:
        self.contexts.append(context)
        return _InternalAuthenticateStep()


def test_step_extension_point_runs_after_its_files_under_secure_messaging() -> None:
    factory = _ProbeFactory()
    result, transport = _read("td3-pace-bac-ca-aa", options=ReadOptions(steps=(factory,)))
    assert result.steps["probe"].passed is True
    assert factory.contexts[0].files["DG15"] == expected_file("td3-pace-bac-ca-aa", "DG15")
    assert factory.contexts[0].access.protocol == "PACE"
    assert "DG2" not in factory.contexts[0].files  # runs before the big files
    assert any(c[:2] == b"\x0c\x88" for c in transport.commands)  # INTERNAL AUTHENTICATE, protected


def test_step_needing_a_missing_file_is_not_performed() -> None:
    result, _ = _read("td3-bac", options=ReadOptions(steps=(_ProbeFactory(),)))
    assert result.steps["probe"].passed is None and result.steps["probe"].reason == "PROBE_NOT_OFFERED"


def test_chip_authentication_is_proven_by_reading_on_and_a_clone_is_caught() -> None:
    options = ReadOptions(steps=(ChipAuthenticationStep.factory(),))
    genuine, _ = _read("td3-pace-bac-ca-aa", options=options)
    assert genuine.steps["chip_authentication"].passed is True
    assert genuine.files["DG2"] == expected_file("td3-pace-bac-ca-aa", "DG2")
    clone, _ = _read("fault-cloned-ca", options=options)
    assert clone.steps["chip_authentication"].passed is False
    assert clone.steps["chip_authentication"].reason == "CA_FAILED"
    # The clone's data is still read, in a fresh trusted session, for the verdict to weigh.
    assert clone.files["DG2"] == expected_file("fault-cloned-ca", "DG2")
    assert clone.stats.access_runs == 2


# --- unusual chips ---------------------------------------------------------------------------------


class _SixCeeCard(VirtualCard):
    """A chip quirk the simulator lacks: unprotected READ BINARY with Le above 16 is answered 6C10
    ("use Le 16"). Only the plain EF.CardAccess read meets it."""

    def transmit(self, apdu: bytes) -> bytes:
        command = CommandAPDU.decode(apdu)
        if command.cla == 0x00 and command.ins == 0xB0 and (command.le or 0) > 16:
            return b"\x6c\x10"
        return super().transmit(apdu)


def test_wrong_le_6cxx_is_followed_and_kept_as_the_block_limit() -> None:
    _, doc = document("td1-eu-pace")
    transport = RecordingTransport.for_card(_SixCeeCard(doc))
    result = run_reader(ChipReader(can_key("td1-eu-pace"), ReadOptions(files=("DG1",))), transport)
    assert result.card_access == expected_file("td1-eu-pace", "EF.CardAccess")
    assert result.files["DG1"] == expected_file("td1-eu-pace", "DG1")
    assert result.stats.block_size == 16
    plain_reads = [CommandAPDU.decode(c).le for c in transport.commands if c[:2] == b"\x00\xb0"]
    assert plain_reads == [65536, 16, 6]  # asked, told 16, then exactly the 6 bytes left


def test_files_beyond_32k_are_read_with_odd_read_binary() -> None:
    profile, _ = document("td3-bac")
    doc = build_document(dataclasses.replace(profile, dg2_size=40_000))
    transport = RecordingTransport.for_card(VirtualCard(doc, CardFaults(no_extended_length=True)))
    result = run_reader(ChipReader(mrz_key("td3-bac"), ReadOptions(files=("DG2",))), transport)
    assert result.files["DG2"] == doc.app_files[0x0102] and len(result.files["DG2"]) > 32767
    odd = [c for c in transport.commands if c[1] == 0xB1]
    assert odd and all(c[0] == 0x0C for c in odd)  # protected, offsets in DO'54


def test_zero_length_file_is_read_as_empty_not_as_a_refusal() -> None:
    profile, _ = document("td3-bac")
    faults = dataclasses.replace(profile.faults, empty_sod="zero-length")
    doc = build_document(dataclasses.replace(profile, faults=faults))
    transport = RecordingTransport.for_card(VirtualCard(doc))
    result = run_reader(ChipReader(mrz_key("td3-bac")), transport)
    assert result.files["EF.SOD"] == b""
    assert result.stats.block_size == 65536  # "end of file" at offset 0 did not shrink the block


class _GlitchOnce(RecordingTransport):
    """The reader's driver reports one exchange as failed (the card did not answer) — a transient
    error below the protocol; the card itself is fine and stays in the field."""

    glitch_at: int = 0

    def transmit(self, apdu: bytes) -> bytes:
        if len(self.commands) == self.glitch_at:
            self.commands.append(bytes(apdu))
            self.responses.append(b"")
            raise TransmitError("the card in reader 'in-process' did not answer")
        return super().transmit(apdu)


def test_transient_transmit_error_resumes_from_the_last_offset() -> None:
    name = "td3-bac"
    transport = _GlitchOnce(RecordingTransport.for_card(virtual_card(name, no_extended_length=True)).inner)
    transport.glitch_at = 40  # well inside DG2
    events: list = []
    result = run_reader(ChipReader(mrz_key(name)), transport, events=events)
    assert result.files["DG2"] == expected_file(name, "DG2")
    lost = [e for e in events if e.kind == "card_lost"]
    assert [e.reason for e in lost] == ["the card stopped answering"] and lost[0].offset > 5000
    assert result.stats.recoveries == 1 and result.stats.access_runs == 2
