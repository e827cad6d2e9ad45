#!/usr/bin/env bash
# Builds the pinned LiveKit server (the version of the `livekit` image in docker-compose.yml)
# from its Go module with the machine's Go, into .cache/livekit/<version>/server (ignored by
# git). Reuses the binary when it is already there and reports that version. Prints its path.
#   bash scripts/livekit/build.sh            # build if needed, print the path
#   bash scripts/livekit/build.sh --force    # rebuild
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
version="$(bash "$root/scripts/livekit/version.sh")"
bin_dir="$root/.cache/livekit/$version"
binary="$bin_dir/server"
expected="livekit-server version ${version#v}"

if [ "${1:-}" != "--force" ] && [ -x "$binary" ] && [ "$("$binary" --version 2>/dev/null)" = "$expected" ]; then
  echo "LiveKit server $version already built: $binary" >&2
  echo "$binary"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  [ -x /usr/local/go/bin/go ] && export PATH="/usr/local/go/bin:$PATH"
fi
command -v go >/dev/null 2>&1 || {
  echo "Go is needed to build the LiveKit server (https://go.dev/dl/); or set LIVEKIT_URL to a running one" >&2
  exit 1
}

echo "Building LiveKit server $version with $(go version) (a few minutes the first time)..." >&2
mkdir -p "$bin_dir"
started=$(date +%s)
# GOBIN makes `go install` put the binary (named `server`) straight into the cache folder.
GOBIN="$bin_dir" GOFLAGS="${GOFLAGS:-} -buildvcs=false" \
  go install "github.com/livekit/livekit-server/cmd/server@$version" >&2
actual="$("$binary" --version)"
if [ "$actual" != "$expected" ]; then
  echo "built binary reports '$actual', expected '$expected'" >&2
  exit 1
fi
echo "Built $actual in $(( $(date +%s) - started )) s: $binary" >&2
echo "$binary"
