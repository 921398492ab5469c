"""CPU cost of the candidate's browser recording in Chromium.

    uv run python bench/browser_recording.py [--runs 3] [--seconds 10]

Debian Chromium with a fake camera (skimage's astronaut, y4m) and a fake microphone opens a
page on loopback that captures both (what the room does); in `recording` mode it also runs
what `web/src/pages/room/browserRecording.ts` adds: the microphone through a WebAudio mix
into a MediaRecorder with the camera, same MIME type, bitrates and 3 s chunks (the chunks are
dropped: uploading them is a few KB/s of fetch). The whole Chromium process tree's CPU time
is measured over the same window in both modes, alternating, medians of `--runs`:

- browser_cpu_pct_capture: capture and preview only (share of one core);
- browser_cpu_pct_recording: the same plus the recording;
- browser_recording_cpu_pct: the difference, what recording costs per candidate.

The room's own WebRTC encoding is not in either figure: the difference is what recording adds.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import http.server
import statistics
import tempfile
import threading
import time
import wave
from pathlib import Path

import psutil
from playwright.async_api import async_playwright

from testkit.fake_media import astronaut_y4m

CHROMIUM = "/usr/bin/chromium"
PAGE = """<!doctype html><meta charset="utf-8"><title>recording bench</title>
<video id="v" autoplay muted playsinline></video>
<script>
window.start = async (record) => {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { width: 640, height: 480 }, audio: true });
  document.getElementById("v").srcObject = stream;
  if (!record) return "capture";
  const ctx = new AudioContext();
  const mix = ctx.createMediaStreamDestination();
  ctx.createMediaStreamSource(new MediaStream(stream.getAudioTracks())).connect(mix);
  const rec = new MediaRecorder(
    new MediaStream([...stream.getVideoTracks(), ...mix.stream.getAudioTracks()]),
    { mimeType: "video/webm;codecs=vp8,opus", videoBitsPerSecond: 600000,
      audioBitsPerSecond: 64000 });
  window.bytes = 0;
  rec.ondataavailable = (e) => { window.bytes += e.data.size; };
  rec.start(3000);
  return "recording";
};
</script>
"""


def tone_wav(path: Path, seconds: int = 120) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(48_000)
        w.writeframes(b"\0\0" * 48_000 * seconds)
    return path


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/index.html"


def tree_cpu_s(root: psutil.Process) -> float:
    total = 0.0
    for p in [root, *root.children(recursive=True)]:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


async def measure(url: str, media: Path, *, record: bool, seconds: float) -> float:
    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        "--autoplay-policy=no-user-gesture-required",
        f"--use-file-for-fake-video-capture={media / 'face.y4m'}",
        f"--use-file-for-fake-audio-capture={media / 'quiet.wav'}",
    ]
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=args)
        try:
            page = await browser.new_page()
            await page.goto(url)
            await page.evaluate("r => window.start(r)", record)
            await asyncio.sleep(3.0)  # warm up: encoders started, first chunk written
            root = next(
                c
                for c in psutil.Process().children(recursive=True)
                if "chromium" in c.name()
                and c.parent() is not None
                and "chromium" not in c.parent().name()
            )
            cpu0, t0 = tree_cpu_s(root), time.monotonic()
            await asyncio.sleep(seconds)
            cpu1, t1 = tree_cpu_s(root), time.monotonic()
            if record:
                assert await page.evaluate("() => window.bytes") > 0, "the recorder produced data"
        finally:
            await browser.close()
    return 100.0 * (cpu1 - cpu0) / (t1 - t0)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "index.html").write_text(PAGE)
        astronaut_y4m(folder / "face.y4m", frames=30, fps=30)
        tone_wav(folder / "quiet.wav")
        server, url = serve(folder)
        try:
            capture, recording = [], []
            for _ in range(opts.runs):
                capture.append(await measure(url, folder, record=False, seconds=opts.seconds))
                recording.append(await measure(url, folder, record=True, seconds=opts.seconds))
        finally:
            server.shutdown()
    cap, rec = statistics.median(capture), statistics.median(recording)
    print(f"browser_cpu_pct_capture: {cap:.1f}")
    print(f"browser_cpu_pct_recording: {rec:.1f}")
    print(f"browser_recording_cpu_pct: {rec - cap:.1f}")


if __name__ == "__main__":
    asyncio.run(main())
