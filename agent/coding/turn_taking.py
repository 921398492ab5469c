"""Patient turn-taking in the coding phase: a longer end-of-speech silence for Gemini.

Candidates think aloud with pauses of a few seconds while coding; with the conversation's
800 ms Gemini would answer every pause. Gemini's turn detector is configured per connection
(`realtime_input_config` is part of the Live API setup; the plugin's `update_options` cannot
change it), so on entering coding (and again on leaving it) the connection is restarted once
with the other silence, using session resumption. Why this and not only instructions: a
native-audio model answers every end of turn it is given; the instructions ("speak when
addressed") shape what it says, the silence decides when it may speak at all. Why not local
turn detection: it would change turn-taking in every phase, and the transcript a text gate
would need arrives only after the turn has ended.

The restart waits until both sides are quiet after the model has spoken since the phase
change: a restart while a tool response is in flight can lose it (livekit/agents #6569), and
the phase change happens inside the `transition_section` tool.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from livekit.agents import AgentSession
from livekit.agents.voice.events import AgentStateChangedEvent, UserStateChangedEvent

from interview_store import EventKind

from ..interview_context import InterviewContext
from ..phases import Phase, PhaseChange

logger = logging.getLogger("agent.coding")

ApplySilence = Callable[[int], bool]
"""Apply an end-of-speech silence (ms); False when the model has no such setting."""


class CodingTurnTaking:
    def __init__(
        self,
        ictx: InterviewContext,
        session: AgentSession[Any],
        *,
        apply: ApplySilence,
        conversation_ms: int,
        coding_ms: int,
    ) -> None:
        self._ictx = ictx
        self._apply = apply
        self._conversation_ms = conversation_ms
        self._coding_ms = coding_ms
        self._wanted = self._applied = conversation_ms
        self._agent_state = "initializing"
        self._user_state = "listening"
        self._spoke_since_change = False
        ictx.phases.subscribe(self._on_phase)
        session.on("agent_state_changed", self._on_agent_state)
        session.on("user_state_changed", self._on_user_state)

    @property
    def silence_ms(self) -> int:
        """The silence in force on the connection."""
        return self._applied

    def _on_phase(self, change: PhaseChange) -> None:
        self._wanted = self._coding_ms if change.to_phase == Phase.CODING else self._conversation_ms
        self._spoke_since_change = False

    def _on_agent_state(self, ev: AgentStateChangedEvent) -> None:
        self._agent_state = ev.new_state
        if ev.new_state == "speaking":
            self._spoke_since_change = True
        self._maybe_apply()

    def _on_user_state(self, ev: UserStateChangedEvent) -> None:
        self._user_state = ev.new_state
        self._maybe_apply()

    def _maybe_apply(self) -> None:
        if (
            self._wanted == self._applied
            or not self._spoke_since_change
            or self._agent_state not in ("listening", "idle")
            or self._user_state == "speaking"
        ):
            return
        self._applied = self._wanted
        try:
            reconnected = self._apply(self._wanted)
        except Exception:
            logger.exception("could not change the end-of-speech silence")
            return
        self._ictx.log.event(
            EventKind.NOTE,
            {"note": "turn_taking", "silence_ms": self._wanted, "reconnected": reconnected},
        )
