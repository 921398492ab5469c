"""`python -m sandbox run --language python --file prog.py [--stdin FILE]`: one JSON result.

For ops (is the sandbox working on this host?) and for tests. Exit status: 0 when the program
ran, whatever it did (its status is in the JSON); 2 on bad usage (unknown language, unreadable
file, a request over the limits, bad SANDBOX_* settings); 3 when the host cannot sandbox code
(bubblewrap missing or no user namespaces): nothing is run unsandboxed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from .code_runner import Sandbox
from .errors import InvalidRunRequest, SandboxUnavailable
from .run_types import LANGUAGES, RunRequest
from .settings import SandboxSettings

EXIT_RAN = 0
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run one program and print its result as JSON")
    run.add_argument("--language", required=True, choices=LANGUAGES)
    run.add_argument("--file", required=True, type=Path, help="the program's source file")
    run.add_argument("--stdin", type=Path, help="a file fed to the program's standard input")
    return parser


def _fail(message: str, code: int) -> int:
    print(f"sandbox: {message}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        source = args.file.read_text(encoding="utf-8")
        stdin = args.stdin.read_text(encoding="utf-8") if args.stdin is not None else ""
    except (OSError, UnicodeDecodeError) as e:
        return _fail(f"cannot read input: {e}", EXIT_USAGE)
    try:
        settings = SandboxSettings()
    except ValidationError as e:
        return _fail(f"bad SANDBOX_* settings: {e}", EXIT_USAGE)
    request = RunRequest(language=args.language, source=source, stdin=stdin)
    try:
        result = asyncio.run(Sandbox(settings).run(request))
    except InvalidRunRequest as e:
        return _fail(str(e), EXIT_USAGE)
    except SandboxUnavailable as e:
        return _fail(str(e), EXIT_UNAVAILABLE)
    print(result.model_dump_json())
    return EXIT_RAN


if __name__ == "__main__":
    raise SystemExit(main())
