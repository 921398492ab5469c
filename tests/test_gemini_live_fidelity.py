"""The Gemini Live emulator against the real clients, and what the project sends to Gemini Live.

Every message the emulator sends is parsed by the real google-genai client, whose models reject
unknown fields (`extra="forbid"`), over TLS on loopback: a misspelt field fails here before it
misleads a test of the agent. The setup checks run the project's own `build_realtime_model`
with non-default settings through the real livekit Gemini plugin and assert the project's
values, at two points: what the project passes to the plugin (a spy around the plugin's
`RealtimeModel`, which still runs) and what reaches the wire.
"""

from __future__ import annotations

import asyncio
import io
import json
import math
from collections.abc import AsyncIterator, Callable
from typing import Any

import numpy as np
import pytest
from google import genai
from google.genai import errors, types
from livekit.agents import Agent, AgentSession
from livekit.agents.metrics import RealtimeModelMetrics
from livekit.agents.testing import fake_job_context
from livekit.plugins import google
from PIL import Image
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed

from agent import session as agent_session
from agent.settings import AgentSettings
from testkit.gemini_live import FakeGeminiLive, Fault, Reply
from testkit.gemini_live_context import AUDIO_TOKENS_PER_S, text_tokens
from testkit.tls import LocalTLS

pytestmark = [pytest.mark.timing, pytest.mark.timeout(30)]

MODEL = "gemini-2.5-flash-native-audio-preview-12-2025"
RATE = 16_000
CHUNK_S = 0.02


def tone(seconds: float) -> bytes:
    """Loud enough for the emulator's energy VAD (rms ~7000 against a 500 threshold)."""
    t = np.arange(int(RATE * seconds)) / RATE
    return (0.3 * 32767 * np.sin(2 * math.pi * 220 * t)).astype(np.int16).tobytes()


def silence(seconds: float) -> bytes:
    return bytes(int(RATE * seconds) * 2)


def client_for(emulator: FakeGeminiLive, tls: LocalTLS) -> genai.Client:
    return genai.Client(
        api_key="fake-key",
        http_options=types.HttpOptions(
            base_url=emulator.base_url, async_client_args={"ssl": tls.client_context()}
        ),
    )


async def speak(session: Any, pcm: bytes) -> None:
    """Stream PCM as the plugin does: 20 ms chunks of realtime input (faster than real time;
    the emulator measures speech and silence in audio, not wall-clock, time)."""
    step = int(RATE * CHUNK_S) * 2
    for i in range(0, len(pcm), step):
        await session.send_realtime_input(
            audio=types.Blob(data=pcm[i : i + step], mime_type=f"audio/pcm;rate={RATE}")
        )
        await asyncio.sleep(0)


async def collect(
    session: Any, until: Callable[[types.LiveServerMessage], bool], within: float = 5.0
) -> list[types.LiveServerMessage]:
    """Server messages, parsed by google-genai, up to and including the first `until` one."""
    out: list[types.LiveServerMessage] = []
    async with asyncio.timeout(within):
        while True:
            async for msg in session.receive():
                out.append(msg)
                if until(msg):
                    return out


def turn_complete(msg: types.LiveServerMessage) -> bool:
    return bool(msg.server_content and msg.server_content.turn_complete)


def content_flags(messages: list[types.LiveServerMessage]) -> list[str]:
    """The order of the turn-structure events a client acts on."""
    flags: list[str] = []
    for m in messages:
        if m.tool_call_cancellation:
            flags.append("toolCallCancellation")
        sc = m.server_content
        if sc is None:
            continue
        for name in ("interrupted", "generation_complete", "turn_complete"):
            if getattr(sc, name):
                flags.append(name)
    return flags


@pytest.fixture
async def live(tls: LocalTLS) -> AsyncIterator[FakeGeminiLive]:
    async with FakeGeminiLive(ssl_context=tls.server_context()) as emu:
        yield emu


# --- what the emulator sends, as the real client parses it ---------------------------------------


