"""A Gemini Live (BidiGenerateContent) emulator on loopback, for the agent's tests and benchmark.

Speaks the real wire protocol over TLS websockets (google-genai rewrites any base_url to
wss://), so the real `livekit.plugins.google.realtime.RealtimeModel` talks to it unchanged.

Behaviour is scripted:
- `script`: a list of `Reply`s, popped one per *trigger*. Triggers are a completed client turn
  (`clientContent` with `turnComplete`, i.e. `generate_reply`), a `toolResponse`, and the end of
  the user's speech in `realtimeInput` audio (a small energy VAD: speech, then `silence_ms`).
  A `Reply` is a sequence of `say(text)` (audio + output transcription) and `call(name, args)`
  (a `toolCall`; the client answers with a `toolResponse`, which triggers the next Reply).
  An exhausted script answers `default_reply`.
- `transcripts`: what the user "said", one per detected user turn (sent as inputTranscription).
- After each completed turn a `sessionResumptionUpdate` hands out a fresh handle; a reconnect
  whose setup carries a handle is recorded in `state.resumed_with`.

Fault injection (`inject(Fault...)`, consumed by the next reply): `CLOSE_1011_MID_TURN` sends
the first audio chunk and transcription of the reply then closes with 1011; `GO_AWAY` sends a
GoAway after the reply; `STALL` drops the trigger and stays silent on this connection.

`state` captures everything the client sent (setups, contents, tool responses, audio bytes,
video frames, connections, close codes) for assertions.
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
import ssl
import time
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

OUTPUT_RATE = 24_000
INPUT_RATE = 16_000


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

    @classmethod
    def say(cls, text: str, audio_s: float = 0.3) -> Reply:
        return cls((Say(text, audio_s),))

    @classmethod
    def call(cls, name: str, **args: Any) -> Reply:
        return cls((Call(name, args),))


class Fault(Enum):
    CLOSE_1011_MID_TURN = "close_1011_mid_turn"
    GO_AWAY = "go_away"
    STALL = "stall"


@dataclass
class TurnTiming:
    """One reply: what triggered it and when (perf_counter, comparable across processes)."""

    user_text: str | None
    triggered_at: float
    first_audio_at: float | None = None


@dataclass
class LiveState:
    paths: list[str] = field(default_factory=list)
    setups: list[dict[str, Any]] = field(default_factory=list)
    client_contents: list[dict[str, Any]] = field(default_factory=list)
    tool_responses: list[dict[str, Any]] = field(default_factory=list)
    audio_bytes: int = 0
    video_frames: list[tuple[str, int]] = field(default_factory=list)
    user_turns: int = 0
    replies_sent: int = 0
    connections: int = 0
    resumed_with: list[str] = field(default_factory=list)
    handles_issued: list[str] = field(default_factory=list)
    faults_fired: list[Fault] = field(default_factory=list)
    close_codes: list[int | None] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    turns: list[TurnTiming] = field(default_factory=list)
    """Every reply trigger with the last user text sent before it (the benchmark's clock)."""


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
        silence_ms: int = 600,
        speech_rms: float = 500.0,
        chunk_s: float = 0.04,
    ) -> None:
        self.state = LiveState()
        self._ssl = ssl_context
        self._script = list(script or [])
        self._transcripts = list(transcripts or [])
        self._default = default_reply or Reply.say("Okay.")
        self._silence_ms = silence_ms
        self._speech_rms = speech_rms
        self._chunk_s = chunk_s
        self._faults: list[Fault] = []
        self._server: Server | None = None
        self._handle_seq = 0
        self._call_seq = 0
        self.port = 0

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

    def _new_handle(self) -> str:
        self._handle_seq += 1
        handle = f"handle-{self._handle_seq}"
        self.state.handles_issued.append(handle)
        return handle

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
        self._stalled = False
        self._in_speech = False
        self._silent_s = 0.0
        self._tasks: set[asyncio.Task[None]] = set()
        self._lock = asyncio.Lock()
        self._last_user_text: str | None = None

    async def run(self) -> None:
        st = self._srv.state
        st.paths.append(self._ws.request.path if self._ws.request else "")
        st.connections += 1
        try:
            async for raw in self._ws:
                await self._on_message(json.loads(raw))
        finally:
            for t in self._tasks:
                t.cancel()

    async def _send(self, msg: dict[str, Any]) -> None:
        await self._ws.send(json.dumps(msg))

    async def _on_message(self, msg: dict[str, Any]) -> None:
        st = self._srv.state
        if "setup" in msg:
            setup = msg["setup"]
            st.setups.append(setup)
            handle = (_get(setup, "sessionResumption", "session_resumption") or {}).get("handle")
            if handle:
                st.resumed_with.append(handle)
            await self._send({"setupComplete": {}})
            return
        cc = _get(msg, "clientContent", "client_content")
        if cc is not None:
            st.client_contents.append(cc)
            for turn in cc.get("turns") or []:
                if turn.get("role") == "user":
                    text = "".join(p.get("text", "") for p in turn.get("parts") or [])
                    if text and text != ".":
                        self._last_user_text = text
            if _get(cc, "turnComplete", "turn_complete"):
                self._trigger()
            return
        tr = _get(msg, "toolResponse", "tool_response")
        if tr is not None:
            st.tool_responses.append(tr)
            self._trigger()
            return
        ri = _get(msg, "realtimeInput", "realtime_input")
        if ri is not None:
            audio = _get(ri, "audio")
            if audio is not None:
                self._on_audio(base64.urlsafe_b64decode(_pad(audio.get("data", ""))))
            video = _get(ri, "video")
            if video is not None:
                data = base64.urlsafe_b64decode(_pad(video.get("data", "")))
                st.video_frames.append((_get(video, "mimeType", "mime_type"), len(data)))

    def _on_audio(self, pcm: bytes) -> None:
        self._srv.state.audio_bytes += len(pcm)
        samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float32)
        if samples.size == 0:
            return
        rms = float(np.sqrt(np.mean(samples**2)))
        dur = samples.size / INPUT_RATE
        if rms >= self._srv._speech_rms:
            self._in_speech = True
            self._silent_s = 0.0
        elif self._in_speech:
            self._silent_s += dur
            if self._silent_s * 1000 >= self._srv._silence_ms:
                self._in_speech = False
                self._silent_s = 0.0
                self._srv.state.user_turns += 1
                self._trigger(user_text=self._srv._next_transcript())

    def _trigger(self, *, user_text: str | None = None) -> None:
        timing = TurnTiming(user_text or self._last_user_text, time.perf_counter())
        self._last_user_text = None
        self._srv.state.turns.append(timing)
        if self._stalled:
            return
        task = asyncio.create_task(self._reply(user_text, timing))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _reply(self, user_text: str | None, timing: TurnTiming) -> None:
        srv = self._srv
        async with self._lock:  # one reply at a time, in trigger order
            fault = srv._next_fault()
            if fault is Fault.STALL:
                srv.state.faults_fired.append(fault)
                self._stalled = True
                return
            if user_text:
                await self._send({"serverContent": {"inputTranscription": {"text": user_text}}})
            reply = srv._next_reply()
            for step in reply.steps:
                if isinstance(step, Call):
                    await self._send(
                        {
                            "toolCall": {
                                "functionCalls": [
                                    {"id": srv._new_call_id(), "name": step.name, "args": step.args}
                                ]
                            }
                        }
                    )
                    continue
                if not await self._speak(step, fault, timing):
                    return
            if reply.steps and isinstance(reply.steps[-1], Call):
                return  # the turn continues after the tool response
            await self._send({"serverContent": {"generationComplete": True}})
            await self._send(
                {
                    "serverContent": {"turnComplete": True},
                    "usageMetadata": {
                        "promptTokenCount": 100,
                        "responseTokenCount": 20,
                        "totalTokenCount": 120,
                    },
                }
            )
            srv.state.replies_sent += 1
            await self._send(
                {"sessionResumptionUpdate": {"newHandle": srv._new_handle(), "resumable": True}}
            )
            if fault is Fault.GO_AWAY:
                srv.state.faults_fired.append(fault)
                await self._send({"goAway": {"timeLeft": "1s"}})

    async def _speak(self, step: Say, fault: Fault | None, timing: TurnTiming) -> bool:
        """Send one spoken step; False when an injected fault closed the connection."""
        pcm = _tone(step.audio_s)
        chunk = int(OUTPUT_RATE * self._srv._chunk_s) * 2
        words = step.text.split(" ")
        chunks = [pcm[i : i + chunk] for i in range(0, len(pcm), chunk)] or [b""]
        per_chunk = max(1, math.ceil(len(words) / len(chunks)))
        for i, data in enumerate(chunks):
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
            text = " ".join(words[i * per_chunk : (i + 1) * per_chunk])
            if text:
                content["outputTranscription"] = {"text": ("" if i == 0 else " ") + text}
            if timing.first_audio_at is None:
                timing.first_audio_at = time.perf_counter()
            await self._send({"serverContent": content})
            if fault is Fault.CLOSE_1011_MID_TURN:
                self._srv.state.faults_fired.append(fault)
                await self._ws.close(code=1011, reason="internal error (injected)")
                return False
        return True


def _pad(b64: str) -> str:
    return b64 + "=" * (-len(b64) % 4)
