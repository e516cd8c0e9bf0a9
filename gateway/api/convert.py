"""Mapping between the service layer's types and the `gateway.v1` messages (both directions).

Both directions exist so the client SDK hands callers the same Python objects (`VerifyResult`,
`Verdict`, `MRZResult`) the daemon computed, and `gateway verify --json` prints exactly the JSON of
`gateway chip read --json` plus the verdict.
"""

from __future__ import annotations

import datetime as dt
import functools

from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from gateway.mrz import Correction, Issue, MRZResult
from gateway.mrz.result import FIELD_NAMES
from gateway.service import model
from gateway.service.devices import DeviceEvent, DeviceSnapshot
from gateway.service.validation import RawVerifyRequest
from gateway.verdict import Check, CheckStatus, Status, Verdict

from . import report_convert
from .protos import devices_pb2 as dpb
from .protos import mrz_pb2 as mpb
from .protos import verdict_pb2 as vpb
from .protos import verification_pb2 as pb

# --- verdict ------------------------------------------------------------------------------------------

_VERDICT = {Status.GENUINE: vpb.VERDICT_STATUS_GENUINE, Status.NOT_GENUINE: vpb.VERDICT_STATUS_NOT_GENUINE,
            Status.INCONCLUSIVE: vpb.VERDICT_STATUS_INCONCLUSIVE}
_VERDICT_BACK = {v: k for k, v in _VERDICT.items()}
_CHECK = {CheckStatus.PASSED: vpb.CHECK_STATUS_PASSED, CheckStatus.FAILED: vpb.CHECK_STATUS_FAILED,
          CheckStatus.NOT_PERFORMED: vpb.CHECK_STATUS_NOT_PERFORMED}
_CHECK_BACK = {v: k for k, v in _CHECK.items()}


@functools.lru_cache(maxsize=4096)  # a Check is immutable and hashable; most verdicts repeat the same ones
def check_to_pb(c: Check) -> vpb.Check:
    return vpb.Check(name=c.name, status=_CHECK[c.status], reason=c.reason,
                     message=vpb.LocalizedMessage(en=c.message_en, de=c.message_de), decisive=c.decisive)


def check_from_pb(m: vpb.Check) -> Check:
    return Check(name=m.name, status=_CHECK_BACK.get(m.status, CheckStatus.NOT_PERFORMED), reason=m.reason,
                 message_en=m.message.en, message_de=m.message.de, decisive=m.decisive)


def verdict_to_pb(v: Verdict) -> vpb.Verdict:
    return vpb.Verdict(status=_VERDICT[v.status], checks=[check_to_pb(c) for c in v.checks])


def verdict_from_pb(m: vpb.Verdict) -> tuple[Verdict, Status | None]:
    """The verdict rebuilt from its checks, and the status the server sent (they must agree)."""
    verdict = Verdict()
    for c in m.checks:
        verdict.add(check_from_pb(c))
    return verdict, _VERDICT_BACK.get(m.status)


# --- MRZ ----------------------------------------------------------------------------------------------


def mrz_to_pb(r: MRZResult) -> mpb.MrzResult:
    fields = mpb.MrzFields(**{k: v for k, v in r.fields.items() if v is not None and k in FIELD_NAMES})
    return mpb.MrzResult(
        format=r.format, valid=r.valid, fields=fields, checks=dict(r.checks),
        corrections=[mpb.MrzCorrection(**{"line": c.line, "position": c.position, "from": c.from_char,
                                          "to": c.to_char, "checked": c.checked}) for c in r.corrections],
        ambiguous=r.ambiguous,
        warnings=[mpb.MrzIssue(code=w.code, message=w.message, field=w.field or "") for w in r.warnings],
        errors=[mpb.MrzIssue(code=e.code, message=e.message, field=e.field or "") for e in r.errors],
        lines=list(r.lines),
    )


def mrz_from_pb(m: mpb.MrzResult) -> MRZResult:
    fields: dict[str, str | None] = {k: (getattr(m.fields, k) if m.fields.HasField(k) else None) for k in FIELD_NAMES}
    return MRZResult(
        format=m.format, lines=tuple(m.lines), fields=fields, checks=dict(m.checks),
        errors=[Issue(i.code, i.message, i.field or None) for i in m.errors],
        warnings=[Issue(i.code, i.message, i.field or None) for i in m.warnings],
        corrections=[Correction(c.line, c.position, getattr(c, "from"), c.to, c.checked) for c in m.corrections],
        ambiguous=m.ambiguous,
    )


# --- verification -------------------------------------------------------------------------------------

_ACCESS = {"BAC": pb.ACCESS_PROTOCOL_BAC, "PACE": pb.ACCESS_PROTOCOL_PACE}
_ACCESS_BACK = {v: k for k, v in _ACCESS.items()}


