"""Chip authentication (ICAO Doc 9303 Part 11 §6.2, BSI TR-03110 CA version 1), reader side, sans-IO.

    ca = ChipAuthentication.from_dg14(parse_dg14(dg14))
    cmd = ca.start()                          # MSE:Set KAT (3DES) or MSE:Set AT (AES), plain:
    while not isinstance(out := ca.feed(r), SMSession):   # the reader protects them with the
        cmd = out                             # current SM session and feeds back the unwrapped answer
    session = out                             # new keys, SSC 0: switch to it, then read on
    ca.confirm() / ca.fail("...")             # after the next protected read

Static-ephemeral key agreement with the DG14 key: only a chip holding the matching private key can
derive the same session keys, so a clone fails at the next protected command (bad MAC). The
protocol OID (cipher, key agreement) is taken from DG14's ChipAuthenticationInfo — never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from asn1crypto import core

from gateway.crypto import symmetric as crypto
from gateway.crypto.dh import GROUPS, DHGroup, DHKeyError
from gateway.crypto.ec import CURVES as EC_CURVES
from gateway.crypto.ec import Curve, PointError
from gateway.crypto.oids import CIPHER_KEY_BITS, STANDARDIZED_DOMAIN_PARAMETER_NAMES, encode_oid
from gateway.nfc.apdu import CommandAPDU, ResponseAPDU, general_authenticate, mse_set_at, mse_set_kat
from gateway.nfc.lds.dg14 import parse_dg14
from gateway.nfc.lds.errors import LDSError
from gateway.nfc.lds.security_infos import ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo, SecurityInfos
from gateway.nfc.randomness import SYSTEM_RANDOM, RandomSource
from gateway.nfc.status import ProtocolError
from gateway.nfc.tlv import encode

from .secure_messaging import SMSession
from .steps import StepContext, StepOutcome

VERIFIED = "CA_VERIFIED"
FAILED = "CA_FAILED"
REFUSED = "CA_REFUSED"
UNSUPPORTED = "CA_UNSUPPORTED"
NOT_CONFIRMED = "CA_NOT_CONFIRMED"
NOT_SUPPORTED = "CA_NOT_SUPPORTED"


class CAError(ProtocolError):
    """Chip authentication cannot be run with these DG14 entries, or the chip's answer is unusable."""


class CARefused(CAError):
    """The chip answered MSE or GENERAL AUTHENTICATE with an error status."""

    def __init__(self, sw: int, step: str) -> None:
        super().__init__(f"chip refused {step} (status {sw:04X})")
        self.sw = sw


@dataclass(frozen=True, slots=True)
class CAOutcome:
    reason: str  # CA_VERIFIED / CA_FAILED / CA_REFUSED / CA_UNSUPPORTED / CA_NOT_CONFIRMED / CA_NOT_SUPPORTED
    protocol: str = ""
    detail: str = ""

    @property
    def verified(self) -> bool:
        return self.reason == VERIFIED


def select_key(infos: SecurityInfos, key_id: int | None = None
               ) -> tuple[ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo]:
    """Pair a ChipAuthenticationInfo with its public key (same key id, same key agreement).
    With several keys the caller may name one; otherwise the first usable pair wins."""
    cas = list(infos.chip_authentication_infos)
    keys = list(infos.chip_authentication_public_keys)
    if not keys:
        raise CAError("DG14 has no chip authentication public key")
    if not cas:
        raise CAError("DG14 has no ChipAuthenticationInfo: the protocol is unknown and is not guessed")
    for info in cas:
        if key_id is not None and info.key_id not in (None, key_id):
            continue
        for pk in keys:
            if key_id is not None and pk.key_id not in (None, key_id):
                continue
            if pk.key_agreement != info.key_agreement:
                continue
            if info.key_id is not None and pk.key_id is not None and info.key_id != pk.key_id:
                continue
            if (info.key_id is None) != (pk.key_id is None) and (len(cas) > 1 or len(keys) > 1):
                continue
            return info, pk
    raise CAError("no ChipAuthenticationInfo matches a chip authentication public key in DG14")


