"""Shared fixtures: the real PC/SC stack (pcscd started when not running, cards on vpcd slots)."""

import os

# Imported here, at the shallowest point of the session: CPython 3.11.7 (this machine's) can raise
# "AST constructor recursion depth mismatch" when pytest's assertion rewriter first compiles
# hypothesis deep inside a hook at session end (CPython gh-106905).
import hypothesis

from tests.pcsc_fixtures import pcscd, vpcd_card  # noqa: F401

# CI runs the property tests on a fixed seed so a run is reproducible; on a developer's machine they
# explore new examples every time.
hypothesis.settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis.settings.load_profile("ci")
