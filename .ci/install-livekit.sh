#!/usr/bin/env bash
# The real LiveKit media server, pinned, into the project-local (git-ignored) .tools/bin.
#
# Only `go install` of a published module: v1.13.5's go.mod has no `replace` directive, so the
# Go module proxy builds it as released (v1.13.0/.1 and later releases with `replace` cannot be
# installed this way; check a new tag with `go mod download -json` and read its go.mod first).
# Reused when .tools/bin/livekit-server already prints the pinned version.
#
# Not installed, and why (both refused by the Go module proxy on this project's machines with
# "403 Forbidden: This module version is not available"):
# - the `lk` CLI (github.com/livekit/livekit-cli/v2/cmd/lk@v2.16.3): load tests use our own
#   rtc clients instead (bench/load.py);
# - egress (github.com/livekit/egress; it also has a `replace` directive and needs cgo and
#   GStreamer): the tests keep the Twirp emulator (testkit/livekit_twirp.py) for egress, and
#   e2e runs use RECORDING_MODE=off with the agent's own stereo recording.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION="1.13.5"
BIN_DIR="$PWD/.tools/bin"
TARGET="$BIN_DIR/livekit-server"

if [ -x "$TARGET" ] && "$TARGET" --version 2>/dev/null | grep -q "version $VERSION\$"; then
  echo "livekit-server $VERSION already installed at $TARGET"
  exit 0
fi

command -v go >/dev/null || { echo "go is required (Go >= 1.25) to install livekit-server" >&2; exit 1; }
mkdir -p "$BIN_DIR"
# CGO off: livekit-server needs no cgo, and a static binary runs on any of our hosts.
GOBIN="$BIN_DIR" CGO_ENABLED=0 \
  go install "github.com/livekit/livekit-server/cmd/server@v$VERSION"
mv -f "$BIN_DIR/server" "$TARGET"
"$TARGET" --version
