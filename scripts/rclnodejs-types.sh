#!/usr/bin/env bash
# Fetches rclnodejs' published TypeScript declarations (types/ of the npm tarball) into
# .typecheck/rclnodejs for test/ros/typecheck.test.ts, which checks our rclnodejs boundary and its
# fake against them. Only the tarball is downloaded and unpacked: rclnodejs is never installed or
# imported (its install and import need a ROS 2 environment). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=2.2.0
DEST=.typecheck/rclnodejs
if [ -f "$DEST/types/index.d.ts" ] && [ "$(cat "$DEST/VERSION" 2>/dev/null)" = "$VERSION" ]; then
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
npm pack "rclnodejs@$VERSION" --pack-destination "$tmp" --silent >/dev/null
tar -xzf "$tmp/rclnodejs-$VERSION.tgz" -C "$tmp" package/types package/package.json
rm -rf "$DEST"
mkdir -p "$DEST"
mv "$tmp/package/types" "$tmp/package/package.json" "$DEST/"
echo "$VERSION" > "$DEST/VERSION"
echo "[setup] rclnodejs $VERSION typings in $DEST"
