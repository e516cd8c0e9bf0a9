"""Keys built to cost CPU or to crash the parsers (issue 10): explicit EC parameters of a huge or
non-curve "field", RSA keys with negative or giant exponents and moduli, DH groups beyond the
budget, and DER nested 10,000 levels deep. Each is refused by its bound, with a clear error, before
any arithmetic — and legitimate keys, named or explicit, still work."""

from __future__ import annotations

import pytest
from asn1crypto import core
from asn1crypto import keys as asn1_keys
from cryptography.hazmat.primitives.asymmetric import ec

from gateway.crypto import asn1 as crypto_asn1
from gateway.crypto.cms import parse_signed_data
from gateway.crypto.ec_params import ECDomain, check_bounds, is_probable_prime, match_named_curve, verify_domain
from gateway.crypto.errors import CryptoError, DecodeError, LimitError
from gateway.crypto.public_key import parse_explicit_domain, parse_spki_der
from gateway.limits import MAX_DH_BITS, MAX_EC_FIELD_BITS, MAX_RSA_BITS, MAX_RSA_EXPONENT_BITS, MAX_TLV_DEPTH
from gateway.nfc import tlv
from gateway.nfc.lds import LDSError, parse_dg14, parse_dg15, parse_sod
from gateway.pki import CertificateError, TrustStore, load_certificate, load_crl, parse_master_list
from gateway.pki.masterlist import MasterListError
from simulators.chip import der_edit, lds_files
from simulators.chip.security_infos import spki_der
from simulators.chip.tlv_build import tlv as build_tlv

# secp256k1 (SEC 2): a real prime-order curve that is in neither the TR-03110 table nor the set of
# curves `cryptography` is asked to load here, so it takes the Jacobian verification path.
K1 = ECDomain(
    p=2**256 - 2**32 - 977, a=0, b=7,
    gx=0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798,
    gy=0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8,
    n=0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141, h=1,
)


def explicit_spki(dom: ECDomain, point: bytes | None = None, size: int | None = None) -> bytes:
    size = size or (dom.p.bit_length() + 7) // 8
    domain = asn1_keys.SpecifiedECDomain({
        "version": "ecdpVer1",
        "field_id": {"field_type": "prime_field", "parameters": core.Integer(dom.p)},
        "curve": {"a": dom.a.to_bytes(size, "big"), "b": dom.b.to_bytes(size, "big")},
        "base": b"\x04" + dom.gx.to_bytes(size, "big") + dom.gy.to_bytes(size, "big"),
        "order": dom.n,
        **({"cofactor": dom.h} if dom.h is not None else {}),
    })
    point = point or b"\x04" + dom.gx.to_bytes(size, "big") + dom.gy.to_bytes(size, "big")
    return asn1_keys.PublicKeyInfo({
        "algorithm": {"algorithm": "ec", "parameters": asn1_keys.ECDomainParameters("specified", domain)},
        "public_key": point,
    }).dump()


def dg15_of(spki: bytes) -> bytes:
    return build_tlv(0x6F, spki)


def test_the_huge_explicit_curve_dg15_is_refused_by_its_field_size():
    bits = 17_000  # the 4.3 KB DG15 of issue 10: 11 s of pure-Python n·G before
    p = (1 << (bits - 1)) | 1
    hostile = ECDomain(p=p, a=3, b=5, gx=1, gy=2, n=p - 7, h=1)
    dg15 = dg15_of(explicit_spki(hostile))
    assert len(dg15) > 4300
    with pytest.raises(LDSError, match=rf"{bits}-bit field, more than the {MAX_EC_FIELD_BITS} bits allowed"):
        parse_dg15(dg15)
    with pytest.raises(LimitError):
        verify_domain(hostile)