async def test_a_spoken_turn_streams_partial_transcription_usage_and_a_handle(
    live: FakeGeminiLive, tls: LocalTLS
) -> None:
    live.push(Reply.say("Why a hash map?", audio_s=0.4))
    live.push_transcripts("I would use a hash map")
    config = types.LiveConnectConfig(
        response_modalities=[types.Modality.AUDIO],
        system_instruction="You are an interviewer.",
        input_audio_transcription=types.AudioTranscriptionConfig(),
        output_audio_transcription=types.AudioTranscriptionConfig(),
        session_resumption=types.SessionResumptionConfig(),
    )
    async with client_for(live, tls).aio.live.connect(model=MODEL, config=config) as session:
        await speak(session, tone(2.0) + silence(0.7))
        messages = await collect(session, lambda m: m.session_resumption_update is not None)

    heard = [
        m.server_content.input_transcription.text or ""
        for m in messages
        if m.server_content and m.server_content.input_transcription
    ]
    # streamed while the candidate spoke (a word per 0.35 s of speech), the rest at the end
    assert len(heard) >= 4 and "".join(heard) == "I would use a hash map"
    said = "".join(
        m.server_content.output_transcription.text or ""
        for m in messages
        if m.server_content and m.server_content.output_transcription
    )
    assert said == "Why a hash map?"
    assert content_flags(messages) == ["generation_complete", "turn_complete"]
    audio = b"".join(
        p.inline_data.data or b""
        for m in messages
        if m.server_content and m.server_content.model_turn
        for p in m.server_content.model_turn.parts or []
        if p.inline_data
    )
    assert len(audio) == int(24_000 * 0.4) * 2

    (usage,) = [m.usage_metadata for m in messages if m.usage_metadata]
    prompt = {d.modality: d.token_count for d in usage.prompt_tokens_details or []}
    response = {d.modality: d.token_count for d in usage.response_tokens_details or []}
    # 2 s of speech and the 0.6 s of silence that ended it at 25 tokens/s; the instruction
    assert prompt[types.MediaModality.AUDIO] == 2.6 * AUDIO_TOKENS_PER_S
    assert prompt[types.MediaModality.TEXT] == text_tokens("You are an interviewer.")
    assert response == {types.MediaModality.AUDIO: 0.4 * AUDIO_TOKENS_PER_S}
    total = (usage.prompt_token_count or 0) + (usage.response_token_count or 0)
    assert usage.total_token_count == total
    update = messages[-1].session_resumption_update
    assert update is not None and update.resumable and update.new_handle == "handle-1"


async def test_no_resumption_handles_without_session_resumption_in_the_setup(
    live: FakeGeminiLive, tls: LocalTLS
) -> None:
    live.push(Reply.say("Hello."))
    config = types.LiveConnectConfig(response_modalities=[types.Modality.AUDIO])
    async with client_for(live, tls).aio.live.connect(model=MODEL, config=config) as session:
        await session.send_client_content(
            turns=types.Content(role="user", parts=[types.Part(text="Hi")]), turn_complete=True
        )
        messages = await collect(session, turn_complete)
        await asyncio.sleep(0.1)
    assert not any(m.session_resumption_update for m in messages)
    # nor transcriptions the setup did not ask for
    assert not any(m.server_content and m.server_content.output_transcription for m in messages)
    assert live.state.handles_issued == []


async def test_turn_complete_reason_reaches_the_client(live: FakeGeminiLive, tls: LocalTLS) -> None:
    live.push(Reply.wait_for_input())
    async with client_for(live, tls).aio.live.connect(model=MODEL, config={}) as session:
        await session.send_client_content(
            turns=types.Content(role="user", parts=[types.Part(text="So I was thinking")]),
            turn_complete=True,
        )
        messages = await collect(session, turn_complete)
    last = messages[-1].server_content
    assert last is not None
    assert last.turn_complete_reason == types.TurnCompleteReason.NEED_MORE_INPUT