def _duration(seconds: float) -> Duration:
    d = Duration()
    d.FromNanoseconds(int(seconds * 1e9))
    return d


def _seconds(d: Duration) -> float:
    return d.ToNanoseconds() / 1e9


def request_from_pb(m: pb.VerifyRequest) -> RawVerifyRequest:
    raw = RawVerifyRequest(reader_id=m.reader_id, mrz=m.mrz, checks=list(m.checks),
                           return_face_image=m.return_face_image, reference_date=m.reference_date,
                           use_device_mrz=m.use_device_mrz, page_image=m.page_image,
                           return_portrait=m.return_portrait, page_image_ir=m.page_image_ir,
                           page_image_uv=m.page_image_uv, wait_document=m.wait_document)
    report_convert.request_images(raw, m)  # the check report's images (fields 20-29)
    if m.HasField("chip_access"):
        kind = m.chip_access.WhichOneof("password") or "unset"
        raw.access_kind = kind
        raw.use_printed_mrz = m.chip_access.use_printed_mrz
        raw.access_mrz = m.chip_access.mrz
        raw.access_can = m.chip_access.can
        key = m.chip_access.document_key
        raw.document_key = (key.document_number, key.birth_date, key.expiry_date)
    return raw


def access_to_pb(a: model.AccessInfo) -> pb.AccessInfo:
    return pb.AccessInfo(protocol=_ACCESS.get(a.protocol, pb.ACCESS_PROTOCOL_UNSPECIFIED), algorithm=a.algorithm,
                         password=a.password, parameters=a.parameters, parameter_id=a.parameter_id)


def access_from_pb(m: pb.AccessInfo) -> model.AccessInfo:
    return model.AccessInfo(_ACCESS_BACK.get(m.protocol, ""), m.algorithm, m.password, m.parameters, m.parameter_id)


def _reading_to_pb(r: model.ReadingStats) -> pb.ReadingStats:
    m = pb.ReadingStats(bytes_sent=r.bytes_sent, bytes_received=r.bytes_received, block_size=r.block_size or 0,
                        refusals=r.refusals, recoveries=r.recoveries)
    if r.extended_length is not None:
        m.extended_length = r.extended_length
    if r.sfi is not None:
        m.sfi = r.sfi
    return m


def _reading_from_pb(m: pb.ReadingStats) -> model.ReadingStats:
    return model.ReadingStats(
        m.bytes_sent, m.bytes_received, m.block_size or None,
        m.extended_length if m.HasField("extended_length") else None, m.sfi if m.HasField("sfi") else None,
        m.refusals, m.recoveries)


def result_to_pb(r: model.VerifyResult) -> pb.VerifyResponse:
    m = pb.VerifyResponse(
        operation_id=r.operation_id, reader_id=r.reader_id,
        files=[pb.FileRead(name=f.name, fid=f.fid, size=f.size) for f in r.files],
        apdus=r.apdus,
        timings=pb.Timings(total=_duration(r.timings.total_s),
                           phases={k: _duration(v) for k, v in r.timings.phases.items()}),
        verdict=verdict_to_pb(r.verdict),
        absent_files=r.absent, denied_files=r.denied, warnings=r.warnings,
        quirks=[pb.ChipQuirk(code=q.code, message_en=q.message_en, message_de=q.message_de) for q in r.quirks],
    )
    if r.printed_mrz is not None:
        m.printed_mrz.CopyFrom(mrz_to_pb(r.printed_mrz))
    if r.chip_mrz is not None:
        m.chip_mrz.CopyFrom(mrz_to_pb(r.chip_mrz))
    if r.access is not None:
        m.access.CopyFrom(access_to_pb(r.access))
    if r.reading is not None:
        m.reading.CopyFrom(_reading_to_pb(r.reading))
    if r.face_image is not None:
        f = r.face_image
        m.face_image.CopyFrom(pb.FaceImage(format=f.format, width=f.width, height=f.height,
                                           size=f.size or len(f.data), data=f.data))
    if r.page is not None:
        m.page.CopyFrom(page_to_pb(r.page))
    m.portrait = r.portrait
    if r.optical is not None:
        m.optical.CopyFrom(optical_to_pb(r.optical))
    m.details_json = report_convert.details_to_pb(r.details)
    return m


_FIGURES = ("ir_ratio", "uv_paper", "portrait_distance", "uv_feature_share")


def optical_to_pb(o: model.OpticalMeasures) -> pb.OpticalMeasures:
    figures = {k: v for k in _FIGURES if (v := getattr(o, k)) is not None}
    return pb.OpticalMeasures(lights=list(o.lights), **figures)


def optical_from_pb(m: pb.OpticalMeasures) -> model.OpticalMeasures:
    figures = {k: getattr(m, k) if m.HasField(k) else None for k in _FIGURES}
    return model.OpticalMeasures(tuple(m.lights), **figures)


