"""Where interview records live, and the one way every process loads its settings.

Each process (`agent`, `tokenserver`, `evals`) subclasses `StoreSettings` with what it
needs; `load_settings` turns pydantic's validation error into a single line that names
the environment variable, so a misconfigured deploy fails at start-up, not mid-request.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(Exception):
    """A setting is missing or malformed. The message is one line, safe to log."""


class StoreSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    storage_dir: Path = Path("./data")
    """Recordings, reports and (by default) the SQLite database live here."""

    database_url: str | None = None
    """SQLAlchemy URL; unset means SQLite at `<storage_dir>/interviews.db`."""

    @property
    def resolved_database_url(self) -> str:
        return database_url_for(self.database_url, self.storage_dir)


def database_url_for(database_url: str | None, storage_dir: Path) -> str:
    """Accept the URL forms ops paste (postgres://, postgresql://) and pick async drivers."""
    if not database_url:
        return f"sqlite+aiosqlite:///{(storage_dir / 'interviews.db').resolve()}"
    for prefix in ("postgres://", "postgresql://"):
        if database_url.startswith(prefix):
            return "postgresql+asyncpg://" + database_url[len(prefix) :]
    if database_url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + database_url[len("sqlite://") :]
    return database_url


SettingsT = TypeVar("SettingsT", bound=BaseSettings)


def load_settings(cls: type[SettingsT], **overrides: Any) -> SettingsT:
    try:
        return cls(**overrides)
    except ValidationError as e:
        raise SettingsError(_describe(e)) from None


def _describe(error: ValidationError) -> str:
    problems = []
    for err in error.errors():
        name = "_".join(str(part) for part in err["loc"]).upper() or "?"
        if err["type"] == "missing":
            problems.append(f"{name} is required but not set")
        else:
            problems.append(f"{name}: {err['msg']}")
    return "configuration error: " + "; ".join(problems) + " (see .env.example)"
