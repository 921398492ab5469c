"""`.env.example` is the operator's map of configuration: every setting any process reads
must appear there (commented or not), and nothing there may be a name no process reads."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic_settings import BaseSettings

from agent.recording import RecordingSettings
from agent.scenarios.settings import ScenarioSettings
from agent.settings import AgentSettings
from agent.vision.settings import VisionSettings
from evals.settings import EvalSettings
from interview_store import StoreSettings
from tokenserver.settings import TokenServerSettings

ROOT = Path(__file__).resolve().parent.parent
SETTINGS: list[type[BaseSettings]] = [
    StoreSettings,
    AgentSettings,
    RecordingSettings,
    VisionSettings,
    TokenServerSettings,
    EvalSettings,
    ScenarioSettings,
]


def _env_names(cls: type[BaseSettings]) -> set[str]:
    prefix = str(cls.model_config.get("env_prefix") or "")
    names = set()
    for name, field in cls.model_fields.items():
        alias = field.validation_alias if isinstance(field.validation_alias, str) else None
        names.add((alias or field.alias or prefix + name).upper())
    return names


def _documented() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def test_every_setting_is_documented() -> None:
    documented = _documented()
    for cls in SETTINGS:
        missing = _env_names(cls) - documented
        assert not missing, f"{cls.__name__} reads {sorted(missing)}, absent from .env.example"


def test_nothing_documented_is_unread() -> None:
    known = set().union(*(_env_names(cls) for cls in SETTINGS))
    # variables docker compose substitutes into the services it runs
    compose = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (ROOT / "docker-compose.yml").read_text()))
    unknown = _documented() - known - compose
    assert not unknown, f".env.example documents {sorted(unknown)}, which nothing reads"