def page_to_pb(page: model.PageReading) -> pb.PageReading:
    return pb.PageReading(
        status=page.status, rotation=page.rotation, skew_degrees=page.skew_degrees,
        effective_dpi=page.effective_dpi, engine=page.engine, mrz_box=list(page.mrz_box),
        warnings=[pb.QualityWarning(code=w.code, severity=w.severity, message_en=w.message_en,
                                    message_de=w.message_de) for w in page.warnings],
        timings={k: _duration(v) for k, v in page.timings.items()})


def page_from_pb(m: pb.PageReading) -> model.PageReading:
    return model.PageReading(
        status=m.status, rotation=m.rotation, skew_degrees=m.skew_degrees, effective_dpi=m.effective_dpi,
        engine=m.engine, mrz_box=tuple(m.mrz_box),
        warnings=[model.QualityWarning(w.code, w.severity, w.message_en, w.message_de) for w in m.warnings],
        timings={k: _seconds(v) for k, v in m.timings.items()})


def result_from_pb(m: pb.VerifyResponse) -> model.VerifyResult:
    verdict, _ = verdict_from_pb(m.verdict)
    face = None
    if m.HasField("face_image"):
        f = m.face_image
        face = model.FaceImage(f.format, f.width, f.height, f.data, f.size)
    return model.VerifyResult(
        operation_id=m.operation_id, reader_id=m.reader_id,
        printed_mrz=mrz_from_pb(m.printed_mrz) if m.HasField("printed_mrz") else None,
        access=access_from_pb(m.access) if m.HasField("access") else None,
        files=[model.FileRead(f.name, f.fid, f.size) for f in m.files],
        absent=list(m.absent_files), denied=list(m.denied_files),
        chip_mrz=mrz_from_pb(m.chip_mrz) if m.HasField("chip_mrz") else None,
        face_image=face, apdus=m.apdus,
        reading=_reading_from_pb(m.reading) if m.HasField("reading") else None,
        timings=model.Timings(_seconds(m.timings.total), {k: _seconds(v) for k, v in m.timings.phases.items()}),
        warnings=list(m.warnings),
        quirks=[model.Quirk(q.code, q.message_en, q.message_de) for q in m.quirks],
        verdict=verdict,
        page=page_from_pb(m.page) if m.HasField("page") else None,
        portrait=m.portrait,
        optical=optical_from_pb(m.optical) if m.HasField("optical") else None,
        details=report_convert.details_from_pb(m.details_json),
    )


def event_to_pb(event: model.ProgressEvent, sequence: int, elapsed_s: float) -> pb.VerifyStreamResponse:
    m = pb.VerifyStreamResponse(sequence=sequence, elapsed=_duration(elapsed_s))
    if isinstance(event, model.Queued):
        m.queued.CopyFrom(pb.QueuedEvent(position=event.position, reader_id=event.reader_id))
    elif isinstance(event, model.Started):
        m.started.CopyFrom(pb.StartedEvent(reader_id=event.reader_id, operation_id=event.operation_id))
    elif isinstance(event, model.DocumentDetected):
        m.document_detected.CopyFrom(pb.DocumentDetectedEvent(atr=event.atr.hex().upper()))
    elif isinstance(event, model.AccessEstablished):
        m.access_established.CopyFrom(pb.AccessEstablishedEvent(access=access_to_pb(event.access)))
    elif isinstance(event, model.FileProgress):
        m.file_progress.CopyFrom(pb.FileProgressEvent(name=event.name, bytes_read=event.bytes_read,
                                                      total_bytes=event.total_bytes, percent=event.percent))
    elif isinstance(event, model.DocumentLost):
        m.document_lost.CopyFrom(pb.DocumentLostEvent(reason=event.reason, file=event.file))
    elif isinstance(event, model.CheckCompleted):
        m.check_completed.CopyFrom(pb.CheckCompletedEvent(check=check_to_pb(event.check)))
    elif isinstance(event, model.AwaitingMRZ):
        m.awaiting_mrz.CopyFrom(pb.AwaitingMrzEvent(device_id=event.device_id, timeout=_duration(event.timeout_s)))
    elif isinstance(event, model.MRZReceived):
        m.mrz_read.CopyFrom(pb.MrzReadEvent(device_id=event.device_id, printed_mrz=mrz_to_pb(event.result),
                                            framing=event.framing, age=_duration(event.age_s)))
    elif isinstance(event, model.AwaitingDocument):
        m.awaiting_document.CopyFrom(pb.AwaitingDocumentEvent(device_id=event.device_id,
                                                              timeout=_duration(event.timeout_s)))
    elif isinstance(event, model.DocumentPlaced):
        m.document_placed.CopyFrom(pb.DocumentPlacedEvent(device_id=event.device_id))
    elif isinstance(event, model.PagesCaptured):
        m.pages_captured.CopyFrom(pb.PagesCapturedEvent(device_id=event.device_id, lights=list(event.lights),
                                                        duration=_duration(event.seconds)))
    return m


