#!/usr/bin/env bash
# Fetches a Node.js build from the npm registry (the node-linux-<arch> package,
# which carries the node binary and its own headers for node-gyp --nodedir)
# into a cache directory, and prints the path of its node binary.
#
#   scripts/fetch-node.sh 22            newest 22.x
#   scripts/fetch-node.sh 24.3.0        an exact version
#
# Environment: VIPD_NODE_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/vipd-node).
# Idempotent: a version already in the cache is not fetched again. Never a
# project dependency: nothing is written to package.json or node_modules.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 MAJOR|VERSION" >&2; exit 2; }
SPEC=$1
case "$SPEC" in
  [0-9]* ) ;;
  *) echo "fetch-node: not a version: $SPEC" >&2; exit 2 ;;
esac
case "$(uname -m)" in
  x86_64) ARCH=x64 ;;
  aarch64) ARCH=arm64 ;;
  *) echo "fetch-node: unsupported machine $(uname -m)" >&2; exit 1 ;;
esac
PKG="node-linux-$ARCH"
CACHE=${VIPD_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vipd-node}
mkdir -p "$CACHE"

# A major alone resolves to the newest release of that line; the resolved version names the directory.
VERSION=$(npm view "$PKG@$SPEC" version --json 2>/dev/null | node -e '
  const v = JSON.parse(require("fs").readFileSync(0, "utf8") || "null");
  const list = Array.isArray(v) ? v : v === null ? [] : [v];
  if (list.length === 0) process.exit(1);
  const key = (s) => s.split(".").map(Number);
  list.sort((a, b) => { const x = key(a), y = key(b); for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i]; return 0; });
  console.log(list[list.length - 1]);
') || { echo "fetch-node: the registry has no $PKG@$SPEC" >&2; exit 1; }

DIR="$CACHE/$VERSION"
if [ ! -x "$DIR/bin/node" ]; then
  TMP=$(mktemp -d "$CACHE/.fetch.XXXXXX")
  trap 'rm -rf "$TMP"' EXIT
  (cd "$TMP" && npm pack --silent "$PKG@$VERSION" >/dev/null)
  mkdir -p "$TMP/unpacked"
  tar -xzf "$TMP"/*.tgz -C "$TMP/unpacked"
  [ -x "$TMP/unpacked/package/bin/node" ] || { echo "fetch-node: $PKG@$VERSION has no bin/node" >&2; exit 1; }
  rm -rf "$DIR"
  mv "$TMP/unpacked/package" "$DIR"
fi
echo "$DIR/bin/node"
