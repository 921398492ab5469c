"""The interviewer on the real Gemini plugin against the emulator when the service misbehaves
the way the real one does: a stall right after the candidate's words were transcribed, the
candidate talking over the interviewer (barge-in), and a long interview cut by a GoAway every
~10 minutes (time-compressed)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from livekit.agents import vad

from agent.interview_context import AgentOptions
from agent.session import RECONNECT_PROMPT, build_realtime_model
from agent.worker import InterviewRun
from interview_store import (
    EventKind,
    InterviewPlan,
    InterviewRecord,
    InterviewStatus,
    InterviewStore,
    InterviewType,
)
from testkit.agent_harness import AgentHarness, agent_settings, interview_harness, quick_options
from testkit.audio_io import CapturingSpeaker, RealtimeSpeaker, WavMicrophone, espeak_wav
from testkit.gemini_live import FakeGeminiLive, Fault, Reply
from testkit.interview_fixtures import FakeClock, sample_plan
from testkit.tls import LocalTLS

pytestmark = [pytest.mark.timing, pytest.mark.timeout(60)]


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("speech")
    lines = {
        "intro": "Hello, I am Ada. I build payment systems in Python.",
        "objection": "Sorry to interrupt, but could you repeat the question please?",
    }
    return {k: espeak_wav(v, d / f"{k}.wav") for k, v in lines.items()}


async def wait_for(cond: Callable[[], bool], within: float = 15.0) -> None:
    async with asyncio.timeout(within):
        while not cond():  # noqa: ASYNC110
            await asyncio.sleep(0.05)


@dataclass
class Live:
    h: AgentHarness
    mic: WavMicrophone
    speaker: CapturingSpeaker

    @property
    def run(self) -> InterviewRun:
        return self.h.run

    async def record(self) -> InterviewRecord:
        return await self.h.record()


@contextlib.asynccontextmanager
async def live_interview(
    store: InterviewStore,
    tmp_path: Path,
    tls: LocalTLS,
    emulator: FakeGeminiLive,
    silero: vad.VAD,
    *,
    options: AgentOptions | None = None,
    clock: FakeClock | None = None,
    plan: InterviewPlan | None = None,
    speaker: CapturingSpeaker | None = None,
) -> AsyncIterator[Live]:
    settings = agent_settings(
        tmp_path, gemini_base_url=emulator.base_url, gemini_ca_file=tls.ca_file
    )
    mic, speaker = WavMicrophone(), speaker or CapturingSpeaker()
    async with interview_harness(
        store,
        settings=settings,
        llm_model=build_realtime_model(settings),
        vad_model=silero,
        audio_input=mic,
        audio_output=speaker,
        options=options or quick_options(reply_stall_timeout_s=60),
        plan=plan or sample_plan(planned_minutes=10),
        clock=clock,
    ) as h:
        try:
            yield Live(h, mic, speaker)
        finally:
            mic.close()


# --- a stall after the transcript -----------------------------------------------------------


async def test_stall_after_transcript_resumes_with_the_candidates_words_before_the_reprompt(
    sqlite_store: InterviewStore,
    tmp_path: Path,
    tls: LocalTLS,
    emulator: FakeGeminiLive,
    silero: vad.VAD,
    speech: dict[str, Path],
) -> None:
    """The service transcribed the candidate (partials while speaking, the rest at the end)
    and then never answered. The agent reconnects with the resumption handle, which restores
    the context *before* that turn: the resumed session must get the candidate's words first
    and the reconnect prompt after them, or the model answers a prompt about an answer it
    never saw."""
    intro = "Hello, I am Ada. I build payment systems in Python."
    emulator.push(Reply.say("Welcome, please introduce yourself."))
    emulator.push_transcripts(intro)
    opts = quick_options(reply_stall_timeout_s=2.0)
    async with live_interview(sqlite_store, tmp_path, tls, emulator, silero, options=opts) as live:
        live.run.session.generate_reply(instructions="Greet the candidate.")
        await wait_for(lambda: emulator.state.replies_sent >= 1)
        await wait_for(lambda: live.run.session.agent_state == "listening")
        emulator.inject(Fault.STALL_AFTER_TRANSCRIPT)
        emulator.push(Reply.say("Thanks Ada. Which database do you use most?"))
        live.mic.say(speech["intro"])
        await wait_for(lambda: len(emulator.state.setups) >= 2, within=20)
        await wait_for(lambda: emulator.state.replies_sent >= 2, within=10)
        await asyncio.sleep(0.3)
        rec = await live.record()

    st = emulator.state
    assert st.faults_fired == [Fault.STALL_AFTER_TRANSCRIPT]
    assert len(st.partial_transcripts) >= 2  # it streamed while the candidate spoke
    assert st.resumed_with == ["handle-1"]
    resumed = st.contexts[1].texts()
    said = [i for i, t in enumerate(resumed) if intro in t]
    prompted = [i for i, t in enumerate(resumed) if RECONNECT_PROMPT[:40] in t]
    assert said and prompted, resumed
    assert said[0] < prompted[0], resumed  # the words, then the prompt about them
    assert len(said) == 1  # and the words only once
    cand = [t.text for t in rec.transcript if t.speaker == "candidate"]
    assert cand == [intro]
    agent = [t.text for t in rec.transcript if t.speaker == "interviewer"]
    assert agent == [
        "Welcome, please introduce yourself.",
        "Thanks Ada. Which database do you use most?",
    ]
    assert any(e.data.get("type") == "reply_stalled" for e in rec.events_of(EventKind.ERROR))


# --- barge-in -------------------------------------------------------------------------------


async def test_barge_in_stops_the_interviewer_and_stores_the_cut_turn_as_interrupted(
    sqlite_store: InterviewStore,
    tmp_path: Path,
    tls: LocalTLS,
    emulator: FakeGeminiLive,
    silero: vad.VAD,
    speech: dict[str, Path],
) -> None:
    long_question = (
        "Let me describe the system design problem in detail: you run a payment service that "
        "receives requests from many merchants, some of them retried, and you must make sure "
        "that no customer is ever charged twice while keeping latency low."
    )
    objection = "Sorry to interrupt, but could you repeat the question please?"
    emulator.push(
        Reply.say("Welcome. Ready for the first question?"),
        Reply.say(long_question, audio_s=6.0),
        Reply.say("Of course. How would you avoid double charges?"),
    )
    emulator.push_transcripts(objection)
    speaker = RealtimeSpeaker()  # plays in real time, so there is a playout to cut
    async with live_interview(
        sqlite_store, tmp_path, tls, emulator, silero, speaker=speaker
    ) as live:
        session = live.run.session
        await asyncio.wait_for(
            session.generate_reply(instructions="Greet the candidate.").wait_for_playout(), 10
        )
        session.generate_reply(user_input="Yes, ready.")
        await wait_for(lambda: session.agent_state == "speaking")
        await asyncio.sleep(1.0)  # a second into a six-second question
        live.mic.say(speech["objection"])
        await wait_for(lambda: emulator.state.interruptions >= 1, within=10)
        # the greeting and the answer to the objection (an interrupted turn does not count)
        await wait_for(lambda: emulator.state.replies_sent >= 2, within=15)
        await asyncio.sleep(0.5)
        rec = await live.record()

    assert emulator.state.interruptions == 1
    # the interviewer stopped: far less than the six seconds of the question were played
    _greeting, cut_played, _answer = speaker.segments
    assert 1.0 < cut_played < 4.0, speaker.segments
    turns = [(t.speaker, t.text, t.interrupted) for t in rec.transcript]
    interviewer = [t for t in rec.transcript if t.speaker == "interviewer"]
    cut = [t for t in interviewer if t.interrupted]
    assert len(cut) == 1, turns
    # the model's words of that turn, flagged as cut, spanning only the time it was heard
    # (without a room's transcript sync the text is the whole generated turn)
    assert cut[0].text == long_question
    assert cut[0].end_time - cut[0].start_time == pytest.approx(cut_played, abs=0.5)
    # nothing lost: every turn is there, in order
    assert [t[1] for t in turns if t[0] == "candidate"] == ["Yes, ready.", objection]
    assert [t.text for t in interviewer if not t.interrupted] == [
        "Welcome. Ready for the first question?",
        "Of course. How would you avoid double charges?",
    ]
    ids = [t.item_id for t in rec.transcript]
    assert len(ids) == len(set(ids))
    order = [t.text for t in rec.transcript]
    assert order.index(cut[0].text) < order.index(objection)


# --- a long interview with GoAways ------------------------------------------------------------


async def test_45_minute_interview_with_go_away_every_10_minutes_loses_nothing(
    sqlite_store: InterviewStore,
    tmp_path: Path,
    tls: LocalTLS,
    emulator: FakeGeminiLive,
    silero: vad.VAD,
) -> None:
    """45 planned minutes on a fake clock: a candidate turn every 150 s of interview time, a
    GoAway from the service after the turns at 10, 20, 30 and 40 minutes (4 resumed
    reconnects), phases moved by the model's tool calls and, at the planned end, by the
    pacer. Every turn is stored once and in order; the phase timeline and the timers carry on
    across reconnects."""
    clock = FakeClock()
    turns = 18  # 18 x 150 s = 45 min
    go_away_after = {3, 7, 11, 15}  # the turns ending at 10, 20, 30 and 40 minutes
    moves = {2: "technical", 14: "candidate_questions"}
    async with live_interview(
        sqlite_store,
        tmp_path,
        tls,
        emulator,
        silero,
        clock=clock,
        plan=sample_plan(InterviewType.SYSTEM_DESIGN, planned_minutes=45),
        # one time-box nudge per phase at most; no silence check-ins between scripted turns
        options=quick_options(
            reply_stall_timeout_s=10_000, silence_patience_s=10_000, nudge_repeat_s=10_000
        ),
    ) as live:
        session = live.run.session
        phases = live.run.ictx.phases
        for i in range(turns):
            if i in moves:
                emulator.push(Reply.call("transition_section", to_section=moves[i], reason="next"))
            emulator.push(Reply.say(f"Question {i + 1}: tell me more about point {i + 1}?", 0.05))
            if i in go_away_after:
                emulator.inject(Fault.GO_AWAY)
            await asyncio.wait_for(
                session.generate_reply(
                    user_input=f"Answer {i + 1} from the candidate."
                ).wait_for_playout(),
                10,
            )
            reconnects = len(go_away_after & set(range(i + 1)))
            await wait_for(lambda n=reconnects: len(emulator.state.setups) == n + 1)
            await live.h.advance(150.0)  # the clock moves; the pacer decides once
            await asyncio.sleep(0.05)  # a time-box nudge, if any, starts ...
            await wait_for(lambda: session.agent_state == "listening")  # ... and ends
        elapsed = phases.elapsed()
        remaining = phases.remaining()
        rec = await live.record()

    st = emulator.state
    assert st.faults_fired.count(Fault.GO_AWAY) == 4
    assert len(st.setups) == 5
    assert len(st.resumed_with) == 4  # every reconnect resumed the conversation
    assert set(st.resumed_with) <= set(st.handles_issued)
    candidate = [t.text for t in rec.transcript if t.speaker == "candidate"]
    assert candidate == [f"Answer {i + 1} from the candidate." for i in range(turns)]
    questions = [
        t.text for t in rec.transcript if t.speaker == "interviewer" and t.text.startswith("Q")
    ]
    assert questions == [
        f"Question {i + 1}: tell me more about point {i + 1}?" for i in range(turns)
    ]
    ids = [t.item_id for t in rec.transcript]
    assert len(ids) == len(set(ids))
    starts = [t.start_time for t in rec.transcript]
    assert starts == sorted(starts)
    timeline = [(e.data["to"], e.data["reason"]) for e in rec.phase_timeline]
    assert [to for to, _ in timeline] == ["intro", "technical", "candidate_questions", "wrap_up"]
    assert timeline[-1][1] == "planned duration over"  # the pacer, at 45 minutes
    assert elapsed == pytest.approx(turns * 150.0)
    assert remaining == pytest.approx(0.0)


# --- the candidate leaves as the interviewer starts replying ----------------------------------


async def test_last_answer_is_kept_when_the_session_closes_before_the_reply(
    sqlite_store: InterviewStore,
    tmp_path: Path,
    tls: LocalTLS,
    emulator: FakeGeminiLive,
    silero: vad.VAD,
    speech: dict[str, Path],
) -> None:
    """Gemini sends the candidate's words as partial transcriptions and the final one only
    when its reply's turn completes; the candidate leaves before that. The session unhooks its
    transcription listener before closing the model (which emits that final transcript), so
    the answer used to be lost and the interview failed as "the candidate never spoke"."""
    intro = "Hello, I am Ada. I build payment systems in Python."
    emulator.push(Reply.say("Welcome, please introduce yourself."))
    emulator.push_transcripts(intro)
    heard: list[str] = []
    async with live_interview(sqlite_store, tmp_path, tls, emulator, silero) as live:
        live.run.session.on("user_input_transcribed", lambda ev: heard.append(ev.transcript))
        live.run.session.generate_reply(instructions="Greet the candidate.")
        await wait_for(lambda: emulator.state.replies_sent >= 1)
        await wait_for(lambda: live.run.session.agent_state == "listening")
        emulator.inject(Fault.STALL_AFTER_TRANSCRIPT)  # transcribed, then no reply yet
        live.mic.say(speech["intro"])
        await wait_for(lambda: Fault.STALL_AFTER_TRANSCRIPT in emulator.state.faults_fired)
        await wait_for(lambda: intro in heard)
        interview_id = live.h.run.ictx.interview_id
        # leaving the block closes the session and finalizes, as the candidate leaving does
    rec = await sqlite_store.get(interview_id)
    assert rec is not None
    assert [t.text for t in rec.transcript if t.speaker == "candidate"] == [intro]
    assert rec.status == InterviewStatus.ENDED, rec.failure_reason
    notes = [e.data for e in rec.events if e.kind == EventKind.NOTE]
    assert any(n.get("note") == "unfinished_candidate_turn_kept" for n in notes), notes
