"""Make sure a pcscd runs that offers the project's vpcd reader slots, for tests and the simulator.

Facts this module is built on (pcsc-lite 1.9, vsmartcard-vpcd 0.8, checked on Debian):

* pcscd's IPC directory is compiled in (`/run/pcscd`, socket `pcscd.comm`, pid file `pcscd.pid`), so
  only ONE pcscd can run per machine; a second one refuses to start.
* `pcscd -c PATH` accepts a single reader.conf file as well as a directory; without it pcscd reads
  `/etc/reader.conf.d`. We start `pcscd --foreground --config simulators/chip/reader.conf` as a child,
  so nothing under /etc is touched and stopping it is just terminating our own process.
* Serial (reader.conf) readers are read once at start-up: `pcscd --hotplug` (SIGUSR1) does NOT add
  readers from a changed config. So when a pcscd is already running (e.g. the system one with only the
  stock vpcd entry, ports 35963/35964), we use it as it is and report which of our ports it lacks;
  callers skip what needs the others. We never stop a pcscd we did not start.
* Each vpcd DEVICENAME opens two slots (port N and N+1), named "<FRIENDLYNAME> 00 00" / "... 00 01".
  vpcd keeps slot state in globals, so a second entry needs its own copy of the driver library
  (see reader.conf); `ensure_pcscd` creates that copy under /run/gateway-vpcd.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "IPC_DIR",
    "READER_CONF",
    "VPCD_PORTS",
    "PcscdError",
    "PcscdHandle",
    "ensure_pcscd",
    "listening_ports",
    "pcscd_command",
    "reader_name",
    "running_pcscd",
    "vpcd_reader_names",
    "wait_card_state",
]

READER_CONF = Path(__file__).resolve().parent / "chip" / "reader.conf"
IPC_DIR = Path("/run/pcscd")
PID_FILE = IPC_DIR / "pcscd.pid"
SOCKET_FILE = IPC_DIR / "pcscd.comm"
VPCD_PORTS = (35963, 35964, 35965, 35966)
VPCD_SLOTS_PER_READER = 2
DRIVER_COPY_DIR = Path("/run/gateway-vpcd")  # root-owned tmpfs: safe for a library pcscd (root) loads
_VPCD_LIBRARY_GLOBS = (
    "/usr/lib/pcsc/drivers/serial/libifdvpcd.so*",
    "/usr/lib*/pcsc/drivers/serial/libifdvpcd.so*",
    "/usr/local/lib*/pcsc/drivers/serial/libifdvpcd.so*",
)


class PcscdError(RuntimeError):
    """pcscd cannot be started or does not become ready; the message says why."""


# --- reader.conf --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ConfEntry:
    friendly_name: str
    device: str
    libpath: str

    @property
    def base_port(self) -> int | None:
        """vpcd's port from DEVICENAME "/dev/null:PORT" (decimal or 0x hex)."""
        _, _, port = self.device.rpartition(":")
        try:
            return int(port, 0)
        except ValueError:
            return None


def _parse_reader_conf(text: str) -> list[_ConfEntry]:
    entries: list[_ConfEntry] = []
    current: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        key, _, value = line.partition(" ")
        key, value = key.upper(), value.strip().strip('"')
        if key == "FRIENDLYNAME" and current:
            entries.append(
                _ConfEntry(
                    current.get("FRIENDLYNAME", ""), current.get("DEVICENAME", ""), current.get("LIBPATH", "")
                )
            )
            current = {}
        current[key] = value
    if current:
        entries.append(
            _ConfEntry(
                current.get("FRIENDLYNAME", ""), current.get("DEVICENAME", ""), current.get("LIBPATH", "")
            )
        )
    return entries


def vpcd_reader_names(conf: Path = READER_CONF) -> dict[int, str]:
    """Port -> the reader name pcscd shows for it (each vpcd entry serves two consecutive ports)."""
    names: dict[int, str] = {}
    for entry in _parse_reader_conf(conf.read_text()):
        if "ifdvpcd" not in entry.libpath or entry.base_port is None:
            continue
        for slot in range(VPCD_SLOTS_PER_READER):
            names[entry.base_port + slot] = f"{entry.friendly_name} 00 {slot:02X}"
    return names


def reader_name(port: int, conf: Path = READER_CONF) -> str:
    """The pcscd reader name of a vpcd port from our reader.conf, e.g. 35963 -> "Virtual PCD 00 00"."""
    try:
        return vpcd_reader_names(conf)[port]
    except KeyError:
        raise ValueError(f"port {port} is not a vpcd port of {conf.name}") from None


