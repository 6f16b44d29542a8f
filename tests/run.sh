#!/usr/bin/env bash
# Runs every test of the solution against real Redis servers.
#
# Installs redis-server and redis-tools with apt-get when they are missing (the test fixture starts its own
# servers from them: a standalone one and a 3-master cluster, on free 127.0.0.1 ports, in a temp directory),
# then runs `dotnet test RedisStores.sln`. Exits non-zero on any failure. Set REDIS_URL (and
# REDISSTORES_TEST_CLUSTER=host:port,host:port,...) to test against servers of your own instead.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "tests/run.sh: installing ${missing[*]} with apt-get"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The fixture writes the pid of every redis-server it starts under this directory. It stops them itself; this
# trap only catches servers left behind by a test host that crashed, and touches no other process.
workdir=$(mktemp -d -t redisstores-run.XXXXXX)
export REDISSTORES_TEST_WORKDIR="$workdir"
cleanup() {
  for pidfile in "$workdir"/*/redis-*.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "redis-server"; then
      kill "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$workdir"
}
trap cleanup EXIT

log="$workdir/test-output.log"
set +e
dotnet test RedisStores.sln -c Release --blame-hang-timeout 5m 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One plain summary line, whatever the runner printed.
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -oE 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
echo "tests: $passed passed, $failed failed, $skipped skipped"
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then
  echo "tests/run.sh: no test ran" >&2
  exit 1
fi
if [ "$skipped" -ne 0 ]; then
  echo "tests/run.sh: $skipped tests were skipped; no test may be skipped" >&2
  exit 1
fi
exit "$status"
