"""Shared fixtures: the real PC/SC stack (pcscd started when not running, cards on vpcd slots)."""

# Imported here, at the shallowest point of the session: CPython 3.11.7 (this machine's) can raise
# "AST constructor recursion depth mismatch" when pytest's assertion rewriter first compiles
# hypothesis deep inside a hook at session end (CPython gh-106905).
import hypothesis  # noqa: F401

from tests.pcsc_fixtures import pcscd, vpcd_card  # noqa: F401
