"""The candidate's browser recording upload over real HTTP: chunks appended in index order
whatever order they arrive in, retries answered once, the candidate's own participant token
as the only credential, limits, and the recruiter streaming the result with range requests."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from livekit import api

from interview_store import InterviewPlan, InterviewRecord, InterviewStatus, InterviewStore
from tests.tokenserver_harness import API_KEY, API_SECRET, client_for, recruiter_headers
from tokenserver import routes_browser_recording
from tokenserver.routes_browser_recording import MAX_CHUNK_BYTES


def participant_token(
    record: InterviewRecord,
    *,
    identity: str | None = None,
    room: str | None = None,
    secret: str = API_SECRET,
    ttl: timedelta = timedelta(minutes=15),
) -> str:
    return (
        api.AccessToken(API_KEY, secret)
        .with_identity(identity or record.candidate_identity)
        .with_grants(api.VideoGrants(room_join=True, room=room or record.room))
        .with_ttl(ttl)
        .to_jwt()
    )


async def put(
    client: httpx.AsyncClient, record: InterviewRecord, index: int, body: bytes, token: str
) -> httpx.Response:
    return await client.put(
        f"/api/interviews/{record.id}/browser-recording/{index}",
        content=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "video/webm"},
    )


async def test_chunks_are_appended_in_order_once_and_served_with_ranges(
    sqlite_store: InterviewStore,
) -> None:
    record = await sqlite_store.create(InterviewPlan(role="SRE"))
    await sqlite_store.set_status(record.id, InterviewStatus.LIVE)
    token = participant_token(record)
    async with client_for(sqlite_store) as client:
        # chunk 1 first (a retry of 0 was still in flight): it waits for 0
        assert (await put(client, record, 1, b"BBBB", token)).json()["outcome"] == "waiting"
        before = await sqlite_store.get(record.id)
        assert before is not None and before.recordings == []
        assert (await put(client, record, 0, b"AAAA", token)).json()["outcome"] == "appended"
        again = await put(client, record, 0, b"AAAA", token)  # the lost answer's retry
        assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
        assert (await put(client, record, 2, b"CC", token)).json()["outcome"] == "appended"
        whole = await client.get(
            f"/api/interviews/{record.id}/recording",
            params={"kind": "browser"},
            headers=recruiter_headers(),
        )
        part = await client.get(
            f"/api/interviews/{record.id}/recording",
            params={"kind": "browser"},
            headers={**recruiter_headers(), "Range": "bytes=3-5"},
        )
    assert whole.status_code == 200 and whole.content == b"AAAABBBBCC"
    assert part.status_code == 206 and part.content == b"ABB"
    got = await sqlite_store.get(record.id)
    assert got is not None
    (rec,) = got.recordings
    assert rec.kind == "browser" and rec.status == "complete"
    assert rec.location == f"interviews/{record.id}/browser.webm"


async def test_only_this_interviews_candidate_may_upload_while_it_runs(
    sqlite_store: InterviewStore,
) -> None:
    record = await sqlite_store.create(InterviewPlan(role="SRE"))
    other = await sqlite_store.create(InterviewPlan(role="SRE"))
    await sqlite_store.set_status(record.id, InterviewStatus.LIVE)
    async with client_for(sqlite_store) as client:
        url = f"/api/interviews/{record.id}/browser-recording/0"
        missing = await client.put(url, content=b"x")
        forged = await put(client, record, 0, b"x", participant_token(record, secret="s" * 40))
        someone = await put(client, record, 0, b"x", participant_token(record, identity="eve"))
        elsewhere = await put(client, record, 0, b"x", participant_token(other))
        long_expired = await put(
            client, record, 0, b"x", participant_token(record, ttl=timedelta(hours=-5))
        )
        # the join token expired minutes ago, the interview still runs: accepted
        late_token = await put(
            client, record, 0, b"x", participant_token(record, ttl=timedelta(minutes=-20))
        )
    assert missing.status_code == 401
    assert forged.status_code == 401
    assert someone.status_code == 403
    assert elsewhere.status_code == 403
    assert long_expired.status_code == 401
    assert late_token.status_code == 200, late_token.text


async def test_limits_and_a_closed_interview(
    sqlite_store: InterviewStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = await sqlite_store.create(InterviewPlan(role="SRE"))
    await sqlite_store.set_status(record.id, InterviewStatus.LIVE)
    token = participant_token(record)
    async with client_for(sqlite_store) as client:
        empty = await put(client, record, 0, b"", token)
        huge = await put(client, record, 0, b"x" * (MAX_CHUNK_BYTES + 1), token)
        index = await put(client, record, 10**6, b"x", token)
        monkeypatch.setattr(routes_browser_recording, "MAX_RECORDING_BYTES", 10)
        assert (await put(client, record, 0, b"x" * 8, token)).status_code == 200
        full = await put(client, record, 1, b"x" * 8, token)
        await sqlite_store.set_status(record.id, InterviewStatus.ENDED)
        in_grace = await put(client, record, 1, b"y", token)  # the last chunk in flight
        monkeypatch.setattr(routes_browser_recording, "UPLOAD_GRACE_S", -1.0)
        closed = await put(client, record, 2, b"z", token)
    assert empty.status_code == 422
    assert huge.status_code == 413
    assert index.status_code == 422
    assert full.status_code == 413
    assert in_grace.status_code == 200
    assert closed.status_code == 409
    folder = sqlite_store.files_dir(record.id)
    assert (folder / "browser.webm").read_bytes() == b"x" * 8 + b"y"
