"""A LiveKit cluster: two `livekit-server` nodes sharing Redis, an agent worker on each, the
token server and evals worker. Interviews spread over both workers once one is full (LiveKit
places a job on any available worker, weighted by load, so it is capacity that guarantees the
spread); SIGTERM drains a worker (its interview finishes, new ones go to the other); `kill -9`
of a job process loses no transcript item written before it, the interview ends `failed` with
a reason, and it still gets a report from its partial transcript.

One test on purpose: the cluster costs ~20 s to start on 2 cores, and each step builds on the
state the previous one left (which worker runs what). It needs ~60 s in all.
"""

from __future__ import annotations

import asyncio
import functools
import os
import re
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import pytest_asyncio

from interview_store import EventKind, FailureReason, InterviewStatus, Report
from testkit.audio_io import espeak_wav
from testkit.gemini_api import FakeGeminiApi
from testkit.gemini_api import Reply as ApiReply
from testkit.gemini_live import FakeGeminiLive, Reply
from testkit.livekit_server import LiveKitNode, LiveKitNodeOptions, RedisServer, free_port
from testkit.platform_processes import (
    E2EPlatform,
    PlatformConfig,
    PlatformProcess,
    start_agent_worker,
    start_evals_worker,
    start_together,
    start_tokenserver,
)
from testkit.rtc_candidate import RtcCandidate, load_wav_48k
from testkit.tls import LocalTLS

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(150),
    pytest.mark.asyncio(loop_scope="module"),
]


@dataclass
class Cluster:
    redis: RedisServer
    nodes: list[LiveKitNode]
    platform: E2EPlatform
    """The token server, evals worker and both agent workers (agents[i] is on nodes[i])."""
    candidates: list[RtcCandidate] = field(default_factory=list)

    def worker_of(self, interview_id: str) -> PlatformProcess | None:
        for agent in self.platform.agents:
            if re.search(rf'"interview live".*"{interview_id}"', agent.log_text()):
                return agent
        return None

    def job_pid(self, interview_id: str) -> int:
        for agent in self.platform.agents:
            for line in agent.log_text().splitlines():
                if '"interview live"' in line and interview_id in line:
                    match = re.search(r'"pid": (\d+)', line)
                    assert match
                    return int(match.group(1))
        raise LookupError(interview_id)


@pytest_asyncio.fixture(loop_scope="module")
async def cluster(
    livekit_server_binary: Path, tmp_path: Path, tls: LocalTLS
) -> AsyncIterator[Cluster]:
    async with FakeGeminiLive(ssl_context=tls.server_context()) as live, FakeGeminiApi() as api:
        api.responder = lambda _req: ApiReply(text='{"findings": []}')
        redis = RedisServer(workdir=tmp_path / "redis")
        await asyncio.to_thread(redis.start)
        ts_port = free_port()
        options = LiveKitNodeOptions(
            redis_address=redis.address,
            webhook_urls=(f"http://127.0.0.1:{ts_port}/api/livekit/webhook",),
        )
        nodes = [
            LiveKitNode(workdir=tmp_path / f"node{i}", options=options, name=f"node{i}")
            for i in (1, 2)
        ]
        platform = E2EPlatform(
            workdir=tmp_path, live=live, api=api, ca_file=tls.ca_file, node=nodes[0]
        )
        # two interviews per worker at most, so the cluster has to spread them; a high load
        # threshold so the host's CPU (shared by both workers here) does not fill them first
        extra = {
            "MAX_INTERVIEWS_PER_WORKER": "2",
            "LOAD_THRESHOLD": "0.95",
            "VISION_ENABLED": "false",
        }
        storage = tmp_path / "storage"

        def start() -> None:
            for node in nodes:
                node.start()  # ports are picked here: configs come after
            configs = [
                PlatformConfig.for_node(
                    node,
                    storage_dir=storage,
                    gemini_live_url=live.base_url,
                    gemini_ca_file=tls.ca_file,
                    gemini_api_url=api.base_url,
                    extra=extra,
                )
                for node in nodes
            ]
            platform.tokenserver, *platform.agents = start_together(
                [
                    functools.partial(start_tokenserver, configs[0], port=ts_port),
                    *(
                        functools.partial(start_agent_worker, configs[i], name=f"agent{i + 1}")
                        for i in (0, 1)
                    ),
                ]
            )
            platform.evals = start_evals_worker(configs[0])

        c = Cluster(redis=redis, nodes=nodes, platform=platform)
        try:
            await asyncio.to_thread(start)
            yield c
        finally:
            for cand in c.candidates:
                await cand.aclose()
            await asyncio.to_thread(platform.stop)
            await asyncio.to_thread(nodes[1].stop)
            await asyncio.to_thread(redis.stop)


FULL = r"worker is at full capacity"
AVAILABLE = r"worker is below capacity, marking as available"
"""livekit-agents' log lines when a worker's status to LiveKit changes."""


async def open_interview(c: Cluster, index: int) -> tuple[str, RtcCandidate]:
    """An interview whose candidate connects to node (index % 2): rooms live on one node,
    signalling is relayed through Redis from the other."""
    created = await c.platform.create_interview(candidate_name=f"Candidate {index}")
    url = c.nodes[index % 2].url
    candidate = RtcCandidate(url, created["participant_token"])
    await candidate.connect()
    c.candidates.append(candidate)
    try:
        await candidate.wait_for_agent(timeout_s=25)
        await candidate.wait_for_audible(timeout_s=20)
    except TimeoutError:
        raise AssertionError(f"interview {index}: no agent\n{c.platform.logs()}") from None
    return created["interview_id"], candidate


