"""The web client and the recruiter dashboard in a real browser (Debian Chromium, headless),
against the real token server (`python -m tokenserver`) serving the built `web/dist`.

Screenshots go to `test-artifacts/` (uploaded by CI as artefacts).
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from livekit import api
from playwright.sync_api import FilePayload, Page, expect

from interview_store import (
    InterviewPlan,
    InterviewStatus,
    InterviewStore,
    ReportRender,
    ReportRenderState,
)
from testkit.cv_samples import corrupt_cv_pdf, normal_cv_pdf
from tests.tokenserver_harness import planned
from tests.web_support import (
    API_KEY,
    API_SECRET,
    ARTIFACTS,
    RECRUITER_EMAIL,
    RECRUITER_PASSWORD,
    RECRUITER_TOKEN,
    TokenServer,
    ensure_web_build,
    make_recording,
    make_report,
    run_token_server,
    seed_interview,
    sign_in_recruiter,
    speech_wav,
    store_call,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TokenServer]:
    dist = ensure_web_build()
    with run_token_server(tmp_path_factory.mktemp("web"), dist) as s:
        yield s


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("media")
    speech = speech_wav(
        folder / "speech.wav", "Welcome! Tell me about your last project. How did you choose?"
    )
    path = folder / "interview.webm"
    make_recording(path, seconds=8.0, speech=speech)
    return path


def wait_for(page: Page, expression: str, arg: Any = None, *, timeout_s: float = 15) -> None:
    """Poll a JavaScript expression until it is truthy. Not `page.wait_for_function`: its
    polling evaluates the expression with `eval` inside the page, which the app's
    Content-Security-Policy (`script-src 'self'`) rightly refuses."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout_s} s: {expression}")
        time.sleep(0.05)


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"web-{name}.png"), full_page=True)


def agree_to_consent(page: Page) -> None:
    """The consent notice between the form and the device check (tests/test_web_people.py
    checks what it says)."""
    expect(page.get_by_role("heading", name="Before you start: what is recorded")).to_be_visible()
    page.get_by_label("I have read this and agree").check()
    page.get_by_role("button", name="Agree and continue").click()


def interview_count(server: TokenServer) -> int:
    async def count(store: InterviewStore) -> int:
        return (await store.list(limit=1))[1]

    return int(store_call(server, count))


# --- candidate ----------------------------------------------------------------------------


def test_setup_shows_validation_messages_beside_the_fields(page: Page, server: TokenServer) -> None:
    before = interview_count(server)
    page.goto("/")
    expect(page.get_by_role("heading", name="Practise an interview")).to_be_visible()
    submit = page.get_by_role("button", name="Continue to device check")

    submit.click()  # nothing filled in: caught before any upload
    expect(page.locator("#role-error")).to_contain_text("role or topic")

    # the token server's own rules, shown beside the field they name
    page.get_by_label("Role or topic").fill("x" * 250)
    submit.click()
    # the browser may catch the length itself (the limits come from the OpenAPI document);
    # otherwise the form goes on to the consent step and the server's 422 comes back
    consent = page.get_by_role("heading", name="Before you start: what is recorded")
    expect(page.locator("#role-error").or_(consent)).to_be_visible()
    if consent.is_visible():
        agree_to_consent(page)
    expect(page.locator("#role-error")).to_contain_text("250 characters")
    expect(page.locator("#role")).to_have_attribute("aria-invalid", "true")

    page.get_by_label("Role or topic").fill("Backend engineer")
    expect(page.locator("#role-error")).to_be_hidden()
    corrupt: FilePayload = {
        "name": "cv.pdf",
        "mimeType": "application/pdf",
        "buffer": corrupt_cv_pdf(),
    }
    page.set_input_files("#cv", files=[corrupt])
    expect(page.locator(".drop-file")).to_contain_text("cv.pdf")
    submit.click()
    agree_to_consent(page)
    server_says = httpx.post(
        f"{server.base_url}/api/interviews",
        data={"consent": "true", "role": "Backend engineer"},
        files={"cv": ("cv.pdf", corrupt_cv_pdf(), "application/pdf")},
    ).json()
    assert server_says["field"] == "cv"
    expect(page.locator("#cv-error")).to_have_text(server_says["error"])
    expect(page.locator("#cv-drop")).to_have_class(re.compile("invalid"))
    shot(page, "setup-validation")

    # a file type the server would refuse is caught before uploading
    text_file: FilePayload = {"name": "cv.txt", "mimeType": "text/plain", "buffer": b"hello"}
    page.set_input_files("#cv", files=[text_file])
    expect(page.locator("#cv-error")).to_contain_text("PDF or a Word")
    assert interview_count(server) == before, "a rejected form must not create an interview"


