"""The printed page of a chip simulator profile: the same holder, document and face as the virtual
card serves, so issue 13's desk simulator can place a document whose page and chip agree (or, with
a forgery switch or an `mrz_lines` override, disagree on purpose).

The MRZ is composed by the renderer's own code from the profile's fields; a test checks it equals
the chip's DG1 for every shipped profile.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zlib
from typing import Any

from .mrz_text import MrzFields
from .page import DocumentSpec
from .persons import Person


def _date(v: Any) -> dt.date | str:
    return v if isinstance(v, dt.date | str) else str(v)


def spec_from_profile(name_or_path: str, *, forgeries: frozenset[str] = frozenset()) -> DocumentSpec:
    from simulators.chip.profile import load_profile

    profile = load_profile(name_or_path)
    seed = zlib.crc32(profile.name.encode()) & 0xFFFF
    f: dict[str, Any] = dict(profile.mrz_fields or {})
    lines = tuple(profile.mrz_lines) if profile.mrz_lines else None
    if not f and lines:
        return _spec_from_lines(lines, seed, forgeries)
    fields = MrzFields(
        format=f["format"], document_code=f.get("document_code") or ("P<" if f["format"] == "TD3" else "I<"),
        issuing_state=f["issuing_state"], document_number=f["document_number"],
        primary_identifier=f.get("primary_identifier", ""), secondary_identifier=f.get("secondary_identifier", ""),
        nationality=f["nationality"], birth_date=_date(f["birth_date"]), sex=f.get("sex", "<"),
        expiry_date=_date(f["expiry_date"]), optional_data=f.get("optional_data", "") or "",
        optional_data_2=f.get("optional_data_2", "") or "",
    )
    birth = fields.birth_date if isinstance(fields.birth_date, dt.date) else dt.date(2000, 1, 1)
    person = Person(fields.primary_identifier, fields.secondary_identifier, fields.sex, birth,
                    str(profile.dg11.get("place_of_birth", "")) if profile.dg11 else "")
    # The portrait is the chip's face: the same drawing, from the seed the chip simulator uses for DG2.
    face_seed = int.from_bytes(hashlib.sha256(str(f["document_number"]).encode()).digest()[:4], "big") % 997
    return DocumentSpec(fields, person, mrz_lines=lines, portrait_seed=face_seed, design_seed=seed,
                        forgeries=forgeries)


def _spec_from_lines(lines: tuple[str, ...], seed: int, forgeries: frozenset[str]) -> DocumentSpec:
    from .persons import invented_document

    fmt = {(3, 30): "TD1", (2, 36): "TD2", (2, 44): "TD3"}[(len(lines), len(lines[0]))]
    if lines[0].startswith("V"):
        fmt = "MRV-A" if fmt == "TD3" else "MRV-B"
    fields, person = invented_document(seed, fmt)
    return DocumentSpec(fields, person, mrz_lines=lines, portrait_seed=seed, design_seed=seed, forgeries=forgeries)
