"""Hostile programs against the real bubblewrap sandbox: each one gets its documented status,
nothing leaks out, the host is unharmed, and the next run works.

Documented outcomes: fork bomb → timeout (RLIMIT_NPROC caps it at max_processes), infinite loop
→ timeout, 10 GB allocation → memory, sleep 3600 → timeout at the wall deadline, 100 MB of
output → output_limit with exactly the cap kept, network → refused (a namespace with its own
loopback only), reading host environments → nothing of the host, writes and deletes outside
the run directory → refused or invisible to the host.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import RunRequest, RunStatus, Sandbox
from tests.sandbox_support import SMALL_LIMITS, assert_nothing_left, make_sandbox, work_root

__all__ = ["work_root"]  # the fixture, imported for pytest

pytestmark = pytest.mark.timeout(60)

FAKE_SECRET = "sk-fake-sandbox-secret-7f3a9c"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def sandbox(work_root: Path) -> Sandbox:
    return make_sandbox(work_root)


async def test_fork_bomb_times_out_and_leaves_no_process(sandbox: Sandbox, work_root: Path) -> None:
    bomb = (
        "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    )
    result = await sandbox.run(RunRequest(language="python", source=bomb))
    assert result.status is RunStatus.TIMEOUT
    assert result.time_ms < (SMALL_LIMITS["wall_seconds"] + 3) * 1000
    await assert_nothing_left(sandbox, work_root)


async def test_process_count_is_capped(sandbox: Sandbox, work_root: Path) -> None:
    counter = (
        "import os, time\n"
        "n = 0\n"
        "try:\n"
        "    while n < 1000:\n"
        "        if os.fork() == 0:\n"
        "            time.sleep(3)\n"
        "            os._exit(0)\n"
        "        n += 1\n"
        "except OSError as e:\n"
        "    print(n, e.errno, flush=True)\n"
        "os._exit(0)\n"
    )
    result = await sandbox.run(RunRequest(language="python", source=counter))
    assert result.status is RunStatus.OK, result
    forked, errno = result.stdout.split()
    assert int(forked) < SMALL_LIMITS["max_processes"]
    assert int(errno) == 11  # EAGAIN from RLIMIT_NPROC
    await assert_nothing_left(sandbox, work_root)


@pytest.mark.parametrize(
    ("language", "source"),
    [
        ("python", "while True:\n    pass\n"),
        ("javascript", "for (;;) {}\n"),
        ("cpp", "int main() { volatile unsigned long n = 0; for (;;) ++n; }\n"),
    ],
)
async def test_infinite_loop_times_out(
    sandbox: Sandbox, work_root: Path, language: str, source: str
) -> None:
    result = await sandbox.run(RunRequest(language=language, source=source))
    assert result.status is RunStatus.TIMEOUT, result
    await assert_nothing_left(sandbox, work_root)


@pytest.mark.parametrize(
    ("language", "source"),
    [
        ("python", "data = bytearray(10 * 1024 ** 3)\nprint(len(data))\n"),
        (
            "cpp",
            "#include <cstdio>\n#include <cstdlib>\n#include <vector>\n"
            "int main(int argc, char**) {\n"
            "  std::vector<char> v(10ULL << 30, (char)argc);\n"
            '  std::printf("%d\\n", v[std::rand() % v.size()]);\n}\n',
        ),
        ("javascript", "const a = [];\nfor (;;) a.push(new Array(1e6).fill(1.5));\n"),
    ],
)
async def test_huge_allocation_is_a_memory_error(
    sandbox: Sandbox, work_root: Path, language: str, source: str
) -> None:
    result = await sandbox.run(RunRequest(language=language, source=source))
    assert result.status is RunStatus.MEMORY, result
    assert result.stdout == ""
    await assert_nothing_left(sandbox, work_root)


async def test_sleep_is_killed_at_the_wall_deadline(sandbox: Sandbox, work_root: Path) -> None:
    result = await sandbox.run(
        RunRequest(language="python", source="import time\ntime.sleep(3600)\n")
    )
    assert result.status is RunStatus.TIMEOUT
    assert result.exit_code is None
    wall_ms = SMALL_LIMITS["wall_seconds"] * 1000
    assert wall_ms <= result.time_ms < wall_ms + 3000
    await assert_nothing_left(sandbox, work_root)


async def test_a_daemon_does_not_outlive_its_run(sandbox: Sandbox, work_root: Path) -> None:
    """The program exits at once but leaves a detached child sleeping for an hour."""
    daemon = (
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        time.sleep(3600)\n"
        "    os._exit(0)\n"
        "print('parent done')\n"
    )
    result = await sandbox.run(RunRequest(language="python", source=daemon))
    assert result.status is RunStatus.OK
    assert result.stdout == "parent done\n"
    await assert_nothing_left(sandbox, work_root)


async def test_cancelling_a_run_kills_it(sandbox: Sandbox, work_root: Path) -> None:
    task = asyncio.create_task(
        sandbox.run(RunRequest(language="python", source="import time\ntime.sleep(3600)\n"))
    )
    await asyncio.sleep(1.0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await assert_nothing_left(sandbox, work_root)


async def test_100_mb_of_output_stops_at_the_cap(sandbox: Sandbox, work_root: Path) -> None:
    flood = (
        "import sys\n"
        "line = 'x' * 1023 + '\\n'\n"
        "for _ in range(100 * 1024):  # 100 MiB\n"
        "    sys.stdout.write(line)\n"
    )
    result = await sandbox.run(RunRequest(language="python", source=flood))
    assert result.status is RunStatus.OUTPUT_LIMIT
    assert len(result.stdout) + len(result.stderr) == SMALL_LIMITS["max_output_bytes"]
    assert result.time_ms < (SMALL_LIMITS["wall_seconds"] * 1000)
    await assert_nothing_left(sandbox, work_root)


async def test_no_network_even_to_the_hosts_loopback(sandbox: Sandbox, work_root: Path) -> None:
    connections = 0

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        writer.close()

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    probe = (
        "import socket, sys\n"
        "port = int(sys.stdin.read())\n"
        "try:\n"
        "    socket.create_connection(('127.0.0.1', port), timeout=2).close()\n"
        "    print('connected')\n"
        "except OSError as e:\n"
        "    print('blocked', type(e).__name__)\n"
        "try:\n"
        "    socket.getaddrinfo('pypi.org', 443)\n"
        "    print('resolved')\n"
        "except OSError as e:\n"
        "    print('no dns', type(e).__name__)\n"
    )
    try:
        result = await sandbox.run(RunRequest(language="python", source=probe, stdin=str(port)))
        await asyncio.sleep(0.2)
    finally:
        server.close()
        await server.wait_closed()
    assert result.status is RunStatus.OK, result
    assert result.stdout.splitlines()[0].startswith("blocked"), result.stdout
    assert result.stdout.splitlines()[1].startswith("no dns"), result.stdout
    assert connections == 0
    await assert_nothing_left(sandbox, work_root)


async def test_host_environment_is_invisible(
    sandbox: Sandbox, work_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker's secrets (put here in this test process's own environment, which the
    sandbox is spawned from) appear nowhere: not in the program's environment, not in
    /proc/1/environ (bwrap's), not in /proc/<worker pid>/environ."""
    monkeypatch.setenv("GOOGLE_API_KEY", FAKE_SECRET)
    monkeypatch.setenv("LIVEKIT_API_SECRET", FAKE_SECRET)
    snoop = (
        "import json, os, sys\n"
        "worker_pid = int(sys.stdin.read())\n"
        "seen = {'env': dict(os.environ)}\n"
        "for name, path in [('pid1', '/proc/1/environ'), ('self', '/proc/self/environ'),\n"
        "                   ('worker', f'/proc/{worker_pid}/environ'),\n"
        "                   ('parent', f'/proc/{os.getppid()}/environ')]:\n"
        "    try:\n"
        "        seen[name] = open(path, 'rb').read().decode('latin-1')\n"
        "    except OSError as e:\n"
        "        seen[name] = type(e).__name__\n"
        "print(json.dumps(seen))\n"
    )
    result = await sandbox.run(RunRequest(language="python", source=snoop, stdin=str(os.getpid())))
    assert result.status is RunStatus.OK, result
    assert FAKE_SECRET not in result.stdout + result.stderr
    seen = json.loads(result.stdout)
    assert set(seen["env"]) <= {"PATH", "HOME", "TMPDIR", "LANG", "PWD", "LC_CTYPE"}
    assert seen["env"]["HOME"] == "/tmp"
    assert "GOOGLE_API_KEY" not in seen["pid1"]
    await assert_nothing_left(sandbox, work_root)


