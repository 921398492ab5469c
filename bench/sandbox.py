"""Cost of one sandboxed run: `uv run python bench/sandbox.py`.

Trivial programs (read a line, print it) through the real bubblewrap sandbox, exactly as the
agent runs a candidate's code. Prints:

- run_ms_p50_python / run_ms_p50_js / run_ms_p50_cpp: median wall time of a whole
  `Sandbox.run()` (fresh directory, bwrap + namespaces, prlimit, the program, clean-up; for C++
  the compilation too), one run at a time;
- compile_ms_p50_cpp: the g++ share of run_ms_p50_cpp;
- runs_per_s: Python runs completed per second with RUNS_AT_ONCE submitted at once, queued by
  the sandbox's concurrency limit (SANDBOX_MAX_CONCURRENT_RUNS, default: the number of cores).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# First on the path: this file is itself named sandbox.py, and the script's own directory
# (bench/) would otherwise shadow the package.
sys.path.insert(0, str(ROOT))

from sandbox import Language, RunRequest, RunStatus, Sandbox, SandboxSettings  # noqa: E402

RUNS = 9
RUNS_AT_ONCE = 24
PROGRAMS: dict[Language, str] = {
    "python": "print(input())\n",
    "javascript": "console.log(require('fs').readFileSync(0, 'utf8').trim());\n",
    "cpp": "#include <iostream>\n#include <string>\n"
    "int main() { std::string s; std::getline(std::cin, s); std::cout << s << '\\n'; }\n",
}


async def timed_run(sandbox: Sandbox, language: Language) -> tuple[float, int | None]:
    request = RunRequest(language=language, source=PROGRAMS[language], stdin="ping\n")
    t0 = time.perf_counter()
    result = await sandbox.run(request)
    elapsed = (time.perf_counter() - t0) * 1000
    if result.status is not RunStatus.OK or result.stdout != "ping\n":
        raise SystemExit(f"{language} run failed: {result.model_dump_json()}")
    return elapsed, result.compile_ms


async def main() -> None:
    settings = SandboxSettings()
    sandbox = Sandbox(settings)
    await sandbox.ensure_available()
    medians: dict[str, float] = {}
    for language in PROGRAMS:
        await timed_run(sandbox, language)  # warm-up: page cache, first-run probe
        samples = [await timed_run(sandbox, language) for _ in range(RUNS)]
        medians[language] = statistics.median(ms for ms, _ in samples)
        if language == "cpp":
            medians["compile"] = statistics.median(c or 0 for _, c in samples)

    t0 = time.perf_counter()
    await asyncio.gather(*(timed_run(sandbox, "python") for _ in range(RUNS_AT_ONCE)))
    runs_per_s = RUNS_AT_ONCE / (time.perf_counter() - t0)

    print(f"cores: {len(os.sched_getaffinity(0))}")
    print(f"max_concurrent_runs: {settings.max_concurrent_runs}")
    print(f"run_ms_p50_python: {medians['python']:.1f}")
    print(f"run_ms_p50_js: {medians['javascript']:.1f}")
    print(f"run_ms_p50_cpp: {medians['cpp']:.1f}")
    print(f"compile_ms_p50_cpp: {medians['compile']:.1f}")
    print(f"runs_per_s: {runs_per_s:.1f}")


if __name__ == "__main__":
    asyncio.run(main())
