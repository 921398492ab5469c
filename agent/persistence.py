"""Turns what happens in an interview's session into rows, the moment it happens.

Session events arrive on synchronous callbacks; each becomes a write queued on the
interview's `StoreWriter` (ordered, retried, off the audio loop). Transcript items use the chat
item id as `item_id` (the store ignores a second insert), so a Gemini reconnect/resumption
cannot duplicate them; tool calls are de-duplicated by call id.

The candidate's words arrive from Gemini as partial transcriptions and become a chat item
only when the reply's turn completes. A session closed before that (the candidate leaves as
the interviewer starts replying) unhooks its transcription listener before closing the model,
whose final transcript then goes nowhere: the latest partial of such a turn is written on
`close` instead (with an `unfinished_candidate_turn_kept` note), so the answer is not lost.

Also measured here: per-turn latency, from the candidate's end of speech (user state
speaking -> listening) to the interviewer's first audio (agent state -> speaking).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

from livekit.agents import AgentSession, llm
from livekit.agents.voice.events import (
    AgentStateChangedEvent,
    CloseEvent,
    ConversationItemAddedEvent,
    ErrorEvent,
    FunctionToolsExecutedEvent,
    UserInputTranscribedEvent,
    UserStateChangedEvent,
)

from interview_store import EventKind, InterviewEvent, TranscriptItem

from .hygiene import scrub_tool_chatter
from .phases import PhaseChange
from .store_writer import StoreWriter

_MAX_OUTPUT_CHARS = 500
_WS = re.compile(r"\W+")


def _normalise(text: str) -> str:
    return _WS.sub(" ", text.lower()).strip()


class InterviewLog:
    """The session-event side of one interview's rows: `attach()` it to the session; its
    writes go through the interview's `StoreWriter`."""

    def __init__(
        self,
        writer: StoreWriter,
        *,
        phase: Callable[[], str | None],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._writer = writer
        self._phase = phase
        self._clock = clock
        self._seen_calls: set[str] = set()
        self._seen_items: set[str] = set()
        self._last_agent_text: str | None = None
        self._user_stopped_at: float | None = None
        self._latencies_ms: list[float] = []
        self._agent_listeners: list[Callable[[], None]] = []
        self._unfinished: dict[str, tuple[str, float]] = {}
        """Candidate turns heard only as partial transcriptions: item id -> (latest text,
        first heard at)."""

    @property
    def latencies_ms(self) -> list[float]:
        return list(self._latencies_ms)

    def on_agent_turn(self, callback: Callable[[], None]) -> None:
        """Call `callback` after each persisted interviewer turn (the phase machine's
        'closing line spoken' check listens here)."""
        self._agent_listeners.append(callback)

    def attach(self, session: AgentSession[Any]) -> None:
        session.on("conversation_item_added", self._on_item)
        session.on("function_tools_executed", self._on_tools)
        session.on("user_state_changed", self._on_user_state)
        session.on("user_input_transcribed", self._on_user_transcribed)
        session.on("agent_state_changed", self._on_agent_state)
        session.on("error", self._on_error)
        session.on("close", self._on_close)

    # --- public writes ----------------------------------------------------------------------

    def event(self, kind: EventKind, data: dict[str, Any], *, at: float | None = None) -> None:
        self._writer.event(
            InterviewEvent(
                kind=kind, at=self._clock() if at is None else at, phase=self._phase(), data=data
            )
        )

    def phase_changed(self, change: PhaseChange) -> None:
        """A `PhaseMachine` listener."""
        self._writer.event(
            InterviewEvent(
                kind=EventKind.PHASE_CHANGE,
                at=change.at,
                phase=change.to_phase.value,
                data={
                    "from": change.from_phase.value if change.from_phase else None,
                    "to": change.to_phase.value,
                    "reason": change.reason,
                },
            )
        )

    # --- session events ---------------------------------------------------------------------

    def _on_item(self, ev: ConversationItemAddedEvent) -> None:
        msg = ev.item
        if not isinstance(msg, llm.ChatMessage) or msg.role not in ("user", "assistant"):
            return
        if msg.role == "user":
            self._unfinished.pop(msg.id, None)
        if msg.id in self._seen_items:
            return
        self._seen_items.add(msg.id)
        text = (msg.text_content or "").strip()
        if msg.role == "assistant":
            text = " ".join(scrub_tool_chatter(text).split())
        if not text:
            return
        if msg.role == "user":
            self._last_agent_text = None
        else:
            norm = _normalise(text)
            if norm and norm == self._last_agent_text:
                # the same turn again with no candidate speech in between: a model repeating
                # itself after a reconnect, not a requested repetition
                self.event(EventKind.NOTE, {"note": "duplicate_agent_turn_dropped", "id": msg.id})
                return
            self._last_agent_text = norm
        start = msg.metrics.get("started_speaking_at") or msg.created_at
        end = msg.metrics.get("stopped_speaking_at") or max(start, ev.created_at)
        self._writer.transcript(
            TranscriptItem(
                item_id=msg.id,
                speaker="candidate" if msg.role == "user" else "interviewer",
                text=text,
                start_time=start,
                end_time=end,
                phase=self._phase(),
                interrupted=msg.interrupted,
            )
        )
        if msg.role == "assistant":
            for cb in self._agent_listeners:
                cb()

    def _on_tools(self, ev: FunctionToolsExecutedEvent) -> None:
        for call, out in ev.zipped():
            if call.call_id in self._seen_calls:
                continue
            self._seen_calls.add(call.call_id)
            try:
                args: Any = json.loads(call.arguments or "{}")
            except json.JSONDecodeError:
                args = call.arguments
            self.event(
                EventKind.TOOL_CALL,
                {
                    "name": call.name,
                    "call_id": call.call_id,
                    "arguments": args,
                    "output": (out.output or "")[:_MAX_OUTPUT_CHARS],
                    "is_error": out.is_error,
                },
                at=ev.created_at,
            )

    def _on_user_state(self, ev: UserStateChangedEvent) -> None:
        if ev.old_state == "speaking" and ev.new_state != "speaking":
            self._user_stopped_at = ev.created_at
        elif ev.new_state == "speaking":
            self._user_stopped_at = None

    def _on_agent_state(self, ev: AgentStateChangedEvent) -> None:
        if ev.new_state != "speaking" or self._user_stopped_at is None:
            return
        latency_ms = max(0.0, (ev.created_at - self._user_stopped_at) * 1000.0)
        self._user_stopped_at = None
        self._latencies_ms.append(latency_ms)
        self.event(
            EventKind.LATENCY,
            {"metric": "end_of_speech_to_first_audio", "ms": round(latency_ms, 1)},
            at=ev.created_at,
        )

    def _on_error(self, ev: ErrorEvent) -> None:
        err = ev.error
        self.event(
            EventKind.ERROR,
            {
                "type": type(err).__name__,
                "source": type(ev.source).__name__,
                "recoverable": bool(getattr(err, "recoverable", False)),
                "message": str(getattr(err, "error", err))[:_MAX_OUTPUT_CHARS],
            },
            at=ev.created_at,
        )

    def _on_user_transcribed(self, ev: UserInputTranscribedEvent) -> None:
        if ev.is_final or not ev.item_id or ev.item_id in self._seen_items:
            return
        text = ev.transcript.strip()
        if text:
            first = self._unfinished.get(ev.item_id, (text, ev.created_at))[1]
            self._unfinished[ev.item_id] = (text, first)

    def _keep_unfinished_turns(self, closed_at: float) -> None:
        """Write the candidate turns whose final transcript never came (see the module doc)."""
        for item_id, (text, first) in self._unfinished.items():
            self._seen_items.add(item_id)
            self._writer.transcript(
                TranscriptItem(
                    item_id=item_id,
                    speaker="candidate",
                    text=text,
                    start_time=first,
                    end_time=max(first, closed_at),
                    phase=self._phase(),
                )
            )
            self.event(EventKind.NOTE, {"note": "unfinished_candidate_turn_kept", "id": item_id})
        self._unfinished.clear()

    def _on_close(self, ev: CloseEvent) -> None:
        self._keep_unfinished_turns(ev.created_at)
        data: dict[str, Any] = {"note": "session_closed", "reason": ev.reason.value}
        if ev.error is not None:
            data["error"] = type(ev.error).__name__
        self.event(EventKind.NOTE, data, at=ev.created_at)
