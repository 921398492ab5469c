"""The connected room on a real LiveKit server: dispatch, greeting, speech, camera, isolation.

Every process is real and talks over loopback only: `livekit-server` (loopback-only ICE), the
token server, the agent worker (`python -m agent start`) with the Gemini Live emulator over TLS,
and candidates that are `livekit` rtc clients publishing a microphone and a camera. The tests
share one platform (`shared_platform`), each with its own interview.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import numpy as np
import psutil
import pytest
from livekit import api, rtc
from skimage import data

from interview_store import InterviewRecord
from testkit.audio_io import espeak_wav
from testkit.gemini_live import Reply
from testkit.platform_processes import E2EPlatform
from testkit.rtc_candidate import RtcCandidate, load_wav_48k

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(60),
    pytest.mark.asyncio(loop_scope="module"),
]


GREETING = "Hello Ada, welcome to your mock interview. Tell me about yourself."
ANSWER = "I built a payment service in Python with PostgreSQL and Kafka."


def face_image() -> np.ndarray:
    """A webcam-like head-and-shoulders crop of skimage's astronaut (a real face), RGB."""
    img: np.ndarray = data.astronaut()[0:300, 60:360]  # type: ignore[no-untyped-call]  # skimage is untyped
    return np.ascontiguousarray(np.repeat(np.repeat(img, 2, axis=0), 2, axis=1))  # 600x600


async def test_token_dispatches_agent_which_greets_audibly(shared_platform: E2EPlatform) -> None:
    platform = shared_platform
    platform.live.push(Reply.say(GREETING, audio_s=1.0))
    created = await platform.create_interview(candidate_name="Ada")
    t0 = time.perf_counter()
    async with RtcCandidate(created["server_url"], created["participant_token"]) as candidate:
        agent = await platform.agent_joined(candidate)
        # no dispatch call anywhere: the token's RoomConfiguration made the server dispatch it
        assert agent.kind == rtc.ParticipantKind.PARTICIPANT_KIND_AGENT
        heard_at = await candidate.wait_for_audible(after=t0, timeout_s=20)
        assert candidate.agent_audio.max_rms() > 1000, "the greeting is heard at full level"
        phase = await candidate.wait_for_attribute("interview.phase", timeout_s=10)
        remaining = await candidate.wait_for_attribute("interview.remaining_s", timeout_s=10)
        pairs = await candidate.selected_candidate_addresses()
    assert heard_at > t0
    assert phase == "intro"
    assert 0 < float(remaining) <= 30 * 60
    # The server end of every selected pair is 127.0.0.1. The rtc SDK (libwebrtc) cannot be
    # limited to `lo` and may gather its host candidate on another local address; packets from
    # a local address to 127.0.0.1 are routed through `lo` and never leave the host.
    assert pairs, "the SDK exposes the selected candidate pairs"
    own = {a.address for addrs in psutil.net_if_addrs().values() for a in addrs}
    for local, remote in pairs:
        assert remote == "127.0.0.1", pairs
        assert local in own, pairs
    assert platform.node is not None
    rtc_conf = platform.node.config()["rtc"]
    assert rtc_conf["node_ip"] == "127.0.0.1" and rtc_conf["use_external_ip"] is False
    assert rtc_conf["stun_servers"] == ["127.0.0.1:3478"]


