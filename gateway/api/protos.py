"""The generated `gateway.v1` modules, compiled on first use when the build step did not run.

`pip install .` compiles the protos in setup.py's build_py hook. A fresh clone used in place, an
editable install built without the hook, or protos edited since the last build are all caught here:
the source hash stored with the generated code is compared with `proto/` and the code regenerated
when they differ - into the package directory when it is writable, otherwise into a per-user cache
directory that is added to the `gateway` package path.
"""

from __future__ import annotations

import os
from pathlib import Path

import gateway

from . import codegen


def _cache_root(proto_root: Path) -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "clearing-gateway" / f"proto-{codegen.source_hash(proto_root)[:16]}"


def _ensure_generated() -> None:
    proto_root = codegen.default_proto_root()
    output_root = codegen.default_output_root()
    if not codegen.proto_files(proto_root):
        return  # an installed wheel: the build step generated the code, there are no sources here
    if codegen.is_current(proto_root, output_root):
        return
    if os.access(output_root, os.W_OK):
        codegen.generate(proto_root, output_root)
        return
    cache = _cache_root(proto_root)
    if not codegen.is_current(proto_root, cache):
        codegen.generate(proto_root, cache)
    if str(cache) not in gateway.__path__:
        gateway.__path__.insert(0, str(cache))


_ensure_generated()

from gateway._proto.v1 import (  # noqa: E402  (generated above when missing)
    devices_pb2,
    devices_pb2_grpc,
    mrz_pb2,
    verdict_pb2,
    verification_pb2,
    verification_pb2_grpc,
)

__all__ = [
    "devices_pb2",
    "devices_pb2_grpc",
    "mrz_pb2",
    "verdict_pb2",
    "verification_pb2",
    "verification_pb2_grpc",
]
