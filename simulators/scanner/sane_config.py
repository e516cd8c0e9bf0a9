"""A SANE configuration directory that makes libsane load only its `net` backend and know the
simulated scanner's host, for tests and `gateway-sim scanner`.

libsane reads `dll.conf` (which backends to load) and `net.conf` (which saned hosts to ask) from
`$SANE_CONFIG_DIR`; without a trailing colon the system directories are not read, so no other
backend probes USB or the network. net.conf takes host names only: the net backend always
connects to port 6566 (the `sane-port` service), hence the simulator's own loopback address.
"""

from __future__ import annotations

from pathlib import Path


def write_sane_config(folder: Path, hosts: list[str], connect_timeout: int = 5) -> dict[str, str]:
    """Write dll.conf and net.conf into `folder`; returns the environment to run front ends with."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dll.conf").write_text("# written by simulators.scanner.sane_config\nnet\n")
    lines = ["# written by simulators.scanner.sane_config", f"connect_timeout = {connect_timeout}", *hosts]
    (folder / "net.conf").write_text("\n".join(lines) + "\n")
    return {"SANE_CONFIG_DIR": str(folder)}
