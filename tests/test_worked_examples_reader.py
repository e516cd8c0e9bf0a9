"""The Doc 9303 worked examples replayed through the real `ChipReader`, in process: the reader, given
the example's random values (`ScriptedRandom`), sends exactly the example's commands, and the virtual
card, given the chip's values, answers exactly the example's responses. The same replay over pcscd is
in tests/test_sim_worked_examples_pcsc.py; the vectors are files (tests/vectors)."""

from __future__ import annotations

from gateway.nfc.access_key import MRZKey
from gateway.nfc.randomness import ScriptedRandom
from gateway.nfc.reading import ChipReader, ReadOptions
from gateway.verify.chip_session import drive
from simulators.chip.card import FixedValues, VirtualCard
from simulators.chip.document import ChipDocument, PaceParams
from simulators.chip.inprocess import InProcessTransport
from tests.chip_read_helpers import RecordingTransport
from tests.vectors import APPENDIX_D, APPENDIX_G1, load

D = load(APPENDIX_D)
G1 = load(APPENDIX_G1)


def appendix_d_card() -> VirtualCard:
    """The example's passport: BAC only, no EF.CardAccess, the printed EF.COM; the chip's RND.IC and
    K.IC pinned to the example's."""
    doc = ChipDocument(mrz_key=D.get("mrz.information"), app_files={0x011E: D.bytes("files.ef_com")})
    return VirtualCard(doc, fixed=FixedValues(rnd_ic=D.bytes("chip.rnd_ic"), k_ic=D.bytes("chip.k_ic")))


def appendix_d_reader() -> ChipReader:
    """The reader as the example reads: SELECT then READ BINARY (no SFI), the 4-byte header first."""
    key = MRZKey(D.get("mrz.document_number"), D.get("mrz.date_of_birth"), D.get("mrz.date_of_expiry"))
    options = ReadOptions(files=("EF.COM",), sfi=False, extended_length=False, header_first=True)
    return ChipReader(key, options, random=ScriptedRandom([D.bytes("terminal.rnd_ifd"), D.bytes("terminal.k_ifd")]))


def appendix_g1_card() -> VirtualCard:
    doc = ChipDocument(mrz_key=G1.get("mrz.information"), can=G1.get("mrz.can"),
                       pace=[PaceParams(G1.get("protocol_oid"), G1.get("parameter_id"))], bac=False,
                       ef_files={0x011C: G1.bytes("card_access")},
                       app_files={0x011E: D.bytes("files.ef_com"), 0x0101: bytes(1000)})
    fixed = FixedValues(pace_nonce=G1.bytes("nonce.plain"), pace_mapping_key=G1.int("chip.mapping_private_key"),
                        pace_ephemeral_key=G1.int("chip.ephemeral_private_key"))
    return VirtualCard(doc, fixed=fixed)


def appendix_g1_reader() -> ChipReader:
    key = MRZKey(G1.get("mrz.document_number"), G1.get("mrz.date_of_birth"), G1.get("mrz.date_of_expiry"))
    random = ScriptedRandom([G1.int("terminal.mapping_private_key"), G1.int("terminal.ephemeral_private_key")])
    return ChipReader(key, ReadOptions(files=("EF.COM",), pace_parameter_id="always"), random=random)


def contains_in_order(exchanges: list[tuple[bytes, bytes]], transcript: list[tuple[bytes, bytes]]) -> bool:
    """The transcript appears as consecutive exchanges of the recorded read."""
    n = len(transcript)
    return any(exchanges[i:i + n] == transcript for i in range(len(exchanges) - n + 1))


def test_appendix_d_bac_and_secure_messaging_through_chip_reader() -> None:
    transport = RecordingTransport(InProcessTransport(appendix_d_card()).connect())
    reader = appendix_d_reader()
    result = drive(reader, transport)
    exchanges = list(zip(transport.commands, transport.responses, strict=True))
    assert contains_in_order(exchanges, D.transcript())
    # Before it: only the look for EF.CardAccess by SELECT (the example's passport has none).
    assert [c[1] for c in transport.commands[: len(exchanges) - len(D.transcript())]] == [0xA4, 0xA4]
    assert result.files["EF.COM"] == D.bytes("files.ef_com")
    assert result.access.protocol == "BAC" and not result.quirks


def test_appendix_g1_pace_through_chip_reader() -> None:
    transport = RecordingTransport(InProcessTransport(appendix_g1_card()).connect())
    result = drive(appendix_g1_reader(), transport)
    exchanges = list(zip(transport.commands, transport.responses, strict=True))
    assert contains_in_order(exchanges, G1.transcript())
    assert transport.commands[0][:4] == bytes.fromhex("00B09C00")  # EF.CardAccess by SFI first
    assert result.card_access == G1.bytes("card_access")
    assert result.pace is not None
    assert (result.pace.ks_enc, result.pace.ks_mac) == (G1.bytes("session.ks_enc"), G1.bytes("session.ks_mac"))
    assert result.access.algorithm == "PACE-ECDH-GM-AES-128" and result.files["EF.COM"] == D.bytes("files.ef_com")
