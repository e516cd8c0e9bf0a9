"""The chip reading strategy as a sans-IO engine: it emits command APDUs and consumes responses.

    reader = ChipReader(MRZKey("L898902C3", "740812", "340415"))
    out = reader.start()
    while out.command is not None:
        handle(out.events)                       # progress: access established, file 40 %, ...
        out = reader.feed(transport.transmit(out.command))
    result = reader.result

`gateway.verify.pipeline` is that loop plus recovery when the card is pulled or reset
(`connection_lost()` / `resume()`), a deadline and the verdict. What the engine does, and why:

* EF.CardAccess first (one unprotected READ BINARY by SFI): it says whether the chip speaks PACE and
  with which parameters. PACE first when offered (EU ID cards since 2021 refuse BAC), choosing among
  several PACEInfos and naming the parameter id in MSE:Set AT when the choice is ambiguous; BAC as
  fallback, and when EF.CardAccess is absent.
* Files are read by the policy table of `gateway.nfc.reading.policy`: the largest block the chip
  accepts (extended length first, then a ladder of short blocks, remembered for the rest of the
  read), SFI on a file's first read (SELECT when the chip refuses it, also remembered), the size
  from the file's own TLV header, so exactly the file is read and the last block asks for exactly
  what is left.
* Progress survives losing the card: bytes read so far stay, access is established again, and the
  read continues at the offset reached.
* A response whose MAC does not verify ends everything with `UntrustedSessionError`: nothing read in
  that session is returned (whoever could alter one answer may have altered others). A plain
  *status* answer (the chip left secure messaging) is not that: nothing of it is used, access runs
  again and the read goes on.
* Authenticity steps (`gateway.nfc.protocol.steps`: chip and active authentication) run in the order
  given, once the files they need are read and before the large ones. A re-keying step (chip
  authentication) is proven by the next protected answer: if the chip cannot speak the new keys,
  the step fails, access runs again and the read goes on in a fresh session.
* Every budget of `gateway.limits` is enforced here (APDUs per read, retries per offset, bytes per
  file, access runs); a chip that exceeds one ends the read with `ChipMisbehavesError`.

Nothing is called back from inside: `start`, `feed` and `resume` return an `Output` with the next
command and the events that happened. The clock and the random source are injected, so a worked
example of Doc 9303 is replayed through this very class.
"""

from __future__ import annotations

import enum
import time
from collections import Counter
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any, Literal

from gateway import limits
from gateway.crypto.errors import CryptoError
from gateway.nfc import apdu as apdus
from gateway.nfc.access_key import AccessKey, CANKey, MRZKey
from gateway.nfc.apdu import APDUError, CommandAPDU, ResponseAPDU
from gateway.nfc.lds.card_access import parse_card_access
from gateway.nfc.lds.com import parse_com
from gateway.nfc.lds.dispatch import LDSNeedMoreData
from gateway.nfc.lds.dispatch import total_length as lds_total_length
from gateway.nfc.lds.errors import LDSError
from gateway.nfc.lds.files import LDSFile
from gateway.nfc.protocol.bac import BAC, BACError, derive_basic_keys
from gateway.nfc.protocol.pace import PACE, PACEError, PACETokenError, choose_pace_info
from gateway.nfc.protocol.secure_messaging import SMError, SMSession
from gateway.nfc.protocol.steps import ChipStep, RekeyingStep, StepContext, StepFactory, StepOutcome
from gateway.nfc.randomness import SYSTEM_RANDOM, RandomSource
from gateway.nfc.status import AuthenticationFailed, CardError, ChipError, ProtocolError, status_message
from gateway.nfc.tlv import encode_length

from . import quirks
from .errors import (
    AccessDeniedError,
    AccessNotPossibleError,
    CardLostError,
    ChipDataError,
    ChipMisbehavesError,
    ChipReadError,
    UntrustedSessionError,
)
from .events import (
    AccessEstablished,
    CardLost,
    FileFinished,
    FileProgress,
    FileSkipped,
    FileStarted,
    ReadEvent,
    ReadStats,
    StepFinished,
)
from .policy import EXTENDED_BLOCK, HEADER_PROBE, SHORT_LADDER, Action, Answer, Asked, Via, decide, smaller_block
from .result import DEFAULT_FILES, AccessInfo, ChipReadResult, ReadOptions, lds_file, short_algorithm_name

