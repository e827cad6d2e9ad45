#!/usr/bin/env bash
# Prints the pinned LiveKit server version (e.g. v1.13.5). The one place that names it is the
# `livekit` image tag in docker-compose.yml; the build script, the tests and the compose file
# all read it from there, so they cannot disagree.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
version="$(sed -n 's|^[[:space:]]*image:[[:space:]]*livekit/livekit-server:\(v[0-9][0-9.]*\)[[:space:]]*$|\1|p' "$root/docker-compose.yml" | head -1)"
if [ -z "$version" ]; then
  echo "no 'image: livekit/livekit-server:vX.Y.Z' line in docker-compose.yml" >&2
  exit 1
fi
echo "$version"