# --- devices ------------------------------------------------------------------------------------------


def _timestamp(when: dt.datetime) -> Timestamp:
    t = Timestamp()
    t.FromDatetime(when)
    return t


def device_to_pb(d: DeviceSnapshot) -> dpb.Device:
    return dpb.Device(
        id=d.id, display_name=d.display_name, kind=dpb.DeviceKind.Value(f"DEVICE_KIND_{d.kind}"),
        capabilities=[dpb.Capability.Value(f"CAPABILITY_{c}") for c in d.capabilities],
        driver=d.driver, simulated=d.simulated, attached=d.attached,
        health=dpb.Health(state=dpb.HealthState.Value(f"HEALTH_STATE_{d.health.state}"), reason=d.health.reason,
                          message=d.health.message, since=_timestamp(d.health.since)),
        document=dpb.DocumentPresence.Value(f"DOCUMENT_PRESENCE_{d.document}"),
        queue_length=d.queue_length, busy=d.busy, vendor=d.vendor, model=d.model, firmware=d.firmware,
        languages=list(d.languages), desk=d.desk,
    )


def device_event_to_pb(e: DeviceEvent) -> dpb.WatchDevicesResponse:
    return dpb.WatchDevicesResponse(kind=dpb.DeviceEventKind.Value(f"DEVICE_EVENT_KIND_{e.kind}"),
                                    device=device_to_pb(e.device), time=_timestamp(e.time))


def event_from_pb(m: pb.VerifyStreamResponse) -> model.ProgressEvent | model.VerifyResult:
    which = m.WhichOneof("event")
    if which == "queued":
        return model.Queued(m.queued.position, m.queued.reader_id)
    if which == "started":
        return model.Started(m.started.reader_id, m.started.operation_id)
    if which == "document_detected":
        return model.DocumentDetected(bytes.fromhex(m.document_detected.atr))
    if which == "access_established":
        return model.AccessEstablished(access_from_pb(m.access_established.access))
    if which == "file_progress":
        f = m.file_progress
        return model.FileProgress(f.name, f.bytes_read, f.total_bytes)
    if which == "document_lost":
        return model.DocumentLost(m.document_lost.reason, m.document_lost.file)
    if which == "check_completed":
        return model.CheckCompleted(check_from_pb(m.check_completed.check))
    if which == "awaiting_mrz":
        return model.AwaitingMRZ(m.awaiting_mrz.device_id, _seconds(m.awaiting_mrz.timeout))
    if which == "mrz_read":
        r = m.mrz_read
        return model.MRZReceived(r.device_id, mrz_from_pb(r.printed_mrz), r.framing, _seconds(r.age))
    if which == "awaiting_document":
        return model.AwaitingDocument(m.awaiting_document.device_id, _seconds(m.awaiting_document.timeout))
    if which == "document_placed":
        return model.DocumentPlaced(m.document_placed.device_id)
    if which == "pages_captured":
        c = m.pages_captured
        return model.PagesCaptured(c.device_id, tuple(c.lights), _seconds(c.duration))
    if which == "result":
        return result_from_pb(m.result)
    raise ValueError(f"unknown stream event {which!r}")


def device_from_pb(m: dpb.Device) -> DeviceSnapshot:
    from gateway.service.devices import Health

    return DeviceSnapshot(
        id=m.id, display_name=m.display_name, kind=dpb.DeviceKind.Name(m.kind).removeprefix("DEVICE_KIND_"),
        capabilities=tuple(dpb.Capability.Name(c).removeprefix("CAPABILITY_") for c in m.capabilities),
        driver=m.driver, simulated=m.simulated, attached=m.attached,
        health=Health(dpb.HealthState.Name(m.health.state).removeprefix("HEALTH_STATE_"), m.health.reason,
                      m.health.message, m.health.since.ToDatetime(dt.UTC)),
        document=dpb.DocumentPresence.Name(m.document).removeprefix("DOCUMENT_PRESENCE_"),
        queue_length=m.queue_length, busy=m.busy, vendor=m.vendor, model=m.model, firmware=m.firmware,
        languages=tuple(m.languages), desk=m.desk,
    )


def device_event_from_pb(m: dpb.WatchDevicesResponse) -> DeviceEvent:
    return DeviceEvent(dpb.DeviceEventKind.Name(m.kind).removeprefix("DEVICE_EVENT_KIND_"),
                       device_from_pb(m.device), m.time.ToDatetime(dt.UTC))
