"""Every process reads `.env` (the README's run command and compose rely on it).

Settings classes are composed from mixins; pydantic merges their `model_config` in base order, so
one mixin built on a plain `BaseSettings` silently turns `.env` off for the whole class. This test
loads each process's settings from a `.env` alone, with nothing in the environment.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic_settings import BaseSettings

from agent.recording import RecordingSettings
from agent.settings import AgentSettings
from agent.vision.settings import VisionSettings
from evals.settings import EvalSettings
from interview_store import load_settings
from sandbox.settings import SandboxSettings
from tokenserver.settings import TokenServerSettings

DOTENV = {
    "LIVEKIT_URL": "ws://127.0.0.1:7999",
    "LIVEKIT_API_KEY": "dotenv-key",
    "LIVEKIT_API_SECRET": "dotenv-secret-that-is-long-enough-0123456789",
    "GOOGLE_API_KEY": "dotenv-google",
    "STORAGE_DIR": "dotenv-storage",
    "SANDBOX_MAX_CONCURRENT_RUNS": "3",
    "VISION_QUEUE_SIZE": "7",
}


@pytest.mark.parametrize(
    "settings_cls",
    [
        TokenServerSettings,
        AgentSettings,
        RecordingSettings,
        VisionSettings,
        EvalSettings,
        SandboxSettings,
    ],
)
def test_settings_are_read_from_dotenv(
    settings_cls: type[BaseSettings], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in DOTENV:
        monkeypatch.delenv(name, raising=False)
    (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in DOTENV.items()))
    monkeypatch.chdir(tmp_path)
    settings = load_settings(settings_cls)
    assert settings.model_config.get("env_file") == ".env"
    prefix = str(settings_cls.model_config.get("env_prefix") or "").lower()
    fields = {name: name.lower().removeprefix(prefix) for name in DOTENV}
    read = {
        name: getattr(settings, field)
        for name, field in fields.items()
        if name.lower().startswith(prefix) and field in settings_cls.model_fields
    }
    assert read, f"{settings_cls.__name__} reads none of {sorted(DOTENV)}"
    for name, value in read.items():
        shown = value.get_secret_value() if hasattr(value, "get_secret_value") else value
        assert str(shown) in (DOTENV[name], str(tmp_path / DOTENV[name])), name
