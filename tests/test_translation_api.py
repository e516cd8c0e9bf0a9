"""TranslationService through the daemon over real gRPC, with the simulated device on a real socket:
phrasebook, speech, sheet, device translation, the personal-data guard and a device that falls silent."""

from __future__ import annotations

import io
import time
import wave

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from gateway._proto.v1 import translation_pb2 as pb
from gateway._proto.v1 import translation_pb2_grpc
from gateway.api.protos import devices_pb2, devices_pb2_grpc
from gateway.api.status import parse_error
from gateway.service.config import ServeConfig
from gateway.service.devices import DeviceConfig
from simulators.translator.device import DeviceSettings, SimulatedTranslator
from simulators.translator.serve import TcpDevice
from tests.api_support import DaemonThread


def _device(address: str, device_id: str = "desk-translator", offline: bool = True) -> DeviceConfig:
    return DeviceConfig(id=device_id, kind="TRANSLATION_DEVICE", capabilities=("TRANSLATE_TEXT",), address=address,
                        offline=offline, timeout_s=0.5, display_name="Desk translator")


class Env:
    def __init__(self, *devices: DeviceConfig) -> None:
        self.daemon = DaemonThread(ServeConfig(listen=["127.0.0.1:0"], devices=devices)).start()
        self.channel = grpc.insecure_channel(self.daemon.address)
        self.stub = translation_pb2_grpc.TranslationServiceStub(self.channel)
        self.devices = devices_pb2_grpc.DeviceServiceStub(self.channel)

    def close(self) -> None:
        self.channel.close()
        self.daemon.stop()


@pytest.fixture
def sim():
    device = SimulatedTranslator(DeviceSettings())
    server = TcpDevice(device).start()
    yield device, f"tcp://127.0.0.1:{server.address[1]}", server
    server.close()


@pytest.fixture
def env(sim):
    e = Env(_device(sim[1]), _device("tcp://127.0.0.1:9", "cloud-translator", offline=False))
    yield e
    e.close()


def _fails(call, code: grpc.StatusCode, reason: str) -> tuple[grpc.RpcError, list, dict]:
    with pytest.raises(grpc.RpcError) as info:
        call()
    assert info.value.code() == code, info.value.details()
    got_reason, fields, metadata = parse_error(info.value)
    assert got_reason == reason, (got_reason, info.value.details())
    return info.value, fields, metadata


def test_languages_phrases_and_review_state(env):
    langs = env.stub.ListLanguages(pb.ListLanguagesRequest())
    assert [x.code for x in langs.languages] == ["de", "en", "bg", "ro", "pl", "hu", "tr", "uk", "ar"]
    de, ar = langs.languages[0], langs.languages[-1]
    assert de.source and de.phrases_reviewed == de.phrases_total and de.phrases_machine_drafted == 0
    assert ar.direction == pb.TEXT_DIRECTION_RTL and ar.native_name == "العربية" and ar.speech_available
    assert all(x.phrases_machine_drafted == x.phrases_total for x in langs.languages[1:])
    assert langs.opus_available and langs.catalogue_problems == 0

    listed = env.stub.ListPhrases(pb.ListPhrasesRequest(language="ro", section="housing"))
    assert [p.id for p in listed.phrases][:3] == ["housing.has_home", "housing.kind", "housing.persons"]
    persons = listed.phrases[2]
    assert persons.answer_kind == pb.ANSWER_KIND_NUMBER and persons.number.min == 1
    assert persons.number.unit.text == "persoane"
    assert persons.text.review_state == pb.REVIEW_STATE_MACHINE_DRAFTED and not persons.text.fallback
    assert persons.text.german_text.startswith("Wie viele Personen")
    kind = listed.phrases[1]
    assert [c.id for c in kind.choices][:2] == ["rented_flat", "rented_room"]
    assert {s.id: s.title.text for s in listed.sections}["housing"] == "Locuința și cine locuiește acolo"
    sheet = env.stub.ListPhrases(pb.ListPhrasesRequest(language="bg", domain="infosheet"))
    assert sheet.phrases[0].sheet_kind == "title"


def test_get_phrase_arguments_and_bad_input(env):
    got = env.stub.GetPhrase(pb.GetPhraseRequest(phrase_id="next_steps.appointment", language="uk",
                                                 arguments={"date": "12.03.2026", "time": "10:30"}))
    assert got.phrase.text.text == "Ваш запис до бюро громадян: 12.03.2026 о 10:30."
    assert sorted(got.phrase.placeholders) == ["date", "time"]
    _, fields, _ = _fails(lambda: env.stub.GetPhrase(pb.GetPhraseRequest(phrase_id="next_steps.appointment",
                                                                         language="uk")),
                          grpc.StatusCode.INVALID_ARGUMENT, "PLACEHOLDER_MISMATCH")
    assert fields[0][0] == "arguments"
    _fails(lambda: env.stub.GetPhrase(pb.GetPhraseRequest(phrase_id="no.such", language="bg")),
           grpc.StatusCode.NOT_FOUND, "PHRASE_NOT_FOUND")
    err, fields, _ = _fails(lambda: env.stub.GetPhrase(pb.GetPhraseRequest(phrase_id="start.wait", language="xx")),
                            grpc.StatusCode.INVALID_ARGUMENT, "UNKNOWN_LANGUAGE")
    assert fields[0][0] == "language" and "offered: de, en" in err.details()
    _fails(lambda: env.stub.ListPhrases(pb.ListPhrasesRequest(language="ro", section="nope")),
           grpc.StatusCode.NOT_FOUND, "SECTION_NOT_FOUND")


