"""The config sections of the interview tools: `[translation]`, `[clearing_desk]`, translation devices.

    [translation]
    strict_catalogues = false   # true: a broken .po entry stops start-up (default: reported, entry falls back)
    locale_dir = "/etc/gateway/locale"  # the town's own catalogues (<lang>/LC_MESSAGES/*.po); default: shipped
    require_reviewed = false    # true: machine-drafted texts count as missing (fall back to English/German)
    max_text_chars = 2000       # free text sent to a translation device
    speech_timeout_s = 15
    words_per_minute = 150      # espeak-ng speed (80-260)

    [clearing_desk]             # printed on the first-information sheet
    name = "Clearingstelle"
    address = "Rathausplatz 1, Zimmer 104"
    controller = "Stadt Musterstadt, Der Oberbürgermeister, Rathausplatz 1"
    data_protection_officer = "datenschutz@musterstadt.example"
    supervisory_authority = "Landesbeauftragte für den Datenschutz"
    opening_hours = [            # default: Tuesday and Thursday 08:30-12:00 and 13:00-16:30
      { day = "tuesday", from = "08:30", to = "12:00" },
      { day = "tuesday", from = "13:00", to = "16:30" },
    ]

    [[devices]]                 # a translation handheld
    id = "desk-translator"
    kind = "TRANSLATION_DEVICE"
    address = "tcp://127.0.0.1:7301"   # or "serial:///dev/ttyUSB0?baud=115200"
    offline = true              # the administrator vouches it translates on the device; required for free text
    timeout_s = 5
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gateway.translation.infosheet import DEFAULT_HOURS, DeskInfo, OpeningHours
from gateway.translation.speech import DEFAULT_WPM, MAX_WPM, MIN_WPM

TRANSLATION_KEYS = {"strict_catalogues", "require_reviewed", "max_text_chars", "speech_timeout_s",
                    "words_per_minute", "locale_dir"}
DESK_KEYS = {"name", "address", "controller", "data_protection_officer", "supervisory_authority", "opening_hours"}
DEVICE_KEYS = {"address", "offline", "timeout_s", "languages"}
MAX_FREE_TEXT_LIMIT = 16_000


@dataclass(frozen=True)
class TranslationSettings:
    strict_catalogues: bool = False
    require_reviewed: bool = False
    max_text_chars: int = 2000
    speech_timeout_s: float = 15.0
    words_per_minute: int = DEFAULT_WPM
    locale_dir: Path | None = None  # None: the catalogues shipped in gateway/translation/locale
    desk: DeskInfo = field(default_factory=DeskInfo)


def _bool(where: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{where} must be true or false")
    return value


def _number(where: str, value: Any, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ValueError(f"{where} must be a number from {low:g} to {high:g}")
    return value


def parse_translation(table: dict[str, Any], desk_table: dict[str, Any],
                      base: Path | None = None) -> TranslationSettings:
    """Raises ValueError naming the key; unknown keys are checked by the caller. Paths are relative to `base`."""
    kwargs: dict[str, Any] = {}
    if "locale_dir" in table:
        value = table["locale_dir"]
        if not isinstance(value, str) or not value:
            raise ValueError("translation.locale_dir must be a path")
        path = Path(value)
        path = path if path.is_absolute() or base is None else base / path
        if not path.is_dir():
            raise ValueError(f"translation.locale_dir {path} is not a folder")
        kwargs["locale_dir"] = path
    for key in ("strict_catalogues", "require_reviewed"):
        if key in table:
            kwargs[key] = _bool(f"translation.{key}", table[key])
    if "max_text_chars" in table:
        kwargs["max_text_chars"] = int(_number("translation.max_text_chars", table["max_text_chars"], 1,
                                               MAX_FREE_TEXT_LIMIT))
    if "speech_timeout_s" in table:
        kwargs["speech_timeout_s"] = float(_number("translation.speech_timeout_s", table["speech_timeout_s"], 0.1, 300))
    if "words_per_minute" in table:
        kwargs["words_per_minute"] = int(_number("translation.words_per_minute", table["words_per_minute"],
                                                 MIN_WPM, MAX_WPM))
    return TranslationSettings(**kwargs, desk=parse_desk(desk_table))


def parse_desk(table: dict[str, Any]) -> DeskInfo:
    defaults = DeskInfo()
    kwargs: dict[str, Any] = {}
    for key in ("name", "address", "controller", "data_protection_officer", "supervisory_authority"):
        if key in table:
            value = table[key]
            if not isinstance(value, str) or not value.strip() or len(value) > 200:
                raise ValueError(f"clearing_desk.{key} must be a non-empty string of at most 200 characters")
            kwargs[key] = value.strip()
    hours = DEFAULT_HOURS
    if "opening_hours" in table:
        raw = table["opening_hours"]
        if not isinstance(raw, list) or not raw:
            raise ValueError("clearing_desk.opening_hours must be a list of { day, from, to } tables")
        parsed = []
        for i, entry in enumerate(raw):
            if not isinstance(entry, dict) or set(entry) != {"day", "from", "to"}:
                raise ValueError(f"clearing_desk.opening_hours[{i}] must have exactly day, from, to")
            try:
                parsed.append(OpeningHours(str(entry["day"]).lower(), str(entry["from"]), str(entry["to"])))
            except ValueError as exc:
                raise ValueError(f"clearing_desk.opening_hours[{i}]: {exc}") from None
        hours = tuple(parsed)
    return DeskInfo(**{**defaults.__dict__, **kwargs, "opening_hours": hours})


def parse_device_link(where: str, entry: dict[str, Any]) -> dict[str, Any]:
    """The translation-device keys of one `[[devices]]` entry, checked: address, offline, timeout_s, languages."""
    from gateway.drivers.translator import parse_address

    out: dict[str, Any] = {}
    if "address" in entry:
        try:
            parse_address(str(entry["address"]))
        except ValueError as exc:
            raise ValueError(f"{where}.address: {exc}") from None
        out["address"] = str(entry["address"])
    if "offline" in entry:
        out["offline"] = _bool(f"{where}.offline", entry["offline"])
    if "timeout_s" in entry:
        out["timeout_s"] = float(_number(f"{where}.timeout_s", entry["timeout_s"], 0.05, 120))
    if "languages" in entry:
        langs = entry["languages"]
        if not isinstance(langs, list) or not all(isinstance(x, str) and x for x in langs):
            raise ValueError(f"{where}.languages must be a list of language codes")
        out["languages"] = tuple(langs)
    if out and entry.get("kind") != "TRANSLATION_DEVICE":
        raise ValueError(f"{where}: address/offline/timeout_s/languages belong to kind = \"TRANSLATION_DEVICE\"")
    if entry.get("kind") == "TRANSLATION_DEVICE" and "address" not in out:
        raise ValueError(f"{where}: a TRANSLATION_DEVICE needs address = \"tcp://HOST:PORT\" or \"serial:///dev/...\"")
    return out
