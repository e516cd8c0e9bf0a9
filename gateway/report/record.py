"""The check report (Prüfprotokoll) as a record: a `VerifyResult` in, a plain dict out.

The record is shaped after BSI TR-03135 ("Machine Authentication of MRTDs for Public Sector
Applications") as far as its public parts allow:

- **One record per inspection** with the inspection system and the operation (TR-03135 Part 1,
  the logging of an inspection; Part 2's application profiles ask for the device, the software
  version and the time): `inspection` = operation id, time (UTC), reader, software and version.
- **Results per check group** in the order TR-03135 Part 1 walks through a document check:
  the *optical* checks of the data page (MRZ read and its check digits, IR/UV features, image
  quality), the *electronic* checks of the chip (access control BAC/PACE; passive authentication
  with the EF.SOD signature, the certificate chain to a CSCA, revocation and the data group hashes;
  active and chip authentication as the chip's authenticity), the *consistency* checks between
  the page and the chip (printed MRZ vs DG1, portrait vs chip face), and the *document validity*.
  Each group and each check has one of PASSED / FAILED / NOT_PERFORMED plus a reason.
- **One overall result** (`overall`), derived exactly as `gateway.verdict` derives the verdict:
  it is the verdict, never recomputed here, so report and verdict cannot disagree.

Where this deviates, and why:

- JSON, not the XML of TR-03135's logging schemas: the gateway speaks JSON and protobuf, and the
  public material available here does not include the schemas' element names. The field names are
  ours (docs/check-report.schema.json is the contract), the structure is TR-03135's.
- Three result values per check, as `gateway.verdict` has them. A group's result is FAILED when one
  of its checks failed, NOT_PERFORMED when none passed or one of its *required* checks was not
  performed, else PASSED. A non-decisive failure (an expired document, a misread printed MRZ)
  fails its group without making the overall result NOT_GENUINE - as the verdict does.
- Check names are the gateway's stable API names; a check the table below does not know yet lands
  in the group `other`, so a new check appears in the report without a change here.
- Personal data: TR-03135 logs for operational monitoring; here the record holds holder data
  (names, document number, dates) only when the caller asks (`include_personal_data=True`), and
  values of the holder's MRZ are blanked out of the check messages otherwise (the expiry check's
  message names the date). Images only when the caller allows them (`images=`).

Sans-IO: nothing here reads the clock unless no time is given, and nothing is written anywhere.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import gateway
from gateway.mrz import MRZResult
from gateway.verdict import CHECK_NAMES, Check, CheckStatus, Status
from gateway.verify.result import VerifyResult

#: Version of the record's shape (docs/check-report.schema.json); bump on an incompatible change.
RECORD_FORMAT = "gateway-check-report/1"
SOFTWARE = "clearing-gateway"


@dataclass(frozen=True)
class Group:
    key: str
    title_de: str
    title_en: str


#: The check groups, in TR-03135 Part 1's order; `other` catches checks not in CHECK_GROUPS.
GROUPS: tuple[Group, ...] = (
    Group("optical", "Optische Prüfungen", "Optical checks"),
    Group("electronic", "Elektronische Prüfungen", "Electronic checks"),
    Group("consistency", "Konsistenzprüfungen", "Consistency checks"),
    Group("validity", "Gültigkeit des Dokuments", "Document validity"),
    Group("other", "Weitere Prüfungen", "Other checks"),
)
FALLBACK_GROUP = "other"


@dataclass(frozen=True)
class CheckInfo:
    group: str
    procedure: str  # the TR-03135 / Doc 9303 procedure the check belongs to
    title_de: str
    title_en: str


#: check name -> its group, procedure and titles. Unknown names fall back to `other`.
CHECK_GROUPS: dict[str, CheckInfo] = {
    "mrz_check_digits": CheckInfo("optical", "mrz", "Prüfziffern der MRZ", "MRZ check digits"),
    "mrz_ir_visible": CheckInfo("optical", "ir", "MRZ im Infrarotlicht sichtbar", "MRZ visible under IR"),
    "uv_dull_paper": CheckInfo("optical", "uv", "Papier im UV-Licht matt", "Paper dull under UV"),
    "uv_feature_present": CheckInfo("optical", "uv", "UV-Merkmale sichtbar", "UV features visible"),
    "image_quality": CheckInfo("optical", "image", "Bildqualität", "Image quality"),
    "portrait_present": CheckInfo("optical", "image", "Lichtbild vorhanden", "Portrait present"),
    "chip_access": CheckInfo("electronic", "access_control", "Chipzugriff (BAC/PACE)", "Chip access (BAC/PACE)"),
    "sod_signature": CheckInfo("electronic", "passive_authentication", "Signatur des Sicherheitsobjekts",
                               "Security object signature"),
    "certificate_chain": CheckInfo("electronic", "passive_authentication", "Zertifikatskette bis zur CSCA",
                                   "Certificate chain to the CSCA"),
    "revocation": CheckInfo("electronic", "passive_authentication", "Sperrstatus des Unterzeichners",
                            "Document signer revocation"),
    "data_group_hashes": CheckInfo("electronic", "passive_authentication", "Hashwerte der Datengruppen",
                                   "Data group hashes"),
    "active_authentication": CheckInfo("electronic", "chip_authenticity", "Aktive Authentisierung",
                                       "Active authentication"),
    "chip_authentication": CheckInfo("electronic", "chip_authenticity", "Chip-Authentisierung",
                                     "Chip authentication"),
    "mrz_matches_chip": CheckInfo("consistency", "mrz_vs_dg1", "Gedruckte MRZ gleich Chip (DG1)",
                                  "Printed MRZ equals chip (DG1)"),
    "portrait_matches_chip": CheckInfo("consistency", "portrait_vs_dg2", "Lichtbild gleich Chipbild (DG2)",
                                       "Portrait equals chip face (DG2)"),
    "document_expiry": CheckInfo("validity", "expiry", "Ablaufdatum", "Date of expiry"),
}

#: The overall result as the desk reads it (the wording of docs and the verdict's messages).
OVERALL_TITLES: dict[str, tuple[str, str]] = {
    Status.GENUINE.value: ("ECHT", "GENUINE"),
    Status.NOT_GENUINE.value: ("NICHT ECHT", "NOT GENUINE"),
    Status.INCONCLUSIVE.value: ("NICHT ENTSCHIEDEN", "INCONCLUSIVE"),
}

#: Images a record may carry: the chip's face (DG2) and the portrait cropped off the page.
RESULT_IMAGES = ("chip_face", "portrait")
#: MRZ fields that are the holder's (or the document's individual) data.
#: (Sex and nationality are left out of the holder-less record, never searched for in messages.)
PERSONAL_FIELDS = ("primary_identifier", "secondary_identifier", "document_number", "birth_date", "expiry_date",
                   "optional_data", "optional_data_2")
_REDACTED = "…"


def check_info(name: str) -> CheckInfo:
    """The check's group and titles; a name not in the table gets the fallback group, titled by its name."""
    known = CHECK_GROUPS.get(name)
    if known is not None:
        return known
    title = name.replace("_", " ")
    return CheckInfo(FALLBACK_GROUP, "other", title, title)