async def test_a_stall_after_the_transcript_leaves_the_user_heard_but_unanswered(
    live: FakeGeminiLive, tls: LocalTLS
) -> None:
    live.inject(Fault.STALL_AFTER_TRANSCRIPT)
    live.push_transcripts("Are you still there")
    config = types.LiveConnectConfig(input_audio_transcription=types.AudioTranscriptionConfig())
    heard: list[str] = []

    def all_heard(m: types.LiveServerMessage) -> bool:
        if m.server_content and m.server_content.input_transcription:
            heard.append(m.server_content.input_transcription.text or "")
        return "".join(heard) == "Are you still there"

    async with client_for(live, tls).aio.live.connect(model=MODEL, config=config) as session:
        await speak(session, tone(1.5) + silence(0.7))
        await collect(session, all_heard)
        await asyncio.sleep(0.3)
    assert len(heard) >= 2  # partials while speaking, then the rest
    assert live.state.faults_fired == [Fault.STALL_AFTER_TRANSCRIPT]
    assert live.state.replies_sent == 0 and live.state.usage == []


# --- barge-in -------------------------------------------------------------------------------------


async def test_speech_during_playback_interrupts_the_answer(
    live: FakeGeminiLive, tls: LocalTLS
) -> None:
    """`generationComplete` comes when everything is sent; `turnComplete` waits for the audio to
    have played. Speech in between is a barge-in: `interrupted`, then `turnComplete`."""
    live.push(
        Reply.say("Let me explain the whole thing in detail.", audio_s=3.0), Reply.say("Yes?")
    )
    live.push_transcripts("Sorry, one question")
    async with client_for(live, tls).aio.live.connect(model=MODEL, config={}) as session:
        await session.send_client_content(
            turns=types.Content(role="user", parts=[types.Part(text="Explain.")]),
            turn_complete=True,
        )
        first = await collect(
            session, lambda m: bool(m.server_content and m.server_content.generation_complete)
        )
        await speak(session, tone(0.3))
        cut = await collect(session, turn_complete, within=2.0)  # well before the 3 s of audio
        await speak(session, silence(0.7))
        answer = await collect(session, turn_complete)
    assert content_flags(first) == ["generation_complete"]
    assert content_flags(cut) == ["interrupted", "turn_complete"]
    assert content_flags(answer) == ["generation_complete", "turn_complete"]
    st = live.state
    assert st.interruptions == 1 and st.replies_sent == 1
    assert [t.interrupted for t in st.turns] == [True, False]


async def test_short_clicks_do_not_interrupt(live: FakeGeminiLive, tls: LocalTLS) -> None:
    """A browser's fake microphone beeps 20 ms every 500 ms: loud, but not speech to a VAD."""
    live.push(Reply.say("A long answer that should be heard to the end.", audio_s=1.5))
    beeps = (tone(0.02) + silence(0.48)) * 3
    async with client_for(live, tls).aio.live.connect(model=MODEL, config={}) as session:
        await session.send_client_content(
            turns=types.Content(role="user", parts=[types.Part(text="Go.")]), turn_complete=True
        )
        await collect(
            session, lambda m: bool(m.server_content and m.server_content.generation_complete)
        )
        await speak(session, beeps)
        rest = await collect(session, turn_complete)
    assert content_flags(rest) == ["turn_complete"]
    assert live.state.interruptions == 0 and live.state.replies_sent == 1


async def test_speech_while_a_tool_call_is_pending_cancels_it(
    live: FakeGeminiLive, tls: LocalTLS
) -> None:
    live.push(Reply.call("lookup_rubric", topic="indexes"), Reply.say("Go on."))
    live.push_transcripts("Wait, let me add something")
    async with client_for(live, tls).aio.live.connect(model=MODEL, config={}) as session:
        await session.send_client_content(
            turns=types.Content(role="user", parts=[types.Part(text="Done.")]), turn_complete=True
        )
        (call_msg,) = await collect(session, lambda m: m.tool_call is not None)
        assert call_msg.tool_call is not None and call_msg.tool_call.function_calls
        call = call_msg.tool_call.function_calls[0]
        assert call.name == "lookup_rubric" and call.args == {"topic": "indexes"}
        await speak(session, tone(0.3))  # the candidate speaks before the tool answered
        cut = await collect(session, turn_complete)
        # the late answer to the cancelled call starts nothing
        await session.send_tool_response(
            function_responses=types.FunctionResponse(id=call.id, name=call.name, response={})
        )
        await speak(session, silence(0.7))
        answer = await collect(session, turn_complete)
    cancellation = next(m.tool_call_cancellation for m in cut if m.tool_call_cancellation)
    assert cancellation.ids == [call.id]
    assert content_flags(cut) == ["toolCallCancellation", "interrupted", "turn_complete"]
    assert content_flags(answer) == ["generation_complete", "turn_complete"]
    assert live.state.cancelled_calls == [call.id]
    assert live.state.replies_sent == 1