def test_speak_phrase_wav_and_opus(env):
    wav = env.stub.SpeakPhrase(pb.SpeakPhraseRequest(phrase_id="identity.document_type", language="bg",
                                                     include_choices=True))
    assert wav.format == pb.AUDIO_FORMAT_WAV and wav.mime_type == "audio/wav" and wav.voice == "bg"
    with wave.open(io.BytesIO(wav.audio)) as w:
        seconds = w.getnframes() / w.getframerate()
    assert abs(seconds - wav.duration.ToNanoseconds() / 1e9) < 1e-3 and seconds > 4
    assert "Паспорт." in wav.spoken_text and wav.phrase.text.language == "bg"
    opus = env.stub.SpeakPhrase(pb.SpeakPhraseRequest(phrase_id="identity.document_type", language="bg",
                                                      include_choices=True, format=pb.AUDIO_FORMAT_OPUS))
    assert opus.audio.startswith(b"OggS") and abs(opus.duration.ToNanoseconds() / 1e9 - seconds) < 0.03
    _fails(lambda: env.stub.SpeakPhrase(pb.SpeakPhraseRequest(phrase_id="start.wait", language="de",
                                                              words_per_minute=5)),
           grpc.StatusCode.INVALID_ARGUMENT, "INVALID_REQUEST")


def test_render_info_sheet(env):
    sheet = env.stub.RenderInfoSheet(pb.RenderInfoSheetRequest(language="ar"))
    assert sheet.pdf.startswith(b"%PDF-") and sheet.pages >= 1 and sheet.language == "ar"
    assert sheet.machine_drafted and list(sheet.fallback_phrase_ids) == []


def test_translate_through_an_offline_device(env, sim):
    device = sim[0]
    r = env.stub.Translate(pb.TranslateRequest(text="Wir wohnen zu sechst in zwei Zimmern.", source_language="de",
                                               target_language="bg", device_id="desk-translator"))
    assert r.text == "Живеем шестима в две стаи."
    assert (r.device_id, r.device_offline, r.device_model) == ("desk-translator", True, "Translator Sim T1")
    assert device.received_types["translate"] == 1
    listed = env.devices.DescribeDevice(devices_pb2.DescribeDeviceRequest(device_id="desk-translator")).device
    assert listed.kind == devices_pb2.DEVICE_KIND_TRANSLATION_DEVICE and listed.driver == "translator"
    assert listed.attached and listed.health.state == devices_pb2.HEALTH_STATE_OK and "ar" in listed.languages


def test_a_megabyte_of_free_text_is_refused_before_the_device(env, sim):
    device = sim[0]
    _, fields, metadata = _fails(lambda: env.stub.Translate(pb.TranslateRequest(
        text="x" * (1024 * 1024), source_language="ro", target_language="de", device_id="desk-translator")),
        grpc.StatusCode.INVALID_ARGUMENT, "TEXT_TOO_LONG")
    assert fields[0][0] == "text" and metadata["limit"] == "2000" and metadata["length"] == str(1024 * 1024)
    assert device.received_types["translate"] == 0


def test_personal_data_never_goes_to_a_device_not_marked_offline(env, sim):
    err, _, metadata = _fails(lambda: env.stub.Translate(pb.TranslateRequest(
        text="Ich arbeite auf einer Baustelle.", source_language="de", target_language="ro",
        device_id="cloud-translator")), grpc.StatusCode.FAILED_PRECONDITION, "DEVICE_NOT_OFFLINE")
    assert "offline = true" in err.details() and metadata["device_id"] == "cloud-translator"
    assert "Baustelle" not in err.details()


def test_device_that_reports_cloud_translation_gets_nothing(env, sim):
    device = sim[0]
    device.settings.cloud = True  # its hello now says offline: false
    env.daemon.daemon.translation.devices["desk-translator"].link.close()  # as after the device restarted
    _fails(lambda: env.stub.Translate(pb.TranslateRequest(text="Ich habe keinen Mietvertrag.", source_language="de",
                                                          target_language="tr")),
           grpc.StatusCode.FAILED_PRECONDITION, "DEVICE_NOT_OFFLINE")
    assert device.received_types["translate"] == 0


