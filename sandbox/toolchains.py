"""How each language is built and started inside the sandbox, and how it reports running out
of memory.

Paths are the ones *inside* the sandbox: the run directory is mounted at `RUN_DIR`, and the
interpreters keep their host paths because their directories are bound read-only at the same
place.
"""

from __future__ import annotations

from dataclasses import dataclass

from .run_types import Language
from .settings import SandboxSettings

RUN_DIR = "/sandbox"
"""Where the run's throw-away directory appears inside the sandbox (its working directory)."""


@dataclass(frozen=True, slots=True)
class Toolchain:
    main_file: str
    compile_argv: tuple[str, ...] | None
    """None for interpreted languages."""
    built_file: str | None
    """What the compiler leaves in the run directory for the run (None: nothing)."""
    run_argv: tuple[str, ...]
    memory_markers: tuple[str, ...]
    """Substrings of stderr that mean an allocation failed at the memory limit."""
    stack_bytes: int = 64 * 1024 * 1024
    """RLIMIT_STACK: deep recursion in Python and C++ needs more than the usual 8 MiB."""


def toolchain_for(language: Language, settings: SandboxSettings) -> Toolchain:
    if language == "python":
        return Toolchain(
            main_file="main.py",
            compile_argv=None,
            built_file=None,
            # -E -s: ignore PYTHON* variables and the user site (not -I: it would also drop the
            # script's directory from sys.path, and extra files must be importable); -B: no .pyc
            run_argv=(str(settings.python_path), "-E", "-s", "-B", f"{RUN_DIR}/main.py"),
            memory_markers=("MemoryError",),
        )
    if language == "javascript":
        return Toolchain(
            main_file="main.js",
            compile_argv=None,
            built_file=None,
            run_argv=(str(settings.node_path), f"{RUN_DIR}/main.js"),
            memory_markers=(
                "heap out of memory",
                "Fatal process OOM",
                "Array buffer allocation failed",
                "Cannot allocate memory",
            ),
            # V8 sizes itself from the stack limit: 64 MiB next to a 256 MiB DATA limit makes
            # node hang at start-up (measured with node 20), so it keeps the usual 8 MiB.
            stack_bytes=8 * 1024 * 1024,
        )
    if language == "cpp":
        return Toolchain(
            main_file="main.cpp",
            compile_argv=(
                str(settings.cxx_path),
                *settings.cxx_flags,
                "-o",
                f"{RUN_DIR}/main",
                f"{RUN_DIR}/main.cpp",
            ),
            built_file="main",
            run_argv=(f"{RUN_DIR}/main",),
            memory_markers=("std::bad_alloc",),
        )
    raise ValueError(f"unknown language {language!r}")
