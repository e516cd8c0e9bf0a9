"""Profile -> ChipDocument: every file of the LDS, signed by the test PKI, with document faults applied.

Order matters and mirrors real personalisation: data groups first, then EF.SOD over their hashes,
and only *after* signing are faults applied (a tampered DG is changed after the hash was taken, a
cloned chip gets private keys that do not match what DG14/DG15 announce).
"""

from __future__ import annotations

import hashlib

from simulators.chip import lds_files, security_infos
from simulators.chip.document import FID_CARD_ACCESS, FID_COM, FID_SOD, ChipDocument, PaceParams, dg_fid
from simulators.chip.face_image import face_image
from simulators.chip.keys import derive_ec_key, derive_rsa_key
from simulators.chip.mrz_secret import MrzFacts, MrzLayoutError, mrz_facts
from simulators.chip.pki import TestPKI
from simulators.chip.profile import Profile, ProfileError
from simulators.chip.sod import ef_sod, lds_security_object

SUPPORTED_DGS = (1, 2, 11, 12, 14, 15)


def mrz_lines(profile: Profile) -> list[str]:
    """The single place that turns profile MRZ fields into lines (gateway.mrz's generator)."""
    if profile.mrz_lines is not None:
        return list(profile.mrz_lines)
    from gateway.mrz import MRZError, build_mrz

    try:
        return build_mrz(**(profile.mrz_fields or {}))
    except (MRZError, TypeError) as exc:
        raise ProfileError(f"profile {profile.name}: MRZ fields cannot be written: {exc}") from None


def _data_groups(profile: Profile) -> list[int]:
    if profile.data_groups is not None:
        dgs = sorted(set(profile.data_groups))
        unsupported = [n for n in dgs if n not in SUPPORTED_DGS]
        if unsupported or 1 not in dgs:
            raise ProfileError(f"profile {profile.name}: data_groups must include 1 and only {SUPPORTED_DGS}")
        return dgs
    dgs = [1, 2]
    if profile.dg11:
        dgs.append(11)
    if profile.dg12:
        dgs.append(12)
    if profile.chip_authentication or profile.active_authentication == "ecdsa":
        dgs.append(14)
    if profile.active_authentication != "none":
        dgs.append(15)
    return dgs


def _key_label(pki: TestPKI, facts: MrzFacts, role: str) -> str:
    return f"{pki.seed}|document|{facts.issuing_state}|{facts.document_number}|{role}"


def _aa_key(profile: Profile, label: str):
    if profile.active_authentication == "rsa":
        return derive_rsa_key(label, profile.aa_rsa_bits)
    return derive_ec_key(label, profile.aa_curve)


def _face_seed(facts: MrzFacts) -> int:
    return int.from_bytes(hashlib.sha256(facts.document_number.encode()).digest()[:4], "big")


def _tamper(dg: int, data: bytes) -> bytes:
    """A plausible edit that keeps the file well-formed: for DG1 one letter of the (unchecked) name
    zone changes, as when someone rewrites the holder's name; for others one byte deep in the value."""
    if dg == 1:
        text = bytearray(data)
        mrz_start = 5  # 61 L 5F1F L (lengths < 128 for every MRZ)
        length = len(text) - mrz_start
        name_pos = mrz_start + (60 if length == 90 else 5)  # TD1 line 3, else line 1 after 'P<UTO'
        text[name_pos] = ord("X") if text[name_pos] != ord("X") else ord("Y")
        return bytes(text)
    pos = len(data) * 3 // 4
    return data[:pos] + bytes([data[pos] ^ 0x01]) + data[pos + 1:]


