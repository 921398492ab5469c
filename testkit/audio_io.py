"""Audio I/O for AgentSession without a room: a paced microphone fed from WAV files and a
speaker that captures frames and reports playback like a real output must.

`espeak_wav()` makes real speech with Debian's espeak-ng (installed by .ci).
"""

from __future__ import annotations

import asyncio
import subprocess
import time
import wave
from pathlib import Path

import numpy as np
from livekit import rtc
from livekit.agents import io

MIC_RATE = 16_000
FRAME_MS = 20


def espeak_wav(text: str, path: Path) -> Path:
    """Speech for `text` as a 16 kHz mono WAV (espeak-ng writes 22.05 kHz; resampled here)."""
    raw = path.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-s", "170", "-w", str(raw), text], check=True)
    with wave.open(str(raw), "rb") as w:
        rate = w.getframerate()
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    idx = (np.arange(int(len(pcm) * MIC_RATE / rate)) * rate / MIC_RATE).astype(np.int64)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(MIC_RATE)
        out.writeframes(pcm[idx].tobytes())
    return path


class WavMicrophone(io.AudioInput):
    """A live microphone: queued WAVs are played in real time, silence otherwise (Gemini's
    and the VAD's end-of-speech detection need the silence after an utterance)."""

    def __init__(self, *, speed: float = 1.0) -> None:
        super().__init__(label="wav-microphone")
        self._queue: list[np.ndarray] = []
        self._current = np.zeros(0, dtype=np.int16)
        self._pos = 0
        self._spf = MIC_RATE * FRAME_MS // 1000
        self._speed = speed
        self._t0: float | None = None
        self._sent = 0
        self._closed = False
        self.played = asyncio.Event()
        self.played.set()

    def say(self, wav: Path) -> None:
        with wave.open(str(wav), "rb") as w:
            assert w.getframerate() == MIC_RATE
            self._queue.append(np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16))
        self.played.clear()

    def close(self) -> None:
        self._closed = True

    async def __anext__(self) -> rtc.AudioFrame:
        if self._closed:
            raise StopAsyncIteration
        if self._t0 is None:
            self._t0 = time.monotonic()
        due = self._t0 + self._sent * FRAME_MS / 1000 / self._speed
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        self._sent += 1
        if self._pos >= len(self._current) and self._queue:
            self._current, self._pos = self._queue.pop(0), 0
        chunk = self._current[self._pos : self._pos + self._spf]
        self._pos += self._spf
        if len(chunk) < self._spf:
            chunk = np.pad(chunk, (0, self._spf - len(chunk)))
            if not self._queue and self._pos >= len(self._current):
                self.played.set()
        return rtc.AudioFrame(
            data=chunk.tobytes(),
            sample_rate=MIC_RATE,
            num_channels=1,
            samples_per_channel=self._spf,
        )


class CapturingSpeaker(io.AudioOutput):
    """Keeps every frame the agent plays and reports playback started/finished (the session
    derives agent state and the spoken transcript from them). Playout is instant."""

    def __init__(self, sample_rate: int = 24_000) -> None:
        super().__init__(
            label="capturing-speaker",
            capabilities=io.AudioOutputCapabilities(pause=False),
            sample_rate=sample_rate,
        )
        self.frames: list[rtc.AudioFrame] = []
        self.segments: list[float] = []
        self.first_frame_at: list[float] = []
        self._segment = 0.0
        self._started = False

    @property
    def seconds(self) -> float:
        return sum(f.duration for f in self.frames)

    async def capture_frame(self, frame: rtc.AudioFrame) -> None:
        await super().capture_frame(frame)
        if not self._started:
            self._started = True
            self.first_frame_at.append(time.perf_counter())
            self.on_playback_started(created_at=time.time())
        self.frames.append(frame)
        self._segment += frame.duration

    def flush(self) -> None:
        super().flush()
        if self._started:
            self.segments.append(self._segment)
            self.on_playback_finished(playback_position=self._segment, interrupted=False)
        self._segment = 0.0
        self._started = False

    def clear_buffer(self) -> None:
        if self._started:
            self.segments.append(self._segment)
            self.on_playback_finished(playback_position=self._segment, interrupted=True)
        self._segment = 0.0
        self._started = False


class RealtimeSpeaker(CapturingSpeaker):
    """A speaker that plays in real time, like the candidate's browser: a segment's playback
    finishes when its audio would have been heard, and `clear_buffer()` (the session stopping
    the interviewer on a barge-in) ends it where it is, reported as interrupted with the
    position reached. `segments` holds the seconds actually played."""

    def __init__(self, sample_rate: int = 24_000) -> None:
        super().__init__(sample_rate=sample_rate)
        self._t_start = 0.0
        self._finish: asyncio.TimerHandle | None = None

    async def capture_frame(self, frame: rtc.AudioFrame) -> None:
        if not self._started:
            self._t_start = time.monotonic()
        await super().capture_frame(frame)

    def flush(self) -> None:
        io.AudioOutput.flush(self)  # the segment is complete; it ends when it has played
        if not self._started or self._finish is not None:
            return
        remaining = self._t_start + self._segment - time.monotonic()
        self._finish = asyncio.get_running_loop().call_later(max(0.0, remaining), self._played)

    def _played(self) -> None:
        self._finish = None
        self._end(self._segment, interrupted=False)

    def clear_buffer(self) -> None:
        if self._finish is not None:
            self._finish.cancel()
            self._finish = None
        if self._started:
            self._end(min(self._segment, time.monotonic() - self._t_start), interrupted=True)

    def _end(self, position: float, *, interrupted: bool) -> None:
        self.segments.append(position)
        self._segment = 0.0
        self._started = False
        self.on_playback_finished(playback_position=position, interrupted=interrupted)
