"""`python -m agent.scenarios [--only NAME] [--turns N] [--json]`: every persona against Gemini.

The options are parsed before any setting is read, so `--help` works with no configuration; a
missing key ends the process with one line (no traceback), like every other process.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from interview_store import SettingsError, load_settings

from .settings import ScenarioSettings


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m agent.scenarios", description=__doc__)
    p.add_argument("--only", action="append", help="scenario name (repeatable)")
    p.add_argument("--turns", type=int, default=8, help="candidate turns per scenario")
    p.add_argument("--json", action="store_true", help="print results as JSON")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        settings = load_settings(ScenarioSettings)
        key = settings.require_api_key()
    except SettingsError as e:
        print(str(e), file=sys.stderr)
        return 2
    from .runner import run_cli  # livekit-agents and the plugins load only for a real run

    return asyncio.run(
        run_cli(settings, api_key=key, only=args.only, as_json=args.json, max_turns=args.turns)
    )


if __name__ == "__main__":
    sys.exit(main())