async def test_writes_outside_the_run_directory_never_reach_the_host(
    sandbox: Sandbox, work_root: Path
) -> None:
    refused = [  # read-only binds and the read-only root
        "/usr/bin/sandbox-was-here",
        "/etc/sandbox-was-here",
        "/sandbox-was-here",
    ]
    # host paths under /tmp: inside, /tmp is the sandbox's own tmpfs, thrown away after the run
    outside = Path(work_root.parent, f"{work_root.name}-outside")
    invisible = [str(work_root / "sandbox-was-here"), str(outside)]
    writer = (
        "import json, sys\n"
        "results = {}\n"
        "for path in json.loads(sys.stdin.read()):\n"
        "    try:\n"
        "        with open(path, 'w') as f:\n"
        "            f.write('pwned')\n"
        "        results[path] = 'written'\n"
        "    except OSError as e:\n"
        "        results[path] = type(e).__name__\n"
        "with open('in-run-dir.txt', 'w') as f:\n"
        "    f.write('fine')\n"
        "print(json.dumps(results))\n"
    )
    result = await sandbox.run(
        RunRequest(language="python", source=writer, stdin=json.dumps(refused + invisible))
    )
    assert result.status is RunStatus.OK, result
    results = json.loads(result.stdout)
    for path in refused:
        assert results[path] in {"OSError", "PermissionError"}, (path, results[path])
    assert results[str(outside)] == "written"
    assert existing(refused + invisible) == []
    await assert_nothing_left(sandbox, work_root)


