"""DG11 (Doc 9303 Part 10 §4.7.11): additional personal details. Every field is optional and all of
it is personal data — the parsed object's repr shows which fields exist, never their contents."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.nfc.lds._text import counted, digits_date, presence_repr, tag_list, text
from gateway.nfc.lds.errors import guard, outer_object
from gateway.nfc.tlv import iter_tlv

_TEXT = {
    0x5F0E: "full_name",
    0x5F10: "personal_number",
    0x5F11: "place_of_birth",
    0x5F42: "address",
    0x5F12: "telephone",
    0x5F13: "profession",
    0x5F14: "title",
    0x5F15: "personal_summary",
    0x5F17: "other_travel_document_numbers",
    0x5F18: "custody_information",
}


@dataclass(frozen=True, slots=True, repr=False)
class DG11:
    tag_list: tuple[int, ...] = ()
    full_name: str | None = None
    other_names: tuple[str, ...] = ()
    personal_number: str | None = None
    full_date_of_birth: str | None = None  # "YYYYMMDD" as stored (may hold unknown parts)
    place_of_birth: str | None = None
    address: str | None = None
    telephone: str | None = None
    profession: str | None = None
    title: str | None = None
    personal_summary: str | None = None
    proof_of_citizenship: bytes | None = None  # an image (ISO/IEC 10918)
    other_travel_document_numbers: str | None = None
    custody_information: str | None = None
    unknown: tuple[tuple[int, bytes], ...] = ()

    __repr__ = presence_repr


@guard("DG11")
def parse_dg11(data: bytes) -> DG11:
    outer = outer_object(data, 0x6B, "DG11")
    values: dict[str, object] = {}
    other_names: list[str] = []
    unknown: list[tuple[int, bytes]] = []
    for obj in iter_tlv(outer.value):
        if obj.tag == 0x5C:
            values["tag_list"] = tag_list(obj.value, "DG11")
        elif obj.tag in _TEXT:
            values[_TEXT[obj.tag]] = text(obj.value)
        elif obj.tag == 0xA0:
            other_names.extend(text(v) for v in counted(obj, 0x5F0F, "DG11 other names"))
        elif obj.tag == 0x5F0F:  # some chips store other names without the A0 template
            other_names.append(text(obj.value))
        elif obj.tag == 0x5F2B:
            values["full_date_of_birth"] = digits_date(obj.value, "DG11 full date of birth (5F2B)")
        elif obj.tag == 0x5F16:
            values["proof_of_citizenship"] = obj.value
        else:
            unknown.append((obj.tag, obj.value))
    return DG11(other_names=tuple(other_names), unknown=tuple(unknown), **values)  # type: ignore[arg-type]
