"""A Gemini Live (BidiGenerateContent) emulator on loopback, for the agent's tests and benchmark.

Speaks the real wire protocol over TLS websockets (google-genai rewrites any base_url to
wss://), so the real `livekit.plugins.google.realtime.RealtimeModel` talks to it unchanged.

Behaviour is scripted:
- `script`: a list of `Reply`s, popped one per *trigger*. Triggers are a completed client turn
  (`clientContent` with `turnComplete`, i.e. `generate_reply`), a `toolResponse`, and the end of
  the user's speech in `realtimeInput` audio (a small energy VAD: speech, then the setup's
  `silenceDurationMs`, or `silence_ms`), or `activityEnd` when the setup turned automatic
  activity detection off.
  A `Reply` is a sequence of `say(text)` (audio + output transcription) and `call(name, args)`
  (a `toolCall`; the client answers with a `toolResponse`, which triggers the next Reply).
  An exhausted script answers `default_reply`.
- `transcripts`: what the user "said", one per detected user turn. Like the service, the
  emulator streams it as partial `inputTranscription` deltas while the user speaks (a word per
  `partial_word_s` of speech) and sends the rest when the speech ends.

What the real service does and the emulator reproduces (checked against the google-genai
client's types, which reject unknown fields):
- `setup` is validated (`gemini_live_setup.parse_setup`: model name, known generationConfig
  fields, well-formed tools, ...); a bad one is closed with 1007 and a reason.
- Barge-in: speech (`BARGE_IN_MIN_SPEECH_MS` of it, or `activityStart`) while the model is
  answering, unless the setup asked for `NO_INTERRUPTION`, stops the answer:
  `toolCallCancellation` for tool calls still waiting for their response, `interrupted`, then
  `turnComplete` (no `generationComplete`). A model turn is "answering" until its audio could
  have been played: like the service, the emulator sends `generationComplete` when it has sent
  everything and holds `turnComplete` until a client playing the chunks in real time would
  have finished (`playback_wait`).
- `turnComplete` carries `usageMetadata` with prompt and response tokens by modality, the
  prompt being the whole server-side context (`gemini_live_context`), and, when the Reply says
  so, a `turnCompleteReason`.
- Session resumption: only a setup with `sessionResumption` gets `sessionResumptionUpdate`
  handles (after each completed turn); a setup that resumes with a handle continues from the
  context that handle stood for (`state.contexts[i]`), and is recorded in `state.resumed_with`.
  A handle this emulator never issued starts an empty context (`state.unknown_handles`): what
  the service does with an expired handle is not modelled.
- Transcriptions are sent only when the setup asked for them; sliding-window compression drops
  the oldest context when the setup enabled it.

Fault injection (`inject(Fault...)`, consumed by the next reply): `CLOSE_1011_MID_TURN` sends
the first audio chunk and transcription of the reply then closes with 1011; `GO_AWAY` sends a
GoAway after the reply; `STALL` drops the trigger and stays silent on this connection (when
the trigger is the user's speech, silent from the start of that speech: no partial
transcription either); `STALL_AFTER_TRANSCRIPT` lets the user's transcription through (the
service's transcription runs apart from the model) and then stays silent.

`state` captures everything the client sent (setups, contents, tool responses, audio bytes,
video frames, connections, close codes) and what the emulator decided (rejected setups,
interruptions, cancelled calls, usage, contexts) for assertions.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import json
import math
import ssl
import time
from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np
from PIL import Image
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from .gemini_live_context import (
    AUDIO,
    FRAME_TOKENS,
    IMAGE,
    TEXT,
    ContextTurn,
    SessionContext,
    audio_tokens,
    text_tokens,
    usage_metadata,
)
from .gemini_live_setup import (
    DEFAULT_SILENCE_MS,
    SessionConfig,
    SetupRejected,
    close_reason,
    parse_setup,
)

OUTPUT_RATE = 24_000
INPUT_RATE = 16_000
INVALID_PAYLOAD = 1007
"""The websocket close code the service uses for a message it cannot accept."""
BARGE_IN_MIN_SPEECH_MS = 200
"""Uninterrupted speech it takes to interrupt the model, as a server VAD needs sustained voice
to start a turn: a click or a fake microphone's 20 ms beep does not cut the interviewer off."""

