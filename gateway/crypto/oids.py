"""Object identifiers of ICAO Doc 9303 (Parts 10-12), BSI TR-03110 and the algorithms they use.

Only constants and name tables live here, no logic: the chip simulator may import this module too,
so what both sides share is data (a wrong constant shows up against the public worked examples),
never code (where a shared bug would hide by being symmetric).
"""

from __future__ import annotations

# --- BSI / ICAO protocol arcs -------------------------------------------------------------------
BSI_DE = "0.4.0.127.0.7"
ID_ECC = BSI_DE + ".1.1"  # TR-03111
STANDARDIZED_DOMAIN_PARAMETERS = BSI_DE + ".1.2"
ID_PK = BSI_DE + ".2.2.1"
ID_PK_DH = ID_PK + ".1"
ID_PK_ECDH = ID_PK + ".2"
ID_TA = BSI_DE + ".2.2.2"
ID_CA = BSI_DE + ".2.2.3"
ID_CA_DH = ID_CA + ".1"
ID_CA_ECDH = ID_CA + ".2"
ID_PACE = BSI_DE + ".2.2.4"
ID_PACE_DH_GM = ID_PACE + ".1"
ID_PACE_ECDH_GM = ID_PACE + ".2"
ID_PACE_DH_IM = ID_PACE + ".3"
ID_PACE_ECDH_IM = ID_PACE + ".4"
ID_PACE_ECDH_CAM = ID_PACE + ".6"
ID_RI = BSI_DE + ".2.2.5"
ID_CI = BSI_DE + ".2.2.6"
ID_EID_SECURITY = BSI_DE + ".2.2.7"
ID_PT = BSI_DE + ".2.2.8"
ID_SECURITY_OBJECT = BSI_DE + ".3.2.1"  # eContentType of EF.CardSecurity / EF.ChipSecurity

# Suffix of a PACE / CA protocol OID below its mapping/agreement arc → cipher of secure messaging.
CIPHER_SUFFIXES = {1: "3DES", 2: "AES-128", 3: "AES-192", 4: "AES-256"}
CIPHER_KEY_BITS = {"3DES": 112, "AES-128": 128, "AES-192": 192, "AES-256": 256}

# PACE arc → (mapping, key agreement)
PACE_ARCS = {
    ID_PACE_DH_GM: ("GM", "DH"),
    ID_PACE_ECDH_GM: ("GM", "ECDH"),
    ID_PACE_DH_IM: ("IM", "DH"),
    ID_PACE_ECDH_IM: ("IM", "ECDH"),
    ID_PACE_ECDH_CAM: ("CAM", "ECDH"),
}
CA_ARCS = {ID_CA_DH: "DH", ID_CA_ECDH: "ECDH"}
PK_ARCS = {ID_PK_DH: "DH", ID_PK_ECDH: "ECDH"}

# --- ICAO ----------------------------------------------------------------------------------------
ICAO_MRTD_SECURITY = "2.23.136.1.1"
ID_LDS_SECURITY_OBJECT = ICAO_MRTD_SECURITY + ".1"
# Older chips use this arc (ISO ICAO, Doc 9303 drafts); readers must accept it (field guide §5).
ID_LDS_SECURITY_OBJECT_OLD = "1.3.27.1.1.1"
LDS_SECURITY_OBJECT_OIDS = frozenset({ID_LDS_SECURITY_OBJECT, ID_LDS_SECURITY_OBJECT_OLD})
ID_CSCA_MASTER_LIST = ICAO_MRTD_SECURITY + ".2"
ID_AA = ICAO_MRTD_SECURITY + ".5"
ID_DEVIATION_LIST = ICAO_MRTD_SECURITY + ".7"

# --- Algorithms -----------------------------------------------------------------------------------
SHA1 = "1.3.14.3.2.26"
SHA224 = "2.16.840.1.101.3.4.2.4"
SHA256 = "2.16.840.1.101.3.4.2.1"
SHA384 = "2.16.840.1.101.3.4.2.2"
SHA512 = "2.16.840.1.101.3.4.2.3"
DIGESTS = {SHA1: "sha1", SHA224: "sha224", SHA256: "sha256", SHA384: "sha384", SHA512: "sha512"}
DIGEST_SIZES = {"sha1": 20, "sha224": 28, "sha256": 32, "sha384": 48, "sha512": 64}

