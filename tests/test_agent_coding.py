"""The coding workspace inside the agent: problem choice through the interviewer's tools, the
candidate's Run / Submit / snapshots through the RPC handlers the agent registers (called with
real `rtc.RpcInvocationData`), the real sandbox, the private notes the model receives and the
record. Text mode with the scripted LLM and a fake clock (rate limits move with it).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import wave
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from livekit import api, rtc
from livekit.agents import vad

import agent.worker
from agent.coding import (
    METHOD_PROBLEM,
    METHOD_RUN,
    METHOD_SNAPSHOT,
    METHOD_SUBMIT,
    NOTE_PREFIX,
    CodingErrorCode,
    CodingRpc,
    CodingWorkspace,
    chat_context_sink,
)
from agent.coding.rpc import MAX_RESPONSE_BYTES, fit_response
from agent.session import build_realtime_model
from interview_store import AgentAttribute, EventKind, InterviewEvent, InterviewStore, InterviewType
from problem_bank import Difficulty, JudgeResult, Problem, default_bank
from testkit.agent_harness import AgentHarness, agent_settings, interview_harness, quick_options
from testkit.audio_io import MIC_RATE, CapturingSpeaker, WavMicrophone, espeak_wav
from testkit.gemini_live import FakeGeminiLive
from testkit.interview_fixtures import FakeClock, sample_plan
from testkit.livekit_server import LiveKitNode
from testkit.tls import LocalTLS
from tests.fake_llm import FakeLLM, ToolCall, Turn
from tests.sandbox_support import make_sandbox, work_root

__all__ = ["work_root"]  # the fixture, imported for pytest

pytestmark = [pytest.mark.timing, pytest.mark.timeout(60)]

CANDIDATE = "candidate-ada"


@dataclass
class Coding:
    h: AgentHarness
    llm: FakeLLM
    rpc: CodingRpc

    @property
    def workspace(self) -> CodingWorkspace:
        ws = self.h.run.coding
        assert ws is not None
        return ws

    async def say(self, text: str, *turns: Turn) -> Any:
        """A candidate turn; the model answers with `turns` (tool calls run for real)."""
        self.llm.push(*turns)
        return await self.h.say(text)

    async def call(self, method: str, payload: Any, *, caller: str = CANDIDATE) -> Any:
        """Call a registered handler the way livekit rtc does; decode the JSON answer."""
        text = payload if isinstance(payload, str) else json.dumps(payload)
        data = rtc.RpcInvocationData(
            request_id="req-1",
            caller_identity=caller,
            payload=text,
            response_timeout=60.0,
            method=method,
        )
        return json.loads(await self.rpc.handlers()[method](data))

    async def refused(self, method: str, payload: Any, *, caller: str = CANDIDATE) -> rtc.RpcError:
        with pytest.raises(rtc.RpcError) as info:
            await self.call(method, payload, caller=caller)
        return info.value

    async def enter_coding(self) -> Problem:
        r = await self.say(
            "Hi, I'm Ada.",
            tc("transition_section", to_section="coding", reason="intro done"),
            Turn(text="Here is your problem."),
        )
        r.expect.next_event().is_function_call(name="transition_section")
        out = r.expect.next_event().is_function_call_output(is_error=False)
        assert "is now on the candidate's screen" in out.event().item.output
        problem = self.workspace.problem
        assert problem is not None
        return problem

    def notes(self) -> list[str]:
        """The private notes in the interviewer's chat context, in order."""
        return [
            m.text_content or ""
            for m in self.h.session.current_agent.chat_ctx.messages()
            if (m.text_content or "").startswith(NOTE_PREFIX)
        ]

    async def events(self, kind: EventKind) -> list[InterviewEvent]:
        await self.workspace.flush_notes()
        return [e for e in (await self.h.record()).events if e.kind == kind]


def tc(name: str, **args: Any) -> Turn:
    return Turn(tool_calls=[ToolCall(name, args)])