async def test_no_interruption_setting_lets_the_answer_finish(
    live: FakeGeminiLive, tls: LocalTLS
) -> None:
    live.push(Reply.say("A long answer.", audio_s=1.0), Reply.say("Noted."))
    config = types.LiveConnectConfig(
        realtime_input_config=types.RealtimeInputConfig(
            activity_handling=types.ActivityHandling.NO_INTERRUPTION
        )
    )
    async with client_for(live, tls).aio.live.connect(model=MODEL, config=config) as session:
        await session.send_client_content(
            turns=types.Content(role="user", parts=[types.Part(text="Go.")]), turn_complete=True
        )
        await collect(
            session, lambda m: bool(m.server_content and m.server_content.generation_complete)
        )
        await speak(session, tone(0.3))
        rest = await collect(session, turn_complete)
        await speak(session, silence(0.7))
        await collect(session, turn_complete)
    assert content_flags(rest) == ["turn_complete"]
    assert live.state.interruptions == 0 and live.state.replies_sent == 2


# --- turn detection follows the setup -------------------------------------------------------------


@pytest.mark.parametrize(("silence_ms", "turns"), [(300, 1), (1500, 0)])
async def test_end_of_speech_uses_the_setups_silence_duration(
    live: FakeGeminiLive, tls: LocalTLS, silence_ms: int, turns: int
) -> None:
    config = types.LiveConnectConfig(
        realtime_input_config=types.RealtimeInputConfig(
            automatic_activity_detection=types.AutomaticActivityDetection(
                silence_duration_ms=silence_ms
            )
        )
    )
    async with client_for(live, tls).aio.live.connect(model=MODEL, config=config) as session:
        await speak(session, tone(0.5) + silence(0.6))
        await asyncio.sleep(0.2)
    assert live.state.user_turns == turns


async def test_activity_signals_drive_turns_when_automatic_detection_is_off(
    live: FakeGeminiLive, tls: LocalTLS
) -> None:
    live.push(Reply.say("Understood."))
    live.push_transcripts("Manual turn")
    config = types.LiveConnectConfig(
        input_audio_transcription=types.AudioTranscriptionConfig(),
        realtime_input_config=types.RealtimeInputConfig(
            automatic_activity_detection=types.AutomaticActivityDetection(disabled=True)
        ),
    )
    async with client_for(live, tls).aio.live.connect(model=MODEL, config=config) as session:
        await speak(session, tone(0.5) + silence(1.0))  # no activityStart: not a turn
        assert live.state.user_turns == 0
        await session.send_realtime_input(activity_start=types.ActivityStart())
        await speak(session, silence(0.5))  # the client decides, not the energy
        await session.send_realtime_input(activity_end=types.ActivityEnd())
        messages = await collect(session, turn_complete)
    heard = "".join(
        m.server_content.input_transcription.text or ""
        for m in messages
        if m.server_content and m.server_content.input_transcription
    )
    assert heard == "Manual turn" and live.state.user_turns == 1


