"""A simulated desk document scanner behind a saned-protocol server, so libsane's own `net`
backend (and `scanimage`) talk to it exactly as to a scanner shared by a real `saned`.

It serves the page of a simulator profile rendered under white, IR or UV light (the `source`
option) at the requested `resolution`, as one RGB frame; all lights of one placement share the
same geometry. A read-only `page-loaded` sensor (the SANE standard option name scanners with a
document sensor use) says whether a document lies on it. Faults for the error paths: `vanish`
(connections dropped mid-scan and the port closed until `restore()`), `stall` (the data stream
stops mid-scan).

libsane's net backend always connects to the `sane-port` service (6566; net.conf takes no
port), so the simulator listens on 6566 of a loopback address of its own (127.x.y.z: every
address in 127/8 is local on Linux), which keeps simulators and tests apart.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import random
import socket
import threading
import time
from dataclasses import dataclass

import numpy as np

from . import wire
from .wire import (
    CAP_HARD_SELECT,
    CAP_SOFT_DETECT,
    Action,
    Constraint,
    OptionDescriptor,
    Proc,
    Status,
    Unit,
    ValueType,
)

log = logging.getLogger(__name__)

SANE_PORT = 6566
DEVICE_NAME = "gateway-sim"
SOURCES = {"White": "white", "IR": "ir", "UV": "uv"}  # option value -> renderer light
RESOLUTIONS = (75, 600)
_CHUNK = 64 * 1024

OPTIONS = [
    OptionDescriptor("", "Number of options", "Read-only option that holds the number of options.",
                     ValueType.INT, cap=CAP_SOFT_DETECT),
    OptionDescriptor("mode", "Scan mode", "Colour mode of the scan.", ValueType.STRING, size=32,
                     constraint=Constraint.STRING_LIST, strings=("Color",)),
    OptionDescriptor("source", "Scan source", "Illumination: white light, infrared (~900 nm) or UV (365 nm).",
                     ValueType.STRING, size=32, constraint=Constraint.STRING_LIST, strings=tuple(SOURCES)),
    OptionDescriptor("resolution", "Scan resolution", "Sets the resolution of the scanned image.",
                     ValueType.INT, unit=Unit.DPI, constraint=Constraint.RANGE, range=(*RESOLUTIONS, 1)),
    OptionDescriptor("page-loaded", "Page loaded", "A document lies on the scanner (sensor).",
                     ValueType.BOOL, cap=CAP_SOFT_DETECT | CAP_HARD_SELECT),
]


@dataclass
class Placed:
    """The document on the glass: its printed spec and a placement seed (same seed, same geometry)."""

    spec: object
    seed: int
    pages: dict[int, object] = dataclasses.field(default_factory=dict)  # dpi -> rendered Page
    scans: dict[tuple[int, str], np.ndarray] = dataclasses.field(default_factory=dict)  # (dpi, light) -> scan
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)  # one render at a time


def render_scan(placed: Placed, dpi: int, light: str) -> np.ndarray:
    """The scan of the placed document: RGB uint8, the document in the reader's window."""
    from simulators.documents import Degradation, render_page
    from simulators.documents.degrade import take_picture

    page = placed.pages.get(dpi)
    if page is None:
        page = placed.pages[dpi] = render_page(placed.spec, dpi=float(dpi), light="white")  # type: ignore[arg-type]
    lit = dataclasses.replace(page, image=page.relight(light), light=light)  # type: ignore[call-overload]
    return take_picture(lit, Degradation(scene="none", dpi=float(dpi)), placed.seed).image


class _Session:
    """Option values of one open handle."""

    def __init__(self) -> None:
        self.values: dict[str, object] = {"mode": "Color", "source": "White", "resolution": 300}


