"""Recruiter accounts over real HTTP on loopback: sign-in and sessions (cookie attributes,
fixation, expiry, sign-out), CSRF, throttling, API keys, the deprecated RECRUITER_TOKEN, the
role matrix over every recruiter and admin endpoint, the audit log, and signed links."""

from __future__ import annotations

import io
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest

from interview_store import InterviewPlan, InterviewStore, Recording, RecordingKind
from interview_store.account_store import AccountStore
from interview_store.accounts import AuditAction, Role
from interview_store.accounts_schema import user_sessions
from tests.tokenserver_harness import (
    API_SECRET,
    PASSWORD,
    RECRUITER_TOKEN,
    add_user,
    client_for,
    csrf_headers,
    recruiter_headers,
    sign_in,
)
from tokenserver.auth import COOKIE_NAME, CSRF_HEADER
from tokenserver.signed_urls import UrlSigner
from tokenserver.users_cli import build_parser
from tokenserver.users_cli import run as run_users

AUDIO = b"OggS" + bytes(range(200))


async def _interview_with_audio(store: InterviewStore) -> str:
    record = await store.create(InterviewPlan(role="SRE", candidate_name="Ada"))
    folder = store.files_dir(record.id)
    folder.mkdir(parents=True)
    (folder / "agent-audio.ogg").write_bytes(AUDIO)
    await store.add_recording(
        record.id,
        Recording(kind=RecordingKind.AGENT_AUDIO, location=str(folder / "agent-audio.ogg")),
    )
    return record.id


@pytest.fixture
async def client(sqlite_store: InterviewStore) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(sqlite_store, recruiter_token=None) as c:
        yield c


async def test_sign_in_sets_a_strict_http_only_session_and_rotates_it(
    sqlite_store: InterviewStore, client: httpx.AsyncClient
) -> None:
    user = await add_user(sqlite_store, "ada@example.com")
    # a planted (fixated) cookie is not adopted: sign-in issues a new id
    client.cookies.set(COOKIE_NAME, "attacker-chosen-session-id", domain="127.0.0.1")
    r = await client.post(
        "/api/auth/sign-in", json={"email": " ADA@example.com ", "password": PASSWORD}
    )
    assert r.status_code == 200, r.text
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=")
    for attribute in ("HttpOnly", "SameSite=strict", "Path=/"):
        assert attribute.lower() in cookie.lower(), cookie
    assert "secure" not in cookie.lower()  # plain http on loopback
    first = client.cookies.get(COOKIE_NAME)
    assert first and first != "attacker-chosen-session-id"
    body = r.json()
    assert body["user"]["email"] == "ada@example.com" and body["user"]["role"] == "recruiter"
    assert "password" not in r.text and "hash" not in r.text
    me = await client.get("/api/auth/me")
    assert me.status_code == 200 and me.json()["user"]["id"] == user.id
    assert me.json()["csrf_token"] == body["csrf_token"]
    assert (await client.get("/api/interviews")).status_code == 200
    # signing in again rotates the id; the old one is dead
    await sign_in(client, "ada@example.com")
    second = client.cookies.get(COOKIE_NAME)
    assert second and second != first
    async with httpx.AsyncClient(base_url=str(client.base_url)) as stale:
        stale.cookies.set(COOKIE_NAME, first)
        assert (await stale.get("/api/interviews")).status_code == 401
    listed = await AccountStore(sqlite_store.engine).list_users()
    assert listed[0].last_login_at is not None


async def test_secure_cookie_behind_https(sqlite_store: InterviewStore) -> None:
    await add_user(sqlite_store, "ada@example.com")
    async with client_for(
        sqlite_store, recruiter_token=None, public_base_url="https://iv.example.com"
    ) as client:
        r = await client.post(
            "/api/auth/sign-in", json={"email": "ada@example.com", "password": PASSWORD}
        )
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("__Host-mip_session=") and "secure" in cookie.lower()


