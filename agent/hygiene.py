"""Transcript hygiene: keep tool-call chatter out of what the candidate reads and the report.

Models sometimes narrate a tool call as text ("transition_section(to_section='coding')",
"print(default_api.flag_followup(...))", fenced tool_code blocks). Tools are silent by rule;
this removes such fragments from the interviewer's text stream (captions and history) and from
the persisted transcript. The stream filter holds text back only while a fragment could still
be the start of such a call, so ordinary speech is forwarded without delay.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterable, AsyncIterator

TOOL_NAMES: tuple[str, ...] = (
    "transition_section",
    "flag_followup",
    "explain_concept",
    "candidate_needs_time",
    "end_interview",
)

_NAMES = "|".join(TOOL_NAMES)
_CALL = re.compile(
    r"```(?:tool_code|tool_call|python|json)?[^`]*?(?:" + _NAMES + r"|default_api)[^`]*```"
    r"|<tool_call>.*?</tool_call>"
    r"|(?:print\()?(?:default_api\.)?\b(?:" + _NAMES + r")\s*\([^()]*\)\)?",
    re.DOTALL,
)
_START = re.compile(r"```|<tool_call>|default_api|\b(?:" + _NAMES + r")\b")
_SPACES = re.compile(r"[ \t]{2,}")
_MAX_HOLD = 400


def scrub_tool_chatter(text: str) -> str:
    """Remove tool-call fragments from a finished text."""
    if not _START.search(text):
        return text
    return _SPACES.sub(" ", _CALL.sub("", text)).strip()


def _unsafe_tail(text: str) -> int:
    """Index from which `text` must be held back: an unfinished call, or a trailing word that
    could still grow into a tool name or marker."""
    m = _START.search(text)
    if m:
        return m.start()
    for i in range(max(0, len(text) - 25), len(text)):
        tail = text[i:]
        if len(tail) >= 5 and (
            any(name.startswith(tail) for name in TOOL_NAMES)
            or "default_api".startswith(tail)
            or "<tool_call>".startswith(tail)
        ):
            return i
    return len(text.rstrip("`"))


async def scrub_stream(chunks: AsyncIterable[str]) -> AsyncIterator[str]:
    """Streaming version of `scrub_tool_chatter` for an Agent's transcription node."""
    pending = ""
    async for chunk in chunks:
        pending += str(chunk)
        pending = _CALL.sub("", pending)
        cut = _unsafe_tail(pending)
        if len(pending) - cut > _MAX_HOLD:
            cut = len(pending)  # never closed: it was not a call after all
        out, pending = pending[:cut], pending[cut:]
        if out:
            yield out
    if pending:
        rest = scrub_tool_chatter(pending)
        if rest:
            yield rest
