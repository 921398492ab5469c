"""The report's coding section, from the rows the coding workspace records to report.html.

Each interview is written into a real store the way the agent writes it (`tests/fake_interview`),
scored through google-genai against the generate_content emulator on loopback, and read back:
the numbers were computed by hand from the rows (see `coding_events`), the evidence goes
through the same verbatim check as the rubric's, and the page is parsed to prove that hostile
code is text, not markup.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from agent.coding import METHOD_RUN, METHOD_SUBMIT
from evals.code_highlight import highlight
from evals.coding_render import coding_html
from evals.coding_summary import coding_note, coding_section
from evals.evaluation import Evaluation, evaluate_interview
from evals.render import render_report_html
from evals.scoring import Scorer, ScoringOptions, make_client
from interview_store import (
    CodingSection,
    CodingTally,
    EventKind,
    InterviewEvent,
    InterviewStore,
    Level,
    ReportRenderState,
    ReportStatus,
)
from testkit.gemini_api import FakeGeminiApi
from tests.fake_interview import (
    CODE_FINAL,
    CODE_V1,
    CODE_V2,
    HINT_1,
    SCRIPT,
    T0,
    code_run,
    code_snapshot,
    coding_events,
    problem_view,
    run_json,
    shown,
    write_interview,
)
from tests.fake_llm import Turn
from tests.test_agent_coding import Coding, coding, tc, work_root

__all__ = ["coding", "work_root"]  # fixtures, imported for pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


async def evaluate(
    store: InterviewStore,
    events: list[InterviewEvent],
    *,
    coding_evidence: list[dict[str, str]] | None = None,
    api: FakeGeminiApi | None = None,
) -> Evaluation:
    """Store the interview with `events`, score it twice (the model's `coding_evidence` as
    given) and return the evaluation, whose page must have been drawn."""
    record = await write_interview(store, events=events)
    extra = {"coding_evidence": coding_evidence} if coding_evidence is not None else {}

    async def run(fake: FakeGeminiApi) -> Evaluation:
        fake.queue(run_json(4, **extra), run_json(4, **extra))
        options = ScoringOptions(model="gemini-eval-test", retry_backoff_s=0.01)
        scorer = Scorer(
            client=make_client(api_key="k", base_url=fake.base_url, timeout_s=5), options=options
        )
        try:
            return await evaluate_interview(store, record.id, scorer=scorer)
        finally:
            await scorer.aclose()

    if api is not None:
        ev = await run(api)
    else:
        async with FakeGeminiApi() as fake:
            ev = await run(fake)
    assert ev.render.state == ReportRenderState.RENDERED, ev.render.error
    return ev


def section_of(ev: Evaluation) -> CodingSection:
    assert ev.report.coding is not None
    return ev.report.coding


async def test_section_numbers_from_the_recorded_rows(sqlite_store: InterviewStore) -> None:
    ev = await evaluate(sqlite_store, coding_events())
    section = section_of(ev)
    assert len(section.problems) == 1
    p = section.problems[0]
    assert (p.problem_id, p.title, p.difficulty, p.action) == (
        "find-duplicates",
        "Find duplicates",
        Level.BEGINNER,
        "picked",
    )
    assert p.topics == ["hashing", "arrays"]
    assert p.shown_offset_s == 95.0  # the interview starts with the first words at T0
    # final code: the snapshot at 146 s came after the last submit at 142 s
    assert (p.language, p.final_code, p.final_code_from) == ("python", CODE_FINAL, "snapshot")
    assert p.final_code_truncated is False
    # Runs 1/3 at 112 s, 3/3 at 130 s; Submits 8/8 at 138 s, 7/8 at 142 s
    assert p.visible_best == CodingTally(passed=3, total=3, status="ok", offset_s=130.0)
    assert p.visible_final == p.visible_best
    assert p.hidden_best == CodingTally(passed=8, total=8, status="ok", offset_s=138.0)
    assert p.hidden_final == CodingTally(passed=7, total=8, status="ok", offset_s=142.0)
    assert p.first_pass_s == 35.0  # 130 s - 95 s
    assert (p.runs, p.submits) == (2, 2)  # the malformed row at 147 s is not a run
    assert [(h.number, h.of, h.text, h.offset_s) for h in p.hints] == [(1, 3, HINT_1, 118.0)]
    assert [(r.which, r.passed, r.total, r.offset_s, r.since_problem_s) for r in p.timeline] == [
        ("visible", 1, 3, 112.0, 17.0),
        ("visible", 3, 3, 130.0, 35.0),
        ("hidden", 8, 8, 138.0, 43.0),
        ("hidden", 7, 8, 142.0, 47.0),
    ]
    # the candidate's subset: counts only
    note = ev.report.candidate_feedback.coding_note
    assert note == (
        "“Find duplicates”: 7 of 8 hidden tests passed on your final submission (an earlier "
        "one passed 8), after 2 runs and 2 submissions, 1 hint used."
    )
    # stored as it was computed (the contract round-trips through the database)
    stored = await sqlite_store.get(ev.interview_id)
    assert stored is not None and stored.report is not None
    assert stored.report.coding == section


async def test_scoring_prompt_sees_the_coding_facts(sqlite_store: InterviewStore) -> None:
    async with FakeGeminiApi() as api:
        await evaluate(sqlite_store, coding_events(), api=api)
        req = api.requests[0]
    assert "coding_evidence" in req.generation_config["responseJsonSchema"]["properties"]
    assert 'topic "complexity"' in req.system_instruction
    context_line = next(line for line in req.text.splitlines() if line.startswith('{"role"'))
    facts = json.loads(context_line)["coding_problems"]
    assert facts == [
        {
            "problem": "Find duplicates",
            "difficulty": "beginner",
            "how_shown": "picked",
            "language": "python",
            "runs": 2,
            "submits": 2,
            "visible_tests_final": "3/3 (ok)",
            "hidden_tests_best": "8/8 (ok)",
            "hidden_tests_final": "7/8 (ok)",
            "seconds_to_first_all_passing_run": 35.0,
            "hints_used": 1,
            "final_code": CODE_FINAL,
        }
    ]


async def test_model_quotes_are_verified_and_a_fabricated_one_rejected(
    sqlite_store: InterviewStore,
) -> None:
    fabricated = "I would also handle negative numbers and integer overflow"
    ev = await evaluate(
        sqlite_store,
        coding_events(),
        coding_evidence=[
            {"turn": "T8", "quote": "A hash set gives linear time", "topic": "complexity"},
            {"turn": "T8", "quote": fabricated, "topic": "edge_cases"},
            {"turn": "T8", "quote": "can the input be empty", "topic": "a new topic"},
        ],
    )
    section = section_of(ev)
    assert section.evidence_source == "model"
    [accepted] = section.evidence  # the unknown topic was dropped, not failed
    assert (accepted.quote, accepted.topic, accepted.turn) == (
        "A hash set gives linear time",
        "complexity",
        "T8",
    )
    assert accepted.verified and accepted.offset_s == 110.0
    [rejected] = section.rejected_evidence  # both runs gave it: listed once
    assert (rejected.quote, rejected.verified, rejected.reason) == (
        fabricated,
        False,
        "not found in the transcript",
    )
    html = ev.html_path.read_text(encoding="utf-8") if ev.html_path else ""
    assert fabricated in html and "rejected (not found in the candidate's words)" in html
    assert "picked by the scoring model" in html


async def test_rules_pick_quotes_when_the_model_gives_none(sqlite_store: InterviewStore) -> None:
    section = section_of(await evaluate(sqlite_store, coding_events(), coding_evidence=[]))
    assert section.evidence_source == "rules" and section.rejected_evidence == []
    got = [(q.topic, q.quote, q.turn, q.verified) for q in section.evidence]
    assert got == [
        ("complexity", "A hash set gives linear time;", "T8", True),
        ("complexity", "sorting would be n log n but with no extra memory.", "T8", True),
        ("edge_cases", "Before I code it, can the input be empty?", "T8", True),
        ("edge_cases", "Let me test the empty list first.", "T8", True),
    ]


async def test_problems_are_listed_in_the_order_shown(sqlite_store: InterviewStore) -> None:
    """Picked a hard one, moved easier, then harder: each keeps its own runs."""
    hard = problem_view("merge-intervals", "Merge intervals", "advanced", ("sorting",))
    easy = problem_view()
    harder = problem_view("group-anagrams", "Group anagrams", "intermediate", ("hashing",))
    cpp = "#include <vector>\nint f() { return 0 }\n"
    events = [
        shown(95, hard),
        code_run(
            105,
            cpp,
            passed=0,
            total=3,
            status="compile_error",
            language="cpp",
            problem_id="merge-intervals",
        ),
        shown(110, easy, "easier", "merge-intervals"),
        code_snapshot(115, CODE_V1),
        code_run(120, CODE_V1, passed=2, total=3),
        code_run(125, CODE_V2, which="hidden", passed=8, total=8),
        shown(140, harder, "harder", "find-duplicates"),
    ]
    ev = await evaluate(sqlite_store, events)
    first, second, third = section_of(ev).problems
    assert [p.action for p in (first, second, third)] == ["picked", "easier", "harder"]
    assert [p.problem_id for p in (first, second, third)] == [
        "merge-intervals",
        "find-duplicates",
        "group-anagrams",
    ]
    assert (first.runs, first.submits, first.first_pass_s) == (1, 0, None)
    assert first.visible_final == CodingTally(
        passed=0, total=3, status="compile_error", offset_s=105.0
    )
    assert (first.language, first.final_code, first.final_code_from) == ("cpp", cpp, "run")
    assert (second.runs, second.submits, second.first_pass_s) == (1, 1, 15.0)
    assert second.visible_best == CodingTally(passed=2, total=3, status="ok", offset_s=120.0)
    assert second.hidden_final == CodingTally(passed=8, total=8, status="ok", offset_s=125.0)
    assert (second.final_code, second.final_code_from) == (CODE_V2, "run")
    assert (third.runs, third.submits, third.final_code, third.language) == (0, 0, None, None)
    assert third.timeline == [] and third.hints == []
    assert ev.report.candidate_feedback.coding_note == (
        "3 problems were shown; on “Find duplicates”: all 8 hidden tests passed on your final "
        "submission, after 1 run and 1 submission, no hints used."
    )
    html = ev.html_path.read_text(encoding="utf-8") if ev.html_path else ""
    order = [
        html.index(f"{n}. {t}</h3>")
        for n, t in enumerate(("Merge intervals", "Find duplicates", "Group anagrams"), start=1)
    ]
    assert order == sorted(order)
    assert "No code was typed or run for this problem." in html
    assert "moved to an easier one" in html and "moved to a harder one" in html


async def test_no_problem_shown_means_no_coding_section(sqlite_store: InterviewStore) -> None:
    async with FakeGeminiApi() as api:
        ev = await evaluate(sqlite_store, [], api=api)
        context = next(line for line in api.requests[0].text.splitlines() if '"role"' in line)
    assert ev.report.coding is None
    assert ev.report.candidate_feedback.coding_note is None
    assert json.loads(context)["coding_problems"] == []
    html = ev.html_path.read_text(encoding="utf-8") if ev.html_path else ""
    assert "<h2>Coding</h2>" not in html and 'class="code"' not in html
    # snapshots typed before any problem was shown do not make a section either
    record = await write_interview(
        sqlite_store, events=[code_snapshot(100, "x = 1", problem_id=None)]
    )
    assert coding_section(record) is None and coding_note(None) is None


HOSTILE = (
    "</code></pre></script><script>alert(1)</script>\n"
    "<img src=x onerror=alert(1)><iframe src=https://evil.example></iframe>\n"
    "s = '{{ constructor.constructor(\"alert(1)\")() }}'  # ${7*7} &amp; <!-- -->\n"
    '"""unterminated\n'
)


