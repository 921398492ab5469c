"""The report as one self-contained HTML page: inline CSS and inline SVG charts, no scripts,
no fonts, no images from anywhere.

The page is served by the token server behind recruiter auth and embedded by the dashboard,
and it is also a file a recruiter can save or e-mail, so it must render identically offline.
A Content-Security-Policy meta tag forbids every external load, which also means a string in
the transcript that looks like markup can do nothing: all text is escaped anyway.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import Any

from interview_store import (
    DimensionScore,
    InterviewMetrics,
    InterviewRecord,
    Observation,
    ObservationKind,
    Phase,
    PhaseStats,
    RecommendationValue,
    Report,
)

from .coding_render import CODING_CSS, coding_html
from .plan_render import cited_questions_html, plan_coverage_html
from .talk_metrics import clock

PHASE_COLOURS: dict[Phase, str] = {
    Phase.INTRO: "#a5b4fc",
    Phase.TECHNICAL: "#93c5fd",
    Phase.CODING: "#86efac",
    Phase.BEHAVIOURAL: "#fcd34d",
    Phase.CANDIDATE_QUESTIONS: "#f9a8d4",
    Phase.WRAP_UP: "#d1d5db",
}
CANDIDATE = "#2563eb"
INTERVIEWER = "#9ca3af"
_REC_COLOURS: dict[RecommendationValue, str] = {
    RecommendationValue.STRONG_YES: "#15803d",
    RecommendationValue.YES: "#16a34a",
    RecommendationValue.MAYBE: "#ca8a04",
    RecommendationValue.NO: "#dc2626",
    RecommendationValue.STRONG_NO: "#991b1b",
}

_CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f8fafc;
color:#0f172a;line-height:1.45}
main{max-width:980px;margin:0 auto;padding:24px}
h1{font-size:1.5rem;margin:0 0 4px}h2{font-size:1.15rem;margin:28px 0 10px;
border-bottom:1px solid #e2e8f0;padding-bottom:4px}h3{font-size:1rem;margin:0 0 4px}
.muted{color:#64748b;font-size:.9rem}
.card{background:#fff;border:1px solid #e2e8f0;border-radius:10px;padding:16px;margin:12px 0}
.badge{display:inline-block;padding:4px 12px;border-radius:999px;color:#fff;font-weight:600}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:16px}
.kpis{display:grid;grid-template-columns:repeat(4,1fr);gap:10px}
.kpi{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:10px}
.kpi b{display:block;font-size:1.25rem}
.review{background:#fff7ed;border:1px solid #fdba74}
.notice{background:#eff6ff;border:1px solid #93c5fd}
blockquote{margin:6px 0;padding:4px 10px;border-left:3px solid #2563eb;background:#f1f5f9}
.rejected blockquote{border-left-color:#dc2626;text-decoration:line-through;color:#64748b}
.ts{font-variant-numeric:tabular-nums;color:#475569;font-size:.85rem;margin-right:6px}
ul{margin:6px 0;padding-left:20px}
svg text{font-family:system-ui,sans-serif}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:4px 6px;
border-bottom:1px solid #e2e8f0;font-size:.9rem}
@media print{body{background:#fff}.card{break-inside:avoid}}
"""


def render_report_html(report: Report, record: InterviewRecord) -> str:
    """The full page. `report` is the typed report; `record` supplies the timeline data."""
    title = f"Interview report — {report.role}"
    body = [
        _header(report, record),
        _messages(report),
        _scores(report),
        plan_coverage_html(report.plan_coverage),
        coding_html(report.coding, note=report.candidate_feedback.coding_note),
        _feedback(report),
        _metrics(report.metrics),
        _timeline(report.metrics, record),
        _footer(report),
    ]
    return (
        f'<!DOCTYPE html>\n<html lang="{_e(report.language)}"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}{CODING_CSS}</style></head>"
        f"<body><main>{''.join(body)}</main></body></html>\n"
    )


def _e(value: Any) -> str:
    return escape(str(value))


def _clock(seconds: float | None) -> str:
    return "--:--" if seconds is None else clock(seconds)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "duration unknown"
    s = int(seconds)
    return f"{s // 60} min {s % 60:02d} s"