def build_record(
    result: VerifyResult,
    *,
    include_personal_data: bool = False,
    images: Collection[str] = (),
    page_images: Mapping[str, bytes] | None = None,
    generated_at: dt.datetime | None = None,
    device: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The check report of one verification as a JSON-ready dict.

    `include_personal_data`: add the holder block (names, document number, dates, from the chip's DG1
    when read, else the printed MRZ) and keep those values in messages; off by default.
    `images`: which of the result's images to embed (`RESULT_IMAGES`; only those the result holds).
    `page_images`: page images the caller passes and allows (light name -> PNG/JPEG bytes).
    `generated_at` (default now, UTC) and `device` (free-form inspection system facts) for the header.
    """
    unknown = sorted(set(images) - set(RESULT_IMAGES))
    if unknown:
        raise ValueError(f"unknown image kind {unknown[0]!r}; known: {', '.join(RESULT_IMAGES)}")
    when = (generated_at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    secrets = set() if include_personal_data else _personal_values(result)
    checks = [_check(c, secrets) for c in result.verdict.checks]
    status = result.verdict.status.value
    de, en = OVERALL_TITLES[status]
    record: dict[str, Any] = {
        "format": RECORD_FORMAT,
        "inspection": {
            "operation_id": result.operation_id or uuid.uuid4().hex[:16],
            "time": when.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "reader_id": result.reader_id or None,
            "software": SOFTWARE,
            "software_version": gateway.__version__,
            "device": dict(device or {}),
        },
        "overall": {"result": status, "title": {"de": de, "en": en},
                    "decided_by": [c["name"] for c in checks if _decides(c, status)]},
        "groups": _groups(checks),
        "document": _document(result),
        "chip": _chip(result),
        "personal_data_included": include_personal_data,
        "images": _images(result, images, page_images or {}),
    }
    if include_personal_data:
        record["holder"] = _holder(result)
    return record


# --- checks and groups -----------------------------------------------------------------------------


def _redact(text: str, secrets: set[str]) -> str:
    for value in sorted(secrets, key=len, reverse=True):
        text = text.replace(value, _REDACTED)
    return text


def _check(c: Check, secrets: set[str]) -> dict[str, Any]:
    info = check_info(c.name)
    return {
        "name": c.name,
        "group": info.group,
        "procedure": info.procedure,
        "title": {"de": info.title_de, "en": info.title_en},
        "result": c.status.value,
        "reason": c.reason,
        "message": {"de": _redact(c.message_de, secrets), "en": _redact(c.message_en, secrets)},
        "decisive": c.decisive,
        "required": CHECK_NAMES.get(c.name, False),
    }


def _decides(c: dict[str, Any], status: str) -> bool:
    """The checks behind the overall result: decisive failures, or required checks not passed."""
    if status == Status.NOT_GENUINE.value:
        return c["result"] == CheckStatus.FAILED.value and c["decisive"]
    if status == Status.INCONCLUSIVE.value:
        return c["required"] and c["result"] != CheckStatus.PASSED.value
    return False


def group_result(checks: list[dict[str, Any]]) -> str:
    """FAILED if one check failed; NOT_PERFORMED if none passed or a required one was not performed."""
    results = [c["result"] for c in checks]
    if CheckStatus.FAILED.value in results:
        return CheckStatus.FAILED.value
    if CheckStatus.PASSED.value not in results or any(
            c["required"] and c["result"] == CheckStatus.NOT_PERFORMED.value for c in checks):
        return CheckStatus.NOT_PERFORMED.value
    return CheckStatus.PASSED.value


def _groups(checks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for g in GROUPS:
        members = [c for c in checks if c["group"] == g.key]
        if not members and g.key == FALLBACK_GROUP:
            continue
        out.append({"group": g.key, "title": {"de": g.title_de, "en": g.title_en},
                    "result": group_result(members) if members else CheckStatus.NOT_PERFORMED.value,
                    "checks": members})
    return out


# --- document, chip, holder ------------------------------------------------------------------------


def _mrz_of(result: VerifyResult) -> tuple[MRZResult | None, str]:
    if result.chip_mrz is not None:
        return result.chip_mrz, "chip_dg1"
    if result.printed_mrz is not None:
        return result.printed_mrz, "printed_mrz"
    return None, ""


def _personal_values(result: VerifyResult) -> set[str]:
    values = set()
    for mrz in (result.chip_mrz, result.printed_mrz):
        if mrz is None:
            continue
        for name in PERSONAL_FIELDS:
            value = mrz.fields.get(name)
            if value and len(value) >= 3:  # 1-2 letter values would blank unrelated text
                values.add(value)
                values.update(part for part in value.split() if len(part) >= 3)
        values.update(line for line in mrz.lines if line)
    return values


def _document(result: VerifyResult) -> dict[str, Any]:
    """What kind of document, without whose: format, document code, issuing state; the page reading."""
    mrz, source = _mrz_of(result)
    out: dict[str, Any] = {
        "mrz_source": source or None,
        "format": mrz.format if mrz else None,
        "document_code": mrz.fields.get("document_code") if mrz else None,
        "issuing_state": mrz.fields.get("issuing_state") if mrz else None,
        "printed_mrz_given": result.printed_mrz is not None,
        "printed_mrz_corrections": len(result.printed_mrz.corrections) if result.printed_mrz else 0,
    }
    if result.page is not None:
        page = result.page
        out["page"] = {"status": page.status, "engine": page.engine, "rotation": page.rotation,
                       "effective_dpi": round(page.effective_dpi, 1),
                       "warnings": [w.code for w in page.warnings]}
    return out


def _chip(result: VerifyResult) -> dict[str, Any]:
    """How the chip was read and what signed it: protocol, files, algorithms, signer summaries."""
    if result.access is None and not result.files:
        return {"read": False}
    details = result.details or {}
    return {
        "read": True,
        "access": result.access.to_dict() if result.access else None,
        "files": [f.name for f in result.files],
        "absent": list(result.absent),
        "denied": list(result.denied),
        "signature_algorithm": details.get("signature_algorithm"),
        "digest_algorithm": details.get("digest_algorithm"),
        "lds_security_object": details.get("lds_security_object"),
        "document_signer": _signer(details.get("document_signer")),
        "csca": _signer(details.get("csca")),
        "quirks": [q.code for q in result.quirks],
        "warnings": list(result.warnings),
        "apdus": result.apdus,
        "duration_s": round(result.timings.total_s, 3),
    }


def _signer(summary: Any) -> dict[str, Any] | None:
    if not isinstance(summary, Mapping):
        return None
    keys = ("subject", "country", "serial", "not_before", "not_after", "fingerprint_sha256")
    return {k: summary.get(k) for k in keys}


def _holder(result: VerifyResult) -> dict[str, Any]:
    mrz, source = _mrz_of(result)
    if mrz is None:
        return {"source": None}
    f = mrz.fields
    return {"source": source, "surname": f.get("primary_identifier"), "given_names": f.get("secondary_identifier"),
            "document_number": f.get("document_number"), "nationality": f.get("nationality"),
            "birth_date": f.get("birth_date"), "sex": f.get("sex"), "expiry_date": f.get("expiry_date")}


# --- images ----------------------------------------------------------------------------------------


def _image(kind: str, data: bytes) -> dict[str, Any]:
    from gateway.imaging import ImageHeaderError, detect, read_header

    try:
        header = read_header(data)
        width, height = header.width, header.height
    except ImageHeaderError:
        width = height = 0
    return {"kind": kind, "format": detect(data), "width": width, "height": height, "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(), "data_base64": base64.b64encode(data).decode("ascii")}


def _images(result: VerifyResult, kinds: Collection[str], pages: Mapping[str, bytes]) -> list[dict[str, Any]]:
    out = []
    if "chip_face" in kinds and result.face_image is not None and result.face_image.data:
        out.append(_image("chip_face", result.face_image.data))
    if "portrait" in kinds and result.portrait:
        out.append(_image("portrait", result.portrait))
    for light, data in sorted(pages.items()):
        if data:
            out.append(_image(f"page_{light}", data))
    return out


__all__ = ["CHECK_GROUPS", "FALLBACK_GROUP", "GROUPS", "RECORD_FORMAT", "RESULT_IMAGES", "build_record", "check_info",
           "group_result"]
