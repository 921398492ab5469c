"""The OpenAPI document of the whole HTTP API (`GET /api/openapi.json`): valid OpenAPI 3.1,
covering every route the app serves, with the create form's limits, and fuzzed with
schemathesis against the real app on loopback (a bounded number of examples per operation):
no 5xx, every answer matches the document (status, content type, body schema)."""

from __future__ import annotations

import asyncio
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis import checks

from interview_store import InterviewStore, database_url_for
from interview_store.account_store import AccountStore
from interview_store.accounts import Role
from tests.tokenserver_harness import add_user, make_settings
from tokenserver.app import create_app
from tokenserver.auth import new_api_key
from tokenserver.openapi import served_routes
from tokenserver.routes_candidate import MAX_ROLE_CHARS

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
"""What the document promises: no 5xx, and every answer (status, content type, body) is one
it describes. (Whether a handler accepts everything the schema allows is not claimed: the
form's rules, e.g. "a template needs at least one question", go beyond JSON Schema.)"""

MAX_EXAMPLES = 6
"""Per operation: enough to reach every handler's validation paths, bounded for 2 cores."""


class LoopbackServer:
    """The real app under uvicorn in a thread of its own (schemathesis drives it with
    blocking HTTP from the test thread)."""

    def __init__(self, storage: Path) -> None:
        self._storage = storage
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.base_url = ""
        self.api_key = ""
        self.app: Any = None
        self._server: uvicorn.Server | None = None
        self._error: BaseException | None = None

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as e:  # surfaced to the test thread
            self._error = e
            self._ready.set()

    async def _serve(self) -> None:
        store = InterviewStore(
            database_url=database_url_for(None, self._storage), storage_dir=self._storage
        )
        await store.migrate()
        admin = await add_user(store, "fuzz-admin@example.com", Role.ADMIN)
        key_id, key, secret_hash = new_api_key()
        await AccountStore(store.engine).create_api_key(
            key_id=key_id, user_id=admin.id, name="fuzz", secret_hash=secret_hash
        )
        self.api_key = key
        self.app = create_app(
            make_settings(self._storage, recruiter_token=None, rate_limit_per_minute=100_000),
            store,
        )
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=0, log_config=None, access_log=False, lifespan="off"
        )
        self._server = uvicorn.Server(config)
        task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        port = self._server.servers[0].sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"
        self._ready.set()
        await task
        await self.app.state.ctx.plans.aclose()
        await store.aclose()

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        self._ready.wait(60)
        if self._error is not None:
            raise self._error
        return self

    def __exit__(self, *_: object) -> None:
        if self._server is not None:
            self._server.should_exit = True
        self._thread.join(30)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackServer]:
    with LoopbackServer(tmp_path_factory.mktemp("openapi")) as s:
        yield s


@pytest.fixture(scope="module")
def document(server: LoopbackServer) -> dict[str, Any]:
    r = httpx.get(f"{server.base_url}/api/openapi.json", timeout=30)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body: dict[str, Any] = r.json()
    return body


def test_document_is_valid_and_covers_every_route(
    server: LoopbackServer, document: dict[str, Any]
) -> None:
    validate(document)  # raises on any violation of OpenAPI 3.1
    for method, path, _ in served_routes(server.app.routes):
        assert method in document["paths"].get(path, {}), (method, path)
    create = document["paths"]["/api/interviews"]["post"]
    form = create["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["properties"]["role"]["maxLength"] == MAX_ROLE_CHARS
    detail = document["paths"]["/api/interviews/{interview_id}"]["get"]
    assert detail["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/InterviewDetail"
    }
    assert "SignInBody" in document["components"]["schemas"]
    assert document["paths"]["/api/users"]["get"]["description"].endswith("admin or above.")


@pytest.fixture(scope="module")
def api_schema(document: dict[str, Any], server: LoopbackServer) -> Any:
    schema = schemathesis.openapi.from_dict(document)
    schema.config.update(base_url=server.base_url)
    return schema


def _operations() -> list[tuple[str, str]]:
    """Every (method, path) the app serves, known at collection time (an app built on a
    throwaway store: routes need no database)."""
    scratch = Path(tempfile.mkdtemp(prefix="openapi-routes-"))
    store = InterviewStore(database_url=database_url_for(None, scratch), storage_dir=scratch)
    app = create_app(make_settings(scratch, recruiter_token=None), store)
    return [(method, path) for method, path, _ in served_routes(app.routes)]


@pytest.mark.parametrize(("method", "path"), _operations())
def test_fuzzed_requests_get_documented_answers_and_no_5xx(
    api_schema: Any, server: LoopbackServer, method: str, path: str
) -> None:
    operation = api_schema[path][method.upper()]
    auth = {"Authorization": f"Bearer {server.api_key}"}

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        response = case.call(base_url=server.base_url, headers=auth, timeout=30)
        assert response.status_code < 500, (case.method, case.path, response.text[:300])
        case.validate_response(response, checks=CHECKS)

    run()
