"""The token server's knobs for invitations, consent, candidate profiles and outgoing webhooks
(mixed into `TokenServerSettings`, one default each)."""

from __future__ import annotations

from pydantic import Field

from interview_store import StoreSettings


class PeopleSettings(StoreSettings):
    """A `StoreSettings` like every other mixin of `TokenServerSettings`: pydantic merges the
    bases' `model_config` in order, so a plain `BaseSettings` base would reset `env_file` and the
    token server would stop reading `.env`."""

    self_serve_enabled: bool = True
    """Self-serve practice (the open form). Screening deployments set it false: then only an
    invitation link creates an interview."""
    retention_days: int = Field(default=90, ge=1, le=3650)
    """How long interviews are kept, as the consent notice tells candidates (the retention
    job deletes them: `python -m tokenserver retention --older-than-days` with this value)."""
    invitation_hours: int = Field(default=168, ge=1, le=24 * 90)
    """Default lifetime of an invitation link."""
    maintenance_interval_seconds: float = Field(default=30.0, gt=0, le=3600)
    """How often unused interviews are marked abandoned and webhook deliveries are sent."""
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    webhook_max_attempts: int = Field(default=6, ge=1, le=20)
    """Attempts per delivery (the first and the retries) before it is logged as failed."""
    webhook_backoff_seconds: float = Field(default=30.0, gt=0, le=3600)
    """Wait before the first retry; doubled for each next one (capped at an hour)."""
    webhook_allow_private_urls: bool = False
    """Allow webhook URLs on loopback/private addresses (tests, on-premises receivers)."""
