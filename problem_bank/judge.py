"""Run a candidate's code against a problem's tests in the sandbox and say which passed.

One sandbox run per call, whatever the number of tests: starting a sandbox (and compiling C++)
costs far more than a test. The program prints one result line per test as it goes, so a crash
or a timeout on test 5 still reports tests 0-4.

Hidden tests are judged on the host (the program never sees an expected value) and their
`TestResult` carries no arguments, expected value or returned value, so nothing that reaches a
candidate can reveal them.
"""

from __future__ import annotations

import json
import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, computed_field

from sandbox import Language, Limits, RunRequest, RunStatus, Sandbox, run_program

from .harness import build_program, new_marker
from .model import Problem, TestCase, ValueType, conforms

Which = Literal["visible", "hidden", "all"]
"""Run (visible tests), Submit (hidden tests), or both at once (tests and ops)."""

MAX_ERROR_CHARS = 500
"""Per-test error messages are cut here; a traceback of a deep recursion can be huge."""
MAX_OUTPUT_CHARS = 4000
"""The candidate's own prints and stderr are cut here in a judge result."""
_SIGNALLED = 128
"""The sandbox reports a program killed by signal N as exit code 128 + N, like a shell."""


class TestResult(BaseModel):
    """One test's outcome. For a hidden test only `index`, `passed` and `error` are set."""

    __test__ = False  # not a pytest class
    model_config = ConfigDict(frozen=True)

    index: int
    """Position within its kind (visible or hidden), from 0."""
    hidden: bool
    passed: bool
    args: list[Any] | None = None
    expected: Any = None
    got: Any = None
    error: str | None = None
    """The exception the code raised, a wrong return type, or why the test did not run."""


class JudgeResult(BaseModel):
    """The outcome of judging one piece of code; JSON-serialisable for the page and the record."""

    model_config = ConfigDict(frozen=True)

    problem_id: str
    language: Language
    which: Which
    run_status: RunStatus
    """The sandbox's status of the one run (ok, error, timeout, memory, output_limit,
    compile_error)."""
    passed: int
    total: int
    tests: list[TestResult]
    stdout: str
    """What the candidate's code printed itself (harness lines removed), cut at
    MAX_OUTPUT_CHARS."""
    stderr: str
    """The program's stderr, or the compiler's messages on compile_error, cut likewise."""
    exit_code: int | None
    time_ms: int
    compile_ms: int | None = None

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented idiom
    @property
    def all_passed(self) -> bool:
        """In the JSON too, so the page and the record need not recompute it."""
        return self.total > 0 and self.passed == self.total


def select_tests(problem: Problem, which: Which) -> list[tuple[bool, int, TestCase]]:
    """(hidden, index within its kind, case) for the chosen tests, visible first."""
    chosen: list[tuple[bool, int, TestCase]] = []
    if which in ("visible", "all"):
        chosen += [(False, i, case) for i, case in enumerate(problem.visible_tests)]
    if which in ("hidden", "all"):
        chosen += [(True, i, case) for i, case in enumerate(problem.hidden_tests)]
    return chosen


async def judge(
    problem: Problem,
    language: Language,
    code: str,
    which: Which = "visible",
    *,
    sandbox: Sandbox | None = None,
    limits: Limits | None = None,
) -> JudgeResult:
    """Run `code` against the chosen tests of `problem` in one sandbox run.

    `sandbox` is the worker's shared `Sandbox` (its concurrency limit applies); without one the
    sandbox package's default is used. Raises `sandbox.InvalidRunRequest` for code over the
    sandbox's size limits and `sandbox.SandboxUnavailable` when code cannot be isolated here.
    """
    chosen = select_tests(problem, which)
    marker = new_marker()
    program = build_program(
        problem.signature, language, code, [case.args for _, _, case in chosen], marker=marker
    )
    request = RunRequest(language=language, source=program.source, stdin=program.stdin)
    if sandbox is not None:
        run = await sandbox.run(request, limits=limits)
    else:
        run = await run_program(request, limits=limits)

    reported, own_output = parse_output(run.stdout, marker)
    why_missing = _why_missing(run.status, run.exit_code)
    returns = problem.signature.returns
    tests = []
    error: str | None
    for position, (hidden, index, case) in enumerate(chosen):
        line = reported.get(position)
        if line is None:
            passed, got, error = False, None, why_missing
        elif "error" in line:
            passed, got, error = False, None, _cut(str(line["error"]), MAX_ERROR_CHARS)
        else:
            got = line.get("got")
            passed, error = _verdict(returns, case.expected, got, problem.float_tolerance)
        tests.append(
            TestResult(index=index, hidden=True, passed=passed, error=error)
            if hidden
            else TestResult(
                index=index,
                hidden=False,
                passed=passed,
                args=case.args,
                expected=case.expected,
                got=got,
                error=error,
            )
        )
    return JudgeResult(
        problem_id=problem.id,
        language=language,
        which=which,
        run_status=run.status,
        passed=sum(test.passed for test in tests),
        total=len(tests),
        tests=tests,
        stdout=_cut(own_output, MAX_OUTPUT_CHARS),
        stderr=_cut(run.stderr, MAX_OUTPUT_CHARS),
        exit_code=run.exit_code,
        time_ms=run.time_ms,
        compile_ms=run.compile_ms,
    )


