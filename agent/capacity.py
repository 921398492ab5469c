"""How many interviews one worker host takes: the worker's `load_fnc`.

livekit-agents' default load is the host's CPU use. For us that is the wrong signal on its own:
an interview's CPU cost comes in bursts (VAD on every 10 ms of audio is cheap; a frame of face
analysis or a JPEG for Gemini is not), so a worker that just accepted three interviews still
looks idle for a few seconds and accepts a fourth, fifth... and memory, which a job process
mostly spends at start (livekit-agents, Silero, MediaPipe/LiteRT), never shows in CPU at all.

So the load is the larger of two fractions, each reaching `load_threshold` (where LiveKit stops
dispatching to this worker) exactly at its own limit:

    load = max(load_threshold * active_jobs / max_interviews,   # measured per-interview cost
               cpu_utilisation)                                 # the live safety net

`max_interviews` comes from the measured cost of one interview (`bench/agent_turn.py` prints
`rss_mb_per_job` and `cpu_pct_per_session`) and the host's cores and memory, or is set by ops
(`MAX_INTERVIEWS_PER_WORKER`). The idle-process pool livekit-agents keeps warm is sized from the
same load, so warm processes never exceed what the host can run.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypedDict

import psutil
from livekit.agents.utils import MovingAverage
from livekit.agents.utils.hw import get_cpu_monitor

from .settings import AgentSettings

logger = logging.getLogger("agent.capacity")

# Measured on the 2-core development machine with `uv run python bench/agent_turn.py` (one live
# session in its own job process: Silero VAD, the Gemini plugin, persistence, pacer, real-time
# audio) plus the face models measured separately (`FaceAnalyzer`: +~100 MB resident,
# bench/vision_frame.py: ~0.3-0.5 % of a core). Re-measure when the pipeline changes.
DEFAULT_RSS_MB_PER_INTERVIEW = 400.0
"""Resident memory of one job process with an interview running: 285 MB measured for the
session + ~100 MB for the face models, rounded up."""
DEFAULT_CPU_PCT_PER_INTERVIEW = 20.0
"""CPU budget of one running interview in percent of one core, set by tail latency rather
than average use. One interview averages ~5 % of a core (audio session) + ~0.5 % (video frames),
but the agent's turn overhead p95 (`bench/agent_turn.py --sessions N`, 2 cores) is 9 ms at 1
session, 10 ms at 5, 21 ms at 10 and 49 ms at 20: bursts from concurrent sessions collide long
before the cores are busy on average. 20 % at the 70 % CPU target admits 7 per 2 cores, about
where p95 crosses the 15 ms goal."""
WORKER_BASE_RSS_MB = 350.0
"""The worker's main process plus the forkserver, paid once per host."""


_CGROUP_MEMORY_LIMITS = ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")


@dataclass(frozen=True)
class InterviewCost:
    rss_mb: float = DEFAULT_RSS_MB_PER_INTERVIEW
    cpu_pct: float = DEFAULT_CPU_PCT_PER_INTERVIEW


def max_interviews_for_host(
    *,
    cpu_cores: float,
    memory_mb: float,
    cost: InterviewCost = InterviewCost(),
    cpu_target: float,
    idle_processes: int,
    memory_target: float = 0.8,
) -> int:
    """Interviews a host runs at once without degrading them (at least 1).

    CPU: interviews use at most `cpu_target` of the cores, leaving room for bursts (a Gemini
    reconnect replays context; face analysis spikes when a face reappears). Memory: running
    interviews plus the warm idle processes (each already paid its start-up memory) fit in
    `memory_target` of the memory, after the worker's own base.
    """
    by_cpu = math.floor(cpu_cores * 100.0 * cpu_target / cost.cpu_pct)
    spare_mb = memory_mb * memory_target - WORKER_BASE_RSS_MB
    by_memory = math.floor(spare_mb / cost.rss_mb) - idle_processes
    return max(1, min(by_cpu, by_memory))


def host_resources() -> tuple[float, float]:
    """(cores, memory MB) this process may use: cgroup limits when containerised."""
    cores = get_cpu_monitor().cpu_count()
    memory_mb = psutil.virtual_memory().total / 2**20
    for limit_file in _CGROUP_MEMORY_LIMITS:
        try:
            raw = Path(limit_file).read_text(encoding="ascii").strip()
        except OSError:
            continue
        if raw.isdigit():  # "max" (v2) means no limit
            memory_mb = min(memory_mb, int(raw) / 2**20)
        break
    return cores, memory_mb


