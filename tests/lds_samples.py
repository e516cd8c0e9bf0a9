"""Public LDS samples and test builders for tests/test_lds_*.py.

Every public sample names where it comes from. Builders make the rest with asn1crypto,
`cryptography` and `gateway.nfc.tlv.encode` — written here, independently of the simulator's
LDS builder, so that a shared misunderstanding cannot make both sides agree on a wrong format.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from asn1crypto import cms, core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gateway.nfc.tlv import encode

DATA = Path(__file__).parent / "data" / "lds"

# --- Public samples --------------------------------------------------------------------------------

# ICAO Doc 9303 Part 11 Appendix D (BAC worked example): the whole EF.COM read there (field guide §3).
EF_COM_APPENDIX_D = bytes.fromhex("60145F0104303130365F36063034303030305C026175")

# ICAO Doc 9303 Part 11 Appendix G.1 (PACE ECDH-GM, brainpoolP256r1): the PACEInfo (field guide §3).
PACE_INFO_APPENDIX_G1 = bytes.fromhex("3012060A04007F0007020204020202010202010D")

# EF.CardAccess of a Bundesdruckerei German ID test card ("ePA - BDr GmbH - Testkarte v2.0"),
# from frankmorgner/openpace bindings/ruby/example.rb. The file is read to its allocated size, so
# bytes follow the SecurityInfos SET.
CARD_ACCESS_BDR_TESTCARD = bytes.fromhex(
    "318182300D060804007F00070202020201023012060A04007F000702020302020201020201413012060A04007F"
    "0007020204020202010202010D301C060904007F000702020302300C060704007F0007010202010D020141302B"
    "060804007F0007020206161F655041202D2042447220476D6248202D20546573746B617274652076322E300449"
    "1715411928800A01B421FA07000000000000000000000000000000000000201010291010"
)

# BSI TR-03105-5 ReferenceDataSet (EF_SOD.bin, Datagroup1/2/14/15.bin), as quoted in the tests of
# ZeroPass/pymrtd (tests/ef/sod_test.py, tests/ef/dg2_test.py). The SOD is RSASSA-PSS/SHA-256 signed
# by the document signer embedded in it; it covers DG1, DG2, DG3, DG4 and DG14.
BSI_SOD = bytes.fromhex((DATA / "bsi_tr03105_sod.hex").read_text().strip())
BSI_DG1 = bytes.fromhex(
    "615B5F1F58503C443C3C4D55535445524D414E4E3C3C4552494B413C3C3C3C3C3C3C3C3C3C3C3C3C3C3C3C3C3C3C"
    "3C3C3C433131543030324A4D34443C3C3936303831323246323331303331343C3C3C3C3C3C3C3C3C3C3C3C3C3C3C34"
)
BSI_DG2 = bytes.fromhex((DATA / "bsi_tr03105_dg2.hex").read_text().strip())
BSI_DG14 = bytes.fromhex(
    "6E82014A3182014630820122060904007F000702020102308201133081D406072A8648CE3D02013081C8020101"
    "302806072A8648CE3D0101021D00D7C134AA264366862A18302575D1D787B09F075797DA89F57EC8C0FF303C04"
    "1C68A5E62CA9CE6C1C299803A6C1530B514E182AD8B0042A59CAD29F43041C2580F63CCFE44138870713B1A923"
    "69E33E2135D266DBB372386C400B0439040D9029AD2C7E5CF4340823B2A87DC68C9E4CE3174C1E6EFDEE12C07D"
    "58AA56F772C0726F24C6B89E4ECDAC24354B9E99CAA3F6D3761402CD021D00D7C134AA264366862A18302575D0"
    "FB98D116BC4B6DDEBCA3A5A7939F020101033A0004A847F020F71DF33D386BE7C9223A354D6AC7727018B26E28"
    "1C6FFB96A83B142AAF303C23F2BCF2CDE4706C14E45914A9BE42C15BCB67A01F300F060A04007F000702020302"
    "01020101300D060804007F0007020202020101"
)
BSI_DG15 = bytes.fromhex(
    "6F81A230819F300D06092A864886F70D010101050003818D00308189028181008130E120BB785A45D8D87E6F1A"
    "89EF4C6B655A555F58887DC6F78C293E71B028621B464C7B3123DF8896449ACB2A6E0219B7A43141BA617AE0E9"
    "4CB5372EB6D964A1DBF2A43BD0CE659E962AC2CE9CEDF681CA1E3C74EA23C62D9ABFB81371D2602E39162EB578"
    "F9DED459C758EFD6A27A755B8C0E0E31E040D4D37A276939090203010001"
)

# ICAO Doc 9303 Part 10 Appendix A.2.1 (DG1 of a TD1, NLD specimen), as quoted in ZeroPass/pymrtd
# tests/ef/dg1_test.py.
DG1_PART10_A21_TD1 = bytes.fromhex(
    "615D5F1F5A493C4E4C44584938353933354638363939393939393939303C3C3C3C3C3C373230383134384631313038"
    "3236384E4C443C3C3C3C3C3C3C3C3C3C3C3456414E3C4445523C535445454E3C3C4D415249414E4E453C4C4F5549"
    "5345"
)
# Doc 9303 Part 4 Appendix B TD3 specimen (ERIKSSON), prefixed with 615B/5F1F58 (pymrtd dg1_test.py).
DG1_PART4_TD3 = bytes.fromhex(
    "615B5F1F58503C55544F4552494B53534F4E3C3C414E4E413C4D415249413C3C3C3C3C3C3C3C3C3C3C3C3C3C3C3C"
    "3C3C3C4C38393839303243333655544F3734303831323246313230343135395A45313834323236423C3C3C3C3C3130"
)
# DG11 test vector of ZeroPass/pymrtd tests/ef/dg11_test.py (full name, date and place of birth).
DG11_PYMRTD = bytes.fromhex(
    "6B305C065F0E5F2B5F115F0E0C546573743C3C5465737465725F2B0831393730313230315F110B4E6F727468616D70746F6E"
)


# --- Builders --------------------------------------------------------------------------------------


def dg1(lines: list[str]) -> bytes:
    return encode(0x61, encode(0x5F1F, "".join(lines).encode("ascii")))


def small_dg2() -> bytes:
    """A DG2 with one 19794-5 record and one 39794-5 record around stand-in JPEG bytes (not decodable:
    for structure tests and fuzzing only)."""
    image = b"\xff\xd8\xff\xe0" + bytes(range(16))
    info = bytes(16) + bytes([1, 0, 0, 64, 0, 80]) + bytes(6)
    block = (4 + len(info) + len(image)).to_bytes(4, "big") + info + image
    record = b"FAC\x00010\x00" + (14 + len(block)).to_bytes(4, "big") + b"\x00\x01" + block
    size = encode(0xA7, encode(0x80, b"\x40") + encode(0x81, b"\x50"))
    two_d = encode(0xA0, encode(0x80, image) + encode(0xA1, encode(0xA0, encode(0x80, b"\x02")) + size))
    rep = encode(0x30, encode(0x80, b"\x01") + encode(0xA1, encode(0xA0, two_d)))
    modern = encode(0x65, encode(0xA0, encode(0x80, b"\x01")) + encode(0xA1, rep))
    header = encode(0xA1, encode(0x81, b"\x02") + encode(0x87, b"\x01\x01") + encode(0x88, b"\x00\x08"))
    bits = encode(0x7F60, header + encode(0x5F2E, record)) + encode(0x7F60, header + encode(0x7F2E, modern))
    return encode(0x75, encode(0x7F61, encode(0x02, b"\x02") + bits))


_SIGNER_KEY = ec.generate_private_key(ec.SECP256R1())


def signer_certificate(key: ec.EllipticCurvePrivateKey = _SIGNER_KEY) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "UT"), x509.NameAttribute(NameOID.COMMON_NAME, "DS")])
    now = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(0x1234567)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def lds_security_object(hashes_by_dg: dict[int, bytes], digest: str = "sha256", version_info: bool = False) -> bytes:
    from gateway.nfc.lds.asn1 import LDSSecurityObject

    value = {
        "version": 1 if version_info else 0,
        "hash_algorithm": {"algorithm": {"sha1": "1.3.14.3.2.26", "sha256": "2.16.840.1.101.3.4.2.1"}[digest]},
        "data_group_hash_values": [
            {"data_group_number": n, "data_group_hash_value": h} for n, h in hashes_by_dg.items()
        ],
    }
    if version_info:
        value["lds_version_info"] = {"lds_version": "0108", "unicode_version": "040000"}
    return LDSSecurityObject(value).dump()


def signed_content_info(
    econtent: bytes | None,
    econtent_type: str,
    *,
    signed: bool = True,
    with_certificate: bool = True,
    sid: str = "issuer",
    key: ec.EllipticCurvePrivateKey = _SIGNER_KEY,
) -> bytes:
    """A CMS ContentInfo{SignedData} signed with ECDSA-SHA256 over signed attributes (RFC 5652 §5.4)."""
    cert = signer_certificate(key)
    asn1_cert = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    signer_infos = []
    if signed:
        attrs = cms.CMSAttributes(
            [
                {"type": "content_type", "values": [econtent_type]},
                {"type": "message_digest", "values": [hashlib.sha256(econtent or b"").digest()]},
            ]
        )
        signature = key.sign(attrs.dump(), ec.ECDSA(hashes.SHA256()))
        if sid == "issuer":
            sid_value = cms.SignerIdentifier(
                name="issuer_and_serial_number",
                value={"issuer": asn1_cert.issuer, "serial_number": asn1_cert.serial_number},
            )
        else:
            sid_value = cms.SignerIdentifier(name="subject_key_identifier", value=asn1_cert.key_identifier)
        signer_infos.append(
            {
                "version": "v1" if sid == "issuer" else "v3",
                "sid": sid_value,
                "digest_algorithm": {"algorithm": "sha256"},
                "signed_attrs": attrs,
                "signature_algorithm": {"algorithm": "sha256_ecdsa"},
                "signature": signature,
            }
        )
    encap = {"content_type": econtent_type}
    if econtent is not None:
        encap["content"] = core.ParsableOctetString(econtent)
    signed_data = {
        "version": "v3",
        "digest_algorithms": [{"algorithm": "sha256"}],
        "encap_content_info": encap,
        "signer_infos": signer_infos,
    }
    if with_certificate:
        signed_data["certificates"] = [asn1_cert]
    return cms.ContentInfo({"content_type": "signed_data", "content": cms.SignedData(signed_data)}).dump()


def sod(hashes_by_dg: dict[int, bytes], oid: str = "2.23.136.1.1.1", **kwargs: object) -> bytes:
    return encode(0x77, signed_content_info(lds_security_object(hashes_by_dg), oid, **kwargs))  # type: ignore[arg-type]
