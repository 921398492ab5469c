"""Account pages in a real browser (Debian Chromium, headless) against the real token server
(`python -m tokenserver`) serving the built `web/dist`: a recruiter's own API keys (the secret
shown once, then listed without it, usable as a Bearer credential, revoked after a
confirmation and refused from then on, 401) and the admins' Users page (a colleague added with the
generated password, who can sign in with it; a role change; deactivation; a password reset
shown once; the audit log paged back without repeats while entries are written); a non-admin
sees no Users link and gets the "only administrators" panel. axe
WCAG 2 AA on both pages, light and dark.

The seeded account (`RECRUITER_EMAIL`, made by `run_token_server` with the operator's CLI) is
an admin; other accounts are made through the admin API, as the page would.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from interview_store import InterviewStore
from interview_store.account_store import AccountStore
from interview_store.accounts import AuditAction
from tests.web_support import (
    RECRUITER_EMAIL,
    RECRUITER_PASSWORD,
    TokenServer,
    axe_wcag_aa,
    ensure_web_build,
    run_token_server,
    store_call,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TokenServer]:
    dist = ensure_web_build()
    with run_token_server(tmp_path_factory.mktemp("web-admin"), dist) as s:
        yield s


@pytest.fixture(scope="module")
def admin(server: TokenServer) -> Iterator[httpx.Client]:
    """The seeded admin signed in like a script would: session cookie plus its CSRF token."""
    with httpx.Client(base_url=server.base_url, timeout=15) as client:
        r = client.post(
            "/api/auth/sign-in", json={"email": RECRUITER_EMAIL, "password": RECRUITER_PASSWORD}
        )
        assert r.status_code == 200, r.text
        client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        yield client


def sign_in(page: Page, email: str, password: str) -> None:
    r = page.request.post("/api/auth/sign-in", data={"email": email, "password": password})
    assert r.ok, r.text()


def add_account(admin: httpx.Client, role: str) -> tuple[str, str]:
    """A new account of `role` through the admin API: its email and generated password."""
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.test"
    r = admin.post("/api/users", json={"email": email, "display_name": role.title(), "role": role})
    assert r.status_code == 201, r.text
    return email, str(r.json()["password"])


def can_sign_in(server: TokenServer, email: str, password: str) -> int:
    r = httpx.post(
        f"{server.base_url}/api/auth/sign-in", json={"email": email, "password": password}
    )
    return r.status_code


def test_api_key_is_shown_once_works_and_is_refused_once_revoked(
    page: Page, server: TokenServer, admin: httpx.Client
) -> None:
    email, password = add_account(admin, "recruiter")  # keys are for every account, not admins
    sign_in(page, email, password)
    page.goto("/recruiter")
    page.get_by_role("link", name="API keys").click()
    expect(page.get_by_role("heading", name="API keys", level=1)).to_be_visible()
    expect(page.locator("#api-keys tbody")).to_contain_text("No API keys yet.")

    page.get_by_label("Name", exact=True).fill("ATS sync")
    page.get_by_role("button", name="Create key").click()
    shown = page.locator("#new-api-key")
    expect(shown).to_contain_text("you will not see it again")
    secret = page.locator("#new-api-key-secret").inner_text().strip()
    assert secret.startswith("mip_"), secret
    page.get_by_role("button", name="Copy key").click()
    expect(page.locator("#toast")).to_have_text("Key copied to the clipboard.")
    assert page.evaluate("navigator.clipboard.readText()") == secret

    row = page.locator("#api-keys tbody").get_by_role("row").filter(has_text="ATS sync")
    expect(row).to_contain_text("Active")
    expect(row).to_contain_text("Never")
    listed = page.request.get("/api/auth/api-keys")
    assert listed.ok and secret not in listed.text() and '"key"' not in listed.text()

    # the key is a Bearer credential for the API, and the list then shows it was used
    bearer = {"Authorization": f"Bearer {secret}"}
    assert httpx.get(f"{server.base_url}/api/interviews", headers=bearer).status_code == 200
    page.reload()
    expect(row).to_contain_text("Active")
    expect(row).not_to_contain_text("Never")
    expect(page.locator("main")).not_to_contain_text(secret)  # gone for good after a reload

    revoke = row.get_by_role("button", name="Revoke the key ATS sync")
    revoke.click()  # changing one's mind revokes nothing
    dialog = page.get_by_role("dialog", name="Revoke this API key?")
    expect(dialog).to_contain_text("ATS sync")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert httpx.get(f"{server.base_url}/api/interviews", headers=bearer).status_code == 200

    revoke.click()
    dialog.get_by_role("button", name="Revoke key").click()
    expect(dialog).to_be_hidden()
    expect(row).to_contain_text("Revoked")
    expect(row.get_by_role("button")).to_have_count(0)
    refused = httpx.get(f"{server.base_url}/api/interviews", headers=bearer)
    # an invalid credential is a 401 `invalid_token` (RFC 6750), not a missing role (403)
    assert refused.status_code == 401 and "revoked" in refused.json()["error"], refused.text


def test_admin_adds_a_colleague_changes_the_role_deactivates_and_resets(
    page: Page, server: TokenServer
) -> None:
    sign_in(page, RECRUITER_EMAIL, RECRUITER_PASSWORD)
    page.goto("/recruiter")
    page.get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", name="Users", level=1)).to_be_visible()
    expect(page.locator("#users")).to_contain_text(f"{RECRUITER_EMAIL} (you)")

    email = f"colleague-{uuid.uuid4().hex[:8]}@example.test"
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Name", exact=True).fill("Ada Colleague")
    page.locator("#user-role").select_option("viewer")
    page.get_by_role("button", name="Add user").click()
    expect(page.locator("#new-password")).to_contain_text(f"Account created for {email}")
    expect(page.locator("#new-password")).to_contain_text("you will not see it again")
    password = page.locator("#new-password-value").inner_text().strip()
    assert len(password) >= 12, password
    row = page.locator("#users tbody").get_by_role("row").filter(has_text=email)
    expect(row).to_contain_text("Ada Colleague")
    expect(row).to_contain_text("Active")
    role = row.get_by_label(f"Role of {email}")
    expect(role).to_have_value("viewer")

    signed = httpx.post(
        f"{server.base_url}/api/auth/sign-in", json={"email": email, "password": password}
    )
    assert signed.status_code == 200, signed.text
    assert signed.json()["user"]["role"] == "viewer"

    role.select_option("recruiter")
    expect(page.locator("#toast")).to_contain_text(f"{email} is now Recruiter")
    users = page.request.get("/api/users").json()["items"]
    assert {u["email"]: u["role"] for u in users}[email] == "recruiter"
    page.reload()
    expect(role).to_have_value("recruiter")

    row.get_by_role("button", name=f"Deactivate {email}").click()
    expect(row).to_contain_text("Deactivated")
    assert can_sign_in(server, email, password) == 401
    row.get_by_role("button", name=f"Reactivate {email}").click()
    expect(row).to_contain_text("Active")

    reset = row.get_by_role("button", name=f"Reset the password of {email}")
    reset.click()
    dialog = page.get_by_role("dialog", name="Reset this password?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert can_sign_in(server, email, password) == 200  # cancelling changed nothing
    reset.click()
    dialog.get_by_role("button", name="Reset password").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#new-password")).to_contain_text(f"New password for {email}")
    fresh = page.locator("#new-password-value").inner_text().strip()
    assert fresh and fresh != password
    assert can_sign_in(server, email, password) == 401
    assert can_sign_in(server, email, fresh) == 200

    # the audit log below lists what was just done
    page.reload()
    audit = page.locator("#audit tbody")
    expect(audit).to_contain_text("user.password_reset")
    expect(audit).to_contain_text("user.created")


def test_non_admin_sees_no_users_link_and_gets_the_panel(
    page: Page, server: TokenServer, admin: httpx.Client
) -> None:
    email, password = add_account(admin, "recruiter")
    sign_in(page, email, password)
    page.goto("/recruiter")
    expect(page.get_by_role("link", name="API keys")).to_be_visible()
    page.wait_for_load_state("networkidle")  # the role is known: the link would be there now
    expect(page.get_by_role("link", name="Users")).to_have_count(0)

    page.goto("/recruiter/users")
    panel = page.locator("#only-admins")
    expect(panel).to_contain_text("Only administrators can manage user accounts")
    expect(page.locator("#users")).to_have_count(0)
    assert page.request.get("/api/users").status == 403
    page.goto("/recruiter/api-keys")  # still signed in: the panel did not end the session
    expect(page.get_by_role("heading", name="API keys", level=1)).to_be_visible()


def test_audit_log_pages_back_without_repeating_what_was_written_meanwhile(
    page: Page, server: TokenServer, admin: httpx.Client
) -> None:
    run_id = uuid.uuid4().hex[:8]

    async def write(store: InterviewStore, targets: list[str]) -> None:
        accounts = AccountStore(store.engine)
        for target in targets:
            await accounts.audit(
                actor=RECRUITER_EMAIL, action=AuditAction.USER_UPDATED, target=target
            )

    store_call(server, lambda s: write(s, [f"{run_id}-{i}" for i in range(45)]))
    total = admin.get("/api/audit", params={"limit": 1}).json()["total"]
    sign_in(page, RECRUITER_EMAIL, RECRUITER_PASSWORD)
    page.goto("/recruiter/users")
    rows = page.locator("#audit tbody tr")
    expect(rows).to_have_count(20)
    expect(page.locator("#audit-title + .hint")).to_contain_text(
        f"{total - 20} older entries not shown yet"
    )
    expect(rows.first).to_contain_text(f"{run_id}-44")

    store_call(server, lambda s: write(s, [f"{run_id}-meanwhile"]))
    older = page.get_by_role("button", name="Show older entries")
    for shown in range(40, total, 20):
        older.click()
        expect(rows).to_have_count(shown)
    older.click()
    expect(rows).to_have_count(total)
    expect(older).to_have_count(0)  # nothing older is left
    mine = [
        t for t in page.locator("#audit tbody td:nth-child(4)").all_inner_texts() if run_id in t
    ]
    assert sorted(mine) == sorted(f"{run_id}-{i}" for i in range(45))  # each once, none skipped

    page.reload()  # the newest entry leads once the page is loaded again
    expect(rows.first).to_contain_text(f"{run_id}-meanwhile")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("which", ["api-keys", "users"])
def test_account_pages_pass_axe_wcag_aa(
    browser: Browser, server: TokenServer, which: str, scheme: str
) -> None:
    context = browser.new_context(base_url=server.base_url, color_scheme=scheme)  # type: ignore[arg-type]
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, RECRUITER_EMAIL, RECRUITER_PASSWORD)
    page.goto(f"/recruiter/{which}")
    if which == "api-keys":  # a key shown once, a listed one, a revoked one, the dialog open
        for name in (f"kept {scheme}", f"gone {scheme}"):
            page.get_by_label("Name", exact=True).fill(name)
            page.get_by_role("button", name="Create key").click()
            expect(page.locator("#api-keys")).to_contain_text(name)
        page.get_by_role("button", name=f"Revoke the key gone {scheme}").click()
        page.get_by_role("button", name="Revoke key").click()
        expect(page.locator("#api-keys")).to_contain_text("Revoked")
        page.get_by_role("button", name=f"Revoke the key kept {scheme}").click()
        expect(page.get_by_role("dialog", name="Revoke this API key?")).to_be_visible()
    else:  # a password shown once, a deactivated account, the audit log, the dialog open
        email = f"axe-{scheme}-{uuid.uuid4().hex[:6]}@example.test"
        page.get_by_label("Email", exact=True).fill(email)
        page.get_by_label("Name", exact=True).fill("Axe Check")
        page.get_by_role("button", name="Add user").click()
        expect(page.locator("#new-password")).to_be_visible()
        page.get_by_role("button", name=f"Deactivate {email}").click()
        expect(page.locator("#users")).to_contain_text("Deactivated")
        page.get_by_role("button", name=f"Reset the password of {email}").click()
        expect(page.get_by_role("dialog", name="Reset this password?")).to_be_visible()
    page.wait_for_load_state("networkidle")
    problems = axe_wcag_aa(page)
    context.close()
    assert not problems, problems
