"""The planner's configuration, mixed into `TokenServerSettings` (one settings object)."""

from __future__ import annotations

from pydantic import Field, SecretStr

from interview_store import StoreSettings


class PlannerSettings(StoreSettings):
    google_api_key: SecretStr | None = None
    """Gemini API key (GOOGLE_API_KEY). Unset: every plan comes from the question bank,
    and the plan says so."""
    planner_model: str = "gemini-2.5-flash"
    """Model that reads the job and the CV and writes the questions."""
    planner_temperature: float = Field(default=0.2, ge=0, le=1)
    """Low: extraction and a structured plan, not creativity."""
    planner_deadline_s: float = Field(default=25.0, gt=0, le=300)
    """After this the bank's plan is used; the interview stays `preparing` at most this long."""
    gemini_base_url: str | None = None
    """Alternative endpoint (an emulator or proxy); unset means Google's."""
