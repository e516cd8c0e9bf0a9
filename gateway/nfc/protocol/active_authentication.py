"""Active authentication (ICAO Doc 9303 Part 11 §6.1), reader side, sans-IO.

    aa = ActiveAuthentication(parse_dg15(dg15), dg14_infos.active_authentication_info)
    cmd = aa.start()                 # INTERNAL AUTHENTICATE, plain: the reader protects it with SM
    result = aa.feed(unwrapped_response)

The chip signs our random challenge with the DG15 private key, which a copied chip does not have.
RSA chips answer with ISO/IEC 9796-2 digital signature scheme 1 (partial message recovery; trailer
BC = SHA-1, xxCC = the hash named by xx), EC chips with a plain r‖s ECDSA signature whose hash is
named by DG14's ActiveAuthenticationInfo (or, absent that, chosen by key size).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.crypto import oids
from gateway.crypto.errors import CryptoError
from gateway.crypto.public_key import PublicKeyInfo
from gateway.crypto.signatures import UnsupportedSignature, curve_of, verify_ecdsa
from gateway.nfc.apdu import CommandAPDU, ResponseAPDU, internal_authenticate
from gateway.nfc.lds.dg14 import parse_dg14
from gateway.nfc.lds.dg15 import parse_dg15
from gateway.nfc.lds.errors import LDSError
from gateway.nfc.lds.security_infos import ActiveAuthenticationInfo
from gateway.nfc.randomness import SYSTEM_RANDOM, RandomSource
from gateway.nfc.status import ProtocolError

from .steps import StepContext, StepOutcome

VERIFIED = "AA_VERIFIED"
SIGNATURE_INVALID = "AA_SIGNATURE_INVALID"
REFUSED = "AA_REFUSED"
UNSUPPORTED = "AA_UNSUPPORTED"

# ISO/IEC 10118-3 hash identifiers used in the two-byte 9796-2 trailer xx CC.
_TRAILER_HASH = {0x33: "sha1", 0x34: "sha256", 0x35: "sha512", 0x36: "sha384", 0x38: "sha224"}
_PLAIN_ECDSA = {
    oids.ECDSA_PLAIN_SHA1: "sha1",
    oids.ECDSA_PLAIN_SHA224: "sha224",
    oids.ECDSA_PLAIN_SHA256: "sha256",
    oids.ECDSA_PLAIN_SHA384: "sha384",
    oids.ECDSA_PLAIN_SHA512: "sha512",
    oids.ECDSA_WITH_SHA1: "sha1",
    oids.ECDSA_WITH_SHA224: "sha224",
    oids.ECDSA_WITH_SHA256: "sha256",
    oids.ECDSA_WITH_SHA384: "sha384",
    oids.ECDSA_WITH_SHA512: "sha512",
}


class AAError(ProtocolError):
    """Active authentication used wrongly (state machine misuse)."""


@dataclass(frozen=True, slots=True)
class AAResult:
    """`reason` is one of AA_VERIFIED / AA_SIGNATURE_INVALID / AA_REFUSED / AA_UNSUPPORTED;
    `detail` a short technical note (algorithm, status word) without any key material."""

    reason: str
    algorithm: str = ""
    detail: str = ""

    @property
    def verified(self) -> bool:
        return self.reason == VERIFIED


def _ecdsa_hash(key: PublicKeyInfo, info: ActiveAuthenticationInfo | None) -> str:
    if info is not None:
        name = _PLAIN_ECDSA.get(info.signature_algorithm)
        if name is None:
            raise ValueError(f"AA signature algorithm {info.signature_algorithm_name} is not supported")
        return name
    # No ActiveAuthenticationInfo: hash length matching the key (TR-03111 practice).
    bits = curve_of(key).n.bit_length()
    if bits <= 160:
        return "sha1"
    if bits <= 224:
        return "sha224"
    if bits <= 256:
        return "sha256"
    if bits <= 384:
        return "sha384"
    return "sha512"


def verify_rsa_9796_2(key: rsa.RSAPublicKey, challenge: bytes, signature: bytes) -> tuple[bool, str]:
    """ISO/IEC 9796-2 scheme 1 with partial recovery: recover F = 6A‖M1‖H(M1‖M2)‖trailer and
    check the hash with M2 = our challenge. Returns (valid, hash name)."""
    numbers = key.public_numbers()
    n, e = numbers.n, numbers.e
    k = (n.bit_length() + 7) // 8
    s = int.from_bytes(signature, "big")
    if not signature or len(signature) > k or s >= n:
        return False, ""
    m = pow(s, e, n)
    if m & 0xF != 0xC:  # the signer may have sent min(J^d, n - J^d) (9796-2 §B)
        m = n - m
    if m & 0xF != 0xC:
        return False, ""
    f = m.to_bytes(k, "big")
    if f[-1] == 0xBC:
        hash_name, trailer = "sha1", 1
    elif f[-1] == 0xCC and f[-2] in _TRAILER_HASH:
        hash_name, trailer = _TRAILER_HASH[f[-2]], 2
    else:
        return False, ""
    hlen = hashlib.new(hash_name).digest_size
    # Header: '01' then '1' (partial recovery) then padding bits to nibble 'A'.
    header = f[0]
    if header >> 6 != 0b01 or not header & 0x20 or header & 0x0F != 0x0A:
        return False, hash_name
    if len(f) < 1 + hlen + trailer:
        return False, hash_name
    m1 = f[1 : len(f) - hlen - trailer]
    d = f[len(f) - hlen - trailer : len(f) - trailer]
    return hashlib.new(hash_name, m1 + challenge).digest() == d, hash_name


def verify_response(key: PublicKeyInfo, challenge: bytes, signature: bytes,
                    info: ActiveAuthenticationInfo | None = None) -> AAResult:
    """Check the chip's INTERNAL AUTHENTICATE answer against the DG15 key."""
    if key.kind == "RSA":
        try:
            public = key.load()
        except CryptoError as exc:
            return AAResult(UNSUPPORTED, "RSA", str(exc)[:80])
        ok, hash_name = verify_rsa_9796_2(public, challenge, signature)
        alg = f"RSA ISO/IEC 9796-2 ({hash_name or 'unknown hash'})"
        return AAResult(VERIFIED if ok else SIGNATURE_INVALID, alg)
    if key.kind == "EC":
        try:
            hash_name = _ecdsa_hash(key, info)
            ok = verify_ecdsa(key, hash_name, challenge, signature, plain=True)
        except (ValueError, UnsupportedSignature, LDSError) as exc:
            return AAResult(UNSUPPORTED, "ECDSA", str(exc)[:80])
        return AAResult(VERIFIED if ok else SIGNATURE_INVALID, f"ECDSA {key.curve or 'explicit'} {hash_name}")
    return AAResult(UNSUPPORTED, key.kind, "DG15 key is neither RSA nor EC")


