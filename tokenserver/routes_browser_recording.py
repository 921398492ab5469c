"""`PUT /api/interviews/{id}/browser-recording/{index}`: the candidate's own recording.

Where no egress runs (this project's machines; a deployment without one), recruiters still
watch interviews: the room page records the candidate's camera with both voices mixed
(MediaRecorder, WebM) and uploads each chunk here as it is produced, with retries. Chunks are
appended to `interviews/<id>/browser.webm` strictly in index order (a later chunk that arrives
first waits in `browser-chunks/` until the gap is filled), so the file is always a playable
prefix; the first appended chunk registers the `browser` recording, which the recruiter page
then plays like any other (range requests through `GET .../recording`).

Authentication is the candidate's own LiveKit participant token (what the page already has):
its signature, its issuer (our API key), its identity and room must be this interview's. Its
expiry is stretched by TOKEN_AGE_LIMIT (the join token lives 15 minutes; interviews last
longer); what bounds uploads is the interview: accepted while it is created or live, and for
UPLOAD_GRACE_S after it ended, for the last chunks in flight.

Idempotent by index: a chunk already appended or waiting answers 200 `duplicate` (a retry of
a request whose answer was lost). One token server process owns an interview's file: appends
are serialised per interview in this process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from livekit import api
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from interview_store import (
    InterviewNotFound,
    InterviewRecord,
    InterviewStatus,
    Recording,
    RecordingKind,
)
from interview_store.recording_layout import (
    BROWSER_CHUNKS_DIR,
    BROWSER_RECORDING_NAME,
    interview_folder,
)

from .app_context import AppContext
from .errors import ApiError

logger = logging.getLogger("tokenserver.browser_recording")

MAX_CHUNK_BYTES = 4 * 1024 * 1024
"""One chunk (the page sends one every few seconds: ~0.3-1 MB at 640x480)."""
MAX_RECORDING_BYTES = 1024 * 1024 * 1024
"""The whole recording: ~2 hours at the page's bitrate."""
MAX_CHUNK_INDEX = 100_000
UPLOAD_GRACE_S = 120.0
"""After the interview ended, how long the last chunks in flight are still accepted."""
TOKEN_AGE_LIMIT = timedelta(hours=4)
"""How long after its expiry a participant token still authenticates uploads."""
_OPEN = (InterviewStatus.CREATED, InterviewStatus.LIVE)
_CURSOR = "next"


def routes(ctx: AppContext) -> list[BaseRoute]:
    locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def put_chunk(request: Request) -> Response:
        interview_id = str(request.path_params["interview_id"])
        index = int(request.path_params["index"])
        if index > MAX_CHUNK_INDEX:
            raise ApiError(422, f"A chunk index is at most {MAX_CHUNK_INDEX}.")
        record = await ctx.store.get(interview_id)
        if record is None:
            raise ApiError(404, "No such interview.")
        _authorize(ctx, request, record)
        body = await request.body()
        if not body:
            raise ApiError(422, "The chunk is empty.")
        if len(body) > MAX_CHUNK_BYTES:
            raise ApiError(413, f"A chunk is at most {MAX_CHUNK_BYTES // 1_048_576} MB.")
        folder = ctx.store.files_dir(interview_id)
        async with locks[interview_id]:
            outcome, first = await asyncio.to_thread(_store_chunk, folder, index, body)
        if first:
            await _register(ctx, record)
        return JSONResponse({"ok": True, "outcome": outcome, "index": index})

    return [
        Route(
            "/interviews/{interview_id:uuid}/browser-recording/{index:int}",
            put_chunk,
            methods=["PUT"],
        )
    ]


def _authorize(ctx: AppContext, request: Request, record: InterviewRecord) -> None:
    """The candidate's participant token for this interview's room, while it may record."""
    token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not token:
        raise ApiError(401, "Send the interview's participant token as a Bearer credential.")
    verifier = api.TokenVerifier(
        ctx.settings.livekit_api_key,
        ctx.settings.livekit_api_secret.get_secret_value(),
        leeway=TOKEN_AGE_LIMIT,
    )
    try:
        claims = verifier.verify(token)
    except Exception:  # jwt errors: bad signature, issuer, expired beyond the leeway
        raise ApiError(401, "Invalid participant token.") from None
    room = claims.video.room if claims.video is not None else None
    if claims.identity != record.candidate_identity or room != record.room:
        raise ApiError(403, "This token is not this interview's candidate.")
    if record.status not in _OPEN:
        ended = record.ended_at or record.created_at
        if (datetime.now(UTC) - ended).total_seconds() > UPLOAD_GRACE_S:
            raise ApiError(409, f"The interview is {record.status.value}: recording closed.")


def _store_chunk(folder: Path, index: int, body: bytes) -> tuple[str, bool]:
    """Keep the chunk, then append every chunk that is next in order. Returns the outcome and
    whether this call appended the recording's first chunk."""
    chunks = folder / BROWSER_CHUNKS_DIR
    chunks.mkdir(parents=True, exist_ok=True)
    target = folder / BROWSER_RECORDING_NAME
    cursor_file = chunks / _CURSOR
    cursor = int(cursor_file.read_text()) if cursor_file.exists() else 0
    part = chunks / f"{index:06d}.part"
    if index < cursor or part.exists():
        return "duplicate", False
    size = target.stat().st_size if target.exists() else 0
    waiting = sum(p.stat().st_size for p in chunks.glob("*.part"))
    if size + waiting + len(body) > MAX_RECORDING_BYTES:
        raise ApiError(413, f"The recording is at most {MAX_RECORDING_BYTES // 1_048_576} MB.")
    tmp = chunks / f"{index:06d}.tmp"
    tmp.write_bytes(body)
    os.replace(tmp, part)
    first = False
    with target.open("ab") as out:
        while (nxt := chunks / f"{cursor:06d}.part").exists():
            out.write(nxt.read_bytes())
            out.flush()
            os.fsync(out.fileno())
            first = first or cursor == 0
            cursor += 1
            # after the bytes: a crash between the two appends that chunk once more, never
            # skips one
            cursor_file.write_text(str(cursor))
            nxt.unlink()
    return ("appended" if cursor > index else "waiting"), first


async def _register(ctx: AppContext, record: InterviewRecord) -> None:
    if any(r.kind == RecordingKind.BROWSER for r in record.recordings):
        return
    location = str(interview_folder(record.id) / BROWSER_RECORDING_NAME)
    recording = Recording(
        kind=RecordingKind.BROWSER, location=location, created_at=datetime.now(UTC)
    )
    with contextlib.suppress(InterviewNotFound):  # deleted meanwhile
        await ctx.store.add_recording(record.id, recording)
    logger.info("browser recording started", extra={"interview_id": record.id})
