"""Load on a real LiveKit server: `uv run python bench/load.py [--levels 1,5,10] [--turns 6]`.

Per level N: a fresh platform on loopback (livekit-server, token server, one agent worker
`python -m agent start` allowed N interviews; vision on, no camera), the Gemini Live emulator in
this process answering instantly after its end-of-speech window, and N candidates (our own
`livekit` rtc clients, in this process) that each say an espeak-ng answer `--turns` times, the
next one after the interviewer's reply ended. `lk perf agent-load-test` would do the same but
the `lk` CLI is not installable here (the Go module proxy refuses it).

Per turn: end of the candidate's speech at the client -> first audible interviewer frame at the
client, minus the emulator's end-of-speech window (which stands in for Gemini's own turn
detection): what the platform adds through the real media path (client -> SFU -> agent ->
Gemini -> agent -> SFU -> client).

Prints:
  cpu_pct_per_interview     — agent worker + job processes' CPU over the measured turns / N,
                              % of one core (at the largest level)
  cpu_pct_per_interview_<n> — the same per level
  overhead_p50_ms_<n> / overhead_p95_ms_<n>
  p95_ratio_10_vs_1         — overhead p95 at the largest level / at 1
  capacity_model_max_interviews — what agent/capacity.py admits on this host (to compare)
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agent.capacity import host_resources, max_interviews_for_host  # noqa: E402
from testkit.audio_io import espeak_wav  # noqa: E402
from testkit.gemini_api import FakeGeminiApi  # noqa: E402
from testkit.gemini_api import Reply as ApiReply  # noqa: E402
from testkit.gemini_live import FakeGeminiLive, Reply  # noqa: E402
from testkit.platform_processes import E2EPlatform  # noqa: E402
from testkit.rtc_candidate import RtcCandidate, load_wav_48k  # noqa: E402
from testkit.tls import LocalTLS  # noqa: E402

END_OF_SPEECH_MS = 300
"""The emulator's end-of-speech silence window (Gemini's turn detection stands in here)."""
IDLE_PROCESSES = 2
PATIENCE_S = 90.0
"""How long a candidate waits for the interviewer's audio: a saturated host answers slowly, and
how slowly is the figure (a timeout would leave none)."""
ANSWER = "I would use a queue between the two services and retry with backoff."


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


@dataclass
class LevelResult:
    interviews: int
    e2e_ms: list[float]
    cpu_pct_per_interview: float

    @property
    def overhead_ms(self) -> list[float]:
        return [x - END_OF_SPEECH_MS for x in self.e2e_ms]


def tree_cpu_s(pid: int) -> float:
    """CPU seconds of a process and all its descendants alive now."""
    total = 0.0
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    for proc in procs:
        try:
            t = proc.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            continue
    return total


async def run_level(
    interviews: int, *, turns: int, workdir: Path, tls: LocalTLS, speech_wav: Path
) -> LevelResult:
    live = FakeGeminiLive(
        ssl_context=tls.server_context(),
        silence_ms=END_OF_SPEECH_MS,
        default_reply=Reply.say("Okay, go on.", audio_s=0.6),
    )
    api = FakeGeminiApi()
    api.responder = lambda _req: ApiReply(text='{"findings": []}')
    await live.start()
    await api.start()
    platform = E2EPlatform(
        workdir=workdir,
        live=live,
        api=api,
        ca_file=tls.ca_file,
        extra_env={
            "MAX_INTERVIEWS_PER_WORKER": str(interviews),
            # warm job processes, so a cold start is not what is measured; but at most two
            # warming at once: ten processes loading the VAD and face models together on 2
            # cores overran livekit-agents' process initialisation deadline
            "NUM_IDLE_PROCESSES": str(min(interviews, IDLE_PROCESSES)),
        },
    )
    candidates: list[RtcCandidate] = []
    try:
        await asyncio.to_thread(platform.start, evals=False)
        speech = load_wav_48k(speech_wav)
        # interviews start one after another (each greeted before the next is created): the
        # steady state with N running is measured, not N job processes starting at once
        for i in range(interviews):
            created = await platform.create_interview(candidate_name="Ada")
            candidate = RtcCandidate(created["server_url"], created["participant_token"])
            await candidate.connect()
            candidates.append(candidate)
            try:
                await candidate.wait_for_agent(timeout_s=60)
            except TimeoutError:
                raise TimeoutError(f"interview {i + 1}/{interviews}: no agent in 60 s") from None
            await candidate.wait_for_audible(timeout_s=PATIENCE_S)  # the greeting
        worker = platform.agents[0]
        cpu0, t0 = tree_cpu_s(worker.pid), time.monotonic()
        results = await asyncio.gather(
            *(c.measure_turns(speech, turns=turns, timeout_s=PATIENCE_S) for c in candidates)
        )
        cpu1, t1 = tree_cpu_s(worker.pid), time.monotonic()
    finally:
        for candidate in candidates:
            await candidate.aclose()
        await asyncio.to_thread(platform.stop)
        await api.aclose()
        await live.aclose()
    e2e = [x for per in results for x in per]
    cpu_pct = (cpu1 - cpu0) / (t1 - t0) * 100 / interviews
    return LevelResult(interviews=interviews, e2e_ms=e2e, cpu_pct_per_interview=cpu_pct)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="1,5,10")
    parser.add_argument("--turns", type=int, default=6)
    parser.add_argument("--workdir", help="keep logs here instead of a temporary directory")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    parser_dir = args.workdir
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        tmpdir = Path(parser_dir) if parser_dir else Path(tmp)
        tls = LocalTLS(tmpdir / "tls")
        wav = espeak_wav(ANSWER, tmpdir / "answer.wav")
        results: list[LevelResult] = []
        for n in levels:
            try:
                r = await run_level(
                    n, turns=args.turns, workdir=tmpdir / f"n{n}", tls=tls, speech_wav=wav
                )
            except Exception as e:  # keep what the other levels measured
                print(f"failed_{n}: {type(e).__name__} {e}".splitlines()[0], flush=True)
                continue
            results.append(r)
            print(f"cpu_pct_per_interview_{n}: {r.cpu_pct_per_interview:.1f}")
            print(f"overhead_p50_ms_{n}: {statistics.median(r.overhead_ms):.1f}")
            print(f"overhead_p95_ms_{n}: {pct(r.overhead_ms, 0.95):.1f}")
            print(f"turns_measured_{n}: {len(r.e2e_ms)}", flush=True)
    if results:
        print(f"cpu_pct_per_interview: {results[-1].cpu_pct_per_interview:.1f}")
        first, last = results[0], results[-1]
        if first.interviews == 1 and last.interviews > 1:
            ratio = pct(last.overhead_ms, 0.95) / max(pct(first.overhead_ms, 0.95), 1e-9)
            print(f"p95_ratio_{last.interviews}_vs_1: {ratio:.2f}")
    cores, memory_mb = host_resources()
    admitted = max_interviews_for_host(
        cpu_cores=cores, memory_mb=memory_mb, cpu_target=0.7, idle_processes=2
    )
    print(f"capacity_model_max_interviews: {admitted}")


if __name__ == "__main__":
    asyncio.run(main())
