"""EF.SOD (Doc 9303 Part 10 §4.6.2) and EF.CardSecurity (TR-03110 Part 3): signed security objects.

The parse states plainly what is *missing* — no signer (UNSIGNED), no hashes (EMPTY), no
document signer certificate (NO_CERTIFICATE) — so that the verdict stage can fail such objects;
other readers have shipped "an unsigned or empty SOD treated as untampered" (field guide §5).
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.crypto import oids
from gateway.crypto.asn1 import check_depth
from gateway.crypto.cms import SignedData, SignerInfo, parse_signed_data
from gateway.nfc.lds import asn1
from gateway.nfc.lds.errors import LDSError, guard, outer_object

UNSIGNED = "UNSIGNED"
EMPTY = "EMPTY"
NO_CERTIFICATE = "NO_CERTIFICATE"


@dataclass(frozen=True, slots=True)
class LDSSecurityObject:
    version: int
    hash_algorithm: str  # OID
    data_group_hashes: tuple[tuple[int, bytes], ...]  # (data group number, hash) in stored order
    lds_version: str | None
    unicode_version: str | None

    @property
    def hash_algorithm_name(self) -> str | None:
        return oids.DIGESTS.get(self.hash_algorithm)

    @property
    def hashes(self) -> dict[int, bytes]:
        return dict(self.data_group_hashes)


@dataclass(frozen=True, slots=True)
class SOD:
    signed_data: SignedData | None  # None for an EF.SOD that is just an empty 77 object
    security_object: LDSSecurityObject | None  # None when the eContent is absent
    problems: tuple[str, ...]  # UNSIGNED / EMPTY / NO_CERTIFICATE — each must fail verification

    @property
    def unsigned(self) -> bool:
        return UNSIGNED in self.problems

    @property
    def empty(self) -> bool:
        return EMPTY in self.problems

    @property
    def digest_algorithm(self) -> str | None:
        """Name of the hash over the data groups (e.g. "sha256"), None if absent or unknown."""
        return self.security_object.hash_algorithm_name if self.security_object else None

    @property
    def dg_hashes(self) -> dict[int, bytes]:
        return self.security_object.hashes if self.security_object else {}

    @property
    def signer_infos(self) -> tuple[SignerInfo, ...]:
        return self.signed_data.signer_infos if self.signed_data else ()

    @property
    def certificates(self) -> tuple[bytes, ...]:
        return self.signed_data.certificates if self.signed_data else ()


def parse_lds_security_object(der: bytes) -> LDSSecurityObject:
    check_depth(der, "EF.SOD LDSSecurityObject")  # eContent is an OCTET STRING: not walked with EF.SOD
    so = asn1.LDSSecurityObject.load(der, strict=True)
    alg = so["hash_algorithm"]["algorithm"].dotted
    size = oids.DIGEST_SIZES.get(oids.DIGESTS.get(alg, ""))
    hashes: list[tuple[int, bytes]] = []
    seen: set[int] = set()
    for item in so["data_group_hash_values"]:
        number = item["data_group_number"].native
        value = item["data_group_hash_value"].native
        if not 1 <= number <= 16:
            raise LDSError(f"EF.SOD: data group number {number} is outside 1..16")
        if number in seen:
            raise LDSError(f"EF.SOD: data group {number} is listed twice")
        if size is not None and len(value) != size:
            name = oids.DIGESTS[alg]
            raise LDSError(f"EF.SOD: hash of DG{number} has {len(value)} bytes, {name} gives {size}")
        seen.add(number)
        hashes.append((number, value))
    info = so["lds_version_info"]
    lds = uni = None
    if info.native is not None:
        lds, uni = info["lds_version"].native, info["unicode_version"].native
    return LDSSecurityObject(so["version"].native, alg, tuple(hashes), lds, uni)


@guard("EF.SOD")
def parse_sod(data: bytes) -> SOD:
    outer = outer_object(data, 0x77, "EF.SOD")
    if not outer.value:  # a present but empty EF.SOD: nothing signed, nothing hashed
        return SOD(None, None, (UNSIGNED, EMPTY, NO_CERTIFICATE))
    sd = parse_signed_data(outer.value, "EF.SOD")
    if sd.content_type not in oids.LDS_SECURITY_OBJECT_OIDS:
        raise LDSError(f"EF.SOD: eContentType {sd.content_type} is not an LDS security object")
    problems: list[str] = []
    so = None
    if not sd.signer_infos:
        problems.append(UNSIGNED)
    if sd.econtent is None:
        problems.append(EMPTY)
    else:
        so = parse_lds_security_object(sd.econtent)
        if not so.data_group_hashes:
            problems.append(EMPTY)
    if not sd.certificates:
        problems.append(NO_CERTIFICATE)
    return SOD(sd, so, tuple(problems))