def test_cv_drop_token_request_device_check_and_unreachable_livekit(
    page: Page, server: TokenServer
) -> None:
    page.goto("/")
    page.get_by_label("Role or topic").fill("Backend engineer (Python)")
    page.locator("input[name=level][value=advanced]").check()
    page.get_by_label("Interview type").select_option("coding")
    page.get_by_label("Job description").fill("We need Python, PostgreSQL and Kubernetes.")
    page.get_by_label("Your name").fill("Ada Example")

    # drag and drop a real PDF onto the drop zone
    page.evaluate(
        """([b64, name]) => {
            const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
            const dt = new DataTransfer();
            dt.items.add(new File([bytes], name, {type: 'application/pdf'}));
            const zone = document.getElementById('cv-drop');
            for (const type of ['dragenter', 'dragover', 'drop'])
              zone.dispatchEvent(
                new DragEvent(type, {dataTransfer: dt, bubbles: true, cancelable: true}));
        }""",
        [base64.b64encode(normal_cv_pdf()).decode(), "my-cv.pdf"],
    )
    expect(page.locator(".drop-file")).to_contain_text("my-cv.pdf")
    shot(page, "setup-filled")
    page.get_by_role("button", name="Continue to device check").click()
    agree_to_consent(page)
    page.wait_for_url("**/check")

    session = page.evaluate("JSON.parse(sessionStorage.getItem('interview.session'))")
    assert session["server_url"] == server.livekit_url
    claims = api.TokenVerifier(API_KEY, API_SECRET).verify(session["participant_token"])
    assert claims.video is not None and claims.video.room == session["room"]
    record = store_call(server, lambda s: s.get(session["interview_id"]))
    # not started yet (an interview may still be being planned when the browser moves on)
    assert record is not None and record.status.value in {"preparing", "created"}
    assert record.plan.level == "advanced" and record.plan.interview_type == "coding"
    assert record.plan.cv is not None and "PostgreSQL" in record.plan.cv.text
    assert record.plan.candidate_name == "Ada Example"

    # device check: Chromium's fake camera and microphone
    expect(page.get_by_role("heading", name="Check your camera and microphone")).to_be_visible()
    wait_for(page, "(document.querySelector('video.preview')?.videoWidth ?? 0) > 0")
    wait_for(
        page, "Number(document.querySelector('[role=meter]').getAttribute('aria-valuenow')) > 0"
    )
    expect(page.locator("#mic-select option")).not_to_have_count(0)
    shot(page, "device-check")
    # another microphone: remembered for the room (LiveKit's persistent user choices)
    other_mic = page.locator("#mic-select option").nth(1).get_attribute("value")
    assert other_mic
    page.select_option("#mic-select", other_mic)
    wait_for(
        page,
        "id => JSON.parse(localStorage.getItem('lk-user-choices') || '{}').audioDeviceId === id",
        arg=other_mic,
    )
    expect(page.locator("#mic-select")).to_have_value(other_mic)
    # audio only: the preview goes, the join button stays
    page.get_by_label("Use my camera").uncheck()
    expect(page.get_by_text("Camera off")).to_be_visible()
    expect(page.get_by_role("button", name="Join the interview")).to_be_enabled()
    page.get_by_label("Use my camera").check()
    wait_for(page, "(document.querySelector('video.preview')?.videoWidth ?? 0) > 0")

    # the room: LIVEKIT_URL points at a closed loopback port
    page.get_by_role("button", name="Join the interview").click()
    page.wait_for_url("**/room")
    heading = page.get_by_role("heading", name="We could not reach the interview server")
    expect(heading).to_be_visible(timeout=30_000)
    expect(page.get_by_role("alert")).to_contain_text(server.livekit_url)
    shot(page, "room-unreachable")
    page.get_by_role("button", name="Try again").click()
    expect(heading).to_be_visible(timeout=30_000)
    expect(page.get_by_role("link", name="Set up a new interview")).to_be_visible()


