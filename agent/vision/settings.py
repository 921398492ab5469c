"""Vision settings (env prefix `VISION_`): sampling rates, analysis budgets, hint pacing.

Kept apart from the agent's own settings so the vision subpackage can be configured, tested
and benchmarked on its own; the worker loads it next to its settings.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_MODELS_DIR = Path(__file__).resolve().parent / "models"
"""Git-ignored; filled by `python -m agent.vision.fetch_models` in CI and the image build."""


class VisionSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="VISION_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    enabled: bool = True
    """Off: the worker keeps livekit-agents' default sampler and runs no analysis."""

    conversation_fps: float = Field(default=0.5, gt=0, le=5)
    """Frames per second sent to the interviewer and the analysis outside the coding phase."""

    coding_fps: float = Field(default=1.0, gt=0, le=5)
    """Frames per second in `screen_phases` (code on a screen changes faster than a face)."""

    screen_phases: frozenset[str] = frozenset({"coding"})
    """Phases in which a shared screen is preferred over the camera."""

    queue_size: int = Field(default=4, ge=1, le=64)
    """Frames waiting for local analysis; the oldest is dropped (and counted) when full."""

    models_dir: Path = DEFAULT_MODELS_DIR
    """Where face_detection_short_range.tflite and face_landmark.tflite live."""

    local_enabled: bool = True
    """Face detection + landmarks on camera frames (no network)."""

    litert_threads: int = Field(default=1, ge=1, le=8)
    """Threads for the landmark model: one keeps many sessions per worker affordable."""

    calibration_frames: int = Field(default=5, ge=1)
    """Face frames whose median head pose becomes the session's neutral pose."""

    away_yaw_deg: float = 25.0
    """Head turned further than this from the neutral pose (left/right) counts as looking away."""

    away_pitch_deg: float = 20.0
    """Head tilted further than this from the neutral pose (up/down) counts as looking away."""

    window_s: float = Field(default=30.0, gt=0)
    """Local analysis is stored as state changes plus one tally per window of this length."""

    absent_hint_s: float = 20.0
    """No face for this long (camera source) is worth a hint to the interviewer."""

    gemini_enabled: bool = True
    """Periodic multimodal review with generate_content (needs GOOGLE_API_KEY)."""

    gemini_model: str = "gemini-2.5-flash"
    gemini_interval_s: float = Field(default=20.0, gt=0)
    """One review request at most this often, only when new frames arrived."""

    gemini_batch_frames: int = Field(default=4, ge=1, le=16)
    gemini_timeout_s: float = Field(default=20.0, gt=0)
    gemini_min_confidence: float = Field(default=0.6, ge=0, le=1)
    gemini_image_max_side: int = Field(default=768, ge=64)
    gemini_base_url: str | None = None
    """Alternative endpoint (an emulator, a proxy); unset means Google's."""

    google_api_key: SecretStr | None = Field(default=None, validation_alias="GOOGLE_API_KEY")

    hint_min_interval_s: float = Field(default=90.0, ge=0)
    """At most one hint to the interviewer per this many seconds."""

    hint_kind_cooldown_s: float = Field(default=300.0, ge=0)
    """The same kind of hint is not repeated within this many seconds."""

    def fps_for(self, phase: str | None) -> float:
        return self.coding_fps if phase in self.screen_phases else self.conversation_fps
