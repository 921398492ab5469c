"""The sandbox's normal paths in all three languages, its request checks, its concurrency
limit, and its refusal to run anything when bubblewrap cannot isolate the code."""

from __future__ import annotations

import asyncio
import itertools
import json
from pathlib import Path

import pytest

from sandbox import (
    InvalidRunRequest,
    Language,
    RunRequest,
    RunResult,
    RunStatus,
    Sandbox,
    SandboxUnavailable,
)
from tests.sandbox_support import make_sandbox, run_dirs_left, work_root

__all__ = ["work_root"]  # the fixture, imported for pytest

pytestmark = pytest.mark.timeout(60)

ECHO_UPPER: dict[Language, str] = {
    "python": "import sys\nprint(sys.stdin.read().strip().upper())\n",
    "javascript": (
        "const data = require('fs').readFileSync(0, 'utf8');\n"
        "console.log(data.trim().toUpperCase());\n"
    ),
    "cpp": (
        "#include <algorithm>\n#include <cctype>\n#include <iostream>\n#include <string>\n"
        "int main() {\n  std::string s;\n  std::getline(std::cin, s);\n"
        "  std::transform(s.begin(), s.end(), s.begin(), ::toupper);\n"
        '  std::cout << s << "\\n";\n}\n'
    ),
}

FAILING: dict[Language, tuple[str, int, str]] = {
    "python": ("raise ValueError('bad input')\n", 1, "ValueError: bad input"),
    "javascript": ("throw new TypeError('bad input');\n", 1, "TypeError: bad input"),
    "cpp": (
        '#include <iostream>\nint main() { std::cerr << "bad input\\n"; return 3; }\n',
        3,
        "bad input",
    ),
}


@pytest.fixture
def sandbox(work_root: Path) -> Sandbox:
    return make_sandbox(work_root)


@pytest.mark.parametrize("language", ["python", "javascript", "cpp"])
async def test_a_program_reads_stdin_and_prints(sandbox: Sandbox, language: Language) -> None:
    result = await sandbox.run(
        RunRequest(language=language, source=ECHO_UPPER[language], stdin="hello sandbox\n")
    )
    assert result.status is RunStatus.OK, result
    assert result.stdout == "HELLO SANDBOX\n"
    assert result.exit_code == 0
    assert result.time_ms > 0
    assert (result.compile_ms is not None) == (language == "cpp")


@pytest.mark.parametrize("language", ["python", "javascript", "cpp"])
async def test_a_failing_program_is_an_error_result(sandbox: Sandbox, language: Language) -> None:
    source, exit_code, message = FAILING[language]
    result = await sandbox.run(RunRequest(language=language, source=source))
    assert result.status is RunStatus.ERROR, result
    assert result.exit_code == exit_code
    assert message in result.stderr


@pytest.mark.parametrize(
    ("language", "source"),
    [
        ("python", "def f(:\n    pass\n"),
        ("javascript", "function f( {\n"),
    ],
)
async def test_a_syntax_error_of_an_interpreted_language_is_an_error(
    sandbox: Sandbox, language: Language, source: str
) -> None:
    result = await sandbox.run(RunRequest(language=language, source=source))
    assert result.status is RunStatus.ERROR
    assert "SyntaxError" in result.stderr


async def test_cpp_compile_error_carries_the_compilers_message(sandbox: Sandbox) -> None:
    result = await sandbox.run(
        RunRequest(language="cpp", source="int main() { return undefined_name; }\n")
    )
    assert result.status is RunStatus.COMPILE_ERROR
    assert "undefined_name" in result.stderr
    assert "main.cpp:1" in result.stderr
    assert result.exit_code is None
    assert result.stdout == ""


async def test_extra_files_sit_next_to_the_main_file(sandbox: Sandbox) -> None:
    result = await sandbox.run(
        RunRequest(
            language="python",
            source="from helper import double\nprint(double(21), open('data.txt').read())\n",
            files={"helper.py": "def double(x):\n    return 2 * x\n", "data.txt": "payload"},
        )
    )
    assert result.status is RunStatus.OK, result
    assert result.stdout == "42 payload\n"


@pytest.mark.parametrize(
    "request_fields",
    [
        {"source": "x" * (64 * 1024 + 1)},
        {"source": "print(1)", "stdin": "y" * (1024 * 1024 + 1)},
        {"source": "print(1)", "files": {"../escape.py": "x"}},
        {"source": "print(1)", "files": {"sub/dir.py": "x"}},
        {"source": "print(1)", "files": {".hidden": "x"}},
        {"source": "print(1)", "files": {"main.py": "x"}},
        {"source": "print(1)", "files": {f"f{i}.txt": "x" for i in range(9)}},
    ],
)
async def test_bad_requests_are_refused_with_a_clear_error(
    sandbox: Sandbox, work_root: Path, request_fields: dict[str, object]
) -> None:
    with pytest.raises(InvalidRunRequest):
        await sandbox.run(RunRequest(language="python", **request_fields))
    assert run_dirs_left(work_root) == []


