"""LiveKit webhooks over real HTTP, signed exactly as the LiveKit server signs them."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from livekit import api

from interview_store import (
    EventKind,
    FailureReason,
    InterviewEvent,
    InterviewPlan,
    InterviewStatus,
    InterviewStore,
    TranscriptItem,
)
from tests.fake_interview import stored_report
from tests.tokenserver_harness import (
    client_for,
    recruiter_headers,
    signed_webhook,
    webhook_headers,
)

URL = "/api/livekit/webhook"


def _egress_ended(room: str, *, egress_id: str = "EG_1", **info: object) -> api.WebhookEvent:
    defaults: dict[str, object] = {
        "egress_id": egress_id,
        "room_name": room,
        "status": api.EgressStatus.EGRESS_COMPLETE,
        "file_results": [
            api.FileInfo(
                filename="egress.mp4",
                location="s3://bucket/interviews/x/egress.mp4",
                duration=1_800_000_000_000,
                size=123456,
            )
        ],
    }
    defaults.update(info)
    return api.WebhookEvent(
        event="egress_ended", id=f"EV_{egress_id}", egress_info=api.EgressInfo(**defaults)
    )


def _room_finished(room: str) -> api.WebhookEvent:
    return api.WebhookEvent(event="room_finished", id="EV_R", room=api.Room(name=room, sid="RM"))


async def _post(client: httpx.AsyncClient, event: api.WebhookEvent, **sign: str) -> httpx.Response:
    body, headers = signed_webhook(event, **sign)
    return await client.post(URL, content=body, headers=headers)


async def test_egress_ended_stores_the_recording_once(store: InterviewStore) -> None:
    record = await store.create(InterviewPlan(role="SRE"))
    event = _egress_ended(record.room)
    async with client_for(store) as client:
        first = await _post(client, event)
        again = await _post(client, event)  # LiveKit retries deliveries
    assert first.status_code == 200 and first.json()["outcome"] == "recording_complete"
    assert again.json()["outcome"] == "duplicate"
    got = await store.get(record.id)
    assert got is not None
    (rec,) = got.recordings
    assert rec.kind == "egress" and rec.status == "complete" and rec.egress_id == "EG_1"
    assert rec.location == "s3://bucket/interviews/x/egress.mp4"
    assert rec.duration_s == pytest.approx(1800.0)


async def test_failed_egress_is_recorded_with_its_reason(sqlite_store: InterviewStore) -> None:
    record = await sqlite_store.create(InterviewPlan(role="SRE"))
    event = _egress_ended(
        record.room,
        egress_id="EG_2",
        status=api.EgressStatus.EGRESS_FAILED,
        error="no response from egress instance",
        file_results=[],
    )
    async with client_for(sqlite_store) as client:
        r = await _post(client, event)
    assert r.json()["outcome"] == "recording_failed"
    got = await sqlite_store.get(record.id)
    assert got is not None
    (rec,) = got.recordings
    assert rec.status == "failed" and rec.error == "no response from egress instance"
    assert rec.location is None


async def test_local_egress_file_streams_after_the_webhook(sqlite_store: InterviewStore) -> None:
    record = await sqlite_store.create(InterviewPlan(role="SRE"))
    folder = sqlite_store.files_dir(record.id)
    folder.mkdir(parents=True)
    (folder / "egress-1.mp4").write_bytes(b"0123456789")
    event = _egress_ended(
        record.room,
        file_results=[
            api.FileInfo(
                filename=f"/out/interviews/{record.id}/egress-1.mp4",
                location=f"/out/interviews/{record.id}/egress-1.mp4",
                duration=5_000_000_000,
            )
        ],
    )
    async with client_for(sqlite_store) as client:
        assert (await _post(client, event)).status_code == 200
        r = await client.get(
            f"/api/interviews/{record.id}/recording",
            params={"kind": "egress"},
            headers={**recruiter_headers(), "Range": "bytes=2-4"},
        )
    assert r.status_code == 206 and r.content == b"234"


def _note(note: str) -> InterviewEvent:
    return InterviewEvent(kind=EventKind.NOTE, at=time.time(), data={"note": note})


async def test_room_finished_ends_a_live_interview_idempotently(store: InterviewStore) -> None:
    """The webhook came before the agent's `ended`, after its summary: the agent did finish."""
    record = await store.create(InterviewPlan(role="SRE"))
    await store.set_status(record.id, InterviewStatus.LIVE)
    await store.append_event(record.id, _note("summary"))
    async with client_for(store, agent_finalize_grace_seconds=0.2) as client:
        first = await _post(client, _room_finished(record.room))
        again = await _post(client, _room_finished(record.room))
        unknown = await _post(client, _room_finished("interview-nope"))
        other = await _post(client, api.WebhookEvent(event="participant_joined", id="EV_P"))
    assert first.json()["outcome"] == "ended"
    assert again.json()["outcome"] == "already_ended"
    assert unknown.json()["outcome"] == "unknown_room"
    assert other.json()["outcome"] == "ignored"
    got = await store.get(record.id)
    assert got is not None and got.status == InterviewStatus.ENDED and got.ended_at
    notes = [e.data for e in got.events if e.kind == EventKind.NOTE]
    assert notes == [{"note": "summary"}, {"note": "room_finished", "by": "livekit_webhook"}]


