"""The recruiter's report: scores, evidence, advice and feedback, as one typed `Report`.

This module turns validated scoring runs into the report: per-dimension averages over the
runs whose evidence checks out, disagreements flagged for a human, an overall score over
supported dimensions only, and a recommendation computed here from those numbers (so no
text in the transcript can talk the model into one). It also writes the two reports that
replace scores when scoring would mislead: too little signal, and scoring that failed.
Body-language notes come from the camera metrics and describe only what was observable. The
shape is the `Report` contract of `interview_store`; this module only fills it in.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import UTC, datetime

from interview_store import (
    CandidateFeedback,
    DimensionScore,
    EventKind,
    EvidenceQuote,
    HumanReviewItem,
    InterviewMetrics,
    InterviewRecord,
    LearningItem,
    Level,
    Recommendation,
    RecommendationValue,
    Report,
    ReportFlag,
    ReportStatus,
    ScoringAttempt,
    ScoringMeta,
)

from .coding_summary import coding_note, coding_section
from .evidence import EvidenceChecker
from .prompt import ScoringPrompt, addressed_to_evaluator, plan_coverage
from .rubric import DIMENSIONS
from .scoring import ScoringOptions, ScoringResult
from .talk_metrics import clock

DISAGREEMENT_POINTS = 1.0
"""Runs further apart than this on a dimension → human review."""

MIN_SUPPORTED_FOR_RECOMMENDATION = 3

# The overall score a candidate needs for "yes" at each level; the other bands are offsets.
_BAR: dict[Level, float] = {
    Level.BEGINNER: 2.75,
    Level.INTERMEDIATE: 3.25,
    Level.ADVANCED: 3.75,
}
_LABELS: dict[RecommendationValue, str] = {
    RecommendationValue.STRONG_YES: "Strong yes",
    RecommendationValue.YES: "Yes",
    RecommendationValue.MAYBE: "Maybe",
    RecommendationValue.NO: "No",
    RecommendationValue.STRONG_NO: "Strong no",
}
_ADVICE: dict[RecommendationValue, str] = {
    RecommendationValue.STRONG_YES: "The evidence strongly supports moving this candidate forward.",
    RecommendationValue.YES: "The evidence supports moving this candidate forward.",
    RecommendationValue.MAYBE: "The evidence is mixed; a human should weigh it, ideally with a "
    "follow-up conversation on the weaker dimensions.",
    RecommendationValue.NO: "The evidence does not support moving forward at this level.",
    RecommendationValue.STRONG_NO: "The evidence clearly does not support moving forward at "
    "this level.",
}
ADVICE_PREFIX = "Advice to the hiring team, not a decision:"


def recommend(overall: float, level: Level) -> RecommendationValue:
    bar = _BAR[level]
    if overall >= min(5.0, bar + 1.0):
        return RecommendationValue.STRONG_YES
    if overall >= bar:
        return RecommendationValue.YES
    if overall >= bar - 0.75:
        return RecommendationValue.MAYBE
    if overall >= bar - 1.5:
        return RecommendationValue.NO
    return RecommendationValue.STRONG_NO


def _base(
    record: InterviewRecord,
    metrics: InterviewMetrics,
    status: ReportStatus,
    now: datetime | None,
) -> Report:
    return Report(
        interview_id=record.id,
        generated_at=now or datetime.now(UTC),
        status=status,
        role=record.plan.role,
        level=record.plan.level,
        interview_type=record.plan.interview_type,
        language=record.plan.language,
        body_language_notes=body_language_notes(metrics),
        metrics=metrics,
        plan_coverage=plan_coverage(record),
        coding=coding_section(record),
    )


def insufficient_signal_report(
    record: InterviewRecord,
    metrics: InterviewMetrics,
    *,
    min_turns: int,
    now: datetime | None = None,
) -> Report:
    report = _base(record, metrics, ReportStatus.INSUFFICIENT_SIGNAL, now)
    n = metrics.candidate_turns
    report.message = (
        f"Too little signal to evaluate: the candidate spoke in {n} turn{'s' * (n != 1)} "
        f"(at least {min_turns} are needed). No scores or recommendation are given; "
        "the metrics below describe only what was recorded."
    )
    report.flags = [ReportFlag.INSUFFICIENT_SIGNAL]
    report.candidate_feedback = CandidateFeedback(
        improvements=[
            "The session was too short for feedback. Try a full interview and answer a few "
            "questions in your own words."
        ],
        coding_note=coding_note(report.coding),
    )
    return report


def failed_report(
    record: InterviewRecord,
    metrics: InterviewMetrics,
    *,
    error: str,
    attempts: Sequence[ScoringAttempt],
    options: ScoringOptions,
    now: datetime | None = None,
) -> Report:
    report = _base(record, metrics, ReportStatus.EVALUATION_FAILED, now)
    report.message = (
        f"Automatic scoring failed ({error}). The metrics below are complete; re-run the "
        "evaluation later (`python -m evals report <id>`) or review the recording."
    )
    report.flags = [ReportFlag.EVALUATION_FAILED, ReportFlag.NEEDS_HUMAN_REVIEW]
    report.scoring = _scoring_meta(options, attempts, runs_ok=0)
    report.candidate_feedback.coding_note = coding_note(report.coding)
    return report


_FAILOVER_WHY = {
    "latency_p95": "its replies had become slow",
    "failed_connects": "its connection kept failing",
}


def _model_failover_review(record: InterviewRecord, t0: float) -> list[HumanReviewItem]:
    """The interviewer's realtime model was switched mid-interview (`agent/model_failover.py`):
    the new model started from a summary, not the conversation, so a repeated question or a
    missed follow-up around that time is the system's, not the candidate's."""
    switches = [
        e for e in record.events_of(EventKind.MODEL_FAILOVER) if e.data.get("to") == "fallback"
    ]
    if not switches:
        return []
    when = ", ".join(
        f"{clock(e.at - t0)} ({_FAILOVER_WHY.get(str(e.data.get('reason')), 'it was degraded')})"
        for e in switches
    )
    return [
        HumanReviewItem(
            dimension="*",
            reason=f"the interviewer's model was replaced by a fallback at {when}; the new "
            "model continued from a summary, so a repeated question or a missed follow-up "
            "around that time is not the candidate's doing",
        )
    ]


def scored_report(
    record: InterviewRecord,
    metrics: InterviewMetrics,
    prompt: ScoringPrompt,
    result: ScoringResult,
    *,
    options: ScoringOptions,
    now: datetime | None = None,
) -> Report:
    report = _base(record, metrics, ReportStatus.SCORED, now)
    checker = EvidenceChecker(turns=prompt.turn_ids, items=record.transcript)
    t0 = min((t.start_time for t in prompt.turn_ids.values()), default=0.0)
    review: list[HumanReviewItem] = []
    dims: list[DimensionScore] = []
    design = record.plan.design

    for d in DIMENSIONS:
        run_scores = [run.dimensions[d.key].score for run in result.runs]
        supported_scores: list[int] = []
        accepted: dict[str, EvidenceQuote] = {}
        rejected: list[EvidenceQuote] = []
        for run in result.runs:
            ds = run.dimensions[d.key]
            checked = [checker.check(e.quote, e.turn) for e in ds.evidence]
            if any(c.verified for c in checked):
                supported_scores.append(ds.score)
            for c in checked:
                target = c.to_evidence(t0=t0)
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
                HumanReviewItem(
                    dimension=d.key,
                    reason="scoring runs disagree by more than 1 point ("
                    + " vs ".join(str(s) for s in sorted(run_scores))
                    + ")",
                )
            )
        if score is None:
            review.append(
                HumanReviewItem(
                    dimension=d.key,
                    reason="no evidence quote could be found in the transcript; "
                    "score excluded from the overall",
                )
            )
        elif len(supported_scores) < len(run_scores):
            review.append(
                HumanReviewItem(
                    dimension=d.key,
                    reason="a scoring run's quotes were not found in the transcript; "
                    "that run was left out of the average",
                )
            )
        dims.append(
            DimensionScore(
                key=d.key,
                name=d.name,
                question=d.question,
                score=score,
                run_scores=run_scores,
                supported=score is not None,
                disagreement=disagreement,
                anchor=d.levels[round(score) - 1] if score is not None else None,
                rationale=result.runs[0].dimensions[d.key].rationale,
                evidence=sorted(accepted.values(), key=lambda e: e.timestamp or 0.0),
                rejected_evidence=rejected,
                question_ids=[
                    c.question_id
                    for c in report.plan_coverage
                    if c.asked and c.competency.value == d.key
                ],
                weight=design.weight_of(d.key) if design is not None else None,
            )
        )

    untrusted = [t.text for t in prompt.turn_ids.values() if t.speaker == "candidate"]
    untrusted += [record.plan.job_description or "", record.plan.cv.text if record.plan.cv else ""]
    if report.coding is not None:
        untrusted += [p.final_code or "" for p in report.coding.problems]
    injection = addressed_to_evaluator(untrusted) > 0
    if injection:
        review.append(
            HumanReviewItem(
                dimension="*",
                reason="the candidate's words, CV or job description contain text addressed "
                "to an automated evaluator; it was treated as data, but check the scores "
                "against the recording",
            )
        )
    if len(result.runs) < options.runs:
        review.append(
            HumanReviewItem(
                dimension="*",
                reason=f"only {len(result.runs)} of {options.runs} scoring runs succeeded; "
                "consistency could not be checked",
            )
        )
    review += _model_failover_review(record, t0)
    supported = [dim.score for dim in dims if dim.score is not None]
    overall = _overall(dims)
    report.dimensions = dims
    report.overall_score = overall
    report.human_review = review
    if overall is not None and len(supported) >= MIN_SUPPORTED_FOR_RECOMMENDATION:
        value = recommend(overall, record.plan.level)
        bar = _BAR[record.plan.level]
        report.recommendation = Recommendation(
            value=value,
            label=_LABELS[value],
            advice=f"{ADVICE_PREFIX} {_ADVICE[value]}",
            bar=bar,
            basis=f"overall {overall:.2f} over {len(supported)} supported dimensions; "
            f"'yes' starts at {bar} for the {record.plan.level.value} level",
        )
    else:
        report.message = (
            "Too few scores are backed by quotes from the transcript to make a "
            "recommendation; a human should review the recording."
        )

    first = result.runs[0]
    # plain contract items (the run's items are a validating subclass)
    learning_plan = [LearningItem(**item.model_dump()) for item in first.learning_plan]
    report.strengths = first.strengths
    report.improvements = first.improvements
    report.learning_plan = learning_plan
    report.cv_accuracy_notes = first.cv_accuracy_notes if record.plan.cv else []
    report.coding = coding_section(
        record,
        turn_ids=prompt.turn_ids,
        model_quotes=[
            (q.turn, q.quote, q.topic) for run in result.runs for q in run.coding_evidence
        ],
        t0=t0,
    )
    report.candidate_feedback = CandidateFeedback(
        strengths=first.strengths,
        improvements=first.improvements,
        learning_plan=learning_plan,
        coding_note=coding_note(report.coding),
    )
    report.scoring = _scoring_meta(options, result.attempts, runs_ok=len(result.runs))
    report.flags = _flags(dims, review, metrics, no_recommendation=report.recommendation is None)
    if injection:
        report.flags.append(ReportFlag.POSSIBLE_PROMPT_INJECTION)
    return report


def _overall(dims: Sequence[DimensionScore]) -> float | None:
    """Mean of the supported scores, weighted by the plan's competency weights when the
    interview had a plan (renormalised over the supported dimensions)."""
    scored = [(d.score, d.weight) for d in dims if d.score is not None]
    if not scored:
        return None
    if all(w is not None and w > 0 for _, w in scored):
        total = sum(w for _, w in scored if w is not None)
        return round(sum(s * (w or 0.0) for s, w in scored) / total, 2)
    return round(statistics.fmean(s for s, _ in scored), 2)


def _flags(
    dims: Sequence[DimensionScore],
    review: Sequence[HumanReviewItem],
    metrics: InterviewMetrics,
    *,
    no_recommendation: bool,
) -> list[ReportFlag]:
    flags = []
    if review or no_recommendation:
        flags.append(ReportFlag.NEEDS_HUMAN_REVIEW)
    if any(d.disagreement for d in dims):
        flags.append(ReportFlag.SCORE_DISAGREEMENT)
    if any(not d.supported for d in dims):
        flags.append(ReportFlag.UNSUPPORTED_EVIDENCE)
    if metrics.vision.multiple_faces_events:
        flags.append(ReportFlag.MULTIPLE_FACES_SEEN)
    return flags


def _scoring_meta(
    options: ScoringOptions, attempts: Sequence[ScoringAttempt], *, runs_ok: int
) -> ScoringMeta:
    return ScoringMeta(
        model=options.model,
        temperature=options.temperature,
        runs_requested=options.runs,
        runs_ok=runs_ok,
        attempts=list(attempts),
    )


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
            f"{(p.phase or 'before the first phase').replace('_', ' ')} {p.looking_away_pct:g}%"
            for p in v.per_phase
            if p.looking_away_pct is not None
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
        when = f" at {clock(n.at - t0)}" if t0 is not None and n.at >= t0 else ""
        source = "camera analysis (Gemini)" if n.source == "gemini" else "camera"
        notes.append(f"Noted by {source}{when}: {n.detail or n.kind.value}")
    if not notes:
        notes.append("No camera observations were recorded for this interview.")
    return notes


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"
