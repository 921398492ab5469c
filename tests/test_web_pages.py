"""This round's back-end features as the browser shows them (Debian Chromium, headless),
against the real token server (`python -m tokenserver`) serving the built `web/dist`:

- the create form's language and length, offered from `GET /api/interview-options` and sent
  with the form, with the server's 422s shown beside those fields;
- the preparation page while the plan is written (`preparing`), and the device check saying
  honestly that the questions came from the question bank when the planner fell back;
- the candidate's coding note on the feedback page;
- the cost per interview in the recruiters' list, its breakdown and the model failover note
  on the interview page.

The planner's Gemini endpoint is a loopback socket that accepts and never answers (a stalled
provider), so every interview created here is `preparing` for `PLANNER_DEADLINE_S` and then
planned from the bank, as in production when Gemini is slow.

Screenshots go to `test-artifacts/` (`web-pages-*.png`).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from interview_store import (
    CostLine,
    CostSource,
    EventKind,
    InterviewEvent,
    InterviewPlan,
    InterviewStatus,
    InterviewStore,
    PlanSource,
    PriceTable,
    TokenUsage,
)
from tests.web_support import (
    ARTIFACTS,
    TokenServer,
    axe_wcag_aa,
    ensure_web_build,
    make_report,
    run_token_server,
    seed_interview,
    sign_in_recruiter,
    store_call,
)

pytestmark = pytest.mark.browser

PLANNER_DEADLINE_S = 3.0
LIVE_MODEL = "gemini-2.5-flash-native-audio-preview-09-2025"
FALLBACK_MODEL = "gemini-live-2.5-flash"
UNPRICED_MODEL = "acme-voice-1"  # in no price table
AVATAR_MINUTES = 7.5


class StalledProvider:
    """A TCP listener that accepts connections and never answers: Gemini hanging."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def __enter__(self) -> StalledProvider:
        self._listener.settimeout(0.2)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        for conn in self._held:
            conn.close()
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            self._held.append(conn)  # read nothing, answer nothing


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TokenServer]:
    dist = ensure_web_build()
    with (
        StalledProvider() as gemini,
        run_token_server(
            tmp_path_factory.mktemp("web-pages"),
            dist,
            extra_env={
                "GOOGLE_API_KEY": "test-key-not-used-by-google",
                "GEMINI_BASE_URL": gemini.url,
                "PLANNER_DEADLINE_S": str(PLANNER_DEADLINE_S),
            },
        ) as s,
    ):
        yield s


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"web-pages-{name}.png"), full_page=True)


def agree_to_consent(page: Page) -> None:
    expect(page.get_by_role("heading", name="Before you start: what is recorded")).to_be_visible()
    page.get_by_label("I have read this and agree").check()
    page.get_by_role("button", name="Agree and continue").click()


def fill_form(page: Page, role: str) -> None:
    page.goto("/")
    page.get_by_label("Role or topic").fill(role)
    expect(page.locator("#language option")).not_to_have_count(0)


def submit(page: Page) -> None:
    page.get_by_role("button", name="Continue to device check").click()
    agree_to_consent(page)


def format_usd(usd: float) -> str:
    """The page's `formatUsd`, for the expected text."""
    return f"${usd:.4f}" if abs(usd) < 1 else f"${usd:.2f}"


# --- candidate: language, length, preparation -------------------------------------------


