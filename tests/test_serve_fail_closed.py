"""Fail closed at start-up: a daemon missing a component refuses to start, says which, and never
listens — rather than serve a verifier that could never say GENUINE. The import is broken on
purpose by shadowing a required package (pyscard, OpenCV) with one that fails to import."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.service.components import ComponentMissing, check_components

GATEWAY = str(Path(sys.executable).with_name("gateway"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(("package", "component"), [
    ("smartcard", "the PC/SC driver (pyscard)"),
    ("cv2", "the image decoder (OpenCV)"),
])
def test_serve_refuses_to_start_without_a_component(tmp_path: Path, package: str, component: str) -> None:
    broken = tmp_path / package
    broken.mkdir()
    (broken / "__init__.py").write_text(f'raise ImportError("{package} is broken (test)", name="{package}")\n')
    port = _free_port()
    done = subprocess.run([GATEWAY, "serve", "--listen", f"127.0.0.1:{port}"], capture_output=True, text=True,
                          timeout=60, env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 2, done.stderr
    assert f"cannot start: {component} cannot be loaded (module '{package}'" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    with socket.socket() as s:  # it never listened: health was never SERVING for anyone
        assert s.connect_ex(("127.0.0.1", port)) != 0


def test_every_component_of_this_installation_loads() -> None:
    check_components()


def test_a_missing_module_is_named() -> None:
    with pytest.raises(ComponentMissing, match=r"the thing .* 'gateway_no_such_module'"):
        check_components((("the thing", "gateway_no_such_module"),))


def test_a_bad_trust_file_stops_start_up_when_trust_is_strict(tmp_path: Path) -> None:
    trust = tmp_path / "trust"
    trust.mkdir()
    (trust / "broken.der").write_bytes(b"\x30\x82\x01\x00garbage")
    config = tmp_path / "gateway.toml"
    config.write_text(f'[trust]\npath = "{trust}"\nstrict = true\n')
    port = _free_port()
    done = subprocess.run([GATEWAY, "serve", "--config", str(config), "--listen", f"127.0.0.1:{port}"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    line = done.stderr.strip().splitlines()[-1]
    assert line.startswith("gateway serve: cannot start: trust file") and "broken.der" in line
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0
