"""The check report (Prüfprotokoll): record, JSON and PDF from real verifications.

The results come from the one pipeline (`read_and_verify`) over an in-process simulated chip, for a
genuine, a forged and an undecidable document; the API and CLI tests go through a daemon on a real
socket (MRZ-only verifications: no PC/SC here). PDF text is read back with poppler's pdftotext and
pages counted with pdfinfo, as a desk's archive tools would.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import datetime as dt
import hashlib
import json
import re
import subprocess
from pathlib import Path

import jsonschema
import pytest

from gateway.api import convert
from gateway.api.protos import verification_pb2 as pb
from gateway.cli import main
from gateway.client import GatewayClient
from gateway.report import CHECK_GROUPS, build_record, check_info, render_pdf, to_json
from gateway.report.record import group_result
from gateway.verdict import CHECK_NAMES, Check, CheckStatus, Status, Verdict
from gateway.verify import VerifyOptions
from tests.api_support import DaemonThread
from tests.verify_support import NOW, verify_profile

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "docs" / "check-report.schema.json").read_text())
WHEN = dt.datetime(2026, 6, 1, 12, 30, tzinfo=dt.UTC)
# The ICAO specimen's holder data (Doc 9303's invented Anna Maria Eriksson): none of it may leak.
PERSONAL = ("ERIKSSON", "ANNA", "L898902C3", "1974-08-12", "2034-04-15", "ZE184226B")
TD3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
PERSONAL_MRZ_ONLY = ("ERIKSSON", "ANNA", "L898902C3", "1974-08-12", "2012-04-15")

DOCUMENTS = {"td3-bac": Status.GENUINE, "fault-bad-signature": Status.NOT_GENUINE,
             "fault-unknown-csca": Status.INCONCLUSIVE}


@pytest.fixture(scope="module")
def results():
    out = {}
    for profile in DOCUMENTS:
        result = verify_profile(profile, options=VerifyOptions(now=NOW, today=NOW.date(), want_face_image=True))
        result.operation_id = f"op-{profile}"
        out[profile] = result
    return out


def validate(record: dict) -> None:
    jsonschema.Draft202012Validator(SCHEMA).validate(record)


def pdf_text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True, timeout=30).stdout \
        .decode("utf-8")


def pdf_pages(pdf: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True, timeout=30).stdout.decode()
    return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))


# --- the record ------------------------------------------------------------------------------------


@pytest.mark.parametrize("profile", sorted(DOCUMENTS))
def test_overall_result_is_the_verdict_and_groups_agree(results, profile):
    result = results[profile]
    assert result.verdict.status is DOCUMENTS[profile]  # the documents are what the test says
    record = build_record(result, generated_at=WHEN)
    validate(record)
    overall = record["overall"]
    assert overall["result"] == DOCUMENTS[profile].value
    assert [g["group"] for g in record["groups"]] == ["optical", "electronic", "consistency", "validity"]
    checks = {c["name"]: c for g in record["groups"] for c in g["checks"]}
    assert sorted(checks) == sorted(CHECK_NAMES)  # every check once, each in its group in the verdict's order
    order = [c.name for c in result.verdict.checks]
    for g in record["groups"]:
        names = [c["name"] for c in g["checks"]]
        assert names == sorted(names, key=order.index)
    groups = {g["group"]: g for g in record["groups"]}
    if DOCUMENTS[profile] is Status.GENUINE:
        assert overall["decided_by"] == [] and overall["title"]["de"] == "ECHT"
        assert {g["result"] for g in record["groups"]} == {"PASSED"}
    elif DOCUMENTS[profile] is Status.NOT_GENUINE:
        assert overall["decided_by"] == ["sod_signature"] and overall["title"]["de"] == "NICHT ECHT"
        assert groups["electronic"]["result"] == "FAILED" and checks["sod_signature"]["reason"] == "SIGNATURE_INVALID"
        assert groups["consistency"]["result"] == "PASSED"
    else:
        assert overall["decided_by"] == ["certificate_chain"] and overall["title"]["de"] == "NICHT ENTSCHIEDEN"
        assert checks["certificate_chain"]["reason"] == "NO_TRUST_ANCHOR"
        assert groups["electronic"]["result"] == "NOT_PERFORMED"
    assert record["chip"]["read"] and record["chip"]["access"]["protocol"] == "BAC"
    assert record["chip"]["signature_algorithm"] == result.details["signature_algorithm"]
    assert record["chip"]["document_signer"]["fingerprint_sha256"] == \
        result.details["document_signer"]["fingerprint_sha256"]
    assert record["document"] == {"mrz_source": "chip_dg1", "format": "TD3", "document_code": "P",
                                  "issuing_state": "UTO", "printed_mrz_given": True, "printed_mrz_corrections": 0}


def test_group_result_rules():
    def c(result: str, required: bool = False) -> dict:
        return {"result": result, "required": required}

    assert group_result([c("PASSED"), c("NOT_PERFORMED")]) == "PASSED"  # e.g. AA not offered
    assert group_result([c("PASSED"), c("NOT_PERFORMED", required=True)]) == "NOT_PERFORMED"
    assert group_result([c("NOT_PERFORMED")]) == "NOT_PERFORMED"
    assert group_result([c("PASSED"), c("FAILED"), c("NOT_PERFORMED", required=True)]) == "FAILED"


def test_new_checks_find_their_group_and_unknown_ones_the_fallback(results):
    result = copy.copy(results["td3-bac"])
    verdict = Verdict(list(result.verdict.checks))
    verdict.add(Check("mrz_ir_visible", CheckStatus.FAILED, "MRZ_NOT_IR_VISIBLE", "The MRZ vanishes under IR.",
                      "Die MRZ verschwindet im Infrarotlicht."))
    verdict.add(Check("hologram_shift", CheckStatus.PASSED, "HOLOGRAM_OK", "ok", "in Ordnung"))
    result = dataclasses.replace(result, verdict=verdict)
    record = build_record(result, generated_at=WHEN)
    validate(record)
    groups = {g["group"]: g for g in record["groups"]}
    assert record["overall"]["result"] == "NOT_GENUINE" and record["overall"]["decided_by"] == ["mrz_ir_visible"]
    assert groups["optical"]["result"] == "FAILED"
    assert [c["name"] for c in groups["other"]["checks"]] == ["hologram_shift"]
    assert groups["other"]["checks"][0]["title"]["de"] == "hologram shift"
    assert check_info("portrait_matches_chip").group == "consistency"
    assert {check_info(n).group for n in ("uv_dull_paper", "image_quality")} == {"optical"}
    assert set(CHECK_NAMES) <= set(CHECK_GROUPS)  # every check the verdict knows has its place


# --- personal data and images ----------------------------------------------------------------------


@pytest.mark.parametrize("profile", sorted(DOCUMENTS))
def test_no_personal_data_by_default(results, profile):
    result = results[profile]
    assert result.verdict.get("document_expiry").message_de.endswith("(2034-04-15).")  # the date is in the verdict
    record = build_record(result, generated_at=WHEN)
    data = to_json(record).decode("utf-8")
    text = pdf_text(render_pdf(record))
    for value in PERSONAL:
        assert value not in data, value
        assert value not in text, value
    assert "holder" not in record and record["personal_data_included"] is False and record["images"] == []
    assert "Keine personenbezogenen Daten gespeichert" in text


def test_personal_data_when_asked(results):
    record = build_record(results["td3-bac"], include_personal_data=True, generated_at=WHEN)
    validate(record)
    assert record["holder"] == {"source": "chip_dg1", "surname": "ERIKSSON", "given_names": "ANNA MARIA",
                                "document_number": "L898902C3", "nationality": "UTO", "birth_date": "1974-08-12",
                                "sex": "F", "expiry_date": "2034-04-15"}
    expiry = next(c for g in record["groups"] for c in g["checks"] if c["name"] == "document_expiry")
    assert expiry["message"]["de"] == "Das Dokument ist gültig (2034-04-15)."
    text = pdf_text(render_pdf(record))
    for value in ("ERIKSSON", "ANNA MARIA", "L898902C3", "1974-08-12"):
        assert value in text, value
    assert "Keine personenbezogenen Daten" not in text and "personenbezogene Daten" in text


def test_images_only_when_allowed(results):
    result = results["td3-bac"]
    face = result.face_image.data
    assert face and build_record(result, generated_at=WHEN)["images"] == []
    record = build_record(result, images=("chip_face",), page_images={"ir": face}, generated_at=WHEN)
    validate(record)
    kinds = [(i["kind"], i["format"], i["width"], i["height"]) for i in record["images"]]
    assert kinds == [("chip_face", "JPEG", 480, 600), ("page_ir", "JPEG", 480, 600)]
    assert base64.b64decode(record["images"][0]["data_base64"]) == face
    assert record["images"][0]["sha256"] == hashlib.sha256(face).hexdigest()
    with pytest.raises(ValueError, match="unknown image kind 'dg3'"):
        build_record(result, images=("dg3",))


# --- JSON and schema -------------------------------------------------------------------------------


def test_json_is_deterministic_and_sorted(results):
    a = to_json(build_record(results["fault-bad-signature"], generated_at=WHEN))
    b = to_json(build_record(results["fault-bad-signature"], generated_at=WHEN))
    assert a == b and a.endswith(b"\n")
    parsed = json.loads(a)
    assert list(parsed) == sorted(parsed) and parsed["inspection"]["time"] == "2026-06-01T12:30:00Z"
    assert "Prüfziffern".encode() in a  # UTF-8, not \\u escapes


def test_schema_is_valid_and_refuses_what_it_must(results):
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    record = build_record(results["td3-bac"], generated_at=WHEN)
    with_holder = build_record(results["td3-bac"], include_personal_data=True, generated_at=WHEN)
    leaked = dict(record, holder=with_holder["holder"])  # holder data while claiming none
    bad_result = copy.deepcopy(record)
    bad_result["groups"][0]["checks"][0]["result"] = "OK"
    for broken in (leaked, bad_result, {k: v for k, v in record.items() if k != "overall"}):
        with pytest.raises(jsonschema.ValidationError):
            validate(broken)


# --- the PDF ---------------------------------------------------------------------------------------


def test_pdf_is_one_german_page(results):
    pdf = render_pdf(build_record(results["fault-bad-signature"], generated_at=WHEN))
    assert pdf.startswith(b"%PDF-") and pdf_pages(pdf) == 1
    text = pdf_text(pdf)
    for words in ("Prüfprotokoll", "NICHT ECHT", "Signatur des Sicherheitsobjekts", "nicht bestanden",
                  "Die Signatur des Dokumentenunterzeichners ist ungültig.", "Gültigkeit des Dokuments",
                  "01.06.2026", "12:30:00 UTC", "op-fault-bad-signature"):
        assert words in text, words


def test_pdf_stays_one_page_with_every_check_and_images(results):
    result = results["td3-bac"]
    verdict = Verdict(list(result.verdict.checks))
    long = "Ein ausführlicher Befund über mehrere Zeilen, damit die Tabelle wächst und umbricht. " * 3
    for i in range(14):  # the optical checks to come, and more
        verdict.add(Check(f"optical_feature_{i}", CheckStatus.PASSED, "OK", long, long))
    result = dataclasses.replace(result, verdict=verdict, portrait=result.face_image.data)
    face = result.face_image.data
    record = build_record(result, include_personal_data=True, images=("chip_face", "portrait"),
                          page_images={"white": face, "ir": face, "uv": face}, generated_at=WHEN)
    validate(record)
    pdf = render_pdf(record)
    assert pdf_pages(pdf) == 1
    text = pdf_text(pdf)
    assert "Prüfprotokoll" in text and "ECHT" in text and "ERIKSSON" in text
    assert "Seite (UV)" in text and "Chipbild (DG2)" in text


def test_pdf_names_an_image_it_cannot_show(results):
    record = build_record(results["td3-bac"], page_images={"uv": b"\xff\xd8\xff not really a jpeg"},
                          generated_at=WHEN)
    pdf = render_pdf(record)
    assert pdf_pages(pdf) == 1 and "Seite (UV) (nicht darstellbar)" in pdf_text(pdf)


# --- the API and the CLI ---------------------------------------------------------------------------


def test_details_travel_over_the_api_messages(results):
    result = results["td3-bac"]
    back = convert.result_from_pb(convert.result_to_pb(result))
    assert back.details == json.loads(json.dumps(result.details))
    assert build_record(back, generated_at=WHEN)["chip"] == build_record(result, generated_at=WHEN)["chip"]


@pytest.fixture(scope="module")
def daemon():
    with DaemonThread() as d:
        yield d


def test_report_over_grpc(daemon):
    with GatewayClient(daemon.address, timeout=30) as client:
        request = client.build_request(mrz=TD3, reference_date=dt.date(2010, 1, 1))
        plain = client.verification.Verify(request, timeout=30)
        assert plain.report_json == b"" and plain.report_pdf == b""  # no report unless asked
        request.report.CopyFrom(pb.ReportRequest(json=True, pdf=True))
        response = client.verification.Verify(request, timeout=30)
        record = json.loads(response.report_json)
        validate(record)
        assert record["overall"]["result"] == "INCONCLUSIVE" and record["chip"] == {"read": False}
        assert record["inspection"]["operation_id"] == response.operation_id
        assert record["document"]["mrz_source"] == "printed_mrz"
        text = pdf_text(response.report_pdf)
        assert pdf_pages(response.report_pdf) == 1 and "NICHT ENTSCHIEDEN" in text
        for value in PERSONAL_MRZ_ONLY:
            assert value.encode() not in response.report_json and value not in text, value
        request.report.include_personal_data = True
        stream = client.verification.VerifyStream(pb.VerifyStreamRequest(request=request), timeout=30)
        final = [m for m in stream if m.HasField("result")][-1].result
        record = json.loads(final.report_json)
        assert record["holder"]["surname"] == "ERIKSSON" and record["holder"]["source"] == "printed_mrz"
        assert final.report_pdf and "ERIKSSON" in pdf_text(final.report_pdf)


def test_cli_writes_reports_only_when_asked(daemon, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    base = ["verify", "--server", daemon.address, "--mrz-only", "--mrz", TD3, "--today", "2010-01-01"]
    assert main(base) == 3  # INCONCLUSIVE, and nothing written
    assert list(tmp_path.iterdir()) == []
    assert main([*base, "--report-personal-data"]) == 2  # a report flag without a report
    assert "--report-personal-data needs --report-json or --report-pdf" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
    assert main([*base, "--report-json", "r.json", "--report-pdf", "r.pdf"]) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json", "r.pdf"]
    assert (tmp_path / "r.json").stat().st_mode & 0o077 == 0  # owner-only, whatever it holds
    record = json.loads((tmp_path / "r.json").read_bytes())
    validate(record)
    assert record["overall"]["result"] == "INCONCLUSIVE" and "holder" not in record
    pdf = (tmp_path / "r.pdf").read_bytes()
    assert pdf_pages(pdf) == 1
    for value in PERSONAL_MRZ_ONLY:
        assert value not in (tmp_path / "r.json").read_text() and value not in pdf_text(pdf), value
    assert main([*base, "--report-json", "p.json", "--report-personal-data"]) == 3
    assert json.loads((tmp_path / "p.json").read_bytes())["holder"]["document_number"] == "L898902C3"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.json", "r.json", "r.pdf"]
    assert main([*base, "--report-json", "missing-dir/r.json"]) == 2
    assert "cannot write the report to missing-dir/r.json" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.json", "r.json", "r.pdf"]


def test_chip_read_report_flags():
    """`gateway chip read` takes the same flags; --report-images makes the pipeline keep the face bytes
    (a read itself needs PC/SC; `write_reports` is the same call `gateway verify` is tested with above)."""
    from gateway.cli import build_parser
    from gateway.cli.chip_command import _options

    base = ["chip", "read", "--mrz", TD3]
    options = _options(build_parser().parse_args([*base, "--report-pdf", "p.pdf", "--report-images"]))
    assert options.want_face_image is True
    assert _options(build_parser().parse_args([*base, "--report-pdf", "p.pdf"])).want_face_image is False
    with pytest.raises(ValueError, match="--report-images needs --report-json or --report-pdf"):
        _options(build_parser().parse_args([*base, "--report-images"]))


def test_an_expired_genuine_document_fails_validity_only():
    """A non-decisive failure fails its group and leaves the overall result the verdict's: GENUINE."""
    result = verify_profile("td3-bac", options=VerifyOptions(now=NOW, today=dt.date(2040, 1, 1)))
    assert result.verdict.status is Status.GENUINE and result.verdict.get("document_expiry").status is \
        CheckStatus.FAILED
    record = build_record(result, generated_at=WHEN)
    validate(record)
    groups = {g["group"]: g["result"] for g in record["groups"]}
    assert groups == {"optical": "PASSED", "electronic": "PASSED", "consistency": "PASSED", "validity": "FAILED"}
    assert record["overall"] == {"result": "GENUINE", "title": {"de": "ECHT", "en": "GENUINE"}, "decided_by": []}
    text = pdf_text(render_pdf(record))
    assert "Das Dokument ist abgelaufen (…)." in text and "2034-04-15" not in text