MAX_B0_OFFSET = 0x7FFF
MAX_SFI_OFFSET = 0xFF
#: Status words with which chips say "no BAC here" (EU ID cards that only speak PACE).
_BAC_NOT_SUPPORTED = {0x6D00, 0x6E00, 0x6A88, 0x6A86, 0x6A81, 0x6985, 0x6982, 0x6986, 0x6A80, 0x6F00}

_Gen = Generator[bytes, bytes, Any]


class _LinkLost(Exception):
    """Thrown into the engine's generator when the transport lost the card (internal)."""


@dataclass(frozen=True, slots=True)
class Output:
    """What the engine wants next: a command to send (None once the read is over) and what happened."""

    command: bytes | None
    events: tuple[ReadEvent, ...] = ()


class CardAccessState(enum.Enum):
    UNKNOWN = "unknown"
    NOT_FOUND_BY_SFI = "not found by SFI"  # absent, or the chip has no SFI support: not yet known
    ABSENT = "absent"
    PRESENT = "present"


@dataclass
class _Strategy:
    """What the reader has learned about this chip; survives losing the card."""

    block: int
    sfi: bool | None  # None: not known yet; False also when the caller disabled SFI
    header_first: bool


@dataclass
class _FileState:
    """One EF being read: its bytes so far and how it is addressed in the current session."""

    file: LDSFile
    started_at: float
    buffer: bytearray = field(default_factory=bytearray)
    size: int | None = None
    selected_in: int = -1  # session epoch in which this file is the current EF
    sfi_ambiguous: bool = False  # an SFI read said 6A82: absent, or SFI unsupported?
    le_told: int | None = None  # the Le a 6Cxx named, for the next read only
    asked_told: bool = False  # the current read asks for the Le a 6Cxx named
    probing: bool = False  # asked for one byte to tell an empty file from a shy chip
    attempts: Counter[int] = field(default_factory=Counter)  # offset -> answers that did not progress

    @property
    def offset(self) -> int:
        return len(self.buffer)

    @property
    def complete(self) -> bool:
        return self.size is not None and len(self.buffer) >= self.size


@dataclass(frozen=True, slots=True)
class _Reply:
    response: ResponseAPDU
    unprotected: bool = False  # a plain status (maybe with data) to a protected command