async def test_sign_out_and_expiry_end_the_session(
    sqlite_store: InterviewStore, client: httpx.AsyncClient
) -> None:
    await add_user(sqlite_store, "ada@example.com")
    csrf = await sign_in(client, "ada@example.com")
    refused = await client.post("/api/auth/sign-out")  # without the CSRF header
    assert refused.status_code == 403
    out = await client.post("/api/auth/sign-out", headers=csrf_headers(csrf))
    assert out.status_code == 204
    assert (await client.get("/api/interviews")).status_code == 401
    # idle expiry: a session not seen for longer than SESSION_IDLE_MINUTES is gone
    await sign_in(client, "ada@example.com")
    async with sqlite_store.engine.begin() as conn:
        await conn.execute(
            user_sessions.update().values(last_seen_at=datetime.now(UTC) - timedelta(hours=2))
        )
    assert (await client.get("/api/interviews")).status_code == 401
    # absolute expiry
    await sign_in(client, "ada@example.com")
    async with sqlite_store.engine.begin() as conn:
        await conn.execute(
            user_sessions.update().values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert (await client.get("/api/interviews")).status_code == 401


async def test_csrf_is_required_for_cookie_requests_that_change_state(
    sqlite_store: InterviewStore, client: httpx.AsyncClient
) -> None:
    await add_user(sqlite_store, "ada@example.com")
    interview_id = await _interview_with_audio(sqlite_store)
    csrf = await sign_in(client, "ada@example.com")
    url = f"/api/interviews/{interview_id}"
    # what a cross-site form post can do: the cookie rides along, no custom header
    form = await client.post(
        "/api/auth/api-keys",
        data={"name": "evil"},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert form.status_code == 403 and CSRF_HEADER in form.json()["error"]
    assert (await client.delete(url)).status_code == 403
    wrong = await client.delete(url, headers={CSRF_HEADER: csrf[:-1] + "x"})
    assert wrong.status_code == 403
    assert await sqlite_store.get(interview_id) is not None  # nothing deleted
    ok = await client.delete(url, headers=csrf_headers(csrf))
    assert ok.status_code == 204
    # sign-in itself: JSON only, and a foreign Origin is refused (login CSRF)
    cross = await client.post(
        "/api/auth/sign-in",
        json={"email": "ada@example.com", "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert cross.status_code == 403
    as_form = await client.post(
        "/api/auth/sign-in", data={"email": "ada@example.com", "password": PASSWORD}
    )
    assert as_form.status_code == 415


async def test_sign_in_is_throttled_per_account_and_per_address(
    sqlite_store: InterviewStore,
) -> None:
    await add_user(sqlite_store, "ada@example.com")
    async with client_for(
        sqlite_store,
        recruiter_token=None,
        signin_failures_per_account=3,
        signin_failures_per_address=5,
    ) as client:

        async def attempt(email: str, password: str) -> httpx.Response:
            return await client.post(
                "/api/auth/sign-in", json={"email": email, "password": password}
            )

        for _ in range(3):
            assert (await attempt("ada@example.com", "wrong password!")).status_code == 401
        locked = await attempt("ada@example.com", PASSWORD)  # even the right password
        assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
        # unknown and real accounts answer alike
        unknown = await attempt("nobody@example.com", "wrong password!")
        assert unknown.status_code == 401
        # per address: two more failures on other accounts exhaust this client's budget
        await attempt("eve@example.com", "wrong password!")
        blocked = await attempt("zed@example.com", "wrong password!")
        assert blocked.status_code == 429


async def test_api_keys_are_shown_once_hashed_revocable(
    sqlite_store: InterviewStore, client: httpx.AsyncClient
) -> None:
    await add_user(sqlite_store, "ada@example.com", Role.VIEWER)
    csrf = await sign_in(client, "ada@example.com")
    created = await client.post(
        "/api/auth/api-keys", json={"name": "ATS sync"}, headers=csrf_headers(csrf)
    )
    assert created.status_code == 201, created.text
    key = created.json()["key"]
    key_id = created.json()["id"]
    assert key.startswith(f"mip_{key_id}_")
    listed = (await client.get("/api/auth/api-keys")).json()["items"]
    assert [k["id"] for k in listed] == [key_id] and "key" not in listed[0]
    async with sqlite_store.engine.connect() as conn:
        dump = "\n".join(str(row) for row in (await conn.exec_driver_sql("SELECT * FROM api_keys")))
    assert key.rsplit("_", 1)[1] not in dump  # only a hash is stored
    async with httpx.AsyncClient(base_url=str(client.base_url)) as bot:
        h = {"Authorization": f"Bearer {key}"}
        assert (await bot.get("/api/interviews", headers=h)).status_code == 200
        # a key acts with its owner's role: a viewer's key cannot delete
        some = await _interview_with_audio(sqlite_store)
        assert (await bot.delete(f"/api/interviews/{some}", headers=h)).status_code == 403
        # no CSRF token needed with a bearer key (not sent automatically by browsers)
        tampered = {"Authorization": f"Bearer {key[:-2]}xx"}
        refused = await bot.get("/api/interviews", headers=tampered)
        assert refused.status_code == 401  # RFC 6750: an invalid token, not a missing role
        assert 'error="invalid_token"' in refused.headers["www-authenticate"]
        listed = (await client.get("/api/auth/api-keys")).json()["items"]
        assert listed[0]["last_used_at"] is not None
        revoked = await client.delete(f"/api/auth/api-keys/{key_id}", headers=csrf_headers(csrf))
        assert revoked.status_code == 204
        assert (await bot.get("/api/interviews", headers=h)).status_code == 401


async def test_recruiter_token_still_works_as_deprecated_recruiter(
    sqlite_store: InterviewStore, caplog: pytest.LogCaptureFixture
) -> None:
    interview_id = await _interview_with_audio(sqlite_store)
    async with client_for(sqlite_store) as client:
        h = recruiter_headers()
        assert (await client.get("/api/interviews", headers=h)).status_code == 200
        assert (await client.get("/api/users", headers=h)).status_code == 403  # not admin
        assert (
            await client.delete(f"/api/interviews/{interview_id}", headers=h)
        ).status_code == 204
        # in the URL it is no credential at all
        r = await client.get("/api/interviews", params={"token": RECRUITER_TOKEN})
        assert r.status_code == 401
    deprecations = [r for r in caplog.records if "RECRUITER_TOKEN is deprecated" in r.getMessage()]
    assert len(deprecations) == 1
    assert RECRUITER_TOKEN not in caplog.text


async def test_role_matrix_over_every_endpoint(
    sqlite_store: InterviewStore, client: httpx.AsyncClient
) -> None:
    """viewer reads; recruiter also deletes; admin also manages users and reads the audit."""
    for email, role in (
        ("v@example.com", Role.VIEWER),
        ("r@example.com", Role.RECRUITER),
        ("a@example.com", Role.ADMIN),
    ):
        await add_user(sqlite_store, email, role)
    target = await add_user(sqlite_store, "target@example.com", Role.VIEWER)
    needed = {Role.VIEWER: 0, Role.RECRUITER: 1, Role.ADMIN: 2}

    async def endpoints() -> list[tuple[str, str, dict[str, object] | None, Role]]:
        interview_id = await _interview_with_audio(sqlite_store)
        base = f"/api/interviews/{interview_id}"
        return [
            ("GET", "/api/interviews", None, Role.VIEWER),
            ("GET", base, None, Role.VIEWER),
            ("GET", f"{base}/recording", None, Role.VIEWER),
            ("GET", f"{base}/report.html", None, Role.VIEWER),
            ("GET", "/api/auth/me", None, Role.VIEWER),
            ("GET", "/api/auth/api-keys", None, Role.VIEWER),
            ("POST", "/api/auth/api-keys", {"name": "k"}, Role.VIEWER),
            ("DELETE", base, None, Role.RECRUITER),
            ("GET", "/api/users", None, Role.ADMIN),
            ("POST", "/api/users", {"email": "n@example.com", "display_name": "N"}, Role.ADMIN),
            ("PATCH", f"/api/users/{target.id}", {"role": "viewer"}, Role.ADMIN),
            ("POST", f"/api/users/{target.id}/reset-password", None, Role.ADMIN),
            ("GET", "/api/audit", None, Role.ADMIN),
            # invitations, candidates, exports, outgoing webhooks (the people endpoints)
            ("GET", "/api/templates", None, Role.VIEWER),
            ("GET", "/api/invitations", None, Role.VIEWER),
            ("GET", "/api/candidates", None, Role.VIEWER),
            ("POST", "/api/templates", {"role": "Site reliability engineer"}, Role.RECRUITER),
            ("GET", "/api/exports/reports.json", None, Role.RECRUITER),
            ("GET", "/api/exports/reports.csv", None, Role.RECRUITER),
            ("GET", "/api/exports/link", None, Role.RECRUITER),
            ("GET", "/api/webhooks", None, Role.ADMIN),
            ("GET", "/api/webhooks/deliveries", None, Role.ADMIN),
        ]

    for method, url, body, _ in await endpoints():
        anonymous = await client.request(method, url, json=body)
        assert anonymous.status_code == 401, (method, url)
    for email, role in (
        ("v@example.com", Role.VIEWER),
        ("r@example.com", Role.RECRUITER),
        ("a@example.com", Role.ADMIN),
    ):
        async with httpx.AsyncClient(base_url=str(client.base_url)) as c:
            csrf = await sign_in(c, email)
            for method, url, body, least in await endpoints():
                if method == "POST" and url == "/api/users":
                    body = {**(body or {}), "email": f"n-{role.value}@example.com"}
                r = await c.request(method, url, json=body, headers=csrf_headers(csrf))
                allowed = needed[role] >= needed[least]
                if allowed:
                    # report.html exists only once rendered: 404 is "allowed, not there"
                    assert r.status_code in (200, 201, 204, 404), (role, method, url, r.text)
                    if url.endswith("report.html"):
                        assert r.json()["error"] == "The report has not been rendered yet."
                else:
                    assert r.status_code == 403, (role, method, url, r.text)
                    assert least.value in r.json()["error"]


async def test_admins_manage_users_and_read_the_audit_log(
    sqlite_store: InterviewStore, client: httpx.AsyncClient
) -> None:
    admin = await add_user(sqlite_store, "a@example.com", Role.ADMIN)
    csrf = await sign_in(client, "a@example.com")
    h = csrf_headers(csrf)
    created = await client.post(
        "/api/users", json={"email": "Rita@Example.com", "display_name": "Rita"}, headers=h
    )
    assert created.status_code == 201
    password = created.json()["password"]
    rita = created.json()["user"]
    assert rita["email"] == "rita@example.com" and rita["role"] == "recruiter"
    dup = await client.post(
        "/api/users", json={"email": "rita@example.com", "display_name": "R"}, headers=h
    )
    assert dup.status_code == 409 and dup.json()["field"] == "email"
    # the new account signs in with the generated password and deletes an interview
    interview_id = await _interview_with_audio(sqlite_store)
    async with httpx.AsyncClient(base_url=str(client.base_url)) as rc:
        rcsrf = await sign_in(rc, "rita@example.com", password)
        deleted = await rc.delete(f"/api/interviews/{interview_id}", headers=csrf_headers(rcsrf))
        assert deleted.status_code == 204
        # disabling ends her session at once
        off = await client.patch(f"/api/users/{rita['id']}", json={"disabled": True}, headers=h)
        assert off.status_code == 200 and off.json()["disabled"] is True
        assert (await rc.get("/api/interviews")).status_code == 401
        again = await rc.post(
            "/api/auth/sign-in", json={"email": "rita@example.com", "password": password}
        )
        assert again.status_code == 401
    # the last admin cannot lock the installation out
    last = await client.patch(f"/api/users/{admin.id}", json={"role": "viewer"}, headers=h)
    assert last.status_code == 409
    audit = (await client.get("/api/audit")).json()
    actions = [(e["action"], e["actor"], e["target"]) for e in audit["items"]]
    assert ("interview.deleted", "rita@example.com", f"interview:{interview_id}") in actions
    assert ("user.created", "a@example.com", f"user:{rita['id']}") in actions
    assert ("user.updated", "a@example.com", f"user:{rita['id']}") in actions
    assert audit["total"] == len(audit["items"]) == 3
    assert all(datetime.fromisoformat(e["at"]) for e in audit["items"])


async def test_audit_log_pages_back_from_a_cursor_that_new_entries_do_not_shift(
    sqlite_store: InterviewStore, client: httpx.AsyncClient
) -> None:
    await add_user(sqlite_store, "a@example.com", Role.ADMIN)
    await sign_in(client, "a@example.com")
    accounts = AccountStore(sqlite_store.engine)
    for i in range(7):
        await accounts.audit(actor="a@example.com", action=AuditAction.USER_UPDATED, target=f"t{i}")

    first = (await client.get("/api/audit", params={"limit": 3})).json()
    assert [e["target"] for e in first["items"]] == ["t6", "t5", "t4"]
    assert first["total"] == 7 and first["before"] is None
    # written while the admin reads: an offset would now repeat t4, the cursor does not
    await accounts.audit(actor="a@example.com", action=AuditAction.USER_UPDATED, target="new")
    older = (
        await client.get("/api/audit", params={"limit": 3, "before": first["items"][-1]["seq"]})
    ).json()
    assert [e["target"] for e in older["items"]] == ["t3", "t2", "t1"]
    assert older["total"] == 4  # t3..t0: what is left from the cursor back, this page included
    last = (
        await client.get("/api/audit", params={"limit": 3, "before": older["items"][-1]["seq"]})
    ).json()
    assert [e["target"] for e in last["items"]] == ["t0"] and last["total"] == 1

    for bad in ("0", "-1", "x", str(2**53)):
        r = await client.get("/api/audit", params={"before": bad})
        assert r.status_code == 422 and r.json()["field"] == "before", bad


async def test_signed_links_expire_and_cannot_be_moved_or_tampered(
    sqlite_store: InterviewStore,
) -> None:
    await add_user(sqlite_store, "v@example.com", Role.VIEWER)
    first = await _interview_with_audio(sqlite_store)
    second = await _interview_with_audio(sqlite_store)
    async with client_for(sqlite_store, recruiter_token=None, signed_url_ttl_seconds=10) as client:
        await sign_in(client, "v@example.com")
        detail = (await client.get(f"/api/interviews/{first}")).json()
        link = detail["recording_links"]["agent_audio"]
        path = urlsplit(link).path
        params = dict(parse_qsl(urlsplit(link).query))
        async with httpx.AsyncClient(base_url=str(client.base_url)) as anon:
            assert (await anon.get(link)).status_code == 200
            moved = link.replace(first, second)
            assert (await anon.get(moved)).status_code == 403
            other_resource = f"{path}?{urlencode({**params, 'kind': 'egress'})}"
            assert (await anon.get(other_resource)).status_code == 403
            later = f"{path}?{urlencode({**params, 'exp': str(int(params['exp']) + 3600)})}"
            assert (await anon.get(later)).status_code == 403
            sig = params["sig"]  # the first character: every bit of it is significant
            forged = ("B" if sig[0] == "A" else "A") + sig[1:]
            bad_sig = f"{path}?{urlencode({**params, 'sig': forged})}"
            assert (await anon.get(bad_sig)).status_code == 403
            unsigned = f"{path}?kind=agent_audio"
            assert (await anon.get(unsigned)).status_code == 401
            report = f"/api/interviews/{first}/report.html?{urlencode(params)}"
            assert (await anon.get(report)).status_code == 403  # a recording's signature
        # expiry: a link signed 11 s ago with a 10 s lifetime
        signer = UrlSigner.derived_from(API_SECRET, ttl_s=10)  # the key the app derives
        resource = "recording;kind=agent_audio;index="
        fresh = signer.params(first, resource)
        expired = signer.params(first, resource, now=time.time() - 11)
        async with httpx.AsyncClient(base_url=str(client.base_url)) as anon:
            ok = await anon.get(path, params={"kind": "agent_audio", **fresh})
            assert ok.status_code == 200  # the derivation above is the app's
            r = await anon.get(path, params={"kind": "agent_audio", **expired})
            assert r.status_code == 403 and "expired" in r.json()["error"]


async def test_users_command_line(sqlite_store: InterviewStore, client: httpx.AsyncClient) -> None:
    """`python -m tokenserver users ...` (in-process; test_web_ui runs the real subprocess)."""

    async def users(*argv: str, stdin: str = "") -> tuple[int, str]:
        out = io.StringIO()
        code = await run_users(
            build_parser().parse_args(argv), sqlite_store, stdin=io.StringIO(stdin), out=out
        )
        return code, out.getvalue()

    code, text = await users("add", "boss@example.com", "--role", "admin", "--if-no-admin")
    assert code == 0 and "created boss@example.com (admin)" in text
    generated = text.rsplit("password (shown once): ", 1)[1].strip()
    assert len(generated) >= 16
    # a second first-admin run does nothing
    assert await users("add", "other@example.com", "--role", "admin", "--if-no-admin") == (0, "")
    code, text = await users("add", "rita@example.com", "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 0 and "shown once" not in text and PASSWORD not in text
    assert (await users("add", "weak@example.com", "--password-stdin", stdin="short\n"))[0] == 1
    assert (await users("add", "RITA@example.com", "--password-stdin", stdin=PASSWORD))[0] == 1
    await sign_in(client, "boss@example.com", generated)
    await sign_in(client, "rita@example.com")
    code, text = await users("list")
    assert "boss@example.com\tadmin\tactive" in text and "rita@example.com\trecruiter" in text
    assert (await users("disable", "rita@example.com"))[0] == 0
    refused = await client.post(
        "/api/auth/sign-in", json={"email": "rita@example.com", "password": PASSWORD}
    )
    assert refused.status_code == 401
    assert (await users("enable", "rita@example.com"))[0] == 0
    code, text = await users("reset-password", "rita@example.com")
    new = text.rsplit("password (shown once): ", 1)[1].strip()
    await sign_in(client, "rita@example.com", new)
    assert (await users("disable", "nobody@example.com"))[0] == 1