async def test_video_frames_are_recorded_with_their_size(
    live: FakeGeminiLive, tls: LocalTLS
) -> None:
    """The browser tests tell a camera from a screen share by the frames' shape."""

    def jpeg(width: int, height: int) -> bytes:
        buf = io.BytesIO()
        Image.new("RGB", (width, height), (200, 40, 40)).save(buf, format="JPEG")
        return buf.getvalue()

    live.push(Reply.say("Seen."))
    frames = [jpeg(64, 36), jpeg(30, 30), b"not an image"]
    async with client_for(live, tls).aio.live.connect(model=MODEL, config={}) as session:
        for data in frames:
            await session.send_realtime_input(video=types.Blob(data=data, mime_type="image/jpeg"))
        # one websocket, handled in order: once this turn is answered the frames were seen
        await session.send_client_content(
            turns=types.Content(role="user", parts=[types.Part(text="Look")]), turn_complete=True
        )
        await collect(session, turn_complete)
    assert live.state.video_frames == [("image/jpeg", len(data)) for data in frames]
    assert live.state.video_sizes == [(64, 36), (30, 30), None]


# --- setup validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "config", "reason"),
    [
        ("Bad Model!", {}, "invalid model name 'models/Bad Model!'"),
        (
            MODEL,
            types.LiveConnectConfig(
                tools=[
                    types.Tool(
                        function_declarations=[types.FunctionDeclaration(name="end interview")]
                    )
                ]
            ),
            "invalid function name 'end interview'",
        ),
        (
            MODEL,
            types.LiveConnectConfig(
                tools=[
                    types.Tool(function_declarations=[types.FunctionDeclaration(name="end")]),
                    types.Tool(function_declarations=[types.FunctionDeclaration(name="end")]),
                ]
            ),
            "Duplicate function declaration: end",
        ),
        (
            MODEL,
            types.LiveConnectConfig(
                tools=[
                    types.Tool(
                        function_declarations=[
                            types.FunctionDeclaration(
                                name="flag",
                                parameters=types.Schema(
                                    type=types.Type.OBJECT,
                                    properties={"topic": types.Schema(type=types.Type.STRING)},
                                    required=["reason"],
                                ),
                            )
                        ]
                    )
                ]
            ),
            "required names 'reason', which is not a property",
        ),
        (MODEL, types.LiveConnectConfig(temperature=2.5), "temperature must be between 0 and 2"),
        (
            MODEL,
            types.LiveConnectConfig(
                response_modalities=[types.Modality.TEXT, types.Modality.AUDIO]
            ),
            "response_modalities must be exactly one",
        ),
    ],
    ids=["model", "function-name", "duplicate-function", "required", "temperature", "modalities"],
)
async def test_the_real_client_gets_1007_for_a_bad_setup(
    live: FakeGeminiLive, tls: LocalTLS, model: str, config: Any, reason: str
) -> None:
    with pytest.raises(errors.APIError) as caught:
        async with client_for(live, tls).aio.live.connect(model=model, config=config):
            pass
    assert caught.value.code == 1007
    assert reason in str(caught.value)
    assert live.state.rejected and reason in live.state.rejected[0]
    assert live.state.contexts == []  # no session was started


async def raw_exchange(
    live: FakeGeminiLive, tls: LocalTLS, *messages: dict[str, Any]
) -> tuple[int, str]:
    """Send raw JSON messages (what no typed client would let through); the close code and
    reason the emulator answers with."""
    uri = f"wss://localhost:{live.port}/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"
    async with ws_connect(uri, ssl=tls.client_context()) as ws:
        for msg in messages:
            await ws.send(json.dumps(msg))
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(ws.recv(), 5)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code, closed.value.rcvd.reason