class SimulatedScanner:
    """The saned-protocol server. `place(spec)` / `remove()` / `vanish()` / `restore()` / `stall`."""

    def __init__(self, host: str | None = None, port: int = SANE_PORT) -> None:
        self.host = host or pick_loopback_address()
        self.port = port
        self.placed: Placed | None = None
        self.stall = False
        self.scans = 0
        self._vanish_mid_scan = False
        self._dpis_seen: set[int] = set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._conns: set[socket.socket] = set()
        self._closing = False
        self._threads: list[threading.Thread] = []
        self._listen()

    # ---- the operator's side ------------------------------------------------------------------

    @property
    def device(self) -> str:
        """The SANE device name front ends use (net backend: `net:HOST:DEVICE`)."""
        return f"net:{self.host}:{DEVICE_NAME}"

    def place(self, spec: object, seed: int = 1) -> None:
        """Put a document on the glass. Its scans at the resolutions asked for so far are rendered
        in the background at once, as a real reader's pre-scan would, so a capture right after the
        placement measures the scanner path rather than the renderer."""
        placed = Placed(spec, seed)
        with self._lock:
            self.placed = placed
            dpis = sorted(self._dpis_seen)
        if dpis:
            threading.Thread(target=self._prerender, args=(placed, dpis), name="saned-sim-render", daemon=True).start()

    def _prerender(self, placed: Placed, dpis: list[int]) -> None:
        for dpi in dpis:
            for light in SOURCES.values():
                with placed.lock:
                    if self.placed is not placed:
                        return
                    if (dpi, light) not in placed.scans:
                        placed.scans[dpi, light] = render_scan(placed, dpi, light)

    def place_scanned(self, spec: object, dpi: int, seed: int = 1) -> None:
        """Put a document on the glass with its scans at `dpi` already made under every light, as a
        desk reader that pre-scans while the document settles: the sensor reports it only then, so a
        capture measures the scanner path (libsane, the wire), not the simulator's renderer."""
        placed = Placed(spec, seed)
        with placed.lock:
            for light in SOURCES.values():
                placed.scans[dpi, light] = render_scan(placed, dpi, light)
        with self._lock:
            self._dpis_seen.add(dpi)
            self.placed = placed

    def remove(self) -> None:
        with self._lock:
            self.placed = None

    def vanish(self, mid_scan: bool = False) -> None:
        """Disappear: drop every connection and stop listening (now, or in the middle of the next
        scan's data when `mid_scan`)."""
        if mid_scan:
            self._vanish_mid_scan = True
            return
        self._go_away()

    def restore(self) -> None:
        """Come back after `vanish` (a power-cycled or re-plugged scanner)."""
        self._vanish_mid_scan = False
        if self._listener is None:
            self._listen()

    def close(self) -> None:
        self._closing = True
        self._go_away()
        for t in self._threads:
            t.join(timeout=2)

    # ---- network ------------------------------------------------------------------------------

    def _listen(self) -> None:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((self.host, self.port))
        s.listen(8)
        self._listener = s
        t = threading.Thread(target=self._accept_loop, args=(s,), name="saned-sim", daemon=True)
        t.start()
        self._threads.append(t)

    def _go_away(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            _close(listener)
        with self._lock:
            conns, self._conns = set(self._conns), set()
        for c in conns:
            _close(c)

    def _track(self, c: socket.socket) -> None:
        with self._lock:
            self._conns.add(c)

    def _accept_loop(self, listener: socket.socket) -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._track(conn)
            threading.Thread(target=self._serve, args=(conn,), name="saned-sim-conn", daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        buf = bytearray()
        sessions: dict[int, _Session] = {}
        next_handle = 0
        version = wire.PROTOCOL_BUILD
        try:
            while True:
                try:
                    req, used = wire.decode_request(buf, version)
                except wire.NeedMore:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    buf += chunk
                    continue
                del buf[:used]
                a = req.args
                if req.proc == Proc.INIT:
                    code = a["version_code"]
                    version = min(code & 0xFFFF, wire.PROTOCOL_BUILD)
                    reply = wire.init_reply(Status.GOOD, wire.version_code(1, 0, wire.PROTOCOL_BUILD))
                elif req.proc == Proc.GET_DEVICES:
                    reply = wire.devices_reply(Status.GOOD, [(DEVICE_NAME, "Gateway", "Simulated desk reader",
                                                              "document scanner")])
                elif req.proc == Proc.OPEN:
                    name = a["name"] or DEVICE_NAME
                    if name != DEVICE_NAME:
                        reply = wire.open_reply(Status.INVAL, 0)
                    else:
                        next_handle += 1
                        sessions[next_handle] = _Session()
                        reply = wire.open_reply(Status.GOOD, next_handle)
                elif req.proc == Proc.CLOSE:
                    sessions.pop(a["handle"], None)
                    reply = wire.ack_reply()
                elif req.proc == Proc.GET_OPTION_DESCRIPTORS:
                    reply = wire.option_descriptors_reply(OPTIONS if a["handle"] in sessions else [])
                elif req.proc == Proc.CONTROL_OPTION:
                    reply = self._control(sessions.get(a["handle"]), a)
                elif req.proc == Proc.GET_PARAMETERS:
                    reply = self._parameters(sessions.get(a["handle"]))
                elif req.proc == Proc.START:
                    reply = self._start(conn, sessions.get(a["handle"]))
                elif req.proc == Proc.CANCEL or req.proc == Proc.AUTHORIZE:
                    reply = wire.ack_reply()
                else:  # EXIT
                    return
                conn.sendall(reply)
        except (OSError, wire.ProtocolError) as exc:
            log.debug("saned-sim connection ended: %s", exc)
        finally:
            with self._lock:
                self._conns.discard(conn)
            _close(conn)

    # ---- the RPCs -----------------------------------------------------------------------------

    def _control(self, s: _Session | None, a: dict) -> bytes:
        n = a["option"]
        if s is None or not 0 <= n < len(OPTIONS):
            return wire.control_option_reply(Status.INVAL, 0, ValueType.INT, 0, 0)
        opt = OPTIONS[n]
        action = a["action"]
        if action == Action.GET_VALUE:
            return wire.control_option_reply(Status.GOOD, 0, opt.type, opt.size, self._value(s, opt.name))
        if action != Action.SET_VALUE or not opt.cap & wire.CAP_SOFT_SELECT:
            return wire.control_option_reply(Status.INVAL, 0, opt.type, opt.size, self._value(s, opt.name))
        value = a["value"]
        info = 0
        if opt.type == ValueType.STRING:
            if value not in opt.strings:
                return wire.control_option_reply(Status.INVAL, 0, opt.type, opt.size, self._value(s, opt.name))
            s.values[opt.name] = value
        else:
            v = int(value[0]) if value else 0
            lo, hi, _ = opt.range or (v, v, 1)
            clipped = min(max(v, lo), hi)
            info |= wire.INFO_INEXACT if clipped != v else 0
            s.values[opt.name] = clipped
        if opt.name == "resolution":
            info |= wire.INFO_RELOAD_PARAMS
        return wire.control_option_reply(Status.GOOD, info, opt.type, opt.size, self._value(s, opt.name))

    def _value(self, s: _Session, name: str) -> object:
        if name == "":
            return len(OPTIONS)
        if name == "page-loaded":
            return int(self.placed is not None)
        return s.values[name]

    def _frame_size(self, s: _Session) -> tuple[int, int]:
        """Width and height of the scan window at the session's resolution (the document plus a
        3 mm margin, as the renderer places it); 0 x 0 with nothing on the glass."""
        placed = self.placed
        if placed is None:
            return 0, 0
        img = self._scan_image(s, placed)
        return img.shape[1], img.shape[0]

    def _scan_image(self, s: _Session, placed: Placed) -> np.ndarray:
        key = (int(s.values["resolution"]), SOURCES[str(s.values["source"])])  # type: ignore[call-overload]
        self._dpis_seen.add(key[0])
        with placed.lock:
            if key not in placed.scans:
                placed.scans[key] = render_scan(placed, *key)
            return placed.scans[key]

    def _parameters(self, s: _Session | None) -> bytes:
        if s is None:
            return wire.parameters_reply(Status.INVAL, wire.Frame.RGB, True, 0, 0, 0, 8)
        w, h = self._frame_size(s)
        return wire.parameters_reply(Status.GOOD, wire.Frame.RGB, True, 3 * w, w, h, 8)

    def _start(self, conn: socket.socket, s: _Session | None) -> bytes:
        if s is None:
            return wire.start_reply(Status.INVAL, 0)
        placed = self.placed
        if placed is None:
            return wire.start_reply(Status.NO_DOCS, 0)
        image = self._scan_image(s, placed)
        data = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        data.bind((self.host, 0))
        data.listen(1)
        self._track(data)
        port = data.getsockname()[1]
        self.scans += 1
        t = threading.Thread(target=self._send_data, args=(data, np.ascontiguousarray(image).tobytes()),
                             name="saned-sim-data", daemon=True)
        t.start()
        return wire.start_reply(Status.GOOD, port)

    def _send_data(self, listener: socket.socket, payload: bytes) -> None:
        listener.settimeout(10)
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        finally:
            _close(listener)
        self._track(conn)
        try:
            half = len(payload) // 2
            for pos in range(0, len(payload), _CHUNK):
                if pos >= half and self._vanish_mid_scan:
                    self._vanish_mid_scan = False
                    self._go_away()
                    return
                while pos >= half and self.stall and not self._closing:
                    time.sleep(0.05)
                    if conn.fileno() < 0:
                        return
                conn.sendall(wire.data_record(payload[pos:pos + _CHUNK]))
            conn.sendall(wire.data_end(Status.EOF))
        except OSError:
            pass
        finally:
            with self._lock:
                self._conns.discard(conn)
            _close(conn)


def _close(s: socket.socket) -> None:
    with contextlib.suppress(OSError):
        s.shutdown(socket.SHUT_RDWR)
    s.close()


def pick_loopback_address() -> str:
    """A loopback address of our own in 127.0.0.0/8 (not 127.0.0.1) whose port 6566 is free."""
    rng = random.Random()
    for _ in range(50):
        host = f"127.{rng.randint(1, 254)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            probe.bind((host, SANE_PORT))
            return host
        except OSError:
            continue
        finally:
            probe.close()
    raise OSError("no free loopback address for the simulated scanner")
