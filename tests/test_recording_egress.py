"""Room-composite egress started by the agent, checked against the LiveKit Twirp emulator, and
the `egress_ended` webhook flow end to end through the real token server app."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from livekit import api, rtc
from livekit.rtc._proto import handle_pb2, track_pb2

from agent.recording import EgressOptions, EgressRecorder, RecordingSettings
from agent.store_writer import StoreWriter
from interview_store import EventKind, InterviewPlan, InterviewRecord, InterviewStore
from interview_store.recording_layout import EgressOutput, S3Output
from testkit.livekit_twirp import FakeLiveKitTwirp
from tests.tokenserver_harness import (
    API_KEY,
    API_SECRET,
    client_for,
    recruiter_headers,
    signed_webhook,
)


@pytest.fixture
async def twirp() -> AsyncIterator[FakeLiveKitTwirp]:
    async with FakeLiveKitTwirp(api_key=API_KEY, api_secret=API_SECRET) as fake:
        yield fake


def options(twirp: FakeLiveKitTwirp, **kw: object) -> EgressOptions:
    """From the settings' defaults (local files under /out, speaker layout, 3 attempts)."""
    settings = RecordingSettings(_env_file=None)  # type: ignore[call-arg]
    opts = EgressOptions.from_settings(
        settings,
        # the agent has LIVEKIT_URL as ws(s)://; livekit-api maps it to http(s)
        livekit_url=twirp.url.replace("http://", "ws://"),
        api_key=twirp.api_key,
        api_secret=twirp.api_secret,
    )
    return dataclasses.replace(opts, retry_backoff_s=0.01, **kw)  # type: ignore[arg-type]


def publication(kind: rtc.TrackKind.ValueType, sid: str) -> rtc.LocalTrackPublication:
    """A real LocalTrackPublication, as the room hands it to `local_track_published`."""
    return rtc.LocalTrackPublication(
        track_pb2.OwnedTrackPublication(
            handle=handle_pb2.FfiOwnedHandle(id=0),
            info=track_pb2.TrackPublicationInfo(sid=sid, name=sid, kind=kind),
        )
    )


async def recorder_for(
    store: InterviewStore, twirp: FakeLiveKitTwirp, **kw: object
) -> tuple[InterviewRecord, EgressRecorder, rtc.Room]:
    record = await store.create(InterviewPlan(role="Backend engineer"))
    rec = EgressRecorder(
        writer=StoreWriter(store, record.id),
        room_name=record.room,
        options=options(twirp, **kw),
    )
    room = rtc.Room()
    rec.watch(room)
    return record, rec, room


async def written(store: InterviewStore, rec: EgressRecorder) -> InterviewRecord:
    """The record once the recorder's queued rows are written."""
    await rec.writer.flush()
    got = await store.get(rec.writer.interview_id)
    assert got is not None
    return got


async def test_egress_starts_only_once_the_agent_audio_is_published(
    sqlite_store: InterviewStore, twirp: FakeLiveKitTwirp
) -> None:
    record, rec, room = await recorder_for(sqlite_store, twirp)
    room.emit("local_track_published", publication(rtc.TrackKind.KIND_VIDEO, "TR_v"), None)
    assert not rec.started and twirp.calls == []

    room.emit("local_track_published", publication(rtc.TrackKind.KIND_AUDIO, "TR_a"), None)
    room.emit("local_track_published", publication(rtc.TrackKind.KIND_AUDIO, "TR_b"), None)
    egress_id = await rec.wait_started()

    (call,) = twirp.calls  # exactly one start, even for two audio tracks
    assert (call.service, call.method) == ("Egress", "StartRoomCompositeEgress")
    assert call.content_type == "application/protobuf"
    assert call.grants.get("room_record") is True
    req = call.request
    assert isinstance(req, api.RoomCompositeEgressRequest)
    assert req.room_name == record.room
    assert req.layout == "speaker" and not req.audio_only and not req.video_only
    (out,) = req.file_outputs
    assert out.file_type == api.EncodedFileType.MP4
    assert out.filepath == f"/out/interviews/{record.id}/egress-{{time}}.mp4"
    assert not out.HasField("s3")

    assert egress_id == "EG_0001" == rec.egress_id
    got = await written(sqlite_store, rec)
    (note,) = [e for e in got.events_of(EventKind.NOTE) if e.data["note"] == "egress_started"]
    assert note.data["egress_id"] == "EG_0001"
    assert got.recordings == []  # the webhook writes the row (idempotent per egress id)

    await rec.aclose()
    (stop,) = twirp.calls_to("StopEgress")
    assert stop.request.egress_id == "EG_0001"  # type: ignore[attr-defined]


