"""Imports point one way. Every module's imports (top level, inside functions, under TYPE_CHECKING)
are parsed with `ast` and checked against the one allowed graph below; an arrow that points the
wrong way fails the test with the file and line.

The layers, bottom to top:

    limits, transport, verdict, imaging what everything may read (imaging: image headers checked
                                        before any decoder; these import no other layer but limits)
    crypto                              the hazmat layer: OIDs, curves, SPKI, CMS, signatures
    mrz, translation, framing           sans-IO cores: the MRZ engine; the phrasebook and translator
                                        codec; the MRZ line readers' wire framings
    nfc            -> crypto, mrz       what a chip says (sans-IO); never pki
    pki            -> crypto            whom to trust; never nfc
    verify         -> nfc, pki, ...     the one read-and-verify recipe and its checks
    report         -> verify, mrz       the check report (sans-IO: a result in, a record/JSON/PDF out)
    drivers        -> transport, mrz    thin I/O adapters
    service        -> verify, drivers   the daemon's device-independent layer; no grpc
    api            -> service           gRPC; knows no driver and no chip engine
    client         -> api, service      the SDK
    cli            -> anything          the console command (it alone may start simulators)
    simulators     -> transport, mrz    device simulators; never the reader side's parsers

Within nfc: the base modules (apdu, tlv, status, randomness) import nothing above them; lds (the
file parsers) imports only the base; protocol (BAC, PACE, SM, CA, AA) never imports reading; and
reading (the engine) sits on top.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOTTOM = {"gateway.limits", "gateway.transport", "gateway.verdict", "gateway.imaging"}

#: layer -> the layers it may import (besides itself and BOTTOM). Written once, here.
ALLOWED: dict[str, set[str]] = {
    "gateway.limits": set(),
    "gateway.transport": set(),
    "gateway.verdict": set(),
    "gateway.imaging": set(),
    "gateway.crypto": set(),
    "gateway.mrz": set(),
    "gateway.translation": set(),
    "gateway.framing": set(),
    "gateway.nfc": {"gateway.crypto", "gateway.mrz"},
    "gateway.pki": {"gateway.crypto"},
    "gateway.verify": {"gateway.nfc", "gateway.pki", "gateway.crypto", "gateway.mrz"},
    "gateway.report": {"gateway.verify", "gateway.mrz", "gateway.translation", "gateway"},
    "gateway.drivers": {"gateway.mrz", "gateway.translation", "gateway.framing"},
    "gateway.service": {"gateway.verify", "gateway.nfc", "gateway.pki", "gateway.crypto", "gateway.mrz",
                        "gateway.drivers", "gateway.translation", "gateway.framing"},
    "gateway.api": {"gateway.service", "gateway.mrz", "gateway.translation", "gateway._proto", "gateway",
                    "gateway.report"},
    "gateway.client": {"gateway.api", "gateway.service", "gateway.mrz"},
    "gateway.cli": {"gateway", "gateway.api", "gateway.client", "gateway.drivers", "gateway.mrz", "gateway.nfc",
                    "gateway.pki", "gateway.service", "gateway.verify", "gateway.crypto", "gateway.translation",
                    "gateway.framing", "simulators", "gateway.report"},
    "gateway.__main__": {"gateway.cli"},
    "simulators": {"gateway.mrz"},
}
#: Inside gateway.nfc: module group -> groups it must not import.
NFC_FORBIDDEN = {
    "base": {"lds", "protocol", "reading", "access_key"},
    "lds": {"protocol", "reading", "access_key"},
    "protocol": {"reading"},
    "access_key": {"reading"},
}
#: Not a layer's business: grpc only in the API and the SDK; argparse only in the CLIs.
LIBRARY_RULES = {"grpc": {"gateway.api", "gateway.client", "gateway.cli"}}
#: Maintainers' tools run as `python -m ...` (they may parse arguments).
TOOLS = {"gateway.translation.extract"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(dotted: str) -> bool:
    base = ROOT.joinpath(*dotted.split("."))
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, imported module) for every import in the file, relative imports resolved."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:  # `from gateway import limits` imports gateway.limits
                sub = f"{module}.{alias.name}"
                out.append((node.lineno, sub if _is_module(sub) else module))
    return out


def _layer(module: str) -> str | None:
    if module == "gateway":
        return "gateway"
    if module.startswith("simulators"):
        return "simulators"
    if not module.startswith("gateway."):
        return None
    return ".".join(module.split(".")[:2])


def _nfc_group(module: str) -> str | None:
    parts = module.split(".")
    if parts[:2] != ["gateway", "nfc"] or len(parts) < 3:
        return None
    if parts[2] in ("lds", "protocol", "reading", "access_key"):
        return parts[2]
    return "base"


def _sources() -> list[Path]:
    files = [*ROOT.glob("gateway/**/*.py"), *ROOT.glob("simulators/**/*.py")]
    return sorted(f for f in files if "_proto" not in f.parts)


def test_imports_point_one_way() -> None:
    wrong = []
    for path in _sources():
        me = _module_name(path)
        my_layer = _layer(me)
        assert my_layer in ALLOWED or my_layer == "gateway", f"{me}: layer {my_layer} is not in the graph"
        allowed = ALLOWED.get(my_layer or "", set()) | BOTTOM | {my_layer}
        for line, target in _imports(path):
            layer = _layer(target)
            if layer is not None and layer not in allowed and my_layer != "gateway":
                wrong.append(f"{path.relative_to(ROOT)}:{line}: {my_layer} imports {target}")
            mine, theirs = _nfc_group(me), _nfc_group(target)
            if mine and theirs and theirs in NFC_FORBIDDEN.get(mine, set()):
                wrong.append(f"{path.relative_to(ROOT)}:{line}: nfc.{mine} imports {target}")
            top = target.split(".")[0]
            if top in LIBRARY_RULES and my_layer not in LIBRARY_RULES[top]:
                wrong.append(f"{path.relative_to(ROOT)}:{line}: {my_layer} imports {top}")
            if top == "argparse" and not (me.startswith(("gateway.cli", "simulators")) or me in TOOLS):
                wrong.append(f"{path.relative_to(ROOT)}:{line}: {me} imports argparse (only CLIs parse arguments)")
    assert wrong == [], "\n".join(wrong)


def test_the_checker_sees_a_wrong_arrow(tmp_path: Path) -> None:
    """The parser itself works: a module importing upwards is found, relative imports resolved."""
    nfc = ROOT / "gateway" / "nfc" / "protocol" / "bac.py"
    targets = {t for _, t in _imports(nfc)}
    assert "gateway.nfc.apdu" in targets and "gateway.nfc.protocol.secure_messaging" in targets
    assert _layer("gateway.pki.store") not in ALLOWED["gateway.nfc"]
    assert _nfc_group("gateway.nfc.reading.reader") in NFC_FORBIDDEN["protocol"]


def test_the_graph_has_no_cycles() -> None:
    seen: dict[str, int] = {}

    def visit(layer: str) -> None:
        state = seen.get(layer, 0)
        assert state != 1, f"cycle through {layer}"
        if state == 2:
            return
        seen[layer] = 1
        for below in ALLOWED.get(layer, set()) - {"gateway"}:
            if below in ALLOWED:
                visit(below)
        seen[layer] = 2

    for layer in ALLOWED:
        visit(layer)


#: Sans-IO image cores: frames in, events and choices out; no sockets, threads or processes of their own
#: (the camera driver owns those). The other cores predate this list.
SANS_IO_LAYERS = {"gateway.imaging"}
SANS_IO_FORBIDDEN = {"socket", "ssl", "threading", "asyncio", "selectors", "subprocess", "multiprocessing",
                     "concurrent", "http", "urllib", "queue"}


def test_imaging_stays_sans_io() -> None:
    wrong = []
    for path in _sources():
        if _layer(_module_name(path)) not in SANS_IO_LAYERS:
            continue
        for line, target in _imports(path):
            if target.split(".")[0] in SANS_IO_FORBIDDEN:
                wrong.append(f"{path.relative_to(ROOT)}:{line}: sans-IO core imports {target}")
    assert wrong == [], "\n".join(wrong)
