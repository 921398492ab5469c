"""Prometheus metrics of the interview agent, exposed on the worker's `/metrics`.

Why multiprocess mode: livekit-agents runs every interview in its own job process
(`JobExecutorType.PROCESS`), while `/metrics` is served by the worker's main process
(`AgentServer(prometheus_port=...)`). With `PROMETHEUS_MULTIPROC_DIR` set in the environment
*before Python starts* (the image and docker-compose.yml set it), prometheus_client writes each
process's values to small mmap files there and livekit-agents' metrics handler merges them per
scrape with `MultiProcessCollector`. The alternatives were worse: an HTTP server per job process
needs a port per job and a service-discovery story; shipping values to the main process needs an
IPC channel livekit-agents does not offer to user code.

Consequences handled here:
- gauges need a multiprocess mode: active interviews is `livesum` (sum over live processes);
- a job process that dies without decrementing would leave its gauge file behind, so the worker
  calls `sweep_dead_processes()` periodically (via `MetricsHousekeeping`), which drops the live
  gauges of pids that no longer exist (`prometheus_client.multiprocess.mark_process_dead`);
- counters and histograms of finished processes stay (they are cumulative, which is what
  Prometheus expects); the directory is emptied when the worker starts (livekit-agents does it),
  so its size is bounded by the interviews one worker runs between restarts (~4 small files each).

Labels never carry interview ids, rooms or names: bounded cardinality, no PII.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
from pathlib import Path
from typing import Any

from prometheus_client import Counter, Gauge, Histogram
from prometheus_client import multiprocess as prom_multiprocess

if _dir := os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # prometheus_client opens its files there as soon as a metric is created (below)
    os.makedirs(_dir, exist_ok=True)

ACTIVE_INTERVIEWS = Gauge(
    "interview_active_interviews",
    "Interviews currently running on this worker (one per job process).",
    multiprocess_mode="livesum",
)

TURN_LATENCY = Histogram(
    "interview_turn_latency_seconds",
    "End of the candidate's speech to the start of the interviewer's reply "
    "(livekit-agents' e2e_latency of each assistant turn).",
    # conversational turn-taking lives between 0.3 s and 2 s; the tail shows Gemini stalls
    buckets=(0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 8.0, 13.0, 20.0),
)

GEMINI_ERRORS = Counter(
    "interview_gemini_errors_total",
    "Errors reported by the Gemini Live session; recoverable ones are retried by the plugin.",
    ["recoverable"],
)

GEMINI_RECONNECTS = Counter(
    "interview_gemini_reconnects_total",
    "Gemini Live sessions re-established mid-interview, by cause: go_away (server ends the "
    "connection, ~10 min), error (plugin retry after a recoverable error), stall (the agent "
    "reconnects after a reply did not come).",
    ["reason"],
)

ANALYSIS_QUEUE_DROPS = Counter(
    "interview_analysis_queue_drops_total",
    "Frames or items dropped because an analysis queue was full (the oldest is dropped).",
    ["queue"],
)

MODEL_FAILOVERS = Counter(
    "interview_model_failovers_total",
    "Live interviews switched realtime model by the circuit breaker: to=fallback (p95 reply "
    "latency over budget, or failed reconnects) or to=primary (half-open retry after recovery).",
    ["to", "reason"],
)

FAILOVER_DIRECTIONS = ("fallback", "primary")
FAILOVER_REASONS = ("latency_p95", "failed_connects", "recovered", "probe_failed")
for _to in FAILOVER_DIRECTIONS:  # present at 0 from the start, so increase() sees the first one
    for _reason in FAILOVER_REASONS:
        MODEL_FAILOVERS.labels(to=_to, reason=_reason)

AVATAR_SESSIONS = Counter(
    "interview_avatar_sessions_total",
    "Interviewer avatars by outcome: active (joined and speaking), start_failed (the "
    "provider refused or failed), join_timeout (never joined in time), disconnected (left "
    "mid-interview); every outcome but active means the interview went on voice-only.",
    ["provider", "outcome"],
)

AVATAR_SECONDS = Counter(
    "interview_avatar_seconds_total",
    "Seconds avatars rendered the interviewer (what the provider bills).",
    ["provider"],
)

AVATAR_OUTCOMES = ("active", "start_failed", "join_timeout", "disconnected")

COST_SOURCES = ("live", "frame_review", "avatar")
INTERVIEW_COST = Counter(
    "interview_cost_usd_total",
    "What finished interviews cost in model tokens (USD, priced with MODEL_PRICES), by source: "
    "live = the realtime session, frame_review = Gemini frame reviews, avatar = the "
    "interviewer avatar's minutes (AVATAR_PRICE_PER_MINUTE_USD). The evals worker "
    "exports the evaluation's part (interview_evaluation_cost_usd_total).",
    ["source"],
)
for _source in COST_SOURCES:
    INTERVIEW_COST.labels(source=_source)

RECONNECT_REASONS = ("go_away", "error", "stall", "other")

_GO_AWAY_LOG = "Gemini server indicates disconnection soon"
_GOOGLE_PLUGIN_LOGGER = "livekit.plugins.google"
_LIVE_GAUGE_FILE = re.compile(r"^gauge_live\w*?_(\d+)\.db$")


# --- recording ----------------------------------------------------------------------------------


def interview_started() -> None:
    """Pair with `interview_ended()` (the worker: job start, then `on_session_end`)."""
    ACTIVE_INTERVIEWS.inc()


def interview_ended() -> None:
    ACTIVE_INTERVIEWS.dec()


def observe_turn_latency(seconds: float) -> None:
    if seconds >= 0:
        TURN_LATENCY.observe(seconds)


def record_gemini_error(*, recoverable: bool) -> None:
    GEMINI_ERRORS.labels(recoverable="true" if recoverable else "false").inc()


def record_gemini_reconnect(reason: str) -> None:
    GEMINI_RECONNECTS.labels(reason=reason if reason in RECONNECT_REASONS else "other").inc()


def record_model_failover(*, to: str, reason: str) -> None:
    MODEL_FAILOVERS.labels(
        to=to if to in FAILOVER_DIRECTIONS else "fallback",
        reason=reason if reason in FAILOVER_REASONS else "latency_p95",
    ).inc()


def record_avatar_session(*, provider: str, outcome: str) -> None:
    AVATAR_SESSIONS.labels(
        provider=provider, outcome=outcome if outcome in AVATAR_OUTCOMES else "start_failed"
    ).inc()


def record_avatar_seconds(*, provider: str, seconds: float) -> None:
    if seconds > 0:
        AVATAR_SECONDS.labels(provider=provider).inc(seconds)


def record_cost(source: str, usd: float) -> None:
    if source in COST_SOURCES and usd > 0:
        INTERVIEW_COST.labels(source=source).inc(usd)


def record_analysis_drop(queue: str, count: int = 1) -> None:
    """`queue` is a fixed name (the vision `AnalysisQueue`'s, "vision-analysis"), never per
    interview."""
    if count > 0:
        ANALYSIS_QUEUE_DROPS.labels(queue=queue).inc(count)


# --- wiring to an AgentSession ------------------------------------------------------------------


def attach_session_metrics(session: Any) -> None:
    """Feed the per-turn latency and Gemini error metrics from an `AgentSession`'s events.

    `session` is typed loosely so this module stays importable without livekit-agents' voice
    stack (the worker's main process only serves metrics). The events used are public:
    `conversation_item_added` (assistant messages carry `metrics["e2e_latency"]`) and `error`
    (`ErrorEvent.error` is a `RealtimeModelError`/`LLMError` with `recoverable`).
    """

    def _on_item(ev: Any) -> None:
        item = getattr(ev, "item", None)
        if getattr(item, "role", None) != "assistant":
            return
        latency = (getattr(item, "metrics", None) or {}).get("e2e_latency")
        if isinstance(latency, int | float):
            observe_turn_latency(float(latency))

    def _on_error(ev: Any) -> None:
        error = getattr(ev, "error", None)
        if type(error).__name__ not in ("RealtimeModelError", "LLMError"):
            return
        recoverable = bool(getattr(error, "recoverable", False))
        record_gemini_error(recoverable=recoverable)
        if recoverable:
            # the Gemini plugin answers a recoverable error by reconnecting the Live session
            record_gemini_reconnect("error")

    session.on("conversation_item_added", _on_item)
    session.on("error", _on_error)
    install_go_away_counter()


class _GoAwayCounter(logging.Filter):
    """Counts GoAway reconnects of the Gemini plugin, which logs them but emits no event.

    (livekit-plugins-google 1.8.9 `_handle_go_away`: a warning, then the Live session is
    closed and re-opened.) A filter sees every record of the plugin's logger and lets all pass.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith(_GO_AWAY_LOG):
            record_gemini_reconnect("go_away")
        return True


_go_away_lock = threading.Lock()


def install_go_away_counter() -> None:
    """Idempotent: one filter per process, however many sessions attach."""
    plugin_logger = logging.getLogger(_GOOGLE_PLUGIN_LOGGER)
    with _go_away_lock:
        if not any(isinstance(f, _GoAwayCounter) for f in plugin_logger.filters):
            plugin_logger.addFilter(_GoAwayCounter())


# --- worker main process ------------------------------------------------------------------------


def multiprocess_dir() -> Path | None:
    value = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return Path(value) if value else None


def sweep_dead_processes(directory: Path | None = None) -> list[int]:
    """Drop the live-gauge files of job processes that exited without cleaning up.

    A crashed job process would otherwise keep counting as an active interview forever.
    Returns the pids swept.
    """
    directory = directory or multiprocess_dir()
    if directory is None or not directory.is_dir():
        return []
    swept: list[int] = []
    for path in directory.iterdir():
        match = _LIVE_GAUGE_FILE.match(path.name)
        if match is None:
            continue
        pid = int(match.group(1))
        if pid == os.getpid() or _pid_alive(pid) or pid in swept:
            continue
        prom_multiprocess.mark_process_dead(pid, str(directory))  # type: ignore[no-untyped-call]  # prometheus_client leaves it untyped
        swept.append(pid)
    return swept


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class MetricsHousekeeping:
    """A daemon thread in the worker's main process that sweeps dead job processes' gauges."""

    def __init__(self, *, interval_s: float = 15.0, directory: Path | None = None) -> None:
        self._interval_s = interval_s
        self._directory = directory
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running or (self._directory or multiprocess_dir()) is None:
            return  # single-process mode: nothing to sweep
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, name="interview_metrics_housekeeping", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            with contextlib.suppress(OSError):
                sweep_dead_processes(self._directory)


def install_worker_housekeeping(server: Any, *, interval_s: float = 15.0) -> MetricsHousekeeping:
    """Start the dead-process sweep when the `AgentServer` starts (its main process only)."""
    housekeeping = MetricsHousekeeping(interval_s=interval_s)
    server.on("worker_started", housekeeping.start)
    return housekeeping
