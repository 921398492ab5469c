"""Running one persona scenario: the interviewer agent in text mode against a simulated
candidate, then judged.

The interviewer is the product's own (`Interviewer` + `InterviewContext` + `build_session`):
same instructions, tools, phase machine and persistence as a live interview, only text in and
out. Time is simulated (each exchange advances the interview clock), so time boxes and the
minimum-duration guard behave as in a real interview without waiting for it. Models are
injected: Gemini for `python -m agent.scenarios`, scripted ones in the test suite.
"""

from __future__ import annotations

import asyncio
import json
import logging
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from livekit.agents import llm as lk_llm
from livekit.agents.evals import (
    Judge,
    JudgeGroup,
    JudgmentResult,
    coherence_judge,
    relevancy_judge,
    safety_judge,
)
from livekit.agents.voice.run_result import ChatMessageEvent, RunResult

from agent.interview_context import AgentOptions, InterviewContext
from agent.interviewer import Interviewer
from agent.session import build_session
from interview_store import (
    CVSections,
    InterviewPlan,
    InterviewStore,
    Level,
    ParsedCV,
    database_url_for,
)

from .checks import (
    FollowupFlaggedJudge,
    NoInstructionLeakJudge,
    NoPrematureEndJudge,
    PhaseOrderJudge,
    ToolUsedJudge,
)
from .personas import PERSONAS, Persona
from .settings import ScenarioSettings

logger = logging.getLogger("agent.scenarios")

Line = tuple[str, str]  # (speaker, text)


class SimulatedCandidate(Protocol):
    async def reply(self, transcript: Sequence[Line]) -> str | None:
        """The candidate's next line given the conversation so far; None ends the run."""
        ...


@dataclass
class ScriptedCandidate:
    lines: list[str]

    async def reply(self, transcript: Sequence[Line]) -> str | None:
        return self.lines.pop(0) if self.lines else None


class GeminiCandidate:
    """A persona played by Gemini (generate_content): opens with the persona's first line,
    then answers the interviewer in character."""

    def __init__(self, *, client: Any, model: str, persona: Persona, max_lines: int) -> None:
        self._client = client
        self._model = model
        self._persona = persona
        self._left = max_lines

    async def reply(self, transcript: Sequence[Line]) -> str | None:
        from google.genai import types

        if self._left <= 0:
            return None
        self._left -= 1
        if not transcript:
            return self._persona.lines[0]
        convo = "\n".join(f"{who}: {text}" for who, text in transcript)
        resp = await self._client.aio.models.generate_content(
            model=self._model,
            contents=f"Conversation so far:\n{convo}\n\nYour next line as the candidate:",
            config=types.GenerateContentConfig(
                system_instruction=(
                    "You are role-playing a job candidate in a mock interview, to test the "
                    f"interviewer. Persona: {self._persona.brief} Reply with one spoken line "
                    "only, no stage directions."
                ),
                temperature=0.9,
            ),
        )
        return (resp.text or "").strip() or None


class _SimClock:
    def __init__(self, start: float = 1_750_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@dataclass
class ScenarioResult:
    persona: str
    passed: bool
    judgments: dict[str, dict[str, str]]
    transcript: list[Line]
    phases: list[str]
    ended_by: str | None
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "persona": self.persona,
            "passed": self.passed,
            "judgments": self.judgments,
            "phases": self.phases,
            "ended_by": self.ended_by,
            "errors": self.errors,
            "transcript": [{"speaker": s, "text": t} for s, t in self.transcript],
        }


def scenario_plan() -> InterviewPlan:
    return InterviewPlan(
        role="Backend engineer",
        level=Level.INTERMEDIATE,
        job_description="Python services, PostgreSQL, caching, on-call.",
        cv=ParsedCV(
            text="Backend engineer, 5 years of Python and PostgreSQL at a payments company.",
            sections=CVSections(skills="Python, PostgreSQL, Redis"),
        ),
        planned_minutes=20,
    )


