"""The recruiter's report: scores, evidence, advice and feedback, as one JSON document.

This module turns validated scoring runs into the report: per-dimension averages over the
runs whose evidence checks out, disagreements flagged for a human, an overall score over
supported dimensions only, and a recommendation computed here from those numbers (so no
text in the transcript can talk the model into one). It also writes the two reports that
replace scores when scoring would mislead: too little signal, and scoring that failed.
Body-language notes come from the camera metrics and describe only what was observable.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from interview_store import InterviewRecord, Level

from .evidence import EvidenceChecker
from .prompt import ScoringPrompt, addressed_to_evaluator
from .rubric import DIMENSIONS
from .scoring import Attempt, ScoringOptions, ScoringResult
from .talk_metrics import InterviewMetrics, clock

SCHEMA_VERSION = 1

Recommendation = Literal["strong_yes", "yes", "maybe", "no", "strong_no"]

DISAGREEMENT_POINTS = 1.0
"""Runs further apart than this on a dimension → human review."""

MIN_SUPPORTED_FOR_RECOMMENDATION = 3

# The overall score a candidate needs for "yes" at each level; the other bands are offsets.
_BAR: dict[Level, float] = {
    Level.BEGINNER: 2.75,
    Level.INTERMEDIATE: 3.25,
    Level.ADVANCED: 3.75,
}
_LABELS: dict[str, str] = {
    "strong_yes": "Strong yes",
    "yes": "Yes",
    "maybe": "Maybe",
    "no": "No",
    "strong_no": "Strong no",
}
_ADVICE: dict[str, str] = {
    "strong_yes": "The evidence strongly supports moving this candidate forward.",
    "yes": "The evidence supports moving this candidate forward.",
    "maybe": "The evidence is mixed; a human should weigh it, ideally with a follow-up "
    "conversation on the weaker dimensions.",
    "no": "The evidence does not support moving forward at this level.",
    "strong_no": "The evidence clearly does not support moving forward at this level.",
}
ADVICE_PREFIX = "Advice to the hiring team, not a decision:"


def recommend(overall: float, level: Level) -> Recommendation:
    bar = _BAR[level]
    if overall >= min(5.0, bar + 1.0):
        return "strong_yes"
    if overall >= bar:
        return "yes"
    if overall >= bar - 0.75:
        return "maybe"
    if overall >= bar - 1.5:
        return "no"
    return "strong_no"


def _base(
    record: InterviewRecord, metrics: InterviewMetrics, status: str, now: datetime | None
) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "interview_id": record.id,
        "generated_at": (now or datetime.now(UTC)).isoformat(),
        "status": status,
        "role": record.plan.role,
        "level": record.plan.level.value,
        "interview_type": record.plan.interview_type.value,
        "overall_score": None,
        "recommendation": None,
        "dimensions": [],
        "human_review": [],
        "strengths": [],
        "improvements": [],
        "learning_plan": [],
        "cv_accuracy_notes": [],
        "body_language_notes": body_language_notes(metrics),
        "metrics": metrics.model_dump(mode="json"),
        "flags": [],
        "message": None,
        "candidate_feedback": {"strengths": [], "improvements": [], "learning_plan": []},
    }


def insufficient_signal_report(
    record: InterviewRecord,
    metrics: InterviewMetrics,
    *,
    min_turns: int,
    now: datetime | None = None,
) -> dict[str, Any]:
    report = _base(record, metrics, "insufficient_signal", now)
    n = metrics.candidate_turns
    report["message"] = (
        f"Too little signal to evaluate: the candidate spoke in {n} turn{'s' * (n != 1)} "
        f"(at least {min_turns} are needed). No scores or recommendation are given; "
        "the metrics below describe only what was recorded."
    )
    report["flags"] = ["insufficient_signal"]
    report["candidate_feedback"]["improvements"] = [
        "The session was too short for feedback. Try a full interview and answer a few "
        "questions in your own words."
    ]
    return report


def failed_report(
    record: InterviewRecord,
    metrics: InterviewMetrics,
    *,
    error: str,
    attempts: Sequence[Attempt],
    options: ScoringOptions,
    now: datetime | None = None,
) -> dict[str, Any]:
    report = _base(record, metrics, "evaluation_failed", now)
    report["message"] = (
        f"Automatic scoring failed ({error}). The metrics below are complete; re-run the "
        "evaluation later (`python -m evals report <id>`) or review the recording."
    )
    report["flags"] = ["evaluation_failed", "needs_human_review"]
    report["scoring"] = _scoring_meta(options, attempts, runs_ok=0)
    return report


def scored_report(
    record: InterviewRecord,
    metrics: InterviewMetrics,
    prompt: ScoringPrompt,
    result: ScoringResult,
    *,
    options: ScoringOptions,
    now: datetime | None = None,
) -> dict[str, Any]:
    report = _base(record, metrics, "scored", now)
    checker = EvidenceChecker(turns=prompt.turn_ids, items=record.transcript)
    t0 = min((t.start_time for t in prompt.turn_ids.values()), default=0.0)
    review: list[dict[str, str]] = []
    dims: list[dict[str, Any]] = []

    for d in DIMENSIONS:
        run_scores = [run.dimensions[d.key].score for run in result.runs]
        supported_scores: list[int] = []
        accepted: dict[str, dict[str, Any]] = {}
        rejected: list[dict[str, Any]] = []
        for run in result.runs:
            ds = run.dimensions[d.key]
            checked = [checker.check(e.quote, e.turn) for e in ds.evidence]
            if any(c.verified for c in checked):
                supported_scores.append(ds.score)
            for c in checked:
                target = c.to_dict(t0=t0)
                if c.verified:
                    accepted.setdefault(c.quote.strip().casefold(), target)
                else:
                    rejected.append(target)
        score = round(statistics.fmean(supported_scores), 2) if supported_scores else None
        disagreement = len(run_scores) > 1 and max(run_scores) - min(run_scores) > (
            DISAGREEMENT_POINTS
        )
        if disagreement:
            review.append(
                {
                    "dimension": d.key,
                    "reason": "scoring runs disagree by more than 1 point ("
                    + " vs ".join(str(s) for s in sorted(run_scores))
                    + ")",
                }
            )
        if score is None:
            review.append(
                {
                    "dimension": d.key,
                    "reason": "no evidence quote could be found in the transcript; "
                    "score excluded from the overall",
                }
            )
        elif len(supported_scores) < len(run_scores):
            review.append(
                {
                    "dimension": d.key,
                    "reason": "a scoring run's quotes were not found in the transcript; "
                    "that run was left out of the average",
                }
            )
        dims.append(
            {
                "key": d.key,
                "name": d.name,
                "question": d.question,
                "score": score,
                "run_scores": run_scores,
                "supported": score is not None,
                "disagreement": disagreement,
                "anchor": d.levels[round(score) - 1] if score is not None else None,
                "rationale": result.runs[0].dimensions[d.key].rationale,
                "evidence": sorted(accepted.values(), key=lambda e: e["timestamp"] or 0.0),
                "rejected_evidence": rejected,
            }
        )

    untrusted = [t.text for t in prompt.turn_ids.values() if t.speaker == "candidate"]
    untrusted += [record.plan.job_description or "", record.plan.cv.text if record.plan.cv else ""]
    injection = addressed_to_evaluator(untrusted) > 0
    if injection:
        review.append(
            {
                "dimension": "*",
                "reason": "the candidate's words, CV or job description contain text addressed "
                "to an automated evaluator; it was treated as data, but check the scores "
                "against the recording",
            }
        )
    if len(result.runs) < options.runs:
        review.append(
            {
                "dimension": "*",
                "reason": f"only {len(result.runs)} of {options.runs} scoring runs succeeded; "
                "consistency could not be checked",
            }
        )
    supported = [dim["score"] for dim in dims if dim["score"] is not None]
    overall = round(statistics.fmean(supported), 2) if supported else None
    report["dimensions"] = dims
    report["overall_score"] = overall
    report["human_review"] = review
    if overall is not None and len(supported) >= MIN_SUPPORTED_FOR_RECOMMENDATION:
        value = recommend(overall, record.plan.level)
        report["recommendation"] = {
            "value": value,
            "label": _LABELS[value],
            "advice": f"{ADVICE_PREFIX} {_ADVICE[value]}",
            "bar": _BAR[record.plan.level],
            "basis": f"overall {overall:.2f} over {len(supported)} supported dimensions; "
            f"'yes' starts at {_BAR[record.plan.level]} for the {record.plan.level.value} level",
        }
    else:
        report["message"] = (
            "Too few scores are backed by quotes from the transcript to make a "
            "recommendation; a human should review the recording."
        )

    first = result.runs[0]
    report["strengths"] = first.strengths
    report["improvements"] = first.improvements
    report["learning_plan"] = [item.model_dump() for item in first.learning_plan]
    report["cv_accuracy_notes"] = first.cv_accuracy_notes if record.plan.cv else []
    report["candidate_feedback"] = {
        "strengths": first.strengths,
        "improvements": first.improvements,
        "learning_plan": report["learning_plan"],
    }
    report["scoring"] = _scoring_meta(options, result.attempts, runs_ok=len(result.runs))
    report["flags"] = _flags(dims, review, metrics, report["recommendation"] is None)
    if injection:
        report["flags"].append("possible_prompt_injection")
    return report


def _flags(
    dims: list[dict[str, Any]],
    review: list[dict[str, str]],
    metrics: InterviewMetrics,
    no_recommendation: bool,
) -> list[str]:
    flags = []
    if review or no_recommendation:
        flags.append("needs_human_review")
    if any(d["disagreement"] for d in dims):
        flags.append("score_disagreement")
    if any(not d["supported"] for d in dims):
        flags.append("unsupported_evidence")
    if metrics.vision.multiple_faces_events:
        flags.append("multiple_faces_seen")
    return flags


def _scoring_meta(
    options: ScoringOptions, attempts: Sequence[Attempt], *, runs_ok: int
) -> dict[str, Any]:
    return {
        "model": options.model,
        "temperature": options.temperature,
        "runs_requested": options.runs,
        "runs_ok": runs_ok,
        "attempts": [a.to_dict() for a in attempts],
    }


def body_language_notes(metrics: InterviewMetrics) -> list[str]:
    """Observable facts from the camera analysis, worded as observations, never as feelings."""
    v = metrics.vision
    notes = []
    if v.face_visible_pct is not None:
        notes.append(
            f"Face visible on camera for {v.face_visible_pct:g}% of "
            f"{_minutes(v.observed_s)} of analysed camera time."
        )
    if v.looking_away_pct is not None:
        by_phase = [
            f"{phase.replace('_', ' ')} {fig['looking_away_pct']:g}%"
            for phase, fig in v.per_phase.items()
            if fig.get("looking_away_pct") is not None
        ]
        detail = f" (by phase: {', '.join(by_phase)})" if len(by_phase) > 1 else ""
        notes.append(
            f"Head turned away from the screen for {v.looking_away_pct:g}% of the time the "
            f"face was visible{detail}."
        )
    if v.multiple_faces_events:
        notes.append(
            f"More than one face came into view {v.multiple_faces_events} "
            f"time{'s' * (v.multiple_faces_events != 1)}."
        )
    if v.absences:
        notes.append(
            f"The face left the camera for a long stretch {v.absences} "
            f"time{'s' * (v.absences != 1)}."
        )
    t0 = min((p.start_time for p in metrics.phases), default=None)
    for n in v.notable[:10]:
        at = n.get("at")
        when = (
            f" at {clock(at - t0)}"
            if isinstance(at, int | float) and t0 is not None and at >= t0
            else ""
        )
        source = "camera analysis (Gemini)" if n.get("source") == "gemini" else "camera"
        notes.append(f"Noted by {source}{when}: {n.get('detail') or n.get('kind')}")
    if not notes:
        notes.append("No camera observations were recorded for this interview.")
    return notes


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"
