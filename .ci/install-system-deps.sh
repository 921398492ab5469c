#!/usr/bin/env bash
# Debian packages the test suite and local runs need. Idempotent; run as root.
set -euo pipefail
packages=(
  postgresql            # storage tests against a real server
  chromium chromium-driver  # browser tests (Playwright drives /usr/bin/chromium)
  espeak-ng sox         # synthetic candidate speech for the voice pipeline tests
  libportaudio2         # livekit-agents console mode
  docker-compose        # validates docker-compose.yml without an engine
  fonts-dejavu-core     # deterministic text in screenshots
  libgl1 libglib2.0-0   # OpenCV (pulled in by mediapipe) loads these at import
  redis-server          # the two-node LiveKit cluster in the end-to-end tests
  bubblewrap            # sandbox/: namespaces for untrusted candidate code
  python3-minimal       # sandbox/: the interpreter candidates' Python runs on (/usr/bin/python3)
  nodejs                # sandbox/: JavaScript runs on the system Node (/usr/bin/node)
  g++                   # sandbox/: the compiled language candidates may choose
  prometheus            # promtool checks and unit-tests the alert rules in deploy/
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