RSA_ENCRYPTION = "1.2.840.113549.1.1.1"
RSASSA_PSS = "1.2.840.113549.1.1.10"
SHA1_WITH_RSA = "1.2.840.113549.1.1.5"
SHA256_WITH_RSA = "1.2.840.113549.1.1.11"
SHA384_WITH_RSA = "1.2.840.113549.1.1.12"
SHA512_WITH_RSA = "1.2.840.113549.1.1.13"
SHA224_WITH_RSA = "1.2.840.113549.1.1.14"
EC_PUBLIC_KEY = "1.2.840.10045.2.1"
PRIME_FIELD = "1.2.840.10045.1.1"
ECDSA_WITH_SHA1 = "1.2.840.10045.4.1"
ECDSA_WITH_SHA224 = "1.2.840.10045.4.3.1"
ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2"
ECDSA_WITH_SHA384 = "1.2.840.10045.4.3.3"
ECDSA_WITH_SHA512 = "1.2.840.10045.4.3.4"
ECDSA_PLAIN_SHA1 = ID_ECC + ".4.1.1"
ECDSA_PLAIN_SHA224 = ID_ECC + ".4.1.2"
ECDSA_PLAIN_SHA256 = ID_ECC + ".4.1.3"
ECDSA_PLAIN_SHA384 = ID_ECC + ".4.1.4"
ECDSA_PLAIN_SHA512 = ID_ECC + ".4.1.5"
DH_PUBLIC_NUMBER = "1.2.840.10046.2.1"

# --- CMS -----------------------------------------------------------------------------------------
CMS_SIGNED_DATA = "1.2.840.113549.1.7.2"
CMS_CONTENT_TYPE = "1.2.840.113549.1.9.3"
CMS_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
CMS_SIGNING_TIME = "1.2.840.113549.1.9.5"

# --- Named curves (id of PACE standardized domain parameters, TR-03110 Part 3 / Doc 9303 Part 11)
STANDARDIZED_DOMAIN_PARAMETER_NAMES = {
    0: "1024-bit MODP Group with 160-bit Prime Order Subgroup",
    1: "2048-bit MODP Group with 224-bit Prime Order Subgroup",
    2: "2048-bit MODP Group with 256-bit Prime Order Subgroup",
    8: "secp192r1",
    9: "brainpoolP192r1",
    10: "secp224r1",
    11: "brainpoolP224r1",
    12: "secp256r1",
    13: "brainpoolP256r1",
    14: "brainpoolP320r1",
    15: "secp384r1",
    16: "brainpoolP384r1",
    17: "brainpoolP512r1",
    18: "secp521r1",
}

