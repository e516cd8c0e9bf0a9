"""The simulated device's behaviour: one JSON line in, zero or more JSON lines out.

Faults (settable at start and while running):
  busy              every translate gets error BUSY with retry_after_ms
  offline           no network: translate gets NOT_CONNECTED (the device cannot reach its service)
  unknown-language  translate gets UNSUPPORTED_LANGUAGE whatever the pair
  mute              the device reads but never answers (a hung handheld)
  garbage           answers with a line that is not JSON
`mute_after=N` falls silent after N answered requests. `cloud=True` makes it a device that
translates online (hello and answers say `"offline": false`) - the gateway must not send it
personal data.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from . import dictionary

FAULTS = ("none", "busy", "offline", "unknown-language", "mute", "garbage")
PROTOCOL_VERSION = 1


@dataclass
class DeviceSettings:
    languages: tuple[str, ...] = dictionary.LANGUAGES
    cloud: bool = False
    latency_s: float = 0.0
    fault: str = "none"
    mute_after: int | None = None
    max_chars: int = 2000
    vendor: str = "gateway simulator"
    model: str = "Translator Sim T1"
    firmware: str = "1.0.0"
    serial: str = "SIM-0001"


@dataclass
class SimulatedTranslator:
    settings: DeviceSettings = field(default_factory=DeviceSettings)

    def __post_init__(self) -> None:
        self.answered = 0
        self.received = 0
        self.received_types: Counter[str] = Counter()  # what reached the device, by message type
        self.lock = threading.Lock()

    # Lines are built here, with this module's own field names and json.dumps - not the gateway's codec.
    @staticmethod
    def _line(obj: dict) -> bytes:
        return (json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8")

    def _error(self, request_id: object, code: str, message: str, **extra: object) -> bytes:
        return self._line({"v": PROTOCOL_VERSION, "type": "error", "id": request_id, "code": code,
                           "message": message, **extra})

    def status_line(self) -> bytes:
        s = self.settings
        return self._line({"v": PROTOCOL_VERSION, "type": "status", "offline": not s.cloud,
                           "state": "busy" if s.fault == "busy" else "ready", "battery": 87})

    def handle(self, raw: bytes) -> list[bytes]:
        with self.lock:
            return self._handle(raw)

    def _handle(self, raw: bytes) -> list[bytes]:
        s = self.settings
        self.received += 1
        try:
            self.received_types[str(json.loads(raw.decode("utf-8")).get("type"))] += 1
        except (UnicodeDecodeError, ValueError, AttributeError):
            self.received_types["(invalid)"] += 1
        if s.fault == "mute" or (s.mute_after is not None and self.answered >= s.mute_after):
            return []
        try:
            msg = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return [self._error(None, "BAD_REQUEST", "not a JSON line")]
        if not isinstance(msg, dict):
            return [self._error(None, "BAD_REQUEST", "not a JSON object")]
        rid = msg.get("id")
        if msg.get("v") != PROTOCOL_VERSION:
            return [self._error(rid, "UNSUPPORTED_VERSION", "this device speaks version 1")]
        if s.latency_s:
            time.sleep(s.latency_s)
        if s.fault == "garbage":
            self.answered += 1
            return [b"\x00this is not json\n"]
        kind = msg.get("type")
        self.answered += 1
        if kind == "hello":
            if 1 not in (msg.get("versions") or [1]):
                return [self._error(rid, "UNSUPPORTED_VERSION", "this device speaks version 1")]
            return [self._line({"v": 1, "type": "hello", "id": rid, "version": 1,
                                "device": {"vendor": s.vendor, "model": s.model, "firmware": s.firmware,
                                           "serial": s.serial},
                                "offline": not s.cloud, "languages": list(s.languages), "max_chars": s.max_chars})]
        if kind == "ping":
            return [self._line({"v": 1, "type": "pong", "id": rid})]
        if kind != "translate":
            return [self._error(rid, "UNKNOWN_TYPE", f"unknown message type {str(kind)[:32]!r}")]
        return [self._translate(rid, msg)]

    def _translate(self, rid: object, msg: dict) -> bytes:
        s = self.settings
        if s.fault == "busy":
            return self._error(rid, "BUSY", "device is busy", retry_after_ms=500)
        if s.fault == "offline":
            return self._error(rid, "NOT_CONNECTED", "no network connection")
        text, source, target = msg.get("text"), msg.get("source"), msg.get("target")
        if not isinstance(text, str) or not isinstance(source, str) or not isinstance(target, str):
            return self._error(rid, "BAD_REQUEST", "text, source and target must be strings")
        if s.fault == "unknown-language" or source not in s.languages or target not in s.languages:
            return self._error(rid, "UNSUPPORTED_LANGUAGE", "language pair not installed")
        if len(text) > s.max_chars:
            return self._error(rid, "TEXT_TOO_LONG", f"at most {s.max_chars} characters")
        translated, confidence = dictionary.translate(text, source, target)
        return self._line({"v": 1, "type": "translation", "id": rid, "source": source, "target": target,
                           "text": translated, "confidence": round(confidence, 2), "offline": not s.cloud})
