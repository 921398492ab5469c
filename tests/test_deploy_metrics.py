"""Prometheus metrics (agent/prometheus_metrics.py) and worker capacity (agent/capacity.py).

The end-to-end path (job process -> multiprocess files -> the worker's /metrics, health
endpoints, SIGTERM drain) is in test_deploy_worker.py; these tests pin the pieces.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from livekit.agents import AgentSession, llm
from livekit.agents.voice.events import ConversationItemAddedEvent, ErrorEvent
from prometheus_client import REGISTRY, CollectorRegistry, multiprocess

from agent import capacity
from agent import prometheus_metrics as metrics
from agent.settings import AgentSettings

ROOT = Path(__file__).resolve().parent.parent


def sample(name: str, labels: dict[str, str] | None = None) -> float:
    return REGISTRY.get_sample_value(name, labels or {}) or 0.0


# --- metrics from an AgentSession's events ------------------------------------------------------


async def test_session_events_feed_latency_errors_and_reconnects() -> None:
    session: AgentSession = AgentSession()
    metrics.attach_session_metrics(session)
    latency_count = sample("interview_turn_latency_seconds_count")
    latency_sum = sample("interview_turn_latency_seconds_sum")
    recoverable = sample("interview_gemini_errors_total", {"recoverable": "true"})
    fatal = sample("interview_gemini_errors_total", {"recoverable": "false"})
    retried = sample("interview_gemini_reconnects_total", {"reason": "error"})

    # what agent_activity emits after each reply: the assistant message with e2e_latency
    reply = llm.ChatMessage(
        role="assistant", content=["Tell me more."], metrics={"e2e_latency": 0.8}
    )
    session.emit("conversation_item_added", ConversationItemAddedEvent(item=reply))
    # candidate messages and replies without a measured latency are not turns to time
    user = llm.ChatMessage(role="user", content=["I used Kafka."], metrics={"e2e_latency": 9.0})
    session.emit("conversation_item_added", ConversationItemAddedEvent(item=user))
    silent = llm.ChatMessage(role="assistant", content=["Hello!"])
    session.emit("conversation_item_added", ConversationItemAddedEvent(item=silent))

    # what the Gemini plugin emits through the session: a retried error and a fatal one
    for recoverable_flag in (True, False):
        error = llm.RealtimeModelError(
            timestamp=time.time(),
            label="google.realtime",
            error=ConnectionError("closed"),
            recoverable=recoverable_flag,
        )
        session.emit("error", ErrorEvent(error=error, source=None))

    assert sample("interview_turn_latency_seconds_count") == latency_count + 1
    assert sample("interview_turn_latency_seconds_sum") == pytest.approx(latency_sum + 0.8)
    assert sample("interview_gemini_errors_total", {"recoverable": "true"}) == recoverable + 1
    assert sample("interview_gemini_errors_total", {"recoverable": "false"}) == fatal + 1
    assert sample("interview_gemini_reconnects_total", {"reason": "error"}) == retried + 1


def test_gemini_go_away_is_counted_from_the_plugins_warning() -> None:
    """livekit-plugins-google logs GoAway and reconnects, but emits no event for it."""
    from livekit.plugins.google.log import logger as plugin_logger

    metrics.install_go_away_counter()
    metrics.install_go_away_counter()  # idempotent
    before = sample("interview_gemini_reconnects_total", {"reason": "go_away"})
    # the exact call in realtime_api.RealtimeSession._handle_go_away
    plugin_logger.warning("Gemini server indicates disconnection soon. Time left: 50s")
    plugin_logger.warning("an unrelated warning")
    assert sample("interview_gemini_reconnects_total", {"reason": "go_away"}) == before + 1
    assert sum(isinstance(f, metrics._GoAwayCounter) for f in plugin_logger.filters) == 1


def test_go_away_message_matches_the_installed_plugin() -> None:
    from livekit.plugins.google.realtime import realtime_api

    assert metrics._GO_AWAY_LOG in Path(realtime_api.__file__).read_text()


def test_recording_helpers_bound_their_labels() -> None:
    before_other = sample("interview_gemini_reconnects_total", {"reason": "other"})
    metrics.record_gemini_reconnect("interview-1234")  # never a per-interview label
    assert sample("interview_gemini_reconnects_total", {"reason": "other"}) == before_other + 1

    before = sample("interview_analysis_queue_drops_total", {"queue": "vision_local"})
    metrics.record_analysis_drop("vision_local", 3)
    metrics.record_analysis_drop("vision_local", 0)
    assert sample("interview_analysis_queue_drops_total", {"queue": "vision_local"}) == before + 3

    active = sample("interview_active_interviews")
    metrics.interview_started()
    assert sample("interview_active_interviews") == active + 1
    metrics.interview_ended()
    assert sample("interview_active_interviews") == active


# --- multiprocess mode: a crashed job process ---------------------------------------------------

_CRASHING_JOB = """
import os
from agent import prometheus_metrics as metrics
metrics.interview_started()
metrics.observe_turn_latency(1.2)
os._exit(1)  # dies mid-interview: no interview_ended()
"""


def _collect(directory: Path) -> dict[str, float]:
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(directory))
    return {
        s.name: s.value
        for family in registry.collect()
        for s in family.samples
        if s.name.startswith("interview_")
    }


def test_a_crashed_job_process_stops_counting_as_active_after_the_sweep(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    for _ in range(2):
        proc = subprocess.run([sys.executable, "-c", _CRASHING_JOB], env=env, timeout=60)
        assert proc.returncode == 1

    before = _collect(tmp_path)
    assert before["interview_active_interviews"] == 2  # livesum keeps the dead pids' +1
    assert before["interview_turn_latency_seconds_count"] == 2

    swept = metrics.sweep_dead_processes(tmp_path)

    after = _collect(tmp_path)
    assert len(swept) == 2
    assert after.get("interview_active_interviews", 0.0) == 0
    assert after["interview_turn_latency_seconds_count"] == 2  # history stays
    assert metrics.sweep_dead_processes(tmp_path) == []


def test_housekeeping_thread_sweeps_periodically(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", _CRASHING_JOB], env=env, timeout=60, check=False)
    housekeeping = metrics.MetricsHousekeeping(interval_s=0.05, directory=tmp_path)
    housekeeping.start()
    try:
        deadline = time.monotonic() + 30
        while _collect(tmp_path).get("interview_active_interviews", 0.0) and (
            time.monotonic() < deadline
        ):
            time.sleep(0.05)
        assert _collect(tmp_path).get("interview_active_interviews", 0.0) == 0
        assert housekeeping.running
    finally:
        housekeeping.stop()
    assert not housekeeping.running


# --- capacity -----------------------------------------------------------------------------------


class FixedCPU:
    def __init__(self, fraction: float) -> None:
        self.fraction = fraction

    def cpu_percent(self, interval: float = 0.5) -> float:
        return self.fraction


class FakeServer:
    def __init__(self, jobs: int) -> None:
        self.active_jobs = [object()] * jobs


def test_max_interviews_is_the_tighter_of_cpu_and_memory() -> None:
    cost = capacity.InterviewCost(rss_mb=400, cpu_pct=20)
    # 8 cores at 70 %: 560 % / 20 % = 28 by CPU; 16 GiB: (13107 - 350) / 400 = 31 by memory

    def fits(cores: float, memory_mb: float, idle: int = 0) -> int:
        return capacity.max_interviews_for_host(
            cpu_cores=cores, memory_mb=memory_mb, cost=cost, cpu_target=0.7, idle_processes=idle
        )

    assert fits(8, 16384) == 28
    # 2 GiB: (1638 - 350) / 400 = 3, minus one warm idle process
    assert fits(8, 2048, idle=1) == 2
    assert fits(0.5, 512) == 1


def test_load_reaches_the_threshold_exactly_at_max_interviews() -> None:
    load = capacity.InterviewLoad(
        max_interviews=4, load_threshold=0.7, cpu_monitor=FixedCPU(0.0), sample_cpu=False
    )
    assert load(FakeServer(0)) == 0.0
    assert load(FakeServer(2)) == pytest.approx(0.35)
    assert load(FakeServer(3)) < 0.7 <= load(FakeServer(4))


def test_cpu_pressure_dominates_when_interviews_are_heavier_than_measured() -> None:
    load = capacity.InterviewLoad(max_interviews=10, load_threshold=0.7, sample_cpu=False)
    for _ in range(5):
        load.add_cpu_sample(0.9)
    assert load(FakeServer(1)) == pytest.approx(0.9)


def test_load_samples_cpu_in_the_background() -> None:
    load = capacity.InterviewLoad(max_interviews=10, load_threshold=0.7, cpu_monitor=FixedCPU(0.5))
    load(FakeServer(0))
    deadline = time.monotonic() + 10
    while load.cpu_utilisation() == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert load(FakeServer(0)) == pytest.approx(0.5)


def _settings(**overrides: object) -> AgentSettings:
    base: dict[str, object] = {
        "livekit_url": "ws://127.0.0.1:7880",
        "livekit_api_key": "key",
        "livekit_api_secret": "secret",
        "google_api_key": "dummy",
        "_env_file": None,
    }
    return AgentSettings(**{**base, **overrides})  # type: ignore[arg-type]


def test_server_options_from_settings() -> None:
    settings = _settings(
        max_interviews_per_worker=3,
        num_idle_processes=5,
        load_threshold=0.8,
        drain_timeout=1800,
        agent_http_port=18081,
        metrics_port=19100,
    )
    options = capacity.server_options(settings)
    assert isinstance(options["load_fnc"], capacity.InterviewLoad)
    assert options["load_fnc"].max_interviews == 3
    assert options["load_threshold"] == 0.8
    assert options["num_idle_processes"] == 3  # never more warm processes than interviews
    assert options["drain_timeout"] == 1800
    assert options["port"] == 18081
    assert options["prometheus_port"] == 19100


def test_max_interviews_derived_from_the_host_when_not_set() -> None:
    settings = _settings(max_interviews_per_worker=0, num_idle_processes=0)
    cores, memory_mb = capacity.host_resources()
    assert capacity.resolve_max_interviews(settings) == capacity.max_interviews_for_host(
        cpu_cores=cores, memory_mb=memory_mb, cpu_target=settings.load_threshold, idle_processes=0
    )


# --- the hooks in the agent's code ----------------------------------------------------------------


def test_build_server_uses_the_capacity_and_ops_options(monkeypatch: pytest.MonkeyPatch) -> None:
    from agent import worker

    captured: dict[str, object] = {}

    class RecordingServer:
        def __init__(self, **kwargs: object) -> None:
            captured.update(kwargs)
            self.handlers: dict[str, object] = {}

        def on(self, event: str, callback: object) -> None:
            self.handlers[event] = callback

        def rtc_session(self, *_args: object, **_kwargs: object) -> None:
            pass

    monkeypatch.setattr(worker, "AgentServer", RecordingServer)
    settings = _settings(max_interviews_per_worker=2, metrics_port=19101, agent_http_port=18082)
    server = worker.build_server(settings)

    expected = capacity.server_options(settings)
    assert isinstance(captured["load_fnc"], capacity.InterviewLoad)
    assert captured["load_fnc"].max_interviews == 2  # type: ignore[attr-defined]
    for key in ("load_threshold", "num_idle_processes", "drain_timeout", "port", "prometheus_port"):
        assert captured[key] == expected[key], key  # type: ignore[literal-required]
    assert "worker_started" in server.handlers  # type: ignore[attr-defined]
