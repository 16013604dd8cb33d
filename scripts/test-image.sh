#!/usr/bin/env bash
# `npm run test:image`: builds the Dockerfile with Debian's buildah (chroot isolation, vfs storage,
# --pull=never: no registry is reachable) on a stand-in base image made here (scripts/image/base.sh),
# reports the image's size, then runs tests/image against it: `serve` from the image answers
# /healthz and its HEALTHCHECK, a Slack round trip, SIGTERM; `worker` from the image against Redis.
# Needs root, buildah and debootstrap (apt-get install -y buildah debootstrap), and Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/image/env.sh
source scripts/image/env.sh
t0=$(date +%s)

bash scripts/image/base.sh
t1=$(date +%s)

echo "image: building $IMAGE_TAG from the Dockerfile"
# This machine reaches the npm registry through a TLS-inspecting proxy: its CA goes in as a build
# secret (the Dockerfile uses it for `npm ci` only; nothing of it stays in the image).
ca=${BUILD_CA_FILE:-/etc/ssl/certs/ca-certificates.crt}
secret=()
[ -s "$ca" ] && secret=(--secret "id=ca,src=$ca")
"${buildah[@]}" build --isolation chroot --pull=never --format docker --layers=false --quiet \
  "${secret[@]}" --tag "$IMAGE_TAG" . >"$IMAGE_WORK/build.log" 2>&1 || { tail -40 "$IMAGE_WORK/build.log" >&2; exit 1; }
t2=$(date +%s)

# The size on disk (uncompressed layers), and what a registry would store (gzip of the layer tar).
size=$("${buildah[@]}" images --format '{{.Size}}' "$IMAGE_TAG")
rm -f "$IMAGE_WORK/image.tar"
"${buildah[@]}" push --quiet "$IMAGE_TAG" "docker-archive:$IMAGE_WORK/image.tar:$IMAGE_TAG" >/dev/null
gz=$(gzip -1 -c "$IMAGE_WORK/image.tar" | wc -c)
rm -f "$IMAGE_WORK/image.tar"
echo "image: $IMAGE_TAG is $size uncompressed, $((gz / 1000000)) MB gzipped"
echo "image: base $((t1 - t0)) s, build $((t2 - t1)) s"

npx jest --config jest.image.config.js
echo "test:image: done in $(($(date +%s) - t0)) s"
