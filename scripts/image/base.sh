#!/usr/bin/env bash
# A stand-in for the Dockerfile's base image, made here because no image registry is reachable:
# Debian bookworm (debootstrap, minbase) plus this machine's Node 20 laid out as the official
# node:20-bookworm-slim lays it out (/usr/local/bin/node, npm, the headers in /usr/local/include/node),
# a `node` user with uid 1000, and tagged with the name the Dockerfile's FROM uses.
#
#   scripts/image/base.sh          # needs root, debootstrap and buildah (Debian's packages)
#
# BUILDAH_ROOT chooses buildah's storage (vfs), IMAGE_CACHE where the debootstrapped tree is kept
# between runs (a fresh machine makes it in a few minutes; later runs reuse it).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=scripts/image/env.sh
source "$here/env.sh"

from=$(sed -n 's/^FROM \([^ ]*\).*/\1/p' "$here/../../Dockerfile" | head -1)
node_bin=$(command -v node)
node_version=$(node -p 'process.versions.node')
case "$node_version" in 20.*) ;; *) echo "base.sh: this machine's node is $node_version, the image wants 20" >&2; exit 1 ;; esac
if [ "$("${buildah[@]}" images -q "$from" 2>/dev/null)" != "" ] && [ "${IMAGE_REBUILD_BASE:-0}" != 1 ]; then
  echo "base: $from is there already"
  exit 0
fi

mkdir -p "$IMAGE_CACHE"
rootfs="$IMAGE_CACHE/bookworm-minbase"
if [ ! -x "$rootfs/bin/bash" ]; then
  echo "base: debootstrap bookworm (minbase) into $rootfs"
  rm -rf "$rootfs.partial"
  debootstrap --variant=minbase bookworm "$rootfs.partial" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" \
    >"$IMAGE_CACHE/debootstrap.log" 2>&1 || { tail -20 "$IMAGE_CACHE/debootstrap.log" >&2; exit 1; }
  mv "$rootfs.partial" "$rootfs"
fi

# The tree that becomes the image: the cached Debian plus Node, so the cache itself stays pristine.
tree=$(mktemp -d "$IMAGE_CACHE/tree.XXXXXX")
trap 'rm -rf "$tree"' EXIT
cp -a "$rootfs/." "$tree/"
npm_dir=$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)
node_prefix=$(cd "$(dirname "$node_bin")/.." && pwd)
mkdir -p "$tree/usr/local/bin" "$tree/usr/local/lib/node_modules" "$tree/usr/local/include"
cp "$node_bin" "$tree/usr/local/bin/node"
cp -a "$npm_dir" "$tree/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$tree/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$tree/usr/local/bin/npx"
cp -a "$node_prefix/include/node" "$tree/usr/local/include/node"
chroot "$tree" groupadd --gid 1000 node
chroot "$tree" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
rm -rf "$tree"/var/lib/apt/lists/* "$tree"/var/cache/apt/*.bin "$tree"/var/cache/apt/archives/*.deb

ctr=$("${buildah[@]}" from scratch)
"${buildah[@]}" copy --quiet "$ctr" "$tree" / >/dev/null
"${buildah[@]}" config \
  --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --env NODE_VERSION="$node_version" \
  --cmd node --label org.smartcloudops.stand-in=true "$ctr"
"${buildah[@]}" commit --quiet --format docker --rm "$ctr" "$from" >/dev/null
echo "base: $from made from Debian bookworm and node $node_version"