_TAGS = (
    "html head meta title style body main header h1 h2 h3 div span p b i ul ol li blockquote "
    "details summary section footer svg line text rect circle polygon table thead tbody tr td "
    "th pre code"
)
ALLOWED_TAGS = frozenset(_TAGS.split())


class _Page(HTMLParser):
    """Collects every tag and the text inside <pre class="code">."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attrs: set[str] = set()
        self.code_blocks: list[str] = []
        self._in_code = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attrs.update(name for name, _ in attrs)
        if tag == "pre" and ("class", "code") in attrs:
            self._in_code = 1
            self.code_blocks.append("")
        elif self._in_code:
            self._in_code += 1

    def handle_endtag(self, tag: str) -> None:
        if self._in_code and tag == "pre":
            self._in_code = 0

    def handle_data(self, data: str) -> None:
        if self._in_code:
            self.code_blocks[-1] += data


async def test_hostile_code_and_titles_render_inert(sqlite_store: InterviewStore) -> None:
    view = problem_view(title="<b>Bold</b> {{title}}")
    events = [
        shown(95, view),
        code_run(120, HOSTILE, passed=1, total=3),
        code_snapshot(130, HOSTILE, language="javascript"),
    ]
    ev = await evaluate(sqlite_store, events)
    assert ev.html_path is not None
    html = ev.html_path.read_text(encoding="utf-8")
    record = await sqlite_store.get(ev.interview_id)
    assert record is not None and render_report_html(ev.report, record) == html

    assert "<script" not in html.lower() and "<iframe" not in html.lower()
    page = _Page()
    page.feed(html)
    assert page.tags <= ALLOWED_TAGS
    assert not {a for a in page.attrs if a.startswith("on")} and "src" not in page.attrs
    # the code reads exactly as it was typed, template braces and all
    assert page.code_blocks == [HOSTILE]
    assert "{{ constructor.constructor" in unescape(html)
    assert "&lt;b&gt;Bold&lt;/b&gt; {{title}}" in html
    assert "Content-Security-Policy" in html and "default-src 'none'" in html


@pytest.mark.parametrize("language", ["python", "javascript", "cpp", "ruby", None])
def test_highlighting_keeps_the_text_and_escapes_every_token(language: str | None) -> None:
    code = (
        "#include <map>\nconst s = `a${b}</script>`; // <i>\n/* <b> unterminated\n"
        "def f(x): return 'it''s' + \"<\" + 0x1F # &amp;\nint n = 1e9; char c = '\\'';\n"
        "'''never closed <script>"
    )
    out = highlight(code, language)
    assert unescape(re.sub(r"</?span[^>]*>", "", out)) == code
    assert "<" not in re.sub(r'<span class="hl-[kscnp]">|</span>', "", out)
    if language in ("python", "javascript", "cpp"):
        assert '<span class="hl-k">' in out and '<span class="hl-c">' in out
    else:
        assert "<span" not in out


def test_section_html_is_empty_without_problems() -> None:
    assert coding_html(None) == ""
    assert coding_html(CodingSection(problems=[])) == ""


@pytest.mark.browser
async def test_coding_section_paints_in_headless_chromium(
    sqlite_store: InterviewStore, tmp_path: Path
) -> None:
    assert shutil.which(CHROMIUM), "Debian chromium is required (.ci/install-system-deps.sh)"
    ev = await evaluate(sqlite_store, coding_events())
    assert ev.html_path is not None and ev.report.coding is not None
    # the coding section alone, with the report's own stylesheet, so the screenshot shows it
    html = ev.html_path.read_text(encoding="utf-8")
    head = html[: html.index("<body>")]
    section = coding_html(ev.report.coding, note=ev.report.candidate_feedback.coding_note)
    page = tmp_path / "coding.html"
    page.write_text(f"{head}<body><main>{section}</main></body></html>", encoding="utf-8")
    ARTIFACTS.mkdir(exist_ok=True)
    png = ARTIFACTS / "evals_report_coding.png"
    png.unlink(missing_ok=True)
    proc = await asyncio.create_subprocess_exec(
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--hide-scrollbars",
        "--window-size=1100,1600",
        f"--screenshot={png}",
        page.as_uri(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode == 0, err.decode(errors="replace")[-2000:]
    with Image.open(png) as img:
        counts = {c: n for n, c in img.convert("RGB").getcolors(maxcolors=1 << 20) or []}
    code_bg = (0x0F, 0x17, 0x2A)  # pre.code background
    passed_bar = (0x16, 0xA3, 0x4A)  # the green part of the run meters
    assert counts.get(code_bg, 0) > 20_000, "the code block did not paint"
    assert counts.get(passed_bar, 0) > 100, "the run meters did not paint"
    assert T0  # offsets in the page count from the interview's start


async def test_the_rows_the_real_workspace_writes_make_the_section(coding: Coding) -> None:
    """The agent's own CodingWorkspace (text mode, real sandbox) writes the rows; the section
    must read them as they really are, not as `fake_interview` imagines them."""
    c = coding
    problem = await c.enter_coding()
    r = await c.say("I'm stuck.", tc("give_hint"), Turn(text="Think about it this way."))
    r.expect.next_event().is_function_call(name="give_hint")
    failing = await c.call(METHOD_RUN, {"code": problem.starter.python, "language": "python"})
    await c.call(METHOD_RUN, {"code": problem.reference.python, "language": "python"})
    await c.call(METHOD_SUBMIT, {"code": problem.reference.javascript, "language": "javascript"})
    await c.workspace.flush_notes()
    record = await c.h.record()

    section = coding_section(record)
    assert section is not None
    [p] = section.problems
    assert (p.problem_id, p.title, p.difficulty) == (
        problem.id,
        problem.title,
        Level(problem.difficulty.value),
    )
    assert (p.action, p.runs, p.submits) == ("picked", 2, 1)
    assert (p.language, p.final_code, p.final_code_from) == (
        "javascript",
        problem.reference.javascript,
        "run",
    )
    assert p.visible_best is not None and p.visible_best.passed == len(problem.visible_tests)
    assert p.visible_final == p.visible_best
    hidden = len(problem.hidden_tests)
    assert p.hidden_final is not None and (p.hidden_final.passed, p.hidden_final.total) == (
        hidden,
        hidden,
    )
    assert [(h.number, h.of, h.text) for h in p.hints] == [
        (1, len(problem.hints), problem.hints[0])
    ]
    shown_at = record.events_of(EventKind.PROBLEM)[0].at
    second_run_at = record.events_of(EventKind.CODE_RUN)[1].at
    assert p.first_pass_s == round(second_run_at - shown_at, 1)
    assert [r.passed for r in p.timeline] == [
        failing["passed"],
        len(problem.visible_tests),
        hidden,
    ]
    note = coding_note(section)
    assert note == (
        f"“{problem.title}”: all {hidden} hidden tests passed on your final submission, "
        "after 2 runs and 1 submission, 1 hint used."
    )


async def test_an_unscored_report_still_has_its_coding_section(
    sqlite_store: InterviewStore,
) -> None:
    """Too little talk to score: the coding facts are measured, not judged, so they stay."""
    record = await write_interview(sqlite_store, script=SCRIPT[:2], events=coding_events())
    async with FakeGeminiApi() as api:
        scorer = Scorer(
            client=make_client(api_key="k", base_url=api.base_url, timeout_s=5),
            options=ScoringOptions(model="gemini-eval-test"),
        )
        try:
            ev = await evaluate_interview(sqlite_store, record.id, scorer=scorer)
        finally:
            await scorer.aclose()
        assert api.requests == []  # the model was not asked
    assert ev.report.status == ReportStatus.INSUFFICIENT_SIGNAL
    section = section_of(ev)
    assert [(p.runs, p.submits, p.first_pass_s) for p in section.problems] == [(2, 2, 35.0)]
    assert section.evidence == [] and section.evidence_source == "none"  # nothing was said
    assert ev.report.candidate_feedback.coding_note is not None
    assert "7 of 8 hidden tests passed" in ev.report.candidate_feedback.coding_note
    html = ev.html_path.read_text(encoding="utf-8") if ev.html_path else ""
    assert "<h2>Coding</h2>" in html and "not heard discussing complexity" in html
