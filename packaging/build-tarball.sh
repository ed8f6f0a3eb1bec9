#!/usr/bin/env bash
# Builds the release tarball for servers without npm:
#   dist/pkg/vipd-<version>-linux-<arch>.tar.gz
# holding the compiled output, production node_modules (npm ci --omit=dev,
# pure JavaScript), vipd's own N-API addons (ARP sender, sd_notify; compiled
# by the same npm ci, and loadable by every Node with N-API 8), the systemd
# unit, sysusers/tmpfiles snippets, example configs, alert rules, the Grafana
# dashboard, docs, the man page and bash/zsh completions, and install.sh. Run
# through `npm run package` (which compiles first).
#
# Environment: OUT_DIR (default dist/pkg).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT_DIR=${OUT_DIR:-$ROOT/dist/pkg}

die() { echo "build-tarball: $*" >&2; exit 1; }

[ -f dist/src/cli/main.js ] || die "dist/src/cli/main.js is missing: run 'npm run build' first (or 'npm run package')"
for f in systemd/vipd.service systemd/vipd.sysusers.conf systemd/vipd.tmpfiles.conf config/vipd.example.yaml alerts/vipd.rules.yml alerts/keepalived-exporter.rules.yml dashboards/vipd.json dist/src/cli/gen-cli-docs.js packaging/install.sh package-lock.json; do
  [ -f "$f" ] || die "$f is missing"
done

VERSION=$(node -p "require('./package.json').version")
ARCH=$(node -p 'process.arch')
BUILT_WITH_NODE=$(node -p 'process.versions.node')
NAME="vipd-${VERSION}-linux-${ARCH}"

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/vipd-pkg.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
APP="$STAGE/$NAME"
mkdir -p "$APP/dist" "$APP/systemd" "$APP/config" "$APP/alerts" "$APP/docs"

# Compiled daemon only: tests and benchmarks stay out; source maps point at
# .ts files that are not shipped.
cp -R dist/src "$APP/dist/src"
find "$APP/dist" -name '*.map' -delete
# Only what src/ compiles to today: tsc never deletes the output of a file
# since moved or removed (the lab used to live in src/lab), so such leftovers
# in dist/src stay out of the package.
(cd "$APP/dist/src" && find . -name '*.js' -print0) | while IFS= read -r -d '' js; do
  [ -f "src/${js%.js}.ts" ] || rm -f "$APP/dist/src/$js"
done
find "$APP/dist/src" -type d -empty -delete

cp package.json package-lock.json binding.gyp "$APP/"
# The addons' sources: npm ci below compiles them (package.json's install script).
mkdir -p "$APP/native" && cp native/*.c native/*.h "$APP/native/"
# Production dependencies exactly as locked; no third-party native addon, so
# nothing here depends on this Node's module ABI (install.sh checks N-API and arch).
(cd "$APP" && npm ci --omit=dev --no-audit --no-fund --prefer-offline --loglevel=error >/dev/null)
# Type declarations are never loaded at run time; oci-common lists several @types packages as
# production dependencies, which would ship ~100 .d.ts files.
rm -rf "$APP/node_modules/@types"
node -e "
  const broken = require('$APP/dist/src/native/addons.js').loadNativeAddons().filter((l) => l.error !== null);
  for (const l of broken) console.error(l.error.message);
  process.exit(broken.length === 0 ? 0 : 1);
" || die "vipd's native addons do not load after npm ci"
# Only the loadable objects are needed at run time, not the build tree.
mkdir -p "$STAGE/addons" && mv "$APP"/build/Release/*.node "$STAGE/addons/"
rm -rf "$APP/build" "$APP/native" "$APP/binding.gyp"
mkdir -p "$APP/build/Release" && mv "$STAGE"/addons/*.node "$APP/build/Release/"

cp systemd/vipd.service systemd/vipd.sysusers.conf systemd/vipd.tmpfiles.conf "$APP/systemd/"
cp config/*.example.yaml "$APP/config/"
cp alerts/vipd.rules.yml alerts/keepalived-exporter.rules.yml "$APP/alerts/"
mkdir -p "$APP/dashboards" && cp dashboards/vipd.json "$APP/dashboards/"
# The man page and shell completions, generated from this build's command-line definition.
node dist/src/cli/gen-cli-docs.js "$APP" || die "could not generate the man page and completions"
cp -R docs/. "$APP/docs/"
for f in README.md LICENSE CHANGELOG.md; do [ -f "$f" ] && cp "$f" "$APP/"; done
install -m 0755 packaging/install.sh "$APP/install.sh"

cat >"$APP/BUILD-INFO" <<EOF
VIPD_VERSION=$VERSION
NODE_ARCH=$ARCH
NODE_NAPI_VERSION=8
BUILT_WITH_NODE=$BUILT_WITH_NODE
EOF

mkdir -p "$OUT_DIR"
TARBALL="$OUT_DIR/$NAME.tar.gz"
# Owned by root in the archive whoever builds it; sorted for stable listings.
tar -C "$STAGE" --owner=0 --group=0 --numeric-owner --sort=name -czf "$TARBALL" "$NAME"
echo "$TARBALL"
