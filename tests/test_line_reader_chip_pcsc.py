"""End to end over pcscd: a simulated chip in a vpcd slot and an MRZ line reader on a real pty, both
on desk "desk1" - the swipe's MRZ (with its OCR misread corrected) is the chip's key, and the
document comes out GENUINE. Also the `--simulate` path, where the reader's own scanner is the source."""

from __future__ import annotations

import pytest

from gateway.client import GatewayClient
from gateway.service import model
from gateway.service.config import load_config
from gateway.verdict import Status
from simulators.linereader import faults
from simulators.linereader.pty_port import PtyPort
from tests.api_chip_support import PORT, engine_verifier, profile_card, wait_document
from tests.api_support import DaemonThread
from tests.line_reader_daemon_support import in_background, wait_until
from tests.pcsc_fixtures import pcscd, vpcd_card  # noqa: F401

pytestmark = pytest.mark.pcsc


def _config(tmp_path, reader: str, link) -> object:
    path = tmp_path / "gateway.toml"
    path.write_text(f'''[server]
listen = ["127.0.0.1:0"]

[[devices]]
id = "desk1-chip"
pcsc_reader = "{reader}"
desk = "desk1"

[[devices]]
id = "desk1-mrz"
desk = "desk1"
driver = "serial"
port = "{link}"
framing = "auto"
''')
    return load_config(path)


@pytest.mark.parametrize("profile", ["td3-bac", "td1-eu-pace"])
def test_swipe_on_the_desks_line_reader_keys_the_chip_and_the_verdict_is_genuine(vpcd_card, tmp_path,  # noqa: F811
                                                                                 profile):
    pc = profile_card(profile)
    slot = vpcd_card(pc.card, port=PORT)
    port = PtyPort(tmp_path / "mrz.link")
    port.plug()
    try:
        with DaemonThread(_config(tmp_path, slot.reader, port.link), engine_verifier(), monitor_pcsc=True) as d, \
                GatewayClient(d.address, timeout=60) as client:
            wait_document(client, "desk1-chip")
            wait_until(lambda: client.describe_device("desk1-mrz").attached, "the line reader")
            bg = in_background(lambda: client.verify_stream(use_device_mrz=True, use_printed_mrz=True,
                                                            reader_id="desk1"))
            bg.next("AwaitingMRZ")
            port.play(faults.swipe("desko", pc.mrz, ["misread"]))
            received = bg.next("MRZReceived", timeout_s=10)
            result = bg.next("VerifyResult", timeout_s=60)
            assert bg.error is None
            assert received.device_id == "desk1-mrz" and len(received.result.corrections) == 1
            assert result.reader_id == "desk1-chip"
            assert result.verdict.status is Status.GENUINE, [(c.name, c.reason) for c in result.verdict.checks]
            assert result.printed_mrz.lines == tuple(pc.mrz) == result.chip_mrz.lines
            assert result.printed_mrz.corrections and result.timings.phases["device_mrz"] > 0
            # swiped first, verified after: the fresh reading is used without waiting
            port.play(faults.swipe("desko", pc.mrz))  # the framing stays detected per connection
            wait_until(lambda: d.daemon.line_readers.readers.get("desk1-mrz").mailbox.latest(), "the read")
            items = list(client.verify_stream(use_device_mrz=True, use_printed_mrz=True, reader_id="desk1-chip"))
            kinds = [type(i).__name__ for i in items]
            assert kinds[:3] == ["MRZReceived", "Started", "DocumentDetected"], kinds
            assert items[-1].verdict.status is Status.GENUINE
    finally:
        port.unplug()


def test_simulated_readers_scanner_is_the_mrz_source(vpcd_card):  # noqa: F811
    """`gateway serve --simulate`: no line reader; the simulated reader's own scanner reads the MRZ."""
    pc = profile_card("td3-bac")
    slot = vpcd_card(pc.card, port=PORT)
    with DaemonThread(verifier=engine_verifier(), monitor_pcsc=True, simulated={slot.reader: "td3-bac"},
                      mrz_sources={slot.reader: lambda: "\n".join(pc.mrz)}) as d, \
            GatewayClient(d.address, timeout=60) as client:
        from gateway.service.devices import slug

        reader = "sim-" + slug(slot.reader)
        wait_document(client, reader)
        assert "MRZ" in client.describe_device(reader).capabilities
        items = list(client.verify_stream(use_device_mrz=True, use_printed_mrz=True, reader_id=reader))
        received = [i for i in items if isinstance(i, model.MRZReceived)]
        assert received and received[0].framing == "scanner" and received[0].device_id == reader
        assert items[-1].verdict.status is Status.GENUINE and items[-1].reader_id == reader
        assert client.verify(use_device_mrz=True, reader_id=reader).reader_id == reader  # MRZ only
