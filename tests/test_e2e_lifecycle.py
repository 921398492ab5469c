"""How an interview ends on a real LiveKit server: the candidate leaves, the server's signed
`room_finished` webhook reaches the token server, the evals worker writes the report, and the
recruiter API serves it with the agent's recording. Same real processes as test_e2e_room.py.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from livekit import api, rtc

from interview_store import EventKind, InterviewRecord, InterviewStatus
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
ANSWER = "I led the migration of our billing service to Kubernetes last year."


def webhook_outcomes(platform: E2EPlatform, room: str) -> list[str]:
    """What the token server did with each verified room_finished delivery for `room`
    (its log carries no room names, so match on the event ids the server logged)."""
    assert platform.node is not None and platform.tokenserver is not None
    ids = set()
    for line in platform.node.log_text().splitlines():
        if '"room_finished"' in line and room in line and '"sent webhook"' in line:
            ids.add(json.loads(line).get("id"))
    outcomes = []
    for line in platform.tokenserver.log_text().splitlines():
        if '"webhook"' in line and '"room_finished"' in line:
            entry = json.loads(line)
            if entry.get("event_id") in ids:
                outcomes.append(str(entry.get("outcome")))
    return outcomes


async def status_is(
    platform: E2EPlatform, interview_id: str, status: InterviewStatus
) -> InterviewRecord | None:
    record = await platform.read_record(interview_id)
    return record if record.status == status else None


async def test_leaving_ends_the_interview_and_the_report_follows(
    shared_platform: E2EPlatform, tmp_path: Path
) -> None:
    platform = shared_platform
    platform.live.push(Reply.say(GREETING, audio_s=0.5), Reply.say("Thank you.", audio_s=0.3))
    platform.live.push_transcripts(ANSWER)
    answer = load_wav_48k(espeak_wav(ANSWER, tmp_path / "answer.wav"))
    created = await platform.create_interview(candidate_name="Ada")
    iid, room = created["interview_id"], created["room"]
    async with RtcCandidate(created["server_url"], created["participant_token"]) as candidate:
        await platform.agent_joined(candidate)
        await candidate.wait_for_audible(timeout_s=20)
        await asyncio.wait_for(candidate.say(answer).wait(), 30)
        await candidate.wait_for_audible(after=candidate.speech_ended_at[-1], timeout_s=15)
        await platform.wait_until(
            lambda: _candidate_said(platform, iid),
            timeout_s=10,
            what="candidate transcript before leaving",
        )
    left_at = time.monotonic()
    # the candidate left: the room closes after departure_timeout, LiveKit signs and sends
    # room_finished, the token server verifies it; the agent's job ends; the evals worker reports
    record = await platform.wait_until(
        lambda: status_is(platform, iid, InterviewStatus.EVALUATED),
        timeout_s=30,
        what="evaluated interview",
    )
    outcomes = await platform.wait_until(
        lambda: _async(webhook_outcomes(platform, room)),
        timeout_s=10,
        what="verified room_finished webhook",
    )
    # whoever came first (the agent's finalize or the webhook), the end is recorded once
    assert set(outcomes) <= {"ended", "already_ended", "already_evaluated"}, outcomes
    assert time.monotonic() - left_at < 30
    assert record.report is not None and record.report.interview_id == iid
    assert [t.text for t in record.transcript if t.speaker == "candidate"] == [ANSWER]
    resp = await platform.recruiter_get(f"/api/interviews/{iid}")
    assert resp.status_code == 200
    body = resp.json()
    assert body["status"] == "evaluated" and body["report"] is not None
    html = await platform.recruiter_get(f"/api/interviews/{iid}/report.html")
    assert html.status_code == 200 and "<html" in html.text.lower()
    audio = await platform.recruiter_get(f"/api/interviews/{iid}/recording?kind=agent_audio")
    assert audio.status_code == 200 and len(audio.content) > 1000


async def test_room_finished_webhook_alone_ends_an_interview(
    shared_platform: E2EPlatform,
) -> None:
    """No agent in the room (a token without the dispatch): only LiveKit's signed webhook can
    end the interview, and the evals worker still reports on it."""
    platform = shared_platform
    assert platform.node is not None
    created = await platform.create_interview(candidate_name="Ada")
    iid, room = created["interview_id"], created["room"]
    token = (
        api.AccessToken(platform.node.options.api_key, platform.node.options.api_secret)
        .with_identity("candidate-no-agent")
        .with_grants(api.VideoGrants(room_join=True, room=room))
        .to_jwt()
    )
    candidate = rtc.Room()
    await candidate.connect(platform.node.url, token)
    await asyncio.sleep(0.5)
    await candidate.disconnect()
    record = await platform.wait_until(
        lambda: _not_live(platform, iid), timeout_s=20, what="interview ended by the webhook"
    )
    assert webhook_outcomes(platform, room) == ["ended"]
    notes = [e.data for e in record.events if e.kind == EventKind.NOTE]
    assert {"note": "room_finished", "by": "livekit_webhook"} in notes
    evaluated = await platform.wait_until(
        lambda: status_is(platform, iid, InterviewStatus.EVALUATED),
        timeout_s=20,
        what="report after the webhook ended it",
    )
    assert evaluated.report is not None


async def _candidate_said(platform: E2EPlatform, interview_id: str) -> bool:
    record = await platform.read_record(interview_id)
    return any(t.speaker == "candidate" for t in record.transcript)


async def _not_live(platform: E2EPlatform, interview_id: str) -> InterviewRecord | None:
    record = await platform.read_record(interview_id)
    return record if record.status in (InterviewStatus.ENDED, InterviewStatus.EVALUATED) else None


async def _async(value: list[str]) -> list[str]:
    return value
