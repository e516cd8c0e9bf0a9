"""Build hook: compile proto/gateway/v1/*.proto into gateway/_proto/v1 before packaging.

All project metadata lives in pyproject.toml; this file only adds the code generation step (generated
code is never committed). It runs for `pip install .`, wheels and `pip install -e .` (setuptools runs
build_py in editable mode too); `gateway.api.protos` regenerates at first import as a fallback.
"""

import importlib.util
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


def _codegen():
    spec = importlib.util.spec_from_file_location("_gateway_codegen", ROOT / "gateway" / "api" / "codegen.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildPyWithProtos(build_py):
    """Generate the gRPC modules into the source tree, then let build_py copy them like any package."""

    def finalize_options(self):
        super().finalize_options()
        codegen = _codegen()
        try:
            codegen.generate(ROOT / "proto", ROOT / "gateway")
        except codegen.CodegenError as exc:  # e.g. built without grpcio-tools: generated at first import
            print(f"warning: gRPC code not generated at build time: {exc}")
            return
        for package in ("gateway._proto", "gateway._proto.v1"):
            if self.packages is not None and package not in self.packages:
                self.packages.append(package)

    def get_source_files(self):  # sdist must not require the generated files
        return [f for f in super().get_source_files() if "/_proto/" not in f.replace("\\", "/")]


setup(cmdclass={"build_py": BuildPyWithProtos})
