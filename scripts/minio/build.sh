#!/usr/bin/env bash
# Builds MinIO (an S3-compatible server; the recordings' S3 store is tested against it) from its
# Go module with the machine's Go, into .cache/minio/<version>/minio (ignored by git). The
# version is pinned (MinIO publishes no tagged Go module versions, so it is a pseudo-version of
# a commit on master). Reuses the binary when it was built from that version. Prints its path.
#   bash scripts/minio/build.sh            # build if needed, print the path
#   bash scripts/minio/build.sh --force    # rebuild
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
version="v0.0.0-20260212201848-7aac2a2c5b7c"
bin_dir="$root/.cache/minio/$version"
binary="$bin_dir/minio"

if ! command -v go >/dev/null 2>&1; then
  [ -x /usr/local/go/bin/go ] && export PATH="/usr/local/go/bin:$PATH"
fi

built_version() { go version -m "$1" 2>/dev/null | awk '$1 == "mod" && $2 == "github.com/minio/minio" { print $3 }'; }

if [ "${1:-}" != "--force" ] && [ -x "$binary" ] && command -v go >/dev/null 2>&1 \
  && [ "$(built_version "$binary")" = "$version" ]; then
  echo "MinIO $version already built: $binary" >&2
  echo "$binary"
  exit 0
fi

command -v go >/dev/null 2>&1 || {
  echo "Go is needed to build MinIO (https://go.dev/dl/)" >&2
  exit 1
}

echo "Building MinIO $version with $(go version) (several minutes the first time)..." >&2
mkdir -p "$bin_dir"
started=$(date +%s)
GOBIN="$bin_dir" GOFLAGS="${GOFLAGS:-} -buildvcs=false" \
  go install "github.com/minio/minio@$version" >&2
actual="$(built_version "$binary")"
if [ "$actual" != "$version" ]; then
  echo "built binary is from '$actual', expected '$version'" >&2
  exit 1
fi
echo "Built MinIO $actual in $(( $(date +%s) - started )) s: $binary" >&2
echo "$binary"