@pytest.fixture
async def coding(
    sqlite_store: InterviewStore,
    tmp_path: Path,
    work_root: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Coding]:
    """A coding interview in text mode whose workspace runs code in a real, small sandbox."""
    sandbox = make_sandbox(work_root)
    monkeypatch.setattr(agent.worker, "shared_sandbox", lambda: sandbox)
    fake = FakeLLM()
    settings = agent_settings(tmp_path, coding_runs_per_minute=4, coding_snapshots_per_minute=6)
    async with interview_harness(
        sqlite_store,
        llm_model=fake,
        settings=settings,
        plan=sample_plan(InterviewType.CODING),
        clock=FakeClock(),
    ) as h:
        assert h.run.coding is not None
        yield Coding(h, fake, CodingRpc(h.run.coding, candidate_identity=CANDIDATE))


# --- problem choice -----------------------------------------------------------------------------


async def test_entering_coding_shows_a_problem_for_the_role_and_level(coding: Coding) -> None:
    c = coding
    assert (await c.call(METHOD_PROBLEM, {}))["problem"] is None  # nothing before coding
    problem = await c.enter_coding()
    expected = default_bank().pick("Backend Engineer", "intermediate", seed=c.h.ictx.interview_id)
    assert problem.id == expected.id
    await c.workspace.flush_notes()
    assert {AgentAttribute.PROBLEM_ID: problem.id} in c.h.published

    view = await c.call(METHOD_PROBLEM, {})
    shown = view["problem"]
    assert shown["id"] == problem.id and shown["statement"] == problem.statement
    assert shown["starter"]["python"] == problem.starter.python
    assert shown["hidden_test_count"] == len(problem.hidden_tests)
    text = json.dumps(view)
    assert "hidden_tests" not in shown and "reference" not in shown and "hints" not in shown
    assert problem.reference.python not in text
    assert view["hints"] == []

    (event,) = await c.events(EventKind.PROBLEM)
    assert event.data["action"] == "picked" and event.data["problem"]["id"] == problem.id
    assert "reference" not in event.data["problem"]


async def test_hints_in_order_counted_and_harder_problem(coding: Coding) -> None:
    c = coding
    # outside the coding phase the tools refuse and say how to get there
    r = await c.say("Can I get a hint?", tc("give_hint"), Turn(text="Not yet."))
    r.expect.next_event().is_function_call(name="give_hint")
    out = r.expect.next_event().is_function_call_output(is_error=True)
    assert "only in the coding phase" in out.event().item.output

    problem = await c.enter_coding()
    outputs = []
    for _ in range(len(problem.hints) + 1):
        r = await c.say("I'm stuck.", tc("give_hint"), Turn(text="Think about it this way."))
        r.expect.next_event().is_function_call(name="give_hint")
        outputs.append(r.expect.next_event().is_function_call_output().event().item)
    for n, (item, text) in enumerate(zip(outputs, problem.hints, strict=False), start=1):
        assert not item.is_error and f"Hint {n} of {len(problem.hints)}" in item.output
        assert text in item.output
    assert outputs[-1].is_error and "were given" in outputs[-1].output
    assert c.h.ictx.hints_given == len(problem.hints)
    hints = await c.events(EventKind.HINT)
    assert [e.data["number"] for e in hints] == list(range(1, len(problem.hints) + 1))
    assert (await c.call(METHOD_PROBLEM, {}))["hints"] == problem.hints

    r = await c.say(
        "That was easy.",
        tc("change_problem", direction="harder", reason="solved quickly"),
        Turn(text="Let's try a harder one."),
    )
    r.expect.next_event().is_function_call(name="change_problem")
    r.expect.next_event().is_function_call_output(is_error=False)
    harder = c.workspace.problem
    assert harder is not None and harder.id != problem.id
    assert harder.difficulty is Difficulty.ADVANCED
    await c.workspace.flush_notes()
    assert c.h.published[-1] == {AgentAttribute.PROBLEM_ID: harder.id}
    assert (await c.call(METHOD_PROBLEM, {}))["hints"] == []  # hints restart per problem
    actions = [e.data["action"] for e in await c.events(EventKind.PROBLEM)]
    assert actions == ["picked", "harder"]
    r = await c.say(
        "Even harder?",
        tc("change_problem", direction="harder", reason="again"),
        Turn(text="This is the hardest."),
    )
    r.expect.next_event().is_function_call(name="change_problem")
    out = r.expect.next_event().is_function_call_output(is_error=True)
    assert "no harder problem" in out.event().item.output