def _header(report: Report, record: InterviewRecord) -> str:
    name = record.plan.candidate_name or "Candidate"
    when = record.started_at or record.created_at
    rec = report.recommendation
    rec_html = ""
    if rec is not None:
        colour = _REC_COLOURS[rec.value]
        rec_html = (
            f'<div class="card"><span class="badge" style="background:{colour}">'
            f"Recommendation: {_e(rec.label)}</span>"
            f'<p>{_e(rec.advice)}</p><p class="muted">{_e(rec.basis)}</p></div>'
        )
    overall = report.overall_score
    overall_html = (
        f'<span class="badge" style="background:#0f172a">Overall {overall:.1f} / 5</span>'
        if overall is not None
        else ""
    )
    return (
        f"<header><h1>{_e(name)} — {_e(report.role)}</h1>"
        f'<div class="muted">{_e(report.level.value)} · '
        f"{_e(report.interview_type.value.replace('_', ' '))} · "
        f"{_e(when.strftime('%Y-%m-%d %H:%M UTC'))} · "
        f"{_duration(report.metrics.duration_s)}</div>"
        f"<p>{overall_html}</p></header>{rec_html}"
    )


def _messages(report: Report) -> str:
    out = []
    if report.message:
        out.append(f'<div class="card notice"><p>{_e(report.message)}</p></div>')
    if report.human_review:
        items = "".join(
            f"<li><b>{_e(r.dimension)}</b>: {_e(r.reason)}</li>" for r in report.human_review
        )
        out.append(f'<div class="card review"><h3>Needs human review</h3><ul>{items}</ul></div>')
    return "".join(out)


def _scores(report: Report) -> str:
    dims = report.dimensions
    if not dims:
        return ""
    cards = []
    for d in dims:
        ev = "".join(
            f'<blockquote><span class="ts">{_clock(q.offset_s)}</span>{_e(q.quote)}</blockquote>'
            for q in d.evidence
        )
        rejected = d.rejected_evidence
        rej = (
            f'<details class="rejected"><summary class="muted">{len(rejected)} quote(s) '
            "rejected (not found in the transcript)</summary>"
            + "".join(
                f'<blockquote>{_e(q.quote)}</blockquote><div class="muted">{_e(q.reason)}</div>'
                for q in rejected
            )
            + "</details>"
            if rejected
            else ""
        )
        score = d.score
        score_txt = f"{score:.1f}" if score is not None else "unsupported"
        runs = ", ".join(str(s) for s in d.run_scores)
        anchor = (
            f'<p class="muted">Level {round(score)}: {_e(d.anchor)}</p>'
            if d.anchor and score is not None
            else ""
        )
        cards.append(
            f'<div class="card"><h3>{_e(d.name)} — {score_txt}'
            f'<span class="muted"> (runs: {_e(runs)})</span></h3>{anchor}'
            f"<p>{_e(d.rationale)}</p>{cited_questions_html(d)}{ev}{rej}</div>"
        )
    charts = (
        f'<div class="grid"><div class="card">{score_bars_svg(dims)}</div>'
        f'<div class="card">{radar_svg(dims)}</div></div>'
    )
    return f"<section><h2>Scores</h2>{charts}{''.join(cards)}</section>"


def score_bars_svg(dims: Sequence[DimensionScore]) -> str:
    row, label_w, bar_w = 34, 170, 230
    h = row * len(dims) + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {label_w + bar_w + 50} {h}" '
        f'width="100%" role="img" aria-label="Scores per dimension">'
    ]
    for tick in range(0, 6):
        x = label_w + bar_w * tick / 5
        parts.append(
            f'<line x1="{x:.1f}" y1="4" x2="{x:.1f}" y2="{h - 22}" stroke="#e2e8f0"/>'
            f'<text x="{x:.1f}" y="{h - 8}" font-size="11" text-anchor="middle" '
            f'fill="#64748b">{tick}</text>'
        )
    for i, d in enumerate(dims):
        y = 8 + i * row
        parts.append(f'<text x="0" y="{y + 15}" font-size="12" fill="#0f172a">{_e(d.name)}</text>')
        score = d.score
        if score is not None:
            colour = "#f97316" if d.disagreement else CANDIDATE
            parts.append(
                f'<rect x="{label_w}" y="{y + 3}" width="{bar_w * score / 5:.1f}" height="16" '
                f'rx="3" fill="{colour}"/><text x="{label_w + bar_w * score / 5 + 6:.1f}" '
                f'y="{y + 15}" font-size="12">{score:.1f}</text>'
            )
        else:
            parts.append(
                f'<text x="{label_w + 4}" y="{y + 15}" font-size="12" fill="#dc2626">'
                "unsupported</text>"
            )
        for s in d.run_scores:
            parts.append(
                f'<circle cx="{label_w + bar_w * s / 5:.1f}" cy="{y + 11}" r="3.5" '
                'fill="#fff" stroke="#0f172a"/>'
            )
    parts.append("</svg>")
    return "".join(parts)


