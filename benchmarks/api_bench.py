"""The gRPC API's cost: MRZ-only Verify under load and a full chip Verify, each next to the same work
done in-process, plus the daemon's start-up time and idle memory.

Run: `.venv/bin/python benchmarks/api_bench.py [--seconds S] [--no-chip] [--port VPCD_PORT]`.

* The daemon runs as its own process (`python -m gateway serve`), as in production; clients talk to it
  over loopback TCP with the generated stubs (grpc.aio), from several client processes so the
  clients' own Python overhead does not cap the figures. Latency = request sent -> response parsed.
* "in-process" is the same verification called directly (DocumentVerifier.verify with the same
  request), so the ratio is what the API adds (validation, protobuf, HTTP/2, scheduling).
* Chip: one simulated document (td1-eu-pace: PACE, DG2 ~20 KB) in a real vpcd slot at a modeled
  424 kbit/s, read through pcscd by the daemon (and, in-process, by the same code in this process).
* Aims (issue 6): MRZ-only p99 < 5 ms at 16 clients; ready (health SERVING) < 1.5 s; idle RSS < 150 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TD3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


# --- the daemon process -----------------------------------------------------------------------------


def start_daemon(port: int, *extra: str) -> tuple[subprocess.Popen[bytes], float]:
    """Start `gateway serve`; return it and the seconds until health said SERVING."""
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t0 = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "gateway", "serve", "--listen", f"127.0.0.1:{port}",
                                "--log-level", "warning", *extra],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    stub = health_pb2_grpc.HealthStub(channel)
    while True:
        try:
            if stub.Check(health_pb2.HealthCheckRequest(), timeout=0.05).status == 1:
                break
        except grpc.RpcError:
            time.sleep(0.005)
        if process.poll() is not None or time.monotonic() - t0 > 30:
            raise SystemExit("the daemon did not start")
    ready = time.monotonic() - t0
    channel.close()
    return process, ready


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


# --- MRZ-only load ----------------------------------------------------------------------------------


def _client_worker(target: str, concurrency: int, seconds: float, queue: mp.Queue, rate: float = 0.0) -> None:
    async def run() -> list[float]:
        import grpc

        from gateway.api.protos import verification_pb2, verification_pb2_grpc

        request = verification_pb2.VerifyRequest(mrz=TD3, reference_date="2010-01-01")
        latencies: list[float] = []
        async with grpc.aio.insecure_channel(target) as channel:
            stub = verification_pb2_grpc.VerificationServiceStub(channel)
            await stub.Verify(request)  # connect and warm up
            end = time.monotonic() + seconds

            async def loop() -> None:
                interval = 1.0 / rate if rate else 0.0
                next_at = time.monotonic() + random.uniform(0.0, interval)  # clients are not in lockstep
                while time.monotonic() < end:
                    if interval:  # paced: a client that sends `rate` requests a second, not as fast as it can
                        next_at += interval
                        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
                    t = time.perf_counter()
                    response = await stub.Verify(request)
                    latencies.append(time.perf_counter() - t)
                    assert response.printed_mrz.valid

            await asyncio.gather(*(loop() for _ in range(concurrency)))
        return latencies

    queue.put(asyncio.run(run()))


def load(target: str, clients: int, seconds: float, rate: float = 0.0) -> dict[str, float]:
    # leave the daemon a core: client processes beyond that only fight it for CPU
    processes = max(1, min(clients, (os.cpu_count() or 2) - 1, 4))
    per = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    queue: mp.Queue = mp.Queue()
    workers = [mp.Process(target=_client_worker, args=(target, n, seconds, queue, rate)) for n in per]
    for w in workers:
        w.start()
    latencies = [x for _ in workers for x in queue.get()]
    for w in workers:
        w.join()
    return {"rps": len(latencies) / seconds, "p50_ms": pct(latencies, 50) * 1000, "p99_ms": pct(latencies, 99) * 1000,
            "n": len(latencies)}


def in_process_mrz(seconds: float) -> dict[str, float]:
    """The same request handled in-process: validation + verification + the response message."""
    from gateway.api import convert
    from gateway.api.protos import verification_pb2
    from gateway.service.cancel import CancelToken
    from gateway.service.model import ignore_progress
    from gateway.service.validation import validate_request
    from gateway.service.verification import DocumentVerifier

    verifier = DocumentVerifier()
    request = verification_pb2.VerifyRequest(mrz=TD3, reference_date="2010-01-01")
    latencies = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t = time.perf_counter()
        result = verifier.verify(validate_request(convert.request_from_pb(request)), ignore_progress, CancelToken())
        convert.result_to_pb(result).SerializeToString()
        latencies.append(time.perf_counter() - t)
    return {"rps": len(latencies) / seconds, "p50_ms": pct(latencies, 50) * 1000, "p99_ms": pct(latencies, 99) * 1000}


def _canned_server(port: int, seconds: float, ready: mp.Event) -> None:
    """The floor: a gRPC server that answers Verify with a prebuilt response and does nothing else."""
    import grpc

    from gateway.api import convert
    from gateway.api.protos import verification_pb2_grpc
    from gateway.service.cancel import CancelToken
    from gateway.service.model import ignore_progress
    from gateway.service.validation import RawVerifyRequest, validate_request
    from gateway.service.verification import DocumentVerifier

    result = DocumentVerifier().verify(validate_request(RawVerifyRequest(mrz=TD3)), ignore_progress, CancelToken())
    canned = convert.result_to_pb(result)

    class Canned(verification_pb2_grpc.VerificationServiceServicer):
        async def Verify(self, request, context):
            return canned

    async def run() -> None:
        server = grpc.aio.server()
        verification_pb2_grpc.add_VerificationServiceServicer_to_server(Canned(), server)
        server.add_insecure_port(f"127.0.0.1:{port}")
        await server.start()
        ready.set()
        await asyncio.sleep(seconds)
        await server.stop(0)

    asyncio.run(run())


def floor(clients: int, seconds: float) -> dict[str, float]:
    port = free_port()
    ready = mp.Event()
    server = mp.Process(target=_canned_server, args=(port, seconds + 3, ready))
    server.start()
    ready.wait(10)
    try:
        return load(f"127.0.0.1:{port}", clients, seconds)
    finally:
        server.join()


# --- chip ---------------------------------------------------------------------------------------------


def chip(port_vpcd: int, rounds: int) -> dict[str, float] | None:
    from gateway.client import GatewayClient
    from gateway.pki.store import TrustStore
    from gateway.service.cancel import CancelToken
    from gateway.service.chipdevice import PcscChipDevice
    from gateway.service.devices import slug
    from gateway.service.model import ChipAccessSpec, VerifyInput, ignore_progress
    from gateway.service.verification import DocumentVerifier
    from simulators.chip.card import CardFaults, VirtualCard
    from simulators.chip.lds_builder import build_document, mrz_lines
    from simulators.chip.link import LinkModel
    from simulators.chip.pki import TestPKI
    from simulators.chip.profile import load_profile
    from simulators.chip.vpcd import VpcdCard
    from simulators.pcscd import PcscdError, ensure_pcscd, wait_card_state

    try:
        pcscd = ensure_pcscd()
    except PcscdError as exc:
        print(f"chip part skipped: {exc}")
        return None
    if port_vpcd not in pcscd.available_ports():
        print(f"chip part skipped: {pcscd.why_unavailable(port_vpcd)}")
        return None
    profile = load_profile("td1-eu-pace")
    document = build_document(profile)
    card = VirtualCard(document, CardFaults(**document.card_faults))
    slot = VpcdCard(card, port=port_vpcd, link=LinkModel(kbit_s=424))
    reader = pcscd.reader_name(port_vpcd)
    trust = Path(tempfile.mkdtemp(prefix="gateway-bench-trust-"))
    TestPKI.shared().write_trust(trust)
    slot.insert()
    if not wait_card_state(reader, True, 5, atr=bytes(card.atr)):
        print("chip part skipped: the card did not appear")
        return None
    mrz = "\n".join(mrz_lines(profile))
    figures: dict[str, float] = {}
    try:
        verifier = DocumentVerifier(TrustStore.from_paths([trust]))
        request = VerifyInput(mrz=mrz, chip_access=ChipAccessSpec(mrz_text=mrz))
        local = []
        for _ in range(rounds):
            t = time.perf_counter()
            result = verifier.verify(request, ignore_progress, CancelToken(),
                                     PcscChipDevice("bench", reader, CancelToken()))
            local.append(time.perf_counter() - t)
            assert result.verdict.status.value == "GENUINE", result.verdict.to_dict()
        figures["inprocess_s"] = statistics.median(local)
        figures["link_s"] = slot.stats.modeled_link_s / rounds
        port = free_port()
        daemon, _ = start_daemon(port, "--trust", str(trust))
        try:
            with GatewayClient(f"127.0.0.1:{port}") as client:
                device = "pcsc-" + slug(reader)
                deadline = time.monotonic() + 5
                while client.describe_device(device).document != "PRESENT" if any(
                        d.id == device for d in client.list_devices()) else time.monotonic() < deadline:
                    time.sleep(0.05)
                remote = []
                for _ in range(rounds):
                    t = time.perf_counter()
                    result = client.verify(mrz=mrz, use_printed_mrz=True, reader_id=device)
                    remote.append(time.perf_counter() - t)
                    assert result.verdict.status.value == "GENUINE"
                figures["api_s"] = statistics.median(remote)
                figures["apdus"] = result.apdus
        finally:
            stop(daemon)
    finally:
        slot.close()
        pcscd.stop()
    return figures


# --- main -------------------------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=3.0, help="duration of each load run (default 3)")
    ap.add_argument("--no-chip", action="store_true", help="skip the chip part (needs pcscd + vpcd)")
    ap.add_argument("--port", type=int, default=35966, help="vpcd port for the chip part (default 35966)")
    ap.add_argument("--chip-rounds", type=int, default=5)
    args = ap.parse_args()

    readies = []
    for _ in range(3):
        process, ready = start_daemon(free_port())
        readies.append(ready)
        stop(process)
    port = free_port()
    daemon, ready = start_daemon(port)
    readies.append(ready)
    time.sleep(1.0)
    idle = rss_mb(daemon.pid)
    print(f"daemon ready (health SERVING after spawn): median {statistics.median(readies) * 1000:.0f} ms, "
          f"max {max(readies) * 1000:.0f} ms  (aim < 1500 ms)")
    print(f"idle RSS: {idle:.1f} MB  (aim < 150 MB)")

    base = in_process_mrz(args.seconds)
    print(f"\nMRZ-only Verify, in-process: {base['rps']:.0f}/s, p50 {base['p50_ms']:.3f} ms, "
          f"p99 {base['p99_ms']:.3f} ms")
    print(f"{'clients':>8} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'p50 / in-process':>18}")
    try:
        for clients in (1, 16, 64):
            r = load(f"127.0.0.1:{port}", clients, args.seconds)
            print(f"{clients:>8} {r['rps']:>9.0f} {r['p50_ms']:>9.3f} {r['p99_ms']:>9.3f} "
                  f"{r['p50_ms'] / base['p50_ms']:>17.1f}x")
        r = load(f"127.0.0.1:{port}", 16, args.seconds, rate=50)
        print(f"{'16 paced':>8} {r['rps']:>9.0f} {r['p50_ms']:>9.3f} {r['p99_ms']:>9.3f}   "
              "(each client 50 requests/s: a busy desk, not a flood)")
        print(f"loaded RSS: {rss_mb(daemon.pid):.1f} MB")
    finally:
        stop(daemon)

    r = floor(16, args.seconds)
    print(f"floor at 16 clients (a gRPC server returning a canned Verify response): {r['rps']:.0f}/s, "
          f"p50 {r['p50_ms']:.3f} ms, p99 {r['p99_ms']:.3f} ms  [{os.cpu_count()} CPUs, shared with the clients]")

    if not args.no_chip:
        figures = chip(args.port, args.chip_rounds)
        if figures:
            print(f"\nfull chip Verify (td1-eu-pace, PACE, DG2 ~20 KB, 424 kbit/s modeled link, "
                  f"{figures['apdus']:.0f} APDUs):")
            print(f"  in-process {figures['inprocess_s'] * 1000:.0f} ms, through the daemon "
                  f"{figures['api_s'] * 1000:.0f} ms (ratio {figures['api_s'] / figures['inprocess_s']:.2f}); "
                  f"pure link time {figures['link_s'] * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
