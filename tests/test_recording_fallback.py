"""The fallback recording: the agent's own stereo session audio, copied into storage at the end.

End to end: a job runs through `start_interview` (testkit's harness) on the real Gemini plugin
(against the Gemini Live emulator) with a paced espeak-ng microphone; livekit-agents'
RecorderIO writes `session_directory/audio.ogg`; `on_session_end` copies it into
`store.files_dir(id)` and records it, and the token server streams it to a recruiter.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import av
import numpy as np
import pytest
from livekit.agents import vad

from agent.recording import RecordingSettings, save_agent_audio
from agent.session import build_realtime_model
from agent.store_writer import StoreWriter
from interview_store import InterviewPlan, InterviewStore, RecordingKind
from interview_store.recording_layout import AGENT_AUDIO_NAME
from testkit.agent_harness import agent_settings, interview_harness, quick_options
from testkit.audio_io import CapturingSpeaker, WavMicrophone, espeak_wav
from testkit.gemini_live import FakeGeminiLive, Reply
from testkit.tls import LocalTLS
from tests.tokenserver_harness import client_for, recruiter_headers

pytestmark = [pytest.mark.timing, pytest.mark.timeout(120)]


def stereo_ogg(path: Path, seconds: float = 2.0, rate: int = 48_000) -> Path:
    """A stereo Opus file like RecorderIO's: a tone on the left, silence on the right."""
    with av.open(str(path), "w", format="ogg") as out:
        stream = out.add_stream("libopus", rate=rate, layout="stereo")
        n = int(seconds * rate)
        t = np.arange(n) / rate
        left = (0.3 * 32767 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)
        pcm = np.stack([left, np.zeros_like(left)], axis=1).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="stereo")
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def channel_rms(path: Path) -> tuple[float, float, float]:
    """(left rms, right rms, seconds) of a stereo file; rms of full scale = 1.0."""
    chunks = []
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.name == "opus" and stream.channels == 2
        for frame in container.decode(stream):
            arr = frame.to_ndarray()
            arr = arr.T if frame.format.is_planar else arr.reshape(-1, 2)
            scale = 32768.0 if arr.dtype.kind == "i" else 1.0  # s16 or float in [-1, 1]
            chunks.append(arr.astype(np.float64) / scale)
        rate = stream.rate
    data = np.concatenate(chunks)
    rms = np.sqrt((data**2).mean(axis=0))
    return float(rms[0]), float(rms[1]), len(data) / rate


async def test_agent_audio_is_copied_recorded_and_streamed(
    sqlite_store: InterviewStore, tmp_path: Path
) -> None:
    record = await sqlite_store.create(InterviewPlan(role="x"))
    session_dir = tmp_path / "job-session"  # deleted at job cleanup in a real worker
    session_dir.mkdir()
    source = stereo_ogg(session_dir / "audio.ogg")

    writer = StoreWriter(sqlite_store, record.id)
    rec = await save_agent_audio(writer, source)
    await writer.aclose()

    target = sqlite_store.files_dir(record.id) / AGENT_AUDIO_NAME
    assert target.read_bytes() == source.read_bytes()
    assert rec.kind == RecordingKind.AGENT_AUDIO and rec.status == "complete"
    assert rec.location == f"interviews/{record.id}/{AGENT_AUDIO_NAME}"  # relative to storage
    assert rec.duration_s == pytest.approx(2.0, abs=0.1)
    got = await sqlite_store.get(record.id)
    assert got is not None and got.recordings == [
        rec.model_copy(update={"created_at": got.recordings[0].created_at})
    ]

    async with client_for(sqlite_store) as client:
        url = f"/api/interviews/{record.id}/recording?kind=agent_audio"
        full = await client.get(url, headers=recruiter_headers())
        part = await client.get(url, headers={**recruiter_headers(), "Range": "bytes=0-3"})
    assert full.status_code == 200 and full.content == source.read_bytes()
    assert part.status_code == 206 and part.content == b"OggS"


async def test_missing_session_audio_is_recorded_as_failed(sqlite_store: InterviewStore) -> None:
    record = await sqlite_store.create(InterviewPlan(role="x"))
    writer = StoreWriter(sqlite_store, record.id)
    rec = await save_agent_audio(writer, None)
    await writer.aclose()
    assert rec.status == "failed" and rec.error == "the session produced no audio recording"
    assert not (sqlite_store.files_dir(record.id) / AGENT_AUDIO_NAME).exists()


async def test_worker_copies_the_session_recording_in_on_session_end(
    sqlite_store: InterviewStore,
    tmp_path: Path,
    emulator: FakeGeminiLive,
    tls: LocalTLS,
    silero: vad.VAD,
) -> None:
    emu = emulator
    emu.push(
        Reply.say("Hello, I am your interviewer. Please introduce yourself.", audio_s=1.0),
        Reply.say("Thank you.", audio_s=0.5),
    )
    emu.push_transcripts("Hello, I am Ada.")
    speech = espeak_wav("Hello, I am Ada.", tmp_path / "hello.wav")
    settings = agent_settings(
        sqlite_store.storage_dir, gemini_base_url=emu.base_url, gemini_ca_file=tls.ca_file
    )
    recording = RecordingSettings(
        _env_file=None,  # type: ignore[call-arg]
        storage_dir=sqlite_store.storage_dir,
        recording_mode="off",  # no room here, so no egress; the fallback must still work
    )
    mic = WavMicrophone()
    async with interview_harness(
        sqlite_store,
        settings=settings,
        llm_model=build_realtime_model(settings),
        vad_model=silero,
        audio_input=mic,
        audio_output=CapturingSpeaker(),
        options=quick_options(reply_stall_timeout_s=60),
        recording=recording,
        greet=True,
    ) as h:
        session = h.session
        try:
            for _ in range(300):
                if emu.state.replies_sent >= 1 and session.agent_state == "listening":
                    break
                await asyncio.sleep(0.05)
            mic.say(speech)
            await asyncio.wait_for(mic.played.wait(), 15)
            for _ in range(300):
                if emu.state.replies_sent >= 2 and session.agent_state == "listening":
                    break
                await asyncio.sleep(0.05)
        finally:
            mic.close()
        interview_id = h.ictx.interview_id
    # leaving the harness ended the job through on_session_end, which copied the audio

    got = await sqlite_store.get(interview_id)
    assert got is not None
    (rec,) = [r for r in got.recordings if r.kind == RecordingKind.AGENT_AUDIO]
    assert rec.status == "complete", rec.error
    path = sqlite_store.storage_dir / str(rec.location)
    assert path == sqlite_store.files_dir(interview_id) / AGENT_AUDIO_NAME
    assert path.is_file()
    left, right, seconds = channel_rms(path)
    assert rec.duration_s is not None and rec.duration_s == pytest.approx(seconds, abs=0.5)
    assert seconds > 1.5
    assert left > 0.01, "candidate (left channel) speech missing"
    assert right > 0.01, "interviewer (right channel) speech missing"
    assert got.status.value == "ended"  # the fallback did not get in the way of finalize