# --- run, submit, notes, record -----------------------------------------------------------------


async def test_run_and_submit_over_rpc_reach_the_model_and_the_record(coding: Coding) -> None:
    c = coding
    problem = await c.enter_coding()

    started = time.monotonic()
    failing = await c.call(METHOD_RUN, {"code": problem.starter.python, "language": "python"})
    assert failing["which"] == "visible" and failing["run_status"] == "ok"
    assert failing["passed"] < failing["total"] == len(problem.visible_tests)
    assert failing["all_passed"] is False
    first_fail = next(t for t in failing["tests"] if not t["passed"])
    assert first_fail["expected"] == problem.visible_tests[first_fail["index"]].expected

    passing = await c.call(METHOD_RUN, {"code": problem.reference.python, "language": "python"})
    assert passing["all_passed"] is True

    submitted = await c.call(
        METHOD_SUBMIT, {"code": problem.reference.javascript, "language": "javascript"}
    )
    assert submitted["which"] == "hidden" and submitted["all_passed"] is True
    assert submitted["total"] == len(problem.hidden_tests)
    for test in submitted["tests"]:  # pass/fail only: nothing reveals a hidden test
        assert test["hidden"] and test["args"] is None and test["expected"] is None
        assert test["got"] is None
    assert time.monotonic() - started < 20

    # the model got one private note per run, with the verdict, the change and the code
    await c.workspace.flush_notes()
    notes = c.notes()
    assert len(notes) == 3
    assert f"Run (visible tests) of '{problem.title}' in python: {failing['passed']}/" in notes[0]
    assert "First failing visible test" in notes[0]
    assert '<candidate_code language="python">' in notes[0]
    assert "Since their previous run: +" in notes[1]
    assert f"Submit (hidden tests) of '{problem.title}' in javascript: " in notes[2]
    assert f"{len(problem.hidden_tests)}/{len(problem.hidden_tests)} passed" in notes[2]
    # ... and sees them on its next turn (a note is never spoken by itself)
    await c.say("Does that look right to you?", Turn(text="Let's talk complexity."))
    assert any("Submit (hidden tests)" in i for i in c.llm.requests[-1].instructions)

    runs = await c.events(EventKind.CODE_RUN)
    assert [(e.data["which"], e.data["language"], e.data["all_passed"]) for e in runs] == [
        ("visible", "python", False),
        ("visible", "python", True),
        ("hidden", "javascript", True),
    ]
    assert runs[0].data["code"] == problem.starter.python
    assert runs[2].data["passed"] == len(problem.hidden_tests)
    assert all(e.data["problem_id"] == problem.id and e.phase == "coding" for e in runs)
    assert "expected" not in json.dumps(runs[2].data["tests"])


async def test_a_compile_error_is_a_result_not_a_failure(coding: Coding) -> None:
    c = coding
    await c.enter_coding()
    result = await c.call(METHOD_RUN, {"code": "int main( {", "language": "cpp"})
    assert result["run_status"] == "compile_error" and result["passed"] == 0
    await c.workspace.flush_notes()
    assert "status compile_error" in c.notes()[-1]


