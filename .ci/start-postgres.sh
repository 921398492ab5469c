#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster on loopback for the test suite and print its URL.
# Usage: eval "$(bash .ci/start-postgres.sh)"   -> exports TEST_POSTGRES_URL
set -euo pipefail
port="${PGPORT_TEST:-55432}"
dir="${PGDATA_TEST:-/tmp/interview-pg}"
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
if ! "$bin/pg_isready" -h 127.0.0.1 -p "$port" -q 2>/dev/null; then
  rm -rf "$dir"
  mkdir -p "$dir"
  chown postgres:postgres "$dir"
  su postgres -c "$bin/initdb -D $dir -U postgres --auth=trust -E UTF8" >/dev/null
  su postgres -c "$bin/pg_ctl -D $dir -o '-c listen_addresses=127.0.0.1 -p $port -k /tmp' -l $dir/server.log -w start" >/dev/null
fi
echo "export TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:$port/postgres"
