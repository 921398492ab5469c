"""The coding workspace's knobs, copied once from `AgentSettings` (where each has its default)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from ..settings import AgentSettings


@dataclass(frozen=True)
class CodingOptions:
    max_code_bytes: int
    runs_per_minute: int
    snapshots_per_minute: int
    note_min_changed_lines: int
    note_interval_s: float

    @classmethod
    def from_settings(cls, settings: AgentSettings, **overrides: Any) -> CodingOptions:
        values = {f.name: getattr(settings, f"coding_{f.name}") for f in fields(cls)}
        return cls(**{**values, **overrides})
