"""Significant observations become short, private, non-accusatory notes to the interviewer.

Hint texts are fixed templates, never the model's or the detector's words: a shared screen
could carry text crafted to steer the interviewer ("ignore your instructions..."), and a
Gemini description could repeat it. Templates also keep the tone neutral and suggest a
question rather than a verdict.

Delivery: the note is added to the interviewer agent's chat context (not its instructions,
which the phase machine rewrites per phase, and not `generate_reply`, which would make it
speak now). Gemini Live accepts only user/model turns in context — it drops system and
developer messages — so for a realtime model the note goes in as a model turn, the same way
the Google plugin itself delivers mid-session instruction updates; it is marked as a private
note that is never read aloud. Every hint is stored as an EventKind.HINT event.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from livekit.agents import llm

from interview_store import EventKind, InterviewEvent, Observation

from ..store_writer import StoreWriter

if TYPE_CHECKING:
    from livekit.agents import AgentSession

logger = logging.getLogger("agent.vision")

NOTE_PREFIX = "[Private visual note for the interviewer: never read aloud or mention it]"


@dataclass(frozen=True)
class HintTemplate:
    key: str
    text: str
    phases_excluded: frozenset[str] = frozenset()


READING = HintTemplate(
    key="reading",
    text=(
        "The candidate may be reading from something off-screen. If it fits, ask them to "
        "explain their last point in their own words or with an example from their work."
    ),
    phases_excluded=frozenset({"coding"}),  # reading one's own code is the job there
)
OTHER_PERSON = HintTemplate(
    key="other_person",
    text=(
        "Someone else may be in view of the candidate's camera. If it fits naturally, check "
        "that they can continue undisturbed; do not imply anything about it."
    ),
)
ABSENT = HintTemplate(
    key="absent",
    text=(
        "The candidate has not been visible on camera for a while. If they are quiet, gently "
        "check that they can still hear you."
    ),
)
CAMERA = HintTemplate(
    key="camera",
    text="The candidate's camera view seems blocked or dark. You may mention it once, kindly.",
)

_TEMPLATES: dict[tuple[str, str], HintTemplate] = {
    ("gemini", "reading_from_notes"): READING,
    ("gemini", "looking_at_other_screen"): READING,
    ("gemini", "another_person"): OTHER_PERSON,
    ("gemini", "camera_issue"): CAMERA,
    ("local", "absence"): ABSENT,
}


def template_for(obs: Observation) -> HintTemplate | None:
    if obs.source == "local" and obs.kind == "face_state":
        return OTHER_PERSON if obs.data.get("presence") == "multiple" else None
    template = _TEMPLATES.get((obs.source, obs.kind))
    if template is None or (obs.phase is not None and obs.phase in template.phases_excluded):
        return None
    return template


HintSink = Callable[[str], Awaitable[None]]


def chat_context_sink(session: AgentSession[Any]) -> HintSink:
    """Deliver a note into the current agent's chat context (see the module docstring)."""

    async def deliver(text: str) -> None:
        agent = session.current_agent
        model = agent.llm if agent.llm else session.llm  # NOT_GIVEN: the session's model runs
        role: llm.ChatRole = "assistant" if isinstance(model, llm.RealtimeModel) else "system"
        chat_ctx = agent.chat_ctx.copy()
        chat_ctx.add_message(role=role, content=f"{NOTE_PREFIX} {text}")
        await agent.update_chat_ctx(chat_ctx)

    return deliver


class HintBroker:
    def __init__(
        self,
        *,
        writer: StoreWriter | None,
        min_interval_s: float,
        kind_cooldown_s: float,
        confidence_floor: float,
        sink: HintSink | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._writer = writer
        self._min_interval_s = min_interval_s
        self._kind_cooldown_s = kind_cooldown_s
        self._confidence_floor = confidence_floor
        self._sink = sink
        self._clock = clock
        self._last_at: float | None = None
        self._last_by_key: dict[str, float] = {}
        self.sent = 0
        self.suppressed = 0

    @property
    def has_sink(self) -> bool:
        return self._sink is not None

    def set_sink(self, sink: HintSink | None) -> None:
        self._sink = sink

    async def consider(self, observations: list[Observation]) -> None:
        for obs in observations:
            template = template_for(obs)
            if template is None or obs.confidence < self._confidence_floor:
                continue
            now = self._clock()
            last_same = self._last_by_key.get(template.key)
            if (self._last_at is not None and now - self._last_at < self._min_interval_s) or (
                last_same is not None and now - last_same < self._kind_cooldown_s
            ):
                self.suppressed += 1
                continue
            self._last_at = now
            self._last_by_key[template.key] = now
            await self._send(template, obs, now)

    async def _send(self, template: HintTemplate, obs: Observation, now: float) -> None:
        delivered = False
        if self._sink is not None:
            try:
                await self._sink(template.text)
                delivered = True
            except Exception as e:  # a hint is a nicety: never let it hurt the session
                logger.warning("vision hint not delivered", extra={"error": type(e).__name__})
        self.sent += delivered
        if self._writer is not None:
            self._writer.event(
                InterviewEvent(
                    kind=EventKind.HINT,
                    at=now,
                    phase=obs.phase,
                    data={
                        "hint": template.key,
                        "text": template.text,
                        "delivered": delivered,
                        "source": obs.source,
                        "observation": obs.kind,
                        "observation_at": obs.at,
                        "confidence": obs.confidence,
                    },
                )
            )
