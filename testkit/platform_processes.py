"""The platform's own processes as subprocesses, configured only through the environment, the
way `scripts/run-local.sh` and the compose file run them: `python -m tokenserver`,
`python -m agent start`, `python -m evals worker`.

Used by the end-to-end tests and the benchmarks against a real `livekit-server`
(`testkit/livekit_server.py`) and the Gemini emulators (`testkit/gemini_live.py` over TLS,
`testkit/gemini_api.py`). Nothing here imports product code: the processes are black boxes
reached through LiveKit, HTTP and the shared store.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

import httpx
from livekit import api, rtc

from interview_store import InterviewRecord, InterviewStore, database_url_for
from testkit.gemini_api import FakeGeminiApi
from testkit.gemini_live import FakeGeminiLive
from testkit.livekit_server import (
    REPO_ROOT,
    LiveKitNode,
    LiveKitNodeOptions,
    free_port,
    stop_process,
    wait_http_ok,
)
from testkit.rtc_candidate import RtcCandidate

T = TypeVar("T")

_AGENT_CAPACITY_KEYS = ("NUM_IDLE_PROCESSES", "LOAD_INCLUDES_CPU", "MAX_INTERVIEWS_PER_WORKER")

RECRUITER_TOKEN = "e2e-recruiter-token-0123456789"
"""The bearer credential the tests use against the recruiter API (>= 16 characters)."""


@dataclass(frozen=True)
class PlatformConfig:
    """Everything the three processes share: one `.env`'s worth of variables."""

    storage_dir: Path
    livekit_url: str
    api_key: str
    api_secret: str
    gemini_live_url: str
    """The Live emulator's https:// base URL (google-genai turns it into wss://)."""
    gemini_ca_file: Path
    gemini_api_url: str
    """The generate_content emulator (frame review and scoring)."""
    agent_name: str = "interviewer"
    extra: dict[str, str] = field(default_factory=dict)
    """Per-test overrides (e.g. EVAL_RUNS, VISION_GEMINI_INTERVAL_S)."""

    @classmethod
    def for_node(cls, node: LiveKitNode, **kwargs: object) -> PlatformConfig:
        return cls(
            livekit_url=node.url,
            api_key=node.options.api_key,
            api_secret=node.options.api_secret,
            **kwargs,  # type: ignore[arg-type]
        )

    def env(self) -> dict[str, str]:
        """A clean environment: the parent's PATH and friends, none of its platform settings
        (a developer's `.env` is not read either: the processes run in `storage_dir`)."""
        base = {
            k: v
            for k, v in os.environ.items()
            if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV", "UV_CACHE_DIR")
        }
        base.update(
            {
                "PYTHONPATH": str(REPO_ROOT),
                "PYTHONUNBUFFERED": "1",
                "STORAGE_DIR": str(self.storage_dir),
                "LIVEKIT_URL": self.livekit_url,
                "LIVEKIT_API_KEY": self.api_key,
                "LIVEKIT_API_SECRET": self.api_secret,
                "GOOGLE_API_KEY": "e2e-dummy-key",
                "AGENT_NAME": self.agent_name,
                "GEMINI_BASE_URL": self.gemini_live_url,
                "GEMINI_CA_FILE": str(self.gemini_ca_file),
                "VISION_GEMINI_BASE_URL": self.gemini_api_url,
                "RECRUITER_TOKEN": RECRUITER_TOKEN,
                # egress is not installable here (go install refuses github.com/livekit/egress):
                # no room composite; the agent's own stereo recording is still kept.
                "RECORDING_MODE": "off",
                "RECORD_AGENT_AUDIO": "true",
                "WEB_DIST_DIR": str(self.storage_dir / "no-web-build"),
                "LOG_LEVEL": "INFO",
                # the token's RoomConfiguration sets the room timeouts (over the node's):
                # room_finished follows the last departure within seconds
                "ROOM_DEPARTURE_TIMEOUT_SECONDS": "2",
                "ROOM_EMPTY_TIMEOUT_SECONDS": "60",
                "EVAL_POLL_INTERVAL_S": "0.5",
                "EVAL_RETRY_BACKOFF_S": "0",
            }
        )
        base.update(self.extra)
        return base