def _ec_curve(pk: ChipAuthenticationPublicKeyInfo) -> Curve:
    key = pk.public_key
    if key.explicit is not None:
        d = key.explicit
        return Curve(key.curve or "explicit", d.p, d.a, d.b, d.gx, d.gy, d.n, d.h or 1)
    for curve_id, name in STANDARDIZED_DOMAIN_PARAMETER_NAMES.items():
        if name == key.curve and curve_id in EC_CURVES:
            return EC_CURVES[curve_id]
    raise CAError(f"EC curve {key.curve} is not supported for chip authentication")


def _dh_group(pk: ChipAuthenticationPublicKeyInfo) -> DHGroup:
    key = pk.public_key
    if key.dh_domain is not None:
        d = key.dh_domain
        q = d.q if d.q is not None else (d.p - 1) // 2
        return DHGroup("explicit DH", d.p, d.g, q)
    if key.parameter_id in GROUPS:
        return GROUPS[key.parameter_id]
    raise CAError("DH domain parameters of the chip key are not supported")


class _Step(Enum):
    NEW = 0
    KAT = 1
    SET_AT = 2
    GA = 3
    KEYS = 4
    FAILED = 5


class ChipAuthentication:
    """One run of chip authentication; the ephemeral private key comes from `random`."""

    def __init__(self, info: ChipAuthenticationInfo, public_key: ChipAuthenticationPublicKeyInfo, *,
                 random: RandomSource = SYSTEM_RANDOM) -> None:
        if info.cipher not in CIPHER_KEY_BITS:
            raise CAError(f"cipher {info.cipher} of {info.name} is not supported")
        self.info = info
        self.public_key = public_key
        self.cipher: crypto.CipherName = "3DES" if info.cipher == "3DES" else "AES"
        self.key_bits = CIPHER_KEY_BITS[info.cipher]
        self.key_id = info.key_id if info.key_id is not None else public_key.key_id
        self._random = random
        self._step = _Step.NEW
        self._secret = b""
        self.terminal_public = b""
        self.session: SMSession | None = None
        self.outcome: CAOutcome | None = None
        if info.key_agreement == "ECDH":
            self._curve: Curve | None = _ec_curve(public_key)
            self._group: DHGroup | None = None
        else:
            self._curve, self._group = None, _dh_group(public_key)

    @classmethod
    def from_dg14(cls, infos: SecurityInfos, key_id: int | None = None, *,
                  random: RandomSource = SYSTEM_RANDOM) -> ChipAuthentication:
        info, pk = select_key(infos, key_id)
        return cls(info, pk, random=random)

    @property
    def protocol(self) -> str:
        return self.info.name

    def _agree(self) -> None:
        """Ephemeral key pair on the chip key's domain, and the shared secret with the chip key."""
        chip_key = self.public_key.public_key.key_bytes
        try:
            if self._curve is not None:
                curve = self._curve
                priv = self._random.scalar(curve.n)
                self.terminal_public = curve.encode_point(curve.multiply(priv, curve.g))
                shared = curve.multiply(priv, curve.decode_point(chip_key))
                if shared is None:
                    raise CAError("key agreement produced the point at infinity")
                self._secret = shared[0].to_bytes(curve.size, "big")
            else:
                group = self._group
                assert group is not None
                y = core.Integer.load(chip_key, strict=True).native
                peer = group.decode_public(group.encode(y))
                priv = self._random.scalar(group.q)
                self.terminal_public = group.encode(group.public(priv))
                self._secret = group.encode(pow(peer, priv, group.p))
        except (PointError, DHKeyError, ValueError) as exc:
            raise CAError(f"chip authentication key is not usable: {exc}") from None

    def start(self) -> CommandAPDU:
        if self._step is not _Step.NEW:
            raise CAError("chip authentication already started")
        self._agree()
        if self.cipher == "3DES":
            self._step = _Step.KAT
            return mse_set_kat(self.terminal_public, self.key_id)
        self._step = _Step.SET_AT
        return mse_set_at(encode_oid(self.info.protocol), parameter_id=self.key_id, p1p2=0x41A4)

    def _new_session(self) -> SMSession:
        ks_enc = crypto.kdf(self._secret, 1, self.cipher, self.key_bits)
        ks_mac = crypto.kdf(self._secret, 2, self.cipher, self.key_bits)
        self._secret = b""
        self.session = SMSession(self.cipher, ks_enc, ks_mac, bytes(crypto.block_size(self.cipher)))
        self._step = _Step.KEYS
        return self.session

    def feed(self, response: ResponseAPDU | bytes) -> CommandAPDU | SMSession:
        """The unwrapped answer to the last command → the next command, or the new session."""
        if not isinstance(response, ResponseAPDU):
            response = ResponseAPDU.decode(response)
        step = self._step
        if step not in (_Step.KAT, _Step.SET_AT, _Step.GA):
            raise CAError(f"no response expected in chip authentication state {step.name}")
        if response.sw != 0x9000:
            self._step = _Step.FAILED
            self.outcome = CAOutcome(REFUSED, self.protocol, f"status {response.sw:04X}")
            raise CARefused(response.sw, {"KAT": "MSE:Set KAT", "SET_AT": "MSE:Set AT"}.get(step.name,
                                                                                         "GENERAL AUTHENTICATE"))
        if step is _Step.SET_AT:
            self._step = _Step.GA
            return general_authenticate(encode(0x80, self.terminal_public), last=True)
        return self._new_session()

    def confirm(self) -> CAOutcome:
        """The reader read on with the new session and every MAC verified: the chip holds the key."""
        if self.session is None:
            raise CAError("no chip authentication session to confirm")
        self.outcome = CAOutcome(VERIFIED, self.protocol)
        return self.outcome

    def fail(self, detail: str) -> CAOutcome:
        """Reading on with the new session failed (bad MAC, SM error): the chip lacks the key."""
        self.outcome = CAOutcome(FAILED, self.protocol, detail[:120])
        return self.outcome

    def current_outcome(self) -> CAOutcome:
        if self.outcome is not None:
            return self.outcome
        if self.session is not None:
            return CAOutcome(NOT_CONFIRMED, self.protocol)
        return CAOutcome(NOT_CONFIRMED, self.protocol, "not finished")


