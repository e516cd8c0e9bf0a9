"""SecurityInfos (Doc 9303 Part 11 §9.2, BSI TR-03110 Part 3 A.1): the SET OF SecurityInfo found in
EF.CardAccess, in DG14 and inside EF.CardSecurity.

The reader chooses PACE parameters, chip authentication keys and the active authentication
algorithm from these entries — never from a guess (field guide §5: "chip authentication with a
guessed OID"). Entries of protocols this reader does not know are kept as (oid, raw DER): a new
protocol on a card must not make the known ones unusable.
"""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import core

from gateway.crypto import oids
from gateway.crypto.errors import DecodeError, UnsupportedError
from gateway.crypto.public_key import PublicKeyInfo, parse_spki
from gateway.nfc.lds import asn1
from gateway.nfc.lds.errors import LDSError, LDSTagError, LDSUnsupportedError, guard, outer_object
from gateway.nfc.tlv import TLVError, iter_tlv


@dataclass(frozen=True, slots=True)
class PACEInfo:
    protocol: str
    version: int
    parameter_id: int | None
    mapping: str  # "GM", "IM" or "CAM"
    key_agreement: str  # "DH" or "ECDH"
    cipher: str  # "3DES", "AES-128", "AES-192", "AES-256"

    @property
    def name(self) -> str:
        return oids.NAMES.get(self.protocol, self.protocol)

    @property
    def parameter_name(self) -> str | None:
        if self.parameter_id is None:
            return None
        return oids.STANDARDIZED_DOMAIN_PARAMETER_NAMES.get(self.parameter_id)


@dataclass(frozen=True, slots=True)
class DomainParameter:
    """An AlgorithmIdentifier naming domain parameters: either standardized (with its id) or explicit."""

    algorithm: str
    parameters_der: bytes | None
    standardized_id: int | None


@dataclass(frozen=True, slots=True)
class PACEDomainParameterInfo:
    protocol: str
    mapping: str
    key_agreement: str
    domain_parameter: DomainParameter
    parameter_id: int | None


@dataclass(frozen=True, slots=True)
class ChipAuthenticationInfo:
    protocol: str
    version: int
    key_id: int | None
    key_agreement: str
    cipher: str

    @property
    def name(self) -> str:
        return oids.NAMES.get(self.protocol, self.protocol)


@dataclass(frozen=True, slots=True)
class ChipAuthenticationDomainParameterInfo:
    protocol: str
    key_agreement: str
    domain_parameter: DomainParameter
    key_id: int | None


@dataclass(frozen=True, slots=True)
class ChipAuthenticationPublicKeyInfo:
    protocol: str
    key_agreement: str
    public_key: PublicKeyInfo
    key_id: int | None


@dataclass(frozen=True, slots=True)
class TerminalAuthenticationInfo:
    protocol: str
    version: int
    ef_cvca_fid: bytes | None
    ef_cvca_sfi: bytes | None


@dataclass(frozen=True, slots=True)
class ActiveAuthenticationInfo:
    protocol: str
    version: int
    signature_algorithm: str

    @property
    def signature_algorithm_name(self) -> str:
        return oids.NAMES.get(self.signature_algorithm, self.signature_algorithm)


@dataclass(frozen=True, slots=True)
class UnknownSecurityInfo:
    protocol: str
    der: bytes


@dataclass(frozen=True, slots=True)
class UnsupportedSecurityInfo:
    """A well-formed entry of a known protocol using something this reader cannot use (an unknown
    curve, a key algorithm without support). Kept with the reason, so that the verdict can say
    "chip authentication not possible: <reason>" instead of "no chip authentication key"."""

    protocol: str
    der: bytes
    reason: str


SecurityInfo = (
    PACEInfo
    | PACEDomainParameterInfo
    | ChipAuthenticationInfo
    | ChipAuthenticationDomainParameterInfo
    | ChipAuthenticationPublicKeyInfo
    | TerminalAuthenticationInfo
    | ActiveAuthenticationInfo
    | UnknownSecurityInfo
    | UnsupportedSecurityInfo
)


@dataclass(frozen=True, slots=True)
class SecurityInfos:
    infos: tuple[SecurityInfo, ...]
    der: bytes  # the SET as read (DG14/EF.CardAccess without trailing padding)

    def of_type(self, cls: type) -> tuple:
        return tuple(i for i in self.infos if isinstance(i, cls))

    @property
    def pace_infos(self) -> tuple[PACEInfo, ...]:
        return self.of_type(PACEInfo)

    @property
    def chip_authentication_infos(self) -> tuple[ChipAuthenticationInfo, ...]:
        return self.of_type(ChipAuthenticationInfo)

    @property
    def chip_authentication_public_keys(self) -> tuple[ChipAuthenticationPublicKeyInfo, ...]:
        return self.of_type(ChipAuthenticationPublicKeyInfo)

    @property
    def active_authentication_info(self) -> ActiveAuthenticationInfo | None:
        found = self.of_type(ActiveAuthenticationInfo)
        return found[0] if found else None

    @property
    def unknown(self) -> tuple[UnknownSecurityInfo, ...]:
        return self.of_type(UnknownSecurityInfo)

    @property
    def unsupported(self) -> tuple[UnsupportedSecurityInfo, ...]:
        return self.of_type(UnsupportedSecurityInfo)