@dataclass
class PlatformProcess:
    """One running process with its log file."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    port: int | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def signal(self, sig: signal.Signals) -> None:
        self.process.send_signal(sig)

    async def await_log(self, pattern: str, *, timeout_s: float, after: int = 0) -> re.Match[str]:
        """`wait_for_log` without blocking the event loop (emulators may be running on it)."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            match = regex.search(self.log_text(), after)
            if match:
                return match
            await asyncio.sleep(0.1)
        raise TimeoutError(f"{self.name} did not log {pattern!r} within {timeout_s} s")

    def wait_for_log(self, pattern: str, *, timeout_s: float, after: int = 0) -> re.Match[str]:
        """Wait until the log (from character `after`) matches `pattern`."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            match = regex.search(self.log_text(), after)
            if match:
                return match
            if not self.alive():
                raise RuntimeError(
                    f"{self.name} exited with {self.process.returncode} before logging "
                    f"{pattern!r}:\n{self.log_text()[-3000:]}"
                )
            time.sleep(0.1)
        raise TimeoutError(f"{self.name} did not log {pattern!r} within {timeout_s} s")

    def stop(self, *, timeout_s: float = 15.0) -> int:
        """SIGTERM (an agent worker drains), SIGKILL after `timeout_s`; then whatever the
        process left in its session (job processes of a killed worker) is killed too."""
        code = stop_process(self.process, timeout_s=timeout_s)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        return code


def _spawn(name: str, args: list[str], env: dict[str, str], workdir: Path) -> PlatformProcess:
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / f"{name}.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=workdir,
            start_new_session=True,  # a test's SIGTERM reaches only what it targets
        )
    return PlatformProcess(name=name, process=process, log_path=log_path)


def start_together(starts: Sequence[Callable[[], PlatformProcess]]) -> list[PlatformProcess]:
    """Start processes side by side, each waiting for its own readiness: their start-up is
    mostly Python importing, which overlaps on 2 cores (a platform with one agent worker starts
    in ~80 % of the time: medians of 8.9 s against 11.1 s). If any fails, the ones that started
    are stopped and the first error is raised."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(starts)) as pool:
        futures = [pool.submit(start) for start in starts]
    errors = [e for e in (f.exception() for f in futures) if e is not None]
    if errors:
        for future in futures:
            if future.exception() is None:
                future.result().stop(timeout_s=3)
        raise errors[0]
    return [future.result() for future in futures]


def start_tokenserver(
    config: PlatformConfig, *, port: int | None = None, timeout_s: float = 30.0
) -> PlatformProcess:
    """`python -m tokenserver` on `port` (default: a free loopback port), ready (database
    migrated). Pick the port first when the LiveKit node's webhook must point at it."""
    port = port or free_port()
    env = config.env() | {"HOST": "127.0.0.1", "PORT": str(port)}
    proc = _spawn("tokenserver", ["-m", "tokenserver"], env, config.storage_dir)
    proc.port = port
    try:
        wait_http_ok(f"http://127.0.0.1:{port}/readyz", timeout_s=timeout_s, process=proc.process)
    except Exception:
        proc.stop()
        raise
    return proc


def start_agent_worker(
    config: PlatformConfig, *, name: str = "agent", timeout_s: float = 60.0
) -> PlatformProcess:
    """`python -m agent start`, returned once the LiveKit server has registered it."""
    http_port = free_port()
    env = (
        config.env()
        | {
            "AGENT_HTTP_PORT": str(http_port),
            "METRICS_PORT": str(free_port()),
            "NUM_IDLE_PROCESSES": "1",
            # a shared 2-core test machine often sits near 100 % CPU (the test's own processes
            # and anything else running): the host-CPU term of the load would make the worker
            # refuse every job. Capacity here is the interview count the test sets.
            "LOAD_INCLUDES_CPU": "false",
            "MAX_INTERVIEWS_PER_WORKER": "4",
        }
        | {k: v for k, v in config.extra.items() if k in _AGENT_CAPACITY_KEYS}
    )
    proc = _spawn(name, ["-m", "agent", "start"], env, config.storage_dir)
    proc.port = http_port
    try:
        proc.wait_for_log(r"registered worker", timeout_s=timeout_s)
    except Exception:
        proc.stop()
        raise
    return proc


def start_evals_worker(config: PlatformConfig, *, timeout_s: float = 30.0) -> PlatformProcess:
    """`python -m evals worker` against the generate_content emulator."""
    env = config.env() | {"GEMINI_BASE_URL": config.gemini_api_url}
    proc = _spawn("evals", ["-m", "evals", "worker"], env, config.storage_dir)
    time.sleep(0.2)
    if not proc.alive():
        raise RuntimeError(f"evals worker exited at start:\n{proc.log_text()[-3000:]}")
    return proc


