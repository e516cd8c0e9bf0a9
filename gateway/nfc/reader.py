"""The chip reading strategy as a sans-IO engine: it emits command APDUs and consumes responses.

    reader = ChipReader(MRZKey("L898902C3", "740812", "340415"))
    command = reader.start()
    while command is not None:
        command = reader.feed(transport.transmit(command))
    result = reader.result

`gateway.drivers.chip_runner.read_chip` is that loop plus recovery when the card is pulled or reset
(`connection_lost()` / `resume()`). What the engine does, and why:

* EF.CardAccess first (one unprotected READ BINARY by SFI): it says whether the chip speaks PACE and
  with which parameters. PACE first when offered (EU ID cards since 2021 refuse BAC), choosing among
  several PACEInfos and naming the parameter id in MSE:Set AT only when the choice is ambiguous; BAC
  as fallback, and when EF.CardAccess is absent.
* Largest block the chip accepts: extended length is tried first (a whole data group in one APDU);
  on a length refusal (6700, 6B00, 6Cxx, 6282 without data) the block shrinks 256 -> 224 -> 223 ->
  ... and the working size is remembered for the rest of the read. The first read of a file uses
  its SFI (no SELECT needed); a refused SFI read falls back to SELECT, also remembered.
* The file size comes from the first bytes (outer TLV header), so exactly the file is read and the
  last block asks for exactly what is left.
* Progress survives losing the card: bytes read so far stay, access is established again, and the
  read continues at the offset reached.
* A response whose MAC does not verify ends everything with `UntrustedSessionError`: nothing read in
  that session is returned (whoever could alter one answer may have altered others).
* Authenticity steps (active / chip authentication, `gateway.nfc.steps`) plug in as sans-IO objects;
  they run once the files they need are read, before the large ones. A step that re-keys secure
  messaging (chip authentication) is proven by the next protected answer: if the chip cannot speak
  the new keys, the step fails, access runs again and the read goes on in a fresh session.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from gateway.crypto.oids import STANDARDIZED_DOMAIN_PARAMETER_NAMES

from . import apdu as apdus
from .access_key import AccessKey, CANKey, MRZKey
from .apdu import APDUError, CommandAPDU, ResponseAPDU
from .bac import BAC, BACError, derive_basic_keys
from .lds.com import parse_com
from .lds.dispatch import LDSNeedMoreData
from .lds.dispatch import total_length as lds_total_length
from .lds.errors import LDSError
from .lds.files import LDSFile, lookup
from .lds.security_infos import parse_card_access
from .pace import PACE, PACEError, PACETokenError, choose_pace_info, pace_algorithm
from .read_events import (
    AccessEstablished,
    CardLost,
    EventCallback,
    FileFinished,
    FileProgress,
    FileSkipped,
    FileStarted,
    ReadEvent,
    ReadStats,
    StepFinished,
)
from .sm import SMError, SMSession
from .status import AuthenticationFailed, CardError, ChipError, ProtocolError, status_message
from .steps import ChipStep, StepContext, StepFactory, StepOutcome
from .tlv import encode_length

DEFAULT_FILES = ("EF.COM", "DG1", "DG2", "EF.SOD")
EXTENDED_BLOCK = 65536
# Short-APDU block sizes, largest first. 223 (0xDF) is the largest plaintext whose AES secure-messaging
# response still fits 256 bytes; 224 is the limit some chips announce; the rest are safe fallbacks.
SHORT_LADDER = (256, 224, 223, 192, 160, 128, 96, 64, 32, 16, 8, 1)
MAX_B0_OFFSET = 0x7FFF
MAX_SFI_OFFSET = 0xFF

_SFI_REFUSALS = {0x6A86, 0x6A81, 0x6A80, 0x6A87, 0x6D00, 0x6E00, 0x6986, 0x6985}
_BAC_NOT_SUPPORTED = {0x6D00, 0x6E00, 0x6A88, 0x6A86, 0x6A81, 0x6985, 0x6982, 0x6986, 0x6A80, 0x6F00}
_MAX_ACCESS_RUNS = 6

Protocol_ = Literal["auto", "pace", "bac"]
_Gen = Generator[bytes, bytes, Any]


# --- errors ------------------------------------------------------------------------------------------


class ChipReadError(ChipError):
    """A chip read failed; the message is one line for the user and carries no personal data."""


class AccessDeniedError(ChipReadError):
    """The chip refused the access key (wrong MRZ data or CAN)."""


class AccessNotPossibleError(ChipReadError):
    """No access protocol both sides support with the key given (e.g. a CAN on a BAC-only chip)."""


class UntrustedSessionError(ChipReadError):
    """A response failed secure-messaging verification: nothing read in this session can be trusted."""


class CardLostError(ChipReadError):
    """The card left (or stopped answering) and did not come back in time."""

    def __init__(self, message: str, file: str | None = None, offset: int | None = None) -> None:
        super().__init__(message)
        self.file = file
        self.offset = offset


class ChipDataError(ChipReadError):
    """The chip answered in a way a conforming eMRTD does not (unexpected status, malformed header)."""


class _LinkLost(Exception):
    """Thrown into the engine's generator when the transport lost the card (internal)."""


