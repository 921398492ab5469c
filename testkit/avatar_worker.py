"""An emulated avatar worker: what a provider such as Tavus runs on its side, reduced to the
LiveKit protocol the agent's avatar plugin relies on.

It joins the real room with the token the agent handed the provider, receives the agent's
audio as LiveKit data streams (`lk.audio_stream`, LiveKit's `DataStreamAudioReceiver`), and
publishes an audio track (the same audio, paced in real time) and a camera track (a test
pattern: one colour while speaking, another while idle) through LiveKit's `AvatarRunner`, which
also answers the agent's playback RPCs (`lk.playback_started/finished`, `lk.clear_buffer`). The
token's `lk.publish_on_behalf` attribute is what makes clients show these tracks as the agent's.
`kill()` drops the participant abruptly, as a crashed provider would.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

import numpy as np
from livekit import rtc
from livekit.agents.voice.avatar import (
    AudioSegmentEnd,
    AvatarOptions,
    AvatarRunner,
    DataStreamAudioReceiver,
    VideoGenerator,
)

logger = logging.getLogger("testkit.avatar_worker")

WIDTH, HEIGHT, FPS = 160, 120, 10
SAMPLE_RATE = 24_000
"""What livekit-plugins-tavus streams (its `SAMPLE_RATE`)."""
SPEAKING_RGB = (40, 200, 80)
IDLE_RGB = (40, 80, 200)


def _frame(rgb: tuple[int, int, int]) -> rtc.VideoFrame:
    pixels = np.empty((HEIGHT, WIDTH, 4), dtype=np.uint8)
    pixels[..., :3] = rgb
    pixels[..., 3] = 255
    return rtc.VideoFrame(WIDTH, HEIGHT, rtc.VideoBufferType.RGBA, pixels.tobytes())


@dataclass
class ReceivedAudio:
    """What the avatar got from the agent."""

    frames: int = 0
    seconds: float = 0.0
    segments: int = 0
    """Completed audio segments (one per interviewer turn, or part of one)."""
    clears: int = 0
    sample_rates: set[int] | None = None


class _TestPattern(VideoGenerator):
    """Passes the agent's audio through and renders one video frame per 100 ms of it; idle
    frames otherwise (a real avatar keeps publishing video while silent)."""

    def __init__(self, received: ReceivedAudio) -> None:
        self._queue: asyncio.Queue[rtc.AudioFrame | AudioSegmentEnd] = asyncio.Queue()
        self._received = received
        self._speaking = _frame(SPEAKING_RGB)
        self._idle = _frame(IDLE_RGB)

    async def push_audio(self, frame: rtc.AudioFrame | AudioSegmentEnd) -> None:
        if isinstance(frame, rtc.AudioFrame):
            self._received.frames += 1
            self._received.seconds += frame.duration
            rates = self._received.sample_rates or set()
            rates.add(frame.sample_rate)
            self._received.sample_rates = rates
        else:
            self._received.segments += 1
        await self._queue.put(frame)

    def clear_buffer(self) -> None:
        self._received.clears += 1
        while not self._queue.empty():
            self._queue.get_nowait()

    def __aiter__(self) -> AsyncIterator[rtc.VideoFrame | rtc.AudioFrame | AudioSegmentEnd]:
        return self._stream()

    async def _stream(self) -> AsyncIterator[rtc.VideoFrame | rtc.AudioFrame | AudioSegmentEnd]:
        while True:
            try:
                item = await asyncio.wait_for(self._queue.get(), timeout=1 / FPS)
            except TimeoutError:
                yield self._idle  # the synchroniser paces video at FPS
                continue
            if isinstance(item, rtc.AudioFrame):
                yield self._speaking
            yield item


class EmulatedAvatar:
    """One avatar participant. `await EmulatedAvatar.join(url, token, sender=...)`."""

    def __init__(self, url: str, token: str, *, sender_identity: str | None) -> None:
        self._url = url
        self._token = token
        self._sender = sender_identity
        self.room = rtc.Room()
        self.received = ReceivedAudio()
        self._runner: AvatarRunner | None = None
        self._closed = False

    @classmethod
    async def join(cls, url: str, token: str, *, sender_identity: str | None) -> EmulatedAvatar:
        avatar = cls(url, token, sender_identity=sender_identity)
        await avatar.start()
        return avatar

    @property
    def identity(self) -> str:
        return self.room.local_participant.identity

    async def start(self) -> None:
        await self.room.connect(self._url, self._token)
        self._runner = AvatarRunner(
            self.room,
            audio_recv=DataStreamAudioReceiver(self.room, sender_identity=self._sender),
            video_gen=_TestPattern(self.received),
            options=AvatarOptions(
                video_width=WIDTH,
                video_height=HEIGHT,
                video_fps=FPS,
                audio_sample_rate=SAMPLE_RATE,
                audio_channels=1,
            ),
            # video from the start: the agent holds its audio until the avatar's video exists
            _lazy_publish=False,
        )
        await self._runner.start()

    async def kill(self) -> None:
        """Leave at once, nothing flushed: a crashed or dropped provider."""
        if self._closed:
            return
        self._closed = True
        await self.room.disconnect()
        if self._runner is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._runner.aclose(), 5)

    async def aclose(self) -> None:
        await self.kill()
