"""Candidates in a real browser (Debian Chromium, headless) against the real token server
(`python -m tokenserver`) serving the built `web/dist`: the consent screen before the device
check, an invitation with locked fields, the progress page with its charts, feedback that
survives closing the tab, "delete my interview", and an interview that never started; for
recruiters, invitations (made, revoked after a confirmation) and the consent a candidate gave."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, FilePayload, Page, expect

from interview_store import InterviewStatus, InterviewStore, LearningItem
from interview_store.accounts import Role
from interview_store.people import CONSENT_VERSION
from interview_store.people_store import PeopleStore
from testkit.cv_samples import normal_cv_pdf
from tests.fake_interview import stored_report
from tests.people_support import api_key_headers, set_created_at
from tests.web_support import (
    TokenServer,
    axe_wcag_aa,
    ensure_web_build,
    run_token_server,
    sign_in_recruiter,
    store_call,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TokenServer]:
    dist = ensure_web_build()
    with run_token_server(tmp_path_factory.mktemp("web-people"), dist) as s:
        yield s


def recruiter(server: TokenServer) -> dict[str, str]:
    async def make(store: InterviewStore) -> dict[str, str]:
        return await api_key_headers(store, Role.RECRUITER)

    return dict(store_call(server, make))


def test_consent_screen_comes_before_the_device_check(page: Page, server: TokenServer) -> None:
    page.goto("/")
    page.get_by_label("Role or topic").fill("Support engineer")
    page.get_by_role("button", name="Continue to device check").click()

    expect(page.get_by_role("heading", name="Before you start: what is recorded")).to_be_visible()
    items = page.locator(".consent-items li")
    expect(items).to_have_count(5)
    for words in ("audio and video", "transcript", "face is visible", "Google Gemini", "90 days"):
        expect(page.locator(".consent-items")).to_contain_text(words)
    agree = page.get_by_role("button", name="Agree and continue")
    expect(agree).to_be_disabled()  # nothing is sent before the agreement
    assert not page.evaluate("localStorage.getItem('candidate.profile_key')")

    page.get_by_role("button", name="Back").click()  # the form keeps what was typed
    expect(page.get_by_label("Role or topic")).to_have_value("Support engineer")
    page.get_by_role("button", name="Continue to device check").click()
    page.get_by_label("I have read this and agree").check()
    agree.click()
    page.wait_for_url("**/check")

    session = page.evaluate("JSON.parse(sessionStorage.getItem('interview.session'))")
    assert page.evaluate("localStorage.getItem('candidate.profile_key')")

    async def consent(store: InterviewStore) -> Any:
        return await PeopleStore(store.engine).consent(session["interview_id"])

    stored = store_call(server, consent)
    assert stored is not None and stored.choices.recording and stored.choices.ai_processing


def test_invitation_shows_locked_fields_and_takes_a_cv(page: Page, server: TokenServer) -> None:
    headers = recruiter(server)
    template = httpx.post(
        f"{server.base_url}/api/templates",
        headers=headers,
        json={
            "role": "Site reliability engineer",
            "level": "advanced",
            "interview_type": "system_design",
            "duration_minutes": 45,
            "job_description": "On-call, Kubernetes, Terraform.",
            "questions": [{"text": "How do you run a postmortem?", "ideal_answer": "HIDDEN-123"}],
        },
    ).json()
    invitation = httpx.post(
        f"{server.base_url}/api/templates/{template['id']}/invitations",
        headers=headers,
        json={"candidate_name": "Lin Example"},
    ).json()

    page.goto(f"/invite/{invitation['token']}")
    expect(page.get_by_role("heading", name="You are invited to an interview")).to_be_visible()
    role = page.get_by_label("Role")
    expect(role).to_have_value("Site reliability engineer")
    expect(role).to_have_attribute("readonly", "")
    expect(page.get_by_label("Length")).to_have_value("45 minutes")
    expect(page.get_by_label("Job description")).to_have_value("On-call, Kubernetes, Terraform.")
    expect(page.locator("main")).to_contain_text("Welcome, Lin Example")
    expect(page.locator("main")).not_to_contain_text("HIDDEN-123")
    cv: FilePayload = {"name": "cv.pdf", "mimeType": "application/pdf", "buffer": normal_cv_pdf()}
    page.set_input_files("#inv-cv", files=[cv])
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("I have read this and agree").check()
    page.get_by_role("button", name="Agree and continue").click()
    page.wait_for_url("**/check")

    session = page.evaluate("JSON.parse(sessionStorage.getItem('interview.session'))")
    record = store_call(server, lambda s: s.get(session["interview_id"]))
    assert record.plan.role == "Site reliability engineer" and record.plan.planned_minutes == 45
    assert record.plan.candidate_name == "Lin Example" and record.plan.cv is not None
    listed = httpx.get(f"{server.base_url}/api/invitations", headers=headers).json()["items"]
    assert next(i for i in listed if i["id"] == invitation["id"])["status"] == "started"

    page.goto(f"/invite/{invitation['token']}")  # single use
    expect(
        page.get_by_role("heading", name="This invitation can no longer be used")
    ).to_be_visible()


def test_progress_page_feedback_without_the_tab_and_delete(page: Page, server: TokenServer) -> None:
    first = httpx.post(
        f"{server.base_url}/api/interviews", data={"consent": "true", "role": "Data analyst"}
    ).json()
    key = first["profile_key"]
    second = httpx.post(
        f"{server.base_url}/api/interviews",
        data={"consent": "true", "role": "Data analyst"},
        headers={"X-Profile-Key": key},
    ).json()

    async def evaluate(store: InterviewStore) -> None:
        for created, score, wpm in ((first, 2.0, 110.0), (second, 4.0, 140.0)):
            interview_id = created["interview_id"]
            await store.set_status(interview_id, InterviewStatus.ENDED)
            report = stored_report(
                interview_id,
                overall_score=score,
                learning_plan=[LearningItem(topic=f"Plan after {score}", why="pace")],
                improvements=[f"Improve after {score}"],
            )
            report.metrics.words_per_minute = wpm
            report.metrics.talk_ratio = 0.6
            await store.save_report(interview_id, report)

    store_call(server, evaluate)

    # a fresh browser context (no sessionStorage): the progress link carries the key
    page.goto(f"/progress#key={key}")
    expect(page.get_by_role("heading", name="Your progress")).to_be_visible()
    assert "key=" not in page.url  # the key leaves the address bar at once
    expect(page.locator("#progress-interviews tbody tr")).to_have_count(2)
    expect(page.locator("canvas#chart-scores")).to_be_visible()
    expect(page.locator("canvas#chart-pace")).to_be_visible()
    page.locator("#chart-pace").locator("xpath=../..").get_by_text("Values").click()
    expect(page.locator("#chart-pace-table tbody tr")).to_have_count(2)
    expect(page.locator("#chart-pace-table")).to_contain_text("140")
    expect(page.locator("#latest-plan")).to_contain_text("Plan after 4.0")
    expect(page.locator("#latest-plan")).to_contain_text("Improve after 4.0")

    # the feedback of the first interview opens from here, with the profile key only
    page.locator("#progress-interviews tbody tr").first.get_by_role("link", name="Open").click()
    expect(page.get_by_role("heading", name="Your feedback")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('interview.session')") is None
    page.get_by_role("button", name="Delete my interview").click()
    page.get_by_role("button", name="Keep it").click()  # changing one's mind deletes nothing
    assert store_call(server, lambda s: s.get(first["interview_id"])) is not None
    page.get_by_role("button", name="Delete my interview").click()
    page.get_by_role("button", name="Yes, delete it").click()
    expect(page.locator("#deleted-note")).to_be_visible()
    assert store_call(server, lambda s: s.get(first["interview_id"])) is None
    assert store_call(server, lambda s: s.get(second["interview_id"])) is not None


def test_feedback_of_an_interview_that_never_started(page: Page, server: TokenServer) -> None:
    created = httpx.post(
        f"{server.base_url}/api/interviews", data={"consent": "true", "role": "QA"}
    ).json()

    async def age(store: InterviewStore) -> None:
        await set_created_at(store, created["interview_id"], datetime.now(UTC) - timedelta(hours=1))

    store_call(server, age)
    page.goto("/")
    page.evaluate("k => localStorage.setItem('candidate.profile_key', k)", created["profile_key"])
    page.goto(f"/feedback/{created['interview_id']}")
    expect(page.get_by_role("heading", name="This interview never started")).to_be_visible()
    record = store_call(server, lambda s: s.get(created["interview_id"]))
    assert record.status == InterviewStatus.ABANDONED


def test_recruiter_prepares_a_template_and_invites(page: Page, server: TokenServer) -> None:
    sign_in_recruiter(page)
    page.goto("/recruiter/invitations")
    expect(page.get_by_role("heading", name="Invitations", exact=True)).to_be_visible()
    page.get_by_label("Role", exact=True).fill("Data engineer (Spark)")
    page.get_by_label("Interview type").select_option("data_ml")
    page.get_by_role("button", name="Add a question").click()
    page.get_by_label("Question 1").fill("How do you size Spark executors?")
    page.get_by_label("Ideal answer (hidden, for scoring)").fill("HIDDEN-EXECUTORS")
    page.get_by_role("button", name="Save template").click()
    row = page.get_by_role("form", name="Invite to Data engineer (Spark)")
    expect(row).to_contain_text("1 own questions")
    row.get_by_label("Candidate name").fill("Grace Invited")
    row.get_by_role("button", name="Create invitation link").click()
    link = page.locator("#new-invitation-url")
    expect(link).to_contain_text("/invite/")
    url = link.inner_text()
    invitations = page.locator("#invitations tbody")
    expect(invitations.get_by_role("row").filter(has_text="Grace Invited")).to_contain_text("Sent")

    # the candidate opens it: the list says so; the ideal answer never reaches them
    opened = httpx.get(f"{server.base_url}/api/invitations/{url.rsplit('/', 1)[1]}")
    assert opened.status_code == 200 and "HIDDEN-EXECUTORS" not in opened.text
    page.reload()
    expect(invitations.get_by_role("row").filter(has_text="Grace Invited")).to_contain_text(
        "Opened"
    )


def make_invitations(server: TokenServer, *names: str) -> list[dict[str, Any]]:
    headers = recruiter(server)
    template = httpx.post(
        f"{server.base_url}/api/templates", headers=headers, json={"role": "Support lead"}
    ).json()
    return [
        httpx.post(
            f"{server.base_url}/api/templates/{template['id']}/invitations",
            headers=headers,
            json={"candidate_name": name},
        ).json()
        for name in names
    ]


def test_recruiter_revokes_an_invitation_after_confirming(page: Page, server: TokenServer) -> None:
    wrong, keep = make_invitations(server, "Wrong Address", "Keep Me")
    sign_in_recruiter(page)
    page.goto("/recruiter/invitations")
    rows = page.locator("#invitations tbody").get_by_role("row")
    row = rows.filter(has_text="Wrong Address")
    expect(row).to_contain_text("Sent")
    revoke = row.get_by_role("button", name="Revoke the invitation for Wrong Address")

    revoke.click()  # changing one's mind revokes nothing
    dialog = page.get_by_role("dialog", name="Revoke this invitation?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Wrong Address")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    opened = httpx.get(f"{server.base_url}/api/invitations/{wrong['token']}")
    assert opened.status_code == 200  # still usable (and now "opened")

    page.reload()
    revoke.click()
    dialog.get_by_role("button", name="Revoke invitation").click()
    expect(dialog).to_be_hidden()
    expect(row).to_contain_text("Revoked")
    expect(row.get_by_role("button")).to_have_count(0)  # nothing left to revoke
    expect(rows.filter(has_text="Keep Me")).to_contain_text("Sent")
    expect(
        rows.filter(has_text="Keep Me").get_by_role(
            "button", name="Revoke the invitation for Keep Me"
        )
    ).to_be_visible()
    listed = httpx.get(f"{server.base_url}/api/invitations", headers=recruiter(server)).json()
    statuses = {i["id"]: i["status"] for i in listed["items"]}
    assert statuses[wrong["id"]] == "revoked" and statuses[keep["id"]] == "sent"

    # the candidate opening the link is told it was withdrawn, not that it does not exist
    page.goto(f"/invite/{wrong['token']}")
    expect(
        page.get_by_role("heading", name="This invitation can no longer be used")
    ).to_be_visible()
    expect(page.locator("main")).to_contain_text("withdrawn by the recruiter")
    expect(page.locator("main")).not_to_contain_text("not found")


def test_recruiter_sees_the_consent_the_candidate_gave(page: Page, server: TokenServer) -> None:
    created = httpx.post(
        f"{server.base_url}/api/interviews", data={"consent": "true", "role": "Consent check"}
    ).json()
    sign_in_recruiter(page)
    page.goto(f"/recruiter/interviews/{created['interview_id']}")
    consent = page.locator("#consent")
    expect(consent).to_contain_text("Consent: recording, camera analysis and AI processing, agreed")
    expect(consent).to_contain_text(f"(notice {CONSENT_VERSION})")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("which", ["consent", "invite", "progress", "recruiter", "revoke"])
def test_people_pages_pass_axe_wcag_aa(
    browser: Browser, server: TokenServer, which: str, scheme: str
) -> None:
    context = browser.new_context(base_url=server.base_url, color_scheme=scheme)  # type: ignore[arg-type]
    page = context.new_page()
    page.set_default_timeout(15_000)
    if which == "consent":
        page.goto("/")
        page.get_by_label("Role or topic").fill("Analyst")
        page.get_by_role("button", name="Continue to device check").click()
        expect(
            page.get_by_role("heading", name="Before you start: what is recorded")
        ).to_be_visible()
    elif which == "invite":
        headers = recruiter(server)
        template = httpx.post(
            f"{server.base_url}/api/templates", headers=headers, json={"role": "Analyst"}
        ).json()
        token = httpx.post(
            f"{server.base_url}/api/templates/{template['id']}/invitations",
            headers=headers,
            json={},
        ).json()["token"]
        page.goto(f"/invite/{token}")
        expect(page.get_by_role("heading", name="You are invited to an interview")).to_be_visible()
    elif which == "progress":
        created = httpx.post(
            f"{server.base_url}/api/interviews", data={"consent": "true", "role": "Analyst"}
        ).json()

        async def evaluate(store: InterviewStore) -> None:
            await store.set_status(created["interview_id"], InterviewStatus.ENDED)
            await store.save_report(created["interview_id"], stored_report(created["interview_id"]))

        store_call(server, evaluate)
        page.goto(f"/progress#key={created['profile_key']}")
        expect(page.locator("canvas#chart-scores")).to_be_visible()
    elif which == "recruiter":
        sign_in_recruiter(page)
        page.goto("/recruiter/invitations")
        expect(page.get_by_role("heading", name="Templates")).to_be_visible()
    else:  # a revoked badge in the list, and the confirmation open
        gone = make_invitations(server, f"Gone {scheme}", f"Pending {scheme}")[0]
        r = httpx.post(
            f"{server.base_url}/api/invitations/{gone['id']}/revoke", headers=recruiter(server)
        )
        assert r.status_code == 200, r.text
        sign_in_recruiter(page)
        page.goto("/recruiter/invitations")
        rows = page.locator("#invitations tbody").get_by_role("row")
        expect(rows.filter(has_text=f"Gone {scheme}")).to_contain_text("Revoked")
        rows.filter(has_text=f"Pending {scheme}").get_by_role("button", name="Revoke").click()
        expect(page.get_by_role("dialog", name="Revoke this invitation?")).to_be_visible()
    page.wait_for_load_state("networkidle")
    problems = axe_wcag_aa(page)
    context.close()
    assert not problems, problems
