"""Token server benchmark: `uv run python bench/tokenserver.py [--database-url URL]`.

Prints (medians of several runs):
  tokens_per_s   — candidate tokens minted per second, one core (goal >= 1,000)
  create_p99_ms  — POST /api/interviews without a CV at 200 req/s against `python -m tokenserver`
                   on loopback, open-loop: latency is measured from each request's *scheduled*
                   send time, so a stalled server cannot hide its queueing (goal <= 20 ms)
  cv_parse_ms    — parsing a 2-page PDF CV (goal <= 50 ms)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from testkit.cv_samples import normal_cv_pdf  # noqa: E402
from tokenserver.cv_parsing import CVLimits, parse_cv  # noqa: E402
from tokenserver.settings import TokenServerSettings  # noqa: E402
from tokenserver.tokens import CandidateGrant, TokenMinter, TokenOptions  # noqa: E402

SECRET = "bench-secret-bench-secret-bench-secret"
RECRUITER_TOKEN = "bench-recruiter-token-0123456789"
BENCH_ENV = {
    "LIVEKIT_URL": "wss://livekit.bench.test",
    "LIVEKIT_API_KEY": "APIbench",
    "LIVEKIT_API_SECRET": SECRET,
    "RECRUITER_TOKEN": RECRUITER_TOKEN,
    "RATE_LIMIT_PER_MINUTE": "1000000",
}
"""The configuration of the measured server; the in-process figures use the same settings,
so every tuning default comes from `TokenServerSettings` as in production."""


def _settings() -> TokenServerSettings:
    values: dict[str, Any] = {name.lower(): value for name, value in BENCH_ENV.items()}
    return TokenServerSettings(_env_file=None, **values)


def tokens_per_s(seconds: float = 1.0) -> float:
    minter = TokenMinter(TokenOptions.from_settings(_settings()))
    n = 0
    start = time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        interview_id = str(uuid.uuid4())
        minter.mint(
            CandidateGrant(
                interview_id=interview_id,
                room=f"interview-{interview_id}",
                identity=f"candidate-{n}",
            )
        )
        n += 1
    return n / elapsed


def cv_parse_ms(repeats: int = 20) -> float:
    data = normal_cv_pdf()
    limits = CVLimits.from_settings(_settings())
    parse_cv(data, limits=limits)  # imports and caches outside the timing
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        parse_cv(data, limits=limits)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _RawClient:
    """Keep-alive HTTP/1.1 over asyncio streams with a pre-encoded request: the load
    generator shares the 2 cores with the server, so it must cost far less than httpx."""

    def __init__(self, host: str, port: int, request: bytes) -> None:
        self._host, self._port, self._request = host, port, request
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self._all: list[asyncio.StreamWriter] = []

    async def send(self) -> int:
        if self._idle:
            reader, writer = self._idle.pop()
        else:
            reader, writer = await asyncio.open_connection(self._host, self._port)
            self._all.append(writer)
        writer.write(self._request)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await reader.readexactly(length)
        self._idle.append((reader, writer))
        return status

    async def aclose(self) -> None:
        for writer in self._all:
            writer.close()


def _create_request(host: str, port: int) -> bytes:
    boundary = "benchboundary7MA4YWxkTrZu0gW"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="consent"\r\n\r\ntrue\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="role"\r\n\r\n'
        f"Backend engineer\r\n--{boundary}--\r\n"
    ).encode()
    head = (
        f"POST /api/interviews HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    return head + body


async def _open_loop(host: str, port: int, *, rate: float, seconds: float) -> list[float]:
    """Fire requests on a fixed schedule regardless of responses; return latencies in ms."""
    client = _RawClient(host, port, _create_request(host, port))
    latencies: list[float] = []
    statuses: list[int] = []
    loop = asyncio.get_running_loop()
    t0 = loop.time() + 0.1

    async def one(k: int) -> None:
        scheduled = t0 + k / rate
        await asyncio.sleep(max(0.0, scheduled - loop.time()))
        statuses.append(await client.send())
        latencies.append((loop.time() - scheduled) * 1000)

    try:
        await asyncio.gather(*(one(k) for k in range(int(rate * seconds))))
    finally:
        await client.aclose()
    failed = [s for s in statuses if s != 201]
    if failed:
        raise RuntimeError(f"{len(failed)} requests failed, e.g. HTTP {failed[0]}")
    return latencies


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def _start_server(port: int, storage_dir: str, database_url: str | None) -> subprocess.Popen[bytes]:
    """`python -m tokenserver` as deployed (uvicorn, JSON logs at INFO to BENCH_SERVER_LOG)."""
    env = {
        **os.environ,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "STORAGE_DIR": storage_dir,
        **BENCH_ENV,
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    with open(os.environ.get("BENCH_SERVER_LOG", os.devnull), "wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "tokenserver"], env=env, cwd=storage_dir, stderr=log
        )


async def _wait_ready(port: int) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as probe:
        for _ in range(300):
            try:
                if (await probe.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("token server did not start")


async def create_latency_ms(
    port: int, *, rate: float, seconds: float, runs: int
) -> list[tuple[float, float]]:
    """(p99, p50) per run, after a one-second warm-up."""
    await _wait_ready(port)
    await _open_loop("127.0.0.1", port, rate=rate, seconds=1.0)
    results = []
    for _ in range(runs):
        latencies = await _open_loop("127.0.0.1", port, rate=rate, seconds=seconds)
        results.append((_p99(latencies), statistics.median(latencies)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    tokens = statistics.median(tokens_per_s() for _ in range(5))
    parse = statistics.median(cv_parse_ms() for _ in range(5))
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        server = _start_server(port, tmp, args.database_url)
        try:
            runs = asyncio.run(
                create_latency_ms(port, rate=args.rate, seconds=args.seconds, runs=args.runs)
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"tokens_per_s: {tokens:.0f}")
    print(f"create_p99_ms: {statistics.median(p99 for p99, _ in runs):.1f}")
    print(f"cv_parse_ms: {parse:.1f}")
    print(
        f"# create p99/p50 per run (ms): {', '.join(f'{a:.1f}/{b:.1f}' for a, b in runs)}; "
        f"{args.rate:.0f} req/s for {args.seconds:.0f} s; "
        f"database: {'DATABASE_URL' if args.database_url else 'SQLite'}; cpus: {os.cpu_count()}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
