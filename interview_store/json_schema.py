"""`python -m interview_store.json_schema [--check] [--output PATH]`: the contracts as one JSON
Schema document, from which the web client generates its TypeScript types.

The document's root is an object with one property per exported type (so a generator that
only emits reachable definitions still emits all of them); `$defs` holds every model and
enum. It is written in serialization mode, i.e. the shape the server *sends*. The output is
deterministic, so `--check` (run by a test) can tell when the checked-in file is stale.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .accounts import (
    ApiKeyList,
    AuditPage,
    CreatedApiKey,
    CreatedUser,
    NewApiKeyBody,
    NewUserBody,
    Role,
    SignedInUser,
    UserList,
    UserUpdateBody,
)
from .api_bodies import (
    CreatedInterview,
    ErrorBody,
    FeedbackResponse,
    InterviewDetail,
    InterviewListPage,
    InterviewOptions,
)
from .evaluation_report import (
    CandidateFeedback,
    RecommendationValue,
    Report,
    ReportFlag,
    ReportRender,
    ReportRenderState,
    ReportStatus,
)
from .interview_metrics import InterviewMetrics
from .models import InterviewSummary, RecordingKind
from .people import (
    CandidateGroupList,
    ConsentNotice,
    CreatedInvitation,
    InvitationList,
    InvitationView,
    ProgressResponse,
    TemplateBody,
    TemplateList,
)
from .schema_export import render as render_document
from .schema_export import schema_document, write_or_check
from .vocabulary import (
    AgentAttribute,
    AvatarStatus,
    EventKind,
    InterviewStatus,
    InterviewType,
    Level,
    ObservationKind,
    Phase,
)

DEFAULT_OUTPUT = (
    Path(__file__).resolve().parent.parent / "web" / "src" / "generated" / "contracts.schema.json"
)

EXPORTED: tuple[Any, ...] = (
    # vocabulary
    Phase,
    EventKind,
    ObservationKind,
    InterviewStatus,
    Level,
    InterviewType,
    RecordingKind,
    AvatarStatus,
    AgentAttribute,
    # the report
    Report,
    ReportStatus,
    ReportFlag,
    RecommendationValue,
    InterviewMetrics,
    CandidateFeedback,
    ReportRender,
    ReportRenderState,
    # API bodies
    InterviewSummary,
    InterviewListPage,
    InterviewDetail,
    CreatedInterview,
    FeedbackResponse,
    ErrorBody,
    InterviewOptions,
    # people: consent, invitations, progress, candidates
    ConsentNotice,
    InvitationView,
    ProgressResponse,
    TemplateBody,
    TemplateList,
    CreatedInvitation,
    InvitationList,
    CandidateGroupList,
    # accounts: sign-in, API keys, user administration, the audit log
    Role,
    SignedInUser,
    NewApiKeyBody,
    CreatedApiKey,
    ApiKeyList,
    NewUserBody,
    UserUpdateBody,
    CreatedUser,
    UserList,
    AuditPage,
)


def contracts_schema() -> dict[str, Any]:
    """The whole document (a dict; `render` turns it into the file's text)."""
    return schema_document(
        {t.__name__: t for t in EXPORTED},
        title="Contracts",
        description=(
            "Contracts between the interview platform's processes and the web client. Generated "
            "by `python -m interview_store.json_schema` from the pydantic models in "
            "interview_store; do not edit."
        ),
    )


def render() -> str:
    return render_document(contracts_schema())


def main(argv: Sequence[str] | None = None) -> int:
    return write_or_check(
        argv,
        prog="python -m interview_store.json_schema",
        description=__doc__,
        default_output=DEFAULT_OUTPUT,
        text=render,
    )


if __name__ == "__main__":
    sys.exit(main())
