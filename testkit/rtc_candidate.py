"""A candidate in a real LiveKit room, driven by the `livekit` rtc SDK (the one livekit-agents
uses), for the end-to-end tests and benchmarks.

It joins with the token the token server minted, publishes a microphone (real-time paced PCM:
queued WAVs, silence in between, as a live microphone sends) and optionally a camera (a still
image repeated at a few fps), subscribes to everything, and keeps what it heard from the agent:
per-frame energy with the arrival time, so tests can assert the greeting was audible and
benchmarks can measure end of speech -> first agent audio through the real media path.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from livekit import rtc

MIC_RATE = 48_000
FRAME_MS = 10
AUDIBLE_RMS = 300.0
"""int16 RMS above which a received frame counts as sound (Opus noise floor is far below)."""


@dataclass(frozen=True)
class HeardFrame:
    at: float
    """time.perf_counter() when the decoded frame reached the client."""
    rms: float


@dataclass
class AgentAudio:
    frames: list[HeardFrame] = field(default_factory=list)

    def audible(self, *, after: float = 0.0) -> list[HeardFrame]:
        return [f for f in self.frames if f.at >= after and f.rms >= AUDIBLE_RMS]

    def first_audible_after(self, t: float) -> float | None:
        heard = self.audible(after=t)
        return heard[0].at if heard else None

    def max_rms(self) -> float:
        return max((f.rms for f in self.frames), default=0.0)


def load_wav_48k(path: Path) -> np.ndarray:
    """A mono int16 WAV resampled (nearest sample) to the microphone rate."""
    with wave.open(str(path), "rb") as w:
        rate = w.getframerate()
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
        if w.getnchannels() > 1:
            pcm = pcm.reshape(-1, w.getnchannels())[:, 0]
    idx = (np.arange(int(len(pcm) * MIC_RATE / rate)) * rate / MIC_RATE).astype(np.int64)
    return trim_silence(np.ascontiguousarray(pcm[idx]))


def trim_silence(pcm: np.ndarray, *, threshold: float = AUDIBLE_RMS) -> np.ndarray:
    """Without leading and trailing quiet (espeak-ng pads ~0.3 s): "end of speech" is then the
    last sound, which is what a latency measured from it must start at."""
    window = MIC_RATE * FRAME_MS // 1000
    loud = [
        i
        for i in range(0, len(pcm) - window + 1, window)
        if np.sqrt(np.mean(pcm[i : i + window].astype(np.float32) ** 2)) >= threshold
    ]
    if not loud:
        return pcm
    return np.ascontiguousarray(pcm[loud[0] : loud[-1] + window])


class RtcCandidate:
    """One candidate participant. `async with RtcCandidate(url, token) as c: ...`."""

    def __init__(self, url: str, token: str, *, camera_rgb: np.ndarray | None = None) -> None:
        self._url = url
        self._token = token
        self._camera = camera_rgb
        self.room = rtc.Room()
        self.agent_audio = AgentAudio()
        """Every remote audio track heard (in an interview: the agent's)."""
        self.attribute_updates: list[dict[str, str]] = []
        self._speech: list[np.ndarray] = []
        self._speech_done: list[asyncio.Event] = []
        self._speech_ended_at: list[float] = []
        self._speech_started_at: list[float] = []
        self._tasks: set[asyncio.Task[None]] = set()
        # a short queue: the pump paces in real time, and a deep queue would delay the speech
        self._mic = rtc.AudioSource(MIC_RATE, 1, queue_size_ms=100)
        self._agent_joined = asyncio.Event()
        self._audio_subscribed = asyncio.Event()

    # --- lifecycle --------------------------------------------------------------------------

    async def connect(self) -> None:
        self.room.on("track_subscribed", self._on_track)
        self.room.on("participant_attributes_changed", self._on_attributes)
        self.room.on("participant_connected", self._on_participant)
        await self.room.connect(self._url, self._token, rtc.RoomOptions(auto_subscribe=True))
        for p in self.room.remote_participants.values():
            self._on_participant(p)
        mic = rtc.LocalAudioTrack.create_audio_track("microphone", self._mic)
        await self.room.local_participant.publish_track(
            mic, rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
        )
        self._spawn(self._pump_microphone())
        if self._camera is not None:
            h, w = self._camera.shape[:2]
            source = rtc.VideoSource(w, h)
            cam = rtc.LocalVideoTrack.create_video_track("camera", source)
            await self.room.local_participant.publish_track(
                cam, rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_CAMERA)
            )
            self._spawn(self._pump_camera(source, self._camera))

    async def aclose(self) -> None:
        for t in list(self._tasks):
            t.cancel()
        for t in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        await self.room.disconnect()

    async def __aenter__(self) -> RtcCandidate:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # --- what a test does -------------------------------------------------------------------

    async def wait_for_agent(self, *, timeout_s: float) -> rtc.RemoteParticipant:
        await asyncio.wait_for(self._agent_joined.wait(), timeout_s)
        return self.agent()

    def agent(self) -> rtc.RemoteParticipant:
        for p in self.room.remote_participants.values():
            if p.kind == rtc.ParticipantKind.PARTICIPANT_KIND_AGENT:
                return p
        raise LookupError("no agent in the room")

    async def wait_for_audible(self, *, after: float = 0.0, timeout_s: float) -> float:
        """perf_counter time of the first audible agent frame after `after`."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            at = self.agent_audio.first_audible_after(after)
            if at is not None:
                return at
            await asyncio.sleep(0.02)
        raise TimeoutError(
            f"no audible agent audio within {timeout_s} s "
            f"(max rms {self.agent_audio.max_rms():.0f})"
        )

    async def wait_for_attribute(self, name: str, *, timeout_s: float) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with contextlib.suppress(LookupError):
                value = self.agent().attributes.get(name)
                if value is not None:
                    return value
            await asyncio.sleep(0.05)
        raise TimeoutError(f"agent attribute {name!r} not seen within {timeout_s} s")

    async def wait_for_quiet(self, *, quiet_s: float = 0.5, timeout_s: float = 30) -> None:
        """Until no audible agent frame arrived for `quiet_s` (the agent finished speaking)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            heard = self.agent_audio.audible(after=time.perf_counter() - quiet_s)
            if not heard:
                return
            await asyncio.sleep(0.05)
        raise TimeoutError(f"the agent kept speaking for {timeout_s} s")

    async def measure_turns(
        self, speech: np.ndarray, *, turns: int, timeout_s: float = 15
    ) -> list[float]:
        """Say `speech` `turns` times, each after the agent's reply ended; per turn, ms from
        the end of our speech to the first audible agent frame (through the real media path)."""
        latencies: list[float] = []
        for _ in range(turns):
            await self.wait_for_quiet()
            await asyncio.wait_for(self.say(speech).wait(), 60)
            ended = self._speech_ended_at[-1]
            heard = await self.wait_for_audible(after=ended, timeout_s=timeout_s)
            latencies.append((heard - ended) * 1000)
        return latencies

    def say(self, pcm_48k: np.ndarray) -> asyncio.Event:
        """Queue an utterance; the event is set when its last sample has been sent."""
        done = asyncio.Event()
        self._speech.append(pcm_48k)
        self._speech_done.append(done)
        return done

    @property
    def speech_started_at(self) -> list[float]:
        """perf_counter time the first sample of each utterance left the audio source."""
        return list(self._speech_started_at)

    @property
    def speech_ended_at(self) -> list[float]:
        """perf_counter time the last sample of each utterance left the audio source."""
        return list(self._speech_ended_at)

    async def selected_candidate_addresses(self) -> list[tuple[str, str]]:
        """(local, remote) addresses of the selected ICE candidate pair of each transport."""
        stats = await self.room.get_rtc_stats()
        out: list[tuple[str, str]] = []
        for group in (stats.publisher_stats, stats.subscriber_stats):
            pairs: dict[str, Any] = {}
            local: dict[str, str] = {}
            remote: dict[str, str] = {}
            selected: set[str] = set()
            for s in group:
                kind = s.WhichOneof("stats")
                if kind == "candidate_pair":
                    pairs[s.candidate_pair.rtc.id] = s.candidate_pair.candidate_pair
                elif kind == "local_candidate":
                    local[s.local_candidate.rtc.id] = s.local_candidate.candidate.address
                elif kind == "remote_candidate":
                    remote[s.remote_candidate.rtc.id] = s.remote_candidate.candidate.address
                elif kind == "transport" and s.transport.transport.selected_candidate_pair_id:
                    selected.add(s.transport.transport.selected_candidate_pair_id)
            chosen = selected or {pid for pid, p in pairs.items() if p.nominated}
            for pid in chosen:
                pair = pairs.get(pid)
                if pair is not None:
                    out.append(
                        (
                            local.get(pair.local_candidate_id, ""),
                            remote.get(pair.remote_candidate_id, ""),
                        )
                    )
        return out

    # --- internals --------------------------------------------------------------------------

    def _spawn(self, coro: object) -> None:
        task = asyncio.ensure_future(coro)  # type: ignore[call-overload]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _on_participant(self, participant: rtc.RemoteParticipant) -> None:
        if participant.kind == rtc.ParticipantKind.PARTICIPANT_KIND_AGENT:
            self._agent_joined.set()

    def _on_attributes(self, changed: dict[str, str], participant: rtc.Participant) -> None:
        if isinstance(participant, rtc.RemoteParticipant):
            self.attribute_updates.append(dict(changed))

    def _on_track(
        self,
        track: rtc.Track,
        publication: rtc.RemoteTrackPublication,
        participant: rtc.RemoteParticipant,
    ) -> None:
        if track.kind == rtc.TrackKind.KIND_AUDIO:
            self._audio_subscribed.set()
            self._spawn(self._listen(track))

    async def _listen(self, track: rtc.Track) -> None:
        stream = rtc.AudioStream(track, sample_rate=MIC_RATE, num_channels=1)
        try:
            async for event in stream:
                pcm = np.frombuffer(event.frame.data, dtype=np.int16).astype(np.float32)
                rms = float(np.sqrt(np.mean(pcm**2))) if pcm.size else 0.0
                self.agent_audio.frames.append(HeardFrame(time.perf_counter(), rms))
        finally:
            await stream.aclose()

    async def _pump_microphone(self) -> None:
        """10 ms frames in real time: queued speech, silence otherwise."""
        spf = MIC_RATE * FRAME_MS // 1000
        silence = np.zeros(spf, dtype=np.int16)
        current: np.ndarray | None = None
        pos = 0
        start = time.perf_counter()
        sent = 0
        while True:
            if current is None and self._speech:
                current, pos = self._speech.pop(0), 0
                self._speech_started_at.append(time.perf_counter() + self._mic.queued_duration)
            if current is not None:
                chunk = current[pos : pos + spf]
                pos += spf
                if chunk.size < spf:
                    chunk = np.concatenate([chunk, silence[: spf - chunk.size]])
            else:
                chunk = silence
            frame = rtc.AudioFrame(chunk.tobytes(), MIC_RATE, 1, spf)
            await self._mic.capture_frame(frame)
            if current is not None and pos >= current.size:
                current = None
                # the last sample leaves the source once what is queued before it has played
                self._speech_ended_at.append(time.perf_counter() + self._mic.queued_duration)
                self._speech_done.pop(0).set()
            sent += 1
            delay = start + sent * FRAME_MS / 1000 - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)

    async def _pump_camera(self, source: rtc.VideoSource, rgb: np.ndarray, fps: float = 5) -> None:
        h, w = rgb.shape[:2]
        rgba = np.concatenate([rgb, np.full((h, w, 1), 255, dtype=np.uint8)], axis=2)
        frame = rtc.VideoFrame(w, h, rtc.VideoBufferType.RGBA, rgba.tobytes())
        while True:
            source.capture_frame(frame)
            await asyncio.sleep(1 / fps)
