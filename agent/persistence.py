"""Writes what happens in an interview to the store the moment it happens.

Session events arrive on synchronous callbacks; each becomes a queued write handled by one
writer task, so rows keep their order, the audio loop never waits on the database, and a
killed worker loses at most the few milliseconds still queued. Transcript items use the chat
item id as `item_id` (the store ignores a second insert), so a Gemini reconnect/resumption
cannot duplicate them; tool calls are de-duplicated by call id.

Also measured here: per-turn latency, from the candidate's end of speech (user state
speaking -> listening) to the interviewer's first audio (agent state -> speaking).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
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
    UserStateChangedEvent,
)

from interview_store import EventKind, InterviewEvent, InterviewStore, TranscriptItem

from .hygiene import scrub_tool_chatter
from .phases import PhaseChange

logger = logging.getLogger("agent.persistence")

_MAX_OUTPUT_CHARS = 500
_WS = re.compile(r"\W+")


def _normalise(text: str) -> str:
    return _WS.sub(" ", text.lower()).strip()


class InterviewLog:
    """The append-only writer for one interview. `start()` inside the event loop, `attach()`
    to a session, `aclose()` at the end (flushes)."""

    def __init__(
        self,
        store: InterviewStore,
        interview_id: str,
        *,
        phase: Callable[[], str | None],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._interview_id = interview_id
        self._phase = phase
        self._clock = clock
        self._queue: asyncio.Queue[Callable[[], Any] | None] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None
        self._seen_calls: set[str] = set()
        self._seen_items: set[str] = set()
        self._last_agent_text: str | None = None
        self._user_stopped_at: float | None = None
        self._latencies_ms: list[float] = []
        self._write_failures = 0
        self._agent_listeners: list[Callable[[], None]] = []

    @property
    def latencies_ms(self) -> list[float]:
        return list(self._latencies_ms)

    @property
    def write_failures(self) -> int:
        return self._write_failures

    def on_agent_turn(self, callback: Callable[[], None]) -> None:
        """Call `callback` after each persisted interviewer turn (the phase machine's
        'closing line spoken' check listens here)."""
        self._agent_listeners.append(callback)

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_loop(), name="interview-log-writer")

    async def flush(self) -> None:
        """Wait until everything queued so far is written."""
        if self._writer is not None and not self._writer.done():
            await self._queue.join()

    async def aclose(self) -> None:
        if self._writer is None:
            return
        self._queue.put_nowait(None)
        with contextlib.suppress(asyncio.CancelledError):
            await self._writer
        self._writer = None

    def attach(self, session: AgentSession[Any]) -> None:
        session.on("conversation_item_added", self._on_item)
        session.on("function_tools_executed", self._on_tools)
        session.on("user_state_changed", self._on_user_state)
        session.on("agent_state_changed", self._on_agent_state)
        session.on("error", self._on_error)
        session.on("close", self._on_close)

    # --- public writes ----------------------------------------------------------------------

    def event(self, kind: EventKind, data: dict[str, Any], *, at: float | None = None) -> None:
        ev = InterviewEvent(
            kind=kind, at=self._clock() if at is None else at, phase=self._phase(), data=data
        )
        self._enqueue(lambda: self._store.append_event(self._interview_id, ev))

    def phase_changed(self, change: PhaseChange) -> None:
        """A `PhaseMachine` listener."""
        ev = InterviewEvent(
            kind=EventKind.PHASE_CHANGE,
            at=change.at,
            phase=change.to_phase.value,
            data={
                "from": change.from_phase.value if change.from_phase else None,
                "to": change.to_phase.value,
                "reason": change.reason,
            },
        )
        self._enqueue(lambda: self._store.append_event(self._interview_id, ev))

    def transcript(self, item: TranscriptItem) -> None:
        self._enqueue(lambda: self._store.append_transcript(self._interview_id, item))

    # --- session events ---------------------------------------------------------------------

    def _on_item(self, ev: ConversationItemAddedEvent) -> None:
        msg = ev.item
        if not isinstance(msg, llm.ChatMessage) or msg.role not in ("user", "assistant"):
            return
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
        self.transcript(
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

    def _on_close(self, ev: CloseEvent) -> None:
        data: dict[str, Any] = {"note": "session_closed", "reason": ev.reason.value}
        if ev.error is not None:
            data["error"] = type(ev.error).__name__
        self.event(EventKind.NOTE, data, at=ev.created_at)

    # --- writer -----------------------------------------------------------------------------

    def _enqueue(self, write: Callable[[], Any]) -> None:
        if self._writer is None:
            self.start()
        self._queue.put_nowait(write)

    async def _write_loop(self) -> None:
        while True:
            write = await self._queue.get()
            try:
                if write is None:
                    return
                await self._write_with_retry(write)
            finally:
                self._queue.task_done()

    async def _write_with_retry(self, write: Callable[[], Any]) -> None:
        for attempt in range(3):
            try:
                await write()
                return
            except Exception:
                if attempt == 2:
                    self._write_failures += 1
                    logger.exception(
                        "could not persist an interview row",
                        extra={"interview_id": self._interview_id},
                    )
                    return
                await asyncio.sleep(0.2 * (attempt + 1))
