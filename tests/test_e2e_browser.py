"""The whole product through the real web client: Debian Chromium, with a fake camera (a y4m of
skimage's astronaut) and a fake microphone (espeak-ng speaking the candidate's answer after a
silence), joins a real `livekit-server` on loopback through the token server; the real agent
worker (Gemini being the Live emulator) interviews it; leaving ends the interview through the
server's signed `room_finished` webhook; the real evals worker reports; the recruiter page
shows the report and plays the page's own recording (camera + both voices, uploaded in chunks:
there is no egress here).

Everything is asserted where it lands: the greeting's energy in the browser's WebAudio graph on
the remote track, the candidate's audio at the emulator, rows in the store, captions and the
recruiter page in the DOM, the selected ICE pair in the browser's own `getStats()`.

One test on purpose: the platform and the browser cost ~15 s to start on 2 cores, and each step
needs the state the previous one left (one interview, start to report).
"""

from __future__ import annotations

import asyncio
import re
import shutil
import sys
import time
import wave
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import av
import numpy as np
import psutil
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, async_playwright, expect

from interview_store import InterviewRecord, InterviewStatus
from testkit.audio_io import espeak_wav
from testkit.fake_media import astronaut_y4m
from testkit.gemini_api import FakeGeminiApi
from testkit.gemini_api import Reply as GeminiApiReply
from testkit.gemini_live import FakeGeminiLive, Reply
from testkit.platform_processes import E2EPlatform
from testkit.tls import LocalTLS
from tests.web_support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, ensure_web_build, open_room

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.browser,
    pytest.mark.timeout(120),
    pytest.mark.asyncio(loop_scope="module"),
]

GREETING = "Hello Ada, welcome to your mock interview. Tell me about yourself."
ANSWER = "I built a payment service in Python with PostgreSQL and Kafka."
REPLY = "Thank you, that is a good start."
RECRUITER_EMAIL = "recruiter@example.com"
RECRUITER_PASSWORD = "e2e-browser-password-0123"
LEAD_SILENCE_S = 14.0
"""Quiet before the fake microphone speaks: the agent must have joined and greeted first
(dispatch + greeting take ~5-10 s on 2 busy cores)."""
AGENT_MS = 25_000

# Keeps a reference to every RTCPeerConnection the page makes (livekit-client keeps its own
# privately), and measures the loudness of each remote audio track in a WebAudio analyser from
# the moment it arrives, so a short greeting is not missed.
INIT_SCRIPT = """
(() => {
  window.__pcs = [];
  window.__audioPeak = 0;
  window.__audioLoudAt = null;
  const Native = window.RTCPeerConnection;
  function watch(track) {
    const ctx = new AudioContext();
    const source = ctx.createMediaStreamSource(new MediaStream([track]));
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 2048;
    source.connect(analyser);
    const buf = new Float32Array(analyser.fftSize);
    setInterval(() => {
      analyser.getFloatTimeDomainData(buf);
      let sum = 0;
      for (const v of buf) sum += v * v;
      const rms = Math.sqrt(sum / buf.length);
      if (rms > window.__audioPeak) window.__audioPeak = rms;
      if (rms > 0.01 && window.__audioLoudAt === null) window.__audioLoudAt = Date.now();
    }, 20);
  }
  window.RTCPeerConnection = function (...args) {
    const pc = new Native(...args);
    window.__pcs.push(pc);
    pc.addEventListener("track", (ev) => {
      if (ev.track.kind === "audio") watch(ev.track);
    });
    return pc;
  };
  window.RTCPeerConnection.prototype = Native.prototype;
  Object.setPrototypeOf(window.RTCPeerConnection, Native);
})();
"""

SELECTED_PAIRS_JS = """
async () => {
  const pairs = [];
  for (const pc of window.__pcs) {
    if (pc.connectionState === "closed") continue;
    const stats = await pc.getStats();
    const byId = new Map();
    stats.forEach((s) => byId.set(s.id, s));
    stats.forEach((s) => {
      if (s.type !== "transport" || !s.selectedCandidatePairId) return;
      const pair = byId.get(s.selectedCandidatePairId);
      const local = byId.get(pair.localCandidateId);
      const remote = byId.get(pair.remoteCandidateId);
      pairs.push({
        local: local.address || local.ip, remote: remote.address || remote.ip,
        protocol: local.protocol, bytes: (pair.bytesSent || 0) + (pair.bytesReceived || 0),
      });
    });
  }
  return pairs;
}
"""