class _CPUSampler(Protocol):
    def cpu_percent(self, interval: float = 0.5) -> float: ...


class InterviewLoad:
    """The `load_fnc` of the agent worker (see the module docstring).

    Called by livekit-agents every 0.5 s from a thread of the worker's main process, with the
    `AgentServer` as argument. CPU is sampled by a daemon thread (a 2.5 s moving average, like
    livekit-agents' default) so a call never blocks.
    """

    def __init__(
        self,
        *,
        max_interviews: int,
        load_threshold: float,
        cpu_monitor: _CPUSampler | None = None,
        sample_cpu: bool = True,
    ) -> None:
        if max_interviews < 1:
            raise ValueError("max_interviews must be at least 1")
        if not 0 < load_threshold <= 1:
            raise ValueError("load_threshold must be in (0, 1]")
        self._max_interviews = max_interviews
        self._load_threshold = load_threshold
        self._cpu_monitor: _CPUSampler = cpu_monitor or get_cpu_monitor()
        self._cpu_avg = MovingAverage(5)
        self._lock = threading.Lock()
        self._sample_cpu = sample_cpu
        self._thread: threading.Thread | None = None

    @property
    def max_interviews(self) -> int:
        return self._max_interviews

    @property
    def load_threshold(self) -> float:
        return self._load_threshold

    def add_cpu_sample(self, fraction: float) -> None:
        with self._lock:
            self._cpu_avg.add_sample(fraction)

    def cpu_utilisation(self) -> float:
        with self._lock:
            return float(self._cpu_avg.get_avg())

    def load(self, active_jobs: int) -> float:
        jobs_term = self._load_threshold * active_jobs / self._max_interviews
        return min(1.0, max(jobs_term, self.cpu_utilisation()))

    def __call__(self, server: _HasActiveJobs) -> float:
        self._ensure_sampling()
        return self.load(len(server.active_jobs))

    def _ensure_sampling(self) -> None:
        if not self._sample_cpu or self._thread is not None:
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._sample_forever, name="interview_load_cpu_sampler", daemon=True
                )
                self._thread.start()

    def _sample_forever(self) -> None:
        while True:
            self.add_cpu_sample(self._cpu_monitor.cpu_percent(interval=0.5))


class _HasActiveJobs(Protocol):
    @property
    def active_jobs(self) -> list[object]: ...


# --- wiring into the AgentServer ---------------------------------------------------------------


class ServerOptions(TypedDict):
    load_fnc: Callable[[Any], float]
    load_threshold: float
    num_idle_processes: int
    drain_timeout: int
    port: int
    prometheus_port: int | None


def resolve_max_interviews(settings: AgentSettings) -> int:
    """MAX_INTERVIEWS_PER_WORKER, or derived from this host's resources when it is 0."""
    if settings.max_interviews_per_worker:
        return settings.max_interviews_per_worker
    cores, memory_mb = host_resources()
    return max_interviews_for_host(
        cpu_cores=cores,
        memory_mb=memory_mb,
        cpu_target=settings.load_threshold,
        idle_processes=settings.num_idle_processes,
    )


def server_options(settings: AgentSettings) -> ServerOptions:
    """The capacity, drain and ops-endpoint options of `AgentServer(...)` for these settings.

    The warm idle processes never exceed the interviews the host may run: a warm process has
    already paid the memory of an interview.
    """
    max_interviews = resolve_max_interviews(settings)
    logger.info(
        "worker capacity",
        extra={"max_interviews": max_interviews, "load_threshold": settings.load_threshold},
    )
    return ServerOptions(
        load_fnc=InterviewLoad(
            max_interviews=max_interviews,
            load_threshold=settings.load_threshold,
            sample_cpu=settings.load_includes_cpu,
        ),
        load_threshold=settings.load_threshold,
        num_idle_processes=min(settings.num_idle_processes, max_interviews),
        drain_timeout=settings.drain_timeout,
        port=settings.agent_http_port,
        prometheus_port=settings.metrics_port,
    )