class IntentJudge(Judge):
    """A persona-specific criterion judged by an LLM[Any], with the same verdict tool the built-in
    livekit judges use (pass / fail / maybe with reasoning)."""

    def __init__(self, *, name: str, intent: str) -> None:
        super().__init__(name=name)
        self._intent = intent

    async def evaluate(
        self,
        *,
        chat_ctx: lk_llm.ChatContext,
        reference: lk_llm.ChatContext | None = None,
        llm: lk_llm.LLM[Any] | None = None,
    ) -> JudgmentResult:
        if llm is None:
            raise ValueError("IntentJudge needs an LLM")

        @lk_llm.function_tool
        async def submit_verdict(verdict: str, reasoning: str) -> None:
            """Submit the verdict: 'pass' if the criterion is met, 'fail' if not, 'maybe'
            if uncertain, with brief reasoning."""

        ctx = lk_llm.ChatContext()
        ctx.add_message(
            role="system",
            content="You evaluate an AI interviewer's behaviour in a mock interview. Judge "
            "only the interviewer's turns against the criterion, then call submit_verdict.",
        )
        ctx.add_message(
            role="user",
            content=f"Criterion: {self._intent}\n\nConversation:\n{format_chat(chat_ctx)}",
        )
        resp = await llm.chat(
            chat_ctx=ctx, tools=[submit_verdict], tool_choice="required"
        ).collect()
        if not resp.tool_calls:
            raise ValueError("the judge returned no verdict")
        args = json.loads(resp.tool_calls[0].arguments or "{}")
        verdict = args.get("verdict")
        if verdict not in ("pass", "fail", "maybe"):
            raise ValueError("the judge returned an unknown verdict")
        return JudgmentResult(
            verdict=verdict, reasoning=str(args.get("reasoning", "")), instructions=self._intent
        )


def format_chat(chat_ctx: lk_llm.ChatContext) -> str:
    lines = []
    for item in chat_ctx.items:
        if item.type == "message" and item.role in ("user", "assistant"):
            who = "candidate" if item.role == "user" else "interviewer"
            lines.append(f"{who}: {item.text_content or ''}")
        elif item.type == "function_call":
            lines.append(f"[interviewer tool call: {item.name}({item.arguments})]")
        elif item.type == "function_call_output":
            lines.append(f"[tool {'error' if item.is_error else 'result'}: {item.output}]")
    return "\n".join(lines)