async def test_room_finished_fails_a_live_interview_whose_agent_died(
    sqlite_store: InterviewStore,
) -> None:
    """kill -9 of the job process: nothing wrote the summary, the room closed with the record
    live. After the grace it is failed with a reason, and its transcript is kept."""
    record = await sqlite_store.create(InterviewPlan(role="SRE"))
    await sqlite_store.set_status(record.id, InterviewStatus.LIVE)
    item = TranscriptItem(
        item_id="c1", speaker="candidate", text="I build APIs.", start_time=1.0, end_time=2.0
    )
    await sqlite_store.append_transcript(record.id, item)
    started = time.monotonic()
    async with client_for(sqlite_store, agent_finalize_grace_seconds=0.5) as client:
        first = await _post(client, _room_finished(record.room))
        waited = time.monotonic() - started
        again = await _post(client, _room_finished(record.room))
    assert first.json()["outcome"] == "failed"
    assert waited >= 0.5, "the agent is given its grace first"
    assert again.json()["outcome"] == "already_failed"
    got = await sqlite_store.get(record.id)
    assert got is not None and got.status == InterviewStatus.FAILED and got.ended_at
    assert got.failure_reason == FailureReason.AGENT_STOPPED
    assert [t.text for t in got.transcript] == ["I build APIs."]
    notes = [e.data for e in got.events if e.kind == EventKind.NOTE]
    assert notes == [{"note": "room_finished", "by": "livekit_webhook"}]


async def test_room_finished_waits_for_the_agent_to_end_the_interview(
    sqlite_store: InterviewStore,
) -> None:
    """The usual race: the room closes while the agent is finalizing. The webhook waits, sees
    the agent's `ended` and neither fails nor re-ends it."""
    record = await sqlite_store.create(InterviewPlan(role="SRE"))
    await sqlite_store.set_status(record.id, InterviewStatus.LIVE)

    async def agent_finalizes() -> None:
        await asyncio.sleep(0.6)
        await sqlite_store.append_event(record.id, _note("summary"))
        await sqlite_store.set_status(record.id, InterviewStatus.ENDED)

    started = time.monotonic()
    async with client_for(sqlite_store, agent_finalize_grace_seconds=10) as client:
        agent = asyncio.create_task(agent_finalizes())
        r = await _post(client, _room_finished(record.room))
        await agent
    assert r.json()["outcome"] == "already_ended"
    assert 0.6 <= time.monotonic() - started < 5, "answered once the agent ended it"
    got = await sqlite_store.get(record.id)
    assert got is not None and got.status == InterviewStatus.ENDED and got.failure_reason is None


async def test_room_finished_does_not_regress_an_evaluated_interview(
    sqlite_store: InterviewStore,
) -> None:
    record = await sqlite_store.create(InterviewPlan(role="SRE"))
    await sqlite_store.set_status(record.id, InterviewStatus.ENDED)
    await sqlite_store.save_report(record.id, stored_report(record.id, overall_score=4.0))
    async with client_for(sqlite_store) as client:
        r = await _post(client, _room_finished(record.room))
    assert r.json()["outcome"] == "already_evaluated"
    got = await sqlite_store.get(record.id)
    assert got is not None and got.status == InterviewStatus.EVALUATED


async def test_unsigned_tampered_or_foreign_webhooks_are_rejected(
    sqlite_store: InterviewStore,
) -> None:
    record = await sqlite_store.create(InterviewPlan(role="SRE"))
    await sqlite_store.set_status(record.id, InterviewStatus.LIVE)
    body, headers = signed_webhook(_room_finished(record.room))
    tampered = body.replace(record.room, "interview-someone-else")
    async with client_for(sqlite_store) as client:
        results = {
            "unsigned": await client.post(URL, content=body),
            "tampered": await client.post(URL, content=tampered, headers=headers),
            "appended": await client.post(URL, content=body + " ", headers=headers),
            "garbage token": await client.post(
                URL, content=body, headers={"Authorization": "not-a-jwt"}
            ),
            "other secret": await _post(
                client,
                _room_finished(record.room),
                secret="another-secret-another-secret-another",
            ),
            "other key": await _post(client, _room_finished(record.room), key="APIother"),
        }
        bad_json = await client.post(URL, content="{not json", headers=webhook_headers("{not json"))
    for name, r in results.items():
        assert r.status_code == 401, (name, r.text)
        assert r.json()["error"]
    assert bad_json.status_code == 400
    got = await sqlite_store.get(record.id)
    assert got is not None and got.status == InterviewStatus.LIVE  # nothing happened
