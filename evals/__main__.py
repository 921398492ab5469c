"""`python -m evals report <id> | worker | batch [...]`.

Configuration errors end the process with one line (no traceback), like every other
process of the platform.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from interview_store import (
    InterviewNotFound,
    InterviewStatus,
    InterviewStore,
    SettingsError,
    load_settings,
)

from .settings import EvalSettings

if TYPE_CHECKING:
    from .scoring import Scorer  # imported when a command runs: --help stays light


def _parse_since(value: str) -> datetime:
    """ISO date/datetime, or a relative age like 7d, 12h, 30m."""
    m = re.fullmatch(r"(\d+)([dhm])", value.strip())
    if m:
        n, unit = int(m.group(1)), m.group(2)
        delta = {"d": timedelta(days=n), "h": timedelta(hours=n), "m": timedelta(minutes=n)}
        return datetime.now(UTC) - delta[unit]
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--since: {value!r} is neither an ISO date nor an age like 7d"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m evals", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("report", help="evaluate one interview now")
    rep.add_argument("interview_id")
    rep.add_argument("--json", action="store_true", help="print the report JSON")
    sub.add_parser("worker", help="evaluate interviews as they end (polls the store)")
    batch = sub.add_parser("batch", help="re-evaluate many interviews with a progress bar")
    batch.add_argument(
        "--status",
        action="append",
        choices=[InterviewStatus.ENDED.value, InterviewStatus.EVALUATED.value],
        help="repeatable; default: ended and evaluated",
    )
    batch.add_argument("--since", type=_parse_since, help="ISO date or age (7d, 12h)")
    batch.add_argument("--flag", help="only reports carrying this flag, e.g. evaluation_failed")
    batch.add_argument("--limit", type=int)
    batch.add_argument("--concurrency", type=int, default=2)
    return p


@asynccontextmanager
async def _scorer_and_store(settings: EvalSettings) -> AsyncIterator[tuple[Scorer, InterviewStore]]:
    """What every command needs, closed whatever happens. The scorer comes first: without a
    key the command ends with the configuration error before the database is touched."""
    from .scoring import Scorer

    scorer = Scorer.from_settings(settings)
    try:
        store = InterviewStore.from_settings(settings)
        try:
            await store.migrate()
            yield scorer, store
        finally:
            await store.aclose()
    finally:
        await scorer.aclose()


async def _report(settings: EvalSettings, interview_id: str, as_json: bool) -> int:
    from .evaluation import NotEvaluable, evaluate_interview

    async with _scorer_and_store(settings) as (scorer, store):
        try:
            ev = await evaluate_interview(
                store,
                interview_id,
                scorer=scorer,
                min_candidate_turns=settings.eval_min_candidate_turns,
            )
        except (InterviewNotFound, NotEvaluable, ValueError) as e:
            print(f"error: {e if not isinstance(e, InterviewNotFound) else 'no such interview'}")
            return 2
    if as_json:
        print(ev.report.model_dump_json(indent=2))
    overall = ev.report.overall_score
    rec = ev.report.recommendation
    print(
        f"{ev.status}: overall={overall if overall is not None else '-'} "
        f"recommendation={rec.value if rec else '-'} flags={','.join(ev.report.flags)}"
    )
    print(f"html: {ev.html_path or 'not rendered: ' + (ev.render.error or '')}")
    return 1 if ev.status == "evaluation_failed" else 0


async def _worker(settings: EvalSettings) -> int:
    from .evaluation_queue import EvalWorker

    async with _scorer_and_store(settings) as (scorer, store):
        await EvalWorker(
            store=store,
            scorer=scorer,
            poll_interval_s=settings.eval_poll_interval_s,
            min_candidate_turns=settings.eval_min_candidate_turns,
            metrics_port=settings.evals_metrics_port,
        ).run()
    return 0


async def _batch(settings: EvalSettings, args: argparse.Namespace) -> int:
    from .batch import BatchSelection, run_batch

    selection = BatchSelection(since=args.since, flag=args.flag, limit=args.limit)
    if args.status:
        selection = replace(selection, statuses=[InterviewStatus(s) for s in args.status])
    async with _scorer_and_store(settings) as (scorer, store):
        result = await run_batch(
            store,
            scorer,
            selection,
            concurrency=args.concurrency,
            min_candidate_turns=settings.eval_min_candidate_turns,
            progress=True,
        )
    summary = ", ".join(f"{k}={v}" for k, v in sorted(result.by_status.items())) or "nothing"
    print(f"evaluated {result.evaluated} ({summary}); errors: {len(result.errors)}")
    return 1 if result.errors else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        settings = load_settings(EvalSettings)
        if args.command == "report":
            return asyncio.run(_report(settings, args.interview_id, args.json))
        if args.command == "worker":
            return asyncio.run(_worker(settings))
        return asyncio.run(_batch(settings, args))
    except SettingsError as e:
        print(str(e), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
