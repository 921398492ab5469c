"""Local face analysis of one RGB frame: how many faces, where, and where the head points.

Detection: mediapipe Tasks `FaceDetector` fed the legacy BlazeFace short-range model.
Landmarks: the 468-point face mesh run directly with LiteRT (the mesh model needs no
MediaPipe custom ops, so we avoid mediapipe's legacy solutions API, which cannot share a
venv with livekit). Head pose comes from the mesh's own 3-D points, not a generic head
model fitted with solvePnP (that showed a ~30° pitch bias here).

Only observable geometry is reported. Nothing here guesses emotions, confidence or honesty.
Instances are NOT thread-safe: each session's analysis thread owns one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

DETECTOR_FILE = "face_detection_short_range.tflite"
LANDMARK_FILE = "face_landmark.tflite"
_MESH_INPUT = 192

# mesh indices: outer eye corners (subject's right, left), forehead, chin
_EYE_R, _EYE_L, _FOREHEAD, _CHIN = 33, 263, 10, 152

RGBImage = npt.NDArray[np.uint8]


class ModelsMissing(RuntimeError):
    """The .tflite files are not in the models dir: run `python -m agent.vision.fetch_models`."""


@dataclass(frozen=True)
class FaceBox:
    """Normalised [0, 1] box of one detected face, with the detector's score."""

    x: float
    y: float
    width: float
    height: float
    score: float

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x + self.width / 2, self.y + self.height / 2)


@dataclass(frozen=True)
class HeadPose:
    """Degrees. yaw > 0: the head turns towards the image's right; pitch > 0: chin down;
    roll > 0: head tilted clockwise in the image. ~0 for a frontal face (people differ by a few
    degrees, hence the per-session calibration)."""

    yaw: float
    pitch: float
    roll: float


@dataclass(frozen=True)
class FaceReading:
    faces: tuple[FaceBox, ...]
    pose: HeadPose | None
    """Pose of the largest face; None without a face or when the mesh rejects the crop."""

    @property
    def face_count(self) -> int:
        return len(self.faces)

    @property
    def primary(self) -> FaceBox | None:
        return max(self.faces, key=lambda f: f.width * f.height, default=None)


class FaceAnalyzer:
    def __init__(
        self,
        *,
        models_dir: Path,
        min_detection_confidence: float = 0.5,
        min_mesh_confidence: float = 0.5,
        num_threads: int = 1,
    ) -> None:
        detector_path, landmark_path = models_dir / DETECTOR_FILE, models_dir / LANDMARK_FILE
        if not (detector_path.is_file() and landmark_path.is_file()):
            raise ModelsMissing(
                f"face models not found in {models_dir}: run `python -m agent.vision.fetch_models`"
            )
        # imported here: both load native libraries, which only the analysis needs
        import mediapipe as mp
        from ai_edge_litert.interpreter import Interpreter
        from mediapipe.tasks.python import BaseOptions, vision

        self._mp = mp
        self._detector = vision.FaceDetector.create_from_options(
            vision.FaceDetectorOptions(
                base_options=BaseOptions(model_asset_path=str(detector_path)),
                min_detection_confidence=min_detection_confidence,
            )
        )
        self._mesh = Interpreter(model_path=str(landmark_path), num_threads=num_threads)
        self._mesh.allocate_tensors()
        self._mesh_in = self._mesh.get_input_details()[0]["index"]
        out_mesh, out_flag = (d["index"] for d in self._mesh.get_output_details())
        self._mesh_out, self._mesh_flag = out_mesh, out_flag
        self._min_mesh_confidence = min_mesh_confidence
        # reused every frame: the crop and the mesh's float input (no per-frame allocation)
        self._crop: RGBImage = np.empty((_MESH_INPUT, _MESH_INPUT, 3), np.uint8)
        self._mesh_input = np.empty((1, _MESH_INPUT, _MESH_INPUT, 3), np.float32)

    def close(self) -> None:
        self._detector.close()

    def analyse(self, rgb: RGBImage) -> FaceReading:
        h, w = rgb.shape[:2]
        image = self._mp.Image(
            image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb)
        )
        detections = self._detector.detect(image).detections or []
        faces = []
        for d in detections:
            bb = d.bounding_box
            score = d.categories[0].score if d.categories else 0.0
            faces.append(
                FaceBox(
                    x=bb.origin_x / w,
                    y=bb.origin_y / h,
                    width=bb.width / w,
                    height=bb.height / h,
                    score=float(score or 0.0),
                )
            )
        if not faces:
            return FaceReading(faces=(), pose=None)
        i = max(range(len(faces)), key=lambda k: faces[k].width * faces[k].height)
        keypoints = detections[i].keypoints or []
        eyes = None
        if len(keypoints) >= 2:  # BlazeFace: subject's right eye, then left eye
            r, lft = keypoints[0], keypoints[1]
            eyes = ((lft.x - r.x) * w, (lft.y - r.y) * h)
        pose = self._pose(rgb, faces[i], eyes)
        return FaceReading(faces=tuple(faces), pose=pose)

    def _pose(
        self, rgb: RGBImage, face: FaceBox, eyes: tuple[float, float] | None
    ) -> HeadPose | None:
        h, w = rgb.shape[:2]
        cx, cy = face.centre[0] * w, face.centre[1] * h
        side = max(face.width * w, face.height * h) * 1.5  # square crop with margin, as MediaPipe
        # rotate the crop so the eyes are level, as MediaPipe does: the mesh is trained upright
        angle = 0.0
        if eyes is not None:
            angle = float(np.degrees(np.arctan2(eyes[1], eyes[0])))
        affine = cv2.getRotationMatrix2D((cx, cy), angle, _MESH_INPUT / side)
        affine[:, 2] += (_MESH_INPUT / 2 - cx, _MESH_INPUT / 2 - cy)
        cv2.warpAffine(
            rgb,
            affine,
            (_MESH_INPUT, _MESH_INPUT),
            dst=self._crop,
            borderMode=cv2.BORDER_CONSTANT,
        )
        np.multiply(self._crop, np.float32(1.0 / 255.0), out=self._mesh_input[0], casting="unsafe")
        self._mesh.set_tensor(self._mesh_in, self._mesh_input)
        self._mesh.invoke()
        flag = float(self._mesh.get_tensor(self._mesh_flag).ravel()[0])
        if 1.0 / (1.0 + np.exp(-flag)) < self._min_mesh_confidence:
            return None
        # back to the frame's pixel units; z is in the crop's x scale
        mesh = self._mesh.get_tensor(self._mesh_out).reshape(468, 3).astype(np.float64)
        inverse = cv2.invertAffineTransform(affine)
        points = np.empty_like(mesh)
        points[:, :2] = mesh[:, :2] @ inverse[:, :2].T + inverse[:, 2]
        points[:, 2] = mesh[:, 2] * side / _MESH_INPUT
        return head_pose(points)


def head_pose(points: npt.NDArray[np.float64]) -> HeadPose:
    """Yaw/pitch/roll of a face frame built from the mesh: x from eye corner to eye corner,
    y from forehead to chin (orthogonalised), z their cross product."""
    xa = points[_EYE_L] - points[_EYE_R]
    xa /= np.linalg.norm(xa)
    ya = points[_CHIN] - points[_FOREHEAD]
    ya -= xa * np.dot(ya, xa)
    ya /= np.linalg.norm(ya)
    za = np.cross(xa, ya)
    (pitch, yaw, roll), *_ = cv2.RQDecomp3x3(np.stack([xa, ya, za], 1))
    return HeadPose(yaw=float(yaw), pitch=float(pitch), roll=float(roll))
