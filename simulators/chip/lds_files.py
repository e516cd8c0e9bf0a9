"""Encoders for the elementary files of the LDS (ICAO Doc 9303 Part 10), one function per file.

Each returns the complete file content (outer tag included) exactly as a chip stores it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from simulators.chip.security_infos import der_set_of, spki_der
from simulators.chip.tlv_build import tag_bytes, tlv, tlv_seq

# Data group number -> the tag its file starts with (Doc 9303 Part 10, table 34).
DG_TAGS = {1: 0x61, 2: 0x75, 3: 0x63, 4: 0x76, 5: 0x65, 6: 0x66, 7: 0x67, 8: 0x68, 9: 0x69, 10: 0x6A,
           11: 0x6B, 12: 0x6C, 13: 0x6D, 14: 0x6E, 15: 0x6F, 16: 0x70}
TAG_COM = 0x60
TAG_SOD = 0x77

# DG11 / DG12 field name -> tag (Doc 9303 Part 10, 4.7.11 and 4.7.12).
DG11_FIELDS = {
    "full_name": 0x5F0E, "personal_number": 0x5F10, "full_date_of_birth": 0x5F2B, "place_of_birth": 0x5F11,
    "address": 0x5F42, "telephone": 0x5F12, "profession": 0x5F13, "title": 0x5F14,
    "personal_summary": 0x5F15, "other_td_numbers": 0x5F17, "custody_information": 0x5F18,
}
DG12_FIELDS = {
    "issuing_authority": 0x5F19, "date_of_issue": 0x5F26, "endorsements": 0x5F1B, "tax_exit": 0x5F1C,
    "personalization_time": 0x5F55, "personalization_serial": 0x5F56,
}

# ISO/IEC 19794-5 constants used in the facial record header.
_GENDER = {"F": 2, "M": 1, "X": 0, "<": 0}
_IMAGE_DATA_TYPE = {"jpeg": 0, "jpeg2000": 1}
FORMAT_OWNER_ISO_SC37 = 0x0101
FORMAT_TYPE_FACE = 0x0008


def ef_com(data_groups: list[int], lds_version: str = "0107", unicode_version: str = "040000",
           tag_list: str = "binary") -> bytes:
    """60 { 5F01 LDS version 'aabb', 5F36 Unicode 'aabbcc', 5C list of DG tags }. `tag_list`
    "ascii-hex" writes the tags as hex text, as some issuers' personalisation does (a quirk)."""
    tags = b"".join(bytes([DG_TAGS[n]]) for n in sorted(data_groups))
    if tag_list == "ascii-hex":
        tags = tags.hex().upper().encode("ascii")
    return tlv_seq(TAG_COM, tlv(0x5F01, lds_version.encode()), tlv(0x5F36, unicode_version.encode()),
                   tlv(0x5C, tags))


def dg1(mrz_text: str) -> bytes:
    """61 { 5F1F MRZ lines concatenated }."""
    return tlv_seq(DG_TAGS[1], tlv(0x5F1F, mrz_text.encode("ascii")))


def facial_record(image: bytes, image_format: str, width: int, height: int, sex: str) -> bytes:
    """ISO/IEC 19794-5:2005 record: 'FAC\\0' '010\\0' header, one facial information block with no
    feature points, image information, then the JPEG / JPEG 2000 bytes."""
    image_info = (
        bytes([1, _IMAGE_DATA_TYPE[image_format]])  # face image type full frontal, data type
        + width.to_bytes(2, "big") + height.to_bytes(2, "big")
        + bytes([1, 2])  # colour space 24-bit RGB, source type digital still camera
        + (0).to_bytes(2, "big") + (0).to_bytes(2, "big")  # device type, quality unspecified
    )
    block_len = 20 + len(image_info) + len(image)
    facial_info = (
        block_len.to_bytes(4, "big") + (0).to_bytes(2, "big")  # no feature points
        + bytes([_GENDER.get(sex, 0xFF), 0, 0]) + b"\x00\x00\x00"  # gender, eye, hair, feature mask
        + b"\x00\x00" + b"\x00\x00\x00" + b"\x00\x00\x00"  # expression, pose angles, uncertainties
    )
    record_len = 14 + block_len
    header = b"FAC\x00" + b"010\x00" + record_len.to_bytes(4, "big") + (1).to_bytes(2, "big")
    return header + facial_info + image_info + image


def dg2(record: bytes, wrapped: bool = True) -> bytes:
    """75 { 7F61 { 02 count=1, 7F60 { A1 biometric header template, 5F2E facial record } } }; without
    the '75' when `wrapped` is False (a quirk some chips have)."""
    header = tlv_seq(
        0xA1,
        tlv(0x80, b"\x01\x01"),  # ICAO header version 1.1
        tlv(0x81, b"\x02"),  # biometric type: facial features
        tlv(0x87, FORMAT_OWNER_ISO_SC37.to_bytes(2, "big")),
        tlv(0x88, FORMAT_TYPE_FACE.to_bytes(2, "big")),
    )
    bit = tlv_seq(0x7F60, header, tlv(0x5F2E, record))
    group = tlv_seq(0x7F61, tlv(0x02, b"\x01"), bit)
    return tlv_seq(DG_TAGS[2], group) if wrapped else group


def _text(value: object) -> bytes:
    if isinstance(value, dt.date):
        return value.strftime("%Y%m%d").encode()
    return str(value).encode("utf-8")


def _tagged_fields(dg: int, names: Mapping[str, int], values: Mapping[str, object]) -> bytes:
    unknown = set(values) - set(names)
    if unknown:
        raise ValueError(f"DG{dg} has no field(s) {sorted(unknown)}; known: {sorted(names)}")
    present = [(names[k], v) for k, v in values.items() if v not in (None, "")]
    tag_list = tlv(0x5C, b"".join(tag_bytes(t) for t, _ in present))
    return tlv_seq(DG_TAGS[dg], tag_list, *(tlv(t, _text(v)) for t, v in present))


def dg11(values: Mapping[str, object]) -> bytes:
    """6B { 5C tag list, 5F0E full name, 5F11 place of birth, ... } (additional personal details)."""
    return _tagged_fields(11, DG11_FIELDS, values)


def dg12(values: Mapping[str, object]) -> bytes:
    """6C { 5C tag list, 5F19 issuing authority, 5F26 date of issue, ... } (additional document details)."""
    return _tagged_fields(12, DG12_FIELDS, values)


def dg14(security_infos: list[bytes]) -> bytes:
    """6E { SecurityInfos } : chip authentication (and ECDSA active authentication) parameters."""
    return tlv(DG_TAGS[14], der_set_of(security_infos))


def dg15(public_key, explicit: bool = False) -> bytes:
    """6F { SubjectPublicKeyInfo } of the active authentication key."""
    return tlv(DG_TAGS[15], spki_der(public_key, explicit))


def card_access(pace_infos: list[bytes]) -> bytes:
    """EF.CardAccess is a bare SecurityInfos (no outer application tag)."""
    return der_set_of(pace_infos)
