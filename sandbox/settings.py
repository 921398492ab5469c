"""Configuration of the sandbox, from `SANDBOX_*` environment variables (and `.env`).

Each knob has exactly one default, here. The defaults suit a worker host with 2 cores that runs
a few interviews at once: one short program per candidate click, a few seconds of CPU, a quarter
of a GiB of memory, and never more runs at once than there are cores.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from .run_types import Limits


def _cores() -> int:
    return len(os.sched_getaffinity(0)) or 1


class SandboxSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SANDBOX_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    bwrap_path: Path = Path("/usr/bin/bwrap")
    """Debian `bubblewrap`. Missing, or unable to make namespaces: SandboxUnavailable."""
    prlimit_path: Path = Path("/usr/bin/prlimit")
    """util-linux `prlimit`, run *inside* the sandbox to set the rlimits just before the exec."""
    python_path: Path = Path("/usr/bin/python3")
    """Interpreter for Python runs (Debian python3-minimal). It must live under a bound dir."""
    node_path: Path = Path("/usr/bin/node")
    """Node.js for JavaScript runs (Debian nodejs)."""
    cxx_path: Path = Path("/usr/bin/g++")
    """C++ compiler (Debian g++); runs inside the sandbox like the program it builds."""
    cxx_flags: list[str] = Field(default_factory=lambda: ["-std=c++17", "-O2", "-pipe"])

    ro_binds: list[Path] = Field(
        default_factory=lambda: [
            Path("/usr/bin"),
            Path("/usr/lib"),
            Path("/usr/lib64"),
            Path("/usr/include"),
            Path("/etc/ld.so.cache"),
        ]
    )
    """Host paths mounted read-only at the same place; nothing else of the host is visible.
    Paths that do not exist are skipped (e.g. /usr/lib64 on arm64). Add /usr/local/bin and
    /usr/local/lib when the interpreter comes from a python:3.11 image rather than Debian."""

    seccomp: bool = True
    """Load the seccomp filter of `seccomp_filter.py` (x86_64 and aarch64; elsewhere none)."""
    mount_proc: bool = True
    """Give the sandbox a /proc of its own pid namespace. Docker masks parts of the
    container's /proc, and the kernel then refuses a fresh procfs inside a user namespace
    ("Can't mount proc"): either grant `security_opt: [systempaths=unconfined]` or set this
    to false. Python, Node and g++ all run without /proc; programs just cannot read it."""

    work_root: Path | None = None
    """Where the per-run throw-away directories are made (the system temp dir if unset)."""
    run_as_uid: int = Field(default=65534, ge=1)
    """Only when the host process is root: the uid bwrap runs as, because the kernel never
    applies RLIMIT_NPROC to root (a fork bomb would not be stopped). 65534 is `nobody`."""

    max_concurrent_runs: int = Field(default_factory=_cores, ge=1)
    """Runs at once on this host, across all processes sharing `slots_dir`; the rest wait."""
    slots_dir: Path = Path(tempfile.gettempdir()) / "sandbox-slots"
    """Lock files of the host-wide limit (one per slot); every worker process must see the
    same directory. Local to the host: never a network file system."""
    max_source_bytes: int = Field(default=64 * 1024, ge=1)
    max_stdin_bytes: int = Field(default=1024 * 1024, ge=0)
    max_extra_files: int = Field(default=8, ge=0)

    cpu_seconds: int = Field(default=5, ge=1)
    wall_seconds: float = Field(default=10.0, gt=0)
    memory_bytes: int = Field(default=256 * 1024 * 1024, ge=16 * 1024 * 1024)
    """RLIMIT_DATA rather than RLIMIT_AS: V8 reserves gigabytes of address space it never uses
    and cannot start under an AS limit, while DATA counts what is actually made writable."""
    max_processes: int = Field(default=32, ge=1)
    max_open_files: int = Field(default=64, ge=8)
    max_file_bytes: int = Field(default=16 * 1024 * 1024, ge=0)
    max_output_bytes: int = Field(default=1024 * 1024, ge=1)
    tmp_bytes: int = Field(default=64 * 1024 * 1024, ge=1024 * 1024)
    """Size of each of the sandbox's writable tmpfs, /tmp and the run directory (host memory:
    a run can hold at most twice this much; nothing it writes reaches the host's disk)."""

    compile_cpu_seconds: int = Field(default=15, ge=1)
    compile_wall_seconds: float = Field(default=30.0, gt=0)
    compile_memory_bytes: int = Field(default=1024 * 1024 * 1024, ge=64 * 1024 * 1024)

    def run_limits(self) -> Limits:
        """The default limits of a program run."""
        return Limits(
            cpu_seconds=self.cpu_seconds,
            wall_seconds=self.wall_seconds,
            memory_bytes=self.memory_bytes,
            max_processes=self.max_processes,
            max_open_files=self.max_open_files,
            max_file_bytes=self.max_file_bytes,
            max_output_bytes=self.max_output_bytes,
        )

    def compile_limits(self) -> Limits:
        """Limits of the compiler: more time and memory, the same process and file bounds."""
        return Limits(
            cpu_seconds=self.compile_cpu_seconds,
            wall_seconds=self.compile_wall_seconds,
            memory_bytes=self.compile_memory_bytes,
            max_processes=self.max_processes,
            max_open_files=self.max_open_files,
            max_file_bytes=max(self.max_file_bytes, 64 * 1024 * 1024),
            max_output_bytes=self.max_output_bytes,
        )
