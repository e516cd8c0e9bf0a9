"""The document-reader driver interface: what the gateway asks of a desk document reader.

A desk document checker (Bundesdruckerei VISOTEC/VISOCORE class) is a page scanner with white,
infrared and ultraviolet light, often an MRZ reader, and a contactless chip reader in one box. No
vendor publishes a host protocol, so the gateway defines its own contract here and keeps each
vendor's protocol behind an adapter: a flatbed or document scanner through SANE
(`gateway.drivers.sane_scanner`), a document camera or an MJPEG stream through OpenCV
(`gateway.drivers.camera`), or a vendor SDK binding registered by another package.

Adapters register under the Python entry-point group ``gateway.drivers`` (see `load_driver`), so a
vendor binding is ``pip install``-ed next to the gateway without touching its core:

    [project.entry-points."gateway.drivers"]
    acme-desk = "acme_gateway.desk:AcmeDeskReader"

The contract, deliberately small:

- `capabilities()`: which lights it can capture, whether it reads the MRZ itself and holds a chip
  reader, and whether it can tell that a document lies on it.
- `capture(lights)`: one image per light, each with its resolution; all of the same placement, so
  their geometry matches (the optical checks compare the same region under each light).
- `wait_event(timeout)`: the next `DocumentPlaced` / `DocumentRemoved`, or None on timeout. Adapters
  that cannot sense a document (a plain flatbed) return None and say so in their capabilities.
- `chip_reader()`: the PC/SC reader name of the chip reader inside, if any; the gateway opens it
  through its usual PC/SC driver, so the chip side stays one code path.

Errors are `DocumentReaderError` subclasses with messages that name the device and the situation,
never personal data. A device that disappears mid-scan raises `DeviceGoneError`; the adapter must
recover on the next call once the device is back (no daemon restart).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "ENTRY_POINT_GROUP",
    "Capabilities",
    "Capture",
    "CaptureFailedError",
    "DeviceGoneError",
    "DocumentEvent",
    "DocumentPlaced",
    "DocumentReader",
    "DocumentReaderError",
    "DocumentRemoved",
    "DriverNotFoundError",
    "Light",
    "available_drivers",
    "load_driver",
]

ENTRY_POINT_GROUP = "gateway.drivers"


class Light(enum.StrEnum):
    """The illumination a page image was taken under (ICAO Doc 9303 Part 3: MRZ read under
    near-infrared, ~900 nm; UV 365 nm shows fluorescent features on dull paper)."""

    WHITE = "white"
    IR = "ir"
    UV = "uv"


@dataclass(frozen=True)
class Capabilities:
    lights: frozenset[Light] = frozenset({Light.WHITE})
    mrz: bool = False  # reads the MRZ itself (else the gateway OCRs the IR or white image)
    chip: bool = False  # holds a contactless chip reader (see `chip_reader()`)
    presence: bool = False  # reports document placed/removed (else the caller triggers a capture)
    vendor: str = ""
    model: str = ""


@dataclass(frozen=True)
class Capture:
    """One page image: encoded file bytes (PNG/JPEG/PNM, as the device delivers) or a decoded BGR or
    grey array, with its resolution. `dpi` 0: unknown (a camera); the MRZ reader then measures it."""

    light: Light
    image: bytes | Any
    dpi: float = 0.0
    width: int = 0
    height: int = 0
    taken_at: float = 0.0  # time.monotonic() when the frame or scan was complete


@dataclass(frozen=True)
class DocumentPlaced:
    at: float  # time.monotonic()


@dataclass(frozen=True)
class DocumentRemoved:
    at: float


DocumentEvent = DocumentPlaced | DocumentRemoved


class DocumentReaderError(Exception):
    """A document reader could not do what was asked. Messages name the device, never data."""


class DeviceGoneError(DocumentReaderError):
    """The device disappeared (unplugged, network scanner gone, stream ended) mid-operation."""


class CaptureFailedError(DocumentReaderError):
    """The device answered but gave no usable image (corrupt data, a stalled stream, a timeout)."""


class DriverNotFoundError(DocumentReaderError):
    """No adapter registered under that name (a typo in the config, or its package not installed)."""


@runtime_checkable
class DocumentReader(Protocol):
    """A desk document reader, as every adapter presents it."""

    name: str

    def capabilities(self) -> Capabilities: ...

    def capture(self, lights: Sequence[Light]) -> list[Capture]: ...

    def wait_event(self, timeout: float) -> DocumentEvent | None: ...

    def chip_reader(self) -> str | None: ...

    def close(self) -> None: ...


@dataclass
class _Registry:
    """Entry points of group `gateway.drivers`, looked up once; `extra` for adapters registered at
    run time (tests, embedders)."""

    extra: dict[str, Callable[..., DocumentReader]] = field(default_factory=dict)

    def entry_points(self) -> dict[str, metadata.EntryPoint]:
        return {ep.name: ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}


_REGISTRY = _Registry()


def register(name: str, factory: Callable[..., DocumentReader]) -> None:
    """Register an adapter at run time (an embedder's own driver); entry points are the usual way."""
    _REGISTRY.extra[name] = factory


def available_drivers() -> list[str]:
    return sorted(set(_REGISTRY.entry_points()) | set(_REGISTRY.extra))


def _factory(name: str) -> Callable[..., DocumentReader]:
    factory = _REGISTRY.extra.get(name)
    if factory is None:
        ep = _REGISTRY.entry_points().get(name)
        if ep is None:
            known = ", ".join(available_drivers()) or "none"
            raise DriverNotFoundError(f"no document-reader driver {name!r} (installed: {known})")
        factory = ep.load()
    return factory


def check_settings(name: str, settings: dict[str, Any]) -> None:
    """Raise ValueError naming a setting the adapter does not take (a config typo), before any
    device is opened: the daemon refuses to start rather than run a reader that can never attach."""
    import inspect

    try:
        inspect.signature(_factory(name)).bind_partial(**settings)
    except TypeError as exc:
        raise ValueError(f"driver {name!r}: {exc}") from None


def load_driver(name: str, **settings: Any) -> DocumentReader:
    """Instantiate the adapter registered as `name` with the config's settings (e.g. `device`,
    `url`, `dpi`). Raises DriverNotFoundError naming the drivers that are available."""
    reader = _factory(name)(**settings)
    if not isinstance(reader, DocumentReader):
        raise DriverNotFoundError(f"driver {name!r} does not implement the document-reader interface")
    return reader


def lights_of(values: Iterable[str]) -> list[Light]:
    """Parse light names from config or CLI ("white", "ir", "uv"); raises ValueError naming the bad one."""
    out = []
    for v in values:
        try:
            out.append(Light(v.strip().lower()))
        except ValueError:
            raise ValueError(f"unknown light {v!r}: use white, ir or uv") from None
    return out
