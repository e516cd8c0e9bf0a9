"""Hostile trust files (issue 10): the loaders leaked IndexError/OverflowError, and one bad file in
`--trust DIR` stopped `gateway serve` with a traceback. Now each bad file is named in the load report
with a one-line reason while the rest is served — or, with `strict`, start-up is refused with an
error that names the file."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from gateway.pki import TrustStore, TrustStoreError, load_certificate, load_crl, parse_master_list
from gateway.pki.masterlist import MasterListError
from gateway.service.config import ConfigError, load_config
from gateway.verdict import Status
from gateway.verify.verdict_builder import verify_document
from simulators.chip import der_edit
from tests.verify_support import document, evidence_from_files, trust_folder

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
RSA = "1.2.840.113549.1.1.1"


def genuine(name: str) -> bytes:
    return (trust_folder() / name).read_bytes()


def with_empty_signature(der: bytes) -> bytes:
    """Certificate or CRL: its outer signature BIT STRING emptied (asn1crypto: IndexError)."""
    return der_edit.edit(der, lambda root: root.children[2].replace(b"\x03\x00"))


def with_negative_rsa_exponent(der: bytes) -> bytes:
    def change(root: der_edit.Node) -> None:
        spki = next(s.parent for s in der_edit.sequences_led_by(root, RSA)
                    if s.parent is not None and (s.parent.children or [None, None])[1].tag == b"\x03")
        spki.children[1].children[0].children[1].replace(b"\x02\x01\xfd")

    return der_edit.edit(der, change)


def rsa_certificate() -> bytes:
    """The RSA document signer certificate inside the RSASSA-PSS profile's EF.SOD."""
    root = der_edit.parse(document("td3-rsa-pss").app_files[0x011D])
    return next(n.encode() for n in root.walk() if n.tag == b"\x30" and len(n.children or []) == 3
                and n.children[0].tag == b"\x30" and n.children[2].tag == b"\x03")


def test_loaders_no_longer_leak_index_or_overflow_errors():
    cert = load_certificate(with_empty_signature(genuine("csca-UTO.der")))
    assert cert.signature == b"" and any("signature value" in p for p in cert.problems)
    crl = load_crl(with_empty_signature(genuine("crl-UTO.der")))
    assert crl.signature == b""
    negative = load_certificate(with_negative_rsa_exponent(rsa_certificate()))
    assert negative.public_key is None and "exponent" in (negative.key_problem or "")
    with pytest.raises(MasterListError):
        parse_master_list(genuine("masterlist.ml")[:700])


@pytest.fixture
def hostile_folder(tmp_path):
    folder = tmp_path / "trust"
    shutil.copytree(trust_folder(), folder)
    (folder / "garbage.der").write_bytes(bytes(range(256)) * 4)
    (folder / "deep.der").write_bytes(b"\x30\x82\x9c\x40" + b"\x30\x80" * 10_000)
    (folder / "broken.pem").write_bytes(b"-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n")
    (folder / "truncated.ml").write_bytes(genuine("masterlist.ml")[:900])
    (folder / "empty-signature.crl").write_bytes(with_empty_signature(genuine("crl-D.der")))
    return folder


def test_one_bad_file_is_reported_and_the_rest_is_served(hostile_folder):
    store = TrustStore.from_paths([hostile_folder])
    refused = {s.source.rsplit("/", 1)[-1]: s.error for s in store.report.refused}
    assert set(refused) == {"garbage.der", "deep.der", "broken.pem", "truncated.ml"}
    assert refused["garbage.der"] == "not a master list, certificate or CRL"
    assert refused["broken.pem"] == "PEM block CERTIFICATE is not valid base64"
    assert all(reason and "\n" not in reason and len(reason) < 120 for reason in refused.values())
    assert len(store) == len(TrustStore.from_paths([trust_folder()]))  # every good CSCA is served
    summary = store.summary(NOW)
    assert any(s["error"] for s in summary["sources"])
    verdict = verify_document(evidence_from_files(document("td3-bac")), store, now=NOW)
    assert verdict.status is Status.GENUINE


def test_strict_loading_refuses_naming_the_file(hostile_folder):
    with pytest.raises(TrustStoreError, match=r"trust file .*/broken\.pem refused: PEM block CERTIFICATE is not valid "
                                              r"base64 \(and 3 more file\(s\) refused\)"):
        TrustStore.from_paths([hostile_folder], strict=True)
    assert len(TrustStore.from_paths([trust_folder()], strict=True)) > 0


def test_a_missing_trust_path_is_an_error_in_strict_mode(tmp_path):
    with pytest.raises(TrustStoreError, match="no such file or folder"):
        TrustStore.from_paths([tmp_path / "absent"], strict=True)


def test_trust_strict_config_switch(tmp_path):
    config = tmp_path / "gateway.toml"
    config.write_text('[trust]\npath = "trust"\nstrict = true\n')
    loaded = load_config(config)
    assert loaded.trust_strict is True and loaded.trust_path == tmp_path / "trust"
    config.write_text('[trust]\nstrict = "yes"\n')
    with pytest.raises(ConfigError, match=r"trust\.strict must be true or false"):
        load_config(config)
    assert load_config(None).trust_strict is False
