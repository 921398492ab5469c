"""Read and validate the problem files.

A bad file stops the load with an error naming the file and the field, because a silently
skipped problem would only show up as a missing option in an interview.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from .model import Problem

PROBLEMS_DIR = Path(__file__).resolve().parent / "problems"
"""The bank shipped with the package: one `<id>.toml` per problem."""


class ProblemFileError(ValueError):
    """A problem file that cannot be used; the message names the file and what to fix."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path.name}: {reason}")
        self.path = path
        self.reason = reason


def load_problem_file(path: Path) -> Problem:
    """Parse and validate one problem file; its name must be `<id>.toml`."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ProblemFileError(path, f"not valid TOML: {error}") from error
    except (OSError, UnicodeDecodeError) as error:
        raise ProblemFileError(path, f"cannot be read: {error}") from error
    try:
        problem = Problem.model_validate(data)
    except ValidationError as error:
        raise ProblemFileError(path, _describe(error)) from error
    if path.stem != problem.id:
        raise ProblemFileError(path, f"file name must be {problem.id}.toml to match its id")
    return problem


def load_problems(directory: Path = PROBLEMS_DIR) -> list[Problem]:
    """Every problem in `directory`, sorted by id (ids are unique: each is its file's name)."""
    paths = sorted(directory.glob("*.toml"))
    if not paths:
        raise ProblemFileError(directory, "contains no *.toml problem files")
    return [load_problem_file(path) for path in paths]


def _describe(error: ValidationError) -> str:
    """Pydantic's errors as 'field.path: message' lines, without echoing whole inputs."""
    lines = []
    for item in error.errors(include_input=False, include_url=False):
        where = ".".join(str(part) for part in item["loc"]) or "(file)"
        lines.append(f"{where}: {item['msg']}")
    return "; ".join(lines)