def test_room_explains_an_expired_link(page: Page, server: TokenServer) -> None:
    room = "interview-00000000-0000-4000-8000-000000000001"
    token = server.mint(room=room, identity="candidate-x", ttl=timedelta(seconds=-30))
    page.goto("/")
    page.evaluate(
        "s => sessionStorage.setItem('interview.session', JSON.stringify(s))",
        {
            "interview_id": room.removeprefix("interview-"),
            "room": room,
            "server_url": server.livekit_url,
            "participant_token": token,
            "created_at": 0,
        },
    )
    page.goto("/room")
    expect(page.get_by_role("heading", name="Your interview link has expired")).to_be_visible()
    page.get_by_role("link", name="Set up a new interview").click()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.get_by_label("Role or topic")).to_be_visible()


def test_feedback_page_polls_until_the_report_is_ready(page: Page, server: TokenServer) -> None:
    created = httpx.post(
        f"{server.base_url}/api/interviews", data={"consent": "true", "role": "Data analyst"}
    ).raise_for_status()
    session = created.json()
    interview_id = session["interview_id"]

    # another browser (no session, no profile key) gets an explanation, not someone's feedback
    page.goto(f"/feedback/{interview_id}")
    expect(
        page.get_by_role("heading", name=re.compile("only available in the browser you used"))
    ).to_be_visible()

    page.evaluate(
        "s => sessionStorage.setItem('interview.session', JSON.stringify(s))",
        {**session, "created_at": 0},
    )
    page.goto(f"/feedback/{interview_id}")
    expect(page.get_by_role("heading", name="Preparing your feedback")).to_be_visible()

    async def evaluate(store: InterviewStore) -> None:
        await planned(store, interview_id)
        await store.set_status(interview_id, InterviewStatus.LIVE)
        await store.set_status(interview_id, InterviewStatus.ENDED)
        await store.save_report(interview_id, make_report(interview_id, 0.0))

    store_call(server, evaluate)
    expect(page.get_by_role("heading", name="Your feedback")).to_be_visible(timeout=20_000)
    expect(page.get_by_role("heading", name="What went well")).to_be_visible()
    expect(page.locator("#main")).to_contain_text("Backed claims with numbers")
    expect(page.locator("#main")).to_contain_text("Lead with the conclusion")
    expect(page.locator("#main")).to_contain_text("Database indexing")
    expect(page.locator("#main")).to_contain_text("Read Use The Index, Luke")
    # recruiter-only material never reaches the candidate
    expect(page.locator("#main")).not_to_contain_text("3.5")
    expect(page.locator("#main")).not_to_contain_text("Recommendation")
    expect(page.locator("#main")).not_to_contain_text("team of three")  # CV notes: recruiters
    shot(page, "feedback")


# --- recruiter ----------------------------------------------------------------------------