async def test_snapshots_are_recorded_and_significant_edits_become_notes(coding: Coding) -> None:
    c = coding
    problem = await c.enter_coding()
    start = problem.starter.python
    assert (await c.call(METHOD_SNAPSHOT, {"code": start, "language": "python", "seq": 1})) == {
        "ok": True
    }
    body = "\n".join(f"    step_{i} = {i}  # working" for i in range(8))
    await c.call(METHOD_SNAPSHOT, {"code": start + "\n" + body, "language": "python", "seq": 2})
    await c.call(METHOD_SNAPSHOT, {"code": start + "\n" + body + "\n# x", "language": "python"})
    await c.workspace.flush_notes()
    notes = c.notes()
    assert len(notes) == 1  # the 8-line edit; not the starter, not the 1-line edit
    assert "New or changed lines" in notes[0] and "step_7 = 7" in notes[0]
    assert re.search(r"\+\d+/-0 lines since the last note", notes[0])

    # within the note interval a big edit is recorded but not noted; later an edit is
    more = body.replace("working", "refined")
    await c.call(METHOD_SNAPSHOT, {"code": start + "\n" + more, "language": "python"})
    await c.workspace.flush_notes()
    assert len(c.notes()) == 1
    await c.h.advance(31)
    await c.call(METHOD_SNAPSHOT, {"code": "x = 1\n", "language": "javascript"})
    await c.workspace.flush_notes()
    assert len(c.notes()) == 2 and "in javascript" in c.notes()[1]  # a language switch

    snaps = await c.events(EventKind.CODE_SNAPSHOT)
    assert [e.data["seq"] for e in snaps[:3]] == [1, 2, None]
    assert snaps[1].data["code"] == start + "\n" + body
    assert snaps[1].data["changed_lines"] >= 8
    assert len(snaps) == 5


# --- bad payloads and floods --------------------------------------------------------------------


async def test_bad_payloads_get_clear_errors_and_nothing_is_recorded(coding: Coding) -> None:
    c = coding
    e = await c.refused(METHOD_RUN, {"code": "print(1)", "language": "python"})
    assert e.code == CodingErrorCode.NO_PROBLEM and "no problem" in e.message
    await c.enter_coding()

    e = await c.refused(METHOD_RUN, "print(1)")
    assert e.code == CodingErrorCode.INVALID_PAYLOAD and "JSON object" in e.message
    e = await c.refused(METHOD_RUN, {"code": "print(1)"})
    assert e.code == CodingErrorCode.INVALID_PAYLOAD and "language" in e.message
    e = await c.refused(METHOD_RUN, {"code": 42, "language": "python"})
    assert e.code == CodingErrorCode.INVALID_PAYLOAD and "code" in e.message
    e = await c.refused(METHOD_RUN, {"code": "x", "language": "python", "admin": True})
    assert e.code == CodingErrorCode.INVALID_PAYLOAD and "admin" in e.message

    limit = c.workspace.options.max_code_bytes
    e = await c.refused(METHOD_SUBMIT, {"code": "#" * (limit + 1), "language": "python"})
    assert e.code == CodingErrorCode.TOO_LARGE and str(limit) in e.message
    e = await c.refused(METHOD_SNAPSHOT, {"code": "#" * (limit * 10), "language": "python"})
    assert e.code == CodingErrorCode.TOO_LARGE  # refused before parsing

    e = await c.refused(METHOD_RUN, {"code": "IDENTIFICATION DIVISION.", "language": "cobol"})
    assert e.code == CodingErrorCode.UNKNOWN_LANGUAGE
    assert "python, javascript, cpp" in e.message

    e = await c.refused(METHOD_RUN, {"code": "x", "language": "python"}, caller="someone-else")
    assert e.code == CodingErrorCode.FORBIDDEN

    assert await c.events(EventKind.CODE_RUN) == []
    assert await c.events(EventKind.CODE_SNAPSHOT) == []
    assert c.notes() == []