def _installed_vpcd_library() -> str | None:
    found = sorted({p for pattern in _VPCD_LIBRARY_GLOBS for p in glob.glob(pattern)}, key=len)
    return found[0] if found else None


def _copy_driver(source: str, target: Path) -> None:
    """Give a reader entry its own copy of the vpcd library (atomically: other starters may race)."""
    if os.geteuid() != 0:
        raise PcscdError(f"creating {target} (a private copy of the vpcd driver) needs root")
    target.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}")
    shutil.copyfile(source, temporary)
    temporary.chmod(0o644)
    temporary.replace(target)


def _prepared_conf(conf: Path) -> Path:
    """Make every LIBPATH of `conf` exist (pcscd refuses to start otherwise).

    Paths under DRIVER_COPY_DIR are materialised as copies of the installed vpcd driver; any other
    missing vpcd path (another distribution's layout) is replaced by the installed one in a temporary
    copy of the conf.
    """
    replacements: dict[str, str] = {}
    for entry in _parse_reader_conf(conf.read_text()):
        path = Path(entry.libpath)
        if path.exists():
            continue
        installed = _installed_vpcd_library()
        if "ifdvpcd" not in path.name:
            raise PcscdError(f"driver {path} of reader {entry.friendly_name!r} in {conf} does not exist")
        if installed is None:
            raise PcscdError("the vpcd driver (package vsmartcard-vpcd) is not installed")
        if path.is_relative_to(DRIVER_COPY_DIR):
            _copy_driver(installed, path)
        else:
            replacements[entry.libpath] = installed
    if not replacements:
        return conf
    text = conf.read_text()
    for old, new in replacements.items():
        text = text.replace(old, new)
    fd, name = tempfile.mkstemp(prefix="gateway-vpcd-", suffix=".conf")
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    return Path(name)


# --- probing ------------------------------------------------------------------------------------------


def running_pcscd() -> int | None:
    """Pid of the pcscd that owns /run/pcscd, or None if none runs."""
    try:
        pid = int(PID_FILE.read_bytes().split(b"\0")[0].strip())  # pcscd writes a trailing NUL
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
    except (OSError, ValueError):
        return None
    return pid if comm == "pcscd" and SOCKET_FILE.exists() else None


