"""`python -m sandbox run`: one JSON result on stdout, exit 0 when the program ran, 2 on bad
usage, 3 when the host cannot sandbox code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sandbox_support import work_root

__all__ = ["work_root"]  # the fixture, imported for pytest

pytestmark = pytest.mark.timeout(60)

REPO = Path(__file__).resolve().parent.parent


def run_cli(*args: str, work_root: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {
        **os.environ,
        "SANDBOX_WORK_ROOT": str(work_root),
        "SANDBOX_SLOTS_DIR": str(work_root / "slots"),
        "SANDBOX_WALL_SECONDS": "5",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "sandbox", *args],
        cwd=REPO,
        env=environ,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_run_prints_one_json_result(tmp_path: Path, work_root: Path) -> None:
    program = tmp_path / "prog.py"
    program.write_text("import sys\nprint(sys.stdin.read()[::-1])\n")
    stdin = tmp_path / "input.txt"
    stdin.write_text("olleh")
    done = run_cli(
        "run",
        "--language",
        "python",
        "--file",
        str(program),
        "--stdin",
        str(stdin),
        work_root=work_root,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "ok"
    assert result["stdout"] == "hello\n"
    assert set(result) >= {"status", "stdout", "stderr", "exit_code", "time_ms"}


@pytest.mark.parametrize(
    ("language", "suffix", "source", "status"),
    [
        ("javascript", "js", "process.exit(4)", "error"),
        ("cpp", "cpp", "int main() { return }", "compile_error"),
        ("python", "py", "import time\ntime.sleep(3600)\n", "timeout"),
    ],
)
def test_the_exit_status_is_zero_whatever_the_program_did(
    tmp_path: Path, work_root: Path, language: str, suffix: str, source: str, status: str
) -> None:
    program = tmp_path / f"prog.{suffix}"
    program.write_text(source)
    done = run_cli(
        "run",
        "--language",
        language,
        "--file",
        str(program),
        work_root=work_root,
        SANDBOX_WALL_SECONDS="2",
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == status


@pytest.mark.parametrize(
    "args",
    [
        ("run", "--language", "cobol", "--file", "prog.py"),
        ("run", "--language", "python", "--file", "/nonexistent/prog.py"),
        ("run", "--language", "python"),
        ("explode",),
    ],
)
def test_bad_usage_exits_2(work_root: Path, args: tuple[str, ...]) -> None:
    done = run_cli(*args, work_root=work_root)
    assert done.returncode == 2
    assert done.stdout == ""


def test_a_too_large_program_exits_2(tmp_path: Path, work_root: Path) -> None:
    program = tmp_path / "prog.py"
    program.write_text("print(1)\n")
    done = run_cli(
        "run",
        "--language",
        "python",
        "--file",
        str(program),
        work_root=work_root,
        SANDBOX_MAX_SOURCE_BYTES="4",
    )
    assert done.returncode == 2
    assert "over 4 bytes" in done.stderr


def test_without_bwrap_nothing_runs_and_it_exits_3(tmp_path: Path, work_root: Path) -> None:
    marker = tmp_path / "ran"
    program = tmp_path / "prog.py"
    program.write_text(f"open({str(marker)!r}, 'w').write('x')\n")
    done = run_cli(
        "run",
        "--language",
        "python",
        "--file",
        str(program),
        work_root=work_root,
        SANDBOX_BWRAP_PATH="/nonexistent/bwrap",
    )
    assert done.returncode == 3
    assert "unsandboxed" in done.stderr
    assert done.stdout == ""
    assert not marker.exists()