def build_document(profile: Profile, pki: TestPKI | None = None) -> ChipDocument:
    """Build every file of the profile's chip. `pki` defaults to the process-wide shared TestPKI."""
    pki = pki or TestPKI.shared()
    try:
        facts = mrz_facts(mrz_lines(profile))
    except MrzLayoutError as exc:
        raise ProfileError(f"profile {profile.name}: {exc}") from None
    faults = profile.faults
    dgs = _data_groups(profile)
    if faults.tampered_dg is not None and faults.tampered_dg not in dgs:
        raise ProfileError(f"profile {profile.name}: tampered_dg {faults.tampered_dg} is not on the chip")

    aa_key = _aa_key(profile, _key_label(pki, facts, "aa")) if 15 in dgs else None
    ca_key = derive_ec_key(_key_label(pki, facts, "ca"), profile.ca_curve) if profile.chip_authentication else None
    ca_oid = security_infos.ca_oid(profile.ca_protocol) if ca_key else None

    files: dict[int, bytes] = {}
    for n in dgs:
        if n == 1:
            files[1] = lds_files.dg1(facts.dg1_text)
        elif n == 2:
            image, w, h = face_image(profile.face_format, max(1000, profile.dg2_size - 120), _face_seed(facts) % 997)
            files[2] = lds_files.dg2(lds_files.facial_record(image, profile.face_format, w, h, facts.sex),
                                     wrapped=profile.dg2_wrapped)
        elif n == 11:
            files[11] = lds_files.dg11(profile.dg11)
        elif n == 12:
            files[12] = lds_files.dg12(profile.dg12)
        elif n == 14:
            infos: list[bytes] = []
            if ca_key is not None:
                infos += security_infos.chip_authentication_infos(
                    profile.ca_protocol, ca_key.public_key(), profile.ca_key_id, profile.explicit_ec_parameters)
            if profile.active_authentication == "ecdsa":
                infos.append(security_infos.active_authentication_info("sha256"))
            files[14] = lds_files.dg14(infos)
        elif n == 15:
            if aa_key is None:
                raise ProfileError(f"profile {profile.name}: DG15 needs active_authentication rsa or ecdsa")
            files[15] = lds_files.dg15(aa_key.public_key(), profile.explicit_ec_parameters)

    signer = pki.signer(facts.issuing_state, faults.signer_kind(), profile.signer_algorithm)
    empty = faults.empty_sod_kind
    lds_so = lds_security_object(
        {} if empty == "no-hashes" else files, profile.dg_hash,
        *((profile.lds_version, profile.unicode_version) if profile.sod_version == 1 else (None, None)),
    )
    wrong_key = None
    if faults.bad_signature:
        wrong_key = pki.signer(facts.issuing_state, "unknown-csca", signer.algorithm).key
    sod = ef_sod(lds_so, signer, content_type=profile.sod_content_type, signature_key=wrong_key,
                 with_signer_info=not faults.unsigned_sod, omit_econtent=empty == "no-content")
    if empty == "file":
        sod = bytes([lds_files.TAG_SOD, 0x00])
    elif empty == "zero-length":
        sod = b""
    if faults.tampered_dg is not None:
        files[faults.tampered_dg] = _tamper(faults.tampered_dg, files[faults.tampered_dg])
    if faults.hostile is not None:
        from simulators.chip import hostile_files

        if faults.hostile == "bomb-dg2":
            files[2] = hostile_files.bomb_dg2()
        elif faults.hostile == "huge-curve-dg15":
            files[15] = hostile_files.huge_curve_dg15()
        else:
            sod = hostile_files.edit_sod(sod, faults.hostile.removeprefix("sod-"))

    card_aa_key, card_ca_key = aa_key, ca_key
    if faults.cloned_aa:
        if aa_key is None:
            raise ProfileError(f"profile {profile.name}: cloned_aa needs active authentication")
        card_aa_key = _aa_key(profile, _key_label(pki, facts, "aa-clone"))
    if faults.cloned_ca:
        if ca_key is None:
            raise ProfileError(f"profile {profile.name}: cloned_ca needs chip authentication")
        card_ca_key = derive_ec_key(_key_label(pki, facts, "ca-clone"), profile.ca_curve)

    app_files = {FID_COM: lds_files.ef_com(dgs, profile.lds_version, profile.unicode_version,
                                           profile.ef_com_tag_list), FID_SOD: sod}
    app_files.update({dg_fid(n): data for n, data in files.items()})
    pace = [PaceParams(security_infos.pace_oid(p.protocol), security_infos.parameter_id(p.parameter_id))
            for p in profile.pace]
    ef_files = {}
    if pace:
        ef_files[FID_CARD_ACCESS] = lds_files.card_access(
            [security_infos.pace_info(p.protocol_oid, p.parameter_id) for p in pace])
    return ChipDocument(
        mrz_key=facts.mrz_key, can=profile.can, ef_files=ef_files, app_files=app_files, pace=pace,
        bac=profile.bac, aa_private_key=card_aa_key, ca_private_key=card_ca_key, ca_key_id=profile.ca_key_id,
        ca_protocol_oid=ca_oid, aa_digest="sha256" if profile.active_authentication == "ecdsa" else None,
        name=profile.name, card_faults=dict(profile.card_faults),
        link_kbit_s=profile.link_kbit_s,
    )
