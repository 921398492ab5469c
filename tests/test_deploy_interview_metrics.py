"""A simulated interview through the product's job code (`run_job` ... `on_session_end`) on the
real Gemini Live plugin against the emulator, then the metrics endpoint scraped over HTTP.

The interview: a spoken candidate turn (espeak audio through Silero VAD, so livekit-agents
measures the turn's e2e latency), a GoAway and a 1011 close (the plugin reconnects both times).
The endpoint is livekit-agents' own Prometheus server class, the one `AgentServer(prometheus_port=)`
runs in the worker (single-process mode here; multiprocess is in test_deploy_worker.py).
"""

from __future__ import annotations

import asyncio
import socket
import urllib.request
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from livekit.agents import vad
from livekit.agents.telemetry.http_server import HttpServer as MetricsServer
from prometheus_client.parser import text_string_to_metric_families

from interview_store import InterviewStore
from testkit.audio_io import espeak_wav
from testkit.gemini_live import FakeGeminiLive, Fault, Reply
from testkit.tls import LocalTLS
from tests.test_agent_gemini import live_interview

pytestmark = [pytest.mark.timing, pytest.mark.timeout(180)]


@pytest.fixture
async def metrics_url() -> AsyncIterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = MetricsServer("127.0.0.1", port)
    await server.start()
    try:
        yield f"http://127.0.0.1:{port}/metrics"
    finally:
        await server.aclose()


async def scrape(url: str) -> dict[str, float]:
    def _get() -> str:
        with urllib.request.urlopen(url, timeout=5) as response:
            body: bytes = response.read()
            return body.decode()

    text = await asyncio.to_thread(_get)
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name.startswith("interview_"):
                labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
                out[f"{s.name}{{{labels}}}" if labels else s.name] = s.value
    return out


async def wait_for(cond: Callable[[], bool], timeout_s: float = 15.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not cond():  # noqa: ASYNC110 - state of the emulator/session, no event to await
            await asyncio.sleep(0.05)


def delta(after: dict[str, float], before: dict[str, float], key: str) -> float:
    return after.get(key, 0.0) - before.get(key, 0.0)


async def test_metrics_after_a_simulated_interview(
    sqlite_store: InterviewStore,
    tmp_path: Path,
    tls: LocalTLS,
    emulator: FakeGeminiLive,
    silero: vad.VAD,
    metrics_url: str,
) -> None:
    intro = espeak_wav("Hello, I am Ada. I build payment systems in Python.", tmp_path / "a.wav")
    emulator.push(Reply.say("Welcome, please introduce yourself."))
    emulator.push_transcripts("Hello, I am Ada. I build payment systems in Python.")
    before = await scrape(metrics_url)

    async with live_interview(sqlite_store, tmp_path, tls, emulator, silero) as live:
        during = await scrape(metrics_url)
        assert delta(during, before, "interview_active_interviews") == 1

        # a spoken turn: VAD end of speech -> Gemini reply -> e2e latency
        await wait_for(lambda: emulator.state.replies_sent >= 1)
        await wait_for(lambda: live.run.session.agent_state == "listening")
        emulator.push(Reply.say("Nice to meet you. What do you work on?"))
        live.mic.say(intro)
        await asyncio.wait_for(live.mic.played.wait(), 15)
        await wait_for(lambda: emulator.state.replies_sent >= 2, timeout_s=30)
        await wait_for(lambda: live.run.session.agent_state == "listening", timeout_s=30)

        # GoAway: the plugin logs it and reconnects
        emulator.inject(Fault.GO_AWAY)
        emulator.push(Reply.say("Tell me about your last project."))
        live.run.session.generate_reply(user_input="Payments.")
        await wait_for(lambda: len(emulator.state.setups) >= 2, timeout_s=30)

        # a 1011 close mid-turn: a recoverable error, then a reconnect
        await wait_for(lambda: live.run.session.agent_state == "listening", timeout_s=30)
        emulator.inject(Fault.CLOSE_1011_MID_TURN)
        emulator.push(Reply.say("Which database do you use?"))
        live.run.session.generate_reply(user_input="Kafka and PostgreSQL.")
        await wait_for(lambda: emulator.state.connections >= 3, timeout_s=30)
        await asyncio.sleep(0.3)

    after = await scrape(metrics_url)
    assert delta(after, before, "interview_active_interviews") == 0  # on_session_end ran
    assert delta(after, before, "interview_turn_latency_seconds_count") >= 1
    assert delta(after, before, "interview_turn_latency_seconds_sum") > 0
    assert delta(after, before, "interview_gemini_reconnects_total{reason=go_away}") == 1
    assert delta(after, before, "interview_gemini_errors_total{recoverable=true}") >= 1
    assert delta(after, before, "interview_gemini_reconnects_total{reason=error}") >= 1
    assert delta(after, before, "interview_gemini_errors_total{recoverable=false}") == 0
