"""`python -m agent start|dev|console|download-files` — the livekit-agents CLI around our worker.

Settings are loaded first: a missing or malformed variable prints one line and exits 2, before
the CLI connects anywhere.
"""

from __future__ import annotations

import sys

from livekit.agents import cli

from interview_store import SettingsError

from .worker import build_server, get_settings


def main() -> None:
    try:
        settings = get_settings()
    except SettingsError as e:
        print(str(e), file=sys.stderr)
        raise SystemExit(2) from None
    cli.run_app(build_server(settings))


if __name__ == "__main__":
    main()
