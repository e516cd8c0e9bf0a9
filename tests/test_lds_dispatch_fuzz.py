"""The file table, `parse_file`, the `total_length` size probe for every file kind, and hostile
input: random bytes and mutated real files give an LDSError (never another exception), and no
error message carries the personal data it was parsing."""

from __future__ import annotations

import contextlib
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lds_samples import (
    BSI_DG1,
    BSI_DG2,
    BSI_DG14,
    BSI_DG15,
    BSI_SOD,
    CARD_ACCESS_BDR_TESTCARD,
    DG11_PYMRTD,
    EF_COM_APPENDIX_D,
    dg1,
    signed_content_info,
    small_dg2,
    sod,
)

from gateway.crypto import oids
from gateway.nfc.lds import (
    BY_TAG,
    DG1,
    DG2,
    DG11,
    DG12,
    HEADER_PROBE_LENGTH,
    SOD,
    CardSecurity,
    EFCom,
    LDSError,
    LDSNeedMoreData,
    PublicKeyInfo,
    RawDataGroup,
    SecurityInfos,
    lookup,
    parse_file,
    total_length,
)
from gateway.nfc.tlv import encode

DG12_SAMPLE = encode(0x6C, encode(0x5F19, b"STADT") + encode(0x5F26, b"20210801"))
CARD_SECURITY = signed_content_info(CARD_ACCESS_BDR_TESTCARD[:0x85], oids.ID_SECURITY_OBJECT)
DG3_SAMPLE = encode(0x63, encode(0x7F61, encode(0x02, b"\x00")))
GERMAN_ID_DG1 = dg1(
    ["IDD<<T220001293<<<<<<<<<<<<<<<", "6408125<2010315D<<<<<<<<<<<<<4", "MUSTERMANN<<ERIKA<<<<<<<<<<<<<"]
)

# (file, bytes, size the probe must report, type parse_file must give)
SAMPLES = [
    ("EF.COM", EF_COM_APPENDIX_D, len(EF_COM_APPENDIX_D), EFCom),
    ("EF.SOD", BSI_SOD, len(BSI_SOD), SOD),
    ("EF.CardAccess", CARD_ACCESS_BDR_TESTCARD, 0x85, SecurityInfos),
    ("DG1", BSI_DG1, len(BSI_DG1), DG1),
    ("DG2", BSI_DG2, len(BSI_DG2), DG2),
    ("DG3", DG3_SAMPLE, len(DG3_SAMPLE), RawDataGroup),
    ("DG11", DG11_PYMRTD, len(DG11_PYMRTD), DG11),
    ("DG12", DG12_SAMPLE, len(DG12_SAMPLE), DG12),
    ("DG14", BSI_DG14, len(BSI_DG14), SecurityInfos),
    ("DG15", BSI_DG15, len(BSI_DG15), PublicKeyInfo),
    ("EF.CardSecurity", CARD_SECURITY, len(CARD_SECURITY), CardSecurity),
]


def test_file_table():
    expected_tags = [0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70]
    for n, tag in enumerate(expected_tags, start=1):
        f = lookup(f"DG{n}")
        assert (f.fid, f.sfi, f.tag, f.dg) == (0x0100 + n, n, tag, n)
        assert lookup(0x0100 + n) is f and lookup(n) is f and BY_TAG[tag] is f and lookup(f"EF.dg{n}") is f
    assert (lookup("EF.COM").fid, lookup("COM").sfi, lookup(0x1E).tag) == (0x011E, 0x1E, 0x60)
    assert (lookup("SOD").fid, lookup(0x011D).name, lookup(0x1D).tag) == (0x011D, "EF.SOD", 0x77)
    assert (lookup(0x011C).name, lookup(0x1C).name, lookup("CardAccess").tag) == ("EF.CardAccess",) * 2 + (None,)
    assert lookup("EF.CardSecurity").in_master_file
    for bad in ("DG17", "DG0", "EF.FOO", 0x0111, 0x3F00, True):
        with pytest.raises(KeyError):
            lookup(bad)


@pytest.mark.parametrize(("name", "data", "size", "kind"), SAMPLES, ids=[s[0] for s in SAMPLES])
def test_total_length_probe_and_parse_file(name, data, size, kind):
    assert total_length(data[:HEADER_PROBE_LENGTH]) == size
    assert isinstance(parse_file(name, data), kind)
    f = lookup(name)
    if not f.in_master_file or name == "EF.CardAccess":  # FID/SFI 011D/1D mean EF.SOD, not EF.CardSecurity
        assert isinstance(parse_file(f.fid, data), kind) and isinstance(parse_file(f.sfi, data), kind)


