"""The JSON Schema the web client's TypeScript types are generated from: complete, in step
with the pydantic models, and deterministic."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from interview_store import json_schema

REQUIRED = {
    "Report",
    "CandidateFeedback",
    "Phase",
    "EventKind",
    "ObservationKind",
    "InterviewStatus",
    "Level",
    "InterviewType",
    "InterviewSummary",
    "InterviewListPage",
    "InterviewDetail",
    "CreatedInterview",
    "FeedbackResponse",
    "ErrorBody",
    "InterviewMetrics",
    "ReportRenderState",
}


def test_checked_in_schema_is_current() -> None:
    """Fails when a model changed and `python -m interview_store.json_schema` was not run."""
    checked_in = json_schema.DEFAULT_OUTPUT.read_text(encoding="utf-8")
    assert checked_in == json_schema.render(), (
        "web/src/generated/contracts.schema.json is stale: run "
        "`uv run python -m interview_store.json_schema` (then `npm run gen:types` in web/)"
    )


def test_check_flag_detects_a_stale_file(tmp_path: Path) -> None:
    target = tmp_path / "contracts.schema.json"
    assert json_schema.main(["--output", str(target)]) == 0
    assert json_schema.main(["--check", "--output", str(target)]) == 0
    doc = json.loads(target.read_text(encoding="utf-8"))
    doc["$defs"]["Phase"]["enum"].remove("coding")  # someone edited the file by hand
    target.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    assert json_schema.main(["--check", "--output", str(target)]) == 1
    assert json_schema.main(["--check", "--output", str(tmp_path / "missing.json")]) == 1


def test_every_contract_is_a_definition_reachable_from_the_root() -> None:
    doc = json_schema.contracts_schema()
    defs = doc["$defs"]
    assert set(defs) >= REQUIRED
    assert set(doc["properties"]) >= REQUIRED
    assert set(doc["required"]) == set(doc["properties"])
    assert defs["Phase"]["enum"] == [
        "intro",
        "technical",
        "coding",
        "behavioural",
        "candidate_questions",
        "wrap_up",
    ]
    report = defs["Report"]
    assert report["properties"]["schema_version"]["const"] == 2
    # serialization mode: what the server sends always has every field
    assert set(report["required"]) == set(report["properties"])
    summary = defs["InterviewSummary"]
    assert "duration_s" in summary["required"]  # computed, always sent
    # references all resolve
    text = json.dumps(doc)
    for ref in {part.split('"')[0] for part in text.split('"$ref": "#/$defs/')[1:]}:
        assert ref in defs, ref


def test_module_entry_point_checks(tmp_path: Path) -> None:
    """`python -m interview_store.json_schema --check` is what CI and developers run."""
    done = subprocess.run(
        [sys.executable, "-m", "interview_store.json_schema", "--check"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    stale = tmp_path / "stale.json"
    stale.write_text("{}\n")
    done = subprocess.run(
        [sys.executable, "-m", "interview_store.json_schema", "--check", "--output", str(stale)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1 and "stale" in done.stderr