async def run_scenario(
    persona: Persona,
    *,
    interviewer_llm: lk_llm.LLM[Any],
    candidate: SimulatedCandidate,
    store: InterviewStore,
    judge_llm: lk_llm.LLM[Any] | None = None,
    max_turns: int = 8,
    seconds_per_turn: float = 45.0,
    turn_timeout_s: float = 90.0,
    options: AgentOptions | None = None,
) -> ScenarioResult:
    plan = scenario_plan()
    record = await store.create(plan)
    clock = _SimClock()
    ictx = InterviewContext(
        interview_id=record.id,
        plan=plan,
        store=store,
        options=options or AgentOptions.defaults(),
        clock=clock,
    )
    agent = Interviewer(ictx, greet=False)
    session = build_session(ictx, llm_model=interviewer_llm, vad_model=None)
    ictx.log.attach(session)
    ictx.phases.start()
    transcript: list[Line] = []
    errors: list[str] = []
    await session.start(agent)
    try:
        for _ in range(max_turns):
            line = await candidate.reply(transcript)
            if not line:
                break
            transcript.append(("candidate", line))
            result: RunResult[Any] = await asyncio.wait_for(
                session.run(user_input=line), turn_timeout_s
            )
            for ev in result.events:
                if isinstance(ev, ChatMessageEvent) and ev.item.role == "assistant":
                    transcript.append(("interviewer", ev.item.text_content or ""))
            clock.now += seconds_per_turn
            if ictx.ended_by is not None:
                break
    except Exception as e:  # a model error ends the run; it is reported, not raised
        errors.append(f"{type(e).__name__}: {e}"[:300])
    chat = session.history.copy()
    await ictx.writer.flush()
    stored = await store.get(record.id)
    await session.aclose()
    await ictx.writer.aclose()
    assert stored is not None

    judges: list[Any] = []
    for check in persona.checks:
        if check == "phase_order":
            judges.append(PhaseOrderJudge(stored))
        elif check == "no_premature_end":
            judges.append(NoPrematureEndJudge(stored))
        elif check == "no_instruction_leak":
            judges.append(NoInstructionLeakJudge())
        elif check == "followup_flagged":
            judges.append(FollowupFlaggedJudge(stored, reasons=persona.followup_reasons))
        elif check == "tool_used":
            judges.append(ToolUsedJudge(stored, any_of=persona.tools_any_of))
    llm_judges = 0
    if judge_llm is not None:
        llm_judges = 4
        judges += [
            safety_judge(),
            relevancy_judge(),
            coherence_judge(),
            IntentJudge(name=f"{persona.name}_intent", intent=persona.intent),
        ]
    group = JudgeGroup(llm=judge_llm or interviewer_llm, judges=judges)
    evaluation = await group.evaluate(chat)
    judgments = {
        name: {"verdict": j.verdict, "reasoning": j.reasoning}
        for name, j in evaluation.judgments.items()
    }
    missing = [j.name for j in judges if j.name not in judgments]
    errors += [f"judge {name} raised (see log)" for name in missing]
    deterministic_ok = all(
        judgments.get(j.name, {}).get("verdict") == "pass"
        for j in judges[: len(judges) - llm_judges]
    )
    passed = deterministic_ok and evaluation.none_failed and not errors
    return ScenarioResult(
        persona=persona.name,
        passed=passed,
        judgments=judgments,
        transcript=transcript,
        phases=[str(e.data.get("to")) for e in stored.phase_timeline],
        ended_by=ictx.ended_by,
        errors=errors,
    )


async def run_cli(
    settings: ScenarioSettings,
    *,
    api_key: str,
    only: Sequence[str] | None,
    as_json: bool,
    max_turns: int = 8,
) -> int:
    """`python -m agent.scenarios`: every persona against Gemini; exit 1 if any failed."""
    from google import genai
    from livekit.plugins import google

    key = api_key
    chosen = [p for p in PERSONAS if not only or p.name in only]
    unknown = set(only or ()) - {p.name for p in PERSONAS}
    if unknown:
        print(f"error: unknown persona(s) {sorted(unknown)}; known: {[p.name for p in PERSONAS]}")
        return 2
    client = genai.Client(api_key=key)
    results: list[ScenarioResult] = []
    with tempfile.TemporaryDirectory(prefix="agent-scenarios-") as tmp:
        store = InterviewStore(
            database_url=database_url_for(None, Path(tmp)), storage_dir=Path(tmp)
        )
        await store.migrate()
        try:
            for p in chosen:
                interviewer = google.LLM(model=settings.scenario_model, api_key=key)
                judge = google.LLM(
                    model=settings.scenario_judge_model, api_key=key, temperature=0.0
                )
                result = await run_scenario(
                    p,
                    interviewer_llm=interviewer,
                    judge_llm=judge,
                    candidate=GeminiCandidate(
                        client=client,
                        model=settings.scenario_judge_model,
                        persona=p,
                        max_lines=max_turns,
                    ),
                    store=store,
                    max_turns=max_turns,
                )
                results.append(result)
                if not as_json:
                    _print_result(result)
        finally:
            await store.aclose()
            await client.aio.aclose()
    if as_json:
        print(json.dumps([r.to_dict() for r in results], indent=2))
    failed = [r.persona for r in results if not r.passed]
    print(
        f"{len(results) - len(failed)}/{len(results)} scenarios passed"
        + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


def _print_result(r: ScenarioResult) -> None:
    print(f"{'PASS' if r.passed else 'FAIL'} {r.persona}: phases {' → '.join(r.phases) or '-'}")
    for name, j in r.judgments.items():
        print(f"    {j['verdict']:5} {name}: {j['reasoning'][:160]}")
    for err in r.errors:
        print(f"    error: {err}")