def test_form_offers_the_servers_languages_and_lengths_and_sends_the_choice(
    page: Page, server: TokenServer
) -> None:
    options = httpx.get(f"{server.base_url}/api/interview-options").raise_for_status().json()
    fill_form(page, "Marketing for startups")
    # the lists are the server's, not retyped in the page
    codes = page.locator("#language option").evaluate_all("els => els.map(e => e.value)")
    assert codes == [lang["code"] for lang in options["languages"]]
    names = page.locator("#language option").all_inner_texts()
    assert names == [lang["name"] for lang in options["languages"]]
    minutes = page.locator("input[name=duration_minutes]").evaluate_all(
        "els => els.map(e => Number(e.value))"
    )
    assert minutes == options["durations_minutes"] == [15, 30, 45, 60]
    expect(page.locator("#language")).to_have_value(options["default_language"])
    expect(
        page.locator(f"input[name=duration_minutes][value='{options['default_duration_minutes']}']")
    ).to_be_checked()

    page.get_by_label("Interview language").select_option("es")
    page.get_by_label("45 minutes").check()
    page.get_by_label("Interview type").select_option("custom")
    shot(page, "setup-language-length")
    submit(page)

    # the plan is being written (Gemini stalls): progress, then the device check on its own
    page.wait_for_url("**/preparing")
    expect(page.get_by_role("heading", name="Preparing your interview")).to_be_visible()
    progress = page.locator("#prep-progress")
    expect(progress).to_be_visible()
    first = float(progress.get_attribute("value") or 0)
    time.sleep(1.0)
    assert float(progress.get_attribute("value") or 0) > first, "the bar must move"
    shot(page, "preparing")
    session = page.evaluate("JSON.parse(sessionStorage.getItem('interview.session'))")
    assert session["status"] == "preparing"
    record = store_call(server, lambda s: s.get(session["interview_id"]))
    assert record.status == InterviewStatus.PREPARING

    page.wait_for_url("**/check", timeout=(PLANNER_DEADLINE_S + 10) * 1000)
    record = store_call(server, lambda s: s.get(session["interview_id"]))
    assert record.status == InterviewStatus.CREATED
    assert record.plan.language == "es" and record.plan.planned_minutes == 45
    assert record.plan.interview_type == "custom"
    assert record.plan.design is not None and record.plan.design.source == PlanSource.FALLBACK

    # the bank's plan is said as such, not passed off as tailored
    notice = page.locator("#plan-notice")
    expect(notice).to_contain_text("question bank")
    expect(notice).to_contain_text("not tailored")
    shot(page, "device-check-fallback-note")


def test_language_and_length_refused_by_the_server_show_beside_their_fields(
    page: Page, server: TokenServer
) -> None:
    fill_form(page, "Backend engineer")
    # values the page never offers, as a stale page or a tampered form would send them
    page.locator("#language").evaluate(
        "el => { const o = document.createElement('option'); o.value = 'xx'; o.text = 'Klingon';"
        " el.append(o); }"
    )
    page.get_by_label("Interview language").select_option("xx")
    submit(page)
    server_says = httpx.post(
        f"{server.base_url}/api/interviews",
        data={"consent": "true", "role": "Backend engineer", "language": "xx"},
    ).json()
    assert server_says["field"] == "language"
    expect(page.locator("#language-error")).to_have_text(server_says["error"])
    expect(page.locator("#language")).to_have_attribute("aria-invalid", "true")
    # the refused value is not passed off as one of the offered languages
    expect(page.locator("#language option:checked")).to_have_text("Choose a language")
    shot(page, "setup-language-422")

    page.get_by_label("Interview language").select_option("fr")
    expect(page.locator("#language-error")).to_be_hidden()

    # a draft kept from an older page (sessionStorage) with a length no longer offered
    page.evaluate(
        "d => sessionStorage.setItem('setup.draft', JSON.stringify(d))",
        {"role": "Backend engineer", "duration_minutes": 20},
    )
    page.reload()
    expect(page.locator("#language option")).not_to_have_count(0)
    expect(page.locator("input[name=duration_minutes]:checked")).to_have_count(0)
    submit(page)
    server_says = httpx.post(
        f"{server.base_url}/api/interviews",
        data={"consent": "true", "role": "Backend engineer", "duration_minutes": "20"},
    ).json()
    assert server_says["field"] == "duration_minutes"
    expect(page.locator("#duration_minutes-error")).to_have_text(server_says["error"])
    expect(page).to_have_url(server.base_url + "/")


# --- candidate: the coding note -------------------------------------------------------


def open_evaluated_feedback(page: Page, server: TokenServer, *, coding_note: str) -> None:
    """An evaluated interview in the store, and its feedback page opened in this tab as the
    candidate's own (the session holding its participant token)."""

    async def evaluated(store: InterviewStore) -> dict[str, Any]:
        rec = await store.create(InterviewPlan(role="Backend engineer"))
        await store.set_status(rec.id, InterviewStatus.LIVE)
        await store.set_status(rec.id, InterviewStatus.ENDED)
        report = make_report(rec.id, 0.0)
        assert report.candidate_feedback is not None
        feedback = report.candidate_feedback.model_copy(update={"coding_note": coding_note})
        await store.save_report(rec.id, report.model_copy(update={"candidate_feedback": feedback}))
        return {"id": rec.id, "room": rec.room, "identity": rec.candidate_identity}

    made = store_call(server, evaluated)
    page.goto("/")
    page.evaluate(
        "s => sessionStorage.setItem('interview.session', JSON.stringify(s))",
        {
            "interview_id": made["id"],
            "room": made["room"],
            "server_url": server.livekit_url,
            "participant_token": server.mint(room=made["room"], identity=made["identity"]),
            "created_at": 0,
        },
    )
    page.goto(f"/feedback/{made['id']}")
    expect(page.get_by_role("heading", name="Your feedback")).to_be_visible()


