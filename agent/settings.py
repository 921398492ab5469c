"""Configuration of the agent worker, read from the environment and `.env`.

The LiveKit credentials and the Gemini API key are required: a worker that cannot reach either
would register, accept a candidate and then fail mid-interview, so it refuses to start instead.
Everything else has interview-tuned defaults (see the README's configuration table).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator

from interview_store import PriceTable, StoreSettings

DEFAULT_PHASE_WEIGHTS: dict[str, float] = {
    "intro": 1.0,
    "technical": 4.0,
    "coding": 4.0,
    "behavioural": 3.0,
    "candidate_questions": 1.5,
    "wrap_up": 0.5,
}
"""Relative share of the planned duration per phase; phases an interview skips are dropped and
the rest rescaled, so a 30-minute behavioural interview still fills 30 minutes."""


class AgentSettings(StoreSettings):
    # --- LiveKit ------------------------------------------------------------------------
    livekit_url: str = Field(min_length=1)
    livekit_api_key: str = Field(min_length=1)
    livekit_api_secret: SecretStr

    agent_name: str = Field(default="interviewer", min_length=1)
    """Explicit dispatch name: the token server puts it in the room configuration."""

    load_threshold: float = Field(default=0.7, gt=0, le=1)
    """Stop accepting jobs above this load: the larger of CPU use and running interviews as a
    share of the per-worker maximum (`agent/capacity.py`)."""
    num_idle_processes: int = Field(default=2, ge=0)
    """Pre-started job processes (each already holding Silero VAD) for fast joins."""
    drain_timeout: int = Field(default=3600, ge=0)
    """Seconds SIGTERM waits for running interviews to finish before the worker exits."""
    load_includes_cpu: bool = True
    """Count the host's CPU use in the load. Off only where the host's CPU is not this
    worker's (a test rig or CI box shared with other work): the interview count still limits."""
    max_interviews_per_worker: int = Field(default=0, ge=0)
    """Interviews this worker runs at once; 0 = derived from the host's cores and memory and
    the measured per-interview cost (`agent/capacity.py`)."""
    agent_http_port: int = Field(default=8081, ge=0, le=65535)
    """livekit-agents' health server: `/` (200 OK / 503) and `/worker` (JSON, load, jobs)."""
    metrics_port: int | None = Field(default=9100, ge=0, le=65535)
    """Prometheus `/metrics` of the worker (all job processes merged); unset = off."""

    # --- Gemini Live ----------------------------------------------------------------------
    google_api_key: SecretStr = Field(min_length=1)
    gemini_live_model: str = "gemini-2.5-flash-native-audio-preview-12-2025"
    gemini_voice: str = "Puck"
    gemini_temperature: float = Field(default=0.7, ge=0, le=2)
    gemini_base_url: str | None = None
    """Alternative endpoint (an emulator or proxy); unset means Google's."""
    gemini_ca_file: Path | None = None
    """PEM bundle to trust for GEMINI_BASE_URL (a private CA or an emulator's cert)."""
    gemini_silence_ms: int = Field(default=800, ge=100, le=10_000)
    """Gemini's server-side end-of-speech silence before it answers (its turn detector)."""
    gemini_coding_silence_ms: int = Field(default=3000, ge=100, le=10_000)
    """The same silence in the coding phase, where candidates think aloud with long pauses.
    Gemini reads it only at connection setup, so entering and leaving coding reconnects once
    (with session resumption) as soon as both sides are quiet (`agent/coding/turn_taking.py`)."""

    # --- provider failover (agent/circuit_breaker.py, agent/model_failover.py) ------------
    gemini_fallback_model: str | None = "gemini-2.5-flash-native-audio-preview-09-2025"
    """The realtime model a degraded interview switches to (same key and endpoint as the
    primary); unset = no failover, the primary only reconnects."""
    openai_api_key: SecretStr | None = None
    """With a key, the fallback is OpenAI Realtime (`openai_realtime_model`) instead of
    GEMINI_FALLBACK_MODEL: another provider survives an outage of Google's."""
    openai_realtime_model: str = "gpt-realtime"
    openai_voice: str = "marin"
    failover_latency_budget_ms: float = Field(default=1500.0, gt=0)
    """p95 of the model's reply latency over the recent turns above this trips the breaker."""
    failover_window_turns: int = Field(default=20, ge=1)
    """How many recent replies the p95 is taken over."""
    failover_min_turns: int = Field(default=20, ge=1)
    """Replies needed in the window before latency can trip. With fewer than 20 the nearest-
    rank p95 is the maximum, so one slow reply would trip it: keep it at the window size."""
    failover_max_failed_connects: int = Field(default=3, ge=1)
    """Consecutive failed (re)connects of the model that trip the breaker."""
    failover_recovery_s: float = Field(default=300.0, gt=0)
    """Time on the fallback before the primary is tried again (half-open)."""
    failover_max_recovery_s: float = Field(default=1800.0, gt=0)
    """Each failed probation doubles the recovery period, up to this."""
    failover_probe_turns: int = Field(default=3, ge=1)
    """Replies within budget the primary needs on probation to be trusted again."""

    # --- interviewer avatar (agent/avatar.py) ---------------------------------------------
    avatar: Literal["none", "tavus"] = "none"
    """An avatar worker that speaks the interviewer's audio with a lip-synced face; `none`
    = voice only (the web client shows its visualiser)."""
    avatar_start_timeout_s: float = Field(default=20.0, gt=0, le=120)
    """The provider's API call plus the avatar joining the room; past it the interview goes
    on voice-only (the greeting waits at most this long)."""
    avatar_livekit_url: str | None = None
    """The LiveKit URL the provider's avatar worker joins, when LIVEKIT_URL is an address
    only this network reaches (unset = LIVEKIT_URL)."""
    tavus_api_key: SecretStr | None = None
    tavus_replica_id: str | None = None
    """The Tavus replica (face) the interviewer wears; unset = Tavus's stock face."""
    tavus_persona_id: str | None = None
    """A Tavus persona (PAL) in echo mode with the LiveKit transport; unset = the stock one."""
    tavus_api_url: str | None = None
    """Tavus's API base (default https://tavusapi.com/v2); tests point it at an emulator."""
    avatar_price_per_minute_usd: float | None = Field(default=None, ge=0)
    """What the avatar provider bills per minute (your plan's rate); unset = the avatar's
    cost line is stored unpriced and listed as such, never counted as zero."""

    # --- cost (interview_store/interview_cost.py) -------------------------------------------
    model_prices: PriceTable = Field(default_factory=PriceTable)
    """USD per 1M tokens by model-name prefix, dated; JSON, e.g. MODEL_PRICES='{"as_of":
    "2026-01-01", "models": {"gemini-2.5-flash-native-audio": {"audio_input": 3, ...}}}'.
    The default is Google's published table (see `PriceTable`)."""

    # --- turn-taking ----------------------------------------------------------------------
    vad_min_silence_s: float = Field(default=0.4, gt=0)
    vad_activation_threshold: float = Field(default=0.5, gt=0, lt=1)
    vad_min_speech_s: float = Field(default=0.05, gt=0)
    vad_max_buffered_speech_s: float = Field(default=60.0, ge=30)
    """Long answers are normal in interviews: keep at least 30 s of speech buffered."""
    silence_patience_s: float = Field(default=20.0, gt=0)
    """Silence (both sides quiet) before a gentle check-in during conversation phases."""
    coding_patience_s: float = Field(default=90.0, gt=0)
    """Silence tolerated in the coding phase and after `candidate_needs_time`."""
    reply_stall_timeout_s: float = Field(default=10.0, gt=0)
    """No reply this long after the candidate finished: reconnect Gemini (with resumption)."""

    # --- pacing ---------------------------------------------------------------------------
    phase_weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_PHASE_WEIGHTS))
    """JSON, e.g. PHASE_WEIGHTS='{"coding": 6}' (missing phases keep their default)."""
    min_phase_s: float = Field(default=30.0, ge=0)
    """A phase (other than intro and wrap_up) cannot be left before this many seconds."""
    min_duration_fraction: float = Field(default=0.5, ge=0, le=1)
    """end_interview is refused before this fraction of the planned duration has passed."""
    nudge_repeat_s: float = Field(default=120.0, gt=0)
    """How often an overrunning phase is nudged again."""
    publish_interval_s: float = Field(default=5.0, gt=0)
    """How often the remaining time is refreshed in the agent's participant attributes."""

    # --- coding workspace (agent/coding/) -------------------------------------------------
    coding_max_code_bytes: int = Field(default=60_000, ge=1024)
    """Largest code (UTF-8 bytes) the page may send to run, submit or snapshot; the sandbox's
    own source limit (SANDBOX_MAX_SOURCE_BYTES, 64 KiB) must leave room for the test harness."""
    coding_runs_per_minute: int = Field(default=10, ge=1)
    """Run + Submit clicks accepted per interview per minute; more get a clear error."""
    coding_snapshots_per_minute: int = Field(default=60, ge=1)
    """Code snapshots accepted per minute (the page debounces to about one every 2 s)."""
    coding_note_min_changed_lines: int = Field(default=5, ge=1)
    """A snapshot changing at least this many lines is worth a private note to the model."""
    coding_note_interval_s: float = Field(default=30.0, ge=0)
    """At most one snapshot note per this many seconds (run results always get one)."""

    @model_validator(mode="after")
    def _avatar_credentials(self) -> Self:
        if self.avatar == "tavus" and self.tavus_api_key is None:
            raise ValueError("AVATAR=tavus needs TAVUS_API_KEY")
        return self

    @field_validator("phase_weights")
    @classmethod
    def _complete_weights(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = set(value) - set(DEFAULT_PHASE_WEIGHTS)
        if unknown:
            raise ValueError(f"unknown phase(s) {sorted(unknown)}")
        if any(w <= 0 for w in value.values()):
            raise ValueError("weights must be positive")
        return {**DEFAULT_PHASE_WEIGHTS, **value}
