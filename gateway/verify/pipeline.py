"""The one read-and-verify recipe: the printed MRZ, the chip, the checks, the verdict.

    result = read_and_verify(transport, MRZKey.from_mrz(text), trust_store, printed_mrz=text)
    result.verdict.status                     # GENUINE / NOT_GENUINE / INCONCLUSIVE

Every way into the gateway — `gateway chip read`, the daemon's Verify, the benchmarks, the tests —
calls this function, as pyca/cryptography's Fernet is the one safe recipe over its hazmat layer.
The layers below it are the hazmat: `gateway.nfc` (reading the chip), `gateway.pki` (the trust
store), `gateway.verify.passive` and `verdict_builder` (the checks).

The order of the steps, and why:

1. **The printed MRZ**, when given (typed, from a line reader, or from a page image): parsed and
   corrected by its check digits first, so the desk sees a misread at once, and so the chip's
   access key can come from it.
2. **EF.CardAccess, then PACE, else BAC** (`gateway.nfc.reading`): EU ID cards issued since 2021
   refuse BAC; PACE is the stronger protocol wherever it is offered.
3. **EF.COM, DG1, DG14 and DG15**: the small files, and those the authentication steps need.
4. **Chip authentication before active authentication.** CA replaces the session keys by keys only
   the chip holding DG14's private key can derive; everything read after it — the INTERNAL
   AUTHENTICATE of AA and the large files — is bound to that chip, and a clone fails at the next
   MAC. AA after CA still proves DG15's key, now over a channel the genuine chip controls (Doc 9303
   Part 11 §6 recommends CA where both are offered; a chip offering only AA gets AA).
5. **The large files (DG2) and EF.SOD last.**
6. **Passive authentication and the document checks**, then the verdict, which `gateway.verdict`
   derives from the checks: a required check not performed never gives GENUINE.
7. **The optical checks** (`gateway.verify.optical`), when page images were given (`page=`, a
   `PageCapture` of white, IR and UV pictures of one scan): MRZ visible under IR, paper dull under
   UV with its fluorescent print, printed photo like the chip's face, image quality. Not required —
   a document read without page images can still be GENUINE through its chip — but a decisive one
   FAILED makes the document NOT_GENUINE whatever the chip says.

The transport may be a local PC/SC reader or a handheld relaying APDUs over a slow link: only
`gateway.transport.CardTransport` is assumed. The caller's deadline bounds the whole chip read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from gateway import limits
from gateway.mrz import MRZResult, check
from gateway.nfc.access_key import AccessKey, AccessKeyError, CANKey, MRZKey
from gateway.nfc.lds import LDSError, decode_image, parse_dg2
from gateway.nfc.lds.files import lookup
from gateway.nfc.protocol.active_authentication import ActiveAuthenticationStep
from gateway.nfc.protocol.chip_authentication import ChipAuthenticationStep
from gateway.nfc.randomness import SYSTEM_RANDOM, RandomSource
from gateway.nfc.reading import (
    DEFAULT_FILES,
    AccessDeniedError,
    ChipMisbehavesError,
    ChipReader,
    ChipReadResult,
    ReadOptions,
    UntrustedSessionError,
    quirks,
)
from gateway.nfc.reading import events as read_events
from gateway.nfc.reading.result import Protocol_
from gateway.pki.store import TrustStore
from gateway.transport import CardTransport
from gateway.verdict import Verdict

from . import events
from .chip_session import drive
from .optical import PageCapture, optical_checks
from .reasons import not_performed
from .result import (
    AccessInfo,
    FaceImage,
    FileRead,
    OpticalMeasures,
    PageReading,
    QualityWarning,
    ReadingStats,
    VerifyResult,
)
from .verdict_builder import ChipEvidence, build_verdict

__all__ = ["PageCapture", "PageUnreadableError", "VerifyOptions", "read_and_verify"]


class PageUnreadableError(ValueError):
    """The page image gives no printed MRZ to go on: no MRZ found, several, or a quality reject (blur,
    glare over the MRZ, too low a resolution, the MRZ cut off). `warnings` say why, for the desk's
    "bitte neu scannen"; the message is one line without personal data."""

    def __init__(self, message: str, page: PageReading) -> None:
        super().__init__(message)
        self.page = page


@dataclass(frozen=True)
class VerifyOptions:
    """How to verify. The defaults are the pessimistic ones: every check runs."""

    checks: frozenset[str] | None = None  # None: every check; others are reported NOT_REQUESTED
    files: tuple[str, ...] = ()  # files to read beyond DEFAULT_FILES (e.g. "DG11", "DG12")
    protocol: Protocol_ = "auto"
    want_face_image: bool = False  # return DG2's image bytes (it is read and checked either way)
    want_portrait: bool = False  # with a page image: return its portrait, cropped (JPEG)
    today: dt.date | None = None  # reference date for expiry and MRZ centuries; None: today (UTC)
    now: dt.datetime | None = None  # the time certificates and CRLs are judged at; None: now
    wait_for_card_s: float = 0.0  # how long a pulled card may take to come back
    deadline_s: float | None = limits.DEFAULT_READ_DEADLINE_S  # bound on the whole chip read
    # How to talk to the chip (the defaults suit every chip; these exist for odd readers and replays).
    extended_length: bool = True
    sfi: bool = True
    header_first: bool = False
    pace_parameter_id: str = "when-ambiguous"
    random: RandomSource = SYSTEM_RANDOM
    clock: Callable[[], float] = time.perf_counter

    def wants(self, check_name: str) -> bool:
        return self.checks is None or check_name in self.checks


DEFAULT_OPTIONS = VerifyOptions()


def _printed(mrz: str | Sequence[str] | MRZResult | None, today: dt.date) -> MRZResult | None:
    """The printed MRZ as one checked, check-digit-corrected reading. Raises MRZError for text that
    is not an MRZ (the caller's input error)."""
    if mrz is None or isinstance(mrz, MRZResult):
        return mrz
    return check(mrz, today=today)


def access_key_from_printed(printed: MRZResult | None) -> MRZKey | None:
    """The BAC/PACE key from a printed MRZ reading (after its check-digit corrections)."""
    if printed is None:
        return None
    try:
        return MRZKey.from_mrz("\n".join(printed.lines))
    except AccessKeyError:
        return None


def read_and_verify(
    transport: CardTransport | None,
    access: AccessKey | None,
    trust: TrustStore | None,
    options: VerifyOptions = DEFAULT_OPTIONS,
    *,
    printed_mrz: str | Sequence[str] | MRZResult | None = None,
    page_image: bytes | Any = None,
    page: PageCapture | None = None,
    on_event: events.VerifyEventCallback | None = None,
) -> VerifyResult:
    """Verify one document. The printed MRZ comes as text or a reading (`printed_mrz`: typed, from a
    line reader) or is read off the page's white picture (`page`, a `PageCapture` of white, IR and
    UV pictures, or `page_image`: the white one alone; file bytes or arrays; `gateway.mrz.image`);
    the page pictures also feed the optical checks.
    `transport` None: no chip (an MRZ-only check, at best INCONCLUSIVE). `access` None: the key comes
    from the printed MRZ. Raises AccessKeyError when the chip is to be read but no key can be had,
    MRZError for printed text that is not an MRZ, ImageError for a file that is not a readable image,
    PageUnreadableError for a page to scan again, and the chip reader's errors that leave nothing to
    judge (access refused, card lost, deadline passed)."""
    started = time.monotonic()
    now = options.now or dt.datetime.now(dt.UTC)
    today = options.today or now.date()
    result = VerifyResult(printed_mrz=_printed(printed_mrz, today))
    if page_image is not None:
        if page is not None:
            raise ValueError("give the page as `page` or as `page_image`, not both")
        page = PageCapture(white=page_image)
    scan: _Scan | None = None
    if page is not None and page.white is not None:
        if printed_mrz is not None:
            raise ValueError("give the printed MRZ as text or as a page image, not both")
        scan = _read_page(page, today, options, result)
        result.printed_mrz = scan.mrz
    evidence: ChipEvidence | None = None
    if transport is not None:
        key = access or access_key_from_printed(result.printed_mrz)
        if key is None:
            raise AccessKeyError("no chip access key: give the CAN, the MRZ data, or a readable printed MRZ")
        try:
            evidence = _read_chip(transport, key, options, result, on_event)
        except AccessDeniedError as exc:
            if access is not None or scan is None:
                raise
            # The key came from the page. With its check digits right, the likeliest cause is a printed
            # MRZ that is not the chip's (a forged page); with them wrong, a misread.
            why = ("which then does not match the chip (a forged page?) or was misread"
                   if result.printed_mrz is not None and result.printed_mrz.valid
                   else "whose check digits fail (misread: scan the page again)")
            raise AccessDeniedError(f"{exc}; the key came from the printed MRZ on the page, {why}") from None
    optical = None
    if scan is not None:
        scan = _resolve_later(scan, result)
        t0 = time.monotonic()
        optical, result.optical = _optical(scan, evidence)
        result.timings.phases["optical"] = time.monotonic() - t0
    t0 = time.monotonic()
    report = build_verdict(result.printed_mrz, evidence, trust, now=now, today=today, optical=optical)
    result.chip_mrz = report.chip_mrz
    result.details = report.details
    result.verdict = _restrict(report.verdict, options.checks)
    result.timings.phases["checks"] = time.monotonic() - t0
    if on_event is not None:
        for c in result.verdict.checks:
            on_event(events.CheckCompleted(c))
    result.timings.total_s = time.monotonic() - started
    return result


@dataclass
class _Scan:
    """The page as read: the MRZ, and the decoded pictures the optical checks look at."""

    mrz: MRZResult
    white: Any
    ir: Any
    uv: Any
    quad: Any
    portrait: Any
    warnings: list[Any]


def _decode_light(image: Any, light: str) -> Any:
    """One page picture as a BGR (or gray) array, through the same safe decoder as the MRZ reader
    (header checked against the pixel budget before decoding). The error names the light."""
    from gateway.mrz.image import DEFAULT_MAX_PIXELS, ImageError
    from gateway.mrz.image.decode import as_array, decode

    try:
        if isinstance(image, bytes | bytearray | memoryview):
            return decode(bytes(image), colour=True, max_pixels=DEFAULT_MAX_PIXELS)
        if hasattr(image, "shape"):
            return as_array(image, max_pixels=DEFAULT_MAX_PIXELS)
    except ImageError as exc:
        raise ImageError(exc.code, f"the {light} page image: {exc}") from None
    raise ImageError("not_an_image", f"the {light} page image must be file bytes or a numpy array")


def _read_page(page: PageCapture, today: dt.date, options: VerifyOptions, result: VerifyResult) -> _Scan:
    from gateway.mrz.image import read_mrz_image

    t0 = time.perf_counter()
    white = _decode_light(page.white, "white")
    ir = _decode_light(page.ir, "IR") if page.ir is not None and not _later(page.ir) else page.ir
    uv = _decode_light(page.uv, "UV") if page.uv is not None and not _later(page.uv) else page.uv
    decoded_s = time.perf_counter() - t0
    read = read_mrz_image(white, today=today, portrait=True)
    read.timings["decode"] = read.timings.get("decode", 0.0) + decoded_s
    box = tuple(float(v) for v in read.mrz_quad.reshape(-1)) if read.mrz_quad is not None else ()
    result.page = PageReading(
        status=read.status, rotation=read.rotation or 0, skew_degrees=float(read.skew or 0.0),
        effective_dpi=float(read.effective_dpi or 0.0), engine=read.engine or "",
        warnings=[QualityWarning(w.code, w.severity, w.message, w.message_de) for w in read.warnings],
        mrz_box=box, timings=dict(read.timings))
    result.timings.phases["page"] = read.timings.get("total", 0.0) + decoded_s
    if read.rescan or read.mrz is None:
        why = next((w.message for w in read.warnings if w.severity == "reject"), None) or {
            "not_found": "no MRZ was found on the page", "multiple": "the page shows more than one MRZ"}.get(
            read.status, "the MRZ cannot be read")
        raise PageUnreadableError(f"scan the page again: {why}", result.page)
    portrait = read.portrait.image if read.portrait is not None else None
    if options.want_portrait and portrait is not None:
        result.portrait = read.portrait.encode(".jpg")
    return _Scan(read.mrz, white, ir, uv, read.mrz_quad, portrait, list(read.warnings))


def _later(image: Any) -> bool:
    """A light still being scanned: a `concurrent.futures.Future` of its picture. A desk reader scans
    IR and UV while the chip is read (the MRZ, and so the chip's key, comes from the white image)."""
    return isinstance(image, Future)


def _resolve_later(scan: _Scan, result: VerifyResult) -> _Scan:
    """Wait for the lights still being scanned (bounded) and decode them."""
    if not (_later(scan.ir) or _later(scan.uv)):
        return scan
    t0 = time.monotonic()
    ir, uv = (_decode_light(v.result(timeout=limits.LATER_LIGHT_WAIT_S), name) if _later(v) else v
              for v, name in ((scan.ir, "IR"), (scan.uv, "UV")))
    result.timings.phases["capture_wait"] = time.monotonic() - t0
    return dataclasses.replace(scan, ir=ir, uv=uv)


def _optical(scan: _Scan, evidence: ChipEvidence | None) -> tuple[list[Any], OpticalMeasures]:
    face = _chip_face_pixels(evidence) if evidence is not None else None
    return optical_checks(fmt=scan.mrz.format, white=scan.white, quad=scan.quad, ir=scan.ir, uv=scan.uv,
                          page_portrait=scan.portrait, chip_face=face, chip_read=evidence is not None,
                          warnings=scan.warnings)


def _chip_face_pixels(evidence: ChipEvidence) -> Any:
    """DG2's face as pixels (its claimed size checked before decoding), or None."""
    raw = evidence.data_groups.get(2)
    if raw is None:
        return None
    import cv2
    import numpy as np

    from gateway.nfc.lds.image import check_face_image

    try:
        image = parse_dg2(bytes(raw)).face.image
        check_face_image(image)
        pixels = cv2.imdecode(np.frombuffer(image, np.uint8), cv2.IMREAD_COLOR)
    except (LDSError, cv2.error):
        return None
    return pixels if pixels is not None and pixels.size else None


def _restrict(verdict: Verdict, wanted: frozenset[str] | None) -> Verdict:
    if wanted is None:
        return verdict
    return Verdict([c if c.name in wanted else not_performed(c.name, "NOT_REQUESTED") for c in verdict.checks])


# --- the chip -----------------------------------------------------------------------------------------


class _EventBridge:
    """Reader events -> verification events. Files the chip does not have (FileStarted, then
    FileSkipped) produce no progress; each file read reports its blocks and ends at 100 %."""

    def __init__(self, on_event: events.VerifyEventCallback | None, password: str) -> None:
        self.on_event = on_event
        self.password = password

    def __call__(self, event: read_events.ReadEvent) -> None:
        if self.on_event is None:
            return
        if isinstance(event, read_events.AccessEstablished):
            self.on_event(events.AccessEstablished(AccessInfo(event.protocol, event.algorithm or "", self.password)))
        elif isinstance(event, read_events.FileProgress):
            if event.total and event.done < event.total:
                self.on_event(events.FileProgress(event.name, event.done, event.total))
        elif isinstance(event, read_events.FileFinished):
            self.on_event(events.FileProgress(event.name, event.size, event.size))
        elif isinstance(event, read_events.CardLost):
            self.on_event(events.DocumentLost(event.reason, event.file or ""))


def _read_chip(transport: CardTransport, key: AccessKey, options: VerifyOptions, result: VerifyResult,
               on_event: events.VerifyEventCallback | None) -> ChipEvidence:
    if on_event is not None:
        on_event(events.DocumentDetected(bytes(getattr(transport, "atr", b"") or b"")))
    steps = []
    if options.wants("chip_authentication"):
        steps.append(ChipAuthenticationStep.factory())
    if options.wants("active_authentication"):
        steps.append(ActiveAuthenticationStep.factory())
    read_options = ReadOptions(
        files=tuple(dict.fromkeys(DEFAULT_FILES + tuple(options.files))),
        protocol=options.protocol,
        extended_length=options.extended_length,
        sfi=options.sfi,
        header_first=options.header_first,
        pace_parameter_id="always" if options.pace_parameter_id == "always" else "when-ambiguous",
        steps=tuple(steps),
    )
    reader = ChipReader(key, read_options, clock=options.clock, random=options.random)
    deadline = None if options.deadline_s is None else time.monotonic() + options.deadline_s
    bridge = _EventBridge(on_event, "CAN" if isinstance(key, CANKey) else "MRZ")
    try:
        read = drive(reader, transport, on_event=bridge, wait_for_card_s=options.wait_for_card_s,
                     deadline=deadline)
    except UntrustedSessionError:
        # Nothing read in a session with a forged-looking MAC is trusted: the verdict says why.
        _fill_stats(result, reader)
        result.warnings.append("secure messaging failed; nothing read was kept")
        return ChipEvidence.broken()
    except ChipMisbehavesError as exc:
        _fill_stats(result, reader)
        result.warnings.append(str(exc))
        return ChipEvidence.broken(misbehaved=exc.budget)
    _fill_read(result, read, options.want_face_image)
    return ChipEvidence.from_read(read)


def _fill_stats(result: VerifyResult, reader: ChipReader) -> None:
    stats = reader.stats
    result.apdus = stats.apdus
    result.reading = ReadingStats(stats.bytes_sent, stats.bytes_received, stats.block_size,
                                  stats.extended_length, stats.sfi, stats.refusals, stats.recoveries)
    result.timings.phases.update(stats.timings)


def _fill_read(result: VerifyResult, read: ChipReadResult, want_face: bool) -> None:
    """One place turns what the reader read into the result: access, files, statistics, quirks, face."""
    a = read.access
    result.access = AccessInfo(a.protocol, a.algorithm or "", a.password, a.parameter_name or "",
                               a.parameter_id or 0)
    for name, data in read.files.items():
        result.files.append(FileRead(name, lookup(name).fid, len(data)))
    result.absent, result.denied = list(read.absent), list(read.denied)
    result.warnings.extend(read.warnings)
    stats = read.stats
    result.apdus = stats.apdus
    result.reading = ReadingStats(stats.bytes_sent, stats.bytes_received, stats.block_size,
                                  stats.extended_length, stats.sfi, stats.refusals, stats.recoveries)
    result.timings.phases.update(stats.timings)
    codes = set(read.quirks)
    if "DG2" in read.files:
        result.face_image = _face(read.files["DG2"], want_face, result.warnings, codes)
    result.quirks = quirks.describe(codes)


def _face(dg2: bytes, want_face: bool, warnings: list[str], codes: set[str]) -> FaceImage | None:
    try:
        parsed = parse_dg2(dg2)
    except LDSError as exc:
        warnings.append(f"DG2 cannot be parsed ({exc})")
        return None
    if parsed.template_unwrapped:
        codes.add(quirks.DG2_TEMPLATE_NOT_WRAPPED)
    image = parsed.face
    width, height = image.width or 0, image.height or 0
    try:
        decoded = decode_image(image.image)
        width, height = decoded.width, decoded.height
    except LDSError as exc:
        warnings.append(f"the face image cannot be decoded ({exc})")
    return FaceImage(image.format or "", width, height, image.image if want_face else b"", len(image.image))

