"""The interviewer on the real Gemini Live plugin, against the emulator on loopback (TLS).

Speech in is espeak-ng audio through Silero VAD and a paced microphone; speech out is captured
by an AudioOutput that reports playback. The job runs through `start_interview`
(testkit's harness, inside `fake_job_context()`) and ends through `on_session_end`, like in a
worker.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from livekit.agents import vad

from agent.interview_context import AgentOptions
from agent.session import build_realtime_model
from agent.worker import InterviewRun
from interview_store import EventKind, InterviewRecord, InterviewStatus, InterviewStore
from testkit.agent_harness import agent_settings, interview_harness, quick_options
from testkit.audio_io import CapturingSpeaker, WavMicrophone, espeak_wav
from testkit.gemini_live import FakeGeminiLive, Fault, Reply
from testkit.tls import LocalTLS

pytestmark = [pytest.mark.timing, pytest.mark.timeout(120)]


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("speech")
    lines = {
        "intro": "Hello, I am Ada. I build payment systems in Python.",
        "answer": "An index makes lookups faster.",
        "bye": "Thank you, goodbye.",
    }
    return {k: espeak_wav(v, d / f"{k}.wav") for k, v in lines.items()}


@dataclass
class LiveInterview:
    run: InterviewRun
    mic: WavMicrophone
    speaker: CapturingSpeaker
    store: InterviewStore
    closed: asyncio.Event

    async def record(self) -> InterviewRecord:
        await self.run.ictx.writer.flush()
        rec = await self.store.get(self.run.ictx.interview_id)
        assert rec is not None
        return rec


async def wait_for(cond: Callable[[], bool], within: float = 15.0) -> None:
    """Poll a condition on state owned by the session or the emulator (no event to await)."""
    async with asyncio.timeout(within):
        while not cond():  # noqa: ASYNC110
            await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def live_interview(
    store: InterviewStore,
    tmp_path: Path,
    tls: LocalTLS,
    emulator: FakeGeminiLive,
    silero: vad.VAD,
    *,
    options: AgentOptions | None = None,
) -> AsyncIterator[LiveInterview]:
    """An interview on the production Gemini Live model (pointed at the emulator), Silero VAD,
    a paced microphone and a capturing speaker; it greets like in production."""
    settings = agent_settings(
        tmp_path, gemini_base_url=emulator.base_url, gemini_ca_file=tls.ca_file
    )
    mic, speaker = WavMicrophone(), CapturingSpeaker()
    async with interview_harness(
        store,
        settings=settings,
        llm_model=build_realtime_model(settings),
        vad_model=silero,
        audio_input=mic,
        audio_output=speaker,
        options=options or quick_options(reply_stall_timeout_s=60),
        greet=True,
    ) as h:
        closed = asyncio.Event()
        h.session.on("close", lambda _ev: closed.set())
        try:
            yield LiveInterview(h.run, mic, speaker, store, closed)
        finally:
            mic.close()


def agent_items(rec: InterviewRecord) -> list[str]:
    return [t.text for t in rec.transcript if t.speaker == "interviewer"]


async def test_full_interview_over_gemini_live_with_real_audio(
    sqlite_store: InterviewStore,
    tmp_path: Path,
    tls: LocalTLS,
    emulator: FakeGeminiLive,
    silero: vad.VAD,
    speech: dict[str, Path],
) -> None:
    emulator.push(
        Reply.say("Hello, I am your interviewer today. Please introduce yourself."),
        # candidate intro -> technical
        Reply.call("transition_section", to_section="technical", reason="intro done"),
        Reply.say("What is a database index?"),
        # candidate answer -> flag, then walk to wrap-up in one tool chain
        Reply.call("flag_followup", topic="indexes", reason="vague_answer"),
        Reply.call("transition_section", to_section="coding", reason="next"),
        Reply.call("transition_section", to_section="behavioural", reason="next"),
        Reply.call("transition_section", to_section="candidate_questions", reason="next"),
        Reply.call("transition_section", to_section="wrap_up", reason="next"),
        Reply.say("Thank you Ada, that is all. A written report will follow."),
        # candidate goodbye -> end
        Reply.call("end_interview"),
        Reply.say("Goodbye and good luck!"),
    )
    emulator.push_transcripts(
        "Hello, I am Ada. I build payment systems in Python.",
        "An index makes lookups faster.",
        "Thank you, goodbye.",
    )
    async with live_interview(sqlite_store, tmp_path, tls, emulator, silero) as live:
        ictx = live.run.ictx
        await wait_for(lambda: emulator.state.replies_sent >= 1)
        for line, replies_before in (("intro", 1), ("answer", 2), ("bye", 3)):
            await wait_for(lambda n=replies_before: emulator.state.replies_sent >= n)
            await wait_for(lambda: live.run.session.agent_state == "listening")
            live.mic.say(speech[line])
            await asyncio.wait_for(live.mic.played.wait(), 15)
        await asyncio.wait_for(live.closed.wait(), 20)
        assert ictx.ended_by == "end_interview"

    st = emulator.state
    assert st.errors == []
    # the Live setup: all tools from the start, instructions, resumption, compression
    setup = st.setups[0]
    names = sorted(f["name"] for t in setup["tools"] for f in t.get("functionDeclarations", []))
    assert names == [
        "candidate_needs_time",
        "change_problem",
        "end_interview",
        "explain_concept",
        "flag_followup",
        "give_hint",
        "record_answer_outcome",
        "transition_section",
    ]
    assert "CURRENT PHASE: intro" in setup["systemInstruction"]["parts"][0]["text"]
    assert "sessionResumption" in setup
    assert "slidingWindow" in str(setup["contextWindowCompression"]) or "sliding_window" in str(
        setup["contextWindowCompression"]
    )
    assert "inputAudioTranscription" in setup and "outputAudioTranscription" in setup
    assert st.connections == 1  # instructions changed per phase without reconnecting
    phase_updates = [
        c for c in st.client_contents if "CURRENT PHASE: wrap_up" in str(c.get("turns"))
    ]
    assert phase_updates
    assert st.audio_bytes > 16_000 * 2 * 3  # seconds of candidate audio reached the model
    assert st.user_turns == 3
    assert len(st.tool_responses) == 7

    assert live.speaker.seconds > 0.5
    assert len(live.speaker.segments) >= 3, live.speaker.segments

    rec = await live.record()
    assert rec.status == InterviewStatus.ENDED
    assert rec.session_report is not None and "chat_history" in rec.session_report
    cand = [t.text for t in rec.transcript if t.speaker == "candidate"]
    assert cand == [
        "Hello, I am Ada. I build payment systems in Python.",
        "An index makes lookups faster.",
        "Thank you, goodbye.",
    ]
    assert agent_items(rec) == [
        "Hello, I am your interviewer today. Please introduce yourself.",
        "What is a database index?",
        "Thank you Ada, that is all. A written report will follow.",
        "Goodbye and good luck!",
    ]
    assert [e.data["to"] for e in rec.phase_timeline] == [
        "intro",
        "technical",
        "coding",
        "behavioural",
        "candidate_questions",
        "wrap_up",
    ]
    assert [t.phase for t in rec.transcript][-1] == "wrap_up"
    latency = rec.latency_samples
    assert len(latency) >= 2 and all(e.data["ms"] >= 0 for e in latency)
    assert rec.events_of(EventKind.USAGE)[0].data["models"]
    assert [e.data.get("note") for e in rec.events_of(EventKind.NOTE)][-1] == (
        "evaluation_requested"
    )


async def _candidate_turn(live: LiveInterview, text: str) -> None:
    await asyncio.wait_for(live.run.session.generate_reply(user_input=text).wait_for_playout(), 15)


def _assert_clean(rec: InterviewRecord, candidate_lines: list[str]) -> None:
    ids = [t.item_id for t in rec.transcript]
    assert len(ids) == len(set(ids))
    assert [t.text for t in rec.transcript if t.speaker == "candidate"] == candidate_lines
    agent = agent_items(rec)
    assert len(agent) == len(set(agent))


async def test_close_1011_mid_turn_resumes_with_handle(
    sqlite_store: InterviewStore,
    tmp_path: Path,
    tls: LocalTLS,
    emulator: FakeGeminiLive,
    silero: vad.VAD,
) -> None:
    emulator.push(Reply.say("Welcome, please introduce yourself."))
    async with live_interview(sqlite_store, tmp_path, tls, emulator, silero) as live:
        await wait_for(lambda: emulator.state.replies_sent >= 1)
        await wait_for(lambda: live.run.session.agent_state == "listening")
        emulator.inject(Fault.CLOSE_1011_MID_TURN)
        emulator.push(Reply.say("Nice to meet you Ada. What do you work on these days?"))
        live.run.session.generate_reply(user_input="I'm Ada, a backend developer.")
        await wait_for(lambda: len(emulator.state.setups) >= 2)
        assert emulator.state.resumed_with == ["handle-1"]
        # the conversation goes on over the resumed connection
        emulator.push(Reply.say("Tell me about your last project."))
        await _candidate_turn(live, "Payments at Acme.")
        await wait_for(
            lambda: (
                "Tell me about your last project."
                in live.run.session.history.messages()[-1].text_content
            )
        )
    rec = await live.record()
    _assert_clean(rec, ["I'm Ada, a backend developer.", "Payments at Acme."])
    assert agent_items(rec)[0] == "Welcome, please introduce yourself."
    assert agent_items(rec)[-1] == "Tell me about your last project."
    assert Fault.CLOSE_1011_MID_TURN in emulator.state.faults_fired
    assert any(e.data.get("recoverable") for e in rec.events_of(EventKind.ERROR))


async def test_go_away_reconnects_with_latest_handle(
    sqlite_store: InterviewStore,
    tmp_path: Path,
    tls: LocalTLS,
    emulator: FakeGeminiLive,
    silero: vad.VAD,
) -> None:
    emulator.push(Reply.say("Welcome, please introduce yourself."))
    async with live_interview(sqlite_store, tmp_path, tls, emulator, silero) as live:
        await wait_for(lambda: emulator.state.replies_sent >= 1)
        emulator.inject(Fault.GO_AWAY)
        emulator.push(Reply.say("Great. What is your favourite data structure?"))
        await _candidate_turn(live, "I'm Ada.")
        await wait_for(lambda: len(emulator.state.setups) >= 2)
        assert emulator.state.resumed_with == ["handle-2"]
        emulator.push(Reply.say("Why that one?"))
        await _candidate_turn(live, "A hash map.")
        await wait_for(lambda: emulator.state.replies_sent >= 3)
        await asyncio.sleep(0.3)
    rec = await live.record()
    _assert_clean(rec, ["I'm Ada.", "A hash map."])
    assert agent_items(rec) == [
        "Welcome, please introduce yourself.",
        "Great. What is your favourite data structure?",
        "Why that one?",
    ]


async def test_stalled_reply_is_detected_and_the_session_resumes(
    sqlite_store: InterviewStore,
    tmp_path: Path,
    tls: LocalTLS,
    emulator: FakeGeminiLive,
    silero: vad.VAD,
    speech: dict[str, Path],
) -> None:
    emulator.push(Reply.say("Welcome, please introduce yourself."))
    emulator.push_transcripts("Hello, I am Ada. I build payment systems in Python.")
    opts = quick_options(reply_stall_timeout_s=2.0)
    async with live_interview(sqlite_store, tmp_path, tls, emulator, silero, options=opts) as live:
        await wait_for(lambda: emulator.state.replies_sent >= 1)
        await wait_for(lambda: live.run.session.agent_state == "listening")
        emulator.inject(Fault.STALL)
        emulator.push(Reply.say("Thanks Ada. Which database do you use most?"))
        live.mic.say(speech["intro"])
        await wait_for(lambda: len(emulator.state.setups) >= 2, within=20)
        assert emulator.state.resumed_with == ["handle-1"]
        await wait_for(lambda: emulator.state.replies_sent >= 2, within=10)
        await asyncio.sleep(0.5)
    rec = await live.record()
    assert agent_items(rec) == [
        "Welcome, please introduce yourself.",
        "Thanks Ada. Which database do you use most?",
    ]
    assert any(e.data.get("type") == "reply_stalled" for e in rec.events_of(EventKind.ERROR))
    # the re-prompt reached the model on the new connection
    assert "connection was briefly interrupted" in str(emulator.state.client_contents[-1])
