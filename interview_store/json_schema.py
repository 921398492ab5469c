"""`python -m interview_store.json_schema [--check] [--output PATH]`: the contracts as one JSON
Schema document, from which the web client generates its TypeScript types.

The document's root is an object with one property per exported type (so a generator that
only emits reachable definitions still emits all of them); `$defs` holds every model and
enum. It is written in serialization mode, i.e. the shape the server *sends*. The output is
deterministic, so `--check` (run by a test) can tell when the checked-in file is stale.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, create_model

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
from .vocabulary import (
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
)


def contracts_schema() -> dict[str, Any]:
    """The whole document (a dict; `render` turns it into the file's text)."""
    fields: dict[str, Any] = {t.__name__: (t, ...) for t in EXPORTED}
    root: type[BaseModel] = create_model("Contracts", **fields)
    schema = root.model_json_schema(mode="serialization")
    schema["description"] = (
        "Contracts between the interview platform's processes and the web client. Generated "
        "by `python -m interview_store.json_schema` from the pydantic models in "
        "interview_store; do not edit."
    )
    missing = [t.__name__ for t in EXPORTED if t.__name__ not in schema.get("$defs", {})]
    if missing:
        raise RuntimeError(f"types missing from $defs (name clash?): {', '.join(missing)}")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def render() -> str:
    return json.dumps(contracts_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m interview_store.json_schema", description=__doc__
    )
    parser.add_argument("--check", action="store_true", help="fail if the file is stale")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    text = render()
    output: Path = args.output
    if args.check:
        current = output.read_text(encoding="utf-8") if output.is_file() else None
        if current != text:
            print(
                f"{output} is stale: run `uv run python -m interview_store.json_schema`",
                file=sys.stderr,
            )
            return 1
        print(f"{output} is up to date")
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
