"""Shared by the sandbox tests: a Sandbox with small limits in its own work root, and the
checks that a run left nothing behind on the host."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import RunRequest, RunStatus, Sandbox, SandboxSettings

SMALL_LIMITS = {
    "cpu_seconds": 2,
    "wall_seconds": 4.0,
    "memory_bytes": 128 * 1024 * 1024,
    "max_processes": 32,
    "max_open_files": 64,
    "max_file_bytes": 1024 * 1024,
    "max_output_bytes": 64 * 1024,
    "compile_wall_seconds": 20.0,
}


@pytest.fixture
def work_root() -> Iterator[Path]:
    """A per-test parent of the run directories, under /tmp and traversable by the sandbox
    uid (pytest's tmp_path is 0700, which a dropped uid cannot enter)."""
    root = Path(tempfile.mkdtemp(prefix="sandbox-test-", dir="/tmp"))
    root.chmod(0o711)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def make_sandbox(work_root: Path, **overrides: object) -> Sandbox:
    """A sandbox with small limits whose runs and host slots live under `work_root` (its
    own slots: tests of other areas running at the same time do not queue it)."""
    options: dict[str, object] = {
        **SMALL_LIMITS,
        "work_root": work_root,
        "slots_dir": work_root / "slots",
        **overrides,
    }
    return Sandbox(SandboxSettings(_env_file=None, **options))  # type: ignore[arg-type]


def processes_mounting(path: Path) -> list[int]:
    """Pids whose mount table shows `path`: every process inside a sandbox whose run
    directory lives under it (the run directory is bind-mounted into their namespace)."""
    needle = str(path)
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "mountinfo").read_text():
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def run_dirs_left(work_root: Path) -> list[Path]:
    return list(work_root.glob("run-*"))


def sandboxed_processes_after(work_root: Path, *, grace_s: float) -> list[int]:
    """The sandbox's processes still alive after `grace_s` (the kernel reaps a killed pid
    namespace asynchronously, so give it a moment before calling a process leaked)."""
    deadline = time.monotonic() + grace_s
    while (alive := processes_mounting(work_root)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive


async def assert_nothing_left(sandbox: Sandbox, work_root: Path) -> None:
    """No sandboxed process survives, the run directory is gone, and the next run works."""
    alive = await asyncio.to_thread(sandboxed_processes_after, work_root, grace_s=5.0)
    assert alive == [], f"sandboxed processes outlived their run: {alive}"
    assert run_dirs_left(work_root) == [], "the run directory was not removed"
    after = await sandbox.run(RunRequest(language="python", source="print('next run')"))
    assert after.status is RunStatus.OK, after
    assert after.stdout == "next run\n"