@dataclass
class E2EPlatform:
    """A whole platform on loopback: a real LiveKit node (webhook to the token server), the
    token server, `workers` agent workers, the evals worker, and the Gemini emulators (which
    run on the caller's event loop: wait asynchronously while they must answer)."""

    workdir: Path
    live: FakeGeminiLive
    api: FakeGeminiApi
    ca_file: Path
    node_options: LiveKitNodeOptions = field(default_factory=LiveKitNodeOptions)
    extra_env: dict[str, str] = field(default_factory=dict)
    node: LiveKitNode | None = None
    tokenserver: PlatformProcess | None = None
    agents: list[PlatformProcess] = field(default_factory=list)
    evals: PlatformProcess | None = None
    _config: PlatformConfig | None = None

    @property
    def config(self) -> PlatformConfig:
        assert self._config is not None, "start() first"
        return self._config

    @property
    def storage_dir(self) -> Path:
        return self.workdir / "storage"

    @property
    def base_url(self) -> str:
        assert self.tokenserver is not None
        return f"http://127.0.0.1:{self.tokenserver.port}"

    def start(self, *, workers: int = 1, evals: bool = True) -> None:
        ts_port = free_port()
        webhook = f"http://127.0.0.1:{ts_port}/api/livekit/webhook"
        self.node = LiveKitNode(
            workdir=self.workdir,
            options=replace(self.node_options, webhook_urls=(webhook,)),
        )
        self.node.start()
        self.storage_dir.mkdir(parents=True, exist_ok=True)
        self._config = PlatformConfig.for_node(
            self.node,
            storage_dir=self.storage_dir,
            gemini_live_url=self.live.base_url,
            gemini_ca_file=self.ca_file,
            gemini_api_url=self.api.base_url,
            extra=self.extra_env,
        )
        # the agent workers need only the node; the evals worker, the migrated database
        self.tokenserver, *agents = start_together(
            [
                functools.partial(start_tokenserver, self.config, port=ts_port),
                *(
                    functools.partial(start_agent_worker, self.config, name=f"agent{i + 1}")
                    for i in range(workers)
                ),
            ]
        )
        self.agents.extend(agents)
        if evals:
            self.evals = start_evals_worker(self.config)

    def add_agent_worker(self, *, name: str) -> PlatformProcess:
        worker = start_agent_worker(self.config, name=name)
        self.agents.append(worker)
        return worker

    def stop(self) -> None:
        for agent in self.agents:  # tests end their interviews; don't wait out a drain
            agent.stop(timeout_s=3)
        for proc in [self.evals, self.tokenserver]:
            if proc is not None:
                proc.stop(timeout_s=5)
        if self.node is not None:
            self.node.stop()

    async def create_interview(self, **fields: str) -> dict[str, str]:
        """POST /api/interviews as the web client does; the token carries the dispatch."""
        form = {
            "role": "Backend Engineer",
            "level": "intermediate",
            "interview_type": "mixed",
            "consent": "true",  # the candidate agreed to the notice (GET /api/consent)
        }
        form.update(fields)
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30) as client:
            resp = await client.post(
                "/api/interviews", files={k: (None, v) for k, v in form.items()}
            )
        if resp.status_code != 201:
            raise RuntimeError(f"POST /api/interviews: {resp.status_code} {resp.text[:300]}")
        body: dict[str, str] = resp.json()
        return body

    async def close_rooms(self) -> None:
        """Delete every room on the node, ending the agent's jobs in them: a test that failed
        half way leaves no interview running into the next one (which would share the worker,
        the emulator's scripted replies and the machine's 2 cores with it)."""
        if self.node is None:
            return
        options = self.node.options
        async with api.LiveKitAPI(self.node.http_url, options.api_key, options.api_secret) as lk:
            rooms = await lk.room.list_rooms(api.ListRoomsRequest())
            for room in rooms.rooms:
                with contextlib.suppress(api.TwirpError):  # gone meanwhile
                    await lk.room.delete_room(api.DeleteRoomRequest(room=room.name))

    async def recruiter_get(self, path: str) -> httpx.Response:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30) as client:
            return await client.get(path, headers={"Authorization": f"Bearer {RECRUITER_TOKEN}"})

    async def read_record(self, interview_id: str) -> InterviewRecord:
        """The record as the processes wrote it (the shared SQLite file, read only)."""
        store = InterviewStore(
            database_url=database_url_for(None, self.storage_dir), storage_dir=self.storage_dir
        )
        try:
            record = await store.get(interview_id)
        finally:
            await store.aclose()
        if record is None:
            raise LookupError(f"no interview {interview_id}")
        return record

    async def agent_joined(self, candidate: RtcCandidate) -> rtc.RemoteParticipant:
        """The interviewer, once it joined the candidate's room (fails with the logs)."""
        try:
            return await candidate.wait_for_agent(timeout_s=25)
        except TimeoutError:
            raise AssertionError(f"the agent never joined\n{self.logs()}") from None

    async def wait_until(
        self, check: Callable[[], Awaitable[T | None]], *, timeout_s: float, what: str
    ) -> T:
        """Poll `check` without blocking the loop the emulators run on; on timeout fail with
        every process's log tail."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            value = await check()
            if value:
                return value
            await asyncio.sleep(0.2)
        raise AssertionError(f"no {what} within {timeout_s} s\n{self.logs()}")

    def logs(self) -> str:
        """Every process's log tail, for a failing test's message."""
        parts = []
        for proc in [self.tokenserver, *self.agents, self.evals]:
            if proc is not None:
                parts.append(f"--- {proc.name}\n{proc.log_text()[-4000:]}")
        if self.node is not None:
            parts.append(f"--- livekit-server\n{self.node.log_text()[-3000:]}")
        return "\n".join(parts)
