"""The interviewer's avatar on a real LiveKit server: Tavus's REST API emulated on loopback, and
an emulated avatar worker that joins the real room with the token the agent handed over.

What is real: livekit-server, the token server, `python -m agent start` with `AVATAR=tavus` and
livekit-plugins-tavus unmodified, the LiveKit data-stream audio and RPC protocol between agent
and avatar, the candidate's rtc client. What is emulated: Tavus's API (what it receives is
asserted) and the rendering (a test pattern instead of a face).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np
import pytest
import pytest_asyncio
from livekit import rtc

from interview_store import CostSource, EventKind, InterviewRecord, InterviewStore, database_url_for
from testkit.audio_io import espeak_wav
from testkit.avatar_worker import IDLE_RGB, SPEAKING_RGB
from testkit.gemini_api import FakeGeminiApi
from testkit.gemini_api import Reply as GeminiApiReply
from testkit.gemini_live import FakeGeminiLive, Reply
from testkit.platform_processes import E2EPlatform
from testkit.rtc_candidate import AUDIBLE_RMS, RtcCandidate, load_wav_48k
from testkit.tavus_api import PUBLISH_ON_BEHALF, FakeTavusApi
from testkit.tls import LocalTLS

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(60),
    pytest.mark.asyncio(loop_scope="module"),
]

T = TypeVar("T")

GREETING = "Hello Ada, welcome to your mock interview. Tell me about yourself."
FOLLOW_UP = "Thanks. Which database did you use, and why?"
ANSWER = "I built a payment service in Python with PostgreSQL and Kafka."
REPLICA = "r-interviewer-face"
PERSONA = "p-echo-livekit"
TAVUS_KEY = "tavus-test-key"
AVATAR_IDENTITY = "interview-avatar"
PRICE_PER_MINUTE = 0.5


@dataclass
class AvatarRig:
    platform: E2EPlatform
    tavus: FakeTavusApi

    def reset(self, *, fail_with: int | None = None, join: bool = True) -> None:
        self.tavus.fail_with = fail_with
        self.tavus.join_avatars = join
        self.tavus.requests.clear()
        self.tavus.avatars.clear()
        self.tavus._avatar_joined.clear()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def rig(
    livekit_server_binary: Path, tmp_path_factory: pytest.TempPathFactory, tls: LocalTLS
) -> AsyncIterator[AvatarRig]:
    async with (
        FakeGeminiLive(ssl_context=tls.server_context()) as live,
        FakeGeminiApi() as gemini_api,
        FakeTavusApi(api_key=TAVUS_KEY) as tavus,
    ):
        gemini_api.responder = lambda _req: GeminiApiReply(text='{"findings": []}')
        platform = E2EPlatform(
            workdir=tmp_path_factory.mktemp("avatar"),
            live=live,
            api=gemini_api,
            ca_file=tls.ca_file,
            extra_env={
                "AVATAR": "tavus",
                "TAVUS_API_KEY": TAVUS_KEY,
                "TAVUS_API_URL": tavus.base_url,
                "TAVUS_REPLICA_ID": REPLICA,
                "TAVUS_PERSONA_ID": PERSONA,
                "AVATAR_START_TIMEOUT_S": "8",
                "AVATAR_PRICE_PER_MINUTE_USD": str(PRICE_PER_MINUTE),
                "VISION_ENABLED": "false",  # not under test; spares the 2 cores
            },
        )
        await asyncio.to_thread(platform.start, evals=False)
        try:
            yield AvatarRig(platform, tavus)
        finally:
            await asyncio.to_thread(platform.stop)


@pytest_asyncio.fixture(autouse=True, loop_scope="module")
async def rooms_closed_after(rig: AvatarRig) -> AsyncIterator[None]:
    yield
    await rig.platform.close_rooms()


# --- what the candidate receives, per participant --------------------------------------------


@dataclass
class Reception:
    """Audio energy and video colour per remote participant, as the candidate's client decodes
    them (the candidate's own rtc SDK, subscribed to everything)."""

    audio: dict[str, list[tuple[float, float, float]]] = field(default_factory=dict)
    """identity -> (perf_counter, rms, duration) of every decoded frame."""
    video: dict[str, list[tuple[float, tuple[int, int, int]]]] = field(default_factory=dict)
    """identity -> (perf_counter, mean RGB) of decoded frames."""
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def attach(self, room: rtc.Room) -> None:
        room.on("track_subscribed", self._on_track)

    def audible_since(self, identity: str, t: float) -> float:
        """Seconds of audible audio from `identity` after `t`."""
        heard = self.audio.get(identity, [])
        return sum(d for at, rms, d in heard if at >= t and rms > AUDIBLE_RMS)

    def _on_track(
        self, track: rtc.Track, _pub: rtc.RemoteTrackPublication, who: rtc.RemoteParticipant
    ) -> None:
        reader = self._listen if track.kind == rtc.TrackKind.KIND_AUDIO else self._watch
        task = asyncio.ensure_future(reader(track, who.identity))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _listen(self, track: rtc.Track, identity: str) -> None:
        heard = self.audio.setdefault(identity, [])
        stream = rtc.AudioStream(track, sample_rate=48_000, num_channels=1)
        try:
            async for ev in stream:
                pcm = np.frombuffer(ev.frame.data, dtype=np.int16).astype(np.float32)
                rms = float(np.sqrt(np.mean(pcm**2))) if pcm.size else 0.0
                heard.append((time.perf_counter(), rms, ev.frame.duration))
        finally:
            await stream.aclose()

    async def _watch(self, track: rtc.Track, identity: str) -> None:
        seen = self.video.setdefault(identity, [])
        stream = rtc.VideoStream(track, format=rtc.VideoBufferType.RGBA)
        try:
            async for ev in stream:
                rgba = np.frombuffer(ev.frame.data, dtype=np.uint8).reshape(-1, 4)
                mean = rgba[:, :3].mean(axis=0)
                seen.append((time.perf_counter(), (int(mean[0]), int(mean[1]), int(mean[2]))))
        finally:
            await stream.aclose()

    async def aclose(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


def interviewer(room: rtc.Room) -> rtc.RemoteParticipant | None:
    """The agent itself: an agent participant that does not publish on another's behalf."""
    for p in room.remote_participants.values():
        if p.kind == rtc.ParticipantKind.PARTICIPANT_KIND_AGENT and PUBLISH_ON_BEHALF not in (
            p.attributes or {}
        ):
            return p
    return None


async def wait_until(
    check: Callable[[], Awaitable[T | None]], *, timeout_s: float, what: str, rig: AvatarRig
) -> T:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = await check()
        if value:
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"no {what} within {timeout_s} s\n{rig.platform.logs()}")


async def avatar_attribute(room: rtc.Room, value: str, rig: AvatarRig) -> str:
    async def seen() -> str | None:
        agent = interviewer(room)
        got = agent.attributes.get("interview.avatar") if agent else None
        return got if got == value else None

    return await wait_until(seen, timeout_s=20, what=f"interview.avatar={value}", rig=rig)


async def read_record(rig: AvatarRig, interview_id: str) -> InterviewRecord:
    platform = rig.platform
    store = InterviewStore(
        database_url=database_url_for(None, platform.storage_dir),
        storage_dir=platform.storage_dir,
    )
    try:
        record = await store.get(interview_id)
    finally:
        await store.aclose()
    assert record is not None
    return record


def avatar_events(record: InterviewRecord) -> list[dict[str, object]]:
    return [e.data for e in record.events_of(EventKind.AVATAR)]


async def ended_event(rig: AvatarRig, interview_id: str) -> dict[str, object]:
    async def ended() -> dict[str, object] | None:
        events = avatar_events(await read_record(rig, interview_id))
        return next((e for e in events if e["status"] == "ended"), None)

    return await wait_until(ended, timeout_s=20, what="avatar ended event", rig=rig)


# --- the tests -------------------------------------------------------------------------------


async def test_avatar_speaks_for_the_interviewer(rig: AvatarRig) -> None:
    rig.reset()
    platform = rig.platform
    platform.live.push(Reply.say(GREETING, audio_s=1.5))
    created = await platform.create_interview(candidate_name="Ada")
    reception = Reception()
    candidate = RtcCandidate(created["server_url"], created["participant_token"])
    reception.attach(candidate.room)
    t0 = time.perf_counter()
    async with candidate:
        await avatar_attribute(candidate.room, "active", rig)
        avatar = await rig.tavus.wait_for_avatar(timeout_s=5)
        agent = interviewer(candidate.room)
        assert agent is not None

        # what the plugin sent Tavus: our key, replica and persona, and a way into this room
        [sent] = rig.tavus.requests
        assert sent.api_key == TAVUS_KEY
        assert sent.content_type == "application/json"
        assert sent.body["face_id"] == REPLICA and sent.body["pal_id"] == PERSONA
        assert sent.livekit_url == platform.config.livekit_url
        claims = sent.claims(api_key=platform.config.api_key, api_secret=platform.config.api_secret)
        assert claims.identity == AVATAR_IDENTITY and claims.kind == "agent"
        assert claims.video is not None and claims.video.room_join is True
        assert claims.video.room == created["room"]  # this interview's room, no other
        assert not claims.video.room_admin and not claims.video.room_create
        assert (claims.attributes or {})[PUBLISH_ON_BEHALF] == agent.identity

        # the greeting reaches the candidate through the avatar's track, not the agent's
        async def greeting_heard() -> float | None:
            return reception.audible_since(AVATAR_IDENTITY, t0) or None

        await wait_until(greeting_heard, timeout_s=20, what="greeting via the avatar", rig=rig)

        # the whole 1.5 s greeting (most of it audible: pacing shaves some off), after which
        # the avatar's video goes back to idle: however slowly a busy machine plays it out
        async def greeting_played() -> bool:
            heard = reception.audible_since(AVATAR_IDENTITY, t0)
            return heard >= 0.8 and _idle_after_speaking(reception.video.get(AVATAR_IDENTITY, []))

        await wait_until(greeting_played, timeout_s=15, what="the whole greeting", rig=rig)
        assert reception.audible_since(agent.identity, t0) == 0.0, "heard twice"
        assert avatar.received.sample_rates == {24_000}
        assert avatar.received.seconds >= 1.0
    await reception.aclose()

    # the transcript is the same as without an avatar; the avatar minutes are recorded
    ended = await ended_event(rig, created["interview_id"])

    async def priced() -> InterviewRecord | None:
        record = await read_record(rig, created["interview_id"])
        return record if record.cost and record.cost.by_source(CostSource.AVATAR) else None

    record = await wait_until(priced, timeout_s=10, what="avatar cost line", rig=rig)
    assert [t.text for t in record.transcript if t.speaker == "interviewer"] == [GREETING]
    assert [e["status"] for e in avatar_events(record)] == ["active", "ended"]
    assert isinstance(ended["minutes"], float) and 0.02 < ended["minutes"] < 2
    # and priced in the interview's cost, per minute
    assert record.cost is not None
    [line] = record.cost.by_source(CostSource.AVATAR)
    assert line.model == "tavus" and line.minutes == ended["minutes"]
    assert line.usd == pytest.approx(ended["minutes"] * PRICE_PER_MINUTE)
    assert line.usage.total == 0


async def test_avatar_dropping_mid_interview_falls_back_to_voice(
    rig: AvatarRig, tmp_path: Path
) -> None:
    rig.reset()
    platform = rig.platform
    live = platform.live
    live.push(Reply.say(GREETING, audio_s=0.8), Reply.say(FOLLOW_UP, audio_s=1.0))
    live.push_transcripts(ANSWER)
    answer = load_wav_48k(espeak_wav(ANSWER, tmp_path / "answer.wav"))
    created = await platform.create_interview(candidate_name="Ada")
    reception = Reception()
    candidate = RtcCandidate(created["server_url"], created["participant_token"])
    reception.attach(candidate.room)
    t0 = time.perf_counter()
    async with candidate:
        await avatar_attribute(candidate.room, "active", rig)
        avatar = await rig.tavus.wait_for_avatar(timeout_s=5)

        async def greeting_heard() -> float | None:
            return reception.audible_since(AVATAR_IDENTITY, t0) or None

        await wait_until(greeting_heard, timeout_s=20, what="greeting via the avatar", rig=rig)
        await candidate.wait_for_quiet(quiet_s=0.5, timeout_s=10)

        await avatar.kill()  # the provider drops
        await avatar_attribute(candidate.room, "unavailable", rig)
        agent = interviewer(candidate.room)
        assert agent is not None

        await asyncio.wait_for(candidate.say(answer).wait(), 30)
        spoke_at = candidate.speech_ended_at[-1]

        # the reply comes in the interviewer's own voice track, nothing lost
        async def reply_heard() -> float | None:
            return reception.audible_since(agent.identity, spoke_at) or None

        await wait_until(reply_heard, timeout_s=20, what="reply in voice-only", rig=rig)

        async def both_turns() -> InterviewRecord | None:
            record = await read_record(rig, created["interview_id"])
            said = [t.text for t in record.transcript]
            return record if ANSWER in said and FOLLOW_UP in said else None

        record = await wait_until(both_turns, timeout_s=15, what="the turn after the drop", rig=rig)
    await reception.aclose()
    assert [t.text for t in record.transcript] == [GREETING, ANSWER, FOLLOW_UP]
    events = avatar_events(record)
    assert [e["status"] for e in events][:2] == ["active", "unavailable"]
    assert events[1]["reason"] == "disconnected"
    ended = await ended_event(rig, created["interview_id"])
    # billed only while it was there: from joining to the drop
    assert isinstance(ended["minutes"], float) and 0 < ended["minutes"] < 1


@pytest.mark.parametrize(("status", "attempts"), [(500, 2), (401, 1)])
async def test_avatar_start_failure_means_voice_only(
    rig: AvatarRig, status: int, attempts: int
) -> None:
    rig.reset(fail_with=status)
    platform = rig.platform
    platform.live.push(Reply.say(GREETING, audio_s=1.0))
    created = await platform.create_interview(candidate_name="Ada")
    reception = Reception()
    candidate = RtcCandidate(created["server_url"], created["participant_token"])
    reception.attach(candidate.room)
    t0 = time.perf_counter()
    async with candidate:
        await avatar_attribute(candidate.room, "unavailable", rig)
        agent = interviewer(candidate.room)
        assert agent is not None

        async def greeting_heard() -> float | None:
            return reception.audible_since(agent.identity, t0) or None

        await wait_until(greeting_heard, timeout_s=20, what="greeting in voice", rig=rig)
        present = {p.identity for p in candidate.room.remote_participants.values()}
        assert AVATAR_IDENTITY not in present

        async def greeting_stored() -> InterviewRecord | None:
            record = await read_record(rig, created["interview_id"])
            said = [t.text for t in record.transcript if t.speaker == "interviewer"]
            return record if said == [GREETING] else None

        record = await wait_until(greeting_stored, timeout_s=10, what="greeting stored", rig=rig)
    await reception.aclose()
    # a server error is retried once, a refused key is not
    assert len(rig.tavus.requests) == attempts
    [failed, *_] = avatar_events(record)
    assert failed["status"] == "unavailable" and failed["reason"] == "start_failed"
    assert failed["error"] == f"http_{status}"


async def test_avatar_that_never_joins_means_voice_only(rig: AvatarRig) -> None:
    """Tavus accepts the conversation but no avatar shows up: after AVATAR_START_TIMEOUT_S
    the interviewer greets in its own voice (nothing was held for the missing avatar)."""
    rig.reset(join=False)
    platform = rig.platform
    platform.live.push(Reply.say(GREETING, audio_s=1.0))
    created = await platform.create_interview(candidate_name="Ada")
    reception = Reception()
    candidate = RtcCandidate(created["server_url"], created["participant_token"])
    reception.attach(candidate.room)
    t0 = time.perf_counter()
    async with candidate:
        await avatar_attribute(candidate.room, "unavailable", rig)
        waited = time.perf_counter() - t0
        agent = interviewer(candidate.room)
        assert agent is not None

        async def greeting_heard() -> float | None:
            return reception.audible_since(agent.identity, t0) or None

        await wait_until(greeting_heard, timeout_s=20, what="greeting in voice", rig=rig)
    await reception.aclose()
    assert len(rig.tavus.requests) == 1
    assert 7 < waited < 20  # the configured 8 s, not forever
    record = await read_record(rig, created["interview_id"])
    [timed_out, *_] = avatar_events(record)
    assert timed_out["reason"] == "join_timeout" and timed_out["error"] == "timeout"


def _idle_after_speaking(frames: list[tuple[float, tuple[int, int, int]]]) -> bool:
    """The avatar's video, as decoded by the candidate, showed its speaking colour and then its
    idle colour again."""
    spoke = False
    for _, colour in frames:
        if _near(colour, SPEAKING_RGB):
            spoke = True
        elif spoke and _near(colour, IDLE_RGB):
            return True
    return False


def _near(got: tuple[int, int, int], want: tuple[int, int, int], tol: int = 30) -> bool:
    """Video is lossy: the decoded colour is within a tolerance of the published one."""
    return all(abs(g - w) <= tol for g, w in zip(got, want, strict=True))
