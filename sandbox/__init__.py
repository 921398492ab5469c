"""Run untrusted candidate code: bubblewrap namespaces plus rlimits, one throw-away dir per run.

    from sandbox import RunRequest, Sandbox
    result = await Sandbox().run(RunRequest(language="python", source="print(1)"))

Imports nothing of the rest of the platform: the agent (or ops, through `python -m sandbox`)
calls it; it never calls back.
"""

from __future__ import annotations

from .code_runner import Sandbox, run_program
from .errors import InvalidRunRequest, SandboxError, SandboxUnavailable
from .run_types import LANGUAGES, Language, Limits, RunRequest, RunResult, RunStatus
from .settings import SandboxSettings

__all__ = [
    "LANGUAGES",
    "InvalidRunRequest",
    "Language",
    "Limits",
    "RunRequest",
    "RunResult",
    "RunStatus",
    "Sandbox",
    "SandboxError",
    "SandboxSettings",
    "SandboxUnavailable",
    "run_program",
]
