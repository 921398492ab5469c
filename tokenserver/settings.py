"""Configuration of the token server, read from the environment and `.env`.

Everything a deploy must decide (LiveKit credentials) is required,
so a misconfigured server refuses to start with one line naming the variable instead of
failing inside the first request.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator

from interview_store.recording_layout import EgressSettings

from .people_settings import PeopleSettings
from .planning.settings import PlannerSettings

_REPO_ROOT = Path(__file__).resolve().parent.parent

FORM_FIELD_BYTES = 256 * 1024
"""Largest text field of the create form, and the room left for those fields beside the CV
in the default whole-body limit (MAX_CV_BYTES + this)."""


class TokenServerSettings(EgressSettings, PlannerSettings, PeopleSettings):
    """Recording mode and egress output come from `EgressSettings` (shared with the agent);
    the interview planner's knobs from `PlannerSettings`; invitations, consent, profiles and
    outgoing webhooks from `PeopleSettings`."""

    host: str = "0.0.0.0"
    port: int = Field(default=8080, ge=0, le=65535)

    livekit_url: str
    """Handed to the browser as `server_url`; the token server itself never connects to it."""
    livekit_api_key: str = Field(min_length=1)
    livekit_api_secret: SecretStr

    agent_name: str = Field(default="interviewer", min_length=1)
    token_ttl_seconds: int = Field(default=900, ge=60, le=86_400)
    room_empty_timeout_seconds: int = Field(default=300, ge=0)
    room_departure_timeout_seconds: int = Field(default=20, ge=0)
    agent_finalize_grace_seconds: float = Field(default=10.0, ge=0, le=60)
    """On `room_finished` for a live interview, how long to wait for the agent's own end
    (its summary, then `ended`) before deciding it died mid-interview and failing it."""

    recruiter_token: SecretStr | None = None
    """DEPRECATED shared recruiter bearer credential (at least 16 characters). Accounts
    (`python -m tokenserver users add`) with per-user API keys replace it; while set it still
    works as a recruiter-role credential and the server logs a deprecation warning once."""

    session_idle_minutes: int = Field(default=60, ge=1, le=24 * 60)
    """A signed-in session ends after this long without a request..."""
    session_absolute_hours: int = Field(default=12, ge=1, le=24 * 30)
    """...and this long after sign-in whatever happens."""
    signin_failures_per_account: int = Field(default=5, ge=1)
    """Failed sign-ins allowed per email within SIGNIN_WINDOW_MINUTES before it is locked."""
    signin_failures_per_address: int = Field(default=20, ge=1)
    """Failed sign-ins allowed per client address within SIGNIN_WINDOW_MINUTES."""
    signin_window_minutes: int = Field(default=15, ge=1)
    signed_url_ttl_seconds: int = Field(default=600, ge=10, le=86_400)
    """Lifetime of the signed links to recordings, report pages and exports."""
    url_signing_key: SecretStr | None = None
    """HMAC key of signed links; unset = derived from LIVEKIT_API_SECRET (rotating either
    invalidates every outstanding link)."""

    public_base_url: str | None = None
    """Prefix for links in API answers (e.g. https://interviews.example.com); relative if unset."""

    rate_limit_per_minute: int = Field(default=20, ge=1)
    """POST /api/interviews per client address and minute (a token bucket allowing bursts)."""
    forwarded_allow_ips: str = ""
    """Comma-separated proxy addresses (or `*`) trusted for X-Forwarded-For/-Proto; none by
    default, so a client cannot pick the address the rate limits and sign-in throttle key on."""
    body_timeout_seconds: float = Field(default=10.0, gt=0, le=600)
    """Longest wait for the next piece of a request body; a stalled upload is dropped."""
    header_timeout_seconds: float = Field(default=10.0, gt=0, le=600)
    """Longest time a connection may stay open before its request headers are complete."""

    max_cv_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    max_cv_pages: int = Field(default=20, ge=1)
    cv_parse_timeout_seconds: float = Field(default=10.0, gt=0)
    max_parallel_cv_parses: int = Field(default=2, ge=1)
    max_request_bytes: int | None = None
    """Whole request body limit; unset = MAX_CV_BYTES + FORM_FIELD_BYTES (256 KiB)."""

    web_dist_dir: Path = _REPO_ROOT / "web" / "dist"
    log_level: str = "INFO"

    @field_validator("livekit_url")
    @classmethod
    def _livekit_url_scheme(cls, value: str) -> str:
        if not value.startswith(("ws://", "wss://", "http://", "https://")):
            raise ValueError("must start with wss://, ws://, https:// or http://")
        return value

    @field_validator("recruiter_token")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value():
            return None  # RECRUITER_TOKEN= (empty) means unset
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters (it guards CVs and recordings)")
        return value

    @field_validator("public_base_url")
    @classmethod
    def _strip_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else None

    @property
    def request_body_limit(self) -> int:
        return self.max_request_bytes or self.max_cv_bytes + FORM_FIELD_BYTES