@pytest.fixture
def project(work_root: Path) -> Iterator[Path]:
    """A stand-in for the project's checkout on the host, with a canary file any user may
    delete (so only the sandbox's isolation can save it)."""
    project = Path(f"{work_root}-project")
    project.mkdir(mode=0o777)
    project.chmod(0o777)
    canary = project / "canary.txt"
    canary.write_text("still here")
    canary.chmod(0o666)
    yield project
    shutil.rmtree(project, ignore_errors=True)


def existing(paths: list[str]) -> list[str]:
    return [p for p in paths if Path(p).exists()]


def read_canary(project: Path) -> str:
    return (project / "canary.txt").read_text()


async def test_project_files_survive_a_delete_everything_program(
    sandbox: Sandbox, work_root: Path, project: Path
) -> None:
    wiper = (
        "import json, os, shutil, sys\n"
        "targets = json.loads(sys.stdin.read())\n"
        "for path in targets:\n"
        "    for attempt in (os.remove, shutil.rmtree):\n"
        "        try:\n"
        "            attempt(path)\n"
        "            print('deleted', path)\n"
        "        except OSError as e:\n"
        "            print('refused', path, type(e).__name__)\n"
        # every writable-looking place, not all of '/': walking /usr/lib takes seconds on a busy
        # host and proves nothing more (it is a read-only bind like /usr/bin)
        "for top in ('/tmp', '/etc', '/usr/bin', '/home', '/root', os.getcwd()):\n"
        "    shutil.rmtree(top, ignore_errors=True)\n"
        "print('done')\n"
    )
    targets = [str(project / "canary.txt"), str(project), "/usr/bin/true", str(REPO / "README.md")]
    result = await sandbox.run(
        RunRequest(language="python", source=wiper, stdin=json.dumps(targets))
    )
    assert result.status is RunStatus.OK, result
    assert "deleted" not in result.stdout
    assert result.stdout.endswith("done\n")
    assert read_canary(project) == "still here"
    assert existing(targets) == targets
    await assert_nothing_left(sandbox, work_root)


async def test_filling_the_disk_stops_at_the_sandboxs_own_tmpfs(work_root: Path) -> None:
    """The run directory the program sees is a tmpfs of `tmp_bytes`: writing file after file
    fills it, never the host's disk (a bind of the host directory would take all 64 MiB)."""
    sandbox = make_sandbox(work_root, tmp_bytes=4 * 1024 * 1024)
    filler = (
        "import os\n"
        "written = 0\n"
        "try:\n"
        "    for i in range(64):\n"
        "        with open(f'fill-{i}.bin', 'wb') as f:\n"
        "            f.write(b'x' * (1024 * 1024))\n"
        "        written += 1\n"
        "except OSError as e:\n"
        "    print('stopped', e.errno)\n"
        "print(written)\n"
        "try:\n"
        "    open('main.py', 'w')\n"
        "except OSError as e:\n"
        "    print('source read-only', e.errno)\n"
    )
    result = await sandbox.run(RunRequest(language="python", source=filler))
    assert result.status is RunStatus.OK, result
    stopped, written, source = result.stdout.splitlines()
    assert stopped == "stopped 28"  # ENOSPC
    assert int(written) <= 4
    assert source == "source read-only 30"  # EROFS
    await assert_nothing_left(sandbox, work_root)


SYSCALL_PROBE = (
    "import ctypes, os\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"
    "def call(nr, *args):\n"
    "    ret = libc.syscall(nr, *args)\n"
    "    return 'ok' if ret >= 0 else os.strerror(ctypes.get_errno())\n"
    "print('ptrace', call(101, 0, 0, 0, 0))  # PTRACE_TRACEME\n"
    "print('keyctl', call(250, 0, -4, 0))  # KEYCTL_GET_KEYRING_ID of the user keyring\n"
    "print('x32', call(0x40000000 | 39))  # getpid through the x32 ABI\n"
    "print('getpid', call(39))\n"
)


@pytest.mark.skipif(platform.machine() != "x86_64", reason="the probe uses x86_64 numbers")
async def test_seccomp_refuses_kernel_interfaces_no_exercise_needs(work_root: Path) -> None:
    filtered = await make_sandbox(work_root).run(
        RunRequest(language="python", source=SYSCALL_PROBE)
    )
    unfiltered = await make_sandbox(work_root, seccomp=False).run(
        RunRequest(language="python", source=SYSCALL_PROBE)
    )
    assert filtered.status is RunStatus.OK, filtered
    assert filtered.stdout.splitlines() == [
        "ptrace Operation not permitted",
        "keyctl Operation not permitted",
        "x32 Operation not permitted",
        "getpid ok",
    ]
    # the same probe without the filter: proof the calls above were refused by it
    assert unfiltered.stdout.splitlines()[:2] == ["ptrace ok", "keyctl ok"], unfiltered
