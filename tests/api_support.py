"""Run the gateway daemon in a background thread on real sockets, for the API tests and benchmarks.

The daemon gets its own event loop in a thread; tests talk to it with the synchronous SDK
(gateway.client) over TCP or a Unix socket exactly as any other client would.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any

from gateway.api.server import GatewayDaemon
from gateway.service.config import ServeConfig
from gateway.service.verification import DocumentVerifier


class DaemonThread:
    def __init__(self, config: ServeConfig | None = None, verifier: DocumentVerifier | None = None,
                 monitor_pcsc: bool = False, simulated: dict[str, str] | None = None,
                 mrz_sources: dict[str, Callable[[], str]] | None = None) -> None:
        self.config = config or ServeConfig(listen=["127.0.0.1:0"])
        self.loop = asyncio.new_event_loop()
        self.daemon = GatewayDaemon(self.config, verifier or DocumentVerifier(), simulated_readers=simulated or {},
                                    mrz_sources=mrz_sources or {}, monitor_pcsc=monitor_pcsc)
        self._thread = threading.Thread(target=self.loop.run_forever, name="test-daemon", daemon=True)

    def start(self) -> DaemonThread:
        self._thread.start()
        self.run(self.daemon.start(), timeout=10)
        return self

    def run(self, coroutine: Coroutine[Any, Any, Any], timeout: float = 10.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def call_soon(self, fn: Any, *args: Any) -> None:
        self.loop.call_soon_threadsafe(fn, *args)

    @property
    def address(self) -> str:
        return self.daemon.address()

    def stop(self) -> None:
        if self._thread.is_alive():
            self.run(self.daemon.shutdown(1.0), timeout=15)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(5)

    def __enter__(self) -> DaemonThread:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
