"""The recruiter API: list, inspect, stream recordings of, and delete interviews.

Every handler checks the bearer credential first. Only the two URLs a browser loads through
<video> and <iframe> (the recording and the rendered report) also accept `?token=`, because
media elements cannot send an Authorization header.
"""

from __future__ import annotations

import logging
from html import escape

from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import BaseRoute, Route

from interview_store import (
    InterviewDetail,
    InterviewListPage,
    InterviewRecord,
    InterviewStatus,
    RecordingEntry,
    RecordingKind,
    RecordingLinks,
    ReportRenderState,
)

from . import recordings
from .app_context import AppContext
from .errors import ApiError

logger = logging.getLogger("tokenserver.recruiter")

MAX_PAGE = 100
_PRIVATE = {"Cache-Control": "private, no-store"}
_QUERY_TOKEN_HEADERS = {**_PRIVATE, "Referrer-Policy": "no-referrer"}
# the report is generated from model output and transcript text: render it inert
_REPORT_HEADERS = {
    **_QUERY_TOKEN_HEADERS,
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
        "frame-ancestors 'self'; sandbox"
    ),
    "X-Content-Type-Options": "nosniff",
}


def routes(ctx: AppContext) -> list[BaseRoute]:
    auth = ctx.recruiter_auth

    async def list_interviews(request: Request) -> Response:
        auth.check(request)
        q = request.query_params
        status = None
        if q.get("status"):
            try:
                status = InterviewStatus(q["status"].lower())
            except ValueError:
                allowed = ", ".join(s.value for s in InterviewStatus)
                raise ApiError(
                    422, f"'status' must be one of: {allowed}.", field="status"
                ) from None
        limit = _int_param(q.get("limit"), "limit", default=20, lo=1, hi=MAX_PAGE)
        offset = _int_param(q.get("offset"), "offset", default=0, lo=0, hi=10_000_000)
        items, total = await ctx.store.list(status=status, limit=limit, offset=offset)
        page = InterviewListPage(items=items, total=total, limit=limit, offset=offset)
        return JSONResponse(page.model_dump(mode="json"), headers=_PRIVATE)

    async def get_interview(request: Request) -> Response:
        auth.check(request)
        record = await _record(ctx, request)
        detail = _detail(
            ctx,
            record,
            include_session_report="session_report" in request.query_params.getlist("include"),
        )
        return JSONResponse(detail.model_dump(mode="json"), headers=_PRIVATE)

    async def get_recording(request: Request) -> Response:
        auth.check(request, allow_query=True)
        record = await _record(ctx, request)
        q = request.query_params
        kind = None
        if q.get("kind"):
            try:
                kind = RecordingKind(q["kind"])
            except ValueError:
                allowed = ", ".join(k.value for k in RecordingKind)
                raise ApiError(422, f"'kind' must be one of: {allowed}.", field="kind") from None
        index = None
        if q.get("index") is not None:
            index = _int_param(q.get("index"), "index", default=0, lo=0, hi=10_000)
        chosen = recordings.pick(record.recordings, kind=kind, index=index)
        if chosen is None:
            raise ApiError(404, "This interview has no such recording (yet).")
        if chosen.status != "complete" or not chosen.location:
            raise ApiError(404, f"This recording failed: {chosen.error or 'no file was written'}.")
        source = recordings.resolve(
            chosen.location,
            storage_dir=ctx.store.storage_dir,
            egress_output_dir=ctx.settings.egress_output_dir,
        )
        if source.url is not None:
            return RedirectResponse(source.url, status_code=307, headers=_QUERY_TOKEN_HEADERS)
        if source.path is None or not source.path.is_file():
            raise ApiError(404, "The recording is not stored on this server (check its location).")
        # FileResponse answers Range requests (206 / 416) and sets Accept-Ranges
        return FileResponse(
            source.path,
            headers=_QUERY_TOKEN_HEADERS,
            content_disposition_type="inline",
            filename=source.path.name,
        )

    async def get_report_html(request: Request) -> Response:
        auth.check(request, allow_query=True)
        record = await _record(ctx, request)
        path = ctx.store.files_dir(record.id) / "report.html"
        render = record.report_render
        if render.state == ReportRenderState.RENDERED and path.is_file():
            return FileResponse(
                path, media_type="text/html; charset=utf-8", headers=_REPORT_HEADERS
            )
        if render.state == ReportRenderState.FAILED:
            status, message = 409, f"The report could not be rendered: {render.error}"
        elif record.report_issue is not None:
            status, message = 409, f"The report cannot be shown: {record.report_issue}"
        elif render.state == ReportRenderState.RENDERED:
            status, message = 404, "The rendered report file is missing; re-run the evaluation."
        else:
            status, message = 404, "The report has not been rendered yet."
        return _report_unavailable(request, status, message)

    async def delete_interview(request: Request) -> Response:
        auth.check(request)
        interview_id = str(request.path_params["interview_id"])
        if not await ctx.store.delete(interview_id):
            raise ApiError(404, "No interview with this id.")
        logger.info("interview deleted", extra={"interview_id": interview_id})
        return Response(status_code=204)

    return [
        Route("/interviews", list_interviews, methods=["GET"]),
        Route("/interviews/{interview_id:uuid}", get_interview, methods=["GET"]),
        Route("/interviews/{interview_id:uuid}", delete_interview, methods=["DELETE"]),
        Route("/interviews/{interview_id:uuid}/recording", get_recording, methods=["GET"]),
        Route("/interviews/{interview_id:uuid}/report.html", get_report_html, methods=["GET"]),
    ]