CLIENT_MESSAGES = frozenset(
    {"setup", "clientContent", "client_content", "realtimeInput", "realtime_input",
     "toolResponse", "tool_response"}
)  # fmt: skip


@dataclass(frozen=True)
class Say:
    text: str
    audio_s: float = 0.3


@dataclass(frozen=True)
class Call:
    name: str
    args: dict[str, Any] = field(default_factory=dict)


Step = Say | Call


@dataclass(frozen=True)
class Reply:
    steps: tuple[Step, ...]
    turn_complete_reason: str | None = None
    """Sent as `serverContent.turnCompleteReason` with this reply's `turnComplete` (a
    `google.genai.types.TurnCompleteReason` name, e.g. "NEED_MORE_INPUT")."""

    @classmethod
    def say(cls, text: str, audio_s: float = 0.3) -> Reply:
        return cls((Say(text, audio_s),))

    @classmethod
    def call(cls, name: str, **args: Any) -> Reply:
        return cls((Call(name, args),))

    @classmethod
    def wait_for_input(cls) -> Reply:
        """The model decides the user has not finished: an empty turn that ends with
        `turnCompleteReason: NEED_MORE_INPUT`."""
        return cls((), turn_complete_reason="NEED_MORE_INPUT")


class Fault(Enum):
    CLOSE_1011_MID_TURN = "close_1011_mid_turn"
    GO_AWAY = "go_away"
    STALL = "stall"
    STALL_AFTER_TRANSCRIPT = "stall_after_transcript"


@dataclass
class TurnTiming:
    """One reply: what triggered it and when (perf_counter, comparable across processes)."""

    user_text: str | None
    triggered_at: float
    first_audio_at: float | None = None
    interrupted: bool = False


@dataclass
class LiveState:
    paths: list[str] = field(default_factory=list)
    setups: list[dict[str, Any]] = field(default_factory=list)
    client_contents: list[dict[str, Any]] = field(default_factory=list)
    tool_responses: list[dict[str, Any]] = field(default_factory=list)
    audio_bytes: int = 0
    video_frames: list[tuple[str, int]] = field(default_factory=list)
    """(mime type, bytes) of every `realtimeInput` video frame, in arrival order."""
    video_sizes: list[tuple[int, int] | None] = field(default_factory=list)
    """(width, height) of the same frames, read from the image header (None: not an image
    Pillow can open): tells apart sources that differ in shape, e.g. a camera and a screen."""
    user_turns: int = 0
    replies_sent: int = 0
    """Model turns completed (`turnComplete` after the whole reply; interrupted ones excluded)."""
    connections: int = 0
    resumed_with: list[str] = field(default_factory=list)
    handles_issued: list[str] = field(default_factory=list)
    faults_fired: list[Fault] = field(default_factory=list)
    close_codes: list[int | None] = field(default_factory=list)
    """How connections ended: the client's close code, or the emulator's 1007 for a refused
    message."""
    errors: list[str] = field(default_factory=list)
    turns: list[TurnTiming] = field(default_factory=list)
    """Every reply trigger with the last user text sent before it (the benchmark's clock)."""
    rejected: list[str] = field(default_factory=list)
    """Close reasons of messages refused with 1007 (a bad setup, an unknown message)."""
    interruptions: int = 0
    cancelled_calls: list[str] = field(default_factory=list)
    """Tool call ids sent in `toolCallCancellation`."""
    partial_transcripts: list[str] = field(default_factory=list)
    """Every `inputTranscription` delta sent, in order."""
    usage: list[dict[str, Any]] = field(default_factory=list)
    """Every `usageMetadata` sent."""
    contexts: list[SessionContext] = field(default_factory=list)
    """The server-side context of each accepted connection, in connection order."""
    unknown_handles: list[str] = field(default_factory=list)
    """Resumption handles this emulator never issued (the session starts empty)."""


def _tone(seconds: float) -> bytes:
    n = int(OUTPUT_RATE * seconds)
    t = np.arange(n) / OUTPUT_RATE
    return (0.2 * 32767 * np.sin(2 * math.pi * 330 * t)).astype(np.int16).tobytes()


