"""The bubblewrap command line of one sandboxed process.

Every run gets its own user, pid, network, ipc, uts and cgroup namespaces (`--unshare-all`): the
program sees only its own processes, has a loopback interface of its own and no route out, and
cannot create further user namespaces (`--disable-userns`). The file system is empty except
for read-only binds of the toolchain directories, a fresh /proc of the new pid namespace, a
minimal /dev, a size-capped private /tmp, and the run's files at `RUN_DIR` (see `bwrap_argv`);
the root holding these mount points is remounted read-only. The
environment is rebuilt from nothing (`--clearenv`), and bwrap itself is spawned with an empty
environment too: /proc/1/environ inside the sandbox is bwrap's own startup environment, so
`--clearenv` alone would still show the worker's secrets there.

Resource limits are applied by util-linux `prlimit` *inside* the sandbox, right before it execs
the program: no `preexec_fn` in the (threaded) worker, and the limits bind only the sandboxed
process tree.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .run_types import Limits
from .settings import SandboxSettings
from .toolchains import RUN_DIR

SANDBOX_PATH = "/usr/bin:/bin"
_TOP_LEVEL_LINKS = (("usr/bin", "/bin"), ("usr/lib", "/lib"), ("usr/lib64", "/lib64"))


def prlimit_argv(prlimit: Path, limits: Limits, *, stack_bytes: int) -> list[str]:
    """`prlimit` options for `limits`; soft == hard except CPU, which warns with SIGXCPU first."""
    return [
        str(prlimit),
        f"--cpu={limits.cpu_seconds}:{limits.cpu_seconds + 1}",
        f"--data={limits.memory_bytes}",
        f"--stack={stack_bytes}",
        f"--nproc={limits.max_processes}",
        f"--nofile={limits.max_open_files}",
        f"--fsize={limits.max_file_bytes}",
        "--core=0",
        "--memlock=0",
        "--msgqueue=0",
        "--",
    ]


def bwrap_argv(
    settings: SandboxSettings,
    *,
    run_dir: Path,
    inputs: Sequence[str] | None,
    limits: Limits,
    stack_bytes: int,
    seccomp_fd: int | None,
    command: Sequence[str],
) -> list[str]:
    """The full argv: bwrap, its isolation options, prlimit, then `command`.

    `seccomp_fd`: an open descriptor holding the filter of `seccomp_filter.py`, or None.
    `inputs=None` binds the host's run directory writable at `RUN_DIR` (the compiler's
    step: it must leave the binary there). Otherwise `RUN_DIR` is a size-capped tmpfs and only
    the named files of the run directory are bound into it, read-only: the candidate's
    program writes nothing to the host's disk, and no more than `tmp_bytes` to memory.
    """
    argv = [
        str(settings.bwrap_path),
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
        "--hostname",
        "sandbox",
    ]
    bound: set[str] = set()
    for path in settings.ro_binds:
        if path.exists():
            argv += ["--ro-bind", str(path), str(path)]
            bound.add(str(path))
    for target, link in _TOP_LEVEL_LINKS:
        if f"/{target}" in bound:
            argv += ["--symlink", target, link]
    if settings.mount_proc:
        argv += ["--proc", "/proc"]
    argv += [
        "--dev",
        "/dev",
        "--size",
        str(settings.tmp_bytes),
        "--tmpfs",
        "/tmp",
    ]
    if inputs is None:
        argv += ["--bind", str(run_dir), RUN_DIR]
    else:
        argv += ["--size", str(settings.tmp_bytes), "--tmpfs", RUN_DIR]
        for name in inputs:
            argv += ["--ro-bind", str(run_dir / name), f"{RUN_DIR}/{name}"]
    argv += [
        "--chdir",
        RUN_DIR,
        # the root is bwrap's own tmpfs holding the mount points: read-only like the binds
        "--remount-ro",
        "/",
        *(["--seccomp", str(seccomp_fd)] if seccomp_fd is not None else []),
        "--clearenv",
        "--setenv",
        "PATH",
        SANDBOX_PATH,
        "--setenv",
        "HOME",
        "/tmp",
        "--setenv",
        "TMPDIR",
        "/tmp",
        "--setenv",
        "LANG",
        "C.UTF-8",
        "--",
    ]
    limited = prlimit_argv(settings.prlimit_path, limits, stack_bytes=stack_bytes)
    return argv + limited + list(command)