def radar_svg(dims: Sequence[DimensionScore]) -> str:
    size, cx, cy, r = 300, 150, 150, 95
    n = len(dims)

    def point(i: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        return cx + r * value / 5 * math.cos(angle), cy + r * value / 5 * math.sin(angle)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="-120 0 {size + 240} {size}" '
        'width="100%" role="img" aria-label="Score radar">'
    ]
    for level in range(1, 6):
        ring = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, level) for i in range(n)))
        parts.append(f'<polygon points="{ring}" fill="none" stroke="#e2e8f0"/>')
    for i, d in enumerate(dims):
        x, y = point(i, 5)
        lx, ly = point(i, 6.1)
        anchor = "middle" if abs(lx - cx) < 10 else ("start" if lx > cx else "end")
        label = d.name + ("" if d.score is not None else " (unsupported)")
        parts.append(
            f'<line x1="{cx}" y1="{cy}" x2="{x:.1f}" y2="{y:.1f}" stroke="#e2e8f0"/>'
            f'<text x="{lx:.1f}" y="{ly + 4:.1f}" font-size="10" text-anchor="{anchor}" '
            f'fill="#334155">{_e(label)}</text>'
        )
    pts = " ".join(
        f"{x:.1f},{y:.1f}" for x, y in (point(i, d.score or 0.0) for i, d in enumerate(dims))
    )
    parts.append(
        f'<polygon points="{pts}" fill="{CANDIDATE}" fill-opacity="0.25" stroke="{CANDIDATE}" '
        'stroke-width="2"/></svg>'
    )
    return "".join(parts)


def _feedback(report: Report) -> str:
    def bullet(items: Sequence[str]) -> str:
        if not items:
            return '<p class="muted">None recorded.</p>'
        return "<ul>" + "".join(f"<li>{_e(s)}</li>" for s in items) + "</ul>"

    plan = report.learning_plan
    plan_html = (
        "<ul>"
        + "".join(
            f"<li><b>{_e(p.topic)}</b> — {_e(p.why)}"
            + ("<ul>" + "".join(f"<li>{_e(a)}</li>" for a in p.actions) + "</ul>")
            + "</li>"
            for p in plan
        )
        + "</ul>"
        if plan
        else '<p class="muted">None recorded.</p>'
    )
    return (
        '<section><h2>Feedback</h2><div class="grid">'
        f'<div class="card"><h3>Strengths</h3>{bullet(report.strengths)}</div>'
        f'<div class="card"><h3>Improvements</h3>{bullet(report.improvements)}</div>'
        "</div>"
        f'<div class="card"><h3>Learning plan</h3>{plan_html}</div>'
        '<div class="grid">'
        f'<div class="card"><h3>CV accuracy</h3>{bullet(report.cv_accuracy_notes)}'
        "</div>"
        f'<div class="card"><h3>Observable behaviour (camera)</h3>'
        f"{bullet(report.body_language_notes)}"
        '<p class="muted">Observations only; no emotions or traits are inferred.</p></div>'
        "</div></section>"
    )


def _fmt(value: Any, suffix: str = "", digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}{suffix}"
    return f"{value}{suffix}"


def _metrics(m: InterviewMetrics) -> str:
    ratio = m.talk_ratio
    kpis = [
        ("Candidate talk share", _fmt(ratio * 100 if ratio is not None else None, "%", 0)),
        ("Words per minute", _fmt(m.words_per_minute, "", 0)),
        ("Filler words / min", _fmt(m.fillers_per_minute, "", 1)),
        ("Median answer", _fmt(m.answer_words.median, " words", 0)),
        ("Median response time", _fmt(m.response_latency_s.median, " s")),
        ("Long pauses (≥5 s)", str(len(m.long_pauses))),
        ("Follow-ups flagged", str(sum(m.followups.values()))),
        ("Agent latency p90", _fmt(m.agent_latency_s.p90, " s", 2)),
    ]
    kpi_html = "".join(
        f'<div class="kpi"><span class="muted">{k}</span><b>{v}</b></div>' for k, v in kpis
    )
    return (
        f'<section><h2>Objective metrics</h2><div class="kpis">{kpi_html}</div>'
        f'<div class="card"><h3>Talk time per phase</h3>{phase_talk_svg(m.phases)}'
        "</div></section>"
    )