def answer_wav(path: Path) -> Path:
    """The candidate's microphone: silence, the spoken answer, then silence (48 kHz mono)."""
    speech = espeak_wav(ANSWER, path.with_name("answer-16k.wav"))
    with wave.open(str(speech), "rb") as w:
        rate = w.getframerate()
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    idx = (np.arange(int(len(pcm) * 48_000 / rate)) * rate / 48_000).astype(np.int64)
    quiet = np.zeros(int(48_000 * LEAD_SILENCE_S), dtype=np.int16)
    tail = np.zeros(48_000 * 60, dtype=np.int16)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(48_000)
        out.writeframes(np.concatenate([quiet, pcm[idx], tail]).tobytes())
    return path


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def platform(
    livekit_server_binary: Path, tmp_path_factory: pytest.TempPathFactory, tls: LocalTLS
) -> AsyncIterator[E2EPlatform]:
    """livekit-server, the token server serving the built web client, one agent worker and
    the evals worker."""
    dist = ensure_web_build()
    async with FakeGeminiLive(ssl_context=tls.server_context()) as live, FakeGeminiApi() as gapi:
        gapi.responder = lambda _req: GeminiApiReply(text='{"findings": []}')
        platform = E2EPlatform(
            workdir=tmp_path_factory.mktemp("e2e-browser"),
            live=live,
            api=gapi,
            ca_file=tls.ca_file,
            extra_env={"WEB_DIST_DIR": str(dist)},
        )
        await asyncio.to_thread(platform.start)
        try:
            yield platform
        finally:
            await asyncio.to_thread(platform.stop)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Browser]:
    media = tmp_path_factory.mktemp("media")
    args = [
        *CHROMIUM_ARGS,
        "--allow-loopback-in-peer-connection",
        "--autoplay-policy=no-user-gesture-required",
        f"--use-file-for-fake-audio-capture={answer_wav(media / 'answer.wav')}%noloop",
        f"--use-file-for-fake-video-capture={astronaut_y4m(media / 'astronaut.y4m')}",
    ]
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=CHROMIUM, args=args)
        yield b
        await b.close()


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Browser, platform: E2EPlatform) -> AsyncIterator[Page]:
    context = await browser.new_context(
        base_url=platform.base_url, viewport={"width": 1280, "height": 900}
    )
    await context.add_init_script(INIT_SCRIPT)
    page = await context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    await context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


def probe_webm(path: Path) -> tuple[float, float]:
    """Decode the recording with PyAV: seconds of video decoded, and the audio's peak RMS
    (int16 scale) over 20 ms windows."""
    with av.open(str(path)) as container:
        assert container.streams.video and container.streams.audio, container.streams
        video = container.streams.video[0]
        times = [
            float(f.pts * video.time_base)
            for f in container.decode(video)
            if f.pts is not None and video.time_base is not None
        ]
    with av.open(str(path)) as container:
        samples = [
            f.to_ndarray().astype(np.float32).reshape(-1)
            * (32768.0 if f.format.name.startswith("flt") else 1.0)  # float: to int16 scale
            for f in container.decode(container.streams.audio[0])
        ]
    pcm = np.concatenate(samples) if samples else np.zeros(1, dtype=np.float32)
    windows = pcm[: len(pcm) // 960 * 960].reshape(-1, 960)
    level = float(np.sqrt((windows**2).mean(axis=1)).max()) if len(windows) else 0.0
    return (max(times) - min(times) if times else 0.0), level


async def _true(value: bool) -> bool:
    return value


async def add_recruiter(platform: E2EPlatform) -> None:
    """A recruiter account, made the way an operator makes it (the store's settings only)."""
    proc = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "tokenserver", "users", "add", RECRUITER_EMAIL),
        *("--password-stdin",),
        cwd=platform.storage_dir,
        env=platform.config.env(),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate(RECRUITER_PASSWORD.encode() + b"\n")
    assert proc.returncode == 0, out.decode()


async def poll(page: Page, js: str, *, timeout_s: float) -> None:
    """`page.wait_for_function` evaluates a string, which the app's CSP forbids: poll a
    function through `evaluate` instead."""
    deadline = time.monotonic() + timeout_s
    while not await page.evaluate(js):
        assert time.monotonic() < deadline, f"not true within {timeout_s} s: {js}"
        await asyncio.sleep(0.1)


