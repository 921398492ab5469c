"""End-to-end turn latency on a real LiveKit server: `uv run python bench/e2e_latency.py
[--turns 12]`.

One interview on loopback: livekit-server, the token server, the agent worker
(`python -m agent start`), the Gemini Live emulator in this process answering as soon as its
end-of-speech window (standing in for Gemini's turn detection) has passed, and a candidate that
is a `livekit` rtc client saying an espeak-ng answer, each time after the interviewer's reply.

Per turn, all on this process's perf_counter clock:
  e2e       = end of the candidate's speech at the client -> first audible interviewer frame
              at the client (Opus, SFU, agent, Gemini plugin, emulator, and back)
  uplink    = end of speech -> the emulator detected it, minus its end-of-speech window
  downlink  = the emulator's first audio chunk -> first audible frame at the client
Then a media-only probe in another room (two rtc clients, no agent): one-way SFU transit of an
utterance's start, client -> SFU -> client. The agent's share is what e2e spends beyond the
emulator's window and the two SFU transits (client -> SFU -> agent, agent -> SFU -> client).

Prints: e2e_p50_ms, e2e_p95_ms, end_of_speech_window_ms, uplink_p50_ms, downlink_p50_ms,
sfu_one_way_p50_ms, agent_ms_p50, agent_share_pct.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
from livekit import api

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from testkit.audio_io import espeak_wav  # noqa: E402
from testkit.gemini_api import FakeGeminiApi  # noqa: E402
from testkit.gemini_api import Reply as ApiReply  # noqa: E402
from testkit.gemini_live import FakeGeminiLive, Reply  # noqa: E402
from testkit.platform_processes import E2EPlatform  # noqa: E402
from testkit.rtc_candidate import MIC_RATE, RtcCandidate, load_wav_48k  # noqa: E402
from testkit.tls import LocalTLS  # noqa: E402

END_OF_SPEECH_MS = 300
ANSWER = "I would cache the results and invalidate them when the data changes."


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


async def sfu_one_way_ms(platform: E2EPlatform, probes: int) -> list[float]:
    """Start of a tone at one client -> first audible frame at another, same SFU, no agent."""
    assert platform.node is not None
    opts = platform.node.options

    def token(identity: str) -> str:
        return (
            api.AccessToken(opts.api_key, opts.api_secret)
            .with_identity(identity)
            .with_grants(api.VideoGrants(room_join=True, room="media-probe"))
            .to_jwt()
        )

    t = np.arange(int(MIC_RATE * 0.4)) / MIC_RATE
    tone = (0.3 * 32767 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)
    out: list[float] = []
    async with (
        RtcCandidate(platform.node.url, token("speaker")) as speaker,
        RtcCandidate(platform.node.url, token("listener")) as listener,
    ):
        await asyncio.sleep(2.0)  # subscription and jitter buffers settle
        for _ in range(probes):
            await asyncio.wait_for(speaker.say(tone).wait(), 10)
            started = speaker.speech_started_at[-1]
            heard = await listener.wait_for_audible(after=started, timeout_s=5)
            out.append((heard - started) * 1000)
            await listener.wait_for_quiet(quiet_s=0.3)
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-e2e-") as tmp:
        tmpdir = Path(tmp)
        tls = LocalTLS(tmpdir / "tls")
        speech = load_wav_48k(espeak_wav(ANSWER, tmpdir / "answer.wav"))
        live = FakeGeminiLive(
            ssl_context=tls.server_context(),
            silence_ms=END_OF_SPEECH_MS,
            default_reply=Reply.say("Okay, go on.", audio_s=0.6),
        )
        gapi = FakeGeminiApi()
        gapi.responder = lambda _req: ApiReply(text='{"findings": []}')
        await live.start()
        await gapi.start()
        platform = E2EPlatform(workdir=tmpdir, live=live, api=gapi, ca_file=tls.ca_file)
        try:
            await asyncio.to_thread(platform.start, evals=False)
            created = await platform.create_interview(candidate_name="Ada")
            async with RtcCandidate(created["server_url"], created["participant_token"]) as c:
                await c.wait_for_agent(timeout_s=60)
                await c.wait_for_audible(timeout_s=30)  # the greeting
                turns_before = len(live.state.turns)
                e2e = await c.measure_turns(speech, turns=args.turns, timeout_s=20)
                starts = c.speech_started_at[-args.turns :]
                ends = c.speech_ended_at[-args.turns :]
                heard = [end + ms / 1000 for end, ms in zip(ends, e2e, strict=True)]
            replies = live.state.turns[turns_before:]
            uplink, downlink = [], []
            early = 0  # the emulator took a pause inside the answer for its end
            for start, end, at in zip(starts, ends, heard, strict=True):
                early += sum(1 for r in replies if start <= r.triggered_at < end)
                turn = next((r for r in replies if end <= r.triggered_at <= at), None)
                if turn is None:
                    continue
                uplink.append((turn.triggered_at - end) * 1000 - END_OF_SPEECH_MS)
                if turn.first_audio_at is not None:
                    downlink.append((at - turn.first_audio_at) * 1000)
            one_way = await sfu_one_way_ms(platform, probes=6)
        finally:
            await asyncio.to_thread(platform.stop)
            await gapi.aclose()
            await live.aclose()
    e2e_p50 = statistics.median(e2e)
    sfu = statistics.median(one_way)
    agent_ms = e2e_p50 - END_OF_SPEECH_MS - 2 * sfu
    print(f"e2e_p50_ms: {e2e_p50:.1f}")
    print(f"e2e_p95_ms: {pct(e2e, 0.95):.1f}")
    print(f"end_of_speech_window_ms: {END_OF_SPEECH_MS}")
    print(f"uplink_p50_ms: {statistics.median(uplink):.1f}")
    print(f"downlink_p50_ms: {statistics.median(downlink):.1f}")
    print(f"sfu_one_way_p50_ms: {sfu:.1f}")
    print(f"agent_ms_p50: {agent_ms:.1f}")
    print(f"agent_share_pct: {100 * agent_ms / e2e_p50:.1f}")
    print(f"turns_measured: {len(e2e)}")
    print(f"early_end_of_speech: {early}")


if __name__ == "__main__":
    asyncio.run(main())