# --- as a reader step (gateway.nfc.protocol.steps) ---------------------------------------------


class ChipAuthenticationStep:
    """A re-keying step: its outcome carries the new session, and the reader settles it with the next
    protected exchange under that session (`settle`)."""

    name = "chip_authentication"

    def __init__(self, ca: ChipAuthentication) -> None:
        self.ca = ca

    def start(self) -> CommandAPDU:
        return self.ca.start()

    def feed(self, response: ResponseAPDU) -> CommandAPDU | StepOutcome:
        try:
            out = self.ca.feed(response)
        except CARefused as exc:
            return StepOutcome(False, REFUSED, str(exc), data={"protocol": self.ca.protocol})
        if isinstance(out, SMSession):
            return StepOutcome(None, NOT_CONFIRMED, f"{self.ca.protocol}: new keys, proven by reading on",
                               session=out, data={"protocol": self.ca.protocol})
        return out

    def settle(self, proved: bool, detail: str = "") -> StepOutcome:
        outcome = self.ca.confirm() if proved else self.ca.fail(detail)
        text = "confirmed by reading on under the new keys" if proved else outcome.detail
        return StepOutcome(proved, outcome.reason, text, data={"protocol": outcome.protocol})

    @staticmethod
    def factory() -> ChipAuthenticationFactory:
        return ChipAuthenticationFactory()


class ChipAuthenticationFactory:
    """Builds the CA step from DG14's ChipAuthenticationInfo and public key (the OID is never guessed)."""

    name = "chip_authentication"
    needs: tuple[str, ...] = ("DG14",)
    not_offered = NOT_SUPPORTED
    not_run = "CA_NOT_RUN"

    def __call__(self, context: StepContext) -> ChipAuthenticationStep | None:
        dg14 = context.files.get("DG14")
        if dg14 is None:
            return None
        try:
            return ChipAuthenticationStep(ChipAuthentication.from_dg14(parse_dg14(dg14), random=context.random))
        except (LDSError, CAError):
            return None