async def _record(ctx: AppContext, request: Request) -> InterviewRecord:
    record = await ctx.store.get(str(request.path_params["interview_id"]))
    if record is None:
        raise ApiError(404, "No interview with this id.")
    return record


def _int_param(raw: str | None, name: str, *, default: int, lo: int, hi: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(422, f"'{name}' must be a whole number.", field=name) from None
    if not lo <= value <= hi:
        raise ApiError(422, f"'{name}' must be between {lo} and {hi}.", field=name)
    return value


_RECORD_FIELDS = [
    name for name in InterviewRecord.model_fields if name not in ("recordings", "session_report")
]


def _detail(
    ctx: AppContext, record: InterviewRecord, *, include_session_report: bool
) -> InterviewDetail:
    base = f"/api/interviews/{record.id}"
    recordings = [
        RecordingEntry(
            **rec.model_dump(),
            url=ctx.link(f"{base}/recording?index={i}") if rec.status == "complete" else None,
        )
        for i, rec in enumerate(record.recordings)
    ]

    def link(kind: RecordingKind) -> str | None:
        complete = any(r.kind == kind and r.status == "complete" for r in record.recordings)
        return ctx.link(f"{base}/recording?kind={kind.value}") if complete else None

    rendered = record.report_render.state == ReportRenderState.RENDERED
    return InterviewDetail(
        **{name: getattr(record, name) for name in _RECORD_FIELDS},
        recordings=recordings,
        recording_links=RecordingLinks(
            egress=link(RecordingKind.EGRESS), agent_audio=link(RecordingKind.AGENT_AUDIO)
        ),
        report_html_url=ctx.link(f"{base}/report.html") if rendered else None,
        session_report=record.session_report if include_session_report else None,
    )


def _report_unavailable(request: Request, status: int, message: str) -> Response:
    """The report page is embedded in an iframe: a browser gets a small readable page (inert,
    like the report itself), an API client the usual JSON error."""
    if "text/html" in request.headers.get("accept", ""):
        page = (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            '<title>Report unavailable</title></head><body style="font-family:system-ui,'
            f'sans-serif;margin:24px;color:#0f172a"><p>{escape(message)}</p></body></html>'
        )
        return HTMLResponse(page, status_code=status, headers=_REPORT_HEADERS)
    raise ApiError(status, message)