def test_feedback_shows_the_coding_note(page: Page, server: TokenServer) -> None:
    note = "You passed 4 of 5 tests on the first problem after 3 runs, with one hint."
    open_evaluated_feedback(page, server, coding_note=note)
    expect(page.get_by_role("heading", name="Your coding")).to_be_visible()
    expect(page.locator("#fb-coding-note")).to_have_text(note)
    shot(page, "feedback-coding-note")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_candidate_pages_pass_axe_wcag_aa(
    browser: Browser, server: TokenServer, scheme: str
) -> None:
    """Preparation, device check and feedback (the form, consent and progress pages are in
    test_web_security and test_web_people; the live room in test_web_room)."""
    context = browser.new_context(base_url=server.base_url, color_scheme=scheme)  # type: ignore[arg-type]
    page = context.new_page()
    page.set_default_timeout(15_000)
    fill_form(page, "Data analyst")
    submit(page)
    page.wait_for_url("**/preparing")
    expect(page.locator("#prep-progress")).to_be_visible()
    problems = {"preparing": axe_wcag_aa(page)}

    page.wait_for_url("**/check", timeout=(PLANNER_DEADLINE_S + 10) * 1000)
    expect(page.locator("#plan-notice")).to_contain_text("question bank")
    expect(page.locator("#mic-select option")).not_to_have_count(0)
    problems["check"] = axe_wcag_aa(page)

    open_evaluated_feedback(page, server, coding_note="Passed 4 of 5 tests.")
    problems["feedback"] = axe_wcag_aa(page)
    context.close()
    assert problems == {"preparing": [], "check": [], "feedback": []}


# --- recruiter: cost and failover -------------------------------------------------------


