"""The verdict model: one overall status and the checks behind it.

A desk officer needs one clear answer — genuine, not genuine, or could not tell — and must never
see GENUINE for a document whose signature was not actually checked. So the overall status is
*derived* from the checks, never set by hand:

- any FAILED check that counts → NOT_GENUINE;
- else any required check NOT_PERFORMED → INCONCLUSIVE;
- else GENUINE (and only if at least the required checks were PASSED).

The gRPC API (proto `gateway.v1`) exposes exactly these fields, so this module and the proto change
together.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Status(enum.StrEnum):
    GENUINE = "GENUINE"
    NOT_GENUINE = "NOT_GENUINE"
    INCONCLUSIVE = "INCONCLUSIVE"


class CheckStatus(enum.StrEnum):
    PASSED = "PASSED"
    FAILED = "FAILED"
    NOT_PERFORMED = "NOT_PERFORMED"


# The checks a verdict knows. Their names are stable API (reason codes hang off them).
# `required`: without it PASSED, the document can never be GENUINE.
CHECK_NAMES: dict[str, bool] = {
    "mrz_check_digits": False,  # printed MRZ, when given
    "mrz_matches_chip": False,  # printed MRZ vs DG1, when given
    "chip_access": True,  # BAC or PACE succeeded, secure messaging held throughout
    "sod_signature": True,  # document signer's signature over the LDS security object
    "certificate_chain": True,  # document signer → CSCA in the trust store, validity, key usage
    "revocation": False,  # document signer not on a loaded CRL (NOT_PERFORMED when no CRL)
    "data_group_hashes": True,  # every data group read matches its hash in EF.SOD
    "active_authentication": False,  # DG15 present: the chip proves it holds the private key
    "chip_authentication": False,  # DG14 present: key agreement, and reading on with the new keys
    "document_expiry": False,  # the document is within its validity
    # Optical checks of the page images (gateway.verify.optical). Not required, so a document read
    # without page images can still be GENUINE through its chip; a decisive FAILED one is NOT_GENUINE.
    "mrz_ir_visible": False,  # the MRZ is printed in IR-absorbing ink (white vs IR image)
    "uv_dull_paper": False,  # the paper does not glow under UV (no optical brighteners)
    "portrait_matches_chip": False,  # printed photo looks like the chip's DG2 face (appearance, not biometrics)
    "image_quality": False,  # the white image's warn-level quality issues (never decisive)
}


@dataclass(frozen=True, slots=True)
class Check:
    """One check's outcome. `reason` is a machine-readable code (e.g. `HASH_MISMATCH_DG2`,
    `NO_TRUST_ANCHOR`), the messages are one short sentence each in German and English, free of
    personal data."""

    name: str
    status: CheckStatus
    reason: str = ""
    message_en: str = ""
    message_de: str = ""
    # Whether a FAILED outcome makes the document NOT_GENUINE (False: it is only a warning,
    # e.g. an expired document is still a genuine document).
    decisive: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status.value,
            "reason": self.reason,
            "message": {"en": self.message_en, "de": self.message_de},
            "decisive": self.decisive,
        }


@dataclass(slots=True)
class Verdict:
    checks: list[Check] = field(default_factory=list)

    def add(self, check: Check) -> None:
        self.checks = [c for c in self.checks if c.name != check.name] + [check]

    def get(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    @property
    def status(self) -> Status:
        if any(c.status is CheckStatus.FAILED and c.decisive for c in self.checks):
            return Status.NOT_GENUINE
        for name, required in CHECK_NAMES.items():
            if not required:
                continue
            c = self.get(name)
            if c is None or c.status is not CheckStatus.PASSED:
                return Status.INCONCLUSIVE
        return Status.GENUINE

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.status.value, "checks": [c.to_dict() for c in self.checks]}
