"""Media files for Chromium's fake capture devices, made at test time.

`--use-file-for-fake-video-capture` reads a y4m (4:2:0); `--use-file-for-fake-audio-capture`
a WAV. Shared by the browser e2e tests and the browser benchmarks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from skimage import data


def astronaut_y4m(path: Path, *, frames: int = 10, fps: int = 10) -> Path:
    """A webcam-like head-and-shoulders crop of skimage's astronaut as a 4:2:0 y4m (what
    Chromium's fake capture reads; it loops the file)."""
    face: np.ndarray = data.astronaut()[0:300, 60:360]  # type: ignore[no-untyped-call]  # skimage is untyped
    rgb = np.repeat(np.repeat(face, 2, axis=0), 2, axis=1)[:, :, :3].astype(np.float32)  # 600x600
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    y = 16 + 0.257 * r + 0.504 * g + 0.098 * b
    u = 128 - 0.148 * r - 0.291 * g + 0.439 * b
    v = 128 + 0.439 * r - 0.368 * g - 0.071 * b

    def sub(plane: np.ndarray) -> np.ndarray:  # 2x2 average: 4:2:0 chroma
        out: np.ndarray = (
            plane[0::2, 0::2] + plane[1::2, 0::2] + plane[0::2, 1::2] + plane[1::2, 1::2]
        ) / 4
        return out

    planes = [np.clip(p, 0, 255).astype(np.uint8).tobytes() for p in (y, sub(u), sub(v))]
    height, width = y.shape
    with path.open("wb") as f:
        f.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            f.write(b"FRAME\n")
            for plane in planes:
                f.write(plane)
    return path
