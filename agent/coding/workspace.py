"""One interview's coding workspace: the problem on the candidate's screen, the bank's hints,
and the code they run, submit and type.

The page talks to it through RPC (`agent/coding/rpc.py`), the interviewer through its tools.
Everything it learns is appended to the record as it happens (EventKind.PROBLEM,
CODE_SNAPSHOT, CODE_RUN, HINT through the interview's one `StoreWriter`), so a killed worker
loses none of it, and the model gets a short private note (`notes.py`) after every run and on
significant edits.

Protection of the conversation: the sandbox runs in subprocesses awaited off the audio path,
within the worker's shared `Sandbox` concurrency limit; one run at a time per interview and a
per-minute budget for runs and snapshots turn a flood into immediate errors instead of a queue;
notes are delivered in background tasks so an RPC answer never waits on the model.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from interview_store import AgentAttribute, EventKind
from problem_bank import LANGUAGES, JudgeResult, Language, Problem, ProblemBank, judge
from problem_bank import hint as bank_hint
from problem_bank.selection import default_bank
from sandbox import InvalidRunRequest, Sandbox, SandboxUnavailable

from ..interview_context import InterviewContext
from ..pacing import Publisher
from .errors import CodingError, CodingErrorCode
from .notes import NoteSink, changed_lines, run_note, snapshot_note
from .options import CodingOptions
from .rpc_contract import ProblemView

logger = logging.getLogger("agent.coding")

RATE_WINDOW_S = 60.0

Which = Literal["visible", "hidden"]
Direction = Literal["easier", "harder"]


class CodingWorkspace:
    def __init__(
        self,
        ictx: InterviewContext,
        *,
        options: CodingOptions,
        sandbox: Sandbox,
        bank: Callable[[], ProblemBank] = default_bank,
        publish: Publisher | None = None,
        notes: NoteSink | None = None,
    ) -> None:
        self._ictx = ictx
        self._options = options
        self._sandbox = sandbox
        self._bank = bank
        self._publish = publish
        self._notes = notes
        self._problem: Problem | None = None
        self._seen: list[str] = []
        self._hints: list[str] = []
        """Hints given for the current problem, in order."""
        self._running = False
        self._run_times: deque[float] = deque()
        self._snapshot_times: deque[float] = deque()
        self._snapshot_code: str | None = None
        self._noted_code = ""
        self._noted_language: str | None = None
        self._noted_at: float | None = None
        self._run_code: str | None = None
        self._runs = 0
        self._tasks: set[asyncio.Task[Any]] = set()

    # --- read-only view ---------------------------------------------------------------------

    @property
    def options(self) -> CodingOptions:
        return self._options

    @property
    def problem(self) -> Problem | None:
        return self._problem

    @property
    def runs(self) -> int:
        """Runs and submits that reached the sandbox."""
        return self._runs

    def set_notes(self, notes: NoteSink | None) -> None:
        """Where private notes go (the session's chat context once it has started)."""
        self._notes = notes

    def view(self) -> ProblemView:
        """What the candidate's page shows: the problem (never hidden tests, reference
        solutions or hints not yet given) and the hints given so far."""
        return ProblemView(
            problem=self._problem.candidate_problem() if self._problem is not None else None,
            hints=list(self._hints),
        )

    # --- the interviewer's choices (tools) ----------------------------------------------------

    def present(self) -> Problem:
        """The problem on screen, picking one for the role and level if there is none yet."""
        if self._problem is not None:
            return self._problem
        plan = self._ictx.plan
        planned = self._planned_problem()
        try:
            problem = planned or self._bank().pick(
                plan.role, plan.level.value, exclude=self._seen, seed=self._ictx.interview_id
            )
        except LookupError as e:
            raise CodingError(CodingErrorCode.NO_PROBLEM, str(e)) from None
        self._show(problem, action="picked")
        return problem

    def _planned_problem(self) -> Problem | None:
        """The interview plan's problem (what the recruiter saw planned), unless already
        shown or no longer in the bank."""
        design = self._ictx.plan.design
        if design is None or design.coding is None:
            return None
        for problem_id in design.coding.problem_ids:
            if problem_id in self._seen:
                continue
            try:
                return self._bank().get(problem_id)
            except KeyError:
                continue
        return None

    def step(self, direction: Direction) -> Problem:
        """Replace the problem with an easier or harder one, closest in topic."""
        current = self.present()
        bank = self._bank()
        found = (bank.easier if direction == "easier" else bank.harder)(current, exclude=self._seen)
        if found is None:
            raise CodingError(
                CodingErrorCode.NO_PROBLEM,
                f"there is no {direction} problem than '{current.title}' "
                f"({current.difficulty.value}); keep this one",
            )
        self._show(found, action=direction)
        return found

    def next_hint(self) -> tuple[int, int, str]:
        """(number, of how many, text) of the next hint of the current problem, gentlest
        first; counted in the interview's hints."""
        problem = self._problem
        if problem is None:
            raise CodingError(CodingErrorCode.NO_PROBLEM, "no problem has been presented yet")
        number = len(self._hints) + 1
        text = bank_hint(problem, number)
        if text is None:
            raise CodingError(
                CodingErrorCode.NO_PROBLEM,
                f"all {len(problem.hints)} hints of '{problem.title}' were given; guide with a "
                "question instead",
            )
        self._hints.append(text)
        ictx = self._ictx
        ictx.hints_given += 1
        ictx.log.event(
            EventKind.HINT,
            {
                "source": "problem_bank",
                "problem_id": problem.id,
                "number": number,
                "of": len(problem.hints),
                "text": text,
                "count": ictx.hints_given,
            },
        )
        return number, len(problem.hints), text

    # --- the candidate's page (RPC) ---------------------------------------------------------

    async def run(self, *, code: str, language: str, which: Which) -> JudgeResult:
        """Judge `code` against the visible (Run) or hidden (Submit) tests."""
        problem = self._require_problem()
        lang = self._check(code, language)
        if self._running:
            raise CodingError(
                CodingErrorCode.BUSY, "a run is already in progress: wait for its result"
            )
        self._admit(self._run_times, self._options.runs_per_minute, "runs")
        self._running = True
        try:
            result = await judge(problem, lang, code, which, sandbox=self._sandbox)
        except InvalidRunRequest as e:
            raise CodingError(CodingErrorCode.TOO_LARGE, f"the code cannot be run: {e}") from None
        except SandboxUnavailable as e:
            logger.error(
                "sandbox unavailable: %s", e, extra={"interview_id": self._ictx.interview_id}
            )
            self._record_run(problem, lang, which, code, None)
            raise CodingError(
                CodingErrorCode.UNAVAILABLE,
                "code cannot be run on this server right now; talk your interviewer through "
                "your solution instead",
            ) from None
        finally:
            self._running = False
        self._runs += 1
        self._record_run(problem, lang, which, code, result)
        self._note(run_note(result, title=problem.title, code=code, previous_code=self._run_code))
        self._run_code = code
        self._noted_code, self._noted_language = code, lang
        return result

    def snapshot(self, *, code: str, language: str, seq: int | None = None) -> bool:
        """Record the editor's content; a significant change also becomes a private note.
        Returns whether a note was sent."""
        lang = self._check(code, language)
        self._admit(self._snapshot_times, self._options.snapshots_per_minute, "snapshots")
        previous = self._snapshot_code if self._snapshot_code is not None else ""
        added, removed = _count_changes(previous, code)
        problem = self._problem
        self._ictx.log.event(
            EventKind.CODE_SNAPSHOT,
            {
                "problem_id": problem.id if problem is not None else None,
                "language": lang,
                "code": code,
                "lines": len(code.splitlines()),
                "changed_lines": added + removed,
                "seq": seq,
            },
        )
        self._snapshot_code = code
        if problem is None or not self._significant(code, lang):
            return False
        self._note(
            snapshot_note(title=problem.title, language=lang, before=self._noted_code, after=code)
        )
        self._noted_code, self._noted_language = code, lang
        self._noted_at = self._ictx.now()
        return True

    # --- lifecycle --------------------------------------------------------------------------

    async def flush_notes(self) -> None:
        """Wait for the notes and attribute updates sent so far."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # --- helpers ----------------------------------------------------------------------------

    def _show(self, problem: Problem, *, action: str) -> None:
        previous = self._problem
        self._problem = problem
        self._seen.append(problem.id)
        self._hints = []
        self._run_code = None
        self._ictx.log.event(
            EventKind.PROBLEM,
            {
                "action": action,
                "previous": previous.id if previous is not None else None,
                "problem": problem.candidate_view(),
            },
        )
        if self._publish is not None:
            self._spawn(
                self._publish({AgentAttribute.PROBLEM_ID: problem.id}), what="problem attribute"
            )

    def _require_problem(self) -> Problem:
        if self._problem is None:
            raise CodingError(
                CodingErrorCode.NO_PROBLEM,
                "there is no problem to run against yet: your interviewer will present one",
            )
        return self._problem

    def _check(self, code: str, language: str) -> Language:
        size = len(code.encode())
        if size > self._options.max_code_bytes:
            raise CodingError(
                CodingErrorCode.TOO_LARGE,
                f"the code is {size} bytes; the limit is {self._options.max_code_bytes}",
            )
        for known in LANGUAGES:
            if language == known:
                return known
        raise CodingError(
            CodingErrorCode.UNKNOWN_LANGUAGE,
            f"unknown language {language[:40]!r}: use one of {', '.join(LANGUAGES)}",
        )

    def _admit(self, times: deque[float], limit: int, what: str) -> None:
        now = self._ictx.now()
        while times and now - times[0] >= RATE_WINDOW_S:
            times.popleft()
        if len(times) >= limit:
            wait = math.ceil(RATE_WINDOW_S - (now - times[0]))
            raise CodingError(
                CodingErrorCode.RATE_LIMITED,
                f"too many {what}: at most {limit} a minute; try again in {wait} s",
            )
        times.append(now)

    def _significant(self, code: str, language: str) -> bool:
        now = self._ictx.now()
        if self._noted_at is not None and now - self._noted_at < self._options.note_interval_s:
            return False
        if language != self._noted_language and self._noted_language is not None:
            return True
        added, removed = _count_changes(self._noted_code, code)
        return max(added, removed) >= self._options.note_min_changed_lines

    def _record_run(
        self, problem: Problem, language: str, which: Which, code: str, result: JudgeResult | None
    ) -> None:
        data: dict[str, Any] = {
            "problem_id": problem.id,
            "language": language,
            "which": which,
            "code": code,
        }
        if result is None:
            data |= {"status": "unavailable", "passed": 0, "total": 0, "all_passed": False}
            data |= {"tests": [], "time_ms": None, "compile_ms": None}
        else:
            data |= {
                "status": result.run_status.value,
                "passed": result.passed,
                "total": result.total,
                "all_passed": result.all_passed,
                "tests": [
                    {"index": t.index, "hidden": t.hidden, "passed": t.passed, "error": t.error}
                    for t in result.tests
                ],
                "time_ms": result.time_ms,
                "compile_ms": result.compile_ms,
            }
        self._ictx.log.event(EventKind.CODE_RUN, data)

    def _note(self, text: str) -> None:
        if self._notes is not None:
            self._spawn(self._notes(text), what="coding note")

    def _spawn(self, work: Awaitable[None], *, what: str) -> None:
        async def guarded() -> None:
            try:
                await work
            except Exception as e:  # a note or an attribute is a nicety: never hurt a run
                logger.warning(
                    "%s not delivered",
                    what,
                    extra={"interview_id": self._ictx.interview_id, "error": type(e).__name__},
                )

        task = asyncio.create_task(guarded(), name=f"coding-{what.replace(' ', '-')}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _count_changes(before: str, after: str) -> tuple[int, int]:
    added, removed, _ = changed_lines(before, after)
    return added, removed