class FakeGeminiLive:
    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext,
        script: list[Reply] | None = None,
        transcripts: list[str] | None = None,
        default_reply: Reply | None = None,
        silence_ms: int | None = None,
        speech_rms: float = 500.0,
        chunk_s: float = 0.04,
        partial_word_s: float = 0.35,
        playback_wait: bool = True,
    ) -> None:
        """`silence_ms` overrides the setup's `silenceDurationMs` (default: the setup's, else
        600 ms). `playback_wait=False` sends `turnComplete` right after the last chunk."""
        self.state = LiveState()
        self._ssl = ssl_context
        self._script = list(script or [])
        self._transcripts = list(transcripts or [])
        self._default = default_reply or Reply.say("Okay.")
        self._silence_ms = silence_ms
        self._speech_rms = speech_rms
        self._chunk_s = chunk_s
        self._partial_word_s = partial_word_s
        self._playback_wait = playback_wait
        self._faults: list[Fault] = []
        self._server: Server | None = None
        self._handle_seq = 0
        self._call_seq = 0
        self._handle_contexts: dict[str, tuple[ContextTurn, ...]] = {}
        self.port = 0
        self.reply_delay_s = 0.0
        """Seconds each reply waits before its first message (a slow or degraded model);
        change it between turns to drive the agent's latency."""

    # --- control ----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"https://localhost:{self.port}"

    def push(self, *replies: Reply) -> None:
        self._script.extend(replies)

    def push_transcripts(self, *texts: str) -> None:
        self._transcripts.extend(texts)

    def inject(self, fault: Fault) -> None:
        self._faults.append(fault)

    async def start(self) -> None:
        self._server = await serve(self._handler, "127.0.0.1", 0, ssl=self._ssl, max_size=None)
        self.port = self._server.sockets[0].getsockname()[1]

    async def aclose(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> FakeGeminiLive:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # --- protocol ---------------------------------------------------------------------------

    async def _handler(self, ws: ServerConnection) -> None:
        try:
            await _Connection(self, ws).run()
        except ConnectionClosed as e:
            self.state.close_codes.append(e.rcvd.code if e.rcvd else None)
        except Exception as e:  # surface emulator bugs in the test, not as a bare 1011
            self.state.errors.append(repr(e))
            raise

    def _next_reply(self) -> Reply:
        return self._script.pop(0) if self._script else self._default

    def _next_transcript(self) -> str:
        return self._transcripts.pop(0) if self._transcripts else "(inaudible)"

    def _next_fault(self) -> Fault | None:
        return self._faults.pop(0) if self._faults else None

    def _new_handle(self, context: SessionContext) -> str:
        self._handle_seq += 1
        handle = f"handle-{self._handle_seq}"
        self._handle_contexts[handle] = context.turns
        self.state.handles_issued.append(handle)
        return handle

    def _context_of(self, handle: str) -> tuple[ContextTurn, ...] | None:
        return self._handle_contexts.get(handle)

    def _new_call_id(self) -> str:
        self._call_seq += 1
        return f"fc-{self._call_seq}"


def _get(d: dict[str, Any], *names: str) -> Any:
    for n in names:
        if n in d:
            return d[n]
    return None


class _Connection:
    def __init__(self, server: FakeGeminiLive, ws: ServerConnection) -> None:
        self._srv = server
        self._ws = ws
        self._config: SessionConfig | None = None
        self._context = SessionContext(prefix_tokens=0)
        self._stalled = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._lock = asyncio.Lock()
        self._last_user_text: str | None = None
        # the user's speech (energy VAD or activityStart/End)
        self._in_speech = False
        self._silent_samples = 0
        self._speech_samples = 0
        self._voiced_run_samples = 0
        self._words: list[str] = []
        self._words_sent = 0
        self._muted = False
        # the model's turn: open from a reply's start to its turnComplete
        self._turn_open = False
        self._reply_running = False
        self._barge_in = asyncio.Event()
        self._pending_calls: list[str] = []
        self._cancelled_calls: set[str] = set()
        self._spoken: list[str] = []
        self._turn_audio_samples = 0
        self._playback_until = 0.0
        self._turn_out: Counter[str] = Counter()
        self._prompt: Counter[str] = Counter()
        self._timing: TurnTiming | None = None

    async def run(self) -> None:
        st = self._srv.state
        st.paths.append(self._ws.request.path if self._ws.request else "")
        st.connections += 1
        try:
            async for raw in self._ws:
                try:
                    msg = json.loads(raw)
                except ValueError:
                    await self._reject("Invalid JSON payload received.")
                    return
                if not await self._on_message(msg):
                    return
        finally:
            for t in self._tasks:
                t.cancel()

    async def _send(self, msg: dict[str, Any]) -> None:
        await self._ws.send(json.dumps(msg))

    async def _reject(self, reason: str) -> None:
        reason = close_reason(reason)
        self._srv.state.rejected.append(reason)
        self._srv.state.close_codes.append(INVALID_PAYLOAD)
        await self._ws.close(code=INVALID_PAYLOAD, reason=reason)

    # --- client messages ------------------------------------------------------------------------

    async def _on_message(self, msg: Any) -> bool:
        """Handle one client message; False when the connection was closed because of it."""
        st = self._srv.state
        unknown = [k for k in msg if k not in CLIENT_MESSAGES] if isinstance(msg, dict) else []
        if not isinstance(msg, dict) or unknown or len(msg) != 1:
            name = unknown[0] if unknown else "?"
            await self._reject(
                f'Invalid JSON payload received. Unknown name "{name}": Cannot find field.'
            )
            return False
        if "setup" in msg:
            st.setups.append(msg["setup"])
            return await self._on_setup(msg["setup"])
        if self._config is None:
            await self._reject("The first message must be a setup message.")
            return False
        cc = _get(msg, "clientContent", "client_content")
        if cc is not None:
            self._on_client_content(cc)
            return True
        tr = _get(msg, "toolResponse", "tool_response")
        if tr is not None:
            self._on_tool_response(tr)
            return True
        ri = _get(msg, "realtimeInput", "realtime_input")
        if ri is not None:
            await self._on_realtime_input(ri)
        return True

    async def _on_setup(self, setup: Any) -> bool:
        if self._config is not None:
            await self._reject("setup may only be sent once, as the first message.")
            return False
        try:
            config = parse_setup(setup)
        except SetupRejected as e:
            await self._reject(e.reason)
            return False
        self._config = config
        self._context = SessionContext(
            prefix_tokens=text_tokens(config.system_text) + text_tokens(config.tools_text),
            trigger_tokens=config.compression_trigger_tokens,
            target_tokens=config.compression_target_tokens,
        )
        if config.resume_handle:
            self._srv.state.resumed_with.append(config.resume_handle)
            turns = self._srv._context_of(config.resume_handle)
            if turns is None:
                self._srv.state.unknown_handles.append(config.resume_handle)
            else:
                self._context.restore(turns)
        self._srv.state.contexts.append(self._context)
        await self._send({"setupComplete": {}})
        return True

    def _on_client_content(self, cc: dict[str, Any]) -> None:
        self._srv.state.client_contents.append(cc)
        for turn in cc.get("turns") or []:
            text = "".join(p.get("text", "") for p in turn.get("parts") or [])
            role = turn.get("role") or "user"
            self._context.add(ContextTurn.of(role, text, **{TEXT: text_tokens(text)}))
            if role == "user" and text and text != ".":
                self._last_user_text = text
        if _get(cc, "turnComplete", "turn_complete"):
            self._trigger()

    def _on_tool_response(self, tr: dict[str, Any]) -> None:
        self._srv.state.tool_responses.append(tr)
        responses = _get(tr, "functionResponses", "function_responses") or []
        ids = {r.get("id") for r in responses if r.get("id")}
        for r in responses:
            text = f"{r.get('name', '')}: {json.dumps(r.get('response', {}))}"
            self._context.add(ContextTurn.of("tool", text, **{TEXT: text_tokens(text)}))
        self._pending_calls = [i for i in self._pending_calls if i not in ids]
        if ids and ids <= self._cancelled_calls:
            return  # answers to cancelled calls: the turn they belonged to is over
        self._trigger()

    async def _on_realtime_input(self, ri: dict[str, Any]) -> None:
        st = self._srv.state
        audio = _get(ri, "audio")
        if audio is not None:
            await self._on_audio(base64.urlsafe_b64decode(_pad(audio.get("data", ""))))
        video = _get(ri, "video")
        if video is not None:
            data = base64.urlsafe_b64decode(_pad(video.get("data", "")))
            st.video_frames.append((_get(video, "mimeType", "mime_type"), len(data)))
            st.video_sizes.append(_image_size(data))
            self._context.add(ContextTurn.of("user", "", **{IMAGE: FRAME_TOKENS}))
        if _get(ri, "activityStart", "activity_start") is not None:
            self._speech_started()
            self._barge_in_if_answering()  # the client says it is speech: no need to wait
        if _get(ri, "activityEnd", "activity_end") is not None and self._in_speech:
            await self._speech_ended()
        if _get(ri, "audioStreamEnd", "audio_stream_end") and self._in_speech:
            await self._speech_ended()
        text = _get(ri, "text")
        if text:
            self._context.add(ContextTurn.of("user", text, **{TEXT: text_tokens(text)}))
            self._last_user_text = text
            self._trigger()

    # --- the user's speech ----------------------------------------------------------------------

    @property
    def _silence_ms(self) -> int:
        if self._srv._silence_ms is not None:
            return self._srv._silence_ms
        assert self._config is not None
        return (
            self._config.silence_ms if self._config.silence_ms is not None else DEFAULT_SILENCE_MS
        )

    async def _on_audio(self, pcm: bytes) -> None:
        self._srv.state.audio_bytes += len(pcm)
        samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float32)
        if samples.size == 0:
            return
        assert self._config is not None
        if not self._config.automatic_activity_detection:
            if self._in_speech:  # between the client's activityStart and activityEnd
                self._speech_samples += samples.size
                await self._stream_partial()
            return
        rms = float(np.sqrt(np.mean(samples**2)))
        if rms >= self._srv._speech_rms:
            if not self._in_speech:
                self._speech_started()
            self._silent_samples = 0
            self._speech_samples += samples.size
            self._voiced_run_samples += samples.size
            if self._voiced_run_samples * 1000 >= BARGE_IN_MIN_SPEECH_MS * INPUT_RATE:
                self._barge_in_if_answering()
            await self._stream_partial()
        elif self._in_speech:
            # the silence that ends a turn belongs to it (and to its audio tokens)
            self._voiced_run_samples = 0
            self._silent_samples += samples.size
            self._speech_samples += samples.size
            if self._silent_samples * 1000 >= self._silence_ms * INPUT_RATE:
                await self._speech_ended()

    def _speech_started(self) -> None:
        self._in_speech = True
        self._silent_samples = 0
        self._speech_samples = 0
        self._words = self._srv._next_transcript().split()
        self._words_sent = 0
        # a STALL waiting for this turn silences it from its start
        self._muted = bool(self._srv._faults) and self._srv._faults[0] is Fault.STALL

    def _barge_in_if_answering(self) -> None:
        """The user speaks while the model answers: end the model's turn (unless the setup
        asked for NO_INTERRUPTION)."""
        assert self._config is not None
        if not self._turn_open or not self._config.barge_in or self._barge_in.is_set():
            return
        self._barge_in.set()
        if not self._reply_running:  # waiting for a tool response: nothing else will
            self._spawn(self._interrupt_idle_turn())

    async def _stream_partial(self) -> None:
        """Send the words "heard" so far, a word per `partial_word_s` of speech, keeping the
        last word for the end of the turn (the service's transcript trails the audio)."""
        assert self._config is not None
        if not self._config.input_transcription or self._muted or self._barge_in.is_set():
            return  # muted by a stall; or an interruption goes out first
        spoken_s = self._speech_samples / INPUT_RATE
        due = min(int(spoken_s / self._srv._partial_word_s), len(self._words) - 1)
        while self._words_sent < due:
            await self._send_transcript(self._words[self._words_sent : self._words_sent + 1])

    async def _send_transcript(self, words: list[str]) -> None:
        text = ("" if self._words_sent == 0 else " ") + " ".join(words)
        self._words_sent += len(words)
        self._srv.state.partial_transcripts.append(text)
        await self._send({"serverContent": {"inputTranscription": {"text": text}}})

    async def _send_rest_of_transcript(self) -> None:
        assert self._config is not None
        if self._config.input_transcription and self._words_sent < len(self._words):
            await self._send_transcript(self._words[self._words_sent :])

    async def _speech_ended(self) -> None:
        self._in_speech = False
        self._silent_samples = 0
        self._srv.state.user_turns += 1
        text = " ".join(self._words)
        tokens = audio_tokens(self._speech_samples, INPUT_RATE)
        self._context.add(ContextTurn.of("user", text, **{AUDIO: tokens}))
        self._trigger(user_text=text)

    # --- the model's replies --------------------------------------------------------------------

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _trigger(self, *, user_text: str | None = None) -> None:
        timing = TurnTiming(user_text or self._last_user_text, time.perf_counter())
        self._last_user_text = None
        self._srv.state.turns.append(timing)
        if self._stalled:
            return
        self._spawn(self._reply(user_text is not None, timing))

    async def _reply(self, spoken_turn: bool, timing: TurnTiming) -> None:
        srv = self._srv
        assert self._config is not None
        async with self._lock:  # one reply at a time, in trigger order
            fault = srv._next_fault()
            if fault is Fault.STALL_AFTER_TRANSCRIPT and spoken_turn:
                await self._send_rest_of_transcript()
            if fault in (Fault.STALL, Fault.STALL_AFTER_TRANSCRIPT):
                srv.state.faults_fired.append(fault)
                self._stalled = True
                return
            self._reply_running = True
            try:
                await self._run_reply(spoken_turn, timing, fault)
            finally:
                self._reply_running = False

    async def _run_reply(self, spoken_turn: bool, timing: TurnTiming, fault: Fault | None) -> None:
        srv = self._srv
        assert self._config is not None
        if srv.reply_delay_s > 0:
            await asyncio.sleep(srv.reply_delay_s)
        if not self._turn_open:
            self._begin_turn(timing)
        if spoken_turn:
            await self._send_rest_of_transcript()
        self._prompt = self._context.by_modality()
        reply = srv._next_reply()
        for step in reply.steps:
            if self._barge_in.is_set():
                await self._end_interrupted_turn()
                return
            if isinstance(step, Call):
                await self._send_call(step)
                continue
            if not await self._speak(step, fault, timing):
                return
        if self._barge_in.is_set():
            await self._end_interrupted_turn()
            return
        if reply.steps and isinstance(reply.steps[-1], Call):
            return  # the turn continues after the tool response
        if reply.steps:  # an empty turn (NEED_MORE_INPUT) generated nothing to complete
            await self._send({"serverContent": {"generationComplete": True}})
        if await self._wait_for_playback():
            await self._end_interrupted_turn()
            return
        await self._end_turn(reply.turn_complete_reason)
        srv.state.replies_sent += 1
        if fault is Fault.GO_AWAY:
            srv.state.faults_fired.append(fault)
            await self._send({"goAway": {"timeLeft": "1s"}})

    def _begin_turn(self, timing: TurnTiming) -> None:
        self._turn_open = True
        self._barge_in.clear()
        self._spoken = []
        self._turn_audio_samples = 0
        self._playback_until = 0.0
        self._turn_out = Counter()
        self._timing = timing

    async def _send_call(self, step: Call) -> None:
        call_id = self._srv._new_call_id()
        self._pending_calls.append(call_id)
        await self._send(
            {"toolCall": {"functionCalls": [{"id": call_id, "name": step.name, "args": step.args}]}}
        )
        text = f"{step.name}({json.dumps(step.args)})"
        self._turn_out[TEXT] += text_tokens(text)
        self._context.add(ContextTurn.of("model", text, **{TEXT: text_tokens(text)}))

    async def _wait_for_playback(self) -> bool:
        """Hold `turnComplete` until the turn's audio could have been played; True when the
        user barged in meanwhile."""
        remaining = self._playback_until - time.perf_counter()
        if self._srv._playback_wait and remaining > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._barge_in.wait(), remaining)
        return self._barge_in.is_set()

    def _close_model_turn(self) -> None:
        """The model's words as far as they were sent join the context (the service keeps only
        what reached the client when a turn is interrupted)."""
        if self._spoken or self._turn_audio_samples:
            tokens = audio_tokens(self._turn_audio_samples, OUTPUT_RATE)
            self._context.add(ContextTurn.of("model", " ".join(self._spoken), **{AUDIO: tokens}))
            self._turn_out[AUDIO] += tokens
        self._turn_open = False

    async def _end_turn(self, reason: str | None) -> None:
        self._close_model_turn()
        content: dict[str, Any] = {"turnComplete": True}
        if reason:
            content["turnCompleteReason"] = reason
        usage = usage_metadata(self._prompt, self._turn_out)
        self._srv.state.usage.append(usage)
        await self._send({"serverContent": content, "usageMetadata": usage})
        assert self._config is not None
        if self._config.resumption:
            handle = self._srv._new_handle(self._context)
            await self._send({"sessionResumptionUpdate": {"newHandle": handle, "resumable": True}})

    async def _end_interrupted_turn(self) -> None:
        st = self._srv.state
        if self._pending_calls:
            st.cancelled_calls.extend(self._pending_calls)
            self._cancelled_calls.update(self._pending_calls)
            await self._send({"toolCallCancellation": {"ids": list(self._pending_calls)}})
            self._pending_calls = []
        await self._send({"serverContent": {"interrupted": True}})
        st.interruptions += 1
        if self._timing is not None:
            self._timing.interrupted = True
        await self._end_turn(None)
        self._barge_in.clear()

    async def _interrupt_idle_turn(self) -> None:
        async with self._lock:
            if self._turn_open and self._barge_in.is_set():
                await self._end_interrupted_turn()

    async def _speak(self, step: Say, fault: Fault | None, timing: TurnTiming) -> bool:
        """Send one spoken step; False when an injected fault closed the connection or the
        user barged in (the turn is then over)."""
        assert self._config is not None
        pcm = _tone(step.audio_s)
        chunk = int(OUTPUT_RATE * self._srv._chunk_s) * 2
        words = step.text.split(" ")
        chunks = [pcm[i : i + chunk] for i in range(0, len(pcm), chunk)] or [b""]
        per_chunk = max(1, math.ceil(len(words) / len(chunks)))
        for i, data in enumerate(chunks):
            if self._barge_in.is_set():
                await self._end_interrupted_turn()
                return False
            content: dict[str, Any] = {
                "modelTurn": {
                    "parts": [
                        {
                            "inlineData": {
                                "mimeType": f"audio/pcm;rate={OUTPUT_RATE}",
                                "data": base64.b64encode(data).decode(),
                            }
                        }
                    ]
                }
            }
            said = words[i * per_chunk : (i + 1) * per_chunk]
            text = " ".join(said)
            if text and self._config.output_transcription:
                content["outputTranscription"] = {"text": ("" if i == 0 else " ") + text}
            if timing.first_audio_at is None:
                timing.first_audio_at = time.perf_counter()
            await self._send({"serverContent": content})
            self._spoken.extend(w for w in said if w)
            self._turn_audio_samples += len(data) // 2
            seconds = len(data) / 2 / OUTPUT_RATE
            # a client playing in real time: each chunk starts when the previous one ends
            self._playback_until = max(self._playback_until, time.perf_counter()) + seconds
            if fault is Fault.CLOSE_1011_MID_TURN:
                self._srv.state.faults_fired.append(fault)
                await self._ws.close(code=1011, reason="internal error (injected)")
                return False
            await asyncio.sleep(0)  # let the client's audio (a barge-in) through between chunks
        return True


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from the header only (Pillow opens lazily: no decoding per frame)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except (OSError, ValueError):
        return None


def _pad(b64: str) -> str:
    return b64 + "=" * (-len(b64) % 4)
