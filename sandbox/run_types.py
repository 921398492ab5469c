"""What a caller asks the sandbox to run, with which limits, and what comes back.

Pydantic models so a request or result crosses a process boundary (the CLI prints one result as
JSON; the agent forwards results to the browser) with one schema and no hand-written
serialisation. All of them are frozen: a result is a record of what happened.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Language = Literal["python", "javascript", "cpp"]
LANGUAGES: tuple[Language, ...] = ("python", "javascript", "cpp")


class RunStatus(StrEnum):
    OK = "ok"
    """The program exited 0 within every limit."""
    ERROR = "error"
    """It exited non-zero or was killed by a signal that no limit explains (e.g. SIGSEGV)."""
    TIMEOUT = "timeout"
    """It used up its CPU seconds or its wall-clock time and was killed."""
    MEMORY = "memory"
    """An allocation failed at the memory limit (MemoryError, V8 OOM, std::bad_alloc)."""
    OUTPUT_LIMIT = "output_limit"
    """stdout + stderr passed the output cap; it was killed and the output cut at the cap."""
    COMPILE_ERROR = "compile_error"
    """The compiler rejected the source (or ran out of its own limits); nothing was run."""


class RunRequest(BaseModel):
    """One program to run. Sizes are checked against the sandbox's settings when it runs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    language: Language
    source: str
    """The candidate's code; saved as the language's main file (main.py, main.js, main.cpp)."""
    stdin: str = ""
    files: dict[str, str] = Field(default_factory=dict)
    """Extra files next to the main one, by plain file name (no directories, no dot files)."""


class Limits(BaseModel):
    """Resource limits of one run. The defaults come from `SandboxSettings`, not from here."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cpu_seconds: int = Field(ge=1)
    """RLIMIT_CPU of every process in the sandbox (SIGXCPU, then SIGKILL one second later)."""
    wall_seconds: float = Field(gt=0)
    """Wall clock from spawn to exit; the whole sandbox is killed when it runs out."""
    memory_bytes: int = Field(ge=16 * 1024 * 1024)
    """RLIMIT_DATA (heap + private writable mappings) per process; see settings for why DATA."""
    max_processes: int = Field(ge=1)
    """RLIMIT_NPROC: processes *and threads* in the run's user namespace (Node needs ~10)."""
    max_open_files: int = Field(ge=8)
    """RLIMIT_NOFILE."""
    max_file_bytes: int = Field(ge=0)
    """RLIMIT_FSIZE: the largest file the program may write (SIGXFSZ beyond it)."""
    max_output_bytes: int = Field(ge=1)
    """stdout + stderr together; reading stops and the run is killed past it."""


class RunResult(BaseModel):
    """The outcome of one run, safe to show the candidate and to store in the record."""

    model_config = ConfigDict(frozen=True)

    status: RunStatus
    stdout: str
    stderr: str
    """The program's stderr, or the compiler's messages when status is compile_error."""
    exit_code: int | None
    """The exit status; 128 + N when a signal N killed it; None when nothing ran to completion
    (compile_error) or the sandbox killed it (timeout, output_limit)."""
    time_ms: int
    """Wall time of the run itself (not of the compilation), sandbox start-up included."""
    compile_ms: int | None = None
    """Wall time of the compilation for compiled languages, else None."""