def test_total_length_asks_for_more_when_the_probe_is_short():
    with pytest.raises(LDSNeedMoreData) as info:
        total_length(BSI_DG2[:2])  # 75 82 | 3A E7: the length field is cut
    assert info.value.needed == 4
    assert total_length(BSI_DG2[: info.value.needed]) == len(BSI_DG2)
    with pytest.raises(LDSNeedMoreData) as info:
        total_length(BSI_DG2[:1])
    assert info.value.needed == 2
    with pytest.raises(LDSNeedMoreData):
        total_length(b"")
    with pytest.raises(LDSNeedMoreData):
        total_length(b"\x5f")  # two-byte tag cut
    assert total_length(b"\x60\x14") == 22
    with pytest.raises(LDSError, match="unsupported TLV length form 80"):
        total_length(b"\x77\x80\x00")
    with pytest.raises(LDSError, match="length form 85"):
        total_length(b"\x77\x85\x00\x00\x00\x00\x01")


def test_small_dg2_parses():
    faces = parse_file("DG2", small_dg2()).faces
    assert [(f.record_format, f.format, f.width, f.height) for f in faces] == [
        ("ISO/IEC 19794-5", "JPEG", 64, 80),
        ("ISO/IEC 39794-5", "JPEG", 64, 80),
    ]


def test_parse_file_unknown_file():
    with pytest.raises(LDSError, match="no LDS file"):
        parse_file("DG42", b"")
    with pytest.raises(LDSError, match="expected bytes"):
        parse_file("DG1", "not bytes")  # type: ignore[arg-type]


FILE_NAMES = [s[0] for s in SAMPLES] + ["DG16"]
_FAST = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FAST
@given(name=st.sampled_from(FILE_NAMES), data=st.binary(max_size=300))
def test_random_bytes_only_raise_lds_error(name, data):
    with contextlib.suppress(LDSError):
        parse_file(name, data)


@_FAST
@given(name=st.sampled_from([s[0] for s in SAMPLES if lookup(s[0]).tag]), body=st.binary(max_size=300))
def test_random_body_under_the_right_tag(name, body):
    tag = lookup(name).tag
    with contextlib.suppress(LDSError):
        parse_file(name, encode(tag, body))


def _mutate(data: bytes, position: int, byte: int, cut: int, mode: int) -> bytes:
    pos = position % len(data)
    if mode == 0:
        return data[:pos] + bytes([byte]) + data[pos + 1 :]
    if mode == 1:
        return data[: max(0, len(data) - 1 - cut % len(data))]
    if mode == 2:
        return data[:pos] + bytes([byte]) + data[pos:]
    return data[:pos] + data[pos + 1 + cut % 8 :]


SMALL_SAMPLES = [s for s in SAMPLES if s[0] != "DG2"] + [
    ("DG2", small_dg2(), 0, DG2),
    ("EF.SOD", sod({1: b"\x01" * 32, 2: b"\x02" * 32}), 0, SOD),
    ("DG1", GERMAN_ID_DG1, 0, DG1),
]


@settings(max_examples=600, deadline=None)
@given(
    sample=st.sampled_from(SMALL_SAMPLES),
    position=st.integers(0, 10_000),
    byte=st.integers(0, 255),
    cut=st.integers(0, 10_000),
    mode=st.integers(0, 3),
)
def test_mutated_real_files_only_raise_lds_error(sample, position, byte, cut, mode):
    name, data, _, _ = sample
    with contextlib.suppress(LDSError):
        parse_file(name, _mutate(data, position, byte, cut, mode))


_HEX_RUN = re.compile(r"[0-9A-Fa-f]{16,}")
PERSONAL = ("MUSTERMANN", "ERIKA", "T22000129", "6408125", "C11T002JM", "Northampton", "Tester")


@settings(max_examples=400, deadline=None)
@given(
    sample=st.sampled_from([("DG1", GERMAN_ID_DG1), ("DG1", BSI_DG1), ("DG11", DG11_PYMRTD)]),
    position=st.integers(0, 10_000),
    byte=st.integers(0, 255),
    cut=st.integers(0, 10_000),
    mode=st.integers(0, 3),
)
def test_errors_never_carry_personal_data(sample, position, byte, cut, mode):
    name, data = sample
    try:
        parse_file(name, _mutate(data, position, byte, cut, mode))
    except LDSError as exc:
        message = str(exc)
        assert not any(p in message for p in PERSONAL), message
        assert not _HEX_RUN.search(message), message