def parse_output(stdout: str, marker: str) -> tuple[dict[int, dict[str, Any]], str]:
    """Split the run's stdout into the harness's result lines (by test position) and the
    candidate's own output. A marked line that is not valid JSON (cut off by a crash) is
    treated as missing."""
    reported: dict[int, dict[str, Any]] = {}
    own: list[str] = []
    for line in stdout.splitlines():
        before, found, payload = line.partition(marker)
        if not found:
            own.append(line)
            continue
        if before:
            own.append(before)
        try:
            decoded = json.loads(payload)
        except ValueError:
            continue
        if isinstance(decoded, dict) and isinstance(decoded.get("i"), int):
            reported.setdefault(decoded["i"], decoded)
    return reported, "\n".join(own)


def values_match(value_type: ValueType, expected: Any, got: Any, tolerance: float) -> bool:
    """Whether `got` (decoded JSON from the program) equals `expected` under `value_type`.

    Floats compare within `tolerance` (absolute or relative); an int-typed answer may come back
    as an integral float (2.0), since JSON and JavaScript do not keep the difference; bool and
    int are never confused.
    """
    if value_type is ValueType.FLOAT:
        return (
            conforms(got, ValueType.FLOAT)
            and math.isfinite(got)
            and math.isclose(got, expected, rel_tol=tolerance, abs_tol=tolerance)
        )
    if value_type is ValueType.INT:
        if isinstance(got, float) and got.is_integer():
            got = int(got)
        return conforms(got, ValueType.INT) and bool(got == expected)
    if value_type in (ValueType.BOOL, ValueType.STR):
        return conforms(got, value_type) and bool(got == expected)
    if value_type is ValueType.DICT_STR_INT:
        return (
            isinstance(got, dict)
            and got.keys() == expected.keys()
            and all(values_match(ValueType.INT, expected[k], got[k], tolerance) for k in expected)
        )
    element = value_type.element
    assert element is not None
    return (
        isinstance(got, list)
        and len(got) == len(expected)
        and all(values_match(element, e, g, tolerance) for e, g in zip(expected, got, strict=True))
    )


def _verdict(
    value_type: ValueType, expected: Any, got: Any, tolerance: float
) -> tuple[bool, str | None]:
    if values_match(value_type, expected, got, tolerance):
        return True, None
    if got is None:
        return False, f"returned nothing (null), expected {value_type.value}"
    if not conforms(got, value_type):
        return False, f"returned {_kind(got)}, expected {value_type.value}"
    return False, None


def _kind(value: Any) -> str:
    """A short description of a wrong-typed value that does not echo it (it may be huge)."""
    names = {
        bool: "a bool",
        int: "an int",
        float: "a float",
        str: "a string",
        list: "a list",
        dict: "an object",
    }
    return names.get(type(value), "a value")


def _why_missing(status: RunStatus, exit_code: int | None) -> str:
    """Why a test has no result line: the run stopped before reaching it."""
    reasons = {
        RunStatus.COMPILE_ERROR: "not run: the code did not compile",
        RunStatus.TIMEOUT: "not run: the time limit was reached before this test finished",
        RunStatus.MEMORY: "not run: the program ran out of memory",
        RunStatus.OUTPUT_LIMIT: "not run: the program printed more than the output limit",
    }
    if status in reasons:
        return reasons[status]
    if exit_code is not None and exit_code > _SIGNALLED:
        return f"not run: the program crashed (signal {exit_code - _SIGNALLED}) before this test"
    return f"not run: the program stopped before this test (exit code {exit_code}; see stderr)"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "\n…(cut)"