async def test_s3_output_from_settings(
    sqlite_store: InterviewStore, twirp: FakeLiveKitTwirp
) -> None:
    settings = RecordingSettings(
        _env_file=None,  # type: ignore[call-arg]
        storage_dir=Path("/tmp/unused"),
        egress_s3_bucket="interviews",
        egress_s3_region="eu-west-1",
        egress_s3_endpoint="http://minio:9000",
        egress_s3_access_key="AKIA",
        egress_s3_secret="s3-secret",
        egress_layout="grid",
    )
    opts = EgressOptions.from_settings(
        settings, livekit_url=twirp.url, api_key=twirp.api_key, api_secret=twirp.api_secret
    )
    assert opts.output.s3 == S3Output(
        bucket="interviews",
        region="eu-west-1",
        endpoint="http://minio:9000",
        access_key="AKIA",
        secret="s3-secret",
        force_path_style=True,
    )
    record = await sqlite_store.create(InterviewPlan(role="x"))
    rec = EgressRecorder(
        writer=StoreWriter(sqlite_store, record.id), room_name=record.room, options=opts
    )
    await rec.start()
    await rec.aclose(stop=False)
    (call,) = twirp.calls
    (out,) = call.request.file_outputs  # type: ignore[attr-defined]
    assert out.filepath == f"interviews/{record.id}/egress-{{time}}.mp4"  # a key, not a path
    assert (out.s3.bucket, out.s3.endpoint, out.s3.force_path_style) == (
        "interviews",
        "http://minio:9000",
        True,
    )
    assert call.request.layout == "grid"  # type: ignore[attr-defined]
    assert twirp.calls_to("StopEgress") == []


async def test_transient_start_errors_are_retried(
    sqlite_store: InterviewStore, twirp: FakeLiveKitTwirp
) -> None:
    twirp.fail_next("StartRoomCompositeEgress", 503, "unavailable", "no egress worker")
    _, rec, room = await recorder_for(sqlite_store, twirp)
    room.emit("local_track_published", publication(rtc.TrackKind.KIND_AUDIO, "TR_a"), None)
    assert await rec.wait_started() == "EG_0001"
    assert len(twirp.calls_to("StartRoomCompositeEgress")) == 2
    await rec.aclose()


async def test_start_failure_is_recorded_with_its_reason(
    sqlite_store: InterviewStore, twirp: FakeLiveKitTwirp
) -> None:
    # a wrong secret: the server rejects the token; not retried, stored as a failed recording
    _, rec, room = await recorder_for(sqlite_store, twirp, api_secret="x" * 40)
    room.emit("local_track_published", publication(rtc.TrackKind.KIND_AUDIO, "TR_a"), None)
    assert await rec.wait_started() is None
    assert len(twirp.calls) == 0  # rejected before the handler recorded it
    got = await written(sqlite_store, rec)
    (failed,) = got.recordings
    assert failed.kind == "egress" and failed.status == "failed"
    assert failed.error == "room composite egress could not start (unauthenticated: invalid token)"
    await rec.aclose()
    assert twirp.calls_to("StopEgress") == []


async def test_egress_ended_webhook_end_to_end_through_the_token_server(
    sqlite_store: InterviewStore, twirp: FakeLiveKitTwirp
) -> None:
    record, rec, room = await recorder_for(sqlite_store, twirp)
    room.emit("local_track_published", publication(rtc.TrackKind.KIND_AUDIO, "TR_a"), None)
    egress_id = await rec.wait_started()
    assert egress_id is not None
    await rec.aclose()

    # the egress service writes into the shared storage volume (seen by it as /out) ...
    event = twirp.end_egress(egress_id, duration_s=1834.5, size=4096)
    location = event.egress_info.file_results[0].location
    assert location == f"/out/interviews/{record.id}/egress-2025-01-01T000000.mp4"
    video = sqlite_store.storage_dir / location.removeprefix("/out/")
    video.parent.mkdir(parents=True, exist_ok=True)
    video.write_bytes(bytes(range(256)) * 16)

    # ... and LiveKit posts the signed webhook to the token server
    body, headers = signed_webhook(event)
    async with client_for(sqlite_store) as client:
        first = await client.post("/api/livekit/webhook", content=body, headers=headers)
        again = await client.post("/api/livekit/webhook", content=body, headers=headers)
        assert first.json()["outcome"] == "recording_complete"
        assert again.json()["outcome"] == "duplicate"
        got = await sqlite_store.get(record.id)
        assert got is not None
        (stored,) = got.recordings
        assert (stored.kind, stored.status, stored.egress_id) == ("egress", "complete", egress_id)
        assert stored.location == location and stored.duration_s == 1834.5
        # recruiters stream it through the token server, with range requests, behind auth
        url = f"/api/interviews/{record.id}/recording?kind=egress"
        assert (await client.get(url)).status_code == 401
        part = await client.get(url, headers={**recruiter_headers(), "Range": "bytes=16-31"})
    assert part.status_code == 206
    assert part.content == bytes(range(16, 32))