@pytest.mark.parametrize(
    ("messages", "reason"),
    [
        ([{"setup": {"generationConfig": {}}}], "setup.model is required"),
        (
            [{"setup": {"model": f"models/{MODEL}", "generationConfig": {"temprature": 0.5}}}],
            "Unknown name \"temprature\" at 'setup.generation_config'",
        ),
        (
            [
                {
                    "setup": {
                        "model": f"models/{MODEL}",
                        "generation_config": {"response_mime_type": "x"},
                    }
                }
            ],
            "response_mime_type is not supported in the Live API",
        ),
        (
            [
                {
                    "setup": {
                        "model": f"models/{MODEL}",
                        "tools": [
                            {
                                "functionDeclarations": [
                                    {"name": "f", "parameters": {"type": "object"}}
                                ]
                            }
                        ],
                    }
                }
            ],
            '"object"',
        ),
        (
            [{"setup": {"model": f"models/{MODEL}", "sessionResumption": {"transparent": True}}}],
            "transparent session resumption is not supported",
        ),
        ([{"clientContent": {"turns": [], "turnComplete": True}}], "first message must be a setup"),
        (
            [{"setup": {"model": f"models/{MODEL}"}}, {"realtimeInputs": {}}],
            'Unknown name "realtimeInputs"',
        ),
    ],
    ids=[
        "no-model",
        "unknown-field",
        "unsupported-field",
        "lowercase-type",
        "transparent",
        "no-setup",
        "unknown-message",
    ],
)
async def test_invalid_messages_close_with_1007_and_a_reason(
    live: FakeGeminiLive, tls: LocalTLS, messages: list[dict[str, Any]], reason: str
) -> None:
    code, text = await raw_exchange(live, tls, *messages)
    assert code == 1007
    assert reason in text
    assert len(text.encode()) <= 123


async def test_a_valid_setup_in_either_spelling_is_accepted(
    live: FakeGeminiLive, tls: LocalTLS
) -> None:
    """Protobuf JSON accepts camelCase and snake_case field names; google-genai sends both."""
    uri = f"wss://localhost:{live.port}/ws/x"
    setup = {
        "model": f"models/{MODEL}",
        "generationConfig": {"candidate_count": 1, "responseModalities": ["AUDIO"]},
        "realtime_input_config": {"automaticActivityDetection": {"silence_duration_ms": "800"}},
        "context_window_compression": {
            "triggerTokens": "2000",
            "sliding_window": {"target_tokens": 500},
        },
    }
    async with ws_connect(uri, ssl=tls.client_context()) as ws:
        await ws.send(json.dumps({"setup": setup}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5)) == {"setupComplete": {}}
    ctx = live.state.contexts[0]
    assert (ctx.trigger_tokens, ctx.target_tokens) == (2000, 500)


# --- server-side context: resumption and compression ---------------------------------------------


async def test_a_resumed_session_continues_from_its_handles_context(
    live: FakeGeminiLive, tls: LocalTLS
) -> None:
    live.push(Reply.say("Nice to meet you, Ada."), Reply.say("You said Ada."), Reply.say("Who?"))
    client = client_for(live, tls)
    resumable = types.LiveConnectConfig(session_resumption=types.SessionResumptionConfig())

    async def one_turn(config: types.LiveConnectConfig, text: str) -> list[types.LiveServerMessage]:
        async with client.aio.live.connect(model=MODEL, config=config) as session:
            await session.send_client_content(
                turns=types.Content(role="user", parts=[types.Part(text=text)]), turn_complete=True
            )
            return await collect(session, lambda m: m.session_resumption_update is not None)

    first = await one_turn(resumable, "My name is Ada and I build payment systems.")
    handle = first[-1].session_resumption_update.new_handle  # type: ignore[union-attr]
    assert handle
    resumed = types.LiveConnectConfig(
        session_resumption=types.SessionResumptionConfig(handle=handle)
    )
    second = await one_turn(resumed, "What is my name?")
    fresh = await one_turn(resumable, "What is my name?")

    st = live.state
    assert st.resumed_with == [handle] and st.unknown_handles == []
    assert st.contexts[1].texts() == [
        "My name is Ada and I build payment systems.",
        "Nice to meet you, Ada.",
        "What is my name?",
        "You said Ada.",
    ]
    assert st.contexts[2].texts() == ["What is my name?", "Who?"]
    # the restored turns are billed again as prompt: the client sees it in the usage

    def prompt(messages: list[types.LiveServerMessage]) -> int:
        return next(m.usage_metadata.prompt_token_count or 0 for m in messages if m.usage_metadata)

    assert prompt(second) > prompt(fresh) > 0


