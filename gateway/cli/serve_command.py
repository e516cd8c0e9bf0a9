"""`gateway serve`: run the verification daemon (gRPC) until SIGTERM or SIGINT.

Default listener: localhost:50051 (loopback only: the desk PC's own software). Add `--listen
unix:/run/gateway/gateway.sock` for a Unix socket (mode 0660 - give the desk application's group
access), and TLS (`--tls-cert/--tls-key`, mutual TLS with `--client-ca`) plus tokens
(`--token-file`) before listening on a network address for mobile checkers.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import logging
import os
import signal
import sys
from pathlib import Path

from gateway.service.config import DEFAULT_LISTEN, ConfigError, ServeConfig, load_config, read_tokens

log = logging.getLogger("gateway.serve")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help="run the verification daemon (gRPC)",
        description="Run the gateway daemon: VerificationService, DeviceService, grpc.health.v1 and server "
        f"reflection. Listens on {DEFAULT_LISTEN} unless told otherwise. Logs are JSON lines on stderr, "
        "free of personal data. SIGTERM/SIGINT: health NOT_SERVING, running calls finish, then stop.",
    )
    p.add_argument("--listen", action="append", metavar="ADDR",
                   help=f"address to listen on, repeatable: host:port, [::1]:port or unix:/path "
                        f"(default {DEFAULT_LISTEN}; overrides the config file)")
    p.add_argument("--config", type=Path, metavar="PATH", help="TOML config file (devices, trust store, limits)")
    p.add_argument("--tls-cert", type=Path, metavar="PEM", help="server certificate chain (enables TLS on TCP)")
    p.add_argument("--tls-key", type=Path, metavar="PEM", help="server private key")
    p.add_argument("--client-ca", type=Path, metavar="PEM", help="require client certificates issued by this CA")
    p.add_argument("--token-file", type=Path, metavar="PATH",
                   help="bearer tokens, one per line; TCP callers must send `authorization: Bearer <token>`")
    p.add_argument("--unix-socket-mode", metavar="OCTAL", help="file mode of Unix sockets (default 0660)")
    p.add_argument("--trust", type=Path, metavar="PATH", help="trust store: master list, CSCA folder, CRLs")
    p.add_argument("--simulate", action="store_true",
                   help="serve simulated readers with simulated documents (starts pcscd if needed)")
    p.add_argument("--profiles", metavar="LIST",
                   help="--simulate: comma-separated simulator profiles, one per reader slot")
    p.add_argument("--kbit-s", type=int, choices=(106, 212, 424, 848), help="--simulate: link speed (default 424)")
    p.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))
    p.set_defaults(handler=run_serve)


def _fail(reason: str) -> int:
    print(f"gateway serve: {reason}", file=sys.stderr)
    return 2


def build_config(args: argparse.Namespace) -> ServeConfig:
    config = load_config(args.config)
    if args.listen:
        config.listen = list(args.listen)
    for key in ("tls_cert", "tls_key", "client_ca", "token_file"):
        if getattr(args, key) is not None:
            setattr(config, key, getattr(args, key))
    if args.unix_socket_mode:
        try:
            config.unix_socket_mode = int(args.unix_socket_mode, 8)
        except ValueError:
            raise ConfigError("--unix-socket-mode must be octal, e.g. 0660") from None
    if args.trust is not None:
        config.trust_path = args.trust
    if (config.tls_cert is None) != (config.tls_key is None):
        raise ConfigError("--tls-cert and --tls-key go together")
    if config.token_file is not None:
        config.tokens = read_tokens(config.token_file)
    if args.profiles:
        config.simulate_profiles = tuple(p.strip() for p in args.profiles.split(",") if p.strip())
    if args.kbit_s:
        config.simulate_kbit_s = args.kbit_s
    return config


def run_serve(args: argparse.Namespace) -> int:
    from gateway.api import jsonlog

    jsonlog.configure(args.log_level)
    try:
        config = build_config(args)
    except ConfigError as exc:
        return _fail(str(exc))
    return asyncio.run(serve(config, simulate=args.simulate))


async def serve(config: ServeConfig, simulate: bool = False) -> int:
    from gateway.service.components import ComponentMissing, check_components

    try:  # fail closed: a verifier missing a part must not start, or it could never say GENUINE
        check_components()
    except ComponentMissing as exc:
        return _fail(f"cannot start: {exc}")
    from gateway.api.server import GatewayDaemon, ListenError
    from gateway.pki.store import TrustStore
    from gateway.service.verification import DocumentVerifier

    simulation = None
    simulated: dict[str, str] = {}
    if simulate:
        from simulators.simulated_readers import DEFAULT_PROFILES, SimulatedReaders, SimulationError

        simulation = SimulatedReaders(profiles=config.simulate_profiles or DEFAULT_PROFILES,
                                      kbit_s=config.simulate_kbit_s)
        try:
            simulated = await asyncio.get_running_loop().run_in_executor(None, simulation.start)
        except SimulationError as exc:
            simulation.stop()
            return _fail(str(exc))
    trust = config.trust_path
    if simulation is not None and trust is None:
        trust = await asyncio.get_running_loop().run_in_executor(None, simulation.trust_folder)
    store = None
    if trust is not None:
        from gateway.pki.store import TrustStoreError

        load = functools.partial(TrustStore.from_paths, [trust], strict=config.trust_strict)
        try:
            store = await asyncio.get_running_loop().run_in_executor(None, load)
        except TrustStoreError as exc:  # [trust] strict = true: a bad trust file stops start-up
            if simulation is not None:
                simulation.stop()
            return _fail(f"cannot start: {exc}")
        for source in store.report.refused[:20]:  # served with the rest; each refused file named
            log.warning("trust file refused", extra={"reason": "TRUST_LOAD", "where": str(source.source)[:200],
                                                    "error": (source.error or "")[:200]})
    verifier = DocumentVerifier(store)
    daemon = GatewayDaemon(config, verifier, simulated_readers=simulated,
                           mrz_sources=simulation.mrz_sources() if simulation is not None else {})
    loop = asyncio.get_running_loop()
    try:
        await daemon.start()
    except ListenError as exc:
        if simulation is not None:
            simulation.stop()
        return _fail(str(exc))
    # Everything loaded so far lives as long as the daemon: keep it out of the garbage collector's scans,
    # so collections triggered by per-call garbage stay short (a p99 matter under load).
    gc.collect()
    gc.freeze()
    stopping: list[asyncio.Task[None]] = []

    def on_signal(signum: int) -> None:
        if not stopping:
            stopping.append(asyncio.ensure_future(daemon.shutdown()))

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, on_signal, signum)
    if os.environ.get("GATEWAY_READY_FD"):  # optional readiness pipe for supervisors and tests
        with os.fdopen(int(os.environ["GATEWAY_READY_FD"]), "w") as ready:
            ready.write(" ".join(daemon.bound.values()) + "\n")
    print(f"gateway: serving on {', '.join(daemon.bound.values())}"
          + (f" with {len(simulated)} simulated reader(s)" if simulated else ""), file=sys.stderr, flush=True)
    try:
        await daemon.wait_closed()
    finally:
        if simulation is not None:
            await loop.run_in_executor(None, simulation.stop)
    return 0