# --- options and result ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadOptions:
    files: tuple[str, ...] | None = None  # None: DEFAULT_FILES
    active_authentication: bool = False  # also read DG15 (and DG14) when EF.COM lists them
    chip_authentication: bool = False  # also read DG14 when EF.COM lists it
    protocol: Protocol_ = "auto"
    extended_length: bool = True  # try extended length before short blocks
    sfi: bool = True  # first read of a file by short file identifier
    max_recoveries: int = 3  # card losses survived within one read
    steps: tuple[StepFactory, ...] = ()


@dataclass(frozen=True)
class AccessInfo:
    protocol: str  # "BAC" or "PACE"
    algorithm: str | None  # "PACE-ECDH-GM-AES-128"; None for BAC
    password: str  # "MRZ" or "CAN"
    pace_oid: str | None = None
    parameter_id: int | None = None

    @property
    def parameter_name(self) -> str | None:
        if self.parameter_id is None:
            return None
        return STANDARDIZED_DOMAIN_PARAMETER_NAMES.get(self.parameter_id)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"protocol": self.protocol, "algorithm": self.algorithm, "password": self.password}
        if self.protocol == "PACE":
            out["parameters"] = self.parameter_name
        return out


@dataclass
class ChipReadResult:
    access: AccessInfo
    files: dict[str, bytes]  # name -> the file's bytes, in reading order
    absent: list[str] = field(default_factory=list)  # asked for, not on the chip
    denied: list[str] = field(default_factory=list)  # on the chip, but needs more than BAC/PACE (EAC)
    card_access: bytes | None = None
    steps: dict[str, StepOutcome] = field(default_factory=dict)
    stats: ReadStats = field(default_factory=ReadStats)
    warnings: list[str] = field(default_factory=list)
    pace: PACE | None = field(default=None, repr=False)


def short_algorithm_name(oid: str) -> str:
    """PACE-ECDH-GM-AES-128 style: agreement, mapping and cipher, as desk staff and logs show it."""
    alg = pace_algorithm(oid)
    cipher = "3DES" if alg.cipher == "3DES" else f"AES-{alg.key_bits}"
    return f"PACE-{alg.agreement}-{alg.mapping}-{cipher}"


def _file(name: str) -> LDSFile:
    try:
        return lookup(name)
    except KeyError:
        raise ValueError(f"unknown LDS file {name!r}") from None


# --- the engine --------------------------------------------------------------------------------------