async def test_a_flood_of_runs_gets_errors_at_once_and_never_queues(coding: Coding) -> None:
    c = coding
    problem = await c.enter_coding()
    run = {"code": problem.reference.python, "language": "python"}

    async def timed_call() -> tuple[float, Any]:
        started = time.monotonic()
        try:
            return time.monotonic() - started, await c.call(METHOD_RUN, run)
        except rtc.RpcError as e:
            return time.monotonic() - started, e

    outcomes = await asyncio.gather(*(timed_call() for _ in range(6)))
    results = [o for _, o in outcomes if not isinstance(o, rtc.RpcError)]
    busy = [(t, o) for t, o in outcomes if isinstance(o, rtc.RpcError)]
    assert len(results) == 1 and results[0]["all_passed"]
    assert len(busy) == 5
    assert all(e.code == CodingErrorCode.BUSY and "in progress" in e.message for _, e in busy)
    assert all(t < 0.5 for t, _ in busy)  # refused at once, not after the running one

    # a per-minute budget (4 here): the 5th run in a minute is refused with a retry time
    for _ in range(3):
        await c.call(METHOD_RUN, run)
    e = await c.refused(METHOD_RUN, run)
    assert e.code == CodingErrorCode.RATE_LIMITED and "try again in 60 s" in e.message
    await c.h.advance(61)
    assert (await c.call(METHOD_RUN, run))["all_passed"]

    # snapshots have their own budget (6 a minute here)
    for i in range(6):
        await c.call(METHOD_SNAPSHOT, {"code": f"# v{i}", "language": "python"})
    e = await c.refused(METHOD_SNAPSHOT, {"code": "# v7", "language": "python"})
    assert e.code == CodingErrorCode.RATE_LIMITED and "snapshots" in e.message

    assert len(await c.events(EventKind.CODE_RUN)) == 5  # exactly the accepted ones


async def test_a_host_that_cannot_sandbox_refuses_and_records_it(
    coding: Coding, work_root: Path
) -> None:
    c = coding
    problem = await c.enter_coding()
    broken = make_sandbox(work_root, bwrap_path=work_root / "no-bwrap")
    workspace = CodingWorkspace(c.h.ictx, options=c.workspace.options, sandbox=broken)
    workspace.present()
    rpc = CodingRpc(workspace, candidate_identity=CANDIDATE)
    data = rtc.RpcInvocationData(
        request_id="r",
        caller_identity=CANDIDATE,
        payload=json.dumps({"code": problem.reference.python, "language": "python"}),
        response_timeout=30.0,
    )
    with pytest.raises(rtc.RpcError) as info:
        await rpc.handlers()[METHOD_RUN](data)
    assert info.value.code == CodingErrorCode.UNAVAILABLE
    assert "talk your interviewer through" in info.value.message
    (event,) = await c.events(EventKind.CODE_RUN)
    assert event.data["status"] == "unavailable" and event.data["code"] == problem.reference.python


def test_responses_fit_livekits_rpc_payload_limit() -> None:
    problem = default_bank().problems[0]
    noisy = JudgeResult.model_validate(
        {
            "problem_id": problem.id,
            "language": "python",
            "which": "visible",
            "run_status": "ok",
            "passed": 0,
            "total": 40,
            "tests": [
                {
                    "index": i,
                    "hidden": False,
                    "passed": False,
                    "args": [list(range(300))],
                    "expected": "e" * 500,
                    "got": "g" * 500,
                }
                for i in range(40)
            ],
            "stdout": "o" * 4000,
            "stderr": "r" * 4000,
            "exit_code": 0,
            "time_ms": 5,
        }
    )
    text = fit_response(noisy)
    assert len(text.encode()) <= MAX_RESPONSE_BYTES
    body = json.loads(text)
    assert body["passed"] == 0 and body["total"] == 40 and len(body["tests"]) == 40
    assert body["truncated"] is True


# --- patient turn-taking while coding (the real Gemini plugin against the Live emulator) --------


