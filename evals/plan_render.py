"""The plan section of report.html: every planned question, asked or skipped, its outcome.

Recruiters read it next to the scores: each competency's card names the planned questions
it came from, and this table says what happened to each (the interviewer's
`record_answer_outcome`, the variant asked and the short reason given).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from interview_store import DimensionScore, QuestionCoverage

_OUTCOME_LABEL = {"covered": "covered", "partly": "partly covered", "not_covered": "not covered"}


def plan_coverage_html(coverage: Sequence[QuestionCoverage]) -> str:
    if not coverage:
        return ""
    asked = sum(1 for c in coverage if c.asked)
    rows = []
    for c in coverage:
        outcome = _OUTCOME_LABEL.get(c.outcome.value, c.outcome.value) if c.outcome else ""
        variant = f" ({c.step.value} variant)" if c.step and c.step.value != "planned" else ""
        rows.append(
            f"<tr><td>{escape(c.question_id)}</td><td>{escape(c.phase.value)}</td>"
            f"<td>{escape(c.competency.value.replace('_', ' '))}</td><td>{escape(c.text)}</td>"
            f"<td>{'asked' if c.asked else 'skipped'}{escape(variant)}</td>"
            f"<td>{escape(outcome)}</td><td>{escape(c.reason or '')}</td></tr>"
        )
    return (
        f'<section><h2>Interview plan</h2><div class="card"><p class="muted">{asked} of '
        f"{len(coverage)} planned questions asked.</p><table><thead><tr><th>Id</th>"
        "<th>Phase</th><th>Competency</th><th>Question</th><th>Asked</th><th>Outcome</th>"
        f"<th>Reason</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div></section>"
    )


def cited_questions_html(dimension: DimensionScore) -> str:
    """'Planned questions: T1, T3' under a competency's score (nothing without a plan)."""
    if not dimension.question_ids:
        return ""
    weight = f" · weight {dimension.weight:.0%}" if dimension.weight is not None else ""
    ids = ", ".join(escape(q) for q in dimension.question_ids)
    return f'<p class="muted">Planned questions: {ids}{weight}</p>'
