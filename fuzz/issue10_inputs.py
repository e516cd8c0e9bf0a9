"""The hostile inputs reported in issue 10, rebuilt from the simulator's genuine files and written as
regression files: `python -m fuzz.issue10_inputs` → fuzz/regressions/<target>/issue10-<what>.

They are the documented origin of the issue10-* files (the fuzzing that found them was not kept);
tests/test_fuzz_regressions.py replays them with the others. Each is one field away from genuine
data, or a small file claiming a huge size, exactly as the issue describes.
"""

from __future__ import annotations

from pathlib import Path

from asn1crypto import keys as asn1_keys

from fuzz.targets import FID, documents, trust_files
from simulators.chip import der_edit
from simulators.chip.hostile_files import (
    KEY_USAGE,
    SOD_EDITS,
    bomb_dg2,
    certificate_node,
    explicit_ec_spki,
    nested,
    rsa_key_node,
)
from simulators.chip.tlv_build import tlv

OUT = Path(__file__).resolve().parent / "regressions"


def build() -> dict[tuple[str, str], bytes]:
    docs = documents()
    sod = docs["td3-bac"].app_files[FID["EF.SOD"]]
    pss_sod = docs["td3-rsa-pss"].app_files[FID["EF.SOD"]]
    rsa_cert = certificate_node(der_edit.parse(pss_sod)).encode()
    trust = trust_files()
    out: dict[tuple[str, str], bytes] = {}

    def sod_edit(source: bytes, change) -> bytes:
        return der_edit.edit(source, change)

    for name, source in (("empty-keyusage", sod), ("empty-signature-value", sod), ("empty-signing-time", sod),
                         ("negative-pss-salt", pss_sod), ("negative-rsa-exponent", pss_sod)):
        out["verify_sod", name] = sod_edit(source, SOD_EDITS[name.replace("keyusage", "key-usage")])
    out["lds_sod", "deep-nesting"] = tlv(0x77, nested(10_000))
    out["cms", "deep-nesting"] = nested(10_000)
    out["tlv", "deep-nesting"] = nested(10_000).replace(b"\x30", b"\x61")
    out["lds_dg2", "bomb-32000x32000"] = bomb_dg2()
    out["lds_dg15", "huge-explicit-curve"] = tlv(0x6F, explicit_ec_spki(17_000))
    out["spki", "huge-explicit-curve"] = explicit_ec_spki(17_000)
    out["ec_params", "huge-field"] = asn1_keys.PublicKeyInfo.load(
        explicit_ec_spki(9000))["algorithm"]["parameters"].chosen.dump()
    out["spki", "negative-rsa-exponent"] = der_edit.edit(
        certificate_node(der_edit.parse(pss_sod)).children[0].children[6].encode(),
        lambda r: r.children[1].children[0].children[1].replace(b"\x02\x01\xfd"))
    out["certificate", "negative-rsa-exponent"] = der_edit.edit(
        rsa_cert, lambda r: rsa_key_node(r).children[1].replace(b"\x02\x01\xfd"))
    out["certificate", "empty-signature-value"] = der_edit.edit(
        trust["csca-UTO.der"], lambda r: r.children[2].replace(b"\x03\x00"))
    out["certificate", "empty-keyusage"] = der_edit.edit(
        trust["csca-UTO.der"],
        lambda r: der_edit.sequences_led_by(r, KEY_USAGE)[0].children[-1].replace(b"\x04\x02\x03\x00"))
    out["certificate", "deep-nesting"] = nested(10_000)
    out["crl", "empty-signature-value"] = der_edit.edit(trust["crl-UTO.der"],
                                                        lambda r: r.children[2].replace(b"\x03\x00"))
    out["masterlist", "truncated"] = trust["masterlist.ml"][:900]
    out["trust_store", "deep-nesting"] = nested(10_000)
    out["trust_store", "broken-pem"] = b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n"
    return out


def main() -> int:
    for (target, what), data in build().items():
        folder = OUT / target
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"issue10-{what}").write_bytes(data)
        print(f"{target}/issue10-{what}: {len(data)} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
