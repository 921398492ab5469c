"""Settings of `python -m agent.scenarios`, the persona scenarios run against Gemini.

Separate from `AgentSettings` on purpose: the scenarios run the interviewer in text mode with
no LiveKit server, so they need only a Gemini key and two model names, and a developer should
not have to invent LiveKit credentials to run them.
"""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from interview_store import SettingsError


class ScenarioSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    google_api_key: SecretStr | None = None
    """Gemini API key (GOOGLE_API_KEY); the scenarios call Gemini, so the CLI requires it."""

    scenario_model: str = "gemini-2.5-flash"
    """Text model that plays the interviewer (the live agent uses Gemini Live; the scenarios
    exercise the same instructions, tools and guards in text)."""

    scenario_judge_model: str = "gemini-2.5-flash"
    """Model that plays the simulated candidate and judges the conversation."""

    def require_api_key(self) -> str:
        """The key, or the same one-line configuration error every process prints."""
        if self.google_api_key is None or not self.google_api_key.get_secret_value():
            raise SettingsError(
                "configuration error: GOOGLE_API_KEY is required but not set (see .env.example)"
            )
        return self.google_api_key.get_secret_value()
