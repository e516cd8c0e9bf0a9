"""PACE (ICAO Doc 9303 Part 11 §4.4, BSI TR-03110) on the reader side, as a sans-IO state machine.

    pace = PACE("0.4.0.127.0.7.2.2.4.2.2", 13, PACEPassword.mrz(mrz_info))
    cmd = pace.start()                      # MSE:Set AT
    while not isinstance(out := pace.feed(transmit(cmd)), SMSession):
        cmd = out                           # the four General Authenticate steps
    session = out

The caller chooses (protocol OID, parameter id) from EF.CardAccess's PACEInfos; this module only
needs those two plain values. Supported: generic mapping (ECDH on TR-03110 ids 8-18, DH on ids
0-2), integrated mapping (ECDH and DH with 3DES and AES-128), cipher suites 3DES-CBC-CBC and
AES-CBC-CMAC-128/192/256, MRZ / CAN / PIN / PUK passwords. Every peer public key is validated
and the chip's token is verified before a session exists; any failure is a PACEError naming
the step, never key or password material.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Literal

from gateway.crypto import symmetric as crypto
from gateway.crypto.dh import GROUPS, DHGroup, DHKeyError
from gateway.crypto.ec import CURVES, Curve, PointError
from gateway.crypto.oids import encode_oid
from gateway.nfc.apdu import CommandAPDU, ResponseAPDU, general_authenticate, mse_set_at
from gateway.nfc.randomness import SYSTEM_RANDOM, RandomSource
from gateway.nfc.status import AuthenticationFailed, CardError, ProtocolError, error_for
from gateway.nfc.tlv import TLVError, encode, parse_one

from .secure_messaging import SMSession

ID_PACE = "0.4.0.127.0.7.2.2.4"

_MAPPINGS = {1: ("DH", "GM"), 2: ("ECDH", "GM"), 3: ("DH", "IM"), 4: ("ECDH", "IM"), 6: ("ECDH", "CAM")}
_SUITES: dict[int, tuple[crypto.CipherName, int]] = {
    1: ("3DES", 112),
    2: ("AES", 128),
    3: ("AES", 192),
    4: ("AES", 256),
}

PASSWORD_MRZ = 1
PASSWORD_CAN = 2
PASSWORD_PIN = 3
PASSWORD_PUK = 4


class PACEError(ProtocolError):
    """PACE failed on the reader side: unsupported parameters, malformed or invalid chip data."""


class PACETokenError(PACEError):
    """The chip's authentication token T_IC does not verify: the chip does not hold the same
    password-derived keys (or someone is in the middle). No session may be established."""


@dataclass(frozen=True, slots=True)
class PACEAlgorithm:
    oid: str
    agreement: Literal["DH", "ECDH"]
    mapping: Literal["GM", "IM", "CAM"]
    cipher: crypto.CipherName
    key_bits: int

    @property
    def name(self) -> str:
        suite = "3DES-CBC-CBC" if self.cipher == "3DES" else f"AES-CBC-CMAC-{self.key_bits}"
        return f"PACE-{self.agreement}-{self.mapping}-{suite}"


def pace_algorithm(oid: str) -> PACEAlgorithm:
    """Decode a PACE protocol OID (id-PACE.{1,2,3,4,6}.{1..4})."""
    prefix = ID_PACE + "."
    if not oid.startswith(prefix):
        raise PACEError("not a PACE protocol OID")
    parts = oid[len(prefix) :].split(".")
    try:
        mapping, suite = (int(p) for p in parts)
    except ValueError:
        raise PACEError("unknown PACE protocol OID") from None
    if mapping not in _MAPPINGS or suite not in _SUITES or (mapping == 6 and suite == 1):
        raise PACEError("unknown PACE protocol OID")
    agreement, kind = _MAPPINGS[mapping]
    cipher, bits = _SUITES[suite]
    return PACEAlgorithm(oid, agreement, kind, cipher, bits)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class PACEPassword:
    """The PACE password π: `secret` is f(π) of Doc 9303 §4.4.3.1, `reference` the DO'83 value."""

    secret: bytes
    reference: int

    def __repr__(self) -> str:  # never print the password
        return f"PACEPassword(reference={self.reference})"

    @classmethod
    def mrz(cls, mrz_information: str) -> PACEPassword:
        """From the MRZ information (document number, birth, expiry with check digits, as BAC)."""
        return cls(hashlib.sha1(mrz_information.encode("ascii")).digest(), PASSWORD_MRZ)

    @classmethod
    def can(cls, can: str) -> PACEPassword:
        if not can.isdigit() or len(can) != 6:
            raise ValueError("the CAN is six digits")
        return cls(can.encode("latin-1"), PASSWORD_CAN)

    @classmethod
    def pin(cls, pin: str) -> PACEPassword:
        return cls(pin.encode("latin-1"), PASSWORD_PIN)

    def key(self, algorithm: PACEAlgorithm) -> bytes:
        """Kπ = KDF(f(π), 3)."""
        return crypto.kdf(self.secret, 3, algorithm.cipher, algorithm.key_bits)