async def test_interview_in_the_browser_from_greeting_to_the_recruiters_report(
    page: Page, platform: E2EPlatform
) -> None:
    live = platform.live
    live.push(Reply.say(GREETING, audio_s=3.0), Reply.say(REPLY, audio_s=1.0))
    live.push_transcripts(ANSWER)
    created = await platform.create_interview(candidate_name="Ada")
    iid = created["interview_id"]
    await open_room(page, created)

    # 1. dispatched by the token alone; the greeting is AUDIBLE in the page's WebAudio graph
    await expect(page.locator("#agent-state")).to_have_text(
        re.compile(r"^Interviewer: "), timeout=AGENT_MS
    )
    await poll(page, "() => window.__audioLoudAt !== null", timeout_s=AGENT_MS / 1000)
    peak = await page.evaluate("window.__audioPeak")
    assert peak > 0.03, f"greeting RMS {peak} on the remote track"
    await expect(page.locator("#captions")).to_contain_text(
        "welcome to your mock interview", timeout=AGENT_MS
    )
    await expect(page.locator("#phase")).to_have_attribute("data-phase", "intro")
    await expect(page.locator("#remaining")).to_have_text(re.compile(r"^\d+:\d\d left$"))

    # 2. every selected ICE pair is on loopback, as the browser itself reports it
    pairs: list[dict[str, Any]] = await page.evaluate(SELECTED_PAIRS_JS)
    assert pairs, "the page has connected peer connections"
    # The server end is 127.0.0.1; Chromium gathers its host candidate on this machine's own
    # interface address (it cannot be limited to `lo`), and packets from a local address to
    # 127.0.0.1 are routed through `lo`: nothing leaves the host.
    own = {a.address for addrs in psutil.net_if_addrs().values() for a in addrs}
    for pair in pairs:
        assert pair["remote"] == "127.0.0.1", pairs
        assert pair["local"] in own, pairs
    assert sum(p["bytes"] for p in pairs) > 10_000, pairs

    # 3. the fake microphone's answer reaches the emulator, the store and the captions
    turns_before = live.state.user_turns

    async def candidate_said() -> InterviewRecord | None:
        record = await platform.read_record(iid)
        said = [t.text for t in record.transcript if t.speaker == "candidate"]
        return record if ANSWER in said else None

    await platform.wait_until(candidate_said, timeout_s=40, what="candidate transcript")
    assert live.state.user_turns > turns_before
    await expect(page.locator("#captions .caption.me")).to_contain_text("payment service")
    await expect(page.locator("#captions")).to_contain_text(REPLY, timeout=AGENT_MS)

    # 4. the fake camera's face reaches the vision pipeline as face-visible observations
    async def face_seen() -> InterviewRecord | None:
        record = await platform.read_record(iid)
        states = [o for o in record.observations if o.kind == "face_state"]
        return record if any(o.data.get("presence") == "single" for o in states) else None

    await platform.wait_until(face_seen, timeout_s=30, what="face-visible observation")
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "e2e-browser-room.png"), full_page=True)

    # 5. leaving: the signed room_finished webhook and the agent end it; the report follows
    page.once("dialog", lambda d: asyncio.ensure_future(d.accept()))
    await page.get_by_role("button", name="Leave").click()
    await page.wait_for_url(f"**/feedback/{iid}")

    async def evaluated() -> InterviewRecord | None:
        record = await platform.read_record(iid)
        done = record.status == InterviewStatus.EVALUATED and record.report is not None
        return record if done else None

    record = await platform.wait_until(evaluated, timeout_s=40, what="evaluated interview")
    assert record.failure_reason is None
    assert any(r.kind == "agent_audio" and r.status == "complete" for r in record.recordings)

    # 6. the page's own recording (camera + both voices) arrived as the `browser` recording
    (browser_rec,) = [r for r in record.recordings if r.kind == "browser"]
    assert browser_rec.location == f"interviews/{iid}/browser.webm"
    webm = platform.storage_dir / browser_rec.location
    await platform.wait_until(
        lambda: _true(webm.stat().st_size > 50_000), timeout_s=10, what="uploaded chunks"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(webm, ARTIFACTS / "e2e-browser-recording.webm")
    video_s, audio_level = await asyncio.to_thread(probe_webm, webm)
    assert video_s > 5.0, f"{video_s} s of decodable video"
    assert audio_level > 500, "the mixed voices are in the recording"

    # 7. the recruiter page shows the report and plays the browser recording (a <video>)
    # beside the transcript; a click on a line seeks the player there
    await add_recruiter(platform)
    await page.goto(f"/recruiter/interviews/{iid}")
    await page.get_by_label("Email").fill(RECRUITER_EMAIL)
    await page.get_by_label("Password").fill(RECRUITER_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.locator("#report-title")).to_be_visible(timeout=AGENT_MS)
    player = page.locator("video.player")
    await expect(player).to_have_count(1)
    await expect(player).to_have_attribute("src", re.compile(r"/recording\?"))
    await poll(page, "() => document.querySelector('.player').readyState >= 1", timeout_s=10)
    size = await player.evaluate("el => [el.videoWidth, el.videoHeight]")
    assert size[0] > 0 and size[1] > 0, size
    await expect(page.locator(".transcript")).to_contain_text("payment service")
    await page.locator(".transcript button", has_text="payment service").first.click()
    await poll(page, "() => document.querySelector('.player').currentTime > 1", timeout_s=10)
    await page.screenshot(path=str(ARTIFACTS / "e2e-browser-recruiter.png"), full_page=True)
