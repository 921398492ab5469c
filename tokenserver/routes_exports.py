"""Exports of reports for applicant tracking systems (CSV and JSON of a filtered list), and the
recruiters' view of interviews grouped by candidate.

`GET /api/exports/reports.csv|.json?status=&from=&to=&limit=` needs the recruiter role (API
keys for automation) and is written to the audit log. A browser download cannot send a header,
so `GET /api/exports/link?format=&...` (recruiter, audit-logged) hands out a short-lived signed
URL bound to that exact filter; no credential travels in the URL.

CSV cells that a spreadsheet would run as a formula (starting with = + - @, tab or CR) are
prefixed with `'`: the role, names and texts come from candidates.
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from interview_store import InterviewStatus, Report
from interview_store.accounts import AuditAction, Role
from interview_store.people import CandidateGroup, CandidateGroupList
from interview_store.people_store import ExportRow, summary_groups

from .app_context import AppContext
from .errors import ApiError
from .query_params import int_param

logger = logging.getLogger("tokenserver.exports")

MAX_EXPORT = 5_000
_FORMATS = ("csv", "json")
_FILTERS = ("status", "from", "to", "limit")
_SIGNED_SUBJECT = "exports"
"""The signer binds a link to an interview id and a resource; an export's "interview" is this
constant and its resource the format plus the canonical filter."""
_PRIVATE = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def routes(ctx: AppContext) -> list[BaseRoute]:
    people = ctx.people.store

    async def export_reports(request: Request) -> Response:
        fmt = str(request.path_params["fmt"])
        if fmt not in _FORMATS:
            raise ApiError(404, "Exports are reports.csv or reports.json.")
        q = request.query_params
        canonical = _canonical(request)
        if "sig" in q or "exp" in q:
            ctx.signer.verify(
                _SIGNED_SUBJECT, f"{fmt}?{canonical}", exp=q.get("exp"), sig=q.get("sig")
            )
            actor = None  # audit-logged when the link was issued
        else:
            actor = (await ctx.auth.require(request, Role.RECRUITER)).actor
        rows = await _rows(ctx, request)
        if actor is not None:
            await _audit(ctx, actor, fmt, canonical, len(rows))
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        disposition = f'attachment; filename="interview-reports-{stamp}.{fmt}"'
        headers = {**_PRIVATE, "Content-Disposition": disposition}
        if fmt == "json":
            return JSONResponse([_json_row(r) for r in rows], headers=headers)
        return Response(_csv(rows), media_type="text/csv; charset=utf-8", headers=headers)

    async def export_link(request: Request) -> Response:
        principal = await ctx.auth.require(request, Role.RECRUITER)
        fmt = request.query_params.get("format", "csv")
        if fmt not in _FORMATS:
            raise ApiError(422, "'format' must be csv or json.", field="format")
        await _rows(ctx, request, validate_only=True)
        canonical = _canonical(request)
        params = ctx.signer.params(_SIGNED_SUBJECT, f"{fmt}?{canonical}")
        query = "&".join(p for p in (canonical, urlencode(params)) if p)
        await _audit(ctx, principal.actor, fmt, canonical, None)
        url = ctx.link(f"/api/exports/reports.{fmt}?{query}")
        return JSONResponse({"url": url}, headers=_PRIVATE)

    async def candidates(request: Request) -> Response:
        await ctx.auth.require(request, Role.VIEWER)
        limit = int_param(request.query_params.get("limit"), "limit", default=200, lo=1, hi=1000)
        items, _ = await ctx.store.list(limit=limit, exclude=(InterviewStatus.ABANDONED,))
        links = await people.candidate_links([i.id for i in items])
        body = CandidateGroupList(
            items=[
                CandidateGroup(key=key, label=label, interviews=members)
                for key, label, members in summary_groups(items, links)
            ]
        )
        return JSONResponse(body.model_dump(mode="json"), headers=_PRIVATE)

    return [
        Route("/exports/link", export_link, methods=["GET"]),
        Route("/exports/reports.{fmt:str}", export_reports, methods=["GET"]),
        Route("/candidates", candidates, methods=["GET"]),
    ]


def _canonical(request: Request) -> str:
    q = request.query_params
    return urlencode([(k, q[k]) for k in _FILTERS if q.get(k)])


async def _audit(ctx: AppContext, actor: str, fmt: str, canonical: str, count: int | None) -> None:
    await ctx.auth.accounts.audit(
        actor=actor,
        action=AuditAction.INTERVIEW_EXPORTED,
        target=f"reports.{fmt}",
        detail={"filter": canonical, "rows": count, "link": count is None},
    )


async def _rows(
    ctx: AppContext, request: Request, *, validate_only: bool = False
) -> list[ExportRow]:
    q = request.query_params
    status = None
    if q.get("status"):
        try:
            status = InterviewStatus(q["status"].lower())
        except ValueError:
            allowed = ", ".join(s.value for s in InterviewStatus)
            raise ApiError(422, f"'status' must be one of: {allowed}.", field="status") from None
    created_from = _day(q.get("from"), "from")
    created_to = _day(q.get("to"), "to", end=True)
    limit = int_param(q.get("limit"), "limit", default=1000, lo=1, hi=MAX_EXPORT)
    if validate_only:
        return []
    return await ctx.people.store.export_rows(
        status=status, created_from=created_from, created_to=created_to, limit=limit
    )


def _day(raw: str | None, name: str, *, end: bool = False) -> datetime | None:
    """A `YYYY-MM-DD` bound (UTC); `to` includes its whole day."""
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise ApiError(422, f"'{name}' must be a date like 2027-01-31.", field=name) from None
    moment = datetime.combine(day, time.min, tzinfo=UTC)
    return moment + timedelta(days=1) if end else moment


def _report(row: ExportRow) -> Report | None:
    if row.report is None:
        return None
    try:
        return Report.model_validate(row.report)
    except ValidationError:
        return None  # another schema version: exported without scores, not as an error


def _json_row(row: ExportRow) -> dict[str, Any]:
    report = _report(row)
    return {
        "interview_id": row.id,
        "status": row.status.value,
        "created_at": row.created_at.isoformat(),
        "ended_at": row.ended_at.isoformat() if row.ended_at else None,
        "role": row.plan.get("role"),
        "level": row.plan.get("level"),
        "interview_type": row.plan.get("interview_type"),
        "candidate_name": row.invited_name or row.plan.get("candidate_name"),
        "candidate_email": row.invited_email,
        "candidate_profile": row.profile_id,
        "overall_score": row.overall_score,
        "flags": row.flags,
        "report": report.model_dump(mode="json") if report else None,
    }


_CSV_BASE = [
    "interview_id",
    "status",
    "created_at",
    "ended_at",
    "role",
    "level",
    "interview_type",
    "candidate_name",
    "candidate_email",
    "candidate_profile",
    "overall_score",
    "recommendation",
    "flags",
    "words_per_minute",
    "filler_words",
    "talk_ratio",
    "mean_answer_words",
]


def _csv(rows: list[ExportRow]) -> str:
    reports = {r.id: _report(r) for r in rows}
    dimension_keys = sorted({d.key for rep in reports.values() if rep for d in rep.dimensions})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_CSV_BASE + [f"score_{k}" for k in dimension_keys])
    for row in rows:
        rep = reports[row.id]
        m = rep.metrics if rep else None
        scores = {d.key: d.score for d in rep.dimensions} if rep else {}
        values: list[Any] = [
            row.id,
            row.status.value,
            row.created_at.isoformat(),
            row.ended_at.isoformat() if row.ended_at else "",
            row.plan.get("role"),
            row.plan.get("level"),
            row.plan.get("interview_type"),
            row.invited_name or row.plan.get("candidate_name"),
            row.invited_email,
            row.profile_id,
            row.overall_score,
            rep.recommendation.value.value if rep and rep.recommendation else "",
            ";".join(row.flags),
            m.words_per_minute if m else "",
            m.filler_words if m else "",
            m.talk_ratio if m else "",
            m.answer_words.mean if m else "",
            *(scores.get(k) for k in dimension_keys),
        ]
        writer.writerow([_cell(v) for v in values])
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    if text.startswith(_FORMULA_START) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