# --- group adapters: one interface over EC and DH ---------------------------------------------


class _ECGroup:
    def __init__(self, curve: Curve) -> None:
        self.curve = curve

    @property
    def order(self) -> int:
        return self.curve.n

    def public(self, private: int) -> bytes:
        return self.curve.encode_point(self.curve.multiply(private, self.curve.g))

    def decode(self, data: bytes) -> tuple[int, int]:
        pt = self.curve.decode_point(data)
        assert pt is not None
        return pt

    def agree_point(self, private: int, peer: bytes) -> tuple[int, int]:
        shared = self.curve.multiply(private, self.decode(peer))
        if shared is None:
            raise PACEError("key agreement produced the point at infinity")
        return shared

    def shared_secret(self, private: int, peer: bytes) -> bytes:
        return self.agree_point(private, peer)[0].to_bytes(self.curve.size, "big")

    def map_generic(self, s: int, private: int, peer: bytes) -> _ECGroup:
        h = self.agree_point(private, peer)
        return _ECGroup(self.curve.with_generator(self.curve.add(self.curve.multiply(s, self.curve.g), h)))

    def map_integrated(self, x: int) -> _ECGroup:
        return _ECGroup(self.curve.with_generator(point_encode(self.curve, x)))

    def public_key_do(self, oid: bytes, public: bytes) -> bytes:
        return encode(0x7F49, encode(0x06, oid) + encode(0x86, public))


