"""DG12 (Doc 9303 Part 10 §4.7.12): additional document details (issuing authority, date of issue,
personalisation). Parsed for display and consistency checks; the repr hides the values."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.nfc.lds._text import counted, digits_date, presence_repr, tag_list, text
from gateway.nfc.lds.errors import guard, outer_object
from gateway.nfc.tlv import iter_tlv

_TEXT = {
    0x5F19: "issuing_authority",
    0x5F1B: "endorsements",
    0x5F1C: "tax_exit_requirements",
    0x5F56: "personalisation_device_serial",
}


@dataclass(frozen=True, slots=True, repr=False)
class DG12:
    tag_list: tuple[int, ...] = ()
    issuing_authority: str | None = None
    date_of_issue: str | None = None  # "YYYYMMDD"
    other_persons: tuple[str, ...] = ()
    endorsements: str | None = None
    tax_exit_requirements: str | None = None
    front_image: bytes | None = None
    rear_image: bytes | None = None
    personalisation_time: str | None = None  # "YYYYMMDDhhmmss"
    personalisation_device_serial: str | None = None
    unknown: tuple[tuple[int, bytes], ...] = ()

    __repr__ = presence_repr


@guard("DG12")
def parse_dg12(data: bytes) -> DG12:
    outer = outer_object(data, 0x6C, "DG12")
    values: dict[str, object] = {}
    persons: list[str] = []
    unknown: list[tuple[int, bytes]] = []
    for obj in iter_tlv(outer.value):
        if obj.tag == 0x5C:
            values["tag_list"] = tag_list(obj.value, "DG12")
        elif obj.tag in _TEXT:
            values[_TEXT[obj.tag]] = text(obj.value)
        elif obj.tag == 0x5F26:
            values["date_of_issue"] = digits_date(obj.value, "DG12 date of issue (5F26)")
        elif obj.tag == 0x5F55:
            values["personalisation_time"] = digits_date(obj.value, "DG12 personalisation time (5F55)", 14)
        elif obj.tag == 0xA0:
            persons.extend(text(v) for v in counted(obj, 0x5F1A, "DG12 other persons"))
        elif obj.tag == 0x5F1A:
            persons.append(text(obj.value))
        elif obj.tag == 0x5F1D:
            values["front_image"] = obj.value
        elif obj.tag == 0x5F1E:
            values["rear_image"] = obj.value
        else:
            unknown.append((obj.tag, obj.value))
    return DG12(other_persons=tuple(persons), unknown=tuple(unknown), **values)  # type: ignore[arg-type]
