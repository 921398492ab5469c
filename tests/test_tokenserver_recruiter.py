"""The recruiter API over real HTTP: the auth matrix for every endpoint, pagination, the
detail view and its signed links, range requests on recordings, the rendered report, and
deletion. (Accounts, roles, CSRF and signed-link tampering: test_tokenserver_accounts.py.)"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from interview_store import (
    EventKind,
    InterviewDetail,
    InterviewEvent,
    InterviewListPage,
    InterviewPlan,
    InterviewStatus,
    InterviewStore,
    Observation,
    ObservationKind,
    Recording,
    RecordingKind,
    ReportRender,
    ReportRenderState,
    TranscriptItem,
    schema,
)
from tests.tokenserver_harness import RECRUITER_TOKEN, client_for, recruiter_headers

AUDIO = bytes(range(256)) * 40  # 10,240 bytes with a recognisable pattern


async def _interview(store: InterviewStore, role: str = "Backend engineer") -> str:
    record = await store.create(InterviewPlan(role=role, candidate_name="Ada"))
    return record.id


async def _rendered(store: InterviewStore, interview_id: str, html: str) -> None:
    folder = store.files_dir(interview_id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.html").write_text(html)
    await store.set_report_render(interview_id, ReportRender(state=ReportRenderState.RENDERED))


async def _with_recordings(store: InterviewStore) -> str:
    interview_id = await _interview(store)
    folder = store.files_dir(interview_id)
    folder.mkdir(parents=True)
    (folder / "agent-audio.ogg").write_bytes(AUDIO)
    (folder / "egress-1.mp4").write_bytes(b"MP4" * 1000)
    await store.add_recording(
        interview_id,
        Recording(
            kind=RecordingKind.AGENT_AUDIO,
            location=str(folder / "agent-audio.ogg"),
            duration_s=12.5,
        ),
    )
    await store.add_recording(
        interview_id,
        Recording(
            kind=RecordingKind.EGRESS,
            location=f"/out/interviews/{interview_id}/egress-1.mp4",
            egress_id="EG_1",
        ),
    )
    return interview_id


@pytest.fixture
async def client(sqlite_store: InterviewStore) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(sqlite_store) as c:
        yield c


async def test_auth_matrix_for_every_recruiter_endpoint(
    sqlite_store: InterviewStore, client: httpx.AsyncClient
) -> None:
    interview_id = await _with_recordings(sqlite_store)
    await _rendered(sqlite_store, interview_id, "<h1>report</h1>")
    base = f"/api/interviews/{interview_id}"
    endpoints = [
        ("GET", "/api/interviews"),
        ("GET", base),
        ("GET", f"{base}/recording"),
        ("GET", f"{base}/report.html"),
        ("DELETE", base),
    ]
    for method, url in endpoints:
        none = await client.request(method, url)
        assert none.status_code == 401, (method, url)
        assert none.headers["www-authenticate"].startswith("Bearer")
        assert none.json()["error"]
        basic = await client.request(method, url, headers={"Authorization": "Basic abc"})
        assert basic.status_code == 401, (method, url)
        wrong = await client.request(method, url, headers=recruiter_headers("x" * 36))
        assert wrong.status_code == 401, (method, url)  # RFC 6750: an invalid token
        assert 'error="invalid_token"' in wrong.headers["www-authenticate"]
        prefix = await client.request(method, url, headers=recruiter_headers(RECRUITER_TOKEN[:-1]))
        assert prefix.status_code == 401, (method, url)
        # no credential in URLs any more: the old `?token=` is ignored
        query = await client.request(method, url, params={"token": RECRUITER_TOKEN})
        assert query.status_code == 401, (method, url, query.text)
    # DELETE last, with the right credential
    for method, url in endpoints:
        ok = await client.request(method, url, headers=recruiter_headers())
        assert ok.status_code in (200, 204), (method, url, ok.text)


async def test_list_paginates_and_filters(
    sqlite_store: InterviewStore, client: httpx.AsyncClient
) -> None:
    ids = [await _interview(sqlite_store, role=f"Role {i}") for i in range(5)]
    await sqlite_store.set_status(ids[0], InterviewStatus.LIVE)
    await sqlite_store.set_status(ids[1], InterviewStatus.ENDED)
    h = recruiter_headers()
    page = (await client.get("/api/interviews", params={"limit": 2}, headers=h)).json()
    assert page["total"] == 5 and page["limit"] == 2 and page["offset"] == 0
    assert [i["role"] for i in page["items"]] == ["Role 4", "Role 3"]  # newest first
    assert InterviewListPage.model_validate(page).model_dump(mode="json") == page
    assert page["items"][0]["duration_s"] is None  # not live yet
    page2 = (
        await client.get("/api/interviews", params={"limit": 2, "offset": 4}, headers=h)
    ).json()
    assert [i["role"] for i in page2["items"]] == ["Role 0"]
    live = (await client.get("/api/interviews", params={"status": "live"}, headers=h)).json()
    assert live["total"] == 1 and live["items"][0]["id"] == ids[0]
    assert live["items"][0]["candidate_name"] == "Ada"
    for params, field in [
        ({"status": "bogus"}, "status"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": "-1"}, "offset"),
    ]:
        r = await client.get("/api/interviews", params=params, headers=h)
        assert r.status_code == 422 and r.json()["field"] == field, (params, r.text)


async def test_detail_has_everything_a_recruiter_reviews(
    sqlite_store: InterviewStore, client: httpx.AsyncClient
) -> None:
    interview_id = await _with_recordings(sqlite_store)
    t = time.time()
    await sqlite_store.append_transcript(
        interview_id,
        TranscriptItem(item_id="i1", speaker="interviewer", text="Hi", start_time=t, end_time=t),
    )
    await sqlite_store.append_event(
        interview_id,
        InterviewEvent(kind=EventKind.PHASE_CHANGE, at=t, phase="technical", data={"to": "t"}),
    )
    await sqlite_store.append_observation(
        interview_id,
        Observation(at=t, source="local", kind=ObservationKind.FACE_STATE, data={"faces": 1}),
    )
    await sqlite_store.add_recording(
        interview_id,
        Recording(kind=RecordingKind.EGRESS, status="failed", error="no egress worker"),
    )
    await sqlite_store.save_session_report(interview_id, {"big": "blob"})
    r = await client.get(f"/api/interviews/{interview_id}", headers=recruiter_headers())
    assert r.status_code == 200 and r.headers["cache-control"] == "private, no-store"
    body = r.json()
    assert body["plan"]["role"] == "Backend engineer"
    assert body["transcript"][0]["text"] == "Hi"
    assert body["phase_timeline"][0]["phase"] == "technical"
    assert body["observations"][0]["kind"] == "face_state"
    assert body["session_report"] is None  # large: only on request
    base = f"/api/interviews/{interview_id}"
    urls = [rec["url"] for rec in body["recordings"]]
    assert urls[0].startswith(f"{base}/recording?index=0&exp=") and "&sig=" in urls[0]
    assert urls[1].startswith(f"{base}/recording?index=1&exp=") and "&sig=" in urls[1]
    assert urls[2] is None
    assert body["recordings"][2]["error"] == "no egress worker"
    links = body["recording_links"]
    assert links["egress"].startswith(f"{base}/recording?kind=egress&exp=")
    assert links["agent_audio"].startswith(f"{base}/recording?kind=agent_audio&exp=")
    # signed links work without any credential (a <video> element sends none)
    audio = await client.get(links["agent_audio"])
    assert audio.status_code == 200 and audio.content == AUDIO
    assert audio.headers["referrer-policy"] == "no-referrer"
    first = await client.get(urls[0], headers={"Range": "bytes=0-3"})
    assert first.status_code == 206 and first.content == AUDIO[:4]
    assert body["report_html_url"] is None
    assert body["report"] is None and body["report_issue"] is None
    assert body["report_render"] == {"state": "not_ready", "error": None}
    assert body["duration_s"] is None
    # the body is exactly the published contract
    assert InterviewDetail.model_validate(body).model_dump(mode="json") == body
    with_blob = await client.get(
        f"/api/interviews/{interview_id}",
        params={"include": "session_report"},
        headers=recruiter_headers(),
    )
    assert with_blob.json()["session_report"] == {"big": "blob"}
    missing = await client.get(
        "/api/interviews/00000000-0000-4000-8000-000000000000", headers=recruiter_headers()
    )
    assert missing.status_code == 404 and missing.json()["error"]


async def test_public_base_url_makes_links_absolute(sqlite_store: InterviewStore) -> None:
    interview_id = await _with_recordings(sqlite_store)
    async with client_for(sqlite_store, public_base_url="https://iv.example.com/") as client:
        body = (
            await client.get(f"/api/interviews/{interview_id}", headers=recruiter_headers())
        ).json()
    assert body["recording_links"]["egress"].startswith(
        f"https://iv.example.com/api/interviews/{interview_id}/recording"
    )


async def test_recording_supports_range_requests(
    sqlite_store: InterviewStore, client: httpx.AsyncClient
) -> None:
    interview_id = await _with_recordings(sqlite_store)
    url = f"/api/interviews/{interview_id}/recording"
    h = recruiter_headers()
    full = await client.get(url, params={"kind": "agent_audio"}, headers=h)
    assert full.status_code == 200 and full.content == AUDIO
    assert full.headers["accept-ranges"] == "bytes"
    assert full.headers["content-type"].startswith("audio/ogg")
    assert full.headers["content-disposition"].startswith("inline")

    part = await client.get(
        url, params={"kind": "agent_audio"}, headers={**h, "Range": "bytes=100-199"}
    )
    assert part.status_code == 206
    assert part.content == AUDIO[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(AUDIO)}"

    tail = await client.get(
        url, params={"kind": "agent_audio"}, headers={**h, "Range": "bytes=-16"}
    )
    assert tail.status_code == 206 and tail.content == AUDIO[-16:]
    detail = (await client.get(f"/api/interviews/{interview_id}", headers=h)).json()
    open_end = await client.get(
        detail["recording_links"]["agent_audio"], headers={"Range": "bytes=10200-"}
    )
    assert open_end.status_code == 206 and open_end.content == AUDIO[10200:]

    beyond = await client.get(
        url, params={"kind": "agent_audio"}, headers={**h, "Range": "bytes=99999-"}
    )
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{len(AUDIO)}"

    # default and kind=egress: the egress path under EGRESS_OUTPUT_DIR maps into STORAGE_DIR
    video = await client.get(url, headers=h)
    assert video.status_code == 200 and video.content == b"MP4" * 1000
    assert video.headers["content-type"] == "video/mp4"
    by_index = await client.get(url, params={"index": 0}, headers={**h, "Range": "bytes=0-3"})
    assert by_index.status_code == 206 and by_index.content == AUDIO[:4]

    bad_kind = await client.get(url, params={"kind": "video"}, headers=h)
    assert bad_kind.status_code == 422 and bad_kind.json()["field"] == "kind"
    no_such = await client.get(url, params={"index": 7}, headers=h)
    assert no_such.status_code == 404


async def test_recording_locations_are_confined_to_storage(
    sqlite_store: InterviewStore, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    interview_id = await _interview(sqlite_store)
    outside = tmp_path.parent / "outside-secret.txt"
    outside.write_text("secret")
    for location in (str(outside), "../outside-secret.txt", "s3://bucket/key.mp4"):
        await sqlite_store.add_recording(
            interview_id, Recording(kind=RecordingKind.EGRESS, location=location)
        )
    await sqlite_store.add_recording(
        interview_id,
        Recording(kind=RecordingKind.EGRESS, location="https://cdn.example.com/rec.mp4"),
    )
    url = f"/api/interviews/{interview_id}/recording"
    for index in (0, 1, 2):
        r = await client.get(url, params={"index": index}, headers=recruiter_headers())
        assert r.status_code == 404, (index, r.text)
        assert "secret" not in r.text
    remote = await client.get(url, params={"index": 3}, headers=recruiter_headers())
    assert remote.status_code == 307
    assert remote.headers["location"] == "https://cdn.example.com/rec.mp4"
    none = await client.get(
        f"/api/interviews/{await _interview(sqlite_store)}/recording", headers=recruiter_headers()
    )
    assert none.status_code == 404


async def test_report_html_is_served_inert_when_present(
    sqlite_store: InterviewStore, client: httpx.AsyncClient
) -> None:
    interview_id = await _interview(sqlite_store)
    url = f"/api/interviews/{interview_id}/report.html"
    not_yet = await client.get(url, headers=recruiter_headers())
    assert not_yet.status_code == 404
    assert not_yet.json()["error"] == "The report has not been rendered yet."
    await _rendered(sqlite_store, interview_id, "<html><body><h1>Report</h1></body></html>")
    detail = (
        await client.get(f"/api/interviews/{interview_id}", headers=recruiter_headers())
    ).json()
    assert detail["report_html_url"].startswith(f"{url}?exp=")
    r = await client.get(detail["report_html_url"])  # the <iframe> sends no credential
    assert r.status_code == 200 and "<h1>Report</h1>" in r.text
    assert r.headers["content-type"].startswith("text/html")
    assert "sandbox" in r.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in r.headers["content-security-policy"]
    assert "script-src" not in r.headers["content-security-policy"]
    assert "x-frame-options" not in r.headers  # its own CSP lets the recruiter page frame it
    # rendered, then the file went missing (restored backup without files): said so
    (sqlite_store.files_dir(interview_id) / "report.html").unlink()
    gone = await client.get(url, headers=recruiter_headers())
    assert gone.status_code == 404 and "missing" in gone.json()["error"]


async def test_unreadable_stored_report_is_explained(
    sqlite_store: InterviewStore, client: httpx.AsyncClient
) -> None:
    """A report written by an older release: detail and list still load and say why."""
    interview_id = await _interview(sqlite_store)
    t = schema.interviews
    async with sqlite_store.engine.begin() as conn:
        await conn.execute(
            t.update()
            .where(t.c.id == interview_id)
            .values(report={"schema_version": 1, "overall": 4}, status="evaluated")
        )
    h = recruiter_headers()
    detail = await client.get(f"/api/interviews/{interview_id}", headers=h)
    assert detail.status_code == 200
    assert detail.json()["report"] is None
    assert "schema version 1" in detail.json()["report_issue"]
    listed = (await client.get("/api/interviews", headers=h)).json()
    assert listed["items"][0]["id"] == interview_id
    page = await client.get(f"/api/interviews/{interview_id}/report.html", headers=h)
    assert page.status_code == 409 and "schema version 1" in page.json()["error"]


async def test_delete_removes_record_and_files(
    store: InterviewStore,
) -> None:
    interview_id = await _with_recordings(store)
    folder = store.files_dir(interview_id)
    async with client_for(store) as client:
        r = await client.delete(f"/api/interviews/{interview_id}", headers=recruiter_headers())
        assert r.status_code == 204
        again = await client.delete(f"/api/interviews/{interview_id}", headers=recruiter_headers())
        assert again.status_code == 404
        gone = await client.get(f"/api/interviews/{interview_id}", headers=recruiter_headers())
        assert gone.status_code == 404
    assert await store.get(interview_id) is None
    assert not folder.exists()
