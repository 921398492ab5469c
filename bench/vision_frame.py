"""Cost of the local vision analysis per frame and per session.

    uv run python bench/vision_frame.py

A 640×480 I420 frame (what RoomIO delivers from a webcam) with a real face (scikit-image's
astronaut) goes through exactly what the analysis thread does: convert to RGB, detect faces,
run the face mesh, and downscale for the Gemini review. Prints medians of several runs:

- frame_ms_p50 / frame_ms_p95: wall time per analysed frame (goal <= 5 ms);
- plain_detect_ms_p50: a bare mediapipe `FaceDetector.detect` on the same frame (RGB already
  made), and frame_ratio_vs_plain_detect = frame_ms_p50 / that: what the whole analysis
  (conversion, detection, mesh, pose, review downscale) costs in units of the detector call
  alone, a figure that holds on a busy or slower machine where milliseconds do not;
- cpu_ms_per_frame: CPU time per frame, all threads;
- sampler_us_per_call: the sampler's cost for every incoming frame (30 fps, on the event loop);
- cpu_pct_per_session: share of ONE core per session at the default rates (conversation):
  analysis at VISION_CONVERSATION_FPS + the sampler at 30 fps + one review JPEG batch per
  interval; cpu_pct_per_session_coding: the same at the coding rate (camera frames; screen
  frames skip the face models and cost less).
"""

from __future__ import annotations

import io
import statistics
import time
from types import SimpleNamespace

import cv2
import numpy as np
from livekit import rtc
from PIL import Image
from skimage import data

from agent.vision.face import FaceAnalyzer
from agent.vision.fetch_models import fetch_models, models_present
from agent.vision.frames import to_rgb
from agent.vision.gemini_review import downscale
from agent.vision.sampler import PhaseAwareSampler
from agent.vision.settings import VisionSettings

RUNS = 5
FRAMES = 60
CAMERA_FPS = 30


def webcam_frame() -> rtc.VideoFrame:
    canvas = np.full((480, 640, 3), 40, np.uint8)
    canvas[40:440, 120:520] = cv2.resize(data.astronaut()[0:300, 60:360], (400, 400))
    rgba = np.dstack([canvas, np.full((480, 640), 255, np.uint8)])
    frame = rtc.VideoFrame(640, 480, rtc.VideoBufferType.RGBA, rgba.tobytes())
    return frame.convert(rtc.VideoBufferType.I420)


def main() -> None:
    settings = VisionSettings(_env_file=None)  # type: ignore[call-arg]
    if not models_present(settings.models_dir):
        fetch_models(settings.models_dir)
    analyzer = FaceAnalyzer(models_dir=settings.models_dir, num_threads=settings.litert_threads)
    frame = webcam_frame()

    def analyse_once() -> None:
        rgb = to_rgb(frame)
        reading = analyzer.analyse(rgb)
        assert reading.face_count == 1
        downscale(rgb, settings.gemini_image_max_side)

    # the baseline: mediapipe's detector alone (the same FaceDetector instance and model) on
    # the same frame, timed in the same loop so both see the same machine load
    import mediapipe as mp

    image = mp.Image(image_format=mp.ImageFormat.SRGB, data=to_rgb(frame))
    detector = analyzer._detector

    for _ in range(5):
        analyse_once()  # warm-up: first invocations allocate
        detector.detect(image)

    p50s, p95s, cpu_ms, plain = [], [], [], []
    for _ in range(RUNS):
        wall, cpu, bare = [], 0.0, []
        for _ in range(FRAMES):
            c0, t0 = time.process_time(), time.perf_counter()
            analyse_once()
            wall.append((time.perf_counter() - t0) * 1000)
            cpu += time.process_time() - c0
            t0 = time.perf_counter()
            detector.detect(image)
            bare.append((time.perf_counter() - t0) * 1000)
        cpu_ms.append(cpu * 1000 / FRAMES)
        wall.sort()
        p50s.append(statistics.median(wall))
        p95s.append(wall[int(0.95 * (len(wall) - 1))])
        plain.append(statistics.median(bare))
    plain_ms = statistics.median(plain)

    # the sampler sees every frame of the camera
    clock = [0.0]
    sampler = PhaseAwareSampler(
        fps_for=settings.fps_for, phase=lambda: "technical", clock=lambda: clock[0]
    )
    session = SimpleNamespace(input=SimpleNamespace(video=None))
    calls = 30_000
    t0 = time.process_time()
    for _ in range(calls):
        clock[0] += 1 / CAMERA_FPS
        sampler(frame, session)  # type: ignore[arg-type]
    sampler_us = (time.process_time() - t0) * 1e6 / calls

    # one review batch per interval: JPEG-encode the downscaled frames
    small = downscale(to_rgb(frame), settings.gemini_image_max_side)
    t0 = time.process_time()
    for _ in range(20):
        Image.fromarray(small).save(io.BytesIO(), format="JPEG", quality=70)
    jpeg_ms = (time.process_time() - t0) * 1000 / 20
    review_ms_per_s = jpeg_ms * settings.gemini_batch_frames / settings.gemini_interval_s

    frame_cpu = statistics.median(cpu_ms)
    sampler_ms_per_s = sampler_us / 1000 * CAMERA_FPS

    def cpu_pct(fps: float) -> float:
        return (frame_cpu * fps + sampler_ms_per_s + review_ms_per_s) / 1000 * 100

    analyzer.close()
    print(f"frame_ms_p50: {statistics.median(p50s):.2f}")
    print(f"frame_ms_p95: {statistics.median(p95s):.2f}")
    print(f"plain_detect_ms_p50: {plain_ms:.2f}")
    print(f"frame_ratio_vs_plain_detect: {statistics.median(p50s) / plain_ms:.2f}")
    print(f"cpu_ms_per_frame: {frame_cpu:.2f}")
    print(f"sampler_us_per_call: {sampler_us:.2f}")
    print(f"review_jpeg_ms_per_frame: {jpeg_ms:.2f}")
    print(f"cpu_pct_per_session: {cpu_pct(settings.conversation_fps):.3f}")
    print(f"cpu_pct_per_session_coding: {cpu_pct(settings.coding_fps):.3f}")


if __name__ == "__main__":
    main()
