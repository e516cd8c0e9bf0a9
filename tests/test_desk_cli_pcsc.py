"""The desk as processes, as staff would run it: `gateway-sim desk` (scanner behind SANE's net
backend + chip on pcscd/vpcd), `gateway serve --config` with the config the simulator wrote, and
`gateway verify --reader desk1 --wait-document`, which prints the verdict once the document is placed."""

from __future__ import annotations

import shutil

import pytest

from tests.api_chip_support import PORT
from tests.pcsc_fixtures import pcscd  # noqa: F401
from tests.test_line_reader_cli import GATEWAY, GATEWAY_SIM, WAIT_S, Proc
from tests.verify_support import trust_folder

pytestmark = [pytest.mark.pcsc,
              pytest.mark.skipif(shutil.which("scanimage") is None, reason="sane-utils not installed")]


@pytest.fixture
def start():
    procs: list[Proc] = []

    def _start(*argv: str) -> Proc:
        procs.append(Proc(*argv))
        return procs[-1]

    yield _start
    for proc in reversed(procs):
        proc.stop()


@pytest.mark.parametrize(("profile", "exit_code", "shown"), [
    ("genuine-td3-bac", 0, "GENUINE"),
    ("forgery-ir-invisible-mrz", 1, "MRZ_NOT_IR_VISIBLE"),
])
def test_wait_document_prints_the_verdict_when_the_document_is_placed(pcscd, start, tmp_path,  # noqa: F811
                                                                      profile, exit_code, shown):
    config = tmp_path / "desk.toml"
    desk = start(GATEWAY_SIM, "desk", "--profile", profile, "--port", str(PORT), "--kbit-s", "0", "--dpi", "200",
                 "--empty", "--write-config", str(config))
    desk.stdout_line("desk: profile", WAIT_S)
    text = config.read_text()
    assert 'driver = "sane"' in text and 'desk = "desk1"' in text
    config.write_text(f'[server]\nlisten = ["127.0.0.1:0"]\n[trust]\npath = "{trust_folder()}"\n\n{text}')
    serve = start(GATEWAY, "serve", "--config", str(config), "--log-level", "info")
    address = serve.stderr_line("gateway: serving on", WAIT_S).split("serving on ", 1)[1].strip()
    verify = start(GATEWAY, "verify", "--server", address, "--reader", "desk1", "--wait-document", "--wait", "10",
                   "--timeout", "60")
    assert "place the document on desk1-scanner" in verify.stderr_line("place the document", 20)
    desk.send("place")
    assert verify.p.wait(60) == exit_code, verify.err_lines
    assert shown in verify.stdout_line(shown, 10)
    assert serve.stop() == 0
