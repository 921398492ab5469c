"""`Sandbox`: run a candidate's program in bubblewrap, at most N at a time per worker process.

One `Sandbox` per process (each job process builds one from settings; the concurrency limit
holds across processes, see `host_slots.py`); `run_program()` is the same thing for callers
that do not keep one. A run is: check the request, make a fresh
directory, (compile,) run, classify the outcome, delete the directory. The first run also
proves that bubblewrap can build its namespaces here, and every run refuses to go ahead
unsandboxed when it cannot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import shutil
import signal
import stat
import tempfile
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .bubblewrap import bwrap_argv
from .capped_process import KillReason, ProcessOutcome, run_capped
from .errors import InvalidRunRequest, SandboxUnavailable
from .host_slots import HostSlots
from .run_types import Limits, RunRequest, RunResult, RunStatus
from .seccomp_filter import seccomp_program
from .settings import SandboxSettings
from .toolchains import Toolchain, toolchain_for

logger = logging.getLogger(__name__)

_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")
_RESERVED_NAMES = frozenset({"main", "main.py", "main.js", "main.cpp"})
_PROBE_WALL_S = 10.0
_DEFAULT_STACK_BYTES = 8 * 1024 * 1024
_SIGNALLED = 128
"""bwrap reports a child killed by signal N as exit status 128 + N, like a shell."""


@dataclass(frozen=True, slots=True)
class _LoopState:
    local_slots: asyncio.BoundedSemaphore
    probe_lock: asyncio.Lock


class Sandbox:
    """Runs programs in bubblewrap; `max_concurrent_runs` at once per host, the others queue."""

    def __init__(self, settings: SandboxSettings | None = None) -> None:
        self._settings = settings if settings is not None else SandboxSettings()
        self._host_slots = HostSlots(self._settings.slots_dir, self._settings.max_concurrent_runs)
        self._per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopState] = (
            weakref.WeakKeyDictionary()
        )
        self._seccomp = seccomp_program()
        self._probed = False

    @property
    def settings(self) -> SandboxSettings:
        return self._settings

    def _loop_state(self) -> _LoopState:
        """asyncio primitives of the running loop: a Sandbox cached per process (as the agent
        does) may serve more than one event loop, and a semaphore is bound to one."""
        loop = asyncio.get_running_loop()
        state = self._per_loop.get(loop)
        if state is None:
            state = self._per_loop[loop] = _LoopState(
                # queues this process's runs without polling; the host slots bound all processes
                local_slots=asyncio.BoundedSemaphore(self._settings.max_concurrent_runs),
                probe_lock=asyncio.Lock(),
            )
        return state

    async def run(self, request: RunRequest, *, limits: Limits | None = None) -> RunResult:
        """Run `request`; a failing program is a result, never an exception.

        Raises `InvalidRunRequest` for a request over the size limits or with unsafe file
        names, and `SandboxUnavailable` when the code cannot be isolated here.
        """
        toolchain = toolchain_for(request.language, self._settings)
        self._validate(request)
        self._require_toolchain(request)
        await self.ensure_available()
        async with self._loop_state().local_slots, self._host_slots.hold():
            return await self._run_in_fresh_dir(
                request, toolchain, limits or self._settings.run_limits()
            )

    async def ensure_available(self) -> None:
        """Prove once that bwrap can make its namespaces; raise `SandboxUnavailable` if not."""
        if not self._bwrap_runnable():
            raise SandboxUnavailable(
                f"bubblewrap not found or not executable at {self._settings.bwrap_path} "
                "(install Debian `bubblewrap` or set SANDBOX_BWRAP_PATH); refusing to run "
                "code unsandboxed"
            )
        async with self._loop_state().probe_lock:
            if self._probed:
                return
            run_dir = await asyncio.to_thread(self._make_run_dir)
            try:
                outcome = await self._spawn(
                    run_dir,
                    (),
                    self._settings.run_limits(),
                    ("/usr/bin/true",),
                    stdin=b"",
                    wall_seconds=_PROBE_WALL_S,
                )
            finally:
                await asyncio.to_thread(_remove_tree, run_dir)
            if outcome.returncode != 0:
                detail = outcome.stderr.decode("utf-8", "replace").strip()
                raise SandboxUnavailable(
                    "bubblewrap cannot create the sandbox's namespaces here "
                    f"(exit {outcome.returncode}: {detail[:500]}); the container needs "
                    "unprivileged user namespaces and mount/proc in them (sandbox/README.md); "
                    "refusing to run code unsandboxed"
                )
            self._probed = True

    def _bwrap_runnable(self) -> bool:
        path = self._settings.bwrap_path
        return path.is_file() and os.access(path, os.X_OK)

    def _require_toolchain(self, request: RunRequest) -> None:
        s = self._settings
        tool = {"python": s.python_path, "javascript": s.node_path, "cpp": s.cxx_path}[
            request.language
        ]
        if not (tool.is_file() and os.access(tool, os.X_OK)):
            raise SandboxUnavailable(f"{request.language} toolchain not installed at {tool}")

    def _validate(self, request: RunRequest) -> None:
        s = self._settings
        if len(request.source.encode()) > s.max_source_bytes:
            raise InvalidRunRequest(f"source is over {s.max_source_bytes} bytes")
        if len(request.stdin.encode()) > s.max_stdin_bytes:
            raise InvalidRunRequest(f"stdin is over {s.max_stdin_bytes} bytes")
        if len(request.files) > s.max_extra_files:
            raise InvalidRunRequest(f"more than {s.max_extra_files} extra files")
        for name, content in request.files.items():
            if not _FILE_NAME.fullmatch(name) or name in _RESERVED_NAMES:
                raise InvalidRunRequest(
                    f"extra file name {name[:80]!r} is not a plain file name "
                    "(letters, digits, _ . -; not main.*)"
                )
            if len(content.encode()) > s.max_source_bytes:
                raise InvalidRunRequest(f"extra file {name!r} is over {s.max_source_bytes} bytes")

    async def _run_in_fresh_dir(
        self, request: RunRequest, toolchain: Toolchain, limits: Limits
    ) -> RunResult:
        run_dir = await asyncio.to_thread(self._make_run_dir)
        try:
            files = {toolchain.main_file: request.source, **request.files}
            await asyncio.to_thread(self._write_files, run_dir, files)
            compile_ms: int | None = None
            if toolchain.compile_argv is not None:
                built = await self._spawn(
                    run_dir,
                    None,
                    self._settings.compile_limits(),
                    toolchain.compile_argv,
                    stdin=b"",
                    wall_seconds=self._settings.compile_wall_seconds,
                )
                compile_ms = built.elapsed_ms
                failed = _compile_failure(built, self._settings.compile_wall_seconds)
                if failed is not None:
                    return RunResult(
                        status=RunStatus.COMPILE_ERROR,
                        stdout="",
                        stderr=failed,
                        exit_code=None,
                        time_ms=0,
                        compile_ms=compile_ms,
                    )
            inputs = (*files, *([toolchain.built_file] if toolchain.built_file else []))
            ran = await self._spawn(
                run_dir,
                inputs,
                limits,
                toolchain.run_argv,
                stdin=request.stdin.encode(),
                wall_seconds=limits.wall_seconds,
                stack_bytes=toolchain.stack_bytes,
            )
            return _result(ran, toolchain, limits, compile_ms)
        finally:
            await asyncio.to_thread(_remove_tree, run_dir)

    async def _spawn(
        self,
        run_dir: Path,
        inputs: tuple[str, ...] | None,
        limits: Limits,
        command: tuple[str, ...],
        *,
        stdin: bytes,
        wall_seconds: float,
        stack_bytes: int = _DEFAULT_STACK_BYTES,
    ) -> ProcessOutcome:
        seccomp_fd = self._seccomp_fd()
        argv = bwrap_argv(
            self._settings,
            run_dir=run_dir,
            inputs=inputs,
            limits=limits,
            stack_bytes=stack_bytes,
            seccomp_fd=seccomp_fd,
            command=command,
        )
        spawn_options = self._spawn_identity()
        if seccomp_fd is not None:
            spawn_options["pass_fds"] = (seccomp_fd,)
        try:
            return await run_capped(
                argv,
                stdin=stdin,
                wall_seconds=wall_seconds,
                max_output_bytes=limits.max_output_bytes,
                env={},  # not even bwrap sees the worker's environment (see bubblewrap.py)
                spawn_options=spawn_options,
            )
        except OSError as e:
            raise SandboxUnavailable(f"cannot start bubblewrap: {e}") from e
        finally:
            if seccomp_fd is not None:
                os.close(seccomp_fd)

    def _seccomp_fd(self) -> int | None:
        """A fresh in-memory file holding the filter, read by bwrap (it reads to EOF)."""
        if not self._settings.seccomp or self._seccomp is None:
            return None
        fd = os.memfd_create("sandbox-seccomp", os.MFD_CLOEXEC)
        os.write(fd, self._seccomp)
        os.lseek(fd, 0, os.SEEK_SET)
        return fd

    def _spawn_identity(self) -> dict[str, Any]:
        """As root, run bwrap as an unprivileged uid: Linux exempts root from RLIMIT_NPROC."""
        if os.geteuid() != 0:
            return {}
        uid = self._settings.run_as_uid
        return {"user": uid, "group": uid, "extra_groups": []}

    def _make_run_dir(self) -> Path:
        root = self._settings.work_root
        if root is not None:
            root.mkdir(parents=True, exist_ok=True)
        run_dir = Path(tempfile.mkdtemp(prefix="run-", dir=root))
        if os.geteuid() == 0:
            uid = self._settings.run_as_uid
            os.chown(run_dir, uid, uid)
        return run_dir

    def _write_files(self, run_dir: Path, files: dict[str, str]) -> None:
        for name, content in files.items():
            path = run_dir / name
            path.write_text(content, encoding="utf-8")
            if os.geteuid() == 0:
                uid = self._settings.run_as_uid
                os.chown(path, uid, uid)


def _compile_failure(built: ProcessOutcome, wall_seconds: float) -> str | None:
    """The message of a failed compilation, or None when it produced a binary."""
    if built.killed is KillReason.WALL_TIME:
        return f"compilation took longer than {wall_seconds:g} s"
    if built.killed is KillReason.OUTPUT:
        return built.stderr.decode("utf-8", "replace") + "\n[compiler output cut at the limit]"
    if built.returncode == 0:
        return None
    message = built.stderr.decode("utf-8", "replace").strip()
    return message or f"compiler exited with status {built.returncode}"


def _result(
    ran: ProcessOutcome, toolchain: Toolchain, limits: Limits, compile_ms: int | None
) -> RunResult:
    stdout = ran.stdout.decode("utf-8", "replace")
    stderr = ran.stderr.decode("utf-8", "replace")
    exit_code = ran.returncode
    if ran.killed is KillReason.OUTPUT:
        status, exit_code = RunStatus.OUTPUT_LIMIT, None
    elif ran.killed is KillReason.WALL_TIME:
        status, exit_code = RunStatus.TIMEOUT, None
    elif exit_code == 0:
        status = RunStatus.OK
    elif exit_code is not None and _out_of_cpu(exit_code, ran.elapsed_ms, limits):
        status = RunStatus.TIMEOUT
    elif any(marker in stderr for marker in toolchain.memory_markers):
        status = RunStatus.MEMORY
    else:
        status = RunStatus.ERROR
    return RunResult(
        status=status,
        stdout=stdout,
        stderr=stderr,
        exit_code=exit_code,
        time_ms=ran.elapsed_ms,
        compile_ms=compile_ms,
    )


def _out_of_cpu(exit_code: int, elapsed_ms: int, limits: Limits) -> bool:
    """SIGXCPU is the soft CPU limit; SIGKILL after at least that long is the hard one."""
    if exit_code == _SIGNALLED + signal.SIGXCPU:
        return True
    return exit_code == _SIGNALLED + signal.SIGKILL and elapsed_ms >= limits.cpu_seconds * 1000


def _remove_tree(path: Path) -> None:
    """Delete a run directory even if the program made parts of it unreadable."""

    def make_writable_and_retry(func: Callable[[str], object], target: str, _exc: Any) -> None:
        parent = os.path.dirname(target)
        for p in (parent, target):
            with contextlib.suppress(OSError):
                os.chmod(p, stat.S_IRWXU)
        func(target)

    try:
        shutil.rmtree(path, onerror=make_writable_and_retry)
    except OSError:
        logger.warning("could not remove sandbox run directory %s", path, exc_info=True)


_default_sandboxes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Sandbox] = (
    weakref.WeakKeyDictionary()
)


async def run_program(request: RunRequest, *, limits: Limits | None = None) -> RunResult:
    """Run `request` in this event loop's default `Sandbox` (settings from the environment)."""
    loop = asyncio.get_running_loop()
    sandbox = _default_sandboxes.get(loop)
    if sandbox is None:
        sandbox = _default_sandboxes[loop] = Sandbox()
    return await sandbox.run(request, limits=limits)
