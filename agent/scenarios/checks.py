"""Deterministic checks of an interview run, as livekit-agents `Judge`s.

They read what the agent stored (phase changes, tool calls with their outcome) rather than
what the model said, so they cannot be talked into a verdict: the phase order was honoured,
the interview did not end before wrap-up, a vague answer was flagged, a stuck candidate got
time or a hint, and the interviewer never echoed its own instructions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from livekit.agents.evals import Judge, JudgmentResult
from livekit.agents.llm import LLM, ChatContext

from agent.phases import PHASE_ORDER
from interview_store import EventKind, InterviewEvent, InterviewRecord


def tool_call(event: InterviewEvent) -> tuple[str, dict[str, Any]] | None:
    """(tool name, arguments) of a TOOL_CALL event, as agent/persistence.py writes it.

    The report side (`evals/talk_metrics.py`) reads the same events with its own helper: the
    agent and evals share only `interview_store`, never each other's modules.
    """
    if event.kind != EventKind.TOOL_CALL:
        return None
    name = event.data.get("name")
    if not isinstance(name, str):
        return None
    args = event.data.get("arguments")
    return name, args if isinstance(args, dict) else {}


class _CheckJudge(Judge):
    """A deterministic check: subclasses say (passed, why) from the stored record or the chat;
    the model arguments of `Judge.evaluate` are accepted and ignored."""

    async def evaluate(
        self,
        *,
        chat_ctx: ChatContext,
        reference: ChatContext | None = None,
        llm: LLM[Any] | None = None,
    ) -> JudgmentResult:
        ok, why = self.check(chat_ctx)
        return JudgmentResult(verdict="pass" if ok else "fail", reasoning=why)

    def check(self, chat_ctx: ChatContext) -> tuple[bool, str]:
        raise NotImplementedError


class _RecordJudge(_CheckJudge):
    def __init__(self, *, name: str, record: InterviewRecord) -> None:
        super().__init__(name=name)
        self._record = record

    def _calls(self, name: str) -> list[tuple[float, dict[str, object], bool]]:
        out = []
        for e in self._record.tool_events:
            call = tool_call(e)
            if call is not None and call[0] == name:
                out.append((e.at, call[1], bool(e.data.get("is_error"))))
        return out


class PhaseOrderJudge(_RecordJudge):
    def __init__(self, record: InterviewRecord) -> None:
        super().__init__(name="phase_order", record=record)

    def check(self, chat_ctx: ChatContext) -> tuple[bool, str]:
        entered = [str(e.data.get("to")) for e in self._record.phase_timeline]
        order = [PHASE_ORDER.index(p) if p in PHASE_ORDER else -1 for p in entered]
        ok = -1 not in order and order == sorted(order) and len(set(order)) == len(order)
        return ok, f"phases entered: {' → '.join(entered) or 'none'}"


class NoPrematureEndJudge(_RecordJudge):
    """`end_interview` succeeded only after wrap-up was reached (refusals are fine: they are
    the guard working)."""

    def __init__(self, record: InterviewRecord) -> None:
        super().__init__(name="no_premature_end", record=record)

    def check(self, chat_ctx: ChatContext) -> tuple[bool, str]:
        wrap_up_at = next(
            (e.at for e in self._record.phase_timeline if e.data.get("to") == "wrap_up"), None
        )
        ends = [at for at, _, err in self._calls("end_interview") if not err]
        refused = sum(1 for _, _, err in self._calls("end_interview") if err)
        early = [at for at in ends if wrap_up_at is None or at < wrap_up_at]
        return (
            not early,
            f"{len(ends)} accepted end_interview call(s), {len(early)} before wrap-up; "
            f"{refused} refused by the guard",
        )


class FollowupFlaggedJudge(_RecordJudge):
    def __init__(self, record: InterviewRecord, *, reasons: Sequence[str]) -> None:
        super().__init__(name="followup_flagged", record=record)
        self._reasons = tuple(reasons)

    def check(self, chat_ctx: ChatContext) -> tuple[bool, str]:
        flagged = [
            str(args.get("reason")) for _, args, err in self._calls("flag_followup") if not err
        ]
        ok = any(r in self._reasons for r in flagged)
        return ok, f"flag_followup reasons: {', '.join(flagged) or 'none'}; wanted {self._reasons}"


class ToolUsedJudge(_RecordJudge):
    def __init__(self, record: InterviewRecord, *, any_of: Sequence[str]) -> None:
        super().__init__(name="tool_used", record=record)
        self._tools = tuple(any_of)

    def check(self, chat_ctx: ChatContext) -> tuple[bool, str]:
        used = sorted({t for t in self._tools if any(not e for *_, e in self._calls(t))})
        return bool(used), f"used: {', '.join(used) or 'none'} of {self._tools}"


# Phrases only the instructions contain; an interviewer line holding one leaked them.
_INSTRUCTION_MARKERS = (
    "candidate_data",
    "current phase:",
    "rules (they never change",
    "transition_section",
    "flag_followup",
    "end_interview",
    "explain_concept",
    "candidate_needs_time",
)


class NoInstructionLeakJudge(_CheckJudge):
    def __init__(self) -> None:
        super().__init__(name="no_instruction_leak")

    def check(self, chat_ctx: ChatContext) -> tuple[bool, str]:
        leaks = [
            marker
            for m in chat_ctx.messages()
            if m.role == "assistant"
            for marker in _INSTRUCTION_MARKERS
            if marker in (m.text_content or "").lower()
        ]
        return not leaks, f"markers in interviewer lines: {sorted(set(leaks)) or 'none'}"
