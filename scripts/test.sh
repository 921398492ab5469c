#!/usr/bin/env bash
# The whole test suite (README; `.ci/run` runs it), in two phases so it fits 2 cores in time:
#   1. every test not paced by the wall clock, over pytest-xdist workers (one per core by
#      default, TEST_WORKERS to change), a test module per worker at a time so module fixtures
#      (token servers, browsers) start once;
#   2. the tests that are paced by it, one at a time, so no neighbour's CPU slows them down:
#      marker `e2e` (a real livekit-server with the platform's processes) and marker `timing`
#      (realtime audio through the agent, latency budgets).
# Extra arguments go to both phases (e.g. `-x`, `-k name`, a test file). Both phases always run;
# the status is the first failing phase's. A phase with nothing selected (pytest's 5) is fine
# unless both select nothing.
set -uo pipefail
cd "$(dirname "$0")/.."

workers="${TEST_WORKERS:-2}"
uv run pytest -m "not e2e and not timing" -n "$workers" --dist loadfile --durations=10 "$@"
parallel=$?
uv run pytest -m "e2e or timing" --durations=15 "$@"
serial=$?

if [ "$parallel" -eq 5 ] && [ "$serial" -eq 5 ]; then exit 5; fi
for status in "$parallel" "$serial"; do
  if [ "$status" -ne 0 ] && [ "$status" -ne 5 ]; then exit "$status"; fi
done
exit 0
