"""Structured logs: one JSON object per line, with a fixed set of fields that hold no personal data.

Only keys listed in SAFE_FIELDS are copied from a record's `extra`, so a careless
`log.info(..., extra={"mrz": ...})` cannot leak document contents into the log; the message text
itself is always a constant written by us (never formatted with request data).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys

SAFE_FIELDS = (
    "event", "method", "code", "reason", "duration_ms", "operation_id", "device_id", "queue_position",
    "peer_kind", "listen", "checks", "verdict", "files", "apdus", "error_type", "where", "signal",
    "devices", "profiles", "pid", "ready_ms",
)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.msg if isinstance(record.msg, str) else type(record.msg).__name__,
        }
        for key in SAFE_FIELDS:
            if key in record.__dict__:
                entry[key] = record.__dict__[key]
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(level: str = "info", stream=None) -> None:
    """Route the `gateway` loggers to JSON lines on `stream` (stderr by default)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("gateway")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
