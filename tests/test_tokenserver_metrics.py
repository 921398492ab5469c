"""The token server's `GET /metrics`: webhook deliveries and failures by reason, scraped over
real HTTP, with every failure reason present (at 0) before the first failure."""

from __future__ import annotations

from pathlib import Path

import httpx
from livekit import api
from prometheus_client.parser import text_string_to_metric_families

from interview_store import InterviewPlan, InterviewStore, database_url_for
from tests.tokenserver_harness import client_for, signed_webhook, webhook_headers
from tokenserver.prometheus_metrics import WEBHOOK_FAILURE_REASONS

URL = "/api/livekit/webhook"


async def scrape(client: httpx.AsyncClient) -> dict[str, float]:
    """Series (name{labels}) -> value, as Prometheus would read them."""
    r = await client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    values: dict[str, float] = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            if s.name.startswith("interview_webhook"):
                labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
                values[f"{s.name}{{{labels}}}"] = s.value
    return values


def failures(values: dict[str, float], reason: str) -> float:
    return values[f"interview_webhook_failures_total{{reason={reason}}}"]


async def test_webhook_failures_are_counted_by_reason(sqlite_store: InterviewStore) -> None:
    record = await sqlite_store.create(InterviewPlan(role="SRE"))
    event = api.WebhookEvent(
        event="room_finished", id="EV_M", room=api.Room(name=record.room, sid="RM")
    )
    body, headers = signed_webhook(event)
    async with client_for(sqlite_store) as client:
        before = await scrape(client)
        for reason in WEBHOOK_FAILURE_REASONS:  # exported before anything failed
            assert f"interview_webhook_failures_total{{reason={reason}}}" in before
        assert (await client.post(URL, content=body)).status_code == 401
        tampered = body.replace(record.room, "interview-other")
        assert (await client.post(URL, content=tampered, headers=headers)).status_code == 401
        bad = "{not json"
        assert (
            await client.post(URL, content=bad, headers=webhook_headers(bad))
        ).status_code == 400
        assert (await client.post(URL, content=body, headers=headers)).status_code == 200
        after = await scrape(client)
    assert failures(after, "signature") - failures(before, "signature") == 2
    assert failures(after, "bad_body") - failures(before, "bad_body") == 1
    assert failures(after, "handler_error") == failures(before, "handler_error")
    received = "interview_webhooks_received_total{}"
    assert after[received] - before[received] == 4


async def test_a_failing_handler_is_counted(tmp_path: Path) -> None:
    """A database without its tables (a botched restore): the handler raises, LiveKit gets a
    5xx and will retry, and the failure shows on /metrics."""
    broken = InterviewStore(
        database_url=database_url_for(None, tmp_path / "empty"), storage_dir=tmp_path
    )
    body, headers = signed_webhook(
        api.WebhookEvent(event="room_finished", id="EV_X", room=api.Room(name="interview-x"))
    )
    try:
        async with client_for(broken) as client:
            before = await scrape(client)
            r = await client.post(URL, content=body, headers=headers)
            after = await scrape(client)
    finally:
        await broken.aclose()
    assert r.status_code == 503  # the middleware maps database errors to 503
    assert failures(after, "handler_error") - failures(before, "handler_error") == 1