def phase_talk_svg(phases: Sequence[PhaseStats]) -> str:
    if not phases:
        return '<p class="muted">No phase timeline was recorded.</p>'
    row, label_w, bar_w = 30, 150, 520
    longest = max(max(p.duration_s for p in phases), 1.0)
    h = row * len(phases) + 40
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {label_w + bar_w + 90} {h}" '
        'width="100%" role="img" aria-label="Talk time per phase">'
    ]
    for i, p in enumerate(phases):
        y = 6 + i * row
        scale = bar_w / longest
        cw = p.candidate_talk_s * scale
        iw = p.interviewer_talk_s * scale
        total_w = p.duration_s * scale
        parts.append(
            f'<text x="0" y="{y + 15}" font-size="12">{_e(p.phase.replace("_", " "))}</text>'
            f'<rect x="{label_w}" y="{y + 2}" width="{total_w:.1f}" height="18" fill="#f1f5f9" '
            'stroke="#cbd5e1"/>'
            f'<rect x="{label_w}" y="{y + 2}" width="{cw:.1f}" height="18" fill="{CANDIDATE}"/>'
            f'<rect x="{label_w + cw:.1f}" y="{y + 2}" width="{iw:.1f}" height="18" '
            f'fill="{INTERVIEWER}"/>'
            f'<text x="{label_w + total_w + 6:.1f}" y="{y + 15}" font-size="11" fill="#475569">'
            f"{_clock(p.duration_s)}</text>"
        )
    y = h - 14
    parts.append(
        f'<rect x="{label_w}" y="{y - 10}" width="12" height="12" fill="{CANDIDATE}"/>'
        f'<text x="{label_w + 16}" y="{y}" font-size="11">candidate</text>'
        f'<rect x="{label_w + 100}" y="{y - 10}" width="12" height="12" fill="{INTERVIEWER}"/>'
        f'<text x="{label_w + 116}" y="{y}" font-size="11">interviewer</text>'
        f'<rect x="{label_w + 210}" y="{y - 10}" width="12" height="12" fill="#f1f5f9" '
        'stroke="#cbd5e1"/>'
        f'<text x="{label_w + 226}" y="{y}" font-size="11">silence / other</text></svg>'
    )
    return "".join(parts)


_OBS_ROWS = (
    ("face not visible", "#dc2626"),
    ("looking away", "#f97316"),
    ("several faces", "#7c3aed"),
    ("noted by analysis", "#0f172a"),
)


def _timeline(metrics: InterviewMetrics, record: InterviewRecord) -> str:
    return (
        '<section><h2>Timeline</h2><div class="card">'
        f"{timeline_svg(metrics, record)}</div></section>"
    )


