"""Real `livekit-server` nodes and Redis on loopback, for the end-to-end tests and benchmarks.

The nodes run the binary `.ci/install-livekit.sh` installs (pinned, `go install`) with the same
loopback-only media settings the shipped dev config (`deploy/livekit-local.yaml`) uses: the node
advertises 127.0.0.1 only, discovers no external address, includes the loopback candidate, binds
ICE to `lo`, and hands clients a STUN server on 127.0.0.1 (livekit-server otherwise hands out
Google's public STUN servers, which would make clients reach for the internet). Every packet of
a test stays on 127.0.0.0/8.

Each node gets its own free ports (HTTP/WS, ICE-TCP, UDP mux), so tests and benchmarks can run
beside a developer's `scripts/run-local.sh` server on 7880. With `redis_address` set, several
nodes form one cluster (rooms, agent dispatch and signalling routed through Redis), as in
livekit's own multi-node tests.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

REPO_ROOT = Path(__file__).resolve().parent.parent
LIVEKIT_SERVER_VERSION = "1.13.5"
"""The version `.ci/install-livekit.sh` pins; `require_livekit_server` checks the binary."""
DEFAULT_BINARY = REPO_ROOT / ".tools" / "bin" / "livekit-server"
LOOPBACK = "127.0.0.1"
UNREACHABLE_STUN = f"{LOOPBACK}:3478"
"""What clients get as STUN server: nothing answers on loopback, so only host candidates remain
(an empty list would make livekit-server substitute Google's public STUN servers)."""


class LiveKitServerMissing(RuntimeError):
    """The pinned binary is not installed: run `bash .ci/install-livekit.sh`."""


def require_livekit_server(binary: Path = DEFAULT_BINARY) -> Path:
    """The binary, after checking it is the pinned version; a clear error says how to get it."""
    if not binary.is_file():
        raise LiveKitServerMissing(
            f"{binary} not found: run `bash .ci/install-livekit.sh` (go install, pinned "
            f"v{LIVEKIT_SERVER_VERSION})"
        )
    out = subprocess.run(
        [str(binary), "--version"], capture_output=True, text=True, timeout=30, check=False
    ).stdout
    if LIVEKIT_SERVER_VERSION not in out:
        raise LiveKitServerMissing(
            f"{binary} prints {out.strip()!r}, expected version {LIVEKIT_SERVER_VERSION}: "
            "re-run `bash .ci/install-livekit.sh`"
        )
    return binary


def free_port(*, udp: bool = False) -> int:
    """A loopback port free for TCP (and for UDP too when `udp`), picked by the kernel."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind((LOOPBACK, 0))
            port = int(tcp.getsockname()[1])
            if not udp:
                return port
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as dgram:
                try:
                    dgram.bind((LOOPBACK, port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free loopback port found")


def wait_http_ok(url: str, *, timeout_s: float, process: subprocess.Popen[bytes] | None) -> None:
    """Poll `url` until it answers 2xx; fail early if `process` exits meanwhile."""
    deadline = time.monotonic() + timeout_s
    last = "no answer"
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} was up")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if 200 <= resp.status < 300:
                    return
                last = f"HTTP {resp.status}"
        except urllib.error.HTTPError as e:
            last = f"HTTP {e.code}"
        except OSError as e:
            last = repr(e)
        time.sleep(0.1)
    raise TimeoutError(f"{url} not ready after {timeout_s:.0f} s ({last})")


def stop_process(process: subprocess.Popen[bytes], *, timeout_s: float = 10.0) -> int:
    """SIGTERM, then SIGKILL after `timeout_s`; the exit code (negative = killed by a signal)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    return int(process.returncode)


@dataclass(frozen=True)
class LiveKitNodeOptions:
    """What a test decides about a node; ports are picked when the node starts."""

    api_key: str = "e2e-api-key"
    api_secret: str = "e2e-api-secret-at-least-32-characters-long"
    webhook_urls: tuple[str, ...] = ()
    """Signed with `api_key`'s secret, like the shipped config's webhook to the token server."""
    redis_address: str | None = None
    """host:port of a shared Redis: the node joins that cluster."""
    empty_timeout_s: int = 30
    departure_timeout_s: int = 2
    """Short in tests: room_finished (and its webhook) follows the last departure quickly."""
    log_level: str = "info"


def loopback_config(
    opts: LiveKitNodeOptions, *, port: int, tcp_port: int, udp_port: int
) -> dict[str, Any]:
    """The node's config (JSON is YAML): loopback-only media, as in deploy/livekit-local.yaml."""
    config: dict[str, Any] = {
        "port": port,
        "bind_addresses": [LOOPBACK],
        "rtc": {
            "tcp_port": tcp_port,
            "udp_port": udp_port,
            "node_ip": LOOPBACK,
            "use_external_ip": False,
            "enable_loopback_candidate": True,
            "interfaces": {"includes": ["lo"]},
            "stun_servers": [UNREACHABLE_STUN],
        },
        "keys": {opts.api_key: opts.api_secret},
        "room": {
            "auto_create": True,
            "empty_timeout": opts.empty_timeout_s,
            "departure_timeout": opts.departure_timeout_s,
        },
        "logging": {"level": opts.log_level, "json": True},
    }
    if opts.webhook_urls:
        config["webhook"] = {"api_key": opts.api_key, "urls": list(opts.webhook_urls)}
    if opts.redis_address:
        config["redis"] = {"address": opts.redis_address}
    return config


@dataclass
class LiveKitNode:
    """One `livekit-server` process on loopback. Use as a context manager or start()/stop()."""

    workdir: Path
    options: LiveKitNodeOptions = field(default_factory=LiveKitNodeOptions)
    binary: Path = DEFAULT_BINARY
    name: str = "livekit"
    _process: subprocess.Popen[bytes] | None = None
    _port: int = 0
    _tcp_port: int = 0
    _udp_port: int = 0

    @property
    def port(self) -> int:
        return self._port

    @property
    def udp_port(self) -> int:
        return self._udp_port

    @property
    def tcp_port(self) -> int:
        return self._tcp_port

    @property
    def url(self) -> str:
        """What clients, the agent worker and the token server are given (LIVEKIT_URL)."""
        return f"ws://{LOOPBACK}:{self._port}"

    @property
    def http_url(self) -> str:
        return f"http://{LOOPBACK}:{self._port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"{self.name}.log"

    @property
    def config_path(self) -> Path:
        return self.workdir / f"{self.name}.yaml"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def config(self) -> dict[str, Any]:
        return json.loads(self.config_path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def start(self, *, timeout_s: float = 20.0) -> None:
        require_livekit_server(self.binary)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._port = free_port()
        self._tcp_port = free_port()
        self._udp_port = free_port(udp=True)
        config = loopback_config(
            self.options, port=self._port, tcp_port=self._tcp_port, udp_port=self._udp_port
        )
        self.config_path.write_text(json.dumps(config, indent=2), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("LIVEKIT_")}
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [str(self.binary), "--config", str(self.config_path)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
            )
        try:
            wait_http_ok(self.http_url + "/", timeout_s=timeout_s, process=self._process)
        except Exception:
            self.stop()
            raise

    def stop(self) -> None:
        if self._process is not None:
            stop_process(self._process)
            self._process = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


@dataclass
class RedisServer:
    """A throwaway Debian `redis-server` on a free loopback port, no persistence."""

    workdir: Path
    binary: str = "redis-server"
    _process: subprocess.Popen[bytes] | None = None
    _port: int = 0

    @property
    def address(self) -> str:
        return f"{LOOPBACK}:{self._port}"

    def start(self, *, timeout_s: float = 10.0) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._port = free_port()
        with (self.workdir / "redis.log").open("ab") as log:
            self._process = subprocess.Popen(
                [
                    self.binary,
                    "--bind",
                    LOOPBACK,
                    "--port",
                    str(self._port),
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(self.workdir),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self._process.returncode}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection((LOOPBACK, self._port), timeout=1) as conn,
            ):
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    return
            time.sleep(0.05)
        self.stop()
        raise TimeoutError("redis-server did not answer PING")

    def stop(self) -> None:
        if self._process is not None:
            stop_process(self._process, timeout_s=5)
            self._process = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