async def test_candidate_speech_reaches_gemini_and_the_transcript(
    shared_platform: E2EPlatform, tmp_path: Path
) -> None:
    platform = shared_platform
    live = platform.live
    live.push(Reply.say(GREETING, audio_s=0.5), Reply.say("Tell me more about Kafka.", 0.5))
    live.push_transcripts(ANSWER)
    answer = load_wav_48k(espeak_wav(ANSWER, tmp_path / "answer.wav"))
    created = await platform.create_interview(candidate_name="Ada")
    async with RtcCandidate(created["server_url"], created["participant_token"]) as candidate:
        await platform.agent_joined(candidate)
        await candidate.wait_for_audible(timeout_s=20)  # greeting first
        turns_before, bytes_before = live.state.user_turns, live.state.audio_bytes
        await asyncio.sleep(1.0)
        await asyncio.wait_for(candidate.say(answer).wait(), 30)
        spoke_at = candidate.speech_ended_at[-1]
        # the emulator's energy VAD heard speech then silence in the audio the agent relayed
        await platform.wait_until(
            lambda: _true(live.state.user_turns > turns_before),
            timeout_s=10,
            what="user turn at the Gemini emulator",
        )
        assert live.state.audio_bytes - bytes_before > 16_000 * 2 * 2  # > 2 s of 16 kHz audio
        await candidate.wait_for_audible(after=spoke_at, timeout_s=10)  # the reply came back

        async def candidate_line() -> InterviewRecord | None:
            record = await platform.read_record(created["interview_id"])
            said = [t.text for t in record.transcript if t.speaker == "candidate"]
            return record if ANSWER in said else None

        record = await platform.wait_until(
            candidate_line, timeout_s=10, what="candidate transcript"
        )
    assert any(t.speaker == "interviewer" and "Ada" in t.text for t in record.transcript)


async def test_camera_frames_reach_the_vision_pipeline(shared_platform: E2EPlatform) -> None:
    platform = shared_platform
    platform.live.push(Reply.say(GREETING, audio_s=0.5))
    created = await platform.create_interview(candidate_name="Ada")
    frames_before = len(platform.live.state.video_frames)
    async with RtcCandidate(
        created["server_url"], created["participant_token"], camera_rgb=face_image()
    ) as candidate:
        await platform.agent_joined(candidate)

        async def face_seen() -> InterviewRecord | None:
            record = await platform.read_record(created["interview_id"])
            states = [o for o in record.observations if o.kind == "face_state"]
            return record if any(o.data.get("presence") == "single" for o in states) else None

        record = await platform.wait_until(face_seen, timeout_s=25, what="face-visible observation")
    assert all(o.source == "local" for o in record.observations if o.kind == "face_state")
    # the same sampled frames went to the interviewer as JPEG
    sent = platform.live.state.video_frames[frames_before:]
    assert sent and all(mime == "image/jpeg" for mime, _ in sent)


async def test_token_for_another_room_cannot_reach_this_interview(
    shared_platform: E2EPlatform,
) -> None:
    platform = shared_platform
    assert platform.node is not None
    platform.live.push(Reply.say(GREETING, audio_s=0.5))
    mine = await platform.create_interview(candidate_name="Ada")
    other = await platform.create_interview(candidate_name="Eve")
    async with RtcCandidate(mine["server_url"], mine["participant_token"]) as candidate:
        await platform.agent_joined(candidate)
        # Eve's token joins Eve's room, whatever room she asks for: she never sees Ada.
        intruder = rtc.Room()
        await intruder.connect(other["server_url"], other["participant_token"])
        try:
            assert intruder.name == other["room"] != mine["room"]
            await asyncio.sleep(1.0)
            identities = {p.identity for p in intruder.remote_participants.values()}
            assert candidate.room.local_participant.identity not in identities
            assert all(
                p.kind == rtc.ParticipantKind.PARTICIPANT_KIND_AGENT
                for p in intruder.remote_participants.values()
            )
        finally:
            await intruder.disconnect()
        # A token naming this room but signed with another key is refused by the server.
        forged = (
            api.AccessToken(platform.node.options.api_key, "not-the-secret-" + "x" * 24)
            .with_identity("eve")
            .with_grants(api.VideoGrants(room_join=True, room=mine["room"]))
            .to_jwt()
        )
        with pytest.raises(rtc.ConnectError):
            await rtc.Room().connect(mine["server_url"], forged)
        # Only the candidate and the interviewer are in this interview's room.
        in_room = await _participants(platform, mine["room"])
        assert len(in_room) == 2


async def _participants(platform: E2EPlatform, room: str) -> list[str]:
    assert platform.node is not None
    async with api.LiveKitAPI(
        platform.node.http_url, platform.node.options.api_key, platform.node.options.api_secret
    ) as lk:
        resp = await lk.room.list_participants(api.ListParticipantsRequest(room=room))
    return [p.identity for p in resp.participants]


async def _true(value: bool) -> bool:
    return value