def timeline_svg(metrics: InterviewMetrics, record: InterviewRecord) -> str:
    """Phases, who spoke when, long pauses and camera observations on one time axis."""
    times = [t.start_time for t in record.transcript] + [t.end_time for t in record.transcript]
    times += [p.start_time for p in metrics.phases]
    times += [p.end_time for p in metrics.phases]
    times += [o.at for o in record.observations]
    if not times:
        return '<p class="muted">Nothing was recorded.</p>'
    t0, t1 = min(times), max(times)
    span = max(t1 - t0, 1.0)
    label_w, w = 130, 600
    rows = ["phase", "candidate", "interviewer", *(r for r, _ in _OBS_ROWS)]
    row_h = 22
    h = row_h * len(rows) + 34

    def x(t: float) -> float:
        return label_w + w * (t - t0) / span

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {label_w + w + 20} {h}" '
        'width="100%" role="img" aria-label="Interview timeline">'
    ]
    for i, name in enumerate(rows):
        parts.append(
            f'<text x="0" y="{i * row_h + 15}" font-size="11" fill="#334155">{_e(name)}</text>'
        )
    for p in metrics.phases:
        colour = PHASE_COLOURS[p.phase]
        parts.append(
            f'<rect x="{x(p.start_time):.1f}" y="2" '
            f'width="{max(1.0, x(p.end_time) - x(p.start_time)):.1f}" height="{row_h - 4}" '
            f'fill="{colour}"><title>{_e(p.phase.value)}</title></rect>'
        )
    for pause in metrics.long_pauses:
        parts.append(
            f'<rect x="{x(pause.at):.1f}" y="{row_h}" '
            f'width="{max(1.0, w * pause.duration_s / span):.1f}" height="{2 * row_h}" '
            'fill="#fef08a" opacity="0.7"/>'
        )
    for item in record.transcript:
        row = 1 if item.speaker == "candidate" else 2
        colour = CANDIDATE if item.speaker == "candidate" else INTERVIEWER
        parts.append(
            f'<rect x="{x(item.start_time):.1f}" y="{row * row_h + 4}" '
            f'width="{max(1.0, x(item.end_time) - x(item.start_time)):.1f}" '
            f'height="{row_h - 8}" fill="{colour}"/>'
        )
    for row, start, end, kind in camera_intervals(record.observations, t1):
        y = (3 + row) * row_h
        colour = _OBS_ROWS[row][1]
        parts.append(
            f'<rect x="{x(start):.1f}" y="{y + 5}" width="{max(2.0, x(end) - x(start)):.1f}" '
            f'height="{row_h - 10}" fill="{colour}"><title>{_e(kind)}</title></rect>'
        )
    axis_y = len(rows) * row_h + 4
    step = _tick_step(span)
    tick = 0.0
    while tick <= span + 1e-6:
        parts.append(
            f'<line x1="{x(t0 + tick):.1f}" y1="{axis_y}" x2="{x(t0 + tick):.1f}" '
            f'y2="{axis_y + 5}" stroke="#64748b"/><text x="{x(t0 + tick):.1f}" '
            f'y="{axis_y + 18}" font-size="10" text-anchor="middle" fill="#64748b">'
            f"{_clock(tick)}</text>"
        )
        tick += step
    parts.append("</svg>")
    return "".join(parts)


def _tick_step(span: float) -> float:
    for step in (10, 30, 60, 120, 300, 600, 900, 1800):
        if span / step <= 10:
            return float(step)
    return 3600.0


def camera_intervals(
    observations: Sequence[Observation], end_of_interview: float
) -> list[tuple[int, float, float, str]]:
    """(timeline row, start, end, label) from the vision rows: `face_state` rows mark state
    changes (a state lasts until the next one), `absence` and Gemini rows are moments. No
    rows (camera off, analysis disabled) is an ordinary case: no intervals."""
    out: list[tuple[int, float, float, str]] = []
    states = sorted(
        (o for o in observations if o.source == "local" and o.kind == ObservationKind.FACE_STATE),
        key=lambda o: o.at,
    )
    for i, o in enumerate(states):
        end = states[i + 1].at if i + 1 < len(states) else end_of_interview
        presence = o.data.get("presence")
        if presence == "absent":
            out.append((0, o.at, end, "no face in view"))
        elif presence == "multiple":
            out.append((2, o.at, end, f"{o.data.get('faces', 2)} faces in view"))
        if presence != "absent" and o.data.get("looking_away"):
            out.append((1, o.at, end, "looking away"))
    for o in observations:
        if o.source == "local" and o.kind == ObservationKind.ABSENCE:
            out.append((0, o.at, o.at, "long absence"))
        elif o.source == "gemini":
            out.append((3, o.at, o.at, str(o.data.get("description") or o.kind.value)))
    return out


def _footer(report: Report) -> str:
    s = report.scoring
    scoring = (
        f"Scored by {_e(s.model)} at temperature {_e(s.temperature)}, "
        f"{_e(s.runs_ok)} of {_e(s.runs_requested)} runs; "
        f"{len(s.attempts)} model calls. "
        if s is not None
        else ""
    )
    return (
        '<footer class="muted"><p>'
        f"{scoring}Every quoted piece of evidence was checked against the transcript; scores "
        "without a verifiable quote are excluded from the overall score. This report is "
        "advice for a human reviewer, not a hiring decision. "
        f"Generated {_e(report.generated_at.isoformat())}.</p></footer>"
    )
