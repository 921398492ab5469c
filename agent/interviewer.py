"""The interviewer: ONE Agent with every tool registered from the start.

Gemini Live declares tools at connection setup (`mutable_tools=False`): a different tool set,
or a handoff to another Agent, reconnects the Live session. So phases are not agents; the same
agent changes its instructions (`update_instructions`, sent mid-session without reconnecting)
and the `PhaseMachine` decides what is allowed. Tools refuse with `ToolError`, whose text the
model reads and corrects itself from.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterable
from typing import Literal

from livekit.agents import Agent, ModelSettings, RunContext, ToolError, function_tool
from livekit.agents.voice.events import AgentStateChangedEvent
from livekit.agents.voice.io import TimedString

from interview_store import EventKind

from .coding import CodingError, CodingWorkspace
from .hygiene import scrub_stream
from .instructions import build_instructions
from .interview_context import Followup, InterviewContext
from .phases import Phase, PhaseError
from .plan_progress import PlanError

logger = logging.getLogger("agent.interviewer")

FollowupReason = Literal[
    "vague_answer", "interesting_depth", "potential_red_flag", "claimed_expertise"
]

GOODBYE_START_TIMEOUT_S = 10.0
GOODBYE_MAX_S = 30.0

OPENING = (
    "Start the interview now: greet the candidate, introduce yourself as their interviewer "
    "and ask them to introduce themselves briefly."
)


class Interviewer(Agent):
    def __init__(
        self,
        ictx: InterviewContext,
        *,
        greet: bool = True,
        coding: CodingWorkspace | None = None,
    ) -> None:
        super().__init__(instructions=build_instructions(ictx.plan, ictx.phases, ictx.progress))
        self._ictx = ictx
        self._greet = greet
        self._coding = coding
        self._closing: asyncio.Task[None] | None = None

    async def on_enter(self) -> None:
        if self._greet:
            self.session.generate_reply(instructions=OPENING)

    async def apply_phase(self) -> None:
        """Re-send the instructions for the machine's current phase (no reconnect)."""
        ictx = self._ictx
        await self.update_instructions(build_instructions(ictx.plan, ictx.phases, ictx.progress))

    def transcription_node(
        self, text: AsyncIterable[str | TimedString], model_settings: ModelSettings
    ) -> AsyncIterable[str]:
        # tools are silent: strip any narrated call from captions and the chat history
        return scrub_stream(text)

    # --- tools ------------------------------------------------------------------------------

    @function_tool
    async def transition_section(
        self, ctx: RunContext[InterviewContext], to_section: str, reason: str
    ) -> str:
        """Move the interview to its next phase. Phases go in order: intro, technical, coding,
        behavioural, candidate_questions, wrap_up (this interview may skip some). Call it when
        the current phase's goal is met or its time is up.

        Args:
            to_section: the phase to move to, e.g. "technical" or "wrap_up"
            reason: one short sentence on why now
        """
        ictx = ctx.userdata
        try:
            change = ictx.phases.transition(to_section, reason=reason)
        except PhaseError as e:
            raise ToolError(str(e)) from None
        await self.apply_phase()
        done = (
            f"Now in '{change.to_phase.value}'. Follow the CURRENT PHASE instructions; "
            "continue speaking naturally without mentioning this step."
        )
        if change.to_phase == Phase.CODING and self._coding is not None:
            try:
                problem = self._coding.present()
            except CodingError as e:
                return f"{done} No coding problem could be shown ({e}); give one verbally."
            return f"{done} {_problem_brief(problem.title, problem.difficulty.value)}"
        return done

    @function_tool
    async def flag_followup(
        self, ctx: RunContext[InterviewContext], topic: str, reason: FollowupReason
    ) -> str:
        """Note a topic for the written report: a vague answer, interesting depth, a potential
        red flag, or claimed expertise worth probing. Silent; the candidate is not told.

        Args:
            topic: the topic, in a few words
            reason: why it is flagged
        """
        ictx = ctx.userdata
        ictx.followups.append(
            Followup(topic=topic, reason=reason, phase=ictx.phases.current.value, at=ictx.now())
        )
        return "Noted. Continue the interview (probe it now if useful)."

    @function_tool
    async def explain_concept(self, ctx: RunContext[InterviewContext], concept: str) -> str:
        """Tutor mode, when the candidate is stuck on a concept: the explanation is counted in
        the report as a hint.

        Args:
            concept: the concept to explain, in a few words
        """
        ictx = ctx.userdata
        ictx.hints_given += 1
        ictx.log.event(EventKind.HINT, {"concept": concept, "count": ictx.hints_given})
        return (
            f"Explain '{concept}' in at most two simple sentences, ask one simpler follow-up "
            "question, then return to interviewing."
        )

    @function_tool
    async def change_problem(
        self,
        ctx: RunContext[InterviewContext],
        direction: Literal["easier", "harder"],
        reason: str,
    ) -> str:
        """Coding phase only: replace the coding problem on the candidate's screen with an
        easier one (they are stuck far beyond hints) or a harder one (they solved it quickly).

        Args:
            direction: "easier" or "harder"
            reason: one short sentence on why
        """
        workspace = self._workspace(ctx.userdata)
        try:
            problem = workspace.step(direction)
        except CodingError as e:
            raise ToolError(str(e)) from None
        return _problem_brief(problem.title, problem.difficulty.value)

    @function_tool
    async def give_hint(self, ctx: RunContext[InterviewContext]) -> str:
        """Coding phase only: the next hint for the problem on screen, gentlest first. Use it
        when the candidate is stuck or asks for a hint; it is counted in the report."""
        workspace = self._workspace(ctx.userdata)
        try:
            number, total, text = workspace.next_hint()
        except CodingError as e:
            raise ToolError(str(e)) from None
        return (
            f"Hint {number} of {total}; give it in your own words in one or two sentences, "
            f"without revealing the solution: {text}"
        )

    def _workspace(self, ictx: InterviewContext) -> CodingWorkspace:
        if self._coding is None:
            raise ToolError("there is no coding workspace in this interview")
        if ictx.phases.current != Phase.CODING:
            raise ToolError(
                f"only in the coding phase (now in '{ictx.phases.current.value}'); "
                "use transition_section to get there"
            )
        return self._coding

    @function_tool
    async def record_answer_outcome(
        self,
        ctx: RunContext[InterviewContext],
        question_id: str,
        outcome: Literal["covered", "partly", "not_covered"],
        reason: str,
    ) -> str:
        """After the candidate answered a planned question: how well the answer covered
        what the question looks for. Silent. Moves the difficulty of the next question up
        (covered) or down (not_covered) and names it.

        Args:
            question_id: the planned question's id, e.g. "T2"
            outcome: covered, partly or not_covered
            reason: a few words on why
        """
        ictx = ctx.userdata
        try:
            done = ictx.progress.record(question_id, outcome, phase=ictx.phases.current)
        except PlanError as e:
            raise ToolError(str(e)) from None
        ictx.log.event(EventKind.ANSWER_OUTCOME, done.event_data(reason[:300]))
        # no instruction update here: on Gemini each update appends a full copy of the
        # instructions to the context; this answer names the next question and its variant,
        # and the next phase change re-lists what is left
        nxt = done.next_question
        if nxt is None:
            return "Noted. No planned question left in this phase: follow up or move on."
        return (
            f"Noted. Next, in your own words: {nxt.id} at the {done.after.value} "
            f"difficulty: {nxt.text_at(done.after)}"
        )

    @function_tool
    async def candidate_needs_time(self, ctx: RunContext[InterviewContext]) -> str:
        """The candidate asked for time to think: you will stay silent much longer."""
        ctx.userdata.needs_time = True
        return "Say only a short 'take your time', then stay silent until the candidate speaks."

    @function_tool
    async def end_interview(self, ctx: RunContext[InterviewContext]) -> str:
        """End the interview. Only valid in wrap_up, after your closing words."""
        ictx = ctx.userdata
        try:
            ictx.phases.end()
        except PhaseError as e:
            raise ToolError(str(e)) from None
        ictx.ended_by = "end_interview"
        self._closing = asyncio.create_task(self._close_after_goodbye(), name="close-after-bye")
        return "The interview is over. Say a brief, warm goodbye (one sentence)."

    async def _close_after_goodbye(self) -> None:
        """Close the session once the goodbye this tool asked for has been spoken. The reply
        to a tool comes after the tool returns (with Gemini, from the server), so closing
        inside the tool would cut it; a silent model still gets closed after a timeout."""
        session = self.session
        spoke, done = asyncio.Event(), asyncio.Event()

        def on_state(ev: AgentStateChangedEvent) -> None:
            if ev.new_state == "speaking":
                spoke.set()
            elif spoke.is_set() and ev.new_state in ("listening", "idle"):
                done.set()

        session.on("agent_state_changed", on_state)
        try:
            await asyncio.wait_for(spoke.wait(), GOODBYE_START_TIMEOUT_S)
            await asyncio.wait_for(done.wait(), GOODBYE_MAX_S)
        except TimeoutError:
            logger.warning(
                "no goodbye spoken in time; closing",
                extra={"interview_id": self._ictx.interview_id},
            )
        finally:
            session.off("agent_state_changed", on_state)
        session.shutdown(drain=True)


def _problem_brief(title: str, difficulty: str) -> str:
    return (
        f"The {difficulty} problem '{title}' is now on the candidate's screen with an editor, "
        "the examples and Run/Submit buttons. Introduce it in one or two sentences without "
        "reading it out, ask them to think aloud, then let them work; private notes will tell "
        "you about their runs and edits."
    )