class _DHGroup:
    def __init__(self, group: DHGroup) -> None:
        self.group = group

    @property
    def order(self) -> int:
        return self.group.q

    def public(self, private: int) -> bytes:
        return self.group.encode(self.group.public(private))

    def shared_secret(self, private: int, peer: bytes) -> bytes:
        k = pow(self.group.decode_public(peer), private, self.group.p)
        if k in (0, 1, self.group.p - 1):
            raise PACEError("key agreement produced a degenerate value")
        return self.group.encode(k)

    def map_generic(self, s: int, private: int, peer: bytes) -> _DHGroup:
        h = int.from_bytes(self.shared_secret(private, peer), "big")
        return _DHGroup(self.group.with_generator(pow(self.group.g, s, self.group.p) * h % self.group.p))

    def map_integrated(self, x: int) -> _DHGroup:
        return _DHGroup(self.group.with_generator(pow(x, (self.group.p - 1) // self.group.q, self.group.p)))

    def public_key_do(self, oid: bytes, public: bytes) -> bytes:
        return encode(0x7F49, encode(0x06, oid) + encode(0x84, public))


def domain_parameters(parameter_id: int) -> Curve | DHGroup:
    """Standardized domain parameters by TR-03110 id (0-2 DH, 8-18 ECDH)."""
    if parameter_id in CURVES:
        return CURVES[parameter_id]
    if parameter_id in GROUPS:
        return GROUPS[parameter_id]
    raise PACEError(f"standardized domain parameter id {parameter_id} is not supported")


# --- integrated mapping building blocks (Doc 9303 Part 11 §4.4.3.3.2) -------------------------

_PRF_C0 = bytes.fromhex("a668892a7c41e3ca739f40b057d85904")
_PRF_C1 = bytes.fromhex("a4e136ac725f738b01c1f60217c188ad")


def pseudo_random(cipher: crypto.CipherName, key_bits: int, s: bytes, t: bytes, p: int) -> int:
    """R_p(s, t) of the integrated mapping: AES keyed by t encrypts s to the first key, each key
    yields one output block E(k, c1) and the next key E(k, c0); ⌈(log2 p + 64) / 128⌉ blocks,
    reduced mod p. Only AES-128 is implemented (the only suite with a public worked example)."""
    if cipher != "AES" or key_bits != 128:
        raise PACEError("integrated mapping is implemented for AES-128 only")
    if len(s) != 16 or len(t) != 16:
        raise PACEError("integrated mapping nonces must be 16 bytes")
    n = -(-(p.bit_length() + 64) // 128)
    key = crypto.ecb_encrypt("AES", t, s)
    out = b""
    for _ in range(n):
        out += crypto.ecb_encrypt("AES", key, _PRF_C1)
        key = crypto.ecb_encrypt("AES", key, _PRF_C0)
    return int.from_bytes(out, "big") % p


def point_encode(curve: Curve, u: int) -> tuple[int, int]:
    """Map a field element to a curve point (simplified SWU encoding of Doc 9303 Part 11,
    needs p ≡ 3 mod 4, which all standardized prime curves satisfy except P-224)."""
    p, a, b = curve.p, curve.a, curve.b
    if p % 4 != 3:
        raise PACEError(f"integrated mapping is not defined for {curve.name}")
    alpha = -u * u % p
    denom = (alpha * alpha + alpha) % p
    if denom == 0:
        raise PACEError("integrated mapping hit an exceptional value")
    x2 = -b * pow(a, -1, p) * (1 + pow(denom, -1, p)) % p
    x3 = alpha * x2 % p
    h2 = (x2 * x2 * x2 + a * x2 + b) % p
    uu = u * u * u * h2 % p
    aa = pow(h2, p - 1 - (p + 1) // 4, p)
    pt = (x2, aa * h2 % p) if aa * aa * h2 % p == 1 else (x3, aa * uu % p)
    if not curve.contains(pt):
        raise PACEError("integrated mapping produced a point off the curve")
    return pt


# --- the state machine ---------------------------------------------------------------------


class _Step(Enum):
    NEW = 0
    SET_AT = 1
    NONCE = 2
    MAP = 3
    AGREE = 4
    TOKEN = 5
    DONE = 6
    FAILED = 7


class PACE:
    """Reader side of PACE. Its secrets come from `random`, in protocol order: for generic mapping
    the mapping private key, then the key-agreement private key (`scalar`); for integrated mapping
    the nonce t (`token_bytes`), then the key-agreement private key."""

    def __init__(
        self,
        protocol_oid: str,
        parameter_id: int,
        password: PACEPassword,
        *,
        send_parameter_id: bool = True,
        random: RandomSource = SYSTEM_RANDOM,
    ) -> None:
        self.algorithm = pace_algorithm(protocol_oid)
        self.parameter_id = parameter_id
        params = domain_parameters(parameter_id)
        if isinstance(params, Curve) != (self.algorithm.agreement == "ECDH"):
            raise PACEError(f"parameter id {parameter_id} does not match {self.algorithm.agreement}")
        self._group: _ECGroup | _DHGroup = _ECGroup(params) if isinstance(params, Curve) else _DHGroup(params)
        self._oid = encode_oid(protocol_oid)
        self._password = password
        self._send_parameter_id = send_parameter_id
        self._random = random
        self._nonce_t: bytes | None = None
        self._step = _Step.NEW
        self._k_pi = password.key(self.algorithm)
        self._nonce: bytes | None = None
        self._mapped: _ECGroup | _DHGroup | None = None
        self._mapping_private = 0
        self._private = 0
        self._public = b""
        self._chip_public = b""
        self._chip_mapping_point: tuple[int, int] | None = None
        self.ks_enc = b""
        self.ks_mac = b""
        self.session: SMSession | None = None
        self.chip_authentication_data: bytes | None = None  # CAM: decrypted CA_IC
        self.car: tuple[bytes | None, bytes | None] = (None, None)  # CARs for terminal authentication

    @property
    def done(self) -> bool:
        return self._step is _Step.DONE

    # -- helpers -------------------------------------------------------------------------------

    def _new_private(self, order: int) -> int:
        return self._random.scalar(order)

    def _token(self, public_key: bytes) -> bytes:
        data = self._mapped_group.public_key_do(self._oid, public_key)
        if self.algorithm.cipher == "3DES":
            data = crypto.pad(data, 8)
        return crypto.mac(self.algorithm.cipher, self.ks_mac, data)

    @property
    def _mapped_group(self) -> _ECGroup | _DHGroup:
        assert self._mapped is not None
        return self._mapped

    def _dynamic_data(self, response: ResponseAPDU, step: str, wanted: int | None) -> dict[int, bytes]:
        if response.sw != 0x9000:
            raise _with_context(response.sw, f"PACE {step}")
        try:
            outer = parse_one(response.data)
            if outer.tag != 0x7C or outer.end != len(response.data):
                raise PACEError(f"PACE {step}: response is not one dynamic authentication object 7C")
            objs = {o.tag: o.value for o in outer.children()}
        except TLVError as exc:
            raise PACEError(f"PACE {step}: malformed response ({exc})") from None
        if wanted is not None and wanted not in objs:
            raise PACEError(f"PACE {step}: response lacks data object {wanted:X}")
        return objs

    # -- protocol ------------------------------------------------------------------------------

    def start(self) -> CommandAPDU:
        if self._step is not _Step.NEW:
            raise PACEError("PACE already started")
        self._step = _Step.SET_AT
        return mse_set_at(
            self._oid,
            key_reference=self._password.reference,
            parameter_id=self.parameter_id if self._send_parameter_id else None,
        )

    def feed(self, response: ResponseAPDU | bytes) -> CommandAPDU | SMSession:
        """Consume the chip's answer to the last command; return the next command or, once the
        chip's token verified, the secure-messaging session."""
        if not isinstance(response, ResponseAPDU):
            response = ResponseAPDU.decode(response)
        handlers = {
            _Step.SET_AT: self._on_set_at,
            _Step.NONCE: self._on_nonce,
            _Step.MAP: self._on_map,
            _Step.AGREE: self._on_agree,
            _Step.TOKEN: self._on_token,
        }
        handler = handlers.get(self._step)
        if handler is None:
            raise PACEError(f"no response expected in PACE state {self._step.name}")
        try:
            return handler(response)
        except Exception:
            self._step = _Step.FAILED
            raise

    def _on_set_at(self, response: ResponseAPDU) -> CommandAPDU:
        if response.sw != 0x9000:
            raise _with_context(response.sw, "MSE:Set AT refused")
        self._step = _Step.NONCE
        return general_authenticate(b"", last=False)

    def _on_nonce(self, response: ResponseAPDU) -> CommandAPDU:
        z = self._dynamic_data(response, "encrypted nonce", 0x80)[0x80]
        bs = crypto.block_size(self.algorithm.cipher)
        if not z or len(z) % bs:
            raise PACEError("PACE encrypted nonce has an invalid length")
        self._nonce = crypto.cbc_decrypt(self.algorithm.cipher, self._k_pi, z)
        if self.algorithm.mapping == "IM":
            t = self._random.token_bytes(len(self._nonce))
            self._nonce_t = t
            self._step = _Step.MAP
            return general_authenticate(encode(0x81, t), last=False)
        self._mapping_private = self._new_private(self._group.order)
        self._step = _Step.MAP
        return general_authenticate(encode(0x81, self._group.public(self._mapping_private)), last=False)

    def _on_map(self, response: ResponseAPDU) -> CommandAPDU:
        assert self._nonce is not None
        s = int.from_bytes(self._nonce, "big")
        try:
            if self.algorithm.mapping == "IM":
                self._dynamic_data(response, "mapping", None)
                assert self._nonce_t is not None
                p = self._group.curve.p if isinstance(self._group, _ECGroup) else self._group.group.p
                alg = self.algorithm
                x = pseudo_random(alg.cipher, alg.key_bits, self._nonce, self._nonce_t, p)
                self._mapped = self._group.map_integrated(x)
            else:
                chip_map = self._dynamic_data(response, "mapping", 0x82)[0x82]
                if chip_map == self._group.public(self._mapping_private):
                    raise PACEError("PACE mapping: chip echoed our public key")
                self._mapped = self._group.map_generic(s, self._mapping_private, chip_map)
                if isinstance(self._group, _ECGroup):
                    self._chip_mapping_point = self._group.decode(chip_map)
        except (PointError, DHKeyError) as exc:
            raise PACEError(f"PACE mapping: {exc}") from None
        self._private = self._new_private(self._mapped.order)
        self._public = self._mapped.public(self._private)
        self._step = _Step.AGREE
        return general_authenticate(encode(0x83, self._public), last=False)

    def _on_agree(self, response: ResponseAPDU) -> CommandAPDU:
        chip_public = self._dynamic_data(response, "key agreement", 0x84)[0x84]
        if chip_public == self._public:
            raise PACEError("PACE key agreement: chip echoed our public key")
        try:
            secret = self._mapped_group.shared_secret(self._private, chip_public)
        except (PointError, DHKeyError) as exc:
            raise PACEError(f"PACE key agreement: {exc}") from None
        self._chip_public = chip_public
        alg = self.algorithm
        self.ks_enc = crypto.kdf(secret, 1, alg.cipher, alg.key_bits)
        self.ks_mac = crypto.kdf(secret, 2, alg.cipher, alg.key_bits)
        self._step = _Step.TOKEN
        return general_authenticate(encode(0x85, self._token(chip_public)), last=True)

    def _on_token(self, response: ResponseAPDU) -> SMSession:
        if response.sw >> 8 == 0x63 or response.sw in (0x6982, 0x6A80):
            raise AuthenticationFailed(response.sw, "PACE token refused by the chip (check the MRZ/CAN)")
        objs = self._dynamic_data(response, "mutual authentication", 0x86)
        if not crypto.constant_time_equal(objs[0x86], self._token(self._public)):
            raise PACETokenError("PACE: the chip's authentication token does not verify")
        self.car = (objs.get(0x87), objs.get(0x88))
        if self.algorithm.mapping == "CAM":
            if 0x8A not in objs:
                raise PACEError("PACE-CAM: chip authentication data (8A) missing")
            iv = crypto.ecb_encrypt("AES", self.ks_enc, b"\xff" * 16)
            try:
                self.chip_authentication_data = crypto.unpad(
                    crypto.cbc_decrypt("AES", self.ks_enc, objs[0x8A], iv)
                )
            except ValueError:
                raise PACEError("PACE-CAM: chip authentication data cannot be decrypted") from None
        bs = crypto.block_size(self.algorithm.cipher)
        self.session = SMSession(self.algorithm.cipher, self.ks_enc, self.ks_mac, bytes(bs))
        self._step = _Step.DONE
        return self.session

    def verify_chip_authentication_mapping(self, chip_static_public_key: bytes) -> bool:
        """PACE-CAM: after passive authentication of EF.CardSecurity, check that the chip's
        mapping public key equals CA_IC · PK_IC (the chip proves it owns the static key)."""
        if self.chip_authentication_data is None or not isinstance(self._group, _ECGroup):
            raise PACEError("no chip authentication mapping data to verify")
        curve = self._group.curve
        pk = curve.decode_point(chip_static_public_key)
        ca = int.from_bytes(self.chip_authentication_data, "big")
        return curve.multiply(ca, pk) == self._chip_mapping_point


def _with_context(sw: int, context: str) -> CardError:
    """The status word's own exception class, with the PACE step named in the message."""
    err = error_for(sw)
    if err is None:
        raise PACEError(f"{context}: success status where an error was expected")
    return type(err)(sw, f"{err.message} ({context})")


def supported(protocol_oid: str, parameter_id: int | None) -> bool:
    """Whether this reader can run PACE with these PACEInfo values (standardized ids only)."""
    try:
        alg = pace_algorithm(protocol_oid)
        params = domain_parameters(parameter_id) if parameter_id is not None else None
    except PACEError:
        return False
    if params is None or isinstance(params, Curve) != (alg.agreement == "ECDH"):
        return False
    if alg.mapping == "IM":
        if alg.cipher != "AES" or alg.key_bits != 128:
            return False
        if isinstance(params, Curve) and params.p % 4 != 3:
            return False
    return True


def choose_pace_info(candidates: Iterable[tuple[str, int | None]]) -> tuple[str, int]:
    """Pick one (protocol OID, parameter id) among EF.CardAccess's PACEInfos: supported ones only,
    ECDH before DH, generic mapping (incl. CAM, which maps generically) before integrated,
    stronger AES before weaker, 3DES last; ties keep the card's order. Raises PACEError if
    none is usable, so a caller can fall back to BAC."""
    mapping_rank = {"GM": 0, "CAM": 1, "IM": 2}
    ranked = []
    for index, (oid, param_id) in enumerate(candidates):
        if param_id is None or not supported(oid, param_id):
            continue
        alg = pace_algorithm(oid)
        ranked.append(
            (
                (
                    alg.agreement != "ECDH",
                    mapping_rank[alg.mapping],
                    alg.cipher == "3DES",
                    -alg.key_bits,
                    index,
                ),
                (oid, param_id),
            )
        )
    if not ranked:
        raise PACEError("no supported PACE protocol among the card's PACEInfos")
    return min(ranked)[1]