def test_recruiter_sees_cost_per_interview_breakdown_and_failover(
    page: Page, server: TokenServer
) -> None:
    prices = PriceTable()
    live_primary = prices.line(
        CostSource.LIVE,
        LIVE_MODEL,
        TokenUsage(audio_input=40_000, video_input=25_800, text_input=3_000, audio_output=30_000),
    )
    live_fallback = prices.line(
        CostSource.LIVE, FALLBACK_MODEL, TokenUsage(audio_input=9_000, audio_output=6_000)
    )
    unpriced = prices.line(CostSource.LIVE, UNPRICED_MODEL, TokenUsage(audio_input=1_000))
    scoring = prices.line(
        CostSource.EVALUATION, "gemini-2.5-flash", TokenUsage(text_input=12_000, text_output=2_500)
    )
    # billed per minute at the agent's AVATAR_PRICE_PER_MINUTE_USD (here $0.10)
    avatar = CostLine(
        source=CostSource.AVATAR,
        model="tavus",
        usage=TokenUsage(),
        minutes=AVATAR_MINUTES,
        usd=AVATAR_MINUTES * 0.10,
    )

    async def seed(store: InterviewStore) -> tuple[str, str, float]:
        costly, t0 = await seed_interview(
            store, recording=None, candidate_name="Cora Costed", with_report=False
        )
        await store.save_cost(
            costly,
            CostSource.LIVE,
            [live_primary, live_fallback, unpriced],
            prices_as_of=prices.as_of,
        )
        await store.save_cost(costly, CostSource.AVATAR, [avatar], prices_as_of=prices.as_of)
        saved = await store.save_cost(
            costly, CostSource.EVALUATION, [scoring], prices_as_of=prices.as_of
        )
        await store.append_event(
            costly,
            InterviewEvent(
                kind=EventKind.MODEL_FAILOVER,
                at=t0 + 125.0,
                data={
                    "to": "fallback",
                    "model": FALLBACK_MODEL,
                    "reason": "latency_p95",
                    "p95_ms": 1834.2,
                    "failed_connects": 0,
                    "summary_chars": 640,
                },
            ),
        )
        free, _ = await seed_interview(
            store, recording=None, candidate_name="Nora Nocost", with_report=False
        )
        return costly, free, saved.total_usd

    costly, free, total = store_call(server, seed)
    # the hand-computed total (Google's prices per 1M tokens, MODEL_PRICES defaults)
    by_hand = (
        (40_000 * 3.00 + 25_800 * 3.00 + 3_000 * 0.50 + 30_000 * 12.00)
        + (9_000 * 3.00 + 6_000 * 12.00)
        + (12_000 * 0.30 + 2_500 * 2.50)
    ) / 1_000_000 + AVATAR_MINUTES * 0.10
    assert total == pytest.approx(by_hand, abs=1e-4)

    sign_in_recruiter(page)
    page.goto("/recruiter")
    expect(page.get_by_role("columnheader", name="Cost")).to_be_visible()
    expect(page.locator(f"tr[data-id='{costly}'] td.cost")).to_have_text(format_usd(total))
    expect(page.locator(f"tr[data-id='{free}'] td.cost")).to_have_text("—")
    shot(page, "recruiter-list-cost")

    page.locator(f"tr[data-id='{costly}'] a").click()
    expect(page.get_by_role("heading", name="Cost and model")).to_be_visible()
    expect(page.locator("#cost-total")).to_have_text(format_usd(total))
    rows = page.locator("#cost-lines tbody tr")
    expect(rows).to_have_count(5)
    expect(rows.filter(has_text=LIVE_MODEL)).to_contain_text("Live interview")
    expect(rows.filter(has_text=LIVE_MODEL)).to_contain_text("40,000")
    expect(rows.filter(has_text=LIVE_MODEL)).to_contain_text(format_usd(live_primary.usd or 0))
    expect(rows.filter(has_text="Evaluation")).to_contain_text("gemini-2.5-flash")
    expect(rows.filter(has_text="Evaluation")).to_contain_text(format_usd(scoring.usd or 0))
    expect(rows.filter(has_text=UNPRICED_MODEL)).to_contain_text("not priced")
    expect(page.locator("#cost-unpriced")).to_contain_text(UNPRICED_MODEL)
    expect(rows.filter(has_text="tavus")).to_contain_text("7.5 min")
    expect(rows.filter(has_text="tavus")).to_contain_text(format_usd(AVATAR_MINUTES * 0.10))
    failover = page.locator("#failover-note")
    expect(failover).to_contain_text("model was switched")
    expect(failover).to_contain_text(f"At 2:05: switched to the fallback model {FALLBACK_MODEL}")
    expect(failover).to_contain_text("reply latency above budget, p95 1,834 ms")
    page.locator("#cost-title").scroll_into_view_if_needed()
    shot(page, "recruiter-interview-cost")

    # an interview with no cost yet and no failover says so, and shows no failover note
    page.goto(f"/recruiter/interviews/{free}")
    expect(page.locator("#cost-total")).to_contain_text("No cost recorded yet")
    expect(page.locator("#failover-note")).to_have_count(0)


def test_recruiter_sees_the_plans_language_length_and_source(
    page: Page, server: TokenServer
) -> None:
    created = httpx.post(
        f"{server.base_url}/api/interviews",
        data={
            "consent": "true",
            "role": "Site reliability engineer",
            "language": "de",
            "duration_minutes": "15",
        },
    ).raise_for_status()
    interview_id = created.json()["interview_id"]
    deadline = time.monotonic() + PLANNER_DEADLINE_S + 10
    while (record := store_call(server, lambda s: s.get(interview_id))).plan.design is None:
        assert time.monotonic() < deadline, "the plan was not stored"
        time.sleep(0.2)
    design = record.plan.design
    assert design is not None
    assert design.source == PlanSource.FALLBACK and design.fallback_reason

    sign_in_recruiter(page)
    page.goto(f"/recruiter/interviews/{interview_id}")
    summary = page.locator("#plan-summary")
    expect(summary).to_contain_text("In German (Deutsch) · 15 minutes planned")
    expect(summary).to_contain_text(
        f"{len(design.questions)} planned questions over {len(design.competencies)} competencies"
    )
    expect(page.locator("#plan-source")).to_have_text(
        f"questions from the question bank ({design.fallback_reason})"
    )
    shot(page, "recruiter-plan-summary")
