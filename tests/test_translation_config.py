"""The config sections of the interview tools: [translation], [clearing_desk], translation devices."""

from __future__ import annotations

import pytest

from gateway.service.config import ConfigError, load_config
from gateway.translation.infosheet import DEFAULT_HOURS


def _load(tmp_path, text: str):
    path = tmp_path / "gateway.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def test_defaults(tmp_path):
    config = _load(tmp_path, "")
    t = config.translation
    assert (t.strict_catalogues, t.require_reviewed, t.max_text_chars, t.locale_dir) == (False, False, 2000, None)
    assert t.desk.opening_hours == DEFAULT_HOURS


def test_full_section_and_a_translation_device(tmp_path):
    (tmp_path / "locale").mkdir()
    config = _load(tmp_path, """
[translation]
strict_catalogues = true
require_reviewed = true
max_text_chars = 500
words_per_minute = 130
locale_dir = "locale"

[clearing_desk]
name = "Clearingstelle Musterstadt"
address = "Marktplatz 3"
opening_hours = [{ day = "Tuesday", from = "08:30", to = "12:00" }]

[[devices]]
id = "desk-translator"
kind = "TRANSLATION_DEVICE"
address = "serial:///dev/ttyUSB0?baud=9600"
offline = true
timeout_s = 2.5
""")
    t = config.translation
    assert (t.strict_catalogues, t.require_reviewed, t.max_text_chars, t.words_per_minute) == (True, True, 500, 130)
    assert t.locale_dir == tmp_path / "locale"
    assert t.desk.name == "Clearingstelle Musterstadt" and t.desk.opening_hours[0].day == "tuesday"
    (device,) = config.devices
    assert (device.kind, device.address, device.offline, device.timeout_s, device.capabilities) == (
        "TRANSLATION_DEVICE", "serial:///dev/ttyUSB0?baud=9600", True, 2.5, ("TRANSLATE_TEXT",))


@pytest.mark.parametrize(("text", "message"), [
    ("[translation]\nmax_text_chars = 0\n", "max_text_chars must be a number"),
    ("[translation]\nstrict_catalogues = \"yes\"\n", "strict_catalogues must be true or false"),
    ("[translation]\nlocale_dir = \"/nonexistent/locale\"\n", "is not a folder"),
    ("[translation]\nvoice = \"x\"\n", "unknown key(s) voice"),
    ("[clearing_desk]\nopening_hours = [{ day = \"tuesday\", from = \"12:00\", to = \"08:30\" }]\n",
     "from before to"),
    ("[clearing_desk]\nopening_hours = [{ day = \"someday\", from = \"08:00\", to = \"09:00\" }]\n", "day must be"),
    ("[clearing_desk]\nopening_hours = [{ day = \"monday\", from = \"8\", to = \"9\" }]\n", "HH:MM"),
    ("[[devices]]\nid = \"t\"\nkind = \"TRANSLATION_DEVICE\"\n", "needs address"),
    ("[[devices]]\nid = \"t\"\nkind = \"TRANSLATION_DEVICE\"\naddress = \"http://x:1\"\n", "tcp://HOST:PORT"),
    ("[[devices]]\nid = \"t\"\nkind = \"TRANSLATION_DEVICE\"\naddress = \"tcp://h:1\"\noffline = 1\n",
     "offline must be true or false"),
    ("[[devices]]\nid = \"r\"\npcsc_reader = \"R\"\noffline = true\n", "belong to kind"),
])
def test_bad_values_name_the_key(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _load(tmp_path, text)