class ChipReader:
    """One read of one chip. Not reusable: build a new one per read."""

    def __init__(
        self,
        key: AccessKey,
        options: ReadOptions | None = None,
        *,
        clock: Callable[[], float] = time.perf_counter,
        random: RandomSource = SYSTEM_RANDOM,
    ) -> None:
        if not isinstance(key, MRZKey | CANKey):
            raise TypeError("key must be an MRZKey or a CANKey")
        self.key = key
        self.options = options or ReadOptions()
        self._clock = clock
        self._random = random
        self.stats = ReadStats()
        self.result: ChipReadResult | None = None
        wanted = self.options.files if self.options.files is not None else DEFAULT_FILES
        self._wanted = [lds_file(n) for n in wanted]
        for f in self._wanted:
            if f.in_master_file:
                raise ValueError(f"{f.name} is read before access; it is always in the result's card_access")
        self._strategy = _Strategy(
            block=EXTENDED_BLOCK if self.options.extended_length else SHORT_LADDER[0],
            sfi=None if self.options.sfi else False,
            header_first=self.options.header_first,
        )
        self._files: dict[str, _FileState] = {}
        self._done: dict[str, bytes] = {}
        self._absent: list[str] = []
        self._not_listed: set[str] = set()  # not read because EF.COM does not list them
        self._denied: list[str] = []
        self._warnings: list[str] = []
        self._quirks: set[str] = set()
        self._steps: dict[str, StepOutcome] = {}
        self._rekeying: list[StepFactory] = []  # steps that must run again in every new session
        self._unconfirmed: tuple[StepFactory, ChipStep] | None = None  # re-keyed, not yet proven
        # Access state.
        self._card_access_state = CardAccessState.UNKNOWN
        self._card_access: bytes | None = None
        self._pace_choice: tuple[str, int] | None = None
        self._pace_info_count = 0
        self._mode: str | None = None  # "PACE" / "BAC" once one worked
        self._access: AccessInfo | None = None
        self._pace: PACE | None = None
        self._session: SMSession | None = None
        self._epoch = 0  # bumps on every new session: the chip forgot which file was selected
        self._current: tuple[str, int] | None = None  # (file, offset) being read, for messages
        # Driving.
        self._events: list[ReadEvent] = []
        self._phases: list[str] = []
        self._mark = 0.0
        self._t0 = 0.0
        self._gen = self._main()
        self._started = False
        self._finished = False
        self._pending_reason: str | None = None

    # -- public driving API -------------------------------------------------------------------------

    @property
    def done(self) -> bool:
        return self._finished

    def start(self) -> Output:
        """The first command APDU."""
        if self._started:
            raise RuntimeError("ChipReader already started")
        self._started = True
        self._t0 = self._mark = self._clock()
        return self._advance(lambda: next(self._gen))

    def feed(self, response: bytes) -> Output:
        """The card's response to the last command; returns the next command, or None when the read
        is complete (then `result` holds it). Raises ChipReadError (and ends) on failure."""
        if self._finished or not self._started or self._pending_reason is not None:
            raise RuntimeError("ChipReader is not expecting a response")
        response = bytes(response)
        self.stats.bytes_received += len(response)
        return self._advance(lambda: self._gen.send(response))

    def connection_lost(self, reason: str) -> Output:
        """The transport lost the card. Returns the CardLost event; call `resume()` once the card is
        back, or `abort()`. Raises CardLostError when the read already survived `max_recoveries`."""
        if self._finished:
            raise RuntimeError("ChipReader is not running")
        now = self._clock()
        if self._phases:
            self.stats.add_time(self._phases[-1], now - self._mark)
        self._mark = now
        file, offset = self._current if self._current else (None, None)
        if self.stats.recoveries >= self.options.max_recoveries:
            self._finish_with_error()
            raise CardLostError(f"{reason}{self._lost_where()}; the card was lost {self.stats.recoveries + 1} "
                                "times, giving up", file, offset)
        self._pending_reason = reason
        return Output(None, (CardLost(reason, file, offset),))

    def lost_error(self) -> CardLostError:
        """The error to raise when a lost card did not come back (after `connection_lost`)."""
        file, offset = self._current if self._current else (None, None)
        reason = self._pending_reason or "the card was removed"
        return CardLostError(f"{reason}{self._lost_where()}; put the card back and read again", file, offset)

    def resume(self) -> Output:
        """After `connection_lost` and a successful reconnect: the next command (access runs again,
        then the read continues where it stopped)."""
        if self._pending_reason is None:
            raise RuntimeError("resume() without connection_lost()")
        self._pending_reason = None
        self.stats.recoveries += 1
        now = self._clock()
        self.stats.add_time("recovery", now - self._mark)
        self._mark = now
        return self._advance(lambda: self._gen.throw(_LinkLost()))

    def abort(self) -> None:
        """Give up (the caller could not get the card back, or its deadline passed)."""
        self._finish_with_error()

    # -- plumbing -----------------------------------------------------------------------------------

    def _advance(self, step: Callable[[], bytes]) -> Output:
        try:
            command: bytes | None = step()
        except StopIteration as stop:
            self._finished = True
            self.result = stop.value
            command = None
        except ChipReadError:
            self._finish_with_error()
            raise
        except (ChipError, LDSError, CryptoError) as exc:  # a protocol layer raised what we did not map
            self._finish_with_error()
            raise ChipDataError(self._where(str(exc))) from None
        if command is not None:
            if self.stats.apdus >= self.options.max_apdus:
                self._finish_with_error()
                raise ChipMisbehavesError(self._where(f"the chip needed more than {self.options.max_apdus} "
                                                      "commands for one read"), "MAX_APDUS_PER_READ")
            self.stats.apdus += 1
            self.stats.bytes_sent += len(command)
        events, self._events = tuple(self._events), []
        return Output(command, events)

    def _finish_with_error(self) -> None:
        self._finished = True
        self._gen.close()

    def _emit(self, event: ReadEvent) -> None:
        self._events.append(event)

    def _where(self, message: str) -> str:
        if self._current:
            return f"{message} (while reading {self._current[0]})"
        return message

    def _lost_where(self) -> str:
        if self._current is None:
            return ""
        file, offset = self._current
        state = self._files.get(file)
        size = state.size if state else None
        return f" while reading {file}" + (f" ({offset} of {size} bytes)" if size else "")

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
                if self._card_access_state is CardAccessState.UNKNOWN:
                    yield from self._timed("card_access", self._read_card_access())
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
            quirks=set(self._quirks),
            pace=self._pace,
        )

    # -- exchanges ----------------------------------------------------------------------------------

    def _plain(self, command: CommandAPDU) -> _Gen:
        raw = yield command.encode()
        try:
            return _Reply(ResponseAPDU.decode(raw))
        except APDUError as exc:
            raise ChipDataError(self._where(str(exc))) from None

    def _run_to_session(self, machine: PACE | BAC) -> _Gen:
        """Drive an access protocol's state machine in plain APDUs until it yields its SM session."""
        command = machine.start()
        while True:
            out = machine.feed((yield from self._plain(command)).response)
            if isinstance(out, SMSession):
                return out
            command = out

    def _secure(self, command: CommandAPDU) -> _Gen:
        """Send under secure messaging (establishing access first if there is no session). A plain
        status word instead of a protected answer means the chip ended SM: the status is returned,
        marked unprotected, for the caller to act on; the next secure exchange runs access again.

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
            except CardError as exc:  # UnprotectedStatus included: the session is over, trust intact
                self._session = None
                if self._unconfirmed is not None:
                    self._settle(False, f"the chip ended secure messaging ({exc.sw:04X})")
                    continue
                return _Reply(ResponseAPDU.from_sw(exc.sw), unprotected=True)
            except (SMError, APDUError, ProtocolError) as exc:
                self._session = None
                if self._unconfirmed is not None:
                    self._settle(False, f"the chip's answer failed the new keys ({exc})")
                    continue
                raise UntrustedSessionError(
                    self._where(f"secure messaging check failed ({exc}); the chip's answers cannot be "
                                "trusted and nothing read in this session is returned")
                ) from None
            self._quirks |= session.quirks
            if self._unconfirmed is not None:
                self._settle(True)
            return _Reply(response)

    # -- EF.CardAccess --------------------------------------------------------------------------------

    def _read_card_access(self) -> _Gen:
        """One unprotected READ BINARY by SFI 1C. 6A82 there may also mean "no SFI support", so the file
        is only 'not found by SFI' until BAC settles it (see `_try_bac`)."""
        card_access = lds_file("EF.CardAccess")
        if self._strategy.sfi is not False:
            data = yield from self._read_file(card_access, protected=False, addressing="sfi")
            if data is not None:
                self._use_card_access(data)
                return
            if self._card_access_state is CardAccessState.ABSENT:
                return
            if self._strategy.sfi is None:
                self._card_access_state = CardAccessState.NOT_FOUND_BY_SFI
                return
        yield from self._read_card_access_by_select()  # no SFI on this chip: 6A82 would be ambiguous

    def _read_card_access_by_select(self) -> _Gen:
        said_not_found = self._card_access_state is CardAccessState.NOT_FOUND_BY_SFI
        response = (yield from self._plain(apdus.select_master_file())).response
        if response.sw not in (0x9000, 0x6A82, 0x6A86):  # some chips refuse selecting the MF: go on
            self._warnings.append(f"SELECT MF answered {response.sw:04X}")
        data = yield from self._read_file(lds_file("EF.CardAccess"), protected=False, addressing="select")
        if data is None:
            self._card_access_state = CardAccessState.ABSENT
            return
        if said_not_found:
            self._set_sfi(False)  # the SFI read said "not found" for a file that is there
        self._use_card_access(data)

    def _use_card_access(self, data: bytes) -> None:
        self._card_access = data
        self._card_access_state = CardAccessState.PRESENT
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
        if self.stats.access_runs > limits.MAX_ACCESS_RUNS:
            raise ChipMisbehavesError(self._where("secure messaging keeps breaking down; giving up"),
                                      "MAX_ACCESS_RUNS")
        renewed = self._access is not None
        session: SMSession | None = None
        pace_error: ChipReadError | None = None
        want = self.options.protocol
        if want != "bac" and self._mode in (None, "PACE"):
            if self._pace_choice is None and self._card_access_state is CardAccessState.NOT_FOUND_BY_SFI and (
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
        name_it = self._pace_info_count > 1 or self.options.pace_parameter_id == "always"
        pace = PACE(oid, parameter_id, self.key.pace_password(), send_parameter_id=name_it, random=self._random)
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
        response = (yield from self._secure(apdus.select_aid())).response
        if response.sw != 0x9000:
            self._session = None
            return None, ChipDataError(f"the chip refused to select the eMRTD application ({response.sw:04X})")
        self._pace = pace
        self._mode = "PACE"
        self._access = AccessInfo("PACE", short_algorithm_name(oid), self.key.kind, oid, parameter_id)
        return out, None

    def _try_bac(self, pace_error: ChipReadError | None) -> _Gen:
        assert isinstance(self.key, MRZKey)
        response = (yield from self._plain(apdus.select_aid())).response
        if response.sw != 0x9000:
            if pace_error is not None:
                raise pace_error
            raise AccessNotPossibleError(f"the chip has no eMRTD application ({response.sw:04X})")
        bac = BAC(*derive_basic_keys(self.key.information), random=self._random)
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
            if exc.sw in _BAC_NOT_SUPPORTED and self._card_access_state is CardAccessState.NOT_FOUND_BY_SFI:
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
        for factory in self.options.steps:
            early.extend(factory.needs)
        if "DG15" in early and "DG14" not in early:
            early.insert(0, "DG14")  # ActiveAuthenticationInfo (ECDSA's hash) is in DG14
        first = [n for n in ("EF.COM", "DG1") if n in names]
        before_names = list(dict.fromkeys(first + early))
        rest = sorted((f for f in self._wanted if f.name not in before_names and f.name != "EF.SOD"),
                      key=lambda f: f.dg or 0)
        if "EF.SOD" in names and "EF.SOD" not in before_names:
            rest.append(lds_file("EF.SOD"))
        return [lds_file(n) for n in before_names], rest

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
        """The data groups EF.COM lists, or None (try every requested file) when it cannot say: EF.COM
        is not signed, so a malformed one is a quirk to report, never a reason to skip a file."""
        try:
            com = parse_com(self._done["EF.COM"])
        except LDSError as exc:
            self._quirks.add(quirks.EF_COM_MALFORMED)
            self._warnings.append(f"EF.COM cannot be parsed ({exc}); every requested file is tried")
            return None
        if com.unknown_tags:
            self._quirks.add(quirks.EF_COM_MALFORMED)
            self._warnings.append(f"EF.COM lists {len(com.unknown_tags)} tag(s) that are no data group; "
                                  "every requested file is tried")
            return None
        return set(com.data_groups)

    def _read_listed(self, f: LDSFile, listed: set[int] | None, explicit: set[str]) -> _Gen:
        if f.name in self._done or f.name in self._absent or f.name in self._denied:
            return
        # EF.COM is a hint, not signed: files the caller named are tried even when it omits them.
        if listed is not None and f.dg is not None and f.dg not in listed and f.name not in explicit:
            self._not_listed.add(f.name)
            return
        yield from self._read_file(f, protected=True)

    def _file_state(self, f: LDSFile) -> _FileState:
        state = self._files.get(f.name)
        if state is None:
            state = self._files[f.name] = _FileState(f, self._clock())
            self._emit(FileStarted(f.name))
        return state

    def _read_file(self, f: LDSFile, *, protected: bool,
                   addressing: Literal["any", "sfi", "select"] = "any") -> _Gen:
        """Read one whole EF; returns its bytes, or None when it is absent or access is denied.
        `addressing` "sfi": give up (return None) rather than SELECT; "select": never use the SFI."""
        st = self._file_state(f)
        exchange = self._secure if protected else self._plain
        while True:
            if protected and self._session is None:
                yield from self._timed("access", self._establish())
            if st.complete:
                break
            offset = st.offset
            self._current = (f.name, offset)
            fresh = st.selected_in != self._epoch
            use_sfi = (fresh and addressing != "select" and not st.sfi_ambiguous and offset <= MAX_SFI_OFFSET
                       and self._strategy.sfi is not False)
            if fresh and not use_sfi:
                if addressing == "sfi":
                    return None
                selected = yield from self._select(st, exchange, protected)
                if selected is None:
                    return None
                continue
            le = self._next_le(st)
            if use_sfi:
                via, command = Via.SFI, apdus.read_binary_sfi(f.sfi, offset, le)
            elif offset > MAX_B0_OFFSET:
                # Odd READ BINARY answers inside DO'53, whose header counts against Le.
                le = max(1, min(le, self._strategy.block - 4))
                via, command = Via.ODD, apdus.read_binary_odd(offset, le + 1 + len(encode_length(le)))
            else:
                via, command = Via.SELECTED, apdus.read_binary(offset, le)
            epoch = self._epoch
            reply = yield from exchange(command)
            sw, data = reply.response.sw, reply.response.data
            if via is Via.ODD and data:
                try:
                    data = apdus.unwrap_odd_read(data)
                except APDUError as exc:
                    raise ChipDataError(self._where(str(exc))) from None
            asked = Asked(via, at_start=offset == 0 and st.size is None, probed_empty=st.probing,
                          sfi_known=self._strategy.sfi,
                          session_lost=protected and (self._session is None or epoch != self._epoch))
            action = decide(Answer(sw, bool(data), reply.unprotected), asked)
            if action is not Action.TAKE:
                self._count_attempt(st, action, sw)
            done = self._apply(st, action, via, le, command, data, sw, epoch)
            if done:
                return None
        payload = bytes(st.buffer[: st.size])
        self._done[f.name] = payload
        self.stats.block_size = self._strategy.block
        self.stats.file_timings[f.name] = self._clock() - st.started_at
        self._emit(FileFinished(f.name, len(payload)))
        return payload

    def _select(self, st: _FileState, exchange: Callable[[CommandAPDU], _Gen], protected: bool) -> _Gen:
        """SELECT the file for B0 reads. True when selected, None when absent or denied (skipped),
        False to go round again (the chip ended secure messaging: access runs first)."""
        reply = yield from exchange(apdus.select_file(st.file.fid))
        sw = reply.response.sw
        if sw == 0x9000:
            if st.sfi_ambiguous:
                self._set_sfi(False)  # SFI said "not found" for a file that SELECT finds
            st.selected_in = self._epoch
            return True
        if sw == 0x6A82:
            return self._skip(st.file, "absent")
        if sw == 0x6982 and not reply.unprotected:
            return self._skip(st.file, "access denied")
        if protected and self._session is None:
            self._count_attempt(st, Action.REACCESS, sw)
            return False
        raise ChipDataError(self._where(f"SELECT {st.file.name} answered {_sw(sw)}"))

    def _next_le(self, st: _FileState) -> int:
        st.asked_told = st.le_told is not None and st.le_told > 1
        if st.le_told is not None:
            le, st.le_told = st.le_told, None
        elif st.probing:
            le = 1
        elif st.size is None and self._strategy.header_first:
            le = HEADER_PROBE if st.offset == 0 else self._strategy.block
        else:
            le = self._strategy.block
        if st.size is not None:
            le = min(le, st.size - st.offset)
        return le

    def _apply(self, st: _FileState, action: Action, via: Via, le: int, command: CommandAPDU,
               data: bytes, sw: int, epoch: int) -> bool:
        """Carry out the policy's action; True when the file is skipped (absent / denied)."""
        if action is Action.TAKE:
            if via is Via.SFI:
                self._set_sfi(True)
            st.selected_in = epoch
            st.probing = False
            if command.le is not None and command.le > SHORT_LADDER[0]:
                self.stats.extended_length = True
            told = st.asked_told
            self._take(st, data, sw)
            if not st.complete and len(data) < le:
                # Fewer bytes than asked, file not finished: the chip's real limit (or a drip feed,
                # which the APDU budget ends). Keep to what it gives.
                self._quirks.add(quirks.SHORT_READ_ANSWERS)
                self._strategy.block = max(1, len(data))
            elif told and not st.complete and le < self._strategy.block:
                self._strategy.block = le  # 6Cxx named a block limit, not the end of the file: keep to it
            return False
        if action is Action.PROBE_ONE_BYTE:
            st.probing = True
            return False
        if action is Action.EMPTY_FILE:
            st.probing = False
            st.size = 0
            return False
        if action is Action.RETRY_WITH_LE:
            self.stats.refusals += 1
            st.le_told = sw & 0xFF or 256
            return False
        if action is Action.SHRINK:
            self.stats.refusals += 1
            if le > SHORT_LADDER[0]:
                self.stats.extended_length = False
            smaller = smaller_block(min(le, self._strategy.block))
            if smaller is None:
                raise ChipDataError(self._where("the chip refuses every READ BINARY length"))
            self._strategy.block = smaller
            return False
        if action is Action.SFI_AMBIGUOUS:
            st.sfi_ambiguous = True
            return False
        if action is Action.SFI_UNSUPPORTED:
            self.stats.refusals += 1
            self._set_sfi(False)
            return False
        if action is Action.ABSENT:
            return self._skip(st.file, "absent") is None
        if action is Action.DENIED:
            return self._skip(st.file, "access denied") is None
        if action is Action.REACCESS:
            return False  # no session: the loop runs access, then the same read again
        if action is Action.REREAD_EXACT:
            # The chip answered a read past the end unprotected; it is out of secure messaging now.
            # Nothing of that answer is used: access again, then each file's header first and exactly
            # the length it announces.
            self._quirks.add(quirks.READ_PAST_END_UNPROTECTED)
            self._session = None
            self._strategy.header_first = True
            if self._strategy.block > SHORT_LADDER[0]:
                self._strategy.block = SHORT_LADDER[0]
            return False
        raise ChipDataError(self._where(f"READ BINARY of {st.file.name} answered {_sw(sw)}"))

    def _count_attempt(self, st: _FileState, action: Action, sw: int) -> None:
        st.attempts[st.offset] += 1
        if st.attempts[st.offset] > limits.MAX_RETRIES_PER_OFFSET:
            raise ChipMisbehavesError(
                self._where(f"the chip keeps answering {sw:04X} at offset {st.offset} ({action.value}) "
                            f"after {limits.MAX_RETRIES_PER_OFFSET} tries"),
                "MAX_RETRIES_PER_OFFSET",
            )

    def _take(self, st: _FileState, data: bytes, sw: int) -> None:
        name = st.file.name
        st.buffer += data
        if st.size is None:
            try:
                size: int | None = lds_total_length(bytes(st.buffer))
            except LDSNeedMoreData:
                size = None
            except LDSError as exc:
                raise ChipDataError(f"{name} does not start with a valid TLV header ({exc})") from None
            if size is not None:
                budget = limits.max_file_bytes(name)
                if size > budget:
                    raise ChipMisbehavesError(
                        f"{name} announces {size} bytes, more than any genuine document ({budget})",
                        "MAX_FILE_BYTES")
                st.size = size
        elif len(st.buffer) > limits.max_file_bytes(name):  # pragma: no cover - size is checked above
            raise ChipMisbehavesError(f"{name} is larger than any genuine document", "MAX_FILE_BYTES")
        if st.size is not None and len(st.buffer) > st.size:
            del st.buffer[st.size:]
        self._emit(FileProgress(name, len(st.buffer), st.size))
        if sw == 0x6282 and (st.size is None or len(st.buffer) < st.size):
            raise ChipDataError(f"the chip reports the end of {name} before the length its header declares")

    def _skip(self, f: LDSFile, reason: str) -> None:
        if f.in_master_file:
            self._card_access_state = CardAccessState.ABSENT
        elif reason == "absent":
            self._absent.append(f.name)
        else:
            self._denied.append(f.name)
        self._files.pop(f.name, None)
        self._emit(FileSkipped(f.name, reason))
        return None

    def _set_sfi(self, works: bool) -> None:
        if self.options.sfi:
            self._strategy.sfi = works
            self.stats.sfi = works

    # -- authenticity steps -------------------------------------------------------------------------

    def _context(self) -> StepContext:
        return StepContext(files=dict(self._done), access=self._access, pace=self._pace, random=self._random)

    def _run_steps(self) -> _Gen:
        if not self.options.steps:
            return
        self._enter("steps")
        try:
            for factory in self.options.steps:
                if factory.name not in self._steps:
                    yield from self._run_step(factory)
        finally:
            self._leave()

    def _redo_rekeying_steps(self) -> _Gen:
        """A step that re-keyed SM (chip authentication) must run again in a new session, or the
        rest of the read would not be bound to the chip that proved its key."""
        for factory in list(self._rekeying):
            self._steps.pop(factory.name, None)
            yield from self._run_step(factory)

    def _finish_step(self, factory: StepFactory, outcome: StepOutcome) -> None:
        self._steps[factory.name] = outcome
        self._emit(StepFinished(factory.name, outcome.passed))

    def _run_step(self, factory: StepFactory) -> _Gen:
        missing = [n for n in factory.needs if n not in self._done]
        if missing:
            absent = all(n in self._absent or n in self._not_listed for n in missing)
            self._finish_step(factory, StepOutcome(None, factory.not_offered if absent else factory.not_run,
                                                   f"{', '.join(missing)} not on this chip or not read"))
            return
        try:
            step: ChipStep | None = factory(self._context())
        except (ChipError, LDSError, CryptoError) as exc:
            self._finish_step(factory, StepOutcome(None, factory.not_run, str(exc)[:120]))
            return
        if step is None:
            self._finish_step(factory, StepOutcome(None, factory.not_offered, "not offered by this chip"))
            return
        try:
            command = step.start()
            while True:
                out = step.feed((yield from self._secure(command)).response)
                if isinstance(out, CommandAPDU):
                    command = out
                    continue
                outcome = out
                break
        except (UntrustedSessionError, _LinkLost):
            raise
        except (ChipError, LDSError, CryptoError) as exc:
            outcome = StepOutcome(None, factory.not_run, str(exc)[:120])
        if outcome.session is not None and isinstance(step, RekeyingStep):
            self._steps[factory.name] = outcome
            self._session = outcome.session
            self._epoch += 1
            if factory not in self._rekeying:
                self._rekeying.append(factory)
            self._unconfirmed = (factory, step)  # settled by the next protected exchange
            return
        self._finish_step(factory, outcome)

    def _settle(self, proved: bool, detail: str = "") -> None:
        assert self._unconfirmed is not None
        factory, step = self._unconfirmed
        self._unconfirmed = None
        assert isinstance(step, RekeyingStep)
        outcome = step.settle(proved, detail)
        if not proved and factory in self._rekeying:
            self._rekeying.remove(factory)
        self._finish_step(factory, outcome)


def _sw(sw: int) -> str:
    return f"{sw:04X} ({status_message(sw)})"


__all__ = ["CardAccessState", "ChipReader", "Output"]
