"""`.env.example` is the operator's map of configuration: every setting any process reads
must appear there (commented or not), and nothing there may be a name no process reads."""

from __future__ import annotations

import re
from enum import Enum
from pathlib import Path

from pydantic import SecretStr
from pydantic_core import PydanticUndefined
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


def _documented_values() -> dict[str, str]:
    """NAME -> the value `.env.example` shows for it (`NAME=value` or `# NAME=value`)."""
    text = (ROOT / ".env.example").read_text()
    found = re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=(.*)$", text, flags=re.MULTILINE)
    return {name: value.strip() for name, value in found}


def _as_text(default: object) -> str | None:
    """The `.env` spelling of a scalar default; None for defaults a line cannot restate
    (unset, collections, computed paths)."""
    if isinstance(default, SecretStr):
        default = default.get_secret_value()
    if isinstance(default, Enum):
        default = default.value
    if isinstance(default, bool):
        return str(default).lower()
    if isinstance(default, str | int | float):
        return str(default)
    return None


def _same(documented: str, default: str) -> bool:
    try:
        return float(documented) == float(default)
    except ValueError:
        return documented == default


def test_documented_values_are_the_defaults() -> None:
    """A value shown in `.env.example` for a setting with a default is that default: the
    settings class is the one source of each default, and the example must not become a
    second one that has drifted (a blank line is fine: it documents the name only)."""
    documented = _documented_values()
    drifted = []
    for cls in SETTINGS:
        prefix = str(cls.model_config.get("env_prefix") or "")
        for name, field in cls.model_fields.items():
            alias = field.validation_alias if isinstance(field.validation_alias, str) else None
            env = (alias or field.alias or prefix + name).upper()
            value = documented.get(env)
            if not value or field.default is PydanticUndefined:
                continue
            if isinstance(field.default, Path):
                if (ROOT / value).resolve() != (ROOT / field.default).resolve():
                    drifted.append(f"{env}={value} (default {field.default})")
                continue
            default = _as_text(field.default)
            if default is not None and not _same(value, default):
                drifted.append(f"{env}={value} (default {default!r} in {cls.__name__})")
    assert not drifted, f".env.example shows values that are not the defaults: {drifted}"


def test_a_variable_read_by_several_processes_has_one_default() -> None:
    """AGENT_NAME is read by the token server (which dispatches that agent) and by the worker
    (which registers under it): two different defaults would strand every interview. Any name
    read by more than one settings class must default the same everywhere (or be required)."""
    defaults: dict[str, dict[str, object]] = {}
    for cls in SETTINGS:
        prefix = str(cls.model_config.get("env_prefix") or "")
        for name, field in cls.model_fields.items():
            env = (prefix + name).upper()
            default = field.default
            if isinstance(default, SecretStr):
                default = default.get_secret_value()
            defaults.setdefault(env, {})[cls.__name__] = default
    differing = {
        env: by_class
        for env, by_class in defaults.items()
        if len({repr(d) for d in by_class.values()}) > 1
        and not all(d is None or d is PydanticUndefined for d in by_class.values())
    }
    assert not differing, f"one variable, several defaults: {differing}"
