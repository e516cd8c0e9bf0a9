"""The daemon's listeners and lifecycle over real sockets: the Unix socket and its file mode, TLS with
a bearer token, mutual TLS, and `gateway serve` as a process (ready time, SIGTERM -> NOT_SERVING ->
clean exit, JSON logs without personal data)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gateway.client import GatewayClient, GatewayError, TlsOptions
from gateway.service.config import ServeConfig
from tests.api_support import DaemonThread

TD3 = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]
ROOT = Path(__file__).resolve().parents[1]


def test_unix_socket_has_mode_0660_and_serves(tmp_path):
    path = tmp_path / "run" / "gateway.sock"
    config = ServeConfig(listen=[f"unix:{path}", "127.0.0.1:0"])
    with DaemonThread(config):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert stat.S_ISSOCK(path.stat().st_mode) and mode == 0o660
        with GatewayClient(f"unix:{path}") as client:
            assert client.verify(mrz=TD3).printed_mrz.valid
    assert not path.exists()  # removed on shutdown


# --- TLS --------------------------------------------------------------------------------------------


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject: str, issuer_key, issuer: str, key, *, ca: bool, san: bool = False) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert("gateway test CA", ca_key, "gateway test CA", ca_key, ca=True)
    files = {}
    for label, cn, san in (("server", "localhost", True), ("client", "inspector-tablet-1", False)):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _cert(cn, ca_key, "gateway test CA", key, ca=False, san=san)
        files[f"{label}_cert"] = folder / f"{label}.pem"
        files[f"{label}_cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        files[f"{label}_key"] = folder / f"{label}.key"
        files[f"{label}_key"].write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                            serialization.PrivateFormat.PKCS8,
                                                            serialization.NoEncryption()))
    files["ca"] = folder / "ca.pem"
    files["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return files


def test_tls_with_token(pki):
    config = ServeConfig(listen=["127.0.0.1:0"], tls_cert=pki["server_cert"], tls_key=pki["server_key"],
                         tokens=("s3cret-desk-token",))
    with DaemonThread(config) as daemon:
        port = daemon.address.rsplit(":", 1)[1]
        tls = TlsOptions(ca=pki["ca"])
        with GatewayClient(f"localhost:{port}", tls=tls, token="s3cret-desk-token") as good:
            assert good.verify(mrz=TD3).printed_mrz.valid
            assert good.list_devices() == []
        for token in (None, "wrong", ""):
            with GatewayClient(f"localhost:{port}", tls=tls, token=token) as bad, pytest.raises(GatewayError) as info:
                bad.verify(mrz=TD3)
            assert info.value.code is grpc.StatusCode.UNAUTHENTICATED and info.value.reason == "UNAUTHENTICATED"
        with GatewayClient(f"localhost:{port}", tls=tls, token="wrong") as bad:
            with pytest.raises(GatewayError):
                list(bad.verify_stream(mrz=TD3))  # streams are guarded too
            assert bad.health() == "SERVING"  # health probes need no token
        with GatewayClient(f"localhost:{port}", token="s3cret-desk-token") as plain, \
                pytest.raises(GatewayError) as info:
            plain.verify(mrz=TD3, timeout=1)  # no TLS: no call goes through
        assert info.value.code is grpc.StatusCode.UNAVAILABLE


def test_mutual_tls_requires_a_client_certificate(pki):
    config = ServeConfig(listen=["127.0.0.1:0"], tls_cert=pki["server_cert"], tls_key=pki["server_key"],
                         client_ca=pki["ca"])
    with DaemonThread(config) as daemon:
        port = daemon.address.rsplit(":", 1)[1]
        mutual = TlsOptions(ca=pki["ca"], cert=pki["client_cert"], key=pki["client_key"])
        with GatewayClient(f"localhost:{port}", tls=mutual) as client:
            assert client.verify(mrz=TD3).printed_mrz.valid
        with GatewayClient(f"localhost:{port}", tls=TlsOptions(ca=pki["ca"])) as anonymous, \
                pytest.raises(GatewayError) as info:
            anonymous.verify(mrz=TD3, timeout=1)
        assert info.value.code is grpc.StatusCode.UNAVAILABLE


# --- the process ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_process_reports_ready_drains_on_sigterm_and_logs_no_personal_data(tmp_path):
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "gateway", "serve", "--listen", f"127.0.0.1:{port}"],
                               cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    try:
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        stub = health_pb2_grpc.HealthStub(channel)
        while True:
            try:
                status = stub.Check(health_pb2.HealthCheckRequest(), timeout=0.2, wait_for_ready=True).status
                if status == health_pb2.HealthCheckResponse.SERVING:
                    break
            except grpc.RpcError:
                pass
            assert time.monotonic() - started < 10, "daemon did not become ready"
        ready_s = time.monotonic() - started
        with GatewayClient(f"127.0.0.1:{port}") as client:
            assert client.verify(mrz=TD3).printed_mrz.valid
        watch = stub.Watch(health_pb2.HealthCheckRequest(), timeout=10)
        assert next(watch).status == health_pb2.HealthCheckResponse.SERVING
        process.send_signal(signal.SIGTERM)
        assert next(watch).status == health_pb2.HealthCheckResponse.NOT_SERVING
        assert process.wait(10) == 0
        channel.close()
    finally:
        if process.poll() is None:
            process.kill()
        log = process.stderr.read()
    records = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert {r["msg"] for r in records} >= {"serving", "verification done", "shutting down", "stopped"}
    assert "ERIKSSON" not in log and "L898902C3" not in log  # no personal data in the log
    assert ready_s < 5  # the benchmark measures the real figure


# --- the config file --------------------------------------------------------------------------------


def test_config_file_is_read_and_wrong_keys_are_named(tmp_path):
    from gateway.service.config import ConfigError, load_config

    (tmp_path / "tokens").write_text("# desk\nabc123\n")
    path = tmp_path / "gateway.toml"
    path.write_text("""
[server]
listen = ["localhost:50051", "unix:/run/gateway/gateway.sock"]
unix_socket_mode = "0600"
token_file = "tokens"
[limits]
queue_per_reader = 3
operation_timeout_s = 20
[trust]
path = "trust"
[[devices]]
id = "desk"
pcsc_reader = "REINER SCT cyberJack RFID komfort 00 00"
display_name = "Desk reader"
""")
    config = load_config(path)
    assert config.listen[1] == "unix:/run/gateway/gateway.sock" and config.unix_socket_mode == 0o600
    assert config.queue_per_reader == 3 and config.operation_timeout_s == 20.0
    assert config.trust_path == tmp_path / "trust" and config.token_file == tmp_path / "tokens"
    assert config.devices[0].id == "desk" and config.devices[0].capabilities == ("CHIP",)
    for bad, named in (("[limits]\nqueue_per_reader = 0\n", "limits.queue_per_reader"),
                       ("[server]\nlisten_on = 1\n", "listen_on"),
                       ("[[devices]]\nid = \"x\"\nkind = \"TOASTER\"\n", "devices[0].kind"),
                       ("[nonsense]\n", "nonsense")):
        path.write_text(bad)
        with pytest.raises(ConfigError, match=named.replace("[", r"\[").replace("]", r"\]")):
            load_config(path)
