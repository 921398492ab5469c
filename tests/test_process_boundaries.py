"""The process boundaries hold: three processes that share only the libraries below them
(`interview_store`, and the code runner `sandbox` and `problem_bank`), never each other.

- The report worker (`python -m evals ...`) runs on a host without livekit-agents: the import
  closure of every evals module, loaded in a clean interpreter, holds no `livekit.agents` and
  none of the other processes' packages.
- agent/, tokenserver/ and evals/ never import each other; interview_store, sandbox/ and
  problem_bank/ import none of them; no product package imports the test-only code (testkit/,
  tests/, bench/), and benchmarks use testkit/, not tests/.

Imports are read with `ast` (including `if TYPE_CHECKING:` blocks, function-local imports and
`importlib.import_module("...")` with a literal name), so a lazy import inside a function counts
as much as one at the top of a module. Each rule is also run against a small synthetic tree
with one violation per rule, so the checker itself is proven able to fail.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

PROCESSES = frozenset({"agent", "tokenserver", "evals"})
TEST_ONLY = frozenset({"testkit", "tests", "bench"})

FORBIDDEN: Mapping[str, frozenset[str]] = {
    "agent": frozenset({"tokenserver", "evals"}) | TEST_ONLY,
    "tokenserver": frozenset({"agent", "evals"}) | TEST_ONLY,
    "evals": frozenset({"agent", "tokenserver"}) | TEST_ONLY,
    "interview_store": PROCESSES | {"sandbox"} | TEST_ONLY,
    "sandbox": PROCESSES | TEST_ONLY,
    "problem_bank": PROCESSES | TEST_ONLY,
    "testkit": frozenset({"tests", "bench"}),
    "bench": frozenset({"tests"}),
    "tests": frozenset(),
}
"""Top-level package → top-level packages it must never import. Any other product package
found in the tree (a directory with an `__init__.py` that is not test-only) gets TEST_ONLY.
Libraries below the processes (sandbox/, problem_bank/) may be used by any of them."""

NOT_PACKAGES = frozenset({"web", "deploy", "scripts", "test-artifacts", "node_modules"})


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    imported: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} imports {self.imported}"


def _imported_names(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import the module can execute. Relative imports
    stay inside their own top-level package, so they never cross a boundary."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                yield node.lineno, node.module
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = (
                func.attr
                if isinstance(func, ast.Attribute)
                else func.id
                if isinstance(func, ast.Name)
                else ""
            )
            first = node.args[0]
            if (
                name in ("import_module", "__import__")
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and not first.value.startswith(".")
            ):
                yield node.lineno, first.value


def _packages(root: Path) -> list[str]:
    return sorted(
        p.name
        for p in root.iterdir()
        if p.is_dir()
        and p.name not in NOT_PACKAGES
        and not p.name.startswith((".", "_"))
        and ((p / "__init__.py").exists() or p.name in FORBIDDEN)
    )


def boundary_violations(root: Path) -> list[Violation]:
    """Every import in `root`'s top-level packages that crosses a forbidden boundary."""
    found: list[Violation] = []
    for package in _packages(root):
        forbidden = FORBIDDEN.get(package, TEST_ONLY)
        for path in sorted((root / package).rglob("*.py")):
            if any(part in ("node_modules", "__pycache__") for part in path.parts):
                continue
            rel = path.relative_to(root).as_posix()
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
            for line, name in _imported_names(tree):
                top = name.split(".")[0]
                if top in forbidden:
                    found.append(Violation(rel, line, name))
    return found


def test_packages_import_only_across_allowed_boundaries() -> None:
    assert {"agent", "tokenserver", "evals", "interview_store"} <= set(_packages(ROOT))
    violations = boundary_violations(ROOT)
    assert not violations, "boundary crossed:\n" + "\n".join(map(str, violations))


VIOLATING_TREE = {
    "agent/worker.py": "from tokenserver.settings import TokenServerSettings\n",
    "agent/lazy.py": "def f():\n    import evals.render\n",
    "tokenserver/app.py": "from typing import TYPE_CHECKING\n"
    "if TYPE_CHECKING:\n    from agent.phases import PHASE_ORDER\n",
    "evals/dyn.py": "import importlib\nm = importlib.import_module('agent.settings')\n",
    "evals/fixture.py": "from testkit.gemini_api import FakeGeminiApi\n",
    "interview_store/store.py": "import evals\n",
    "sandbox/runner.py": "from agent import phases\n",
    "newpkg/__init__.py": "from tests.fake_llm import FakeLLM\n",
    "bench/x.py": "from tests.fake_interview import write_interview\n",
    "testkit/y.py": "import tests.conftest\n",
}
"""One violation per line above; the allowed imports below must not be reported."""

