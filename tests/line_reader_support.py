"""Helpers for the line reader tests: wait for driver events with a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable

from gateway.drivers.line_reader import EventStream

EVENT_WAIT_S = 5.0  # generous: two cores shared with other work


def collect(stream: EventStream, until: Callable[[object], bool], timeout_s: float = EVENT_WAIT_S) -> list:
    """Events up to and including the first one `until` accepts; AssertionError on timeout."""
    events = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        event = stream.get(0.05)
        if event is None:
            continue
        events.append(event)
        if until(event):
            return events
    raise AssertionError(f"no matching event within {timeout_s} s; got {[type(e).__name__ for e in events]}")


def drain(stream: EventStream, quiet_s: float = 0.3) -> list:
    """Events until the stream has been quiet for `quiet_s`."""
    events = []
    while True:
        event = stream.get(quiet_s)
        if event is None:
            return events
        events.append(event)


def kind(name: str) -> Callable[[object], bool]:
    return lambda event: type(event).__name__ == name


def names(events: list) -> list[str]:
    return [type(e).__name__ for e in events]
