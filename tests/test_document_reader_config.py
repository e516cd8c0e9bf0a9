"""Desk document readers in the daemon's config: a `[[devices]]` entry whose driver is a
document-reader adapter (entry-point group `gateway.drivers`), its lights and adapter settings."""

from __future__ import annotations

import pytest

from gateway.drivers.document_reader import DriverNotFoundError, Light, available_drivers, load_driver
from gateway.service.config import ConfigError, load_config


def _write(tmp_path, text: str):
    p = tmp_path / "gateway.toml"
    p.write_text(text)
    return p


def test_the_shipped_adapters_are_registered_as_entry_points() -> None:
    assert {"sane", "camera"} <= set(available_drivers())


def test_an_unknown_driver_names_the_installed_ones() -> None:
    with pytest.raises(DriverNotFoundError, match=r"no document-reader driver 'acme'.*sane"):
        load_driver("acme")


def test_a_document_reader_entry_is_parsed_with_its_lights_and_settings(tmp_path) -> None:
    config = load_config(_write(tmp_path, """
[[devices]]
id = "desk1-scanner"
desk = "desk1"
driver = "sane"
lights = ["white", "IR", "uv"]
[devices.settings]
device = "net:127.0.0.1:gateway-sim"
dpi = 300
"""))
    (reader,) = config.document_readers
    assert reader.id == "desk1-scanner" and reader.desk == "desk1" and reader.driver == "sane"
    assert reader.lights == (Light.WHITE, Light.IR, Light.UV)
    assert reader.settings == {"device": "net:127.0.0.1:gateway-sim", "dpi": 300}
    (device,) = config.devices
    assert device.driver == "sane" and device.capabilities == ("IMAGE_VISIBLE",)
    assert config.line_readers == ()


@pytest.mark.parametrize(("body", "message"), [
    ('driver = "sane"\nlights = ["white", "xray"]', "unknown light 'xray'"),
    ('driver = "sane"\nsettings = "net:x"', "settings must be a table"),
    ('driver = "sane"\npcsc_reader = "R"', "configure the chip reader as a device of the same desk"),
    ('driver = "acme"', "driver must be one of pcsc, serial, hid, camera, sane"),
    ('pcsc_reader = "R"\nlights = ["white"]', "lights only apply to line or document reader drivers"),
    ('driver = "sane"\n[devices.settings]\ndevice = "net:x"\ndpii = 300', "settings: driver 'sane'.*dpii"),
])
def test_a_wrong_document_reader_entry_names_the_key(tmp_path, body: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(_write(tmp_path, f'[[devices]]\nid = "d"\n{body}\n'))
