#!/usr/bin/env bash
# Regenerates the tables of docs/round-trips.md: runs RoundTripTableTests with REDISSTORES_UPDATE_ROUNDTRIPS=1, which
# measures every operation against a redis-server of its own and writes what it measured. Needs redis-server on PATH
# (tests/run.sh installs it). Review the diff of docs/round-trips.md before committing it.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v redis-server >/dev/null 2>&1; then
  echo "tests/update-round-trips.sh: needs redis-server on PATH (apt-get install redis-server, or run tests/run.sh once)" >&2
  exit 1
fi
REDISSTORES_UPDATE_ROUNDTRIPS=1 dotnet test tests/RedisStores.Tests/RedisStores.Tests.csproj -c Release \
  --filter "FullyQualifiedName~RedisStores.Tests.RoundTrips.RoundTripTableTests"
git --no-pager diff --stat -- docs/round-trips.md
