"""The hostile inputs reported in issue 10, rebuilt from the simulator's genuine files and written as
regression files: `python -m fuzz.issue10_inputs` → fuzz/regressions/<target>/issue10-<what>.

They are the documented origin of the issue10-* files (the fuzzing that found them was not kept);
tests/test_fuzz_regressions.py replays them with the others. Each is one field away from genuine
data, or a small file claiming a huge size, exactly as the issue describes.
"""

from __future__ import annotations

import struct
from pathlib import Path

from asn1crypto import core
from asn1crypto import keys as asn1_keys

from fuzz.targets import FID, documents, trust_files
from simulators.chip import der_edit, lds_files
from simulators.chip.tlv_build import tlv

OUT = Path(__file__).resolve().parent / "regressions"
KEY_USAGE, SIGNING_TIME = "2.5.29.15", "1.2.840.113549.1.9.5"
RSASSA_PSS, RSA = "1.2.840.113549.1.1.10", "1.2.840.113549.1.1.1"


def _certificate(root: der_edit.Node) -> der_edit.Node:
    return next(n for n in root.walk() if n.tag == b"\x30" and len(n.children or []) == 3
                and n.children[0].tag == b"\x30" and n.children[2].tag == b"\x03")


def _rsa_key(root: der_edit.Node) -> der_edit.Node:
    spki = next(s.parent for s in der_edit.sequences_led_by(root, RSA)
                if s.parent is not None and (s.parent.children or [None, None])[1].tag == b"\x03")
    return spki.children[1].children[0]


def _nested(levels: int) -> bytes:
    data = b"\x05\x00"
    for _ in range(levels):
        data = der_edit.tlv(b"\x30", data)
    return data


def _jpeg_bomb() -> bytes:
    import cv2
    import numpy as np

    small = np.full((8, 8), 128, np.uint8)
    ok, buf = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 30])
    assert ok
    data = bytearray(buf.tobytes())
    sof = next(i for i in range(2, len(data) - 1) if data[i] == 0xFF and data[i + 1] in (0xC0, 0xC2))
    struct.pack_into(">HH", data, sof + 5, 32000, 32000)
    return bytes(data)


def _explicit_spki(bits: int) -> bytes:
    p = (1 << (bits - 1)) | 1
    size = (bits + 7) // 8
    domain = asn1_keys.SpecifiedECDomain({
        "version": "ecdpVer1",
        "field_id": {"field_type": "prime_field", "parameters": core.Integer(p)},
        "curve": {"a": (3).to_bytes(size, "big"), "b": (5).to_bytes(size, "big")},
        "base": b"\x04" + (1).to_bytes(size, "big") + (2).to_bytes(size, "big"),
        "order": p - 7,
        "cofactor": 1,
    })
    return asn1_keys.PublicKeyInfo({
        "algorithm": {"algorithm": "ec", "parameters": asn1_keys.ECDomainParameters("specified", domain)},
        "public_key": b"\x04" + (1).to_bytes(size, "big") + (2).to_bytes(size, "big"),
    }).dump()


def build() -> dict[tuple[str, str], bytes]:
    docs = documents()
    sod = docs["td3-bac"].app_files[FID["EF.SOD"]]
    pss_sod = docs["td3-rsa-pss"].app_files[FID["EF.SOD"]]
    rsa_cert = _certificate(der_edit.parse(pss_sod)).encode()
    trust = trust_files()
    out: dict[tuple[str, str], bytes] = {}

    def sod_edit(source: bytes, change) -> bytes:
        return der_edit.edit(source, change)

    out["verify_sod", "empty-keyusage"] = sod_edit(
        sod, lambda r: der_edit.sequences_led_by(r, KEY_USAGE)[0].children[-1].replace(b"\x04\x02\x03\x00"))
    out["verify_sod", "empty-signature-value"] = sod_edit(
        sod, lambda r: _certificate(r).children[2].replace(b"\x03\x00"))
    out["verify_sod", "empty-signing-time"] = sod_edit(
        sod, lambda r: der_edit.sequences_led_by(r, SIGNING_TIME)[0].children[1].replace(b"\x31\x00"))
    out["verify_sod", "negative-pss-salt"] = sod_edit(pss_sod, lambda r: next(
        n for n in der_edit.sequences_led_by(r, RSASSA_PSS)[-1].walk() if n.tag == b"\xa2"
    ).children[0].replace(b"\x02\x01\xff"))
    out["verify_sod", "negative-rsa-exponent"] = sod_edit(
        pss_sod, lambda r: _rsa_key(r).children[1].replace(b"\x02\x01\xfd"))
    out["lds_sod", "deep-nesting"] = tlv(0x77, _nested(10_000))
    out["cms", "deep-nesting"] = _nested(10_000)
    out["tlv", "deep-nesting"] = _nested(10_000).replace(b"\x30", b"\x61")
    out["lds_dg2", "bomb-32000x32000"] = lds_files.dg2(lds_files.facial_record(_jpeg_bomb(), "jpeg", 480, 640, "F"))
    out["lds_dg15", "huge-explicit-curve"] = tlv(0x6F, _explicit_spki(17_000))
    out["spki", "huge-explicit-curve"] = _explicit_spki(17_000)
    out["ec_params", "huge-field"] = asn1_keys.PublicKeyInfo.load(
        _explicit_spki(9000))["algorithm"]["parameters"].chosen.dump()
    out["spki", "negative-rsa-exponent"] = der_edit.edit(
        _certificate(der_edit.parse(pss_sod)).children[0].children[6].encode(),
        lambda r: r.children[1].children[0].children[1].replace(b"\x02\x01\xfd"))
    out["certificate", "negative-rsa-exponent"] = der_edit.edit(
        rsa_cert, lambda r: _rsa_key(r).children[1].replace(b"\x02\x01\xfd"))
    out["certificate", "empty-signature-value"] = der_edit.edit(
        trust["csca-UTO.der"], lambda r: r.children[2].replace(b"\x03\x00"))
    out["certificate", "empty-keyusage"] = der_edit.edit(
        trust["csca-UTO.der"],
        lambda r: der_edit.sequences_led_by(r, KEY_USAGE)[0].children[-1].replace(b"\x04\x02\x03\x00"))
    out["certificate", "deep-nesting"] = _nested(10_000)
    out["crl", "empty-signature-value"] = der_edit.edit(trust["crl-UTO.der"],
                                                        lambda r: r.children[2].replace(b"\x03\x00"))
    out["masterlist", "truncated"] = trust["masterlist.ml"][:900]
    out["trust_store", "deep-nesting"] = _nested(10_000)
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