TIMED = "import time\nstart = time.time()\ntime.sleep(0.5)\nprint(start, time.time())\n"


def assert_no_overlap(results: list[RunResult]) -> None:
    spans = sorted(tuple(map(float, r.stdout.split())) for r in results)
    for earlier, later in itertools.pairwise(spans):
        assert earlier[1] <= later[0], f"runs overlapped: {spans}"


async def test_the_concurrency_limit_queues_runs(work_root: Path) -> None:
    """With one slot, runs never overlap in time (the host clock is shared)."""
    sandbox = make_sandbox(work_root, max_concurrent_runs=1)
    results = await asyncio.gather(
        *(sandbox.run(RunRequest(language="python", source=TIMED)) for _ in range(2))
    )
    assert_no_overlap(results)


async def test_the_concurrency_limit_holds_across_sandboxes(work_root: Path) -> None:
    """Two Sandbox objects stand for two job processes of one worker host: they share the
    host's slots (flock on the same files), not just an in-process semaphore."""
    first, second = (make_sandbox(work_root, max_concurrent_runs=1) for _ in range(2))
    results = await asyncio.gather(
        *(s.run(RunRequest(language="python", source=TIMED)) for s in (first, second))
    )
    assert_no_overlap(list(results))


def test_one_sandbox_serves_successive_event_loops(work_root: Path) -> None:
    """The agent caches one Sandbox per process; tests and tools may run several loops."""
    sandbox = make_sandbox(work_root, max_concurrent_runs=1)

    async def two_at_once() -> list[RunResult]:
        request = RunRequest(language="python", source="print('hi')")
        return list(await asyncio.gather(sandbox.run(request), sandbox.run(request)))

    for _ in range(2):  # the second loop would hit a semaphore bound to the first one
        assert [r.status for r in asyncio.run(two_at_once())] == [RunStatus.OK] * 2


async def test_results_round_trip_through_json(sandbox: Sandbox) -> None:
    result = await sandbox.run(RunRequest(language="python", source="print('é ✓')"))
    again = RunResult.model_validate_json(result.model_dump_json())
    assert again == result
    assert json.loads(result.model_dump_json())["status"] == "ok"


async def test_a_missing_bwrap_refuses_to_run(work_root: Path) -> None:
    sandbox = make_sandbox(work_root, bwrap_path=Path("/nonexistent/bwrap"))
    with pytest.raises(SandboxUnavailable, match="unsandboxed"):
        await sandbox.run(RunRequest(language="python", source="print(1)"))
    assert run_dirs_left(work_root) == []


async def test_a_bwrap_without_namespaces_refuses_to_run(work_root: Path) -> None:
    """What bwrap prints in a container that forbids user namespaces; the marker proves the
    program itself was never started some other way."""
    fake = work_root / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    fake.chmod(0o755)
    sandbox = make_sandbox(work_root, bwrap_path=fake)
    marker = work_root / "ran"
    with pytest.raises(SandboxUnavailable, match="No permissions to create new namespace"):
        await sandbox.run(
            RunRequest(language="python", source=f"open({str(marker)!r}, 'w').write('x')")
        )
    assert not marker.exists()


async def test_a_missing_toolchain_is_reported_as_unavailable(work_root: Path) -> None:
    sandbox = make_sandbox(work_root, node_path=Path("/nonexistent/node"))
    with pytest.raises(SandboxUnavailable, match="javascript"):
        await sandbox.run(RunRequest(language="javascript", source="console.log(1)"))


@pytest.mark.parametrize("language", ["python", "javascript", "cpp"])
async def test_every_language_runs_without_proc(work_root: Path, language: Language) -> None:
    """SANDBOX_MOUNT_PROC=false, for containers that cannot mount a fresh procfs."""
    sandbox = make_sandbox(work_root, mount_proc=False)
    result = await sandbox.run(
        RunRequest(language=language, source=ECHO_UPPER[language], stdin="no proc\n")
    )
    assert result.status is RunStatus.OK, result
    assert result.stdout == "NO PROC\n"
    probe = await sandbox.run(
        RunRequest(language="python", source="import os\nprint(os.path.exists('/proc/self'))")
    )
    assert probe.stdout == "False\n"
