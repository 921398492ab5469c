"""Writing a contract document (JSON Schema from pydantic types) for the web client's generated
types, and `--check`ing it: shared by the two documents, `interview_store.json_schema` (what the
token server and evals send) and `agent.coding.json_schema` (the coding workspace's RPC), so
both are built and checked the same way.

A document's root has one property per exported type (so a generator that only emits reachable
definitions still emits all of them) and `$defs` holds every model, enum and named alias, in
serialization mode (the shape that is *sent*). The output is deterministic, so `--check` can
tell when the checked-in file is stale.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, create_model

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_document(types: Mapping[str, Any], *, title: str, description: str) -> dict[str, Any]:
    """`types` (definition name -> type) as one document titled `title`."""
    fields: dict[str, Any] = {name: (t, ...) for name, t in types.items()}
    root: type[BaseModel] = create_model(title, **fields)
    schema = root.model_json_schema(mode="serialization")
    defs: dict[str, Any] = schema.get("$defs", {})
    for name, definition in defs.items():
        definition.setdefault("title", name)  # a named alias's definition has none; models do
    schema["description"] = description
    missing = [name for name in types if name not in defs]
    if missing:
        raise RuntimeError(f"types missing from $defs (name clash?): {', '.join(missing)}")
    return {"$schema": JSON_SCHEMA_DIALECT, **schema}


def render(document: Mapping[str, Any]) -> str:
    """The file's text: stable, so a regenerated file differs only when the types do."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_or_check(
    argv: Sequence[str] | None,
    *,
    prog: str,
    description: str | None,
    default_output: Path,
    text: Callable[[], str],
) -> int:
    """The command line of a document module: write it, or with `--check` exit 1 when the
    file differs from what the types give now (naming the command that regenerates it)."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--check", action="store_true", help="fail if the file is stale")
    parser.add_argument("--output", type=Path, default=default_output)
    args = parser.parse_args(argv)
    wanted = text()
    output: Path = args.output
    if args.check:
        current = output.read_text(encoding="utf-8") if output.is_file() else None
        if current != wanted:
            print(f"{output} is stale: run `uv run {prog}`", file=sys.stderr)
            return 1
        print(f"{output} is up to date")
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(wanted, encoding="utf-8")
    print(f"wrote {output}")
    return 0
