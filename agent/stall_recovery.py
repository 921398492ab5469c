"""Recovering from a stalled reply: reconnect Gemini, then re-prompt — in that order on the wire.

The order matters when the service transcribed the candidate and then went silent (the Live
API's transcription runs apart from the model, so a stalled model still streams the
candidate's words). The Gemini plugin commits those words to its context only when the
stalled generation is closed, i.e. during the reconnect, and sends them to the resumed
session when it connects (the resumption handle restores the conversation *before* them).
A re-prompt queued right after asking for the reconnect goes out first, so the model read
"respond to the candidate's last answer" before that answer, and then the answer as a
message nobody asked it to reply to (found with the emulator's `STALL_AFTER_TRANSCRIPT`).

So the re-prompt waits for the new connection: the plugin reports every connection it
acquires (`metrics_collected` with an empty `request_id`) just before it re-sends what the
handle does not cover, and it sends that synchronously, before control comes back here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from livekit.agents import AgentSession

from .session import RECONNECT_PROMPT, force_reconnect

logger = logging.getLogger("agent.stall_recovery")

CONNECT_WAIT_S = 5.0
"""How long the re-prompt waits for the new connection before it is sent anyway (queued, it
goes out as soon as the connection exists)."""


async def reconnect_and_reprompt(
    session: AgentSession[Any], *, voice: str, connect_wait_s: float = CONNECT_WAIT_S
) -> bool:
    """Reconnect the realtime session with its resumption handle, wait until it is connected
    and has re-sent the candidate's pending words, then ask for a reply. Returns whether a
    reconnect happened (False for models without one: the re-prompt is still sent)."""
    connected = asyncio.Event()

    def on_metrics(metrics: Any) -> None:
        if getattr(metrics, "request_id", None) == "":  # a connection acquired, no turn
            connected.set()

    try:
        rt: Any = session.current_agent.realtime_llm_session
    except RuntimeError:
        rt = None
    if rt is not None:
        rt.on("metrics_collected", on_metrics)
    try:
        reconnected = force_reconnect(session, voice=voice)
        if reconnected:
            try:
                await asyncio.wait_for(connected.wait(), connect_wait_s)
            except TimeoutError:
                logger.warning("no new Gemini connection yet: re-prompting anyway")
            await asyncio.sleep(0)  # the plugin finishes its re-sync before we queue
    finally:
        if rt is not None:
            with contextlib.suppress(Exception):
                rt.off("metrics_collected", on_metrics)
    session.generate_reply(instructions=RECONNECT_PROMPT)
    return reconnected
