#!/usr/bin/env bash
# Set up and run the whole platform on one machine: token server (+ web client), agent worker,
# evals worker, and, unless LIVEKIT_URL is set, an embedded LiveKit server on 127.0.0.1.
#
# Only GOOGLE_API_KEY is needed. On first run .env is created from .env.example with generated
# LiveKit key/secret and recruiter token; with LIVEKIT_URL unset (in the environment and in
# .env) the pinned livekit-server (.ci/install-livekit.sh) runs in dev mode with
# deploy/livekit-local.yaml: loopback-only media, webhook to the token server signed with the
# same key. With LIVEKIT_URL set (LiveKit Cloud, a cluster) that server is used instead.
#
# RUN_LOCAL_SKIP_SETUP=1 skips the package/dependency/web-build steps on re-runs.
# Logs: $STORAGE_DIR/logs/*.log (default data/logs). Ctrl+C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${RUN_LOCAL_SKIP_SETUP:-0}" != 1 ]; then
  if [ "$(id -u)" = 0 ]; then
    bash .ci/install-system-deps.sh
  else
    echo "not root: skipping Debian packages (see .ci/install-system-deps.sh)" >&2
  fi
  command -v uv >/dev/null || python3 -m pip install --quiet "uv==0.13.8"
  uv sync --frozen
  uv run python -m agent.vision.fetch_models
  (cd web && npm ci --no-audit --no-fund && npm run build)
fi

# --- .env: create it, and replace placeholders with generated values -------------------------
random_hex() { python3 -c "import secrets, sys; print(secrets.token_hex(int(sys.argv[1])))" "$1"; }
env_get() { grep -E "^$1=" .env | tail -n1 | cut -d= -f2- || true; }
env_set() {  # replace an active or commented line, or append
  python3 - "$1" "$2" <<'PY'
import re, sys
from pathlib import Path
name, value = sys.argv[1], sys.argv[2]
env = Path(".env")
text = env.read_text()
line = f"{name}={value}"
pattern = re.compile(rf"^#?\s*{re.escape(name)}=.*$", re.MULTILINE)
text, n = pattern.subn(lambda _m: line, text, count=1)
if not n:
    text = text.rstrip("\n") + "\n" + line + "\n"
env.write_text(text)
PY
}

if [ ! -f .env ]; then
  cp .env.example .env
  # no LiveKit server given: the embedded one below (set LIVEKIT_URL to use your own)
  sed -i -E 's|^LIVEKIT_URL=.*|# LIVEKIT_URL=  (unset: scripts/run-local.sh runs an embedded livekit-server)|' .env
  echo "Created .env from .env.example." >&2
fi
if [ -z "$(env_get LIVEKIT_API_KEY)" ] || [ "$(env_get LIVEKIT_API_KEY)" = devkey ]; then
  env_set LIVEKIT_API_KEY "lk$(random_hex 6)"
fi
case "$(env_get LIVEKIT_API_SECRET)" in
  "" | change-me*) env_set LIVEKIT_API_SECRET "$(random_hex 24)" ;;
esac
if [ -z "${GOOGLE_API_KEY:-}" ] && [ -z "$(env_get GOOGLE_API_KEY)" ]; then
  echo "Set GOOGLE_API_KEY in .env (a Gemini API key), then re-run $0." >&2
  exit 1
fi

port="${PORT:-$(env_get PORT)}"
port="${port:-8080}"
storage="$(env_get STORAGE_DIR)"
storage="${STORAGE_DIR:-${storage:-./data}}"
logs="$storage/logs"
mkdir -p "$logs"

pids=()
cleanup() {
  trap - EXIT INT TERM
  [ "${#pids[@]}" -gt 0 ] && kill -TERM "${pids[@]}" 2>/dev/null || true
  wait || true
}
trap cleanup EXIT INT TERM

wait_for() {  # name, seconds, command...
  local name="$1" seconds="$2"
  shift 2
  for _ in $(seq 1 "$((seconds * 5))"); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "$name did not come up within ${seconds}s; see $logs/" >&2
  return 1
}

# --- LiveKit: the one in LIVEKIT_URL, or the embedded server -----------------------------------
livekit_url="${LIVEKIT_URL:-$(env_get LIVEKIT_URL)}"
case "$livekit_url" in
  ws://localhost:7880 | ws://127.0.0.1:7880)  # the old .env.example default: embed if nothing answers
    curl -fsS http://127.0.0.1:7880/ >/dev/null 2>&1 || livekit_url="" ;;
esac
if [ -z "$livekit_url" ]; then
  bash .ci/install-livekit.sh >/dev/null
  key="$(env_get LIVEKIT_API_KEY)"
  secret="$(env_get LIVEKIT_API_SECRET)"
  config="$storage/livekit-local.yaml"
  sed "s|http://127.0.0.1:8080/api/livekit/webhook|http://127.0.0.1:${port}/api/livekit/webhook|" \
    deploy/livekit-local.yaml >"$config"
  # a clean environment: livekit-server maps LIVEKIT_* variables onto its own options
  env -i PATH="$PATH" HOME="${HOME:-/tmp}" LIVEKIT_KEYS="$key: $secret" LIVEKIT_WEBHOOK_API_KEY="$key" \
    .tools/bin/livekit-server --dev --bind 127.0.0.1 --config "$config" \
    >"$logs/livekit-server.log" 2>&1 &
  pids+=($!)
  wait_for livekit-server 30 curl -fsS http://127.0.0.1:7880/
  livekit_url="ws://127.0.0.1:7880"
  echo "LiveKit: embedded livekit-server at $livekit_url (loopback only)"
else
  echo "LiveKit: $livekit_url"
fi
export LIVEKIT_URL="$livekit_url"

# The token server migrates the database at start-up; the workers start once it is ready.
uv run --frozen python -m tokenserver >"$logs/tokenserver.log" 2>&1 &
pids+=($!)
wait_for "token server" 60 curl -fsS "http://127.0.0.1:${port}/readyz"
# the first admin account, when there is none: its password is printed this once
uv run --frozen python -m tokenserver users add "${ADMIN_EMAIL:-admin@example.com}" \
  --name Admin --role admin --if-no-admin
uv run --frozen python -m agent start >"$logs/agent.log" 2>&1 &
pids+=($!)
wait_for "agent worker registration" 90 grep -q "registered worker" "$logs/agent.log"
uv run --frozen python -m evals worker >"$logs/evals.log" 2>&1 &
pids+=($!)

echo "Ready. Open http://localhost:${port}/ (candidates) and http://localhost:${port}/recruiter"
echo "(recruiters: sign in with an account; python -m tokenserver users add EMAIL adds one)."
echo "Logs in $logs/. Ctrl+C stops everything."
wait -n
echo "a process exited; stopping the others (see $logs/)" >&2