async def leave(c: Cluster, candidate: RtcCandidate) -> None:
    c.candidates.remove(candidate)
    await candidate.aclose()


async def test_cluster_spreads_drains_and_survives_a_killed_job(
    cluster: Cluster, tmp_path: Path
) -> None:
    c = cluster
    live = c.platform.live
    live.push(*[Reply.say("Hello, welcome to your interview.", audio_s=0.6)] * 4)

    # 1. spread: three interviews over two workers that take two each use both
    opened = [await open_interview(c, 0), await open_interview(c, 1)]
    on = [c.worker_of(interview_id) for interview_id, _ in opened]
    if on[0] is on[1] and on[0] is not None:  # that worker is full: wait until LiveKit knows
        await on[0].await_log(FULL, timeout_s=10)
    opened.append(await open_interview(c, 2))
    placed: dict[str, list[tuple[str, RtcCandidate]]] = {a.name: [] for a in c.platform.agents}
    for interview_id, candidate in opened:
        worker = c.worker_of(interview_id)
        assert worker is not None
        placed[worker.name].append((interview_id, candidate))
    w1, w2 = sorted(c.platform.agents, key=lambda a: len(placed[a.name]), reverse=True)
    assert [len(placed[w1.name]), len(placed[w2.name])] == [2, 1]
    await w1.await_log(FULL, timeout_s=10)  # and told LiveKit so
    (first, cand1), (_, extra_cand) = placed[w1.name]
    ((second, cand2),) = placed[w2.name]
    # one of w1's interviews ends: w1 has room again, so draining it below means something
    mark = len(w1.log_text())
    await leave(c, extra_cand)
    await w1.await_log(AVAILABLE, timeout_s=20, after=mark)
    assert c.platform.tokenserver is not None

    # 2. SIGTERM drains w1: its interview goes on (the agent still answers), new ones go to w2
    w1.signal(signal.SIGTERM)
    await w1.await_log(r"draining worker", timeout_s=10)
    answer = load_wav_48k(espeak_wav("I design systems.", tmp_path / "a.wav"))
    live.push_transcripts("I design systems.")
    live.push(Reply.say("Good, tell me more.", audio_s=0.5))
    await asyncio.wait_for(cand1.say(answer).wait(), 20)
    await cand1.wait_for_audible(after=cand1.speech_ended_at[-1], timeout_s=15)
    assert w1.alive(), "a draining worker keeps running its interview"
    third, cand3 = await open_interview(c, 3)
    assert c.worker_of(third) is w2, "a draining worker takes no new interview"
    await leave(c, cand1)  # w1's interview ends normally, then w1 exits
    await c.platform.wait_until(lambda: _exited(w1), timeout_s=20, what="drained worker exit")
    assert w1.process.returncode == 0
    ended = await c.platform.read_record(first)
    assert ended.status in (InterviewStatus.ENDED, InterviewStatus.EVALUATED)
    assert any(t.speaker == "candidate" for t in ended.transcript)

    # 3. kill -9 of the job process running `second` (w2) after items were written
    live.push_transcripts("I like distributed systems.")
    live.push(Reply.say("Why is that?", audio_s=0.5))
    answer2 = load_wav_48k(espeak_wav("I like distributed systems.", tmp_path / "b.wav"))
    await asyncio.wait_for(cand2.say(answer2).wait(), 20)
    await cand2.wait_for_audible(after=cand2.speech_ended_at[-1], timeout_s=15)

    async def written() -> list[str] | None:
        record = await c.platform.read_record(second)
        items = [t.item_id for t in record.transcript]
        speakers = {t.speaker for t in record.transcript}
        return items if {"candidate", "interviewer"} <= speakers else None

    before = await c.platform.wait_until(written, timeout_s=10, what="transcript")
    os.kill(c.job_pid(second), signal.SIGKILL)
    await asyncio.sleep(1.0)
    assert w2.alive(), "the worker survives its job process"
    await leave(c, cand2)

    async def not_live() -> InterviewStatus | None:
        record = await c.platform.read_record(second)
        done = record.status not in (InterviewStatus.CREATED, InterviewStatus.LIVE)
        return record.status if done else None

    # the room closes, the signed room_finished webhook finds the record live with no summary
    # from the agent, gives it AGENT_FINALIZE_GRACE_SECONDS (10 s), then fails it with a reason
    status = await c.platform.wait_until(not_live, timeout_s=30, what="end after kill -9")
    assert status == InterviewStatus.FAILED
    after = await c.platform.read_record(second)
    assert [t.item_id for t in after.transcript][: len(before)] == before
    assert after.failure_reason == FailureReason.AGENT_STOPPED
    notes = [e.data.get("note") for e in after.events if e.kind == EventKind.NOTE]
    assert "room_finished" in notes and "summary" not in notes
    # the evals worker still reports on the partial transcript; the interview stays failed
    report = await c.platform.wait_until(
        lambda: _reported(c, second), timeout_s=20, what="report of the failed interview"
    )
    assert report.message is not None and "cut short" in report.message
    assert (await c.platform.read_record(second)).status == InterviewStatus.FAILED
    await leave(c, cand3)


async def _reported(c: Cluster, interview_id: str) -> Report | None:
    return (await c.platform.read_record(interview_id)).report


async def _exited(worker: PlatformProcess) -> bool:
    return not worker.alive()
