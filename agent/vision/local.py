"""Turn per-frame face readings into the few observations worth storing.

One row per analysed frame would be ~1,800 rows per hour of mostly "face visible, looking
at the screen". Instead we store:

- `calibration` once: the candidate's neutral head pose (median of the first face frames);
- `face_state` when the observable state changes (presence absent/single/multiple, looking
  away, off-centre) and the new state held for `confirm_frames` frames (detector flicker is
  not an event);
- `absence` once per absence that lasts `absent_hint_s` (a notable moment, and a hint);
- `face_window` every `window_s` and at each phase change: time observed, time with a face,
  time looking away, time with several faces. Aggregates are sums over these windows, so
  they are exact no matter how rarely states change.

Time is attributed to the state seen at the START of each interval between two analysed
camera frames (capped at `max_gap_s`, so a stall or a screen-share stretch does not count
as camera time). Screen-share frames are not camera observations: they are skipped here.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any, Literal

from interview_store import Observation

from .face import FaceReading, HeadPose
from .frames import FrameSource
from .settings import VisionSettings

Presence = Literal["absent", "single", "multiple"]

_CENTRE_X = (0.2, 0.8)
_CENTRE_Y = (0.15, 0.85)
_NEUTRAL_CLAMP_DEG = 20.0


@dataclass(frozen=True)
class FaceState:
    presence: Presence
    looking_away: bool
    off_centre: bool


@dataclass
class _Window:
    start: float
    phase: str | None
    frames: int = 0
    face_frames: int = 0
    observed_s: float = 0.0
    face_s: float = 0.0
    away_s: float = 0.0
    multi_s: float = 0.0
    yaw_offsets: list[float] = field(default_factory=list)
    pitch_offsets: list[float] = field(default_factory=list)


@dataclass
class _Previous:
    at: float
    state: FaceState


class LocalObserver:
    def __init__(
        self,
        *,
        calibration_frames: int,
        away_yaw_deg: float,
        away_pitch_deg: float,
        window_s: float,
        absent_hint_s: float,
        confirm_frames: int = 2,
        max_gap_s: float = 5.0,
    ) -> None:
        self._calibration_frames = calibration_frames
        self._away_yaw = away_yaw_deg
        self._away_pitch = away_pitch_deg
        self._window_s = window_s
        self._absent_hint_s = absent_hint_s
        self._confirm_frames = confirm_frames
        self._max_gap_s = max_gap_s

        self._calibration: list[HeadPose] = []
        self._neutral: HeadPose | None = None
        self._window: _Window | None = None
        self._prev: _Previous | None = None
        self._state: FaceState | None = None
        self._candidate: FaceState | None = None
        self._candidate_count = 0
        self._absent_since: float | None = None
        self._absence_reported = False

    @classmethod
    def from_settings(cls, settings: VisionSettings) -> LocalObserver:
        return cls(
            calibration_frames=settings.calibration_frames,
            away_yaw_deg=settings.away_yaw_deg,
            away_pitch_deg=settings.away_pitch_deg,
            window_s=settings.window_s,
            absent_hint_s=settings.absent_hint_s,
        )

    @property
    def neutral(self) -> HeadPose | None:
        return self._neutral

    @property
    def state(self) -> FaceState | None:
        return self._state

    def update(
        self, *, at: float, phase: str | None, source: FrameSource, reading: FaceReading
    ) -> list[Observation]:
        """Feed one analysed frame; returns the observations to store (often none)."""
        if source == "screen":
            self._prev = None  # camera time stops counting while the screen is shown
            return []
        out: list[Observation] = []
        if self._window is None:
            self._window = _Window(start=at, phase=phase)
        if self._prev is not None:
            self._add_time(at, self._prev.state)
        if phase != self._window.phase or at - self._window.start >= self._window_s:
            out.extend(self._close_window(at, next_phase=phase))

        out.extend(self._calibrate(at, phase, reading))
        state = self._state_of(reading)
        self._count(state, reading)
        self._prev = _Previous(at=at, state=state)
        out.extend(self._track_state(at, phase, state, reading))
        out.extend(self._track_absence(at, phase, state))
        return out

    def flush(self, at: float) -> list[Observation]:
        """Close the open window (session end)."""
        if self._window is None:
            return []
        if self._prev is not None:
            self._add_time(at, self._prev.state)
            self._prev = None
        out = self._close_window(at, next_phase=None)
        self._window = None
        return out

    # --

    def _state_of(self, reading: FaceReading) -> FaceState:
        n = reading.face_count
        presence: Presence = "absent" if n == 0 else "single" if n == 1 else "multiple"
        off_centre = False
        if (face := reading.primary) is not None:
            cx, cy = face.centre
            off_centre = not (
                _CENTRE_X[0] <= cx <= _CENTRE_X[1] and _CENTRE_Y[0] <= cy <= _CENTRE_Y[1]
            )
        return FaceState(presence=presence, looking_away=self._away(reading), off_centre=off_centre)

    def _offsets(self, pose: HeadPose) -> tuple[float, float]:
        neutral = self._neutral or HeadPose(0.0, 0.0, 0.0)
        return pose.yaw - neutral.yaw, pose.pitch - neutral.pitch

    def _away(self, reading: FaceReading) -> bool:
        if reading.pose is None or self._neutral is None:
            return False  # uncalibrated or no usable mesh: no claim either way
        dyaw, dpitch = self._offsets(reading.pose)
        return abs(dyaw) > self._away_yaw or abs(dpitch) > self._away_pitch

    def _calibrate(self, at: float, phase: str | None, reading: FaceReading) -> list[Observation]:
        if self._neutral is not None or reading.face_count != 1 or reading.pose is None:
            return []
        self._calibration.append(reading.pose)
        if len(self._calibration) < self._calibration_frames:
            return []

        def median(values: list[float]) -> float:
            m = statistics.median(values)
            return max(-_NEUTRAL_CLAMP_DEG, min(_NEUTRAL_CLAMP_DEG, m))

        self._neutral = HeadPose(
            yaw=median([p.yaw for p in self._calibration]),
            pitch=median([p.pitch for p in self._calibration]),
            roll=median([p.roll for p in self._calibration]),
        )
        return [
            Observation(
                at=at,
                source="local",
                kind="calibration",
                phase=phase,
                data={
                    "neutral_yaw": round(self._neutral.yaw, 1),
                    "neutral_pitch": round(self._neutral.pitch, 1),
                    "frames": len(self._calibration),
                },
            )
        ]

    def _count(self, state: FaceState, reading: FaceReading) -> None:
        window = self._window
        assert window is not None
        window.frames += 1
        if state.presence != "absent":
            window.face_frames += 1
        if reading.pose is not None and self._neutral is not None:
            dyaw, dpitch = self._offsets(reading.pose)
            window.yaw_offsets.append(dyaw)
            window.pitch_offsets.append(dpitch)

    def _add_time(self, at: float, state: FaceState) -> None:
        assert self._window is not None and self._prev is not None
        dt = max(0.0, min(at - self._prev.at, self._max_gap_s))
        self._window.observed_s += dt
        if state.presence != "absent":
            self._window.face_s += dt
            if state.looking_away:
                self._window.away_s += dt
        if state.presence == "multiple":
            self._window.multi_s += dt

    def _track_state(
        self, at: float, phase: str | None, state: FaceState, reading: FaceReading
    ) -> list[Observation]:
        if state == self._state:
            self._candidate, self._candidate_count = None, 0
            return []
        if self._state is not None:  # the first state is taken at once, changes are confirmed
            if state != self._candidate:
                self._candidate, self._candidate_count = state, 0
            self._candidate_count += 1
            if self._candidate_count < self._confirm_frames:
                return []
        self._state, self._candidate, self._candidate_count = state, None, 0
        data: dict[str, Any] = {
            "presence": state.presence,
            "faces": reading.face_count,
            "looking_away": state.looking_away,
            "off_centre": state.off_centre,
        }
        confidence = 1.0
        if (face := reading.primary) is not None:
            data["centre"] = [round(face.centre[0], 3), round(face.centre[1], 3)]
            confidence = round(min(f.score for f in reading.faces), 3)
        if reading.pose is not None:
            dyaw, dpitch = self._offsets(reading.pose)
            data.update(yaw_offset=round(dyaw, 1), pitch_offset=round(dpitch, 1))
            data["calibrated"] = self._neutral is not None
        return [
            Observation(
                at=at,
                source="local",
                kind="face_state",
                phase=phase,
                confidence=confidence,
                data=data,
            )
        ]

    def _track_absence(self, at: float, phase: str | None, state: FaceState) -> list[Observation]:
        if state.presence != "absent":
            self._absent_since, self._absence_reported = None, False
            return []
        if self._absent_since is None:
            self._absent_since = at
        if self._absence_reported or at - self._absent_since < self._absent_hint_s:
            return []
        self._absence_reported = True
        return [
            Observation(
                at=at,
                source="local",
                kind="absence",
                phase=phase,
                data={"since": self._absent_since, "seconds": round(at - self._absent_since, 1)},
            )
        ]

    def _close_window(self, at: float, *, next_phase: str | None) -> list[Observation]:
        window = self._window
        assert window is not None
        self._window = _Window(start=at, phase=next_phase)
        if window.frames == 0 and window.observed_s == 0:
            return []
        data: dict[str, Any] = {
            "start": window.start,
            "end": at,
            "frames": window.frames,
            "face_frames": window.face_frames,
            "observed_s": round(window.observed_s, 2),
            "face_s": round(window.face_s, 2),
            "away_s": round(window.away_s, 2),
            "multi_s": round(window.multi_s, 2),
        }
        if window.yaw_offsets:
            data["yaw_offset_median"] = round(statistics.median(window.yaw_offsets), 1)
            data["pitch_offset_median"] = round(statistics.median(window.pitch_offsets), 1)
        return [
            Observation(at=at, source="local", kind="face_window", phase=window.phase, data=data)
        ]
