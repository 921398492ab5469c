"""A scripted `llm.LLM` for text-mode AgentSession tests (no network).

Each `chat()` pops the next scripted `Turn` and streams it back: optional text, then optional
tool calls. The session runs the real tools and calls `chat()` again with their outputs. What
the model "saw" on each call (tool names, the instructions in force, the last item) is kept in
`requests`, so tests can assert that a nudge or an instruction change reached the model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from livekit.agents import APIConnectOptions, llm, utils
from livekit.agents.types import DEFAULT_API_CONNECT_OPTIONS, NOT_GIVEN, NotGivenOr


@dataclass
class ToolCall:
    name: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class Turn:
    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)


@dataclass
class Request:
    tools: list[str]
    instructions: list[str]
    """Text of every system/developer message in the context (agent + per-reply ones)."""
    last: dict[str, Any] | None


class FakeLLM(llm.LLM):
    def __init__(self, script: list[Turn] | None = None) -> None:
        super().__init__()
        self._script = list(script or [])
        self.requests: list[Request] = []

    def push(self, *turns: Turn) -> None:
        self._script.extend(turns)

    @property
    def remaining(self) -> int:
        return len(self._script)

    @property
    def model(self) -> str:
        return "fake-llm"

    @property
    def provider(self) -> str:
        return "fake"

    def chat(
        self,
        *,
        chat_ctx: llm.ChatContext,
        tools: list[llm.Tool] | None = None,
        conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS,
        parallel_tool_calls: NotGivenOr[bool] = NOT_GIVEN,
        tool_choice: NotGivenOr[llm.ToolChoice] = NOT_GIVEN,
        extra_kwargs: NotGivenOr[dict[str, Any]] = NOT_GIVEN,
    ) -> llm.LLMStream:
        instructions = [
            m.text_content or "" for m in chat_ctx.messages() if m.role in ("system", "developer")
        ]
        last = (
            chat_ctx.items[-1].model_dump(exclude={"created_at", "id"}) if chat_ctx.items else None
        )
        self.requests.append(
            Request(tools=sorted(t.id for t in (tools or [])), instructions=instructions, last=last)
        )
        turn = self._script.pop(0) if self._script else Turn(text="(script exhausted)")
        return _FakeStream(
            self, chat_ctx=chat_ctx, tools=tools or [], conn_options=conn_options, turn=turn
        )


class _FakeStream(llm.LLMStream):
    def __init__(
        self,
        llm_: FakeLLM,
        *,
        chat_ctx: llm.ChatContext,
        tools: list[llm.Tool],
        conn_options: APIConnectOptions,
        turn: Turn,
    ) -> None:
        super().__init__(llm_, chat_ctx=chat_ctx, tools=tools, conn_options=conn_options)
        self._turn = turn

    async def _run(self) -> None:
        req_id = utils.shortuuid("fake-")
        if self._turn.text:
            for word in self._turn.text.split(" "):
                self._event_ch.send_nowait(
                    llm.ChatChunk(
                        id=req_id, delta=llm.ChoiceDelta(role="assistant", content=word + " ")
                    )
                )
        if self._turn.tool_calls:
            calls = [
                llm.FunctionToolCall(
                    name=tc.name, arguments=json.dumps(tc.args), call_id=utils.shortuuid("call_")
                )
                for tc in self._turn.tool_calls
            ]
            self._event_ch.send_nowait(
                llm.ChatChunk(id=req_id, delta=llm.ChoiceDelta(role="assistant", tool_calls=calls))
            )
        self._event_ch.send_nowait(
            llm.ChatChunk(
                id=req_id,
                usage=llm.CompletionUsage(completion_tokens=5, prompt_tokens=20, total_tokens=25),
            )
        )
