"""The evals worker's Prometheus endpoint: evaluations by outcome, failures included, scraped
over HTTP from the port the worker serves while it runs."""

from __future__ import annotations

import asyncio
import socket

import httpx
from prometheus_client.parser import text_string_to_metric_families

from evals.evaluation_queue import EvalWorker
from evals.prometheus_metrics import OUTCOMES
from evals.scoring import Scorer, ScoringOptions, make_client
from interview_store import InterviewStatus, InterviewStore
from testkit.gemini_api import FakeGeminiApi, Reply
from tests.fake_interview import run_json, write_interview


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def scrape(port: int) -> dict[str, float]:
    async with httpx.AsyncClient() as client:
        r = await client.get(f"http://127.0.0.1:{port}/metrics")
    assert r.status_code == 200
    return {
        s.labels["outcome"]: s.value
        for family in text_string_to_metric_families(r.text)
        for s in family.samples
        if s.name == "interview_evaluations_total"
    }


async def evaluated(store: InterviewStore, interview_id: str) -> None:
    while True:
        record = await store.get(interview_id)
        if record is not None and record.status == InterviewStatus.EVALUATED:
            return
        await asyncio.sleep(0.05)


async def test_worker_exports_evaluations_and_failures_by_outcome(
    sqlite_store: InterviewStore,
) -> None:
    port = free_port()
    good = await write_interview(sqlite_store)
    async with FakeGeminiApi() as api:
        # the first interview scores; then every request fails: a metrics-only report
        api.responder = lambda _req: (
            Reply(text=run_json(4)) if len(api.requests) <= 2 else Reply(status=500)
        )
        scorer = Scorer(
            client=make_client(api_key="k", base_url=api.base_url, timeout_s=5),
            options=ScoringOptions(model="m", retry_backoff_s=0.0, max_attempts=1),
        )
        worker = EvalWorker(
            store=sqlite_store, scorer=scorer, poll_interval_s=0.05, metrics_port=port
        )
        task = asyncio.create_task(worker.run())
        try:
            async with asyncio.timeout(10):
                while True:
                    try:
                        before = await scrape(port)
                        break
                    except httpx.ConnectError:
                        await asyncio.sleep(0.05)
                assert set(before) == set(OUTCOMES)  # every outcome exported from the start
                await evaluated(sqlite_store, good.id)
                bad = await write_interview(sqlite_store)
                await evaluated(sqlite_store, bad.id)
            after = await scrape(port)
        finally:
            worker.stop()
            await asyncio.wait_for(task, 10)
            await scorer.aclose()
    delta = {k: after[k] - before[k] for k in OUTCOMES}
    assert delta == {"scored": 1, "insufficient_signal": 0, "evaluation_failed": 1, "error": 0}