def pcscd_command(pid: int) -> list[str]:
    """Command line of a running pcscd (to tell the user which config it was started with)."""
    try:
        return [a for a in Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0") if a]
    except OSError:
        return []


def listening_ports() -> set[int]:
    """TCP ports in LISTEN state on this machine (from /proc/net/tcp{,6})."""
    ports: set[int] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 3 and fields[3] == "0A":  # TCP_LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def _list_readers() -> list[str] | None:
    """Reader names, or None when the service does not answer."""
    from smartcard import scard

    hresult, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != scard.SCARD_S_SUCCESS:
        return None
    try:
        hresult, readers = scard.SCardListReaders(ctx, [])
        if hresult == scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        return list(readers) if hresult == scard.SCARD_S_SUCCESS else None
    finally:
        scard.SCardReleaseContext(ctx)


def wait_card_state(reader: str, present: bool, timeout: float = 5.0, atr: bytes | None = None) -> bool:
    """Wait until pcscd reports a card in `reader` (with `atr`, if given) or reports it empty."""
    from smartcard import scard

    deadline = time.monotonic() + timeout
    hresult, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != scard.SCARD_S_SUCCESS:
        return False
    try:
        state = scard.SCARD_STATE_UNAWARE
        while True:
            remaining = deadline - time.monotonic()
            wait_ms = 0 if state == scard.SCARD_STATE_UNAWARE else max(0, min(500, int(remaining * 1000)))
            hresult, states = scard.SCardGetStatusChange(ctx, wait_ms, [(reader, state)])
            if hresult == scard.SCARD_S_SUCCESS:
                _, event, card_atr = states[0]
                is_present = bool(event & scard.SCARD_STATE_PRESENT)
                if is_present == present and (not present or atr is None or bytes(card_atr) == atr):
                    return True
                state = event & ~scard.SCARD_STATE_CHANGED
            elif hresult != scard.SCARD_E_TIMEOUT:
                time.sleep(0.05)  # unknown reader (yet): poll
                state = scard.SCARD_STATE_UNAWARE
            if time.monotonic() >= deadline:
                return False
    finally:
        scard.SCardReleaseContext(ctx)


# --- the handle ---------------------------------------------------------------------------------------


@dataclass
class PcscdHandle:
    """The pcscd in use; `started` says whether this process started it (and so may stop it)."""

    pid: int
    started: bool
    conf: Path = READER_CONF
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    _names: dict[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._names = vpcd_reader_names(self.conf)

    def reader_name(self, port: int) -> str:
        return self._names[port] if port in self._names else reader_name(port)

    def available_ports(self) -> tuple[int, ...]:
        """Our vpcd ports that this pcscd actually serves (reader listed and port listening)."""
        readers = set(_list_readers() or [])
        listening = listening_ports()
        return tuple(p for p, name in sorted(self._names.items()) if name in readers and p in listening)

    def why_unavailable(self, port: int) -> str:
        """A one-line reason for a skip message."""
        if port in self.available_ports():
            return ""
        command = " ".join(pcscd_command(self.pid)) or "pcscd"
        return (
            f"vpcd port {port} ({self.reader_name(port)!r}) is not offered by the running pcscd "
            f"(pid {self.pid}: {command}); stop it and run `python -m simulators.pcscd` to get all of "
            f"{', '.join(map(str, VPCD_PORTS))}"
        )

    def stop(self, timeout: float = 5.0) -> None:
        """Terminate pcscd if this handle started it; otherwise do nothing."""
        if not self.started or self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)
        if self.log_path is not None:
            self.log_path.unlink(missing_ok=True)


def _pcscd_binary() -> str:
    found = shutil.which("pcscd") or next(
        (p for p in ("/usr/sbin/pcscd", "/sbin/pcscd") if os.access(p, os.X_OK)), None
    )
    if found is None:
        raise PcscdError("pcscd is not installed (Debian/Ubuntu: apt-get install pcscd vsmartcard-vpcd)")
    return found


def ensure_pcscd(conf: Path = READER_CONF, timeout: float = 10.0) -> PcscdHandle:
    """Use the running pcscd, or start `pcscd --foreground --config CONF` as a child and wait for it.

    Returns a handle whose `stop()` terminates pcscd only if it was started here.
    """
    try:
        return _ensure_pcscd_once(conf, timeout)
    except _LostRace:
        # Another pcscd was shutting down while ours started; its files are gone now: try once more.
        time.sleep(0.2)
        return _ensure_pcscd_once(conf, timeout)


class _LostRace(Exception):
    pass


def _ensure_pcscd_once(conf: Path, timeout: float) -> PcscdHandle:
    pid = running_pcscd()
    if pid is not None and _list_readers() is not None:
        return PcscdHandle(pid=pid, started=False, conf=conf)
    binary = _pcscd_binary()
    effective_conf = _prepared_conf(conf)
    if os.geteuid() != 0 and not os.access(IPC_DIR.parent, os.W_OK):
        raise PcscdError(f"pcscd is not running and starting it needs write access to {IPC_DIR} (root)")
    with tempfile.NamedTemporaryFile(prefix="gateway-pcscd-", suffix=".log", delete=False) as log_file:
        process = subprocess.Popen(
            [binary, "--foreground", "--config", str(effective_conf)],
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C in the test terminal must not kill it before teardown
        )
    handle = PcscdHandle(
        pid=process.pid, started=True, conf=conf, process=process, log_path=Path(log_file.name)
    )
    expected = set(handle._names.values())
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            other = running_pcscd()
            if other is not None:  # lost a start-up race against another starter: share theirs
                return PcscdHandle(pid=other, started=False, conf=conf)
            tail = Path(log_file.name).read_text(errors="replace").strip().splitlines()[-3:]
            if any("Another pcscd" in line for line in tail):
                raise _LostRace
            raise PcscdError(f"pcscd exited with status {process.returncode}: {' | '.join(tail)}")
        readers = _list_readers()
        if readers is not None and expected <= set(readers):
            atexit.register(handle.stop)  # a crashed test run must not leave our pcscd behind
            return handle
        time.sleep(0.05)
    handle.stop()
    with contextlib.suppress(OSError):
        tail = Path(log_file.name).read_text(errors="replace").strip().splitlines()[-3:]
        raise PcscdError(f"pcscd did not offer the vpcd readers within {timeout:g} s: {' | '.join(tail)}")
    raise PcscdError(f"pcscd did not offer the vpcd readers within {timeout:g} s")


def main() -> int:
    """`python -m simulators.pcscd`: start pcscd with the project's readers and keep it running."""
    try:
        handle = ensure_pcscd()
    except PcscdError as exc:
        print(f"error: {exc}")
        return 1
    for port in VPCD_PORTS:
        state = "ready" if port in handle.available_ports() else "NOT offered by this pcscd"
        print(f"vpcd port {port}: {handle.reader_name(port)!r} {state}")
    if not handle.started:
        print(f"using the pcscd already running (pid {handle.pid})")
        return 0
    print(f"pcscd started (pid {handle.pid}); Ctrl-C stops it")
    try:
        while handle.process is not None and handle.process.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        handle.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
