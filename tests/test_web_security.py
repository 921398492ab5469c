"""Security and accessibility of the web pages in Chromium against the real token server:
stored XSS payloads in every candidate-controlled field (role, name, job description, CV
text, what they said) render as inert text on the recruiter pages and in report.html; the
create form counts characters as the server does (code points) and stops an over-long field
before sending it; axe-core (WCAG 2 A/AA) over the pages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from interview_store import InterviewStore, ParsedCV, TranscriptItem, schema
from tests.web_support import (
    AXE_JS,
    TokenServer,
    axe_wcag_aa,
    ensure_web_build,
    make_report,
    run,
    run_token_server,
    seed_interview,
    sign_in_recruiter,
    store_report,
    with_store,
)

pytestmark = pytest.mark.browser

PAYLOADS = [
    '<img src=x onerror="window.__xss=(window.__xss||0)+1">',
    "<script>window.__xss=(window.__xss||0)+1</script>",
    '"><svg onload="window.__xss=(window.__xss||0)+1">',
    "javascript:window.__xss=1",
]
XSS = " ".join(PAYLOADS)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TokenServer]:
    with run_token_server(tmp_path_factory.mktemp("websec"), ensure_web_build()) as s:
        yield s


def _page(browser: Browser, server: TokenServer, **options: Any) -> Page:
    context = browser.new_context(base_url=server.base_url, **options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("dialog", lambda d: (_ for _ in ()).throw(AssertionError(f"dialog: {d.message}")))
    return page


async def _hostile_interview(store: InterviewStore) -> str:
    interview_id, t0 = await seed_interview(
        store, recording=None, role=f"Role {XSS}", candidate_name=f"Name {XSS}", with_report=False
    )
    record = await store.get(interview_id)
    assert record is not None
    plan = record.plan.model_copy(
        update={"job_description": f"JD {XSS}", "cv": ParsedCV(text=f"CV {XSS}")}
    )
    t = schema.interviews
    async with store.engine.begin() as conn:
        await conn.execute(
            t.update().where(t.c.id == interview_id).values(plan=plan.model_dump(mode="json"))
        )
    await store.append_transcript(
        interview_id,
        TranscriptItem(
            item_id="hostile",
            speaker="candidate",
            text=f"I said {XSS}",
            start_time=t0 + 7.0,
            end_time=t0 + 7.5,
        ),
    )
    await store_report(store, interview_id, make_report(interview_id, t0))
    return interview_id


def test_stored_xss_in_candidate_fields_is_inert_everywhere(
    browser: Browser, server: TokenServer
) -> None:
    interview_id = run(with_store(server, _hostile_interview))
    page = _page(browser, server)
    sign_in_recruiter(page)
    page.goto("/recruiter")
    row = page.locator(f"tr[data-id='{interview_id}']")
    expect(row).to_contain_text(PAYLOADS[0])  # shown as text...
    assert page.evaluate("window.__xss") is None  # ...never run
    assert page.locator("img[src=x], svg[onload]").count() == 0

    page.goto(f"/recruiter/interviews/{interview_id}")
    expect(page.locator("#transcript")).to_contain_text(f"I said {PAYLOADS[0]}")
    expect(page.get_by_role("heading", name="Role")).to_be_visible()
    frame = page.frame_locator("iframe.report-frame")
    expect(frame.locator("body")).to_contain_text("Communication")
    page.wait_for_timeout(500)  # give any injected handler the chance to fire
    assert page.evaluate("window.__xss") is None
    assert page.locator("img[src=x], svg[onload]").count() == 0
    # the report page itself (opened directly through its signed link): text, not markup
    link = page.locator("iframe.report-frame").get_attribute("src")
    assert link and "sig=" in link
    report = _page(browser, server)
    report.goto(link)
    expect(report.locator("body")).to_contain_text(f"Name {PAYLOADS[0]}")
    assert report.locator("img[src=x], svg[onload], script").count() == 0
    assert report.evaluate("window.__xss") is None
    report.context.close()
    page.context.close()


def test_form_counts_code_points_and_stops_overlong_fields(
    browser: Browser, server: TokenServer
) -> None:
    page = _page(browser, server)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if r.method == "POST" else None)
    page.goto("/")
    role = page.locator("[name=role]")
    role.fill("😀" * 150)  # 150 characters, 300 UTF-16 units
    expect(page.locator("#role-hint .counter")).to_have_text("150/200")
    role.fill("😀" * 201)
    expect(page.locator("#role-hint .counter")).to_have_text("201/200")
    page.locator("form button[type=submit]").first.click()
    expect(page.locator("#role-error")).to_contain_text("201 characters; keep it to 200")
    assert not [u for u in requests if u.endswith("/api/interviews")]
    page.context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", ["/", "/recruiter", "/recruiter/interview"])
def test_pages_pass_axe_wcag_aa(
    browser: Browser, server: TokenServer, path: str, scheme: str
) -> None:
    if path == "/recruiter/interview":
        interview_id = run(with_store(server, _hostile_interview))
        path = f"/recruiter/interviews/{interview_id}"
    page = _page(browser, server, color_scheme=scheme)
    if path.startswith("/recruiter"):
        sign_in_recruiter(page)
    page.goto(path)
    page.wait_for_load_state("networkidle")
    problems = axe_wcag_aa(page)
    page.context.close()
    assert not problems, problems


def test_axe_is_installed() -> None:
    assert AXE_JS.is_file(), "npm install in web/ (axe-core is a dev dependency)"