@pytest.mark.parametrize(
    ("dom", "message"),
    [
        (ECDomain(K1.p, K1.a, K1.b, K1.gx, K1.gy, K1.n << 300, 1), "outside the Hasse bound"),
        (ECDomain(K1.p, K1.a, K1.b, K1.gx, K1.gy, K1.n, 1 << 20), "cofactor outside"),
        (ECDomain(K1.p, K1.a, K1.b, K1.gx, K1.gy, K1.n, 3), "order × cofactor is outside the Hasse bound"),
        (ECDomain(K1.p, K1.a, K1.b, K1.gx, K1.gy, 2**40 + 15, None), "too small for the field"),
        (ECDomain(K1.p + 2, K1.a, K1.b, K1.gx, K1.gy, K1.n, 1), "not an odd prime"),
        (ECDomain(K1.p, K1.a, K1.b, K1.gx, K1.gy, K1.n + 2, 1), "not prime"),
        (ECDomain(K1.p, K1.a, K1.b, K1.gx, K1.gy + 1, K1.n, 1), "generator is not on the curve"),
    ],
    ids=["order-huge", "cofactor-huge", "cofactor-wrong", "order-tiny", "p-composite", "n-composite", "G-off"],
)
def test_explicit_parameters_outside_the_bounds_or_not_a_group(dom, message):
    with pytest.raises(DecodeError, match=message):
        verify_domain(dom)


def test_an_unnamed_real_curve_is_verified_with_jacobian_arithmetic():
    verify_domain(K1)  # n·G = O on secp256k1
    assert match_named_curve(K1) is None
    other_prime = next(m for m in range(K1.n - 2, K1.n - 5000, -2) if is_probable_prime(m))
    wrong_order = ECDomain(K1.p, K1.a, K1.b, K1.gx, K1.gy, other_prime, 1)
    with pytest.raises(DecodeError, match="does not annihilate"):
        verify_domain(wrong_order)
    info = parse_spki_der(explicit_spki(K1))
    assert info.kind == "EC" and info.curve is None and info.explicit == K1


def test_explicit_standard_curves_are_still_recognised_first():
    for curve in (ec.SECP256R1(), ec.BrainpoolP256R1(), ec.SECP384R1()):
        key = ec.derive_private_key(5, curve).public_key()
        info = parse_spki_der(spki_der(key, explicit=True))
        assert info.curve == curve.name and info.loadable


def test_explicit_parameter_der_parser_bounds_before_arithmetic():
    huge = ECDomain(p=(1 << 4000) | 1, a=1, b=1, gx=1, gy=1, n=5, h=None)
    params = asn1_keys.PublicKeyInfo.load(explicit_spki(huge))["algorithm"]["parameters"].chosen.dump()
    with pytest.raises(LimitError, match="4001-bit field"):
        parse_explicit_domain(params)
    check_bounds(K1)


# --- RSA and DH ---------------------------------------------------------------------------------------


def rsa_spki(n: int, e: int) -> bytes:
    return asn1_keys.PublicKeyInfo({
        "algorithm": {"algorithm": "rsa"},
        "public_key": asn1_keys.RSAPublicKey({"modulus": n, "public_exponent": e}),
    }).dump()


GOOD_N = (1 << 2047) | 0x1234567 | 1


@pytest.mark.parametrize(
    ("n", "e", "error", "message"),
    [
        (GOOD_N, -3, DecodeError, "exponent is not an odd integer"),
        (GOOD_N, -65537, DecodeError, "exponent is not an odd integer"),
        (GOOD_N, 0, DecodeError, "exponent is not an odd integer"),
        (GOOD_N, 65536, DecodeError, "exponent is not an odd integer"),
        (GOOD_N, (1 << 300) + 1, LimitError, f"more than {MAX_RSA_EXPONENT_BITS} allowed"),
        ((1 << 16383) | 1, 65537, LimitError, f"more than the {MAX_RSA_BITS} bits allowed"),
        (-GOOD_N, 65537, DecodeError, "modulus is not a positive odd integer"),
        (GOOD_N + 1, 65537, DecodeError, "modulus is not a positive odd integer"),
    ],
    ids=["e=-3", "e=-65537", "e=0", "e-even", "e-300-bits", "n-16384-bits", "n-negative", "n-even"],
)
def test_rsa_keys_outside_the_bounds_are_clean_errors(n, e, error, message):
    with pytest.raises(error, match=message):
        parse_spki_der(rsa_spki(n, e))
    with pytest.raises(LDSError, match=message):
        parse_dg15(dg15_of(rsa_spki(n, e)))