ALLOWED_TREE = {
    "agent/__init__.py": "from interview_store import InterviewStore\nfrom . import phases\n",
    "agent/phases.py": "from .settings import AgentSettings\nimport livekit.agents\n",
    "evals/__init__.py": "from interview_store.models import Report\n",
    "tokenserver/__init__.py": "from ..x import y\n",
    "interview_store/__init__.py": "import sqlalchemy\n",
    "bench/z.py": "from testkit.tls import LocalTLS\nfrom agent import phases\n",
    "testkit/w.py": "from interview_store import InterviewStore\n",
}


def test_the_checker_finds_each_kind_of_violation(tmp_path: Path) -> None:
    for rel, text in {**VIOLATING_TREE, **ALLOWED_TREE}.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (tmp_path / "newpkg").mkdir(exist_ok=True)
    found = {v.path: v.imported for v in boundary_violations(tmp_path)}
    assert found == {
        "agent/worker.py": "tokenserver.settings",
        "agent/lazy.py": "evals.render",
        "tokenserver/app.py": "agent.phases",
        "evals/dyn.py": "agent.settings",
        "evals/fixture.py": "testkit.gemini_api",
        "interview_store/store.py": "evals",
        "sandbox/runner.py": "agent",
        "newpkg/__init__.py": "tests.fake_llm",
        "bench/x.py": "tests.fake_interview",
        "testkit/y.py": "tests.conftest",
    }


# A clean interpreter imports the given modules (and every module of a walked package); a
# meta-path spy records which of our files first asked for each forbidden package, so a failure
# names the culprit. argv: root, then modules; "--walk=<package>" adds all of its modules.
_PROBE = r"""
import importlib, json, pkgutil, sys, traceback

FORBIDDEN = ("livekit.agents", "agent", "tokenserver", "testkit", "tests")
root = sys.argv[1]
first_importer = {}

class Spy:
    def find_spec(self, name, path=None, target=None):
        if name in FORBIDDEN:  # the package itself: who asked first is the culprit
            ours = [
                f"{fr.filename[len(root) + 1:]}:{fr.lineno}"
                for fr in traceback.extract_stack()
                if fr.filename.startswith(root) and "site-packages" not in fr.filename
            ]
            first_importer.setdefault(name, ours[-3:])
        return None

sys.meta_path.insert(0, Spy())
names = []
for arg in sys.argv[2:]:
    if arg.startswith("--walk="):
        package = importlib.import_module(arg[len("--walk="):])
        names += [m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
    else:
        names.append(arg)
for name in names:
    importlib.import_module(name)
print(json.dumps({"imported": names, "modules": sorted(sys.modules), "by": first_importer}))
"""

REPORT_PATH = ("evals.__main__", "evals.evaluation_queue", "evals.evaluation", "--walk=evals")


def forbidden_in_report_path(modules: list[str]) -> list[str]:
    """Modules the report worker must not load: livekit-agents and the other processes."""
    return [
        m
        for m in modules
        if m == "livekit.agents"
        or m.startswith("livekit.agents.")
        or m.split(".")[0] in {"agent", "tokenserver", "testkit", "tests"}
    ]


def _probe(*args: str, root: Path = ROOT, path: str = str(ROOT)) -> dict[str, Any]:
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": path}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(root), *args],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def test_report_worker_closure_holds_no_livekit_agents() -> None:
    closure = _probe(*REPORT_PATH)
    assert {"evals.__main__", "evals.evaluation_queue", "evals.scoring"} <= set(closure["imported"])
    assert "evals.evaluation" in closure["modules"]
    bad = forbidden_in_report_path(closure["modules"])
    assert not bad, f"the report path loads {bad[:10]}; first asked for by {closure['by']}"


def test_forbidden_modules_are_recognised() -> None:
    modules = ["livekit", "livekit.api", "livekit.agents", "livekit.agents.voice", "agents_x"]
    modules += ["agent", "agent.phases", "evals.render", "tests", "testkit.tls", "tokenservers"]
    assert forbidden_in_report_path(modules) == [
        "livekit.agents",
        "livekit.agents.voice",
        "agent",
        "agent.phases",
        "tests",
        "testkit.tls",
    ]


def test_the_probe_names_who_imported_a_forbidden_package(tmp_path: Path) -> None:
    """The same probe on a module that imports one: the package shows up in the closure and
    the culprit's file and line are named. An empty answer above means absent, not unseen."""
    (tmp_path / "culprit.py").write_text("import json\nimport tests  # the forbidden import\n")
    result = _probe("culprit", root=tmp_path, path=f"{tmp_path}{os.pathsep}{ROOT}")
    assert forbidden_in_report_path(result["modules"]) == ["tests"]
    assert result["by"]["tests"] == ["culprit.py:2"]
