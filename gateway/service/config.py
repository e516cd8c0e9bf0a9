"""The daemon's TOML config file (`gateway serve --config PATH`); command-line options override it.

    [server]
    listen = ["localhost:50051", "unix:/run/gateway/gateway.sock"]   # default: localhost:50051
    unix_socket_mode = "0660"
    tls_cert = "/etc/gateway/server.pem"     # TLS on TCP listeners when cert and key are given
    tls_key = "/etc/gateway/server.key"
    client_ca = "/etc/gateway/clients-ca.pem" # mutual TLS: client certificates must chain to this CA
    token_file = "/etc/gateway/tokens"        # bearer tokens, one per line (`authorization: Bearer ...`)

    [limits]
    queue_per_reader = 8        # waiting operations per reader before RESOURCE_EXHAUSTED
    max_concurrent_rpcs = 256
    max_message_bytes = 4194304
    operation_timeout_s = 60    # device work stops after this even when the client set no deadline
    shutdown_grace_s = 5        # how long running calls may finish on SIGTERM
    mrz_fresh_s = 15            # use_device_mrz: a line reader's reading this recent is used without a new swipe

    [trust]
    path = "/etc/gateway/trust"  # master lists, CSCA certificates, CRLs for passive authentication
    strict = false               # true: a trust file that cannot be used stops start-up (default:
                                 # it is named in the load report and the rest is served)

    [[devices]]                  # optional: stable ids / names for known readers
    id = "desk"
    pcsc_reader = "REINER SCT cyberJack RFID komfort 00 00"
    kind = "DOCUMENT_READER"
    display_name = "Desk reader"
    desk = "desk1"               # optional: groups the devices of one desk

    [[devices]]                  # MRZ line readers: driver "serial" or "hid" (gateway.service.line_readers)
    id = "desk1-mrz"
    desk = "desk1"
    driver = "serial"
    port = "/dev/serial/by-id/usb-DESKO_reader-if00"
    framing = "auto"

    [simulate]                   # used with --simulate
    profiles = ["td3-bac", "td1-eu-pace"]
    kbit_s = 424

    [translation] / [clearing_desk] and translation devices: see gateway/service/translation_config.py
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gateway.drivers.line_reader import RETAIN_S

from .devices import CAPABILITIES, KINDS, DeviceConfig
from .document_readers import (
    DOCUMENT_READER_KEYS,
    DocumentReaderConfig,
    DocumentReaderConfigError,
    is_document_driver,
    parse_document_reader,
)
from .line_readers import LINE_DRIVERS, LINE_READER_KEYS, LineReaderConfig, LineReaderConfigError, parse_line_reader
from .translation_config import (
    DESK_KEYS,
    DEVICE_KEYS,
    TRANSLATION_KEYS,
    TranslationSettings,
    parse_device_link,
    parse_translation,
)

DEFAULT_LISTEN = "localhost:50051"


class ConfigError(ValueError):
    """The config file is unreadable or wrong; the message names the key."""


@dataclass
class ServeConfig:
    listen: list[str] = field(default_factory=lambda: [DEFAULT_LISTEN])
    unix_socket_mode: int = 0o660
    tls_cert: Path | None = None
    tls_key: Path | None = None
    client_ca: Path | None = None
    token_file: Path | None = None
    tokens: tuple[str, ...] = ()
    queue_per_reader: int = 8
    max_concurrent_rpcs: int = 256
    max_message_bytes: int = 4 * 1024 * 1024
    operation_timeout_s: float = 60.0
    shutdown_grace_s: float = 5.0
    mrz_fresh_s: float = 15.0  # gateway.service.device_mrz.FRESH_S
    trust_path: Path | None = None
    trust_strict: bool = False
    devices: tuple[DeviceConfig, ...] = ()
    line_readers: tuple[LineReaderConfig, ...] = ()  # [[devices]] with driver serial/hid (also in devices)
    document_readers: tuple[DocumentReaderConfig, ...] = ()  # [[devices]] with a document-reader driver
    desks: dict[str, str] = field(default_factory=dict)  # device id -> desk
    simulate_profiles: tuple[str, ...] = ()
    simulate_kbit_s: int = 424
    translation: TranslationSettings = field(default_factory=TranslationSettings)

    @property
    def tls(self) -> bool:
        return self.tls_cert is not None and self.tls_key is not None


_SECTIONS = {
    "server": {"listen", "unix_socket_mode", "tls_cert", "tls_key", "client_ca", "token_file"},
    "limits": {"queue_per_reader", "max_concurrent_rpcs", "max_message_bytes", "operation_timeout_s",
               "shutdown_grace_s", "mrz_fresh_s"},
    "trust": {"path", "strict"},
    "simulate": {"profiles", "kbit_s"},
    "devices": {"id", "pcsc_reader", "kind", "display_name", "capabilities", "vendor", "model", "desk", "driver",
                *LINE_READER_KEYS, *DOCUMENT_READER_KEYS} | DEVICE_KEYS,
    "translation": TRANSLATION_KEYS,
    "clearing_desk": DESK_KEYS,
}


def _keys(where: str, table: Any, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ConfigError(f"[{where}] must be a table")
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(f"[{where}]: unknown key(s) {', '.join(unknown)}")
    return table


def _positive(where: str, value: Any, kind: type = int) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ConfigError(f"{where} must be a positive number")
    return kind(value)


def load_config(path: Path | None) -> ServeConfig:
    config = ServeConfig()
    if path is None:
        return config
    try:
        data = tomllib.loads(Path(path).read_text())
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config {path} is not valid TOML: {exc}") from None
    unknown = sorted(set(data) - set(_SECTIONS))
    if unknown:
        raise ConfigError(f"unknown section(s) {', '.join(unknown)}")
    base = Path(path).resolve().parent

    def rel(value: Any, key: str) -> Path:
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{key} must be a path")
        p = Path(value)
        return p if p.is_absolute() else base / p

    server = _keys("server", data.get("server", {}), _SECTIONS["server"])
    if "listen" in server:
        listen = server["listen"]
        listen = [listen] if isinstance(listen, str) else listen
        if not isinstance(listen, list) or not listen or not all(isinstance(a, str) and a for a in listen):
            raise ConfigError("server.listen must be an address or a list of addresses")
        config.listen = list(listen)
    if "unix_socket_mode" in server:
        try:
            config.unix_socket_mode = int(str(server["unix_socket_mode"]), 8)
        except ValueError:
            raise ConfigError("server.unix_socket_mode must be an octal string like \"0660\"") from None
    for key in ("tls_cert", "tls_key", "client_ca", "token_file"):
        if key in server:
            setattr(config, key, rel(server[key], f"server.{key}"))
    limits = _keys("limits", data.get("limits", {}), _SECTIONS["limits"])
    for key in ("queue_per_reader", "max_concurrent_rpcs", "max_message_bytes"):
        if key in limits:
            setattr(config, key, _positive(f"limits.{key}", limits[key]))
    for key in ("operation_timeout_s", "shutdown_grace_s", "mrz_fresh_s"):
        if key in limits:
            setattr(config, key, _positive(f"limits.{key}", limits[key], float))
    if config.mrz_fresh_s > RETAIN_S:
        raise ConfigError(f"limits.mrz_fresh_s must be at most {RETAIN_S:g} s (line readers forget a reading then)")
    trust = _keys("trust", data.get("trust", {}), _SECTIONS["trust"])
    if "path" in trust:
        config.trust_path = rel(trust["path"], "trust.path")
    if "strict" in trust:
        if not isinstance(trust["strict"], bool):
            raise ConfigError("trust.strict must be true or false")
        config.trust_strict = trust["strict"]
    simulate = _keys("simulate", data.get("simulate", {}), _SECTIONS["simulate"])
    if "profiles" in simulate:
        profiles = simulate["profiles"]
        if not isinstance(profiles, list) or not all(isinstance(p, str) for p in profiles):
            raise ConfigError("simulate.profiles must be a list of profile names")
        config.simulate_profiles = tuple(profiles)
    if "kbit_s" in simulate:
        config.simulate_kbit_s = _positive("simulate.kbit_s", simulate["kbit_s"])
    try:
        config.translation = parse_translation(_keys("translation", data.get("translation", {}),
                                                     _SECTIONS["translation"]),
                                               _keys("clearing_desk", data.get("clearing_desk", {}),
                                                     _SECTIONS["clearing_desk"]), base)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    devices = data.get("devices", [])
    if not isinstance(devices, list):
        raise ConfigError("devices must be an array of tables ([[devices]])")
    seen: set[str] = set()
    parsed: list[DeviceConfig] = []
    readers: list[LineReaderConfig] = []
    doc_readers: list[DocumentReaderConfig] = []
    for i, entry in enumerate(devices):
        entry = _keys(f"devices[{i}]", entry, _SECTIONS["devices"])
        device_id = entry.get("id")
        if not isinstance(device_id, str) or not device_id or device_id in seen:
            raise ConfigError(f"devices[{i}].id must be a unique non-empty string")
        seen.add(device_id)
        kind = entry.get("kind", "DOCUMENT_READER")
        if kind not in KINDS:
            raise ConfigError(f"devices[{i}].kind must be one of {', '.join(KINDS)}")
        line_reader = entry.get("driver") in LINE_DRIVERS
        document_reader = not line_reader and entry.get("driver", "pcsc") != "pcsc" and is_document_driver(
            entry.get("driver"))
        default_caps = ["TRANSLATE_TEXT"] if kind == "TRANSLATION_DEVICE" else ["MRZ"] if line_reader else \
            ["IMAGE_VISIBLE"] if document_reader else []
        caps = tuple(entry.get("capabilities", ["CHIP"] if entry.get("pcsc_reader") else default_caps))
        try:
            link = parse_device_link(f"devices[{i}]", entry)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        if not all(c in CAPABILITIES for c in caps):
            raise ConfigError(f"devices[{i}].capabilities must be from {', '.join(CAPABILITIES)}")
        if "desk" in entry:
            if not isinstance(entry["desk"], str) or not entry["desk"]:
                raise ConfigError(f"devices[{i}].desk must be a non-empty string")
            config.desks[device_id] = entry["desk"]
        if line_reader:
            if entry.get("pcsc_reader"):
                raise ConfigError(f"devices[{i}]: pcsc_reader does not apply to driver {entry['driver']!r}")
            try:
                readers.append(parse_line_reader(f"devices[{i}]", entry, device_id=device_id, kind=kind,
                                                 display_name=entry.get("display_name", ""),
                                                 vendor=entry.get("vendor", ""), model=entry.get("model", "")))
            except LineReaderConfigError as exc:
                raise ConfigError(str(exc)) from None
        elif document_reader:
            if entry.get("pcsc_reader"):
                raise ConfigError(f"devices[{i}]: pcsc_reader does not apply to document reader driver "
                                  f"{entry['driver']!r}; configure the chip reader as a device of the same desk")
            try:
                doc_readers.append(parse_document_reader(f"devices[{i}]", entry, device_id=device_id))
            except DocumentReaderConfigError as exc:
                raise ConfigError(str(exc)) from None
        elif entry.get("driver", "pcsc") != "pcsc":
            from gateway.drivers.document_reader import available_drivers

            known = ", ".join(["pcsc", *LINE_DRIVERS, *available_drivers()])
            raise ConfigError(f"devices[{i}].driver must be one of {known}")
        else:
            stray = sorted(k for k in (*LINE_READER_KEYS, *DOCUMENT_READER_KEYS) if k in entry)
            if stray:
                raise ConfigError(f"devices[{i}]: {', '.join(stray)} only apply to line or document reader drivers")
        parsed.append(DeviceConfig(id=device_id, pcsc_reader=entry.get("pcsc_reader"), kind=kind,
                                   display_name=entry.get("display_name", ""), capabilities=caps,
                                   vendor=entry.get("vendor", ""), model=entry.get("model", ""),
                                   desk=entry.get("desk", ""),
                                   driver=entry["driver"] if line_reader or document_reader else "",
                                   **link))
    config.devices = tuple(parsed)
    config.line_readers = tuple(readers)
    config.document_readers = tuple(doc_readers)
    return config


def read_tokens(path: Path) -> tuple[str, ...]:
    """Bearer tokens, one per line; blank lines and # comments ignored."""
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read token file {path}: {exc.strerror}") from None
    tokens = tuple(t for t in (line.split("#", 1)[0].strip() for line in lines) if t)
    if not tokens:
        raise ConfigError(f"token file {path} holds no token")
    return tokens
