"""Independent checkers for what the simulator's document builder produces.

Nothing here imports the builder's encoders: TLV is walked with asn1crypto's generic parser, CMS and
the LDS security object are decoded with asn1crypto specs declared here, and signatures are checked
with `cryptography` — so a wrong structure cannot be 'verified' by the code that wrote it.
"""

from __future__ import annotations

import hashlib

from asn1crypto import algos, cms, core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa


def _walk(data: bytes) -> list[tuple[int, bytes, bytes]]:
    """(tag, value, whole encoding) of each top-level BER-TLV object.

    Hand-written (asn1crypto's parser refuses ICAO tags such as 5F01, which X.690 calls non-minimal).
    """
    out, pos = [], 0
    while pos < len(data):
        start = pos
        pos += 1
        if data[start] & 0x1F == 0x1F:
            while data[pos] & 0x80:
                pos += 1
            pos += 1
        tag = int.from_bytes(data[start:pos], "big")
        first = data[pos]
        pos += 1
        if first < 0x80:
            length = first
        else:
            count = first & 0x7F
            assert 1 <= count <= 3, "unsupported length form"
            length = int.from_bytes(data[pos:pos + count], "big")
            pos += count
        assert pos + length <= len(data), "value runs past the end"
        out.append((tag, data[pos:pos + length], data[start:pos + length]))
        pos += length
    return out


def tlv_items(data: bytes) -> list[tuple[int, bytes]]:
    """Top-level (tag, value) pairs, e.g. (0x5F1F, MRZ bytes)."""
    return [(tag, value) for tag, value, _ in _walk(data)]


def tlv_elements(data: bytes) -> list[bytes]:
    """Top-level objects as complete encodings (e.g. the members of a SET OF)."""
    return [whole for _, _, whole in _walk(data)]


def tlv_one(data: bytes, tag: int) -> bytes:
    """Value of the single outer object, which must carry `tag` and fill `data` exactly."""
    items = tlv_items(data)
    assert len(items) == 1, "trailing data after the outer object"
    assert items[0][0] == tag, f"outer tag {items[0][0]:X} != {tag:X}"
    return items[0][1]


def tlv_dict(data: bytes) -> dict[int, bytes]:
    return dict(tlv_items(data))


class DataGroupHash(core.Sequence):
    _fields = [("number", core.Integer), ("value", core.OctetString)]  # noqa: RUF012


class LdsSecurityObject(core.Sequence):
    _fields = [  # noqa: RUF012
        ("version", core.Integer),
        ("hash_algorithm", algos.DigestAlgorithm),
        ("hashes", core.SequenceOf, {"spec": DataGroupHash}),
        ("version_info", core.Any, {"optional": True}),
    ]


class CscaMasterList(core.Sequence):
    _fields = [("version", core.Integer), ("cert_list", core.SetOf, {"spec": asn1_x509.Certificate})]  # noqa: RUF012


def signed_data_of(content_info_der: bytes) -> cms.SignedData:
    ci = cms.ContentInfo.load(content_info_der)
    assert ci["content_type"].native == "signed_data"
    return ci["content"]


def verify_signature(public_key, sig_alg: algos.SignedDigestAlgorithm, data: bytes, signature: bytes) -> None:
    """Raises InvalidSignature; picks padding/hash from the algorithm identifier, as a verifier must."""
    hash_name = sig_alg.hash_algo
    h = {"sha1": hashes.SHA1, "sha224": hashes.SHA224, "sha256": hashes.SHA256, "sha384": hashes.SHA384,
         "sha512": hashes.SHA512}[hash_name]()
    algo = sig_alg.signature_algo
    if algo == "rsassa_pss":
        params = sig_alg["parameters"]
        assert isinstance(public_key, rsa.RSAPublicKey)
        public_key.verify(signature, data, padding.PSS(padding.MGF1(h), params["salt_length"].native), h)
    elif algo == "rsassa_pkcs1v15":
        assert isinstance(public_key, rsa.RSAPublicKey)
        public_key.verify(signature, data, padding.PKCS1v15(), h)
    elif algo == "ecdsa":
        assert isinstance(public_key, ec.EllipticCurvePublicKey)
        public_key.verify(signature, data, ec.ECDSA(h))
    else:
        raise AssertionError(f"unexpected signature algorithm {algo}")


def check_signer_info(sd: cms.SignedData, signer_cert: x509.Certificate) -> bytes:
    """Verify the one SignerInfo over its signed attributes; return the eContent bytes."""
    econtent = sd["encap_content_info"]["content"].contents
    [si] = list(sd["signer_infos"])
    attrs = {a["type"].native: a["values"] for a in si["signed_attrs"]}
    assert attrs["content_type"][0].dotted == sd["encap_content_info"]["content_type"].dotted
    digest = hashlib.new(si["digest_algorithm"]["algorithm"].native, econtent).digest()
    assert attrs["message_digest"][0].native == digest
    signed = b"\x31" + si["signed_attrs"].dump()[1:]  # signature covers the SET OF form
    verify_signature(signer_cert.public_key(), si["signature_algorithm"], signed, si["signature"].native)
    sid = si["sid"].chosen
    assert sid["serial_number"].native == signer_cert.serial_number
    return econtent


def certificates_of(sd: cms.SignedData) -> list[x509.Certificate]:
    return [x509.load_der_x509_certificate(c.chosen.dump()) for c in sd["certificates"]]


def is_signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True
