#!/usr/bin/env bash
# Set up and run the whole platform on one machine: token server (+ web client), agent worker,
# evals worker. Needs a LiveKit server (LIVEKIT_URL) and a Gemini key (GOOGLE_API_KEY) in .env.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" = 0 ]; then
  bash .ci/install-system-deps.sh
else
  echo "not root: skipping Debian packages (see .ci/install-system-deps.sh)" >&2
fi
command -v uv >/dev/null || python3 -m pip install --quiet "uv==0.13.8"
uv sync --frozen
uv run python -m agent.vision.fetch_models
(cd web && npm ci --no-audit --no-fund && npm run build)

if [ ! -f .env ]; then
  cp .env.example .env
  echo "Created .env from .env.example: set LIVEKIT_*, GOOGLE_API_KEY and RECRUITER_TOKEN, then re-run." >&2
  exit 1
fi

pids=()
cleanup() { kill -TERM "${pids[@]}" 2>/dev/null || true; wait; }
trap cleanup EXIT INT TERM

# The token server migrates the database at start-up; the workers wait for it to be ready.
uv run python -m tokenserver & pids+=($!)
port="$(grep -E '^PORT=' .env | cut -d= -f2 || true)"
for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:${port:-8080}/readyz" >/dev/null 2>&1 && break
  sleep 1
done
uv run python -m agent start & pids+=($!)
uv run python -m evals worker & pids+=($!)
echo "Open http://localhost:${port:-8080}/ (candidates) and /recruiter (recruiters)."
wait -n
