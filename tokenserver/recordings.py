"""Finding the file behind a stored recording location, without trusting it blindly.

Locations come from two writers: the agent (a path to its own audio in `files_dir`,
absolute or relative to STORAGE_DIR) and LiveKit egress webhooks (a path as the egress
service sees it, under EGRESS_OUTPUT_DIR, or a remote URL). Both write into the interview's
own folder, so a local answer must resolve (after following symlinks) inside that folder: a
stored `interviews/../interviews.db`, another interview's file or a link planted in the folder
is refused, never streamed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from interview_store import Recording, RecordingKind


@dataclass(frozen=True)
class RecordingSource:
    path: Path | None = None
    url: str | None = None
    """Set for recordings stored remotely over HTTP(S) (e.g. an S3 URL): the client is
    redirected there."""


def resolve(
    location: str, *, storage_dir: Path, interview_dir: Path, egress_output_dir: str
) -> RecordingSource:
    if location.startswith(("http://", "https://")):
        return RecordingSource(url=location)
    if location.startswith("file://"):
        location = location[len("file://") :]
    if "://" in location:
        return RecordingSource()  # s3://, gs://...: not reachable from here
    storage = storage_dir.resolve()
    prefix = egress_output_dir.rstrip("/") + "/"
    if location.startswith(prefix):
        candidate = storage / location[len(prefix) :]
    else:
        candidate = Path(location) if Path(location).is_absolute() else storage / location
    resolved = candidate.resolve()
    if not confined(resolved, interview_dir):
        return RecordingSource()
    return RecordingSource(path=resolved)


def confined(resolved: Path, folder: Path) -> bool:
    """Whether an already resolved path lies inside `folder` (itself resolved here)."""
    return resolved.is_relative_to(folder.resolve())


def pick(
    recordings: list[Recording], *, kind: RecordingKind | None, index: int | None
) -> Recording | None:
    """By position in the record, else the newest complete one of `kind`, else the newest
    complete egress (video, both sides), then the candidate's browser recording (video, both
    sides), falling back to the agent's own audio."""
    if index is not None:
        return recordings[index] if 0 <= index < len(recordings) else None
    complete = [r for r in recordings if r.status == "complete" and r.location]
    kinds = (
        [kind]
        if kind is not None
        else [RecordingKind.EGRESS, RecordingKind.BROWSER, RecordingKind.AGENT_AUDIO]
    )
    for k in kinds:
        of_kind = [r for r in complete if r.kind == k]
        if of_kind:
            return of_kind[-1]
    return None
