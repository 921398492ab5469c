"""The notice a candidate agrees to before the device check, and reading that agreement
from the create form.

The wording lives here once: the web page shows `GET /api/consent` and the interview stores
the notice's version, so what was agreed to can be told later. The create form must carry
`consent=true`; without it no join token is issued (422 naming the field).
"""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.datastructures import FormData

from interview_store.people import (
    CONSENT_VERSION,
    ConsentChoices,
    ConsentNotice,
    ConsentRecord,
)

from .errors import ApiError

_TRUE = {"true", "1", "yes", "on"}


def notice(*, retention_days: int) -> ConsentNotice:
    return ConsentNotice(
        version=CONSENT_VERSION,
        retention_days=retention_days,
        items=[
            "Your interview is recorded: audio and video of you and of the AI interviewer, "
            "and a written transcript of what both of you say.",
            "Your camera is analysed for two things only: whether your face is visible and "
            "whether you are looking away. Nothing about your emotions, looks or identity is "
            "inferred.",
            "Your speech, camera frames, the job description and your CV are processed by "
            "Google Gemini (an AI service) to run the interview and to write your feedback.",
            "The recording, transcript and report can be seen by you (your feedback page) "
            "and by the recruiters of this service who review interviews.",
            f"Everything is kept for {retention_days} days and then deleted. You can delete "
            "your interview yourself at any time from your feedback page.",
        ],
    )


def consent_from_form(form: FormData) -> ConsentRecord:
    """The candidate's agreement, or a 422 that says it is needed."""
    values = form.getlist("consent")
    value = values[0] if len(values) == 1 else None
    if not isinstance(value, str) or value.strip().lower() not in _TRUE:
        raise ApiError(
            422,
            "Consent is required: read what is recorded and analysed, then agree "
            "(send the form field consent=true).",
            field="consent",
        )
    return ConsentRecord(
        version=CONSENT_VERSION,
        agreed_at=datetime.now(UTC),
        choices=ConsentChoices(recording=True, camera_analysis=True, ai_processing=True),
    )
