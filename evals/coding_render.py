"""The coding section of report.html: each problem shown, its final code highlighted, the runs
as a timeline, the hints given, and the candidate's quotes on complexity and edge cases.

Part of the one report page (`render.py` puts it after the scores), under the same rules:
inline CSS only, no scripts, every value escaped. The code is the candidate's text and is the
most hostile string on the page; it goes through `code_highlight.highlight`, which escapes every
token. Times are shown as mm:ss from the start of the interview, like the evidence quotes, so a
recruiter can find a run in the recording beside the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from interview_store import (
    CodingEvidence,
    CodingProblemSummary,
    CodingRun,
    CodingSection,
    CodingTally,
)

from .code_highlight import highlight
from .talk_metrics import clock

CODING_CSS = """
pre.code{background:#0f172a;color:#e2e8f0;padding:12px;border-radius:8px;overflow-x:auto;
font:12.5px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre;margin:8px 0}
.hl-k{color:#c4b5fd;font-weight:600}.hl-s{color:#86efac}.hl-c{color:#94a3b8;font-style:italic}
.hl-n{color:#fdba74}.hl-p{color:#f9a8d4}
.pass{color:#15803d;font-weight:600}.fail{color:#b91c1c;font-weight:600}
.meter{display:inline-block;width:70px;height:8px;background:#fecaca;border-radius:4px;
vertical-align:middle;margin-right:6px;overflow:hidden}.meter i{display:block;height:8px;
background:#16a34a}
.tag{display:inline-block;padding:1px 8px;border-radius:999px;background:#e2e8f0;
font-size:.8rem;margin-right:4px}
"""

_TOPICS = {"complexity": "Complexity", "edge_cases": "Edge cases"}
_ACTIONS = {
    "picked": "first problem",
    "easier": "moved to an easier one",
    "harder": "moved to a harder one",
}
_LANGUAGES = {"python": "Python", "javascript": "JavaScript", "cpp": "C++"}


def _e(value: Any) -> str:
    return escape(str(value))


def _language(value: str | None) -> str:
    return _LANGUAGES.get(value or "", value or "—")


def _tally(t: CodingTally | None) -> str:
    if t is None:
        return "—"
    if t.total == 0:
        return f"not run ({_e(t.status)})"
    cls = "pass" if t.passed == t.total else "fail"
    return (
        f'<span class="{cls}">{t.passed}/{t.total}</span> '
        f'<span class="muted">at {clock(t.offset_s)}</span>'
    )


def _meter(passed: int, total: int) -> str:
    width = round(100 * passed / total) if total else 0
    return f'<span class="meter"><i style="width:{width}%"></i></span>'


def coding_html(section: CodingSection | None, *, note: str | None = None) -> str:
    """The section, or nothing at all when no problem was shown."""
    if section is None or not section.problems:
        return ""
    parts = ["<section><h2>Coding</h2>"]
    if note:
        parts.append(f'<p class="muted">Shown to the candidate: {_e(note)}</p>')
    parts.append(_evidence(section))
    parts.extend(_problem(i + 1, p) for i, p in enumerate(section.problems))
    parts.append("</section>")
    return "".join(parts)


def _quote(q: CodingEvidence) -> str:
    when = clock(q.offset_s) if q.offset_s is not None else "--:--"
    return (
        f'<blockquote><span class="ts">{when}</span><span class="tag">'
        f"{_e(_TOPICS.get(q.topic, q.topic))}</span>{_e(q.quote)}</blockquote>"
    )


def _evidence(section: CodingSection) -> str:
    source = {
        "model": "picked by the scoring model",
        "rules": "picked by keyword rules: the scoring model gave none that checked out",
        "none": "",
    }[section.evidence_source]
    accepted = "".join(_quote(q) for q in section.evidence) or (
        '<p class="muted">The candidate was not heard discussing complexity or edge cases.</p>'
    )
    rejected = section.rejected_evidence
    rej = (
        f'<details class="rejected"><summary class="muted">{len(rejected)} quote(s) '
        "rejected (not found in the candidate's words)</summary>"
        + "".join(
            f'<blockquote><span class="tag">{_e(_TOPICS.get(q.topic, q.topic))}</span>'
            f'{_e(q.quote)}</blockquote><div class="muted">{_e(q.reason)}</div>'
            for q in rejected
        )
        + "</details>"
        if rejected
        else ""
    )
    hint = f' <span class="muted">({source})</span>' if source else ""
    return (
        f'<div class="card"><h3>Complexity and edge cases, in the candidate\'s words{hint}'
        f"</h3>{accepted}{rej}</div>"
    )


def _problem(number: int, p: CodingProblemSummary) -> str:
    difficulty = p.difficulty.value if p.difficulty is not None else "difficulty unknown"
    tags = "".join(f'<span class="tag">{_e(t)}</span>' for t in p.topics)
    first_pass = (
        f'<span class="pass">{clock(p.first_pass_s)}</span> '
        '<span class="muted">after it was shown</span>'
        if p.first_pass_s is not None
        else '<span class="fail">never</span>'
    )
    facts = [
        ("Language", _e(_language(p.language))),
        ("Example tests (Run): final", _tally(p.visible_final)),
        ("Example tests: best", _tally(p.visible_best)),
        ("Hidden tests (Submit): final", _tally(p.hidden_final)),
        ("Hidden tests: best", _tally(p.hidden_best)),
        ("First all-passing run", first_pass),
        ("Runs / submits", f"{p.runs} / {p.submits}"),
        ("Hints used", str(len(p.hints))),
    ]
    kpis = "".join(
        f'<div class="kpi"><span class="muted">{k}</span><b>{v}</b></div>' for k, v in facts
    )
    return (
        f'<div class="card"><h3>{number}. {_e(p.title)}</h3>'
        f'<div class="muted">{_e(difficulty)} · {_e(_ACTIONS.get(p.action, p.action))} · shown at '
        f"{clock(p.shown_offset_s)} {tags}</div>"
        f'<div class="kpis" style="margin-top:10px">{kpis}</div>'
        f"{_code(p)}{_runs(p.timeline)}{_hints(p)}</div>"
    )


def _code(p: CodingProblemSummary) -> str:
    if p.final_code is None:
        return '<p class="muted">No code was typed or run for this problem.</p>'
    origin = "last run" if p.final_code_from == "run" else "last editor snapshot"
    cut = " (cut: the code was longer)" if p.final_code_truncated else ""
    return (
        f'<h3 style="margin-top:14px">Final code <span class="muted">({_e(_language(p.language))}, '
        f"{origin}{cut})</span></h3>"
        f'<pre class="code"><code>{highlight(p.final_code, p.language)}</code></pre>'
    )


def _runs(timeline: Sequence[CodingRun]) -> str:
    if not timeline:
        return '<p class="muted">The code was never run against the tests.</p>'
    rows = []
    for r in timeline:
        which = "Submit (hidden)" if r.which == "hidden" else "Run (examples)"
        cls = "pass" if r.all_passed else "fail"
        result = (
            f'{_meter(r.passed, r.total)}<span class="{cls}">{r.passed}/{r.total}</span>'
            if r.total
            else '<span class="fail">not run</span>'
        )
        rows.append(
            f'<tr><td><span class="ts">{clock(r.offset_s)}</span></td>'
            f'<td class="muted">+{clock(r.since_problem_s)}</td><td>{which}</td>'
            f"<td>{_e(_language(r.language))}</td><td>{result}</td><td>{_e(r.status)}</td></tr>"
        )
    return (
        '<h3 style="margin-top:14px">Runs</h3><table><thead><tr><th>At</th>'
        "<th>Since shown</th><th>Kind</th><th>Language</th><th>Tests passed</th>"
        f"<th>Status</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _hints(p: CodingProblemSummary) -> str:
    if not p.hints:
        return '<p class="muted">No hints were given.</p>'
    items = "".join(
        f'<li><span class="ts">{clock(h.offset_s)}</span>Hint {h.number}'
        f"{f' of {h.of}' if h.of else ''}: {_e(h.text)}</li>"
        for h in p.hints
    )
    return f'<h3 style="margin-top:14px">Hints given</h3><ul>{items}</ul>'
