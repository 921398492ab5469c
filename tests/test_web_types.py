"""The web client's types are generated from the contracts' JSON Schema, never retyped.

`web/src/generated/contracts.schema.json` is exported from the pydantic models
(`python -m interview_store.json_schema`); `npm run gen:types` turns it into
`web/src/generated/contracts.ts` with json-schema-to-typescript. These tests regenerate
into a temporary directory with the same script and fail when the checked-in file is
stale, when the app imports a type the schema does not define, or when the phase
vocabulary is restated by hand in the app's TypeScript or CSS.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
WEB = REPO / "web"
SRC = WEB / "src"
GENERATED = SRC / "generated"
SCHEMA = GENERATED / "contracts.schema.json"
CONTRACTS_TS = GENERATED / "contracts.ts"
GENERATOR = WEB / "scripts" / "gen-contracts.mjs"

IMPORT_FROM_CONTRACTS = re.compile(
    r"import\s+(?:type\s+)?\{(?P<names>[^}]*)\}\s+from\s+\"[./]+/generated/contracts\"", re.S
)


def generate(schema: Path, out: Path) -> str:
    """Run the same generator `npm run gen:types` runs; returns the generated TypeScript."""
    node = shutil.which("node")
    assert node, "node is required to generate the web client's types"
    assert (WEB / "node_modules" / "json-schema-to-typescript").is_dir(), (
        "web/node_modules is missing: run `npm ci` in web/ (the CI script does)"
    )
    done = subprocess.run(
        [node, str(GENERATOR), "--schema", str(schema), "--out", str(out)],
        cwd=WEB,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return (out / "contracts.ts").read_text()


def schema_defs() -> dict[str, Any]:
    defs: dict[str, Any] = json.loads(SCHEMA.read_text())["$defs"]
    return defs


def imported_contract_names() -> dict[str, set[Path]]:
    """Every name any app module imports from generated/contracts, with who imports it."""
    names: dict[str, set[Path]] = {}
    for path in sorted([*SRC.rglob("*.ts"), *SRC.rglob("*.tsx")]):
        if GENERATED in path.parents:
            continue
        for match in IMPORT_FROM_CONTRACTS.finditer(path.read_text()):
            for raw in match.group("names").split(","):
                name = raw.strip().removeprefix("type ").strip()
                if name:
                    names.setdefault(name, set()).add(path.relative_to(WEB))
    return names


def test_checked_in_contracts_ts_is_generated_from_the_current_schema(tmp_path: Path) -> None:
    fresh = generate(SCHEMA, tmp_path)
    assert CONTRACTS_TS.read_text() == fresh, (
        "web/src/generated/contracts.ts is stale: run `npm run gen:types` in web/ and commit it"
    )


def test_a_schema_change_changes_the_generated_types(tmp_path: Path) -> None:
    """The staleness check above means something: a new field in a model reaches the TS."""
    schema = json.loads(SCHEMA.read_text())
    summary = schema["$defs"]["InterviewSummary"]
    summary["properties"]["shortlisted_by"] = {"type": "string", "title": "Shortlisted By"}
    # a field that is itself called `title` is a field, not a JSON Schema title
    summary["properties"]["title"] = {"type": "string", "title": "Title"}
    summary["required"] = [*summary.get("required", []), "shortlisted_by", "title"]
    changed = tmp_path / "changed.schema.json"
    changed.write_text(json.dumps(schema))

    generated = generate(changed, tmp_path / "out")

    assert generated != CONTRACTS_TS.read_text()
    body = re.search(r"export interface InterviewSummary \{(?P<body>.*?)\n\}", generated, re.S)
    assert body is not None
    assert "shortlisted_by: string;" in body.group("body")
    assert "  title: string;" in body.group("body")
    assert "export type ShortlistedBy" not in generated  # property titles name no types


def test_every_contract_the_app_imports_is_defined_by_the_schema() -> None:
    defs = schema_defs()
    imported = imported_contract_names()
    assert {"InterviewDetail", "InterviewSummary", "CandidateFeedback", "PhaseValues"} <= set(
        imported
    ), f"the app should read its API bodies and phases from the contracts: {sorted(imported)}"
    missing = []
    for name, users in sorted(imported.items()):
        if name.endswith("Values"):  # the runtime list of an enum
            enum = name.removesuffix("Values")
            ok = enum in defs and "enum" in defs[enum]
        else:
            ok = name in defs
        if not ok:
            missing.append(f"{name} (imported by {', '.join(str(u) for u in sorted(users))})")
    assert not missing, f"the schema defines no such contract: {missing}"


def test_the_generated_phase_list_is_the_schemas_in_order() -> None:
    phases = schema_defs()["Phase"]["enum"]
    line = re.search(
        r"export const PhaseValues: readonly Phase\[\] = \[(.*?)\];", CONTRACTS_TS.read_text()
    )
    assert line is not None
    assert json.loads(f"[{line.group(1)}]") == phases


@pytest.mark.parametrize("suffix", [".ts", ".tsx", ".css"])
def test_the_app_does_not_restate_the_phase_vocabulary(suffix: str) -> None:
    """Phase names live in the store's `Phase` enum; the app iterates `PhaseValues` and
    derives labels and colours from it, so no phase name appears in hand-written code."""
    phases = schema_defs()["Phase"]["enum"]
    offenders = []
    for path in sorted(SRC.rglob(f"*{suffix}")):
        if GENERATED in path.parents:
            continue
        text = path.read_text()
        # whole words only: "coding" is also an interview type, so look for the phases that
        # are nothing else, and for any phase as a quoted literal or a CSS class
        for phase in phases:
            if re.search(rf"""(["'`]{phase}["'`]|\.phase-{phase}\b|\b{phase}\s*:)""", text):
                if phase in {"coding", "technical", "behavioural"} and suffix != ".css":
                    continue  # also InterviewType values, which the setup form labels
                offenders.append(f"{path.relative_to(WEB)}: {phase}")
    assert not offenders, offenders