class ActiveAuthentication:
    """One run of active authentication; the 8-byte challenge comes from `random`."""

    def __init__(self, public_key: PublicKeyInfo, info: ActiveAuthenticationInfo | None = None, *,
                 random: RandomSource = SYSTEM_RANDOM) -> None:
        self.public_key = public_key
        self.info = info
        self.challenge = random.token_bytes(8)
        self.result: AAResult | None = None
        self._started = False

    def start(self) -> CommandAPDU:
        if self._started:
            raise AAError("active authentication already started")
        self._started = True
        return internal_authenticate(self.challenge, le=256)

    def feed(self, response: ResponseAPDU | bytes) -> AAResult:
        if not self._started or self.result is not None:
            raise AAError("no INTERNAL AUTHENTICATE response expected now")
        if not isinstance(response, ResponseAPDU):
            response = ResponseAPDU.decode(response)
        if response.sw != 0x9000 or not response.data:
            self.result = AAResult(REFUSED, detail=f"status {response.sw:04X}")
        else:
            self.result = verify_response(self.public_key, self.challenge, response.data, self.info)
        return self.result


# --- as a reader step (gateway.nfc.protocol.steps) ---------------------------------------------


class ActiveAuthenticationStep:
    """INTERNAL AUTHENTICATE under the read's secure messaging; the outcome's reason is the AAResult's."""

    name = "active_authentication"

    def __init__(self, aa: ActiveAuthentication) -> None:
        self.aa = aa

    def start(self) -> CommandAPDU:
        return self.aa.start()

    def feed(self, response: ResponseAPDU) -> StepOutcome:
        result = self.aa.feed(response)
        passed = True if result.verified else None if result.reason == UNSUPPORTED else False
        return StepOutcome(passed, result.reason, result.detail or result.algorithm,
                           data={"algorithm": result.algorithm})

    @staticmethod
    def factory() -> ActiveAuthenticationFactory:
        return ActiveAuthenticationFactory()


class ActiveAuthenticationFactory:
    """Builds the AA step from DG15 (the key) and DG14 (ActiveAuthenticationInfo, for ECDSA's hash)."""

    name = "active_authentication"
    needs: tuple[str, ...] = ("DG15",)
    not_offered = "AA_NOT_SUPPORTED"
    not_run = "AA_NOT_RUN"

    def __call__(self, context: StepContext) -> ActiveAuthenticationStep | None:
        dg15 = context.files.get("DG15")
        if dg15 is None:
            return None
        try:
            key = parse_dg15(dg15)
        except LDSError:
            return None
        info = None
        if context.files.get("DG14") is not None:
            try:
                info = parse_dg14(context.files["DG14"]).active_authentication_info
            except LDSError:
                info = None
        return ActiveAuthenticationStep(ActiveAuthentication(key, info, random=context.random))

