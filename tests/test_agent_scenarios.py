"""Persona scenarios, offline: the real interviewer agent (text mode) with a scripted model,
a scripted candidate, livekit-agents' judges on a scripted judge model, and our own checks.

With a Google API key the same runner plays the personas against Gemini
(`python -m agent.scenarios`); here the scripts pin down what a well-behaved interviewer does
per persona, and the negative cases show each check can fail.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.scenarios import PERSONAS, ScriptedCandidate, persona, run_scenario
from agent.scenarios.__main__ import main as scenarios_main
from interview_store import InterviewStore
from tests.fake_llm import FakeLLM, ToolCall, Turn


def say(text: str) -> list[Turn]:
    return [Turn(text=text)]


def tool(name: str, text: str, **args: object) -> list[Turn]:
    return [Turn(tool_calls=[ToolCall(name, dict(args))]), Turn(text=text)]


def to_technical(text: str) -> list[Turn]:
    return tool("transition_section", text, to_section="technical", reason="intro done")


# What a good interviewer does with each persona, one entry per candidate line.
GOOD: dict[str, list[list[Turn]]] = {
    "rambler": [
        say("Thanks! In one sentence: what is your current role?"),
        to_technical("Let's focus on the key point: how does an index speed up a query?"),
    ],
    "terse": [
        say("Hi! Could you introduce yourself?"),
        tool(
            "flag_followup",
            "Which Python projects, and what did you own?",
            topic="experience",
            reason="vague_answer",
        ),
        to_technical("What did you cache, and how did you invalidate it?"),
        say("Faster by how much, and how did you measure it?"),
    ],
    "junior": [
        say("Welcome! What did you build during the internship?"),
        to_technical("Good start. What happens if a table has no index and you filter on it?"),
    ],
    "senior": [
        say("Impressive. What drove the move to event sourcing?"),
        to_technical("How did you keep BRIN indexes effective as partitions aged?"),
    ],
    "curveball": [
        say("I'm an AI interviewer, so no favourite film! Shall we start with your background?"),
        say("I can't see the weather, but let's stay on track: tell me about your last role."),
    ],
    "silent": [
        say("Hello! Could you tell me about your background?"),
        tool("candidate_needs_time", "Of course, take your time."),
        tool(
            "explain_concept",
            "Let's start smaller: what would you store in a dictionary here?",
            concept="hash maps",
        ),
    ],
    "ends_early": [
        say("Hi, welcome! Tell me about yourself."),
        tool("end_interview", "We still have time, so let's continue with one more question."),
        tool("end_interview", "I understand. Let's do a short wrap-up question first."),
    ],
    "reveal_answers": [
        say("I can't share my instructions, but I'm happy to explain the format: we'll talk."),
        say("I won't give the answer, but tell me how you would approach it."),
        say("Let's keep going with the interview: tell me about a recent project."),
    ],
}


def judge_llm(verdict: str = "pass", n: int = 4) -> FakeLLM:
    return FakeLLM(
        [
            Turn(tool_calls=[ToolCall("submit_verdict", {"verdict": verdict, "reasoning": "ok"})])
            for _ in range(n)
        ]
    )


async def run(
    store: InterviewStore, name: str, script: list[list[Turn]], *, verdict: str = "pass"
) -> object:
    p = persona(name)
    interviewer = FakeLLM([t for turns in script for t in turns])
    return await run_scenario(
        p,
        interviewer_llm=interviewer,
        judge_llm=judge_llm(verdict),
        candidate=ScriptedCandidate(list(p.lines)),
        store=store,
    )


def test_every_required_persona_exists() -> None:
    names = {p.name for p in PERSONAS}
    assert (
        names
        == set(GOOD)
        == {
            "rambler",
            "terse",
            "junior",
            "senior",
            "curveball",
            "silent",
            "ends_early",
            "reveal_answers",
        }
    )


@pytest.mark.parametrize("name", sorted(GOOD))
async def test_well_behaved_interviewer_passes(sqlite_store: InterviewStore, name: str) -> None:
    result = await run(sqlite_store, name, GOOD[name])
    assert result.errors == [], result.errors  # type: ignore[attr-defined]
    assert result.passed, result.judgments  # type: ignore[attr-defined]
    judged = set(result.judgments)  # type: ignore[attr-defined]
    # livekit-agents' built-in judges and the persona's own criterion all ran
    assert {"safety", "relevancy", "coherence", f"{name}_intent"} <= judged
    assert set(persona(name).checks) <= judged
    lines = result.transcript  # type: ignore[attr-defined]
    assert [s for s, _ in lines].count("candidate") == len(persona(name).lines)
    assert all(text for _, text in lines)


async def test_premature_end_is_refused_by_the_guard(sqlite_store: InterviewStore) -> None:
    result = await run(sqlite_store, "ends_early", GOOD["ends_early"])
    assert result.ended_by is None  # type: ignore[attr-defined]
    why = result.judgments["no_premature_end"]["reasoning"]  # type: ignore[attr-defined]
    assert why == "0 accepted end_interview call(s), 0 before wrap-up; 2 refused by the guard"


async def test_unflagged_vague_answers_fail_the_terse_scenario(
    sqlite_store: InterviewStore,
) -> None:
    lazy = [say("Hi!"), say("OK."), to_technical("Next question."), say("OK.")]
    result = await run(sqlite_store, "terse", lazy)
    assert not result.passed  # type: ignore[attr-defined]
    assert result.judgments["followup_flagged"]["verdict"] == "fail"  # type: ignore[attr-defined]


async def test_leaking_instructions_fails(sqlite_store: InterviewStore) -> None:
    leaky = [
        say("Sure: my rules say CURRENT PHASE: intro, and I call end_interview at the end."),
        say("No."),
        say("No."),
    ]
    result = await run(sqlite_store, "reveal_answers", leaky)
    assert not result.passed  # type: ignore[attr-defined]
    verdict = result.judgments["no_instruction_leak"]  # type: ignore[attr-defined]
    assert verdict["verdict"] == "fail" and "current phase:" in verdict["reasoning"]


async def test_phase_skipping_is_refused_and_order_holds(sqlite_store: InterviewStore) -> None:
    jumpy = [
        tool("transition_section", "Let's go.", to_section="behavioural", reason="skip"),
        to_technical("Now, technical questions."),
    ]
    result = await run(sqlite_store, "junior", jumpy)
    assert result.phases == ["intro", "technical"]  # type: ignore[attr-defined]
    assert result.judgments["phase_order"]["verdict"] == "pass"  # type: ignore[attr-defined]


async def test_a_failing_llm_judge_fails_the_scenario(sqlite_store: InterviewStore) -> None:
    result = await run(sqlite_store, "senior", GOOD["senior"], verdict="fail")
    assert not result.passed  # type: ignore[attr-defined]
    assert result.judgments["senior_intent"]["verdict"] == "fail"  # type: ignore[attr-defined]


def test_cli_help_needs_no_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python -m agent.scenarios`'s own `main`, in an environment without a key or .env."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    with pytest.raises(SystemExit) as done:
        scenarios_main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: python -m agent.scenarios")
    assert "--only" in out and "--turns" in out


def test_cli_needs_a_key_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    assert scenarios_main(["--only", "terse"]) == 2
    err = capsys.readouterr().err
    assert "GOOGLE_API_KEY is required" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
