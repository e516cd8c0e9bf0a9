"""Document profiles: what a simulated chip holds and how it misbehaves, as TOML/JSON or arguments.

A profile names only fictional specimen persons. Unknown keys are errors (a typo in a fault name
must not silently produce a *genuine* document). Card-level faults and the link speed are not
interpreted here: they are passed through as plain data for the virtual card.

TOML layout (all tables optional except [mrz]):
    name, description
    [mrz]     lines = [...]  or  format, document_code, issuing_state, document_number,
              primary_identifier, secondary_identifier, nationality, birth_date, sex, expiry_date,
              optional_data, optional_data_2         (fields go to gateway.mrz.build_mrz)
    [access]  bac = true, can = "123456", pace = [{protocol = "ecdh-gm-aes-128", parameter_id = 13}]
    [chip]    face_format, dg2_size, active_authentication ("none"|"rsa"|"ecdsa"), aa_rsa_bits,
              aa_curve, chip_authentication (bool), ca_protocol, ca_curve, ca_key_id, explicit_ec_parameters,
              data_groups, dg2_wrapped (bool), ef_com_tag_list ("binary"|"ascii-hex"),
              signer_algorithm, dg_hash, sod_content_type, lds_version, unicode_version, sod_version
    [dg11], [dg12]  field = value (see lds_files.DG11_FIELDS / DG12_FIELDS)
    [faults]  tampered_dg, bad_signature, expired_ds, revoked_ds, unknown_csca, cloned_aa, cloned_ca,
              empty_sod, unsigned_sod, hostile
    [card_faults]  anything (for the virtual card)
    [link]    kbit_s
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

PROFILES_DIR = Path(__file__).with_name("profiles")
HOSTILE_FILES = ("bomb-dg2", "huge-curve-dg15", "sod-empty-key-usage", "sod-empty-signature-value",
                 "sod-empty-signing-time", "sod-negative-pss-salt", "sod-negative-rsa-exponent")
EMPTY_SOD_KINDS = (False, True, "file", "zero-length", "no-hashes", "no-content")
DEFAULT_PACE = ({"protocol": "ecdh-gm-aes-128", "parameter_id": "brainpoolP256r1"},)


class ProfileError(ValueError):
    """A profile cannot be loaded or is inconsistent (message names the key, never personal data)."""


@dataclass(frozen=True)
class DocumentFaults:
    """Document-level defects; each must make passive/active/chip authentication fail as named."""

    tampered_dg: int | None = None  # DG changed after signing -> hash mismatch
    bad_signature: bool = False  # SOD signed by a key that is not the DS certificate's
    expired_ds: bool = False
    revoked_ds: bool = False
    unknown_csca: bool = False  # DS issued by a CSCA missing from master list and trust folder
    cloned_aa: bool = False  # card's AA private key does not match DG15
    cloned_ca: bool = False  # card's CA private key does not match DG14
    # EF.SOD without hashes: true/"file" = '77 00'; "zero-length" = a 0-byte file; "no-hashes" = validly
    # signed LDS security object listing no data group; "no-content" = signed, eContent left out.
    empty_sod: bool | str = False
    unsigned_sod: bool = False  # SignedData with an empty signerInfos
    # A hostile file put in after signing (simulators.chip.hostile_files): "bomb-dg2" (a face claiming
    # 32000 x 32000 pixels), "huge-curve-dg15" (explicit EC parameters of 17,000 bits), or a one-field
    # edit of EF.SOD: "sod-empty-key-usage", "sod-empty-signature-value", "sod-empty-signing-time",
    # "sod-negative-pss-salt", "sod-negative-rsa-exponent" (the last two on an RSASSA-PSS signed SOD).
    hostile: str | None = None

    def __post_init__(self) -> None:
        if self.hostile is not None and self.hostile not in HOSTILE_FILES:
            raise ProfileError(f"faults.hostile must be one of {', '.join(HOSTILE_FILES)}")
        if self.empty_sod not in EMPTY_SOD_KINDS:
            raise ProfileError(f"empty_sod must be one of {EMPTY_SOD_KINDS}")
        if self.tampered_dg is not None and not isinstance(self.tampered_dg, int):
            raise ProfileError("tampered_dg must be a data group number")

    @property
    def empty_sod_kind(self) -> str | None:
        """None, or 'file' / 'zero-length' / 'no-hashes' / 'no-content'."""
        if self.empty_sod is False:
            return None
        return "file" if self.empty_sod is True else str(self.empty_sod)

    def signer_kind(self) -> str:
        kinds = [k for k, on in (("expired", self.expired_ds), ("revoked", self.revoked_ds),
                                 ("unknown-csca", self.unknown_csca)) if on]
        if len(kinds) > 1:
            raise ProfileError("expired_ds, revoked_ds and unknown_csca exclude each other")
        return kinds[0] if kinds else "valid"

    @property
    def active(self) -> list[str]:
        return [f.name for f in fields(self) if getattr(self, f.name) not in (None, False)]


@dataclass(frozen=True)
class PaceSpec:
    protocol: str = "ecdh-gm-aes-128"  # name (security_infos.pace_oid) or dotted OID
    parameter_id: int | str = "brainpoolP256r1"


@dataclass
class Profile:
    name: str
    description: str = ""
    mrz_lines: list[str] | None = None
    mrz_fields: dict[str, Any] | None = None
    bac: bool = True
    can: str | None = None
    pace: list[PaceSpec] = field(default_factory=list)
    face_format: str = "jpeg"
    dg2_size: int = 20_000
    active_authentication: str = "none"  # none | rsa | ecdsa
    aa_rsa_bits: int = 1024
    aa_curve: str = "brainpoolP256r1"
    chip_authentication: bool = False
    ca_protocol: str = "ecdh-aes-128"
    ca_curve: str = "brainpoolP256r1"
    ca_key_id: int | None = None
    explicit_ec_parameters: bool = False  # DG14/DG15 EC keys with spelled-out curves, as many real chips
    # Real-world quirks of the files (not faults: the document stays genuine):
    dg2_wrapped: bool = True  # False: DG2 holds the 7F61 template without its '75' tag
    ef_com_tag_list: str = "binary"  # "ascii-hex": EF.COM's 5C lists the tags as hex text ("6175...")
    data_groups: list[int] | None = None  # None: 1, 2, 11/12 when given, 14/15 when CA/AA
    signer_algorithm: str | None = None  # None: the PKI's default
    dg_hash: str = "sha256"
    sod_content_type: str = "2.23.136.1.1.1"
    lds_version: str = "0107"
    unicode_version: str = "040000"
    sod_version: int = 0
    dg11: dict[str, Any] = field(default_factory=dict)
    dg12: dict[str, Any] = field(default_factory=dict)
    faults: DocumentFaults = field(default_factory=DocumentFaults)
    card_faults: dict[str, Any] = field(default_factory=dict)
    link_kbit_s: float | None = None
    source: str = ""  # file the profile came from, for messages


_TOP = {"name", "description", "mrz", "access", "chip", "dg11", "dg12", "faults", "card_faults", "link"}
_MRZ_FIELDS = {"format", "document_code", "issuing_state", "document_number", "primary_identifier",
               "secondary_identifier", "nationality", "birth_date", "sex", "expiry_date", "optional_data",
               "optional_data_2"}
_CHIP = {"face_format", "dg2_size", "active_authentication", "aa_rsa_bits", "aa_curve", "chip_authentication",
         "ca_protocol", "ca_curve", "ca_key_id", "data_groups", "signer_algorithm", "dg_hash",
         "sod_content_type", "lds_version", "unicode_version", "sod_version", "explicit_ec_parameters",
         "dg2_wrapped", "ef_com_tag_list"}


def _check_keys(where: str, got: dict, allowed: set[str]) -> None:
    unknown = set(got) - allowed
    if unknown:
        raise ProfileError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(allowed)}")


def _date(value: Any, key: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ProfileError(f"mrz.{key} must be a date YYYY-MM-DD") from None


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise ProfileError(f"[{key}] must be a table/object")
    return dict(value)


def _validate(profile: Profile) -> None:
    """Resolve every name now, so a bad profile fails at load time with the key it concerns."""
    from simulators.chip import lds_files, security_infos
    from simulators.chip.keys import ALGORITHMS, curve_for

    where = f"profile {profile.name}"
    try:
        for p in profile.pace:
            oid = security_infos.pace_oid(p.protocol)
            if not all(part.isdigit() for part in oid.split(".")) or oid.count(".") < 2:
                raise ValueError(f"PACE protocol {p.protocol!r} is not an OID")
            security_infos.parameter_id(p.parameter_id)
        security_infos.ca_oid(profile.ca_protocol)
        for curve in (profile.ca_curve, profile.aa_curve):
            if profile.explicit_ec_parameters and curve not in ("brainpoolP256r1", "p256", "brainpoolP384r1", "p384"):
                raise ValueError(f"explicit parameters are available for 256/384-bit curves only, not {curve}")
            curve_for(curve)
    except ValueError as exc:
        raise ProfileError(f"{where}: {exc}") from None
    if profile.signer_algorithm is not None and profile.signer_algorithm not in ALGORITHMS:
        raise ProfileError(f"{where}: signer_algorithm must be one of {ALGORITHMS}")
    for dg, known in ((11, lds_files.DG11_FIELDS), (12, lds_files.DG12_FIELDS)):
        unknown = set(getattr(profile, f"dg{dg}")) - set(known)
        if unknown:
            raise ProfileError(f"{where}: [dg{dg}] has no field(s) {sorted(unknown)}; known: {sorted(known)}")
    if profile.can is not None and not (profile.can.isdigit() and 1 <= len(profile.can) <= 10):
        raise ProfileError(f"{where}: CAN must be digits (usually six)")
    if profile.sod_version not in (0, 1):
        raise ProfileError(f"{where}: sod_version must be 0 or 1")
    if profile.dg_hash not in ("sha1", "sha224", "sha256", "sha384", "sha512"):
        raise ProfileError(f"{where}: dg_hash must be sha1, sha224, sha256, sha384 or sha512")
    if profile.ef_com_tag_list not in ("binary", "ascii-hex"):
        raise ProfileError(f"{where}: ef_com_tag_list must be binary or ascii-hex")
    if not 1000 <= profile.dg2_size <= 200_000:
        raise ProfileError(f"{where}: dg2_size must be between 1000 and 200000 bytes")


def profile_from_dict(data: dict[str, Any], source: str = "") -> Profile:
    """Validate and convert a parsed TOML/JSON document."""
    if not isinstance(data, dict):
        raise ProfileError("a profile must be a table/object")
    _check_keys("profile", data, _TOP)
    name = str(data.get("name") or Path(source).stem or "profile")
    mrz = _table(data, "mrz")
    if not mrz:
        raise ProfileError(f"profile {name}: [mrz] is required")
    lines = mrz.pop("lines", None)
    if lines is not None and mrz:
        raise ProfileError(f"profile {name}: give [mrz] lines or fields, not both")
    mrz_fields = None
    if lines is None:
        _check_keys(f"profile {name} [mrz]", mrz, _MRZ_FIELDS)
        for key in ("birth_date", "expiry_date"):
            if key in mrz:
                mrz[key] = _date(mrz[key], key)
        mrz_fields = mrz
    access = _table(data, "access")
    _check_keys(f"profile {name} [access]", access, {"bac", "can", "pace"})
    try:
        pace = [PaceSpec(**p) if isinstance(p, dict) else PaceSpec(protocol=str(p)) for p in access.get("pace", [])]
    except TypeError:
        raise ProfileError(f"profile {name}: [access] pace entries take protocol and parameter_id") from None
    chip = _table(data, "chip")
    _check_keys(f"profile {name} [chip]", chip, _CHIP)
    faults = _table(data, "faults")
    _check_keys(f"profile {name} [faults]", faults, {f.name for f in fields(DocumentFaults)})
    link = _table(data, "link")
    _check_keys(f"profile {name} [link]", link, {"kbit_s"})
    can = access.get("can")
    try:
        profile = Profile(
            name=name, description=str(data.get("description", "")),
            mrz_lines=list(lines) if lines is not None else None, mrz_fields=mrz_fields,
            bac=bool(access.get("bac", True)), can=str(can) if can is not None else None, pace=pace,
            dg11=_table(data, "dg11"), dg12=_table(data, "dg12"),
            faults=DocumentFaults(**faults), card_faults=_table(data, "card_faults"),
            link_kbit_s=float(link["kbit_s"]) if "kbit_s" in link else None, source=source, **chip,
        )
    except (TypeError, ValueError) as exc:
        raise ProfileError(f"profile {name}: {exc}") from None
    if not profile.bac and not profile.pace:
        raise ProfileError(f"profile {name}: neither BAC nor PACE: the chip could never be read")
    if profile.active_authentication not in ("none", "rsa", "ecdsa"):
        raise ProfileError(f"profile {name}: active_authentication must be none, rsa or ecdsa")
    if profile.face_format not in ("jpeg", "jpeg2000"):
        raise ProfileError(f"profile {name}: face_format must be jpeg or jpeg2000")
    _validate(profile)
    return profile


def list_profiles() -> list[str]:
    """Names of the shipped profiles (files in simulators/chip/profiles)."""
    return sorted(p.stem for p in PROFILES_DIR.glob("*.toml"))


def load_profile(name_or_path: str | Path) -> Profile:
    """A shipped profile by name, or a .toml/.json file by path."""
    path = Path(name_or_path)
    if not path.is_file():
        candidate = PROFILES_DIR / f"{name_or_path}.toml"
        if not candidate.is_file():
            raise ProfileError(f"no profile {str(name_or_path)!r}; shipped: {', '.join(list_profiles())}")
        path = candidate
    try:
        raw = path.read_bytes()
        data = json.loads(raw) if path.suffix.lower() == ".json" else tomllib.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:  # tomllib/json errors are ValueErrors
        raise ProfileError(f"cannot read profile {path.name}: {exc}") from None
    return profile_from_dict(data, source=str(path))


def profile_from_args(mrz: str, can: str | None = None, access: str = "both") -> Profile:
    """A quick profile from the command line: literal MRZ, optional CAN, access bac|pace|both."""
    if access not in ("bac", "pace", "both"):
        raise ProfileError("access must be bac, pace or both")
    from simulators.chip.mrz_secret import MrzLayoutError, split_mrz

    try:
        lines = list(split_mrz(mrz))
    except MrzLayoutError as exc:
        raise ProfileError(str(exc)) from None
    if can is not None and not (can.isdigit() and 1 <= len(can) <= 10):
        raise ProfileError("CAN must be digits (usually six)")
    pace = [PaceSpec(**DEFAULT_PACE[0])] if access in ("pace", "both") else []
    return Profile(name="command-line", description="quick card from command-line arguments",
                   mrz_lines=lines, bac=access in ("bac", "both"), can=can, pace=pace)