def dh_spki(p: int, g: int, q: int, y: int) -> bytes:
    params = asn1_keys.DomainParameters({"p": p, "g": g, "q": q})
    return asn1_keys.PublicKeyInfo({
        "algorithm": {"algorithm": "1.2.840.10046.2.1", "parameters": params},
        "public_key": core.Integer(y),
    }).dump()


def test_dh_keys_beyond_the_budget_or_out_of_range():
    big = (1 << (MAX_DH_BITS + 8)) | 1
    with pytest.raises(LimitError, match=f"more than the {MAX_DH_BITS} bits allowed"):
        parse_spki_der(dh_spki(big, 2, 7, 5))
    p = (1 << 2047) | 1
    with pytest.raises(DecodeError, match="generator is outside"):
        parse_spki_der(dh_spki(p, 1, 7, 5))
    with pytest.raises(DecodeError, match="public value is outside"):
        parse_spki_der(dh_spki(p, 2, 7, p - 1))
    assert parse_spki_der(dh_spki(p, 2, 7, 5)).kind == "DH"


def test_a_dg14_with_an_oversized_chip_authentication_key_is_an_lds_error():
    from simulators.chip.security_infos import chip_authentication_infos

    key = ec.derive_private_key(9, ec.SECP256R1()).public_key()
    infos = chip_authentication_infos("ecdh-aes-128", key)
    huge = explicit_spki(ECDomain(p=(1 << 9000) | 1, a=1, b=1, gx=1, gy=1, n=7, h=1))
    good = spki_der(key)

    def swap_key(root: der_edit.Node) -> None:
        next(n for n in root.walk() if n.encode() == good).replace(huge)

    hostile = [der_edit.edit(i, swap_key) if good in i else i for i in infos]
    assert hostile != infos
    with pytest.raises(LDSError, match="9001-bit field"):
        parse_dg14(lds_files.dg14(hostile))


# --- nesting ---------------------------------------------------------------------------------------------


def nested(levels: int, tag: int = 0x30, inner: bytes = b"\x05\x00") -> bytes:
    data = inner
    for _ in range(levels):
        data = bytes([tag]) + crypto_asn1.der_length(len(data)) + data
    return data


DEEP = nested(10_000)


def test_asn1crypto_itself_recurses_on_deep_nesting():
    """The reason for the guard: asn1crypto's native conversion is recursive."""
    with pytest.raises(RecursionError):
        _ = core.Sequence.load(DEEP).native


def test_every_der_entry_point_refuses_deep_nesting_cleanly():
    with pytest.raises(LimitError, match=f"nested deeper than {MAX_TLV_DEPTH} levels"):
        crypto_asn1.check_depth(DEEP, "x")
    with pytest.raises(CryptoError):
        parse_spki_der(DEEP)
    with pytest.raises(CryptoError):
        parse_signed_data(DEEP, "EF.SOD")
    with pytest.raises(CertificateError):
        load_certificate(DEEP)
    with pytest.raises(CertificateError):
        load_crl(DEEP)
    with pytest.raises(MasterListError):
        parse_master_list(DEEP)
    with pytest.raises(LDSError, match="nested deeper"):
        parse_sod(build_tlv(0x77, DEEP))
    with pytest.raises(tlv.TLVError, match="nested deeper"):
        tlv.check_depth(nested(1000, 0x61))
    report = TrustStore().load_bytes(DEEP, "deep.der")
    assert report.error == "not a master list, certificate or CRL"


def test_depth_check_leaves_genuine_nesting_alone():
    crypto_asn1.check_depth(nested(MAX_TLV_DEPTH), "x")
    with pytest.raises(LimitError):
        crypto_asn1.check_depth(nested(MAX_TLV_DEPTH + 1), "x")
    tlv.check_depth(nested(MAX_TLV_DEPTH))
    indefinite = b"\x30\x80" * 40 + b"\x05\x00" + b"\x00\x00" * 40
    with pytest.raises(LimitError):
        crypto_asn1.check_depth(indefinite, "x")