NAMES: dict[str, str] = {
    STANDARDIZED_DOMAIN_PARAMETERS: "standardizedDomainParameters",
    ID_PK_DH: "id-PK-DH",
    ID_PK_ECDH: "id-PK-ECDH",
    ID_TA: "id-TA",
    ID_CA_DH: "id-CA-DH",
    ID_CA_ECDH: "id-CA-ECDH",
    ID_RI: "id-RI",
    ID_CI: "id-CI",
    ID_EID_SECURITY: "id-eIDSecurity",
    ID_PT: "id-PT",
    ID_SECURITY_OBJECT: "id-SecurityObject",
    ID_LDS_SECURITY_OBJECT: "id-icao-mrtd-security-ldsSecurityObject",
    ID_LDS_SECURITY_OBJECT_OLD: "ldsSecurityObject (old 1.3.27 arc)",
    ID_CSCA_MASTER_LIST: "id-icao-cscaMasterList",
    ID_AA: "id-icao-mrtd-security-aaProtocolObject",
    ID_DEVIATION_LIST: "id-icao-DeviationList",
    SHA1: "sha1",
    SHA224: "sha224",
    SHA256: "sha256",
    SHA384: "sha384",
    SHA512: "sha512",
    RSA_ENCRYPTION: "rsaEncryption",
    RSASSA_PSS: "RSASSA-PSS",
    SHA1_WITH_RSA: "sha1WithRSAEncryption",
    SHA224_WITH_RSA: "sha224WithRSAEncryption",
    SHA256_WITH_RSA: "sha256WithRSAEncryption",
    SHA384_WITH_RSA: "sha384WithRSAEncryption",
    SHA512_WITH_RSA: "sha512WithRSAEncryption",
    EC_PUBLIC_KEY: "id-ecPublicKey",
    PRIME_FIELD: "prime-field",
    ECDSA_WITH_SHA1: "ecdsa-with-SHA1",
    ECDSA_WITH_SHA224: "ecdsa-with-SHA224",
    ECDSA_WITH_SHA256: "ecdsa-with-SHA256",
    ECDSA_WITH_SHA384: "ecdsa-with-SHA384",
    ECDSA_WITH_SHA512: "ecdsa-with-SHA512",
    ECDSA_PLAIN_SHA1: "ecdsa-plain-SHA1",
    ECDSA_PLAIN_SHA224: "ecdsa-plain-SHA224",
    ECDSA_PLAIN_SHA256: "ecdsa-plain-SHA256",
    ECDSA_PLAIN_SHA384: "ecdsa-plain-SHA384",
    ECDSA_PLAIN_SHA512: "ecdsa-plain-SHA512",
    DH_PUBLIC_NUMBER: "dhpublicnumber",
    CMS_SIGNED_DATA: "signedData",
    CMS_CONTENT_TYPE: "contentType",
    CMS_MESSAGE_DIGEST: "messageDigest",
    CMS_SIGNING_TIME: "signingTime",
    ID_PACE_DH_GM: "id-PACE-DH-GM",
    ID_PACE_DH_GM + ".1": "id-PACE-DH-GM-3DES-CBC-CBC",
    ID_PACE_DH_GM + ".2": "id-PACE-DH-GM-AES-CBC-CMAC-128",
    ID_PACE_DH_GM + ".3": "id-PACE-DH-GM-AES-CBC-CMAC-192",
    ID_PACE_DH_GM + ".4": "id-PACE-DH-GM-AES-CBC-CMAC-256",
    ID_PACE_ECDH_GM: "id-PACE-ECDH-GM",
    ID_PACE_ECDH_GM + ".1": "id-PACE-ECDH-GM-3DES-CBC-CBC",
    ID_PACE_ECDH_GM + ".2": "id-PACE-ECDH-GM-AES-CBC-CMAC-128",
    ID_PACE_ECDH_GM + ".3": "id-PACE-ECDH-GM-AES-CBC-CMAC-192",
    ID_PACE_ECDH_GM + ".4": "id-PACE-ECDH-GM-AES-CBC-CMAC-256",
    ID_PACE_DH_IM: "id-PACE-DH-IM",
    ID_PACE_DH_IM + ".1": "id-PACE-DH-IM-3DES-CBC-CBC",
    ID_PACE_DH_IM + ".2": "id-PACE-DH-IM-AES-CBC-CMAC-128",
    ID_PACE_DH_IM + ".3": "id-PACE-DH-IM-AES-CBC-CMAC-192",
    ID_PACE_DH_IM + ".4": "id-PACE-DH-IM-AES-CBC-CMAC-256",
    ID_PACE_ECDH_IM: "id-PACE-ECDH-IM",
    ID_PACE_ECDH_IM + ".1": "id-PACE-ECDH-IM-3DES-CBC-CBC",
    ID_PACE_ECDH_IM + ".2": "id-PACE-ECDH-IM-AES-CBC-CMAC-128",
    ID_PACE_ECDH_IM + ".3": "id-PACE-ECDH-IM-AES-CBC-CMAC-192",
    ID_PACE_ECDH_IM + ".4": "id-PACE-ECDH-IM-AES-CBC-CMAC-256",
    ID_PACE_ECDH_CAM: "id-PACE-ECDH-CAM",
    ID_PACE_ECDH_CAM + ".2": "id-PACE-ECDH-CAM-AES-CBC-CMAC-128",
    ID_PACE_ECDH_CAM + ".3": "id-PACE-ECDH-CAM-AES-CBC-CMAC-192",
    ID_PACE_ECDH_CAM + ".4": "id-PACE-ECDH-CAM-AES-CBC-CMAC-256",
    ID_CA_DH + ".1": "id-CA-DH-3DES-CBC-CBC",
    ID_CA_DH + ".2": "id-CA-DH-AES-CBC-CMAC-128",
    ID_CA_DH + ".3": "id-CA-DH-AES-CBC-CMAC-192",
    ID_CA_DH + ".4": "id-CA-DH-AES-CBC-CMAC-256",
    ID_CA_ECDH + ".1": "id-CA-ECDH-3DES-CBC-CBC",
    ID_CA_ECDH + ".2": "id-CA-ECDH-AES-CBC-CMAC-128",
    ID_CA_ECDH + ".3": "id-CA-ECDH-AES-CBC-CMAC-192",
    ID_CA_ECDH + ".4": "id-CA-ECDH-AES-CBC-CMAC-256",
}


def encode_oid(dotted: str) -> bytes:
    """DER content bytes of an OBJECT IDENTIFIER (without tag 06 and length)."""
    try:
        arcs = [int(a) for a in dotted.split(".")]
    except ValueError:
        raise ValueError("object identifier must be dotted decimal") from None
    if len(arcs) < 2 or arcs[0] > 2 or (arcs[0] < 2 and arcs[1] >= 40) or min(arcs) < 0:
        raise ValueError("invalid object identifier")
    out = bytearray()
    for arc in [40 * arcs[0] + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out += bytes(reversed(chunk))
    return bytes(out)