async def test_an_unknown_handle_starts_an_empty_session(
    live: FakeGeminiLive, tls: LocalTLS
) -> None:
    config = types.LiveConnectConfig(
        session_resumption=types.SessionResumptionConfig(handle="handle-from-elsewhere")
    )
    async with client_for(live, tls).aio.live.connect(model=MODEL, config=config):
        pass
    assert live.state.unknown_handles == ["handle-from-elsewhere"]
    assert live.state.contexts[0].texts() == []


async def test_sliding_window_compression_drops_the_oldest_turns(
    live: FakeGeminiLive, tls: LocalTLS
) -> None:
    config = types.LiveConnectConfig(
        context_window_compression=types.ContextWindowCompressionConfig(
            trigger_tokens=200, sliding_window=types.SlidingWindow(target_tokens=100)
        )
    )
    async with client_for(live, tls).aio.live.connect(model=MODEL, config=config) as session:
        for i in range(6):
            await session.send_client_content(
                turns=types.Content(role="user", parts=[types.Part(text=f"{i} " + "x" * 200)]),
                turn_complete=False,
            )
        await session.send_client_content(
            turns=types.Content(role="user", parts=[types.Part(text="last")]), turn_complete=True
        )
        messages = await collect(session, turn_complete)
    ctx = live.state.contexts[0]
    # 51 tokens a turn: the 4th crosses 200 and the window keeps the newest <= 100 tokens
    assert ctx.compressions == 1
    assert [t.split()[0] for t in ctx.texts("user")] == ["3", "4", "5", "last"]
    assert ctx.total_tokens <= 200
    usage = next(m.usage_metadata for m in messages if m.usage_metadata)
    assert usage is not None and (usage.prompt_token_count or 0) <= 200


# --- what the project sends: agent/session.py's build_realtime_model -----------------------------


def project_settings(live: FakeGeminiLive, tls: LocalTLS) -> AgentSettings:
    """Real settings with values no default has, so only the project's own values match."""
    return AgentSettings(
        livekit_url="ws://127.0.0.1:1",
        livekit_api_key="key",
        livekit_api_secret="secret",
        google_api_key="fake-key",
        gemini_base_url=live.base_url,
        gemini_ca_file=tls.ca_file,
        gemini_live_model="gemini-live-fidelity-test-001",
        gemini_voice="Kore",
        gemini_temperature=0.35,
        gemini_silence_ms=1234,
    )