def _split(oid: str) -> tuple[str, int | None]:
    parent, _, last = oid.rpartition(".")
    return parent, int(last) if last.isdigit() else None


def _opt_int(value: core.Integer) -> int | None:
    return value.native if value.native is not None else None


def _domain(alg: asn1.AlgorithmIdentifier) -> DomainParameter:
    oid = alg["algorithm"].dotted
    params = alg["parameters"]
    der = params.dump() if isinstance(params, core.Any) and params.contents is not None else None
    sid = None
    if oid == oids.STANDARDIZED_DOMAIN_PARAMETERS:
        if der is None:
            raise LDSError("standardizedDomainParameters without a parameter id")
        sid = params.parse(core.Integer).native
    return DomainParameter(oid, der, sid)


def _parse_info(raw: bytes, oid: str) -> SecurityInfo:
    parent, last = _split(oid)
    if oid in oids.PACE_ARCS:
        v = asn1.PACEDomainParameterInfo.load(raw, strict=True)
        mapping, agreement = oids.PACE_ARCS[oid]
        return PACEDomainParameterInfo(
            oid, mapping, agreement, _domain(v["domain_parameter"]), _opt_int(v["parameter_id"])
        )
    if parent in oids.PACE_ARCS and last in oids.CIPHER_SUFFIXES:
        mapping, agreement = oids.PACE_ARCS[parent]
        if mapping == "CAM" and last == 1:
            return UnknownSecurityInfo(oid, raw)  # CAM is defined for AES only
        v = asn1.PACEInfo.load(raw, strict=True)
        cipher = oids.CIPHER_SUFFIXES[last]
        return PACEInfo(oid, v["version"].native, _opt_int(v["parameter_id"]), mapping, agreement, cipher)
    if oid in oids.CA_ARCS:
        v = asn1.ChipAuthenticationDomainParameterInfo.load(raw, strict=True)
        return ChipAuthenticationDomainParameterInfo(
            oid, oids.CA_ARCS[oid], _domain(v["domain_parameter"]), _opt_int(v["key_id"])
        )
    if parent in oids.CA_ARCS and last in oids.CIPHER_SUFFIXES:
        v = asn1.ChipAuthenticationInfo.load(raw, strict=True)
        return ChipAuthenticationInfo(
            oid, v["version"].native, _opt_int(v["key_id"]), oids.CA_ARCS[parent], oids.CIPHER_SUFFIXES[last]
        )
    if oid in oids.PK_ARCS:
        v = asn1.ChipAuthenticationPublicKeyInfo.load(raw, strict=True)
        key = parse_spki(v["chip_authentication_public_key"])
        return ChipAuthenticationPublicKeyInfo(oid, oids.PK_ARCS[oid], key, _opt_int(v["key_id"]))
    if oid == oids.ID_TA:
        v = asn1.TerminalAuthenticationInfo.load(raw, strict=True)
        cvca = v["ef_cvca"]
        fid = sfi = None
        if cvca.native is not None:
            fid = cvca["fid"].native
            sfi = cvca["sfid"].native
        return TerminalAuthenticationInfo(oid, v["version"].native, fid, sfi)
    if oid == oids.ID_AA:
        v = asn1.ActiveAuthenticationInfo.load(raw, strict=True)
        return ActiveAuthenticationInfo(oid, v["version"].native, v["signature_algorithm"].dotted)
    return UnknownSecurityInfo(oid, raw)


def parse_security_infos_der(der: bytes, what: str = "SecurityInfos") -> SecurityInfos:
    """Parse a DER SET OF SecurityInfo (exactly; no trailing bytes)."""
    return _parse(der, what)


@guard("SecurityInfos")
def _parse(der: bytes, what: str) -> SecurityInfos:
    outer = outer_object(der, 0x31, what)
    infos: list[SecurityInfo] = []
    try:
        children = list(iter_tlv(outer.value))
    except TLVError as exc:
        raise LDSError(f"{what}: {exc}") from None
    for index, child in enumerate(children):
        if child.tag != 0x30:
            raise LDSTagError(f"{what}: entry {index} has tag {child.tag:X}, expected a SEQUENCE (30)")
        raw = outer.value[child.offset : child.end]
        try:
            first = next(iter_tlv(child.value), None)
            if first is None or first.tag != 0x06:
                raise LDSError(f"{what}: entry {index} does not start with a protocol OID")
            oid = core.ObjectIdentifier.load(child.value[first.offset : first.end], strict=True).dotted
            infos.append(_parse_info(raw, oid))
        except (LDSUnsupportedError, UnsupportedError) as exc:
            infos.append(UnsupportedSecurityInfo(oid, raw, str(exc)))
        except LDSError as exc:
            raise type(exc)(f"{what}: entry {index}: {exc}") from None
        except DecodeError as exc:
            raise LDSError(f"{what}: entry {index}: {exc}") from None
        except (ValueError, TypeError, TLVError) as exc:
            raise LDSError(f"{what}: entry {index} is malformed ({type(exc).__name__})") from None
    return SecurityInfos(tuple(infos), der[: outer.end])
