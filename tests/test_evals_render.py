"""The HTML report: self-contained, escaped, and actually renders in Debian chromium.

The screenshot is kept in test-artifacts/ for a human to look at; the test itself checks
that the page painted the charts (coloured pixels where the score bars and the timeline
are) and that nothing outside the file was requested.
"""

from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path

import pytest
from PIL import Image

from evals import evaluation
from evals.evaluation import Evaluation, evaluate_interview
from evals.render import CANDIDATE, camera_intervals, render_report_html
from evals.scoring import Scorer, ScoringOptions, make_client
from interview_store import InterviewStore, Report, ReportRenderState
from testkit.gemini_api import FakeGeminiApi
from tests.fake_interview import SCRIPT, run_json, write_interview
from tests.tokenserver_harness import client_for, recruiter_headers

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


async def _evaluate(
    store: InterviewStore, script: list | None = None, *, observations: bool = True
) -> Evaluation:
    record = await write_interview(store, script=script, observations=observations)
    async with FakeGeminiApi() as api:
        first = {
            "technical_depth": 3,
            "problem_solving": 4,
            "communication": 2,
            "experience_authenticity": 4,
            "collaboration": 4,
        }
        second = first | {"communication": 4}
        invented = {"collaboration": [("T10", "I mentor five junior engineers every week")]}
        api.queue(run_json(first, quotes=invented), run_json(second, quotes=invented))
        options = ScoringOptions(model="gemini-eval-test", retry_backoff_s=0.01)
        scorer = Scorer(
            client=make_client(api_key="k", base_url=api.base_url, timeout_s=5), options=options
        )
        try:
            return await evaluate_interview(store, record.id, scorer=scorer)
        finally:
            await scorer.aclose()


async def _scored_report(store: InterviewStore, script: list | None = None) -> tuple[Report, str]:
    ev = await _evaluate(store, script)
    assert ev.html_path is not None, ev.render
    return ev.report, ev.html_path.read_text(encoding="utf-8")


async def test_html_is_self_contained_and_escaped(sqlite_store: InterviewStore) -> None:
    hostile = "<script>alert(1)</script><img src=https://evil.example/x.png>"
    script = [*SCRIPT[:11], (194, 8, "candidate", "candidate_questions", hostile), *SCRIPT[12:]]
    report, html = await _scored_report(sqlite_store, script)
    record = await sqlite_store.get(report.interview_id)
    assert record is not None
    # the same page comes out of the renderer for the stored report
    assert render_report_html(report, record).count("<svg") == html.count("<svg") == 4

    assert "<script" not in html.lower()
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    urls = set(re.findall(r"""(?:src|href)\s*=\s*["']?([^"' >]+)""", html))
    assert urls == set()  # no external (or any) resources
    assert re.findall(r"https?://[^\s\"'<]+", html) == ["http://www.w3.org/2000/svg"] * 4
    # candidate text does not appear in the page unless it was quoted as evidence; if it
    # does, it is escaped. The hostile turn was never quoted, so it must be absent.
    assert "evil.example" not in html
    assert "Needs human review" in html and "2 vs 4" in html
    assert "I mentor five junior engineers every week" in html  # shown, struck through
    assert "rejected (not found in the transcript)" in html


@pytest.mark.browser
async def test_report_renders_in_headless_chromium(
    sqlite_store: InterviewStore, tmp_path: Path
) -> None:
    assert shutil.which(CHROMIUM), "Debian chromium is required (.ci/install-system-deps.sh)"
    _, html = await _scored_report(sqlite_store)
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    ARTIFACTS.mkdir(exist_ok=True)
    png = ARTIFACTS / "evals_report.png"
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
        "--window-size=1100,3800",
        f"--screenshot={png}",
        page.as_uri(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode == 0, err.decode(errors="replace")[-2000:]
    assert png.is_file()

    with Image.open(png) as img:
        rgb = img.convert("RGB")
        assert rgb.size == (1100, 3800)
        colours = rgb.getcolors(maxcolors=1 << 20) or []
        counts = {c: n for n, c in colours}
    blue = tuple(int(CANDIDATE[i : i + 2], 16) for i in (1, 3, 5))
    # score bars, radar outline, talk-time and timeline bars are painted in candidate blue
    assert counts.get(blue, 0) > 5_000, "charts did not paint"
    assert len(colours) > 50, "page looks blank"


async def test_interview_without_face_observations_renders(sqlite_store: InterviewStore) -> None:
    """Camera off or face analysis disabled: no vision rows at all. This used to raise in
    `camera_intervals`, leaving an evaluated interview without its page."""
    assert camera_intervals([], 100.0) == []
    ev = await _evaluate(sqlite_store, observations=False)
    assert ev.render.state == ReportRenderState.RENDERED and ev.html_path is not None
    html = ev.html_path.read_text(encoding="utf-8")
    assert "No camera observations were recorded for this interview." in html
    assert html.count("<svg") == 4  # bars, radar, talk time, timeline
    stored = await sqlite_store.get(ev.interview_id)
    assert stored is not None and stored.report_render.state == ReportRenderState.RENDERED
    async with client_for(sqlite_store) as client:
        detail = (
            await client.get(f"/api/interviews/{ev.interview_id}", headers=recruiter_headers())
        ).json()
        assert detail["report_render"] == {"state": "rendered", "error": None}
        page = await client.get(detail["report_html_url"], headers=recruiter_headers())
        assert page.status_code == 200 and "Interview report" in page.text


async def test_a_report_that_fails_to_render_is_visible_as_such(
    sqlite_store: InterviewStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report data is kept, the interview is evaluated, and the recruiter is told the
    page failed (detail body and report.html), instead of meeting a bare 404."""

    def broken(report: Report, record: object) -> str:
        raise ValueError("chart of nothing")

    monkeypatch.setattr(evaluation, "render_report_html", broken)
    ev = await _evaluate(sqlite_store)
    assert ev.html_path is None and ev.render.state == ReportRenderState.FAILED
    assert ev.render.error is not None and "ValueError" in ev.render.error
    assert "chart of nothing" not in ev.render.error  # the message could quote transcript
    assert not (sqlite_store.files_dir(ev.interview_id) / "report.html").exists()
    stored = await sqlite_store.get(ev.interview_id)
    assert stored is not None and stored.report == ev.report
    assert stored.report_render == ev.render
    url = f"/api/interviews/{ev.interview_id}"
    async with client_for(sqlite_store) as client:
        detail = (await client.get(url, headers=recruiter_headers())).json()
        assert detail["status"] == "evaluated"
        assert detail["report_render"]["state"] == "failed"
        assert "ValueError" in detail["report_render"]["error"]
        assert detail["report_html_url"] is None
        as_api = await client.get(f"{url}/report.html", headers=recruiter_headers())
        assert as_api.status_code == 409
        assert as_api.json()["error"].startswith("The report could not be rendered")
        in_iframe = await client.get(
            f"{url}/report.html", headers={**recruiter_headers(), "Accept": "text/html"}
        )
        assert in_iframe.status_code == 409
        assert in_iframe.headers["content-type"].startswith("text/html")
        assert "could not be rendered" in in_iframe.text and "ValueError" in in_iframe.text
        assert "sandbox" in in_iframe.headers["content-security-policy"]