@pytest.fixture
def plugin_kwargs(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What `build_realtime_model` passes to the plugin's RealtimeModel (which still runs)."""
    seen: dict[str, Any] = {}
    real = google.realtime.RealtimeModel

    def spy(**kwargs: Any) -> google.realtime.RealtimeModel:
        seen.update(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(google.realtime, "RealtimeModel", spy)  # agent/session.py's lookup
    return seen


def snake(d: dict[str, Any], *names: str) -> Any:
    """A field in either JSON spelling (google-genai sends nested objects in snake_case)."""
    for name in names:
        if name in d:
            return d[name]
    raise KeyError(names)


async def test_the_projects_live_setup_values(
    live: FakeGeminiLive, tls: LocalTLS, plugin_kwargs: dict[str, Any]
) -> None:
    settings = project_settings(live, tls)
    model = agent_session.build_realtime_model(settings)

    # 1. the project's own values, as passed to the plugin. The plugin sends sessionResumption
    # and both transcriptions even when the project passes nothing, so only this level shows
    # whether the project asks for them.
    assert isinstance(plugin_kwargs.get("session_resumption"), types.SessionResumptionConfig)
    assert plugin_kwargs["session_resumption"].handle is None  # a fresh interview
    compression = plugin_kwargs.get("context_window_compression")
    assert isinstance(compression, types.ContextWindowCompressionConfig)
    assert compression.sliding_window is not None  # audio+video sessions die without it
    assert isinstance(
        plugin_kwargs.get("input_audio_transcription"), types.AudioTranscriptionConfig
    )
    assert isinstance(
        plugin_kwargs.get("output_audio_transcription"), types.AudioTranscriptionConfig
    )
    detection = plugin_kwargs["realtime_input_config"].automatic_activity_detection
    assert detection.silence_duration_ms == settings.gemini_silence_ms == 1234
    assert not detection.disabled  # Gemini's server-side turn detection drives the turns
    assert (plugin_kwargs["model"], plugin_kwargs["voice"], plugin_kwargs["temperature"]) == (
        "gemini-live-fidelity-test-001",
        "Kore",
        0.35,
    )

    # 2. what reaches the service, accepted by the emulator's validation
    session = model.session()
    try:
        async with asyncio.timeout(10):
            while not live.state.contexts and not live.state.rejected:  # noqa: ASYNC110
                await asyncio.sleep(0.02)
    finally:
        await session.aclose()
        await model.aclose()
    assert live.state.rejected == []
    setup = live.state.setups[0]
    assert setup["model"] == "models/gemini-live-fidelity-test-001"
    generation = setup["generationConfig"]
    assert generation["temperature"] == 0.35
    assert generation["responseModalities"] == ["AUDIO"]
    voice = snake(
        snake(generation["speechConfig"], "voiceConfig", "voice_config"),
        "prebuiltVoiceConfig",
        "prebuilt_voice_config",
    )
    assert snake(voice, "voiceName", "voice_name") == "Kore"
    realtime = snake(
        setup["realtimeInputConfig"], "automaticActivityDetection", "automatic_activity_detection"
    )
    assert snake(realtime, "silenceDurationMs", "silence_duration_ms") == 1234
    assert snake(setup["contextWindowCompression"], "slidingWindow", "sliding_window") == {}
    assert setup["sessionResumption"] == {}
    assert setup["inputAudioTranscription"] == {} and setup["outputAudioTranscription"] == {}
    # and the emulator acts on them: end of speech after 1234 ms, compression on
    ctx = live.state.contexts[0]
    assert ctx.trigger_tokens is not None


class _Listener(Agent):
    def __init__(self) -> None:
        super().__init__(instructions="You are an interviewer. Ask about databases.")


async def test_the_projects_model_resumes_after_go_away_without_resending_context(
    live: FakeGeminiLive, tls: LocalTLS
) -> None:
    """Through the livekit plugin with the project's model: a GoAway reconnects with the latest
    handle, the server restores that context, and the plugin sends only what came after it, so
    the conversation continues where it was, once. The usage the plugin reports carries the
    modalities the cost computation needs."""
    live.push(Reply.say("Which database do you use?"))
    live.inject(Fault.GO_AWAY)
    live.push(Reply.say("Why PostgreSQL?"))
    model = agent_session.build_realtime_model(project_settings(live, tls))
    usage: list[RealtimeModelMetrics] = []
    with fake_job_context():
        session: AgentSession[None] = AgentSession(llm=model)
        await session.start(_Listener())
        # the plugin's own usage event (AgentSession's metrics_collected is deprecated)
        session.current_agent.realtime_llm_session.on("metrics_collected", usage.append)
        try:
            await asyncio.wait_for(
                session.generate_reply(user_input="Hi, I am Ada.").wait_for_playout(), 10
            )
            async with asyncio.timeout(10):
                while len(live.state.contexts) < 2:  # noqa: ASYNC110
                    await asyncio.sleep(0.02)
            await asyncio.wait_for(
                session.generate_reply(user_input="PostgreSQL, mostly.").wait_for_playout(), 10
            )
        finally:
            await session.aclose()
    st = live.state
    assert st.resumed_with == [st.handles_issued[0]]
    before, after = st.contexts
    assert after.texts()[: len(before.texts())] == before.texts()
    user_lines = after.texts("user")
    assert user_lines.count("Hi, I am Ada.") == 1 and "PostgreSQL, mostly." in user_lines
    assert after.texts("model")[-1] == "Why PostgreSQL?"
    assert usage and usage[-1].input_token_details.text_tokens > 0
    assert usage[-1].output_token_details.audio_tokens == math.ceil(0.3 * AUDIO_TOKENS_PER_S)