def test_device_switching_to_cloud_mid_session_is_refused(env, sim):
    device, _, server = sim
    env.stub.Translate(pb.TranslateRequest(text="ja", source_language="de", target_language="pl"))
    device.settings.cloud = True
    server.broadcast(device.status_line())  # announced on the open link, unasked
    time.sleep(0.1)
    _fails(lambda: env.stub.Translate(pb.TranslateRequest(text="nein", source_language="de", target_language="pl")),
           grpc.StatusCode.FAILED_PRECONDITION, "DEVICE_NOT_OFFLINE")
    assert device.received_types["translate"] == 1  # the second text never left the gateway


def test_device_that_translated_online_is_distrusted(env, sim):
    device = sim[0]
    env.stub.Translate(pb.TranslateRequest(text="ja", source_language="de", target_language="hu"))
    device.settings.cloud = True  # answers now say offline: false, though its hello said offline
    _fails(lambda: env.stub.Translate(pb.TranslateRequest(text="danke", source_language="de", target_language="hu")),
           grpc.StatusCode.FAILED_PRECONDITION, "DEVICE_NOT_OFFLINE")
    sent = device.received_types["translate"]
    device.settings.cloud = False
    _fails(lambda: env.stub.Translate(pb.TranslateRequest(text="danke", source_language="de", target_language="hu")),
           grpc.StatusCode.FAILED_PRECONDITION, "DEVICE_NOT_OFFLINE")
    assert device.received_types["translate"] == sent  # nothing more was sent to it


def test_device_that_stops_answering_times_out_and_the_daemon_keeps_serving(env, sim):
    device = sim[0]
    device.settings.fault = "mute"
    started = time.monotonic()
    _, _, metadata = _fails(lambda: env.stub.Translate(pb.TranslateRequest(
        text="Wo ist das Bürgerbüro?", source_language="de", target_language="ar")),
        grpc.StatusCode.UNAVAILABLE, "DEVICE_TIMEOUT")
    assert metadata["timeout_ms"] == "500" and time.monotonic() - started < 3
    health = health_pb2_grpc.HealthStub(env.channel).Check(health_pb2.HealthCheckRequest(
        service="gateway.v1.TranslationService"))
    assert health.status == health_pb2.HealthCheckResponse.SERVING
    assert env.stub.GetPhrase(pb.GetPhraseRequest(phrase_id="start.wait", language="ar")).phrase.text.text
    time.sleep(0.05)
    d = env.devices.DescribeDevice(devices_pb2.DescribeDeviceRequest(device_id="desk-translator")).device
    assert d.health.state == devices_pb2.HEALTH_STATE_UNAVAILABLE and d.health.reason == "DEVICE_NOT_RESPONDING"
    device.settings.fault = "none"
    r = env.stub.Translate(pb.TranslateRequest(text="Wo ist das Bürgerbüro?", source_language="de",
                                               target_language="ar"))
    assert r.text == "أين مكتب المواطنين؟"
    time.sleep(0.05)
    d = env.devices.DescribeDevice(devices_pb2.DescribeDeviceRequest(device_id="desk-translator")).device
    assert d.attached and d.health.state == devices_pb2.HEALTH_STATE_OK


def test_busy_and_unknown_language(env, sim):
    device = sim[0]
    device.settings.fault = "busy"
    _, _, metadata = _fails(lambda: env.stub.Translate(pb.TranslateRequest(text="ja", source_language="de",
                                                                           target_language="ro")),
                            grpc.StatusCode.UNAVAILABLE, "DEVICE_BUSY")
    assert metadata["retry_after_ms"] == "500"
    device.settings.fault = "none"
    device.settings.languages = ("de", "en")
    env.daemon.daemon.translation.devices["desk-translator"].link.close()  # re-greet: new language list
    _fails(lambda: env.stub.Translate(pb.TranslateRequest(text="ja", source_language="de", target_language="ro")),
           grpc.StatusCode.FAILED_PRECONDITION, "LANGUAGE_NOT_ON_DEVICE")
    _fails(lambda: env.stub.Translate(pb.TranslateRequest(text="ja", source_language="de", target_language="zz")),
           grpc.StatusCode.INVALID_ARGUMENT, "UNKNOWN_LANGUAGE")
    _fails(lambda: env.stub.Translate(pb.TranslateRequest(text="ja", source_language="de", target_language="ro",
                                                          device_id="nope")),
           grpc.StatusCode.NOT_FOUND, "DEVICE_NOT_FOUND")


def test_no_device_configured():
    e = Env()
    try:
        _fails(lambda: e.stub.Translate(pb.TranslateRequest(text="ja", source_language="de", target_language="ro")),
               grpc.StatusCode.FAILED_PRECONDITION, "NO_TRANSLATION_DEVICE")
        stub = reflection_pb2_grpc.ServerReflectionStub(e.channel)
        answer = next(stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")])))
        names = {s.name for s in answer.list_services_response.service}
        assert "gateway.v1.TranslationService" in names
    finally:
        e.close()
