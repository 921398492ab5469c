"""Local face analysis on real photographs (shipped in scikit-image), 640×480 like a webcam.

The astronaut (Eileen Collins) faces the camera; the cameraman's head is turned ~50° away:
together they cover a frontal face, a turned head, rotations, mirroring, a blank frame, two
faces and an off-centre face, through the real models and the real observation logic.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import cv2
import numpy as np
import pytest
from skimage import data

from agent.vision.face import FaceAnalyzer, FaceReading
from agent.vision.fetch_models import fetch_models, models_present
from agent.vision.local import LocalObserver
from agent.vision.settings import VisionSettings

W, H = 640, 480


def canvas() -> np.ndarray:
    return np.full((H, W, 3), 40, np.uint8)


def head(size: int = 400) -> np.ndarray:
    """Head-and-shoulders crop of the astronaut, like a webcam framing."""
    return cv2.resize(data.astronaut()[0:300, 60:360], (size, size))


def frontal() -> np.ndarray:
    c = canvas()
    c[40:440, 120:520] = head()
    return c


def turned_away() -> np.ndarray:
    gray = data.camera()[30:230, 150:350]
    c = canvas()
    c[40:440, 120:520] = cv2.cvtColor(cv2.resize(gray, (400, 400)), cv2.COLOR_GRAY2RGB)
    return c


def rotated(rgb: np.ndarray, degrees: float) -> np.ndarray:
    return cv2.warpAffine(rgb, cv2.getRotationMatrix2D((W / 2, H / 2), degrees, 1.0), (W, H))


def two_faces() -> np.ndarray:
    c = canvas()
    c[90:390, 0:300] = head(300)
    c[90:390, 330:630] = head(300)
    return c


def off_centre() -> np.ndarray:
    c = canvas()
    c[H - 240 :, W - 240 :] = head(240)
    return c


@pytest.fixture(scope="module")
def analyzer() -> Iterator[FaceAnalyzer]:
    models_dir = VisionSettings().models_dir
    if not models_present(models_dir):
        fetch_models(models_dir)  # a registry download, as .ci/run does it
    fa = FaceAnalyzer(models_dir=models_dir)
    yield fa
    fa.close()


def test_frontal_face(analyzer: FaceAnalyzer) -> None:
    r = analyzer.analyse(frontal())
    assert r.face_count == 1 and r.pose is not None
    cx, cy = r.faces[0].centre
    assert 0.4 < cx < 0.6 and 0.3 < cy < 0.6
    assert abs(r.pose.yaw) < 10 and abs(r.pose.roll) < 10


def test_mirrored_face_mirrors_position_and_roll(analyzer: FaceAnalyzer) -> None:
    a, b = analyzer.analyse(frontal()), analyzer.analyse(frontal()[:, ::-1].copy())
    assert a.pose is not None and b.pose is not None and b.face_count == 1
    assert a.faces[0].centre[0] + b.faces[0].centre[0] == pytest.approx(1.0, abs=0.05)
    assert np.sign(a.pose.roll) == -np.sign(b.pose.roll)


@pytest.mark.parametrize("degrees", [20, -20, 45])
def test_rotation_shows_as_roll_not_as_looking_away(analyzer: FaceAnalyzer, degrees: int) -> None:
    base = analyzer.analyse(frontal()).pose
    r = analyzer.analyse(rotated(frontal(), degrees))
    assert base is not None and r.pose is not None
    # cv2 turns counter-clockwise for positive angles: the head's roll goes the other way
    assert r.pose.roll - base.roll == pytest.approx(-degrees, abs=12)
    assert abs(r.pose.yaw - base.yaw) < 10 and abs(r.pose.pitch - base.pitch) < 10


def test_blank_frame_has_no_face(analyzer: FaceAnalyzer) -> None:
    r = analyzer.analyse(np.full((H, W, 3), 128, np.uint8))
    assert r.face_count == 0 and r.pose is None


def test_two_faces_side_by_side(analyzer: FaceAnalyzer) -> None:
    r = analyzer.analyse(two_faces())
    assert r.face_count == 2
    xs = sorted(f.centre[0] for f in r.faces)
    assert xs[0] < 0.5 < xs[1]


def test_turned_head(analyzer: FaceAnalyzer) -> None:
    r = analyzer.analyse(turned_away())
    assert r.face_count == 1 and r.pose is not None
    assert abs(r.pose.yaw) > 35


def _observe(
    analyzer: FaceAnalyzer, frames: list[tuple[str, np.ndarray]], **kw: Any
) -> tuple[LocalObserver, list[tuple[str, dict[str, Any]]]]:
    """Feed frames 2 s apart (the conversation rate) and collect (kind, data)."""
    obs = LocalObserver.from_settings(
        VisionSettings(_env_file=None, calibration_frames=3, window_s=1000, **kw)  # type: ignore[call-arg]
    )
    out = []
    t = 1000.0
    for phase, rgb in frames:
        reading: FaceReading = analyzer.analyse(rgb)
        out += [
            (o.kind, o.data)
            for o in obs.update(at=t, phase=phase, source="camera", reading=reading)
        ]
        t += 2.0
    out += [(o.kind, o.data) for o in obs.flush(t)]
    return obs, out


def test_observations_from_a_short_session(analyzer: FaceAnalyzer) -> None:
    f, away, blank = frontal(), turned_away(), np.full((H, W, 3), 128, np.uint8)
    frames = (
        [("intro", f)] * 4
        + [("intro", rotated(f, 20))] * 2  # a head tilt is not looking away
        + [("intro", away)] * 3
        + [("intro", two_faces())] * 2
        + [("intro", off_centre())] * 2
        + [("intro", blank)] * 12  # 24 s without a face
        + [("intro", f)] * 2
    )
    observer, out = _observe(analyzer, frames, absent_hint_s=20)
    kinds = [k for k, _ in out]
    assert kinds.count("calibration") == 1
    assert observer.neutral is not None and abs(observer.neutral.yaw) < 10

    states = [d for k, d in out if k == "face_state"]
    assert [(s["presence"], s["looking_away"], s["off_centre"]) for s in states] == [
        ("single", False, False),
        ("single", True, False),  # the turned head, after the 2-frame confirmation
        ("multiple", False, False),
        ("single", False, True),
        ("absent", False, False),
        ("single", False, False),
    ]
    assert states[1]["yaw_offset"] and abs(states[1]["yaw_offset"]) > 25
    assert states[2]["faces"] == 2

    (absence,) = [d for k, d in out if k == "absence"]
    assert absence["seconds"] >= 20

    (window,) = [d for k, d in out if k == "face_window"]
    assert window["frames"] == len(frames)
    # every interval is 2 s; 12 blank frames -> 24 s without a face
    assert window["observed_s"] == pytest.approx(2.0 * len(frames))
    assert window["observed_s"] - window["face_s"] == pytest.approx(24.0)
    assert window["away_s"] == pytest.approx(6.0)  # 3 turned frames x 2 s
    assert window["multi_s"] == pytest.approx(4.0)