@pytest.fixture(scope="module")
def think_aloud(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three think-aloud fragments separated by 2-second pauses, as one 16 kHz WAV."""
    d = tmp_path_factory.mktemp("think-aloud")
    fragments = ["So I loop over the array.", "Then a hash map.", "And check the complement."]
    pause = np.zeros(2 * MIC_RATE, dtype=np.int16)
    parts: list[np.ndarray] = []
    for i, text in enumerate(fragments):
        wav = espeak_wav(text, d / f"fragment{i}.wav")
        with wave.open(str(wav), "rb") as w:
            parts.append(np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16))
        if i < len(fragments) - 1:
            parts.append(pause)
    out = d / "think_aloud.wav"
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(MIC_RATE)
        w.writeframes(np.concatenate(parts).tobytes())
    return out


def _setup_silence_ms(setup: dict[str, Any]) -> int:
    ric = setup.get("realtimeInputConfig") or setup.get("realtime_input_config") or {}
    aad = ric.get("automaticActivityDetection") or ric.get("automatic_activity_detection") or {}
    return int(aad.get("silenceDurationMs") or aad.get("silence_duration_ms") or 0)


async def _wait_for(cond: Callable[[], bool], within: float = 8.0) -> None:
    async with asyncio.timeout(within):
        while not cond():  # noqa: ASYNC110  (state owned by the session and the emulator)
            await asyncio.sleep(0.05)


@pytest.mark.timeout(40)
async def test_think_aloud_pauses_are_answered_in_conversation_but_not_while_coding(
    sqlite_store: InterviewStore,
    tmp_path: Path,
    tls: LocalTLS,
    emulator: FakeGeminiLive,
    silero: vad.VAD,
    think_aloud: Path,
) -> None:
    settings = agent_settings(
        tmp_path, gemini_base_url=emulator.base_url, gemini_ca_file=tls.ca_file
    )
    mic = WavMicrophone(speed=2.0)  # audio time runs twice as fast; pauses are still 2 s of it
    async with interview_harness(
        sqlite_store,
        settings=settings,
        llm_model=build_realtime_model(settings),
        vad_model=silero,
        audio_input=mic,
        audio_output=CapturingSpeaker(),
        plan=sample_plan(InterviewType.CODING),
        options=quick_options(reply_stall_timeout_s=60),
    ) as h:
        st = emulator.state
        try:
            await _wait_for(lambda: st.connections == 1 and h.session.agent_state == "listening")
            assert _setup_silence_ms(st.setups[0]) == settings.gemini_silence_ms == 800

            # conversation: every 2-second pause ends a turn and gets an answer
            before = st.user_turns
            mic.say(think_aloud)
            await asyncio.wait_for(mic.played.wait(), 15)
            await _wait_for(lambda: st.user_turns - before == 3)
            await _wait_for(lambda: h.session.agent_state == "listening")

            # coding: once the interviewer has spoken, the connection resumes with 3 s
            h.ictx.phases.transition("coding", reason="test")
            h.session.generate_reply(instructions="Present the problem.")
            await _wait_for(lambda: len(st.setups) == 2)
            assert _setup_silence_ms(st.setups[-1]) == settings.gemini_coding_silence_ms == 3000
            assert st.resumed_with  # the same conversation, continued with its handle
            await _wait_for(lambda: h.session.agent_state == "listening")
            turns, replies = st.user_turns, st.replies_sent
            mic.say(think_aloud)
            await asyncio.wait_for(mic.played.wait(), 15)
            await _wait_for(lambda: st.user_turns > turns)  # after the long final silence
            await asyncio.sleep(0.5)
            assert st.user_turns - turns == 1  # the pauses were not turns
            await _wait_for(lambda: st.replies_sent == replies + 1)

            # a private note reaches Gemini as a model turn that asks for no reply
            before_note = st.replies_sent
            await chat_context_sink(h.session)("Run (visible tests) of 'Two Sum': 1/3 passed.")
            await _wait_for(lambda: any(NOTE_PREFIX in json.dumps(x) for x in st.client_contents))
            sent = next(x for x in st.client_contents if NOTE_PREFIX in json.dumps(x))
            assert not (sent.get("turnComplete") or sent.get("turn_complete"))
            assert [t["role"] for t in sent["turns"]] == ["model"]
            await asyncio.sleep(0.5)
            assert st.replies_sent == before_note  # never spoken by itself

            # leaving coding restores the conversation's silence
            h.ictx.phases.transition("candidate_questions", reason="test")
            h.session.generate_reply(instructions="Invite questions.")
            await _wait_for(lambda: len(st.setups) == 3)
            assert _setup_silence_ms(st.setups[-1]) == 800
        finally:
            mic.close()
        rec = await h.record()
    notes = [e.data for e in rec.events_of(EventKind.NOTE) if e.data.get("note") == "turn_taking"]
    assert notes == [
        {"note": "turn_taking", "silence_ms": 3000, "reconnected": True},
        {"note": "turn_taking", "silence_ms": 800, "reconnected": True},
    ]
    assert st.errors == []


# --- the same RPC through a real LiveKit server -------------------------------------------------


def _token(node: LiveKitNode, identity: str, room: str) -> str:
    grants = api.VideoGrants(room_join=True, room=room)
    return (
        api.AccessToken(node.options.api_key, node.options.api_secret)
        .with_identity(identity)
        .with_grants(grants)
        .to_jwt()
    )


@pytest.mark.timeout(60)
async def test_run_and_errors_over_a_real_livekit_room(
    coding: Coding, tmp_path: Path, livekit_server_binary: Path
) -> None:
    c = coding
    problem = await c.enter_coding()
    node = LiveKitNode(workdir=tmp_path / "livekit", binary=livekit_server_binary)
    await asyncio.to_thread(node.start)
    agent_room, candidate_room = rtc.Room(), rtc.Room()
    try:
        await agent_room.connect(node.url, _token(node, "agent-interviewer", "coding-rpc"))
        c.rpc.register(agent_room.local_participant)
        await candidate_room.connect(node.url, _token(node, CANDIDATE, "coding-rpc"))
        me = candidate_room.local_participant

        async def perform(method: str, payload: dict[str, Any]) -> Any:
            answer = await me.perform_rpc(
                destination_identity="agent-interviewer",
                method=method,
                payload=json.dumps(payload),
                response_timeout=30,
            )
            return json.loads(answer)

        view = await perform(METHOD_PROBLEM, {})
        assert view["problem"]["id"] == problem.id
        result = await perform(
            METHOD_SUBMIT, {"code": problem.reference.python, "language": "python"}
        )
        assert result["all_passed"] and result["total"] == len(problem.hidden_tests)
        with pytest.raises(rtc.RpcError) as info:
            await perform(METHOD_RUN, {"code": "x", "language": "cobol"})
        assert info.value.code == CodingErrorCode.UNKNOWN_LANGUAGE
        assert "use one of python, javascript, cpp" in info.value.message
        # code near the limit crosses the room (LiveKit's RPC carries more than 15 KiB here);
        # over it, the agent refuses with its own error
        limit = c.workspace.options.max_code_bytes
        padding = "#" + "x" * (limit - 2000) + "\n"
        near = padding + problem.reference.python
        assert len(near.encode()) <= limit
        assert (await perform(METHOD_RUN, {"code": near, "language": "python"}))["all_passed"]
        with pytest.raises(rtc.RpcError) as info:
            await perform(METHOD_RUN, {"code": near + "#" * 2000, "language": "python"})
        assert info.value.code == CodingErrorCode.TOO_LARGE
    finally:
        await candidate_room.disconnect()
        await agent_room.disconnect()
        await asyncio.to_thread(node.stop)
    runs = await c.events(EventKind.CODE_RUN)
    assert [(e.data["which"], e.data["all_passed"]) for e in runs] == [
        ("hidden", True),
        ("visible", True),
    ]
    assert runs[1].data["code"] == near
