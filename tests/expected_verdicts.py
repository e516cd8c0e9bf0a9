"""What every simulator profile must give: the README's verdict table, shared by the in-process
tests (tests/test_verify_profiles.py) and the end-to-end ones through the daemon (test_api_profiles.py)."""

from __future__ import annotations

from gateway.verdict import Status

# profile -> (verdict, the check that is not PASSED, its reason). None: every required check passed.
EXPECTED: dict[str, tuple[Status, str | None, str | None]] = {
    "td3-bac": (Status.GENUINE, None, None),
    "td3-pace-bac-ca-aa": (Status.GENUINE, None, None),
    "td3-ecdsa-aa-p256": (Status.GENUINE, None, None),
    "td3-explicit-ec-params": (Status.GENUINE, None, None),
    "td3-rsa-pss": (Status.GENUINE, None, None),
    "td1-eu-pace": (Status.GENUINE, None, None),
    "td1-multi-paceinfo": (Status.GENUINE, None, None),
    "td1-long-document-number": (Status.GENUINE, None, None),
    "quirk-legacy-lds-oid": (Status.GENUINE, None, None),
    "quirk-sm-no-do99": (Status.GENUINE, None, None),
    "quirk-read-past-end": (Status.GENUINE, None, None),
    "quirk-dg2-unwrapped": (Status.GENUINE, None, None),
    "quirk-com-malformed": (Status.GENUINE, None, None),
    "quirk-slow-card": (Status.GENUINE, None, None),
    "quirk-pulled-mid-dg2": (Status.GENUINE, None, None),
    "quirk-wrong-mac-sod": (Status.INCONCLUSIVE, "chip_access", "SM_FAILURE"),
    "hostile-6cxx-loop": (Status.INCONCLUSIVE, "chip_access", "CHIP_MISBEHAVES"),
    "hostile-drip-feed": (Status.INCONCLUSIVE, "chip_access", "CHIP_MISBEHAVES"),
    "hostile-giant-header": (Status.INCONCLUSIVE, "chip_access", "CHIP_MISBEHAVES"),
    "hostile-giant-card-access": (Status.INCONCLUSIVE, "chip_access", "CHIP_MISBEHAVES"),
    "hostile-bomb-dg2": (Status.NOT_GENUINE, "data_group_hashes", "HASH_MISMATCH_DG2"),
    "hostile-huge-curve": (Status.NOT_GENUINE, "data_group_hashes", "HASH_MISMATCH_DG15"),
    "hostile-sod-empty-key-usage": (Status.NOT_GENUINE, "certificate_chain", "CHAIN_SIGNATURE_INVALID"),
    "hostile-sod-empty-signing-time": (Status.NOT_GENUINE, "sod_signature", "SIGNATURE_INVALID"),
    "hostile-sod-negative-pss-salt": (Status.INCONCLUSIVE, "sod_signature", "ALGORITHM_UNSUPPORTED"),
    "hostile-sod-negative-rsa-exponent": (Status.NOT_GENUINE, "certificate_chain", "CHAIN_SIGNATURE_INVALID"),
    "fault-tampered-dg": (Status.NOT_GENUINE, "data_group_hashes", "HASH_MISMATCH_DG1"),
    "fault-bad-signature": (Status.NOT_GENUINE, "sod_signature", "SIGNATURE_INVALID"),
    "fault-expired-ds": (Status.NOT_GENUINE, "certificate_chain", "DS_EXPIRED"),
    "fault-revoked-ds": (Status.NOT_GENUINE, "revocation", "DS_REVOKED"),
    "fault-unknown-csca": (Status.INCONCLUSIVE, "certificate_chain", "NO_TRUST_ANCHOR"),
    "fault-cloned-aa": (Status.NOT_GENUINE, "active_authentication", "AA_SIGNATURE_INVALID"),
    "fault-cloned-ca": (Status.NOT_GENUINE, "chip_authentication", "CA_FAILED"),
    "fault-empty-sod": (Status.NOT_GENUINE, "sod_signature", "SOD_EMPTY"),
    "fault-empty-sod-signed": (Status.NOT_GENUINE, "data_group_hashes", "SOD_EMPTY"),
    "fault-unsigned-sod": (Status.NOT_GENUINE, "sod_signature", "SOD_UNSIGNED"),
}

# profile -> the chip quirk a read must name (gateway.nfc.reading.quirks), tolerated without changing the verdict.
EXPECTED_QUIRKS: dict[str, str] = {
    "quirk-sm-no-do99": "SM_STATUS_ONLY_IN_TRAILER",
    "quirk-read-past-end": "READ_PAST_END_UNPROTECTED",
    "quirk-dg2-unwrapped": "DG2_TEMPLATE_NOT_WRAPPED",
    "quirk-com-malformed": "EF_COM_MALFORMED",
}

# desk profile (simulators/documents/desk_profiles.py) -> (verdict, the check that decides, its reason),
# with white, IR and UV page images and the chip read. "A document that passes the chip checks but
# fails an optical check is NOT_GENUINE, and the result says which." A document number that differs
# from the chip's gives no verdict: the chip refuses the printed MRZ's key (AccessDeniedError,
# reason ACCESS_DENIED over the API), so it is listed in DESK_ERRORS.
DESK_EXPECTED: dict[str, tuple[Status, str | None, str | None]] = {
    "genuine-td3": (Status.GENUINE, None, None),
    "genuine-td3-bac": (Status.GENUINE, None, None),
    "genuine-td1": (Status.GENUINE, "portrait_matches_chip", "PORTRAIT_ON_OTHER_SIDE"),
    "forgery-ir-invisible-mrz": (Status.NOT_GENUINE, "mrz_ir_visible", "MRZ_NOT_IR_VISIBLE"),
    "forgery-uv-bright-paper": (Status.NOT_GENUINE, "uv_dull_paper", "UV_BRIGHT_PAPER"),
    "forgery-swapped-photo": (Status.NOT_GENUINE, "portrait_matches_chip", "PORTRAIT_MISMATCH"),
    "forgery-mrz-mismatch": (Status.NOT_GENUINE, "mrz_matches_chip", "MRZ_MISMATCH"),
}
DESK_ERRORS: dict[str, str] = {"forgery-mrz-number-mismatch": "ACCESS_DENIED"}