class ChipReader:
    """One read of one chip. Not reusable: build a new one per read."""

    def __init__(
        self,
        key: AccessKey,
        options: ReadOptions | None = None,
        *,
        on_event: EventCallback | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        if not isinstance(key, MRZKey | CANKey):
            raise TypeError("key must be an MRZKey or a CANKey")
        self.key = key
        self.options = options or ReadOptions()
        self._on_event = on_event
        self._clock = clock
        self.stats = ReadStats()
        self.result: ChipReadResult | None = None
        wanted = self.options.files if self.options.files is not None else DEFAULT_FILES
        self._wanted = [_file(n) for n in wanted]
        for f in self._wanted:
            if f.in_master_file:
                raise ValueError(f"{f.name} is read before access; it is always in the result's card_access")
        # Reading strategy state; survives losing the card.
        self._block = EXTENDED_BLOCK if self.options.extended_length else SHORT_LADDER[0]
        self._sfi: bool | None = None if self.options.sfi else False
        self._buffers: dict[str, bytearray] = {}
        self._sizes: dict[str, int] = {}
        self._done: dict[str, bytes] = {}
        self._started: set[str] = set()
        self._absent: list[str] = []
        self._denied: list[str] = []
        self._warnings: list[str] = []
        self._steps: dict[str, StepOutcome] = {}
        self._rekeying_steps: list[StepFactory] = []
        self._unconfirmed: tuple[StepFactory, ChipStep] | None = None
        # Access state.
        self._card_access_state: Literal["unknown", "absent?", "absent", "present"] = "unknown"
        self._card_access: bytes | None = None
        self._pace_choice: tuple[str, int] | None = None
        self._pace_info_count = 0
        self._mode: str | None = None  # "PACE" / "BAC" once one worked
        self._access: AccessInfo | None = None
        self._pace: PACE | None = None
        self._session: SMSession | None = None
        self._epoch = 0  # bumps on every new session: the chip forgot which file was selected
        self._current: tuple[str, int] | None = None  # (file, offset) being read, for messages
        # Timing.
        self._phases: list[str] = []
        self._mark = 0.0
        self._t0 = 0.0
        self._file_t0: dict[str, float] = {}
        self._gen = self._main()
        self._started_engine = False
        self._finished = False
        self._pending_reason: str | None = None

    # -- public driving API -------------------------------------------------------------------------

    @property
    def done(self) -> bool:
        return self._finished

    def start(self) -> bytes:
        """The first command APDU (bytes)."""
        if self._started_engine:
            raise RuntimeError("ChipReader already started")
        self._started_engine = True
        self._t0 = self._mark = self._clock()
        return self._advance(lambda: next(self._gen))  # type: ignore[return-value]

    def feed(self, response: bytes) -> bytes | None:
        """The card's response to the last command; returns the next command, or None when the read
        is complete (then `result` holds it). Raises ChipReadError (and ends) on failure."""
        if self._finished or not self._started_engine:
            raise RuntimeError("ChipReader is not running")
        response = bytes(response)
        self.stats.bytes_received += len(response)
        return self._advance(lambda: self._gen.send(response))

    def connection_lost(self, reason: str) -> CardLostError:
        """The transport lost the card. Returns the error to raise if it does not come back; raises
        it right away when the read already survived `max_recoveries` losses."""
        if self._finished:
            raise RuntimeError("ChipReader is not running")
        now = self._clock()
        if self._phases:
            self.stats.add_time(self._phases[-1], now - self._mark)
        self._mark = now
        file, offset = self._current if self._current else (None, None)
        self._emit(CardLost(reason, file, offset))
        where = ""
        if file is not None:
            size = self._sizes.get(file)
            where = f" while reading {file}" + (f" ({offset} of {size} bytes)" if size else "")
        error = CardLostError(f"{reason}{where}; put the card back and read again", file, offset)
        if self.stats.recoveries >= self.options.max_recoveries:
            self._finish_with_error()
            raise CardLostError(
                f"{reason}{where}; the card was lost {self.stats.recoveries + 1} times, giving up", file, offset
            )
        self._pending_reason = reason
        return error

    def resume(self) -> bytes:
        """After `connection_lost` and a successful reconnect: the next command (access runs again,
        then the read continues where it stopped)."""
        if self._pending_reason is None:
            raise RuntimeError("resume() without connection_lost()")
        self._pending_reason = None
        self.stats.recoveries += 1
        now = self._clock()
        self.stats.add_time("recovery", now - self._mark)
        self._mark = now
        return self._advance(lambda: self._gen.throw(_LinkLost()))  # type: ignore[return-value]

    def abort(self) -> None:
        """Give up (the caller could not get the card back)."""
        self._finish_with_error()

    # -- plumbing -----------------------------------------------------------------------------------

    def _advance(self, step: Callable[[], bytes]) -> bytes | None:
        try:
            command = step()
        except StopIteration as stop:
            self._finished = True
            self.result = stop.value
            return None
        except ChipReadError:
            self._finish_with_error()
            raise
        except (ChipError, LDSError) as exc:  # anything the protocol layer raised that we did not map
            self._finish_with_error()
            raise ChipDataError(self._where(str(exc))) from None
        self.stats.apdus += 1
        self.stats.bytes_sent += len(command)
        return command

    def _finish_with_error(self) -> None:
        self._finished = True
        self._gen.close()

    def _emit(self, event: ReadEvent) -> None:
        if self._on_event is not None:
            self._on_event(event)

    def _where(self, message: str) -> str:
        if self._current:
            return f"{message} (while reading {self._current[0]})"
        return message

    def _enter(self, phase: str) -> None:
        now = self._clock()
        if self._phases:
            self.stats.add_time(self._phases[-1], now - self._mark)
        self._phases.append(phase)
        self._mark = now

    def _leave(self) -> None:
        now = self._clock()
        self.stats.add_time(self._phases.pop(), now - self._mark)
        self._mark = now

    def _timed(self, phase: str, body: _Gen) -> _Gen:
        self._enter(phase)
        try:
            return (yield from body)
        finally:
            self._leave()

    # -- top level ----------------------------------------------------------------------------------

    def _main(self) -> _Gen:
        while True:
            try:
                if self._card_access_state == "unknown":
                    yield from self._timed("card_access", self._read_card_access_by_sfi())
                if self._session is None:
                    yield from self._timed("access", self._establish())
                yield from self._timed("read", self._read_all())
                break
            except _LinkLost:
                self._session = None  # the card forgot it; access runs again, progress is kept
                if self._unconfirmed is not None:  # not proven either way: run it again after access
                    self._steps.pop(self._unconfirmed[0].name, None)
                    self._unconfirmed = None
        self.stats.total_s = self._clock() - self._t0
        assert self._access is not None
        return ChipReadResult(
            access=self._access,
            files=dict(self._done),
            absent=list(self._absent),
            denied=list(self._denied),
            card_access=self._card_access,
            steps=dict(self._steps),
            stats=self.stats,
            warnings=list(self._warnings),
            pace=self._pace,
        )

    # -- exchanges ----------------------------------------------------------------------------------

    def _plain(self, command: CommandAPDU) -> _Gen:
        raw = yield command.encode()
        try:
            return ResponseAPDU.decode(raw)
        except APDUError as exc:
            raise ChipDataError(self._where(str(exc))) from None

    def _run_to_session(self, machine: PACE | BAC) -> _Gen:
        """Drive an access protocol's state machine in plain APDUs until it yields its SM session."""
        command = machine.start()
        while True:
            out = machine.feed((yield from self._plain(command)))
            if isinstance(out, SMSession):
                return out
            command = out

    def _secure(self, command: CommandAPDU) -> _Gen:
        """Send under secure messaging (establishing access first if there is no session). A plain
        status word instead of a protected answer means the chip ended SM: the status is returned
        for the caller to act on and the next secure exchange runs access again.

        The first exchange after a re-keying step (chip authentication) is that step's proof: a
        verified answer confirms it; a failed one fails it (a clone without the DG14 key cannot
        speak the new keys) — then access runs again and the command is repeated, so the read goes
        on in a fresh, trusted session and the failed step is reported instead of a broken read."""
        while True:
            if self._session is None:
                yield from self._timed("access", self._establish())
            session = self._session
            assert session is not None
            raw = yield session.wrap(command).encode()
            try:
                response = session.unwrap(raw)
            except CardError as exc:
                self._session = None
                if self._unconfirmed is not None:
                    self._settle_rekeying_step(False, f"the chip ended secure messaging ({exc.sw:04X})")
                    continue
                return ResponseAPDU.from_sw(exc.sw)
            except (SMError, APDUError, ProtocolError) as exc:
                self._session = None
                if self._unconfirmed is not None:
                    self._settle_rekeying_step(False, f"the chip's answer failed the new keys ({exc})")
                    continue
                raise UntrustedSessionError(
                    self._where(f"secure messaging check failed ({exc}); the chip's answers cannot be "
                                "trusted and nothing read in this session is returned")
                ) from None
            if self._unconfirmed is not None:
                self._settle_rekeying_step(True, "")
            return response

    def _settle_rekeying_step(self, passed: bool, detail: str) -> None:
        assert self._unconfirmed is not None
        factory, step = self._unconfirmed
        self._unconfirmed = None
        previous = self._steps.get(factory.name, StepOutcome(None))
        settle = getattr(step, "confirm" if passed else "fail", None)
        data = dict(previous.data)
        try:
            if settle is not None:
                data["outcome"] = settle() if passed else settle(detail)
        except (ChipError, ValueError):
            pass
        data["reason"] = "CA_VERIFIED" if passed else "CA_FAILED"
        text = "confirmed by reading on under the new keys" if passed else detail
        self._steps[factory.name] = StepOutcome(passed, text, None, data)
        if not passed and factory in self._rekeying_steps:
            self._rekeying_steps.remove(factory)
        self._emit(StepFinished(factory.name, passed))

    # -- EF.CardAccess --------------------------------------------------------------------------------

    def _read_card_access_by_sfi(self) -> _Gen:
        """One unprotected READ BINARY by SFI 1C. 6A82 there may also mean "no SFI support", so an
        absent file is only 'probably absent' until BAC confirms it (see `_establish`)."""
        data = yield from self._read_file(_file("EF.CardAccess"), protected=False, sfi_only=True)
        if data is not None:
            self._use_card_access(data)
        elif self._sfi is False and self._card_access_state == "absent?":
            yield from self._read_card_access_by_select()  # no SFI on this chip: 6A82 would be ambiguous

    def _read_card_access_by_select(self) -> _Gen:
        sfi_said_absent = self._card_access_state == "absent?"
        response = yield from self._plain(apdus.select_master_file())
        if response.sw not in (0x9000, 0x6A82, 0x6A86):  # some chips refuse selecting the MF: go on
            self._warnings.append(f"SELECT MF answered {response.sw:04X}")
        data = yield from self._read_file(_file("EF.CardAccess"), protected=False, select_only=True)
        if data is None:
            self._card_access_state = "absent"
            return
        if sfi_said_absent:
            self._set_sfi(False)  # the SFI read said "not found" for a file that is there
        self._use_card_access(data)

    def _use_card_access(self, data: bytes) -> None:
        self._card_access = data
        self._card_access_state = "present"
        try:
            infos = parse_card_access(data).pace_infos
        except LDSError as exc:
            self._warnings.append(f"EF.CardAccess cannot be parsed ({exc}); PACE is not attempted")
            return
        self._pace_info_count = len(infos)
        if not infos:
            return
        try:
            self._pace_choice = choose_pace_info((i.protocol, i.parameter_id) for i in infos)
        except PACEError:
            self._warnings.append("EF.CardAccess offers no PACE variant this reader supports")

    # -- access -------------------------------------------------------------------------------------

    def _establish(self) -> _Gen:
        self.stats.access_runs += 1
        if self.stats.access_runs > _MAX_ACCESS_RUNS:
            raise ChipReadError(self._where("secure messaging keeps breaking down; giving up"))
        renewed = self._access is not None
        session: SMSession | None = None
        pace_error: ChipReadError | None = None
        want = self.options.protocol
        if want != "bac" and self._mode in (None, "PACE"):
            if self._pace_choice is None and self._card_access_state == "absent?" and (
                want == "pace" or isinstance(self.key, CANKey)
            ):
                yield from self._read_card_access_by_select()  # BAC cannot help: make sure about PACE
            if self._pace_choice is not None:
                session, pace_error = yield from self._try_pace()
        if session is None and want != "pace" and self._mode in (None, "BAC") and isinstance(self.key, MRZKey):
            session = yield from self._try_bac(pace_error)
        if session is None:
            if pace_error is not None:
                raise pace_error
            if isinstance(self.key, CANKey):
                raise AccessNotPossibleError("the chip does not offer PACE, so a CAN cannot open it; use the MRZ")
            if want == "pace":
                raise AccessNotPossibleError("the chip does not offer a PACE variant this reader supports")
            raise AccessNotPossibleError("the chip accepts neither PACE nor BAC")
        self._session = session
        self._epoch += 1
        assert self._access is not None
        self._emit(AccessEstablished(self._access.protocol, self._access.algorithm, renewed))
        if renewed:
            yield from self._redo_rekeying_steps()

    def _try_pace(self) -> _Gen:
        """Returns (session, None) or (None, error to report if BAC cannot help either)."""
        assert self._pace_choice is not None
        oid, parameter_id = self._pace_choice
        pace = PACE(oid, parameter_id, self.key.pace_password(), send_parameter_id=self._pace_info_count > 1)
        try:
            out = yield from self._run_to_session(pace)
        except (AuthenticationFailed, PACETokenError):
            what = "CAN" if isinstance(self.key, CANKey) else "MRZ data (document number, birth, expiry)"
            return None, AccessDeniedError(f"the chip refused PACE with this {what}; check it and retry")
        except (PACEError, CardError) as exc:
            return None, AccessNotPossibleError(f"PACE failed: {exc}")
        # The eMRTD application is selected under the new session (Doc 9303 Part 11 §4.4.4).
        self._session = out
        self._epoch += 1
        response = yield from self._secure(apdus.select_aid())
        if response.sw != 0x9000:
            self._session = None
            return None, ChipDataError(f"the chip refused to select the eMRTD application ({response.sw:04X})")
        self._pace = pace
        self._mode = "PACE"
        self._access = AccessInfo("PACE", short_algorithm_name(oid), self.key.kind, oid, parameter_id)
        return out, None

    def _try_bac(self, pace_error: ChipReadError | None) -> _Gen:
        assert isinstance(self.key, MRZKey)
        response = yield from self._plain(apdus.select_aid())
        if response.sw != 0x9000:
            if pace_error is not None:
                raise pace_error
            raise AccessNotPossibleError(f"the chip has no eMRTD application ({response.sw:04X})")
        bac = BAC(*derive_basic_keys(self.key.information))
        try:
            out = yield from self._run_to_session(bac)
        except (AuthenticationFailed, BACError):
            if pace_error is not None and not isinstance(pace_error, AccessNotPossibleError):
                raise pace_error from None
            raise AccessDeniedError(
                "the chip refused BAC with this MRZ data (document number, birth, expiry); check it and retry"
            ) from None
        except CardError as exc:
            if pace_error is not None:
                raise pace_error from None
            if exc.sw in _BAC_NOT_SUPPORTED and self._card_access_state == "absent?":
                # No EF.CardAccess by SFI, and no BAC: maybe the chip has no SFI support. Look again.
                yield from self._read_card_access_by_select()
                if self._pace_choice is not None:
                    session, error = yield from self._try_pace()
                    if session is None:
                        raise error from None
                    return session
            raise AccessNotPossibleError(
                f"the chip refused BAC ({exc.sw:04X}: {exc.message}) and offers no PACE"
            ) from None
        self._mode = "BAC"
        self._access = AccessInfo("BAC", None, "MRZ")
        return out

    # -- files --------------------------------------------------------------------------------------

    def _plan(self) -> tuple[list[LDSFile], list[LDSFile]]:
        """(files to read before the steps, files after), EF.COM first and EF.SOD last."""
        names = [f.name for f in self._wanted]
        early: list[str] = []
        if self.options.chip_authentication or self.options.active_authentication:
            early.append("DG14")
        if self.options.active_authentication:
            early.append("DG15")
        for factory in self.options.steps:
            early.extend(factory.needs)
        first = [n for n in ("EF.COM", "DG1") if n in names]
        before_names = list(dict.fromkeys(first + early))
        rest = sorted((f for f in self._wanted if f.name not in before_names and f.name != "EF.SOD"),
                      key=lambda f: f.dg or 0)
        if "EF.SOD" in names and "EF.SOD" not in before_names:
            rest.append(_file("EF.SOD"))
        return [_file(n) for n in before_names], rest

    def _read_all(self) -> _Gen:
        before, after = self._plan()
        listed: set[int] | None = None
        explicit = {f.name for f in self._wanted}
        for f in before:
            yield from self._read_listed(f, listed, explicit)
            if f.name == "EF.COM" and "EF.COM" in self._done:
                listed = self._listed_groups()
        yield from self._run_steps()
        for f in after:
            yield from self._read_listed(f, listed, explicit)
        if self._unconfirmed is not None:  # nothing left to read: one exchange proves the new keys
            yield from self._secure(apdus.select_aid())
        self._current = None

    def _listed_groups(self) -> set[int] | None:
        try:
            return set(parse_com(self._done["EF.COM"]).data_groups)
        except LDSError as exc:
            self._warnings.append(f"EF.COM cannot be parsed ({exc}); every requested file is tried")
            return None

    def _read_listed(self, f: LDSFile, listed: set[int] | None, explicit: set[str]) -> _Gen:
        if f.name in self._done or f.name in self._absent or f.name in self._denied:
            return
        # EF.COM is a hint, not signed: files the caller named are tried even when it omits them.
        if listed is not None and f.dg is not None and f.dg not in listed and f.name not in explicit:
            return
        yield from self._read_file(f, protected=True)

    def _read_file(
        self, f: LDSFile, *, protected: bool, sfi_only: bool = False, select_only: bool = False
    ) -> _Gen:
        """Read one whole EF; returns its bytes, or None when it is absent or access is denied."""
        name = f.name
        buf = self._buffers.setdefault(name, bytearray())
        if name not in self._started:
            self._started.add(name)
            self._file_t0[name] = self._clock()
            self._emit(FileStarted(name))
        selected_in = -1  # session epoch in which this file is the current EF
        sfi_suspect = False  # an SFI read said 6A82: absent, or SFI unsupported?
        le_once: int | None = None
        exchange = self._secure if protected else self._plain
        empty_once = False
        while True:
            if protected and self._session is None:
                yield from self._timed("access", self._establish())
            size = self._sizes.get(name)
            offset = len(buf)
            self._current = (name, offset)
            if size is not None and offset >= size:
                break
            told = le_once is not None and le_once > 1  # Le the chip named in a 6Cxx
            le = le_once or self._block
            le_once = None
            if size is not None:
                le = min(le, size - offset)
            fresh = selected_in != self._epoch
            use_sfi = (
                fresh and not select_only and not sfi_suspect and offset <= MAX_SFI_OFFSET and self._sfi is not False
            )
            if fresh and not use_sfi:
                if sfi_only:
                    self._card_access_state = "absent?"
                    return None
                response = yield from exchange(apdus.select_file(f.fid))
                if response.sw == 0x9000:
                    if sfi_suspect:
                        self._set_sfi(False)
                    selected_in = self._epoch
                elif response.sw == 0x6A82:
                    return self._skip(f, "absent")
                elif response.sw == 0x6982:
                    return self._skip(f, "access denied")
                else:
                    raise ChipDataError(self._where(f"SELECT {name} answered {_sw(response.sw)}"))
                continue
            if use_sfi:
                command = apdus.read_binary_sfi(f.sfi, offset, le)
            elif offset > MAX_B0_OFFSET:
                # Odd READ BINARY answers inside DO'53, whose header counts against Le.
                le = max(1, min(le, self._block - 4))
                command = apdus.read_binary_odd(offset, le + 1 + len(encode_length(le)))
            else:
                command = apdus.read_binary(offset, le)
            epoch = self._epoch
            response = yield from exchange(command)
            sw, data = response.sw, response.data
            if command.ins == apdus.INS_READ_BINARY_ODD and data:
                try:
                    data = apdus.unwrap_odd_read(data)
                except APDUError as exc:
                    raise ChipDataError(self._where(str(exc))) from None
            if sw in (0x9000, 0x6282) and data:
                if use_sfi:
                    self._set_sfi(True)
                selected_in = epoch
                if command.le is not None and command.le > SHORT_LADDER[0]:
                    self.stats.extended_length = True
                self._take(f, buf, data, sw)
                if told and le < self._block and len(buf) < self._sizes.get(name, len(buf) + 1):
                    self._block = le  # 6Cxx named a block limit, not the end of the file: keep to it
                continue
            if sw in (0x9000, 0x6282) and offset == 0 and size is None:
                if empty_once:
                    self._sizes[name] = 0  # really an empty file (e.g. a zero-length EF.SOD)
                    break
                empty_once = True  # or a chip that answers a too-large Le with "end of file": ask for 1 byte
                le_once = 1
                continue
            if use_sfi and (sw in _SFI_REFUSALS or (sw == 0x6A82 and self._sfi is None)):
                if sw == 0x6A82:
                    sfi_suspect = True
                else:
                    self.stats.refusals += 1
                    self._set_sfi(False)
                continue
            if sw == 0x6A82:
                return self._skip(f, "absent")
            if sw == 0x6982 and epoch == self._epoch:
                return self._skip(f, "access denied")
            if sw >> 8 == 0x6C:
                le_once = sw & 0xFF or 256
                self.stats.refusals += 1
                continue
            if sw in (0x6700, 0x6B00, 0x6282, 0x9000, 0x6A87):
                self.stats.refusals += 1
                self._shrink(le)
                continue
            if epoch != self._epoch or (protected and self._session is None):
                continue  # the chip ended SM with this status: access ran again, retry
            raise ChipDataError(self._where(f"READ BINARY of {name} answered {_sw(sw)}"))
        data = bytes(buf[: self._sizes[name]])
        self._done[name] = data
        self.stats.block_size = self._block
        self.stats.file_timings[name] = self._clock() - self._file_t0[name]
        self._emit(FileFinished(name, len(data)))
        return data

    def _take(self, f: LDSFile, buf: bytearray, data: bytes, sw: int) -> None:
        name = f.name
        buf += data
        size = self._sizes.get(name)
        if size is None:
            try:
                size = lds_total_length(bytes(buf))
            except LDSNeedMoreData:
                size = None
            except LDSError as exc:
                raise ChipDataError(f"{name} does not start with a valid TLV header ({exc})") from None
            if size is not None:
                self._sizes[name] = size
        if size is not None and len(buf) > size:
            del buf[size:]
        self._emit(FileProgress(name, len(buf), size))
        if sw == 0x6282 and (size is None or len(buf) < size):
            raise ChipDataError(f"the chip reports the end of {name} before the length its header declares")

    def _skip(self, f: LDSFile, reason: str) -> None:
        if f.in_master_file:
            self._card_access_state = "absent"
        elif reason == "absent":
            self._absent.append(f.name)
        else:
            self._denied.append(f.name)
        self._buffers.pop(f.name, None)
        self._emit(FileSkipped(f.name, reason))
        return None

    def _set_sfi(self, works: bool) -> None:
        if self.options.sfi:
            self._sfi = works
            self.stats.sfi = works

    def _shrink(self, refused: int) -> None:
        """The next smaller block after a length refusal; remembered for the rest of the read."""
        if refused > SHORT_LADDER[0]:
            self.stats.extended_length = False
            self._block = SHORT_LADDER[0]
            return
        smaller = [b for b in SHORT_LADDER if b < refused]
        if not smaller:
            raise ChipDataError(self._where("the chip refuses every READ BINARY length"))
        self._block = smaller[0]

    # -- authenticity steps -------------------------------------------------------------------------

    def _context(self) -> StepContext:
        assert self._access is not None
        return StepContext(files=dict(self._done), access=self._access, pace=self._pace)

    def _run_steps(self) -> _Gen:
        if not self.options.steps:
            return
        self._enter("steps")
        try:
            for factory in self.options.steps:
                if factory.name in self._steps:
                    continue
                yield from self._run_step(factory)
        finally:
            self._leave()

    def _redo_rekeying_steps(self) -> _Gen:
        """A step that re-keyed SM (chip authentication) must run again in a new session, or the
        rest of the read would not be bound to the chip that proved its key."""
        for factory in list(self._rekeying_steps):
            self._steps.pop(factory.name, None)
            yield from self._run_step(factory)

    def _run_step(self, factory: StepFactory) -> _Gen:
        if any(n not in self._done for n in factory.needs):
            missing = ", ".join(n for n in factory.needs if n not in self._done)
            self._steps[factory.name] = StepOutcome(None, f"not performed: {missing} not on this chip or not read")
            self._emit(StepFinished(factory.name, None))
            return
        try:
            step: ChipStep | None = factory(self._context())
        except (ChipError, LDSError, ValueError) as exc:
            step = None
            self._steps[factory.name] = StepOutcome(None, f"not performed: {exc}")
        if step is None:
            self._steps.setdefault(factory.name, StepOutcome(None, "not applicable to this chip"))
            self._emit(StepFinished(factory.name, None))
            return
        try:
            command = step.start()
            while True:
                response = yield from self._secure(command)
                out = step.feed(response)
                if isinstance(out, CommandAPDU):
                    command = out
                    continue
                outcome = out
                break
        except (UntrustedSessionError, _LinkLost):
            raise
        except (ChipError, LDSError, ValueError) as exc:
            outcome = StepOutcome(None, f"not performed: {exc}")
        self._steps[factory.name] = outcome
        if outcome.session is not None:
            self._session = outcome.session
            self._epoch += 1
            if factory not in self._rekeying_steps:
                self._rekeying_steps.append(factory)
            self._unconfirmed = (factory, step)  # settled by the next protected exchange
            return
        self._emit(StepFinished(factory.name, outcome.passed))


def _sw(sw: int) -> str:
    return f"{sw:04X} ({status_message(sw)})"


def files_from_names(names: Iterable[str] | str | None) -> tuple[str, ...] | None:
    """Normalise user-given file names ("dg1,DG2,sod") to canonical names; None stays None."""
    if names is None:
        return None
    if isinstance(names, str):
        names = [n for n in names.replace(" ", ",").split(",") if n]
    out = []
    for n in names:
        out.append(_file(n).name)
    return tuple(dict.fromkeys(out))


__all__: Sequence[str] = [
    "DEFAULT_FILES",
    "AccessDeniedError",
    "AccessInfo",
    "AccessNotPossibleError",
    "CardLostError",
    "ChipDataError",
    "ChipReadError",
    "ChipReadResult",
    "ChipReader",
    "ReadOptions",
    "UntrustedSessionError",
    "files_from_names",
    "short_algorithm_name",
]
