"""The recruiter API: list, inspect, stream recordings of, and delete interviews.

Every handler starts with `ctx.auth.require(request, role)`: viewers read, recruiters also
delete (written to the audit log). The two URLs a browser loads through <video> and <iframe>
(the recording and the rendered report) are handed out as short-lived signed links bound to
the interview and the resource (`signed_urls.py`); they also accept the session cookie, so a
long recording keeps seeking after its link expired. No credential ever travels in a URL.
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
from interview_store.accounts import AuditAction, Role

from . import recordings
from .app_context import AppContext
from .errors import ApiError
from .query_params import int_param

logger = logging.getLogger("tokenserver.recruiter")

MAX_PAGE = 100
_PRIVATE = {"Cache-Control": "private, no-store"}
_SIGNED_HEADERS = {**_PRIVATE, "Referrer-Policy": "no-referrer"}
# the report is generated from model output and transcript text: render it inert
_REPORT_HEADERS = {
    **_SIGNED_HEADERS,
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
        "frame-ancestors 'self'; sandbox"
    ),
    "X-Content-Type-Options": "nosniff",
}


def routes(ctx: AppContext) -> list[BaseRoute]:
    auth = ctx.auth

    async def signed_or_viewer(request: Request, resource: str) -> None:
        """A valid signed link for this interview and resource, or a reader's credential."""
        q = request.query_params
        if "sig" in q or "exp" in q:
            interview_id = str(request.path_params["interview_id"])
            ctx.signer.verify(interview_id, resource, exp=q.get("exp"), sig=q.get("sig"))
            return
        await auth.require(request, Role.VIEWER)

    async def list_interviews(request: Request) -> Response:
        await auth.require(request, Role.VIEWER)
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
        limit = int_param(q.get("limit"), "limit", default=20, lo=1, hi=MAX_PAGE)
        offset = int_param(q.get("offset"), "offset", default=0, lo=0, hi=10_000_000)
        # abandoned interviews (never started) are listed only when asked for by status
        items, total = await ctx.store.list(
            status=status, limit=limit, offset=offset, exclude=(InterviewStatus.ABANDONED,)
        )
        page = InterviewListPage(items=items, total=total, limit=limit, offset=offset)
        return JSONResponse(page.model_dump(mode="json"), headers=_PRIVATE)

    async def get_interview(request: Request) -> Response:
        await auth.require(request, Role.VIEWER)
        record = await _record(ctx, request)
        detail = _detail(
            ctx,
            record,
            include_session_report="session_report" in request.query_params.getlist("include"),
        )
        detail.consent = await ctx.people.store.consent(record.id)
        return JSONResponse(detail.model_dump(mode="json"), headers=_PRIVATE)

    async def get_recording(request: Request) -> Response:
        q = request.query_params
        await signed_or_viewer(request, recording_resource(q.get("kind"), q.get("index")))
        record = await _record(ctx, request)
        kind = None
        if q.get("kind"):
            try:
                kind = RecordingKind(q["kind"])
            except ValueError:
                allowed = ", ".join(k.value for k in RecordingKind)
                raise ApiError(422, f"'kind' must be one of: {allowed}.", field="kind") from None
        index = None
        if q.get("index") is not None:
            index = int_param(q.get("index"), "index", default=0, lo=0, hi=10_000)
        chosen = recordings.pick(record.recordings, kind=kind, index=index)
        if chosen is None:
            raise ApiError(404, "This interview has no such recording (yet).")
        if chosen.status != "complete" or not chosen.location:
            raise ApiError(404, f"This recording failed: {chosen.error or 'no file was written'}.")
        source = recordings.resolve(
            chosen.location,
            storage_dir=ctx.store.storage_dir,
            interview_dir=ctx.store.files_dir(record.id),
            egress_output_dir=ctx.settings.egress_output_dir,
        )
        if source.url is not None:
            return RedirectResponse(source.url, status_code=307, headers=_SIGNED_HEADERS)
        if source.path is None or not source.path.is_file():
            raise ApiError(404, "The recording is not stored on this server (check its location).")
        # FileResponse answers Range requests (206 / 416) and sets Accept-Ranges
        return FileResponse(
            source.path,
            headers=_SIGNED_HEADERS,
            content_disposition_type="inline",
            filename=source.path.name,
        )

    async def get_report_html(request: Request) -> Response:
        await signed_or_viewer(request, REPORT_RESOURCE)
        record = await _record(ctx, request)
        folder = ctx.store.files_dir(record.id)
        path = (folder / "report.html").resolve()
        render = record.report_render
        inside = recordings.confined(path, folder)  # a planted symlink is not followed out
        if render.state == ReportRenderState.RENDERED and inside and path.is_file():
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
        principal = await auth.require(request, Role.RECRUITER)
        interview_id = str(request.path_params["interview_id"])
        if not await ctx.store.delete(interview_id):
            raise ApiError(404, "No interview with this id.")
        await auth.accounts.audit(
            actor=principal.actor,
            action=AuditAction.INTERVIEW_DELETED,
            target=f"interview:{interview_id}",
        )
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


REPORT_RESOURCE = "report.html"


def recording_resource(kind: str | None, index: str | None) -> str:
    """What a signed recording link is bound to: the recording chosen by kind or index."""
    return f"recording;kind={kind or ''};index={index or ''}"


_RECORD_FIELDS = [
    name for name in InterviewRecord.model_fields if name not in ("recordings", "session_report")
]


def _detail(
    ctx: AppContext, record: InterviewRecord, *, include_session_report: bool
) -> InterviewDetail:
    base = f"/api/interviews/{record.id}"
    signer = ctx.signer

    def by_index(i: int) -> str:
        resource = recording_resource(None, str(i))
        return ctx.link(signer.sign_path(f"{base}/recording", record.id, resource, index=str(i)))

    recordings = [
        RecordingEntry(**rec.model_dump(), url=by_index(i) if rec.status == "complete" else None)
        for i, rec in enumerate(record.recordings)
    ]

    def link(kind: RecordingKind) -> str | None:
        complete = any(r.kind == kind and r.status == "complete" for r in record.recordings)
        if not complete:
            return None
        resource = recording_resource(kind.value, None)
        path = signer.sign_path(f"{base}/recording", record.id, resource, kind=kind.value)
        return ctx.link(path)

    rendered = record.report_render.state == ReportRenderState.RENDERED
    return InterviewDetail(
        **{name: getattr(record, name) for name in _RECORD_FIELDS},
        recordings=recordings,
        recording_links=RecordingLinks(
            egress=link(RecordingKind.EGRESS), agent_audio=link(RecordingKind.AGENT_AUDIO)
        ),
        report_html_url=(
            ctx.link(signer.sign_path(f"{base}/report.html", record.id, REPORT_RESOURCE))
            if rendered
            else None
        ),
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