async def test_failed_egress_is_recorded_with_its_reason(
    sqlite_store: InterviewStore, twirp: FakeLiveKitTwirp
) -> None:
    record, rec, room = await recorder_for(sqlite_store, twirp)
    room.emit("local_track_published", publication(rtc.TrackKind.KIND_AUDIO, "TR_a"), None)
    egress_id = await rec.wait_started()
    assert egress_id is not None
    event = twirp.end_egress(
        egress_id, status=api.EgressStatus.EGRESS_FAILED, error="pipeline: no space left on device"
    )
    body, headers = signed_webhook(event)
    async with client_for(sqlite_store) as client:
        resp = await client.post("/api/livekit/webhook", content=body, headers=headers)
        assert resp.json()["outcome"] == "recording_failed"
        missing = await client.get(
            f"/api/interviews/{record.id}/recording?kind=egress", headers=recruiter_headers()
        )
    assert missing.status_code == 404
    got = await sqlite_store.get(record.id)
    assert got is not None
    (stored,) = got.recordings
    assert stored.status == "failed" and stored.error == "pipeline: no space left on device"
    await rec.aclose()  # StopEgress on an ended egress is answered with an error: ignored


def test_agent_and_token_server_build_the_same_egress_output() -> None:
    """One layout: the agent's room composite and the token's auto-egress come from the same
    settings through `recording_layout`, local or S3."""
    from tokenserver.settings import TokenServerSettings
    from tokenserver.tokens import TokenOptions

    iid = "00000000-0000-0000-0000-0000000000ab"
    for extra in ({"egress_output_dir": "/rec/"}, {"egress_s3_bucket": "interviews"}):
        env = {"recording_mode": "auto_egress", "egress_layout": "grid", **extra}
        agent = EgressOptions.from_settings(
            RecordingSettings(_env_file=None, **env),  # type: ignore[call-arg, arg-type]
            livekit_url="ws://x",
            api_key="k",
            api_secret="s",
        ).output
        token = TokenOptions.from_settings(
            TokenServerSettings(
                _env_file=None,  # type: ignore[call-arg]
                livekit_url="ws://x",
                livekit_api_key="k",
                livekit_api_secret="s",  # type: ignore[arg-type]
                recruiter_token="r" * 16,  # type: ignore[arg-type]
                **env,  # type: ignore[arg-type]
            )
        ).auto_egress
        assert token is not None and agent == token
        request = agent.room_composite(iid, room_name="room")
        assert request.layout == "grid"
        (out,) = request.file_outputs
        assert out.filepath.endswith(f"interviews/{iid}/egress-{{time}}.mp4")
    assert EgressOutput(output_dir="/rec/", layout="x", s3=None).filepath(iid) == (
        f"/rec/interviews/{iid}/egress-{{time}}.mp4"
    )


async def test_http_client_is_unused_when_nothing_starts(sqlite_store: InterviewStore) -> None:
    record = await sqlite_store.create(InterviewPlan(role="x"))
    rec = EgressRecorder(
        writer=StoreWriter(sqlite_store, record.id),
        room_name=record.room,
        options=EgressOptions.from_settings(
            RecordingSettings(_env_file=None),  # type: ignore[call-arg]
            livekit_url="http://127.0.0.1:9",
            api_key="k",
            api_secret="s",
        ),
    )
    rec.watch(rtc.Room())
    await rec.aclose()  # no egress, no request, nothing to stop
    assert not rec.started
