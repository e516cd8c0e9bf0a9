"""The check report as JSON bytes: sorted keys, UTF-8, one trailing newline.

Deterministic, so two exports of the same record are the same bytes (an archive can hash them) and
a diff between two reports shows only what differs. The shape is docs/check-report.schema.json.
"""

from __future__ import annotations

import json
from typing import Any


def to_json(record: dict[str, Any]) -> bytes:
    """The record as UTF-8 JSON (sorted keys, non-ASCII kept: the German messages stay readable)."""
    return (json.dumps(record, sort_keys=True, ensure_ascii=False, indent=2, allow_nan=False) + "\n").encode("utf-8")


__all__ = ["to_json"]
