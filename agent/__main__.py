"""`python -m agent start|dev|console|connect|download-files` — the livekit-agents CLI around
our worker.

Settings load only for the commands that run the worker: `--help` (or no command) and
`download-files` answer without any configuration. For a worker command, a missing or
malformed variable prints one line and exits 2, before the CLI connects anywhere.
"""

from __future__ import annotations

import sys

from livekit.agents import AgentServer, cli

from interview_store import SettingsError

from .worker import build_server, get_settings

WORKER_COMMANDS = frozenset({"start", "dev", "console", "connect"})


def _runs_the_worker(argv: list[str]) -> bool:
    if any(arg in ("-h", "--help") for arg in argv):
        return False
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    return command in WORKER_COMMANDS


def main() -> None:
    if not _runs_the_worker(sys.argv[1:]):
        cli.run_app(AgentServer())  # help and file downloads: nothing to configure
        return
    try:
        settings = get_settings()
    except SettingsError as e:
        print(str(e), file=sys.stderr)
        raise SystemExit(2) from None
    cli.run_app(build_server(settings))


if __name__ == "__main__":
    main()