def test_recruiter_sign_in_list_filter_and_search(
    page: Page, server: TokenServer, recording: Path
) -> None:
    evaluated_id, _ = store_call(
        server, lambda s: seed_interview(s, recording=recording, candidate_name="Grace Listed")
    )
    waiting = store_call(
        server,
        lambda s: s.create(InterviewPlan(role="Site reliability", candidate_name="Linus Waiting")),
    )

    page.goto("/recruiter")
    expect(page.get_by_role("heading", name="Recruiter sign-in")).to_be_visible()
    page.get_by_label("Email").fill(RECRUITER_EMAIL)
    page.get_by_label("Password").fill("not-the-right-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#signin-error")).to_contain_text("Wrong email or password")
    page.get_by_label("Password").fill(RECRUITER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Interviews")).to_be_visible()

    row = page.locator(f"tr[data-id='{evaluated_id}']")
    expect(row).to_contain_text("Grace Listed")
    expect(row).to_contain_text("Backend engineer")
    expect(row).to_contain_text("Evaluated")
    expect(row).to_contain_text("3.5")
    expect(row).to_contain_text("Score disagreement")
    expect(row).to_contain_text("Unsupported evidence")
    expect(page.locator(f"tr[data-id='{waiting.id}']")).to_contain_text("Created")
    shot(page, "recruiter-list")

    page.get_by_label("Filter by status").select_option("evaluated")
    expect(page.locator(f"tr[data-id='{waiting.id}']")).to_have_count(0)
    expect(row).to_be_visible()
    page.get_by_label("Filter by status").select_option("")
    page.get_by_label("Search interviews").fill("reliab")
    expect(page.locator(f"tr[data-id='{waiting.id}']")).to_be_visible()
    expect(row).to_have_count(0)
    page.get_by_label("Search interviews").fill("")
    page.get_by_label("Flagged only").check()
    expect(page.locator(f"tr[data-id='{waiting.id}']")).to_have_count(0)
    expect(row).to_be_visible()

    # the credential survives a reload (sessionStorage) and opens an interview
    page.reload()
    row.get_by_role("link").click()
    page.wait_for_url(f"**/recruiter/interviews/{evaluated_id}")
    expect(page.get_by_role("heading", name=re.compile("Grace Listed"))).to_be_visible()


def test_recruiter_interview_recording_transcript_timeline_report(
    page: Page, server: TokenServer, recording: Path
) -> None:
    interview_id, _ = store_call(server, lambda s: seed_interview(s, recording=recording))
    media_statuses: list[tuple[int, str | None]] = []
    page.on(
        "response",
        lambda r: (
            media_statuses.append((r.status, r.request.headers.get("range")))
            if "/recording" in r.url
            else None
        ),
    )
    sign_in_recruiter(page)
    page.goto(f"/recruiter/interviews/{interview_id}")
    expect(page.get_by_role("heading", name=re.compile("Ada Example"))).to_be_visible()
    expect(page.locator("#overall-score")).to_have_text("3.5")

    # the recording loads through the token server and is playable
    wait_for(page, "document.getElementById('player').readyState >= 1")
    duration = page.evaluate("document.getElementById('player').duration")
    assert 7.5 < duration < 8.5
    assert any(status == 206 for status, _ in media_statuses), media_statuses

    # transcript beside it: a click seeks to that line and plays
    lines = page.locator("#transcript .line")
    expect(lines).to_have_count(4)
    lines.nth(2).click()
    wait_for(page, "document.getElementById('player').currentTime > 4.7")
    t = page.evaluate("document.getElementById('player').currentTime")
    assert 4.6 <= t < 6.5
    expect(lines.nth(2)).to_have_class(re.compile("current"))
    page.evaluate("document.getElementById('player').pause()")

    # phases and observations on the timeline; clicking a phase seeks too
    segments = page.locator("#phase-lane .segment")
    expect(segments).to_have_count(3)
    expect(segments.nth(1)).to_contain_text("Technical")
    expect(page.locator("#observation-lane .marker")).to_have_count(2)
    segments.nth(0).click()
    wait_for(page, "document.getElementById('player').currentTime < 1.5")

    # the transcript marks the lines the report quotes as evidence; a tag seeks to the quote
    tag = page.locator("#transcript [data-dimension=technical_depth].seek")
    expect(tag).to_have_count(1)
    expect(tag).to_contain_text("Technical depth")
    expect(lines.nth(1).locator("xpath=..")).to_contain_text("Evidence: Communication")
    page.evaluate("document.getElementById('player').currentTime = 0")
    tag.click()
    wait_for(page, "document.getElementById('player').currentTime > 2.6")
    page.evaluate("document.getElementById('player').pause()")
    t = page.evaluate("document.getElementById('player').currentTime")
    assert 2.6 <= t < 4.5
    expect(page.locator(".recommendation")).to_have_text("Yes")

    # the report is evals' own report.html (one template), embedded without scripts
    iframe = page.locator("iframe.report-frame")
    expect(iframe).to_have_attribute("sandbox", "")
    frame = page.frame_locator("iframe.report-frame")
    report = frame.locator("body")
    expect(report).to_contain_text("Needs human review")
    expect(report).to_contain_text("Communication")
    expect(report).to_contain_text("Experience authenticity")
    expect(report).to_contain_text("Database indexing")
    expect(report).to_contain_text("team of three")
    expect(frame.locator("svg").first).to_be_visible()
    shot(page, "recruiter-interview")

    # range streaming, as the browser relies on it for seeking
    r = httpx.get(
        f"{server.base_url}/api/interviews/{interview_id}/recording",
        headers={"Authorization": f"Bearer {RECRUITER_TOKEN}", "Range": "bytes=100-199"},
    )
    assert r.status_code == 206 and len(r.content) == 100


def test_recruiter_page_says_when_the_report_is_missing_or_failed_to_render(
    page: Page, server: TokenServer
) -> None:
    failed_id, _ = store_call(server, lambda s: seed_interview(s, recording=None))
    store_call(
        server,
        lambda s: s.set_report_render(
            failed_id,
            ReportRender(
                state=ReportRenderState.FAILED, error="the page could not be drawn (ValueError)"
            ),
        ),
    )
    pending_id, _ = store_call(
        server, lambda s: seed_interview(s, recording=None, with_report=False)
    )
    sign_in_recruiter(page)

    page.goto(f"/recruiter/interviews/{failed_id}")
    status = page.locator("#report-status")
    expect(status).to_contain_text("could not be drawn (ValueError)")
    expect(status).to_have_attribute("role", "alert")
    expect(page.locator("iframe.report-frame")).to_have_count(0)
    expect(page.locator("#overall-score")).to_have_text("3.5")  # the stored scores still show
    expect(page.locator("#transcript .line")).to_have_count(4)
    shot(page, "recruiter-report-failed")

    page.goto(f"/recruiter/interviews/{pending_id}")
    expect(page.locator("#report-status")).to_contain_text("evaluation is in progress")
    expect(page.locator("iframe.report-frame")).to_have_count(0)
    expect(page.locator("#phase-lane .segment")).to_have_count(3)


def test_recruiter_deletes_an_interview_after_confirmation(
    page: Page, server: TokenServer, recording: Path
) -> None:
    interview_id, _ = store_call(
        server, lambda s: seed_interview(s, recording=recording, candidate_name="Del Etable")
    )
    sign_in_recruiter(page)
    page.goto(f"/recruiter/interviews/{interview_id}")
    expect(page.get_by_role("heading", name=re.compile("Del Etable"))).to_be_visible()

    page.get_by_role("button", name="Delete interview").click()
    dialog = page.get_by_role("dialog", name="Delete this interview?")
    expect(dialog).to_be_visible()
    shot(page, "recruiter-delete-confirm")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert store_call(server, lambda s: s.get(interview_id)) is not None

    page.get_by_role("button", name="Delete interview").click()
    dialog.get_by_role("button", name="Delete permanently").click()
    page.wait_for_url(re.compile(r"/recruiter$"))
    expect(page.get_by_role("heading", name="Interviews")).to_be_visible()
    expect(page.locator(f"tr[data-id='{interview_id}']")).to_have_count(0)
    assert store_call(server, lambda s: s.get(interview_id)) is None
    files = server.storage_dir / "interviews" / interview_id
    assert not files.exists()
