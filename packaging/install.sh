#!/usr/bin/env bash
# Installs vipd from this unpacked release tarball (docs/install.md).
#
#   sudo ./install.sh                   install on this machine
#   ./install.sh --destdir /tmp/root    only lay the files out under a prefix
#                                       (packaging, tests): no user, no
#                                       systemctl, no dependency check
#   --check-deps                        check node and iproute2 even with --destdir
#
# Idempotent: run it again to upgrade. It never overwrites /etc/vipd/vipd.yaml
# and never enables or starts the service.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
DESTDIR=${DESTDIR:-}
CHECK_DEPS=1
FORCE_CHECK=0

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
die() { echo "install.sh: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --destdir) [ $# -ge 2 ] || die "--destdir needs a directory"; DESTDIR=$2; shift 2 ;;
    --destdir=*) DESTDIR=${1#--destdir=}; shift ;;
    --no-deps-check) CHECK_DEPS=0; shift ;;
    --check-deps) FORCE_CHECK=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done

if [ -n "$DESTDIR" ]; then
  DESTDIR=$(mkdir -p "$DESTDIR" && cd "$DESTDIR" && pwd)
  [ "$FORCE_CHECK" -eq 1 ] || CHECK_DEPS=0
  SYSTEM=0
else
  [ "$(id -u)" -eq 0 ] || die "run as root (or use --destdir DIR to lay the files out elsewhere)"
  SYSTEM=1
fi

[ -f "$HERE/BUILD-INFO" ] || die "BUILD-INFO missing: run install.sh from an unpacked vipd tarball"
# shellcheck disable=SC1091
. "$HERE/BUILD-INFO"

APP=/opt/vipd
UNIT_DIR=/usr/local/lib/systemd/system
SYSUSERS_DIR=/usr/local/lib/sysusers.d
TMPFILES_DIR=/usr/local/lib/tmpfiles.d
CONF_DIR=/etc/vipd
BIN=/usr/local/bin/vipd
MAN_DIR=/usr/local/share/man/man1
BASH_COMPLETION_DIR=/usr/local/share/bash-completion/completions
ZSH_COMPLETION_DIR=/usr/local/share/zsh/site-functions

NODE_BIN=${NODE_BIN:-$(command -v node || true)}
[ -n "$NODE_BIN" ] || NODE_BIN=/usr/bin/node

# --- dependencies: nodejs >= 20 with N-API 8 (every supported line has it: the addons are N-API only,
# so one tarball serves Node 20, 22, 24 and 26), the tarball's architecture, iproute2. Gratuitous ARP is
# sent by vipd's own addon by default; iputils-arping is needed only with os.arp.sender: arping.
if [ "$CHECK_DEPS" -eq 1 ]; then
  missing=()
  # The unit runs with ProtectHome=yes as user vipd: a node under a home directory (nvm) cannot start.
  case "$NODE_BIN" in
    /home/* | /root/* | /run/user/*) die "$NODE_BIN is under a home directory, which the service cannot reach (ProtectHome=yes, user vipd): install nodejs system-wide or set NODE_BIN" ;;
  esac
  if [ ! -x "$NODE_BIN" ]; then
    missing+=("nodejs (>= 20)")
  else
    major=$("$NODE_BIN" -p "process.versions.node.split('.')[0]")
    napi=$("$NODE_BIN" -p 'process.versions.napi || 0')
    [ "$major" -ge 20 ] || die "node $major is too old: vipd needs nodejs >= 20"
    [ "$napi" -ge "$NODE_NAPI_VERSION" ] ||
      die "$NODE_BIN offers N-API $napi; vipd's addons need N-API $NODE_NAPI_VERSION (nodejs >= 20)"
    case "$major" in
      20) echo "install.sh: note: Node 20 reached end of life in April 2026; vipd still runs on it, but upgrade to 22, 24 or 26 (docs/install.md)" >&2 ;;
      22 | 24 | 26) ;;
      *) echo "install.sh: note: Node $major is not a line vipd is tested on (20, 22, 24, 26)" >&2 ;;
    esac
    arch=$("$NODE_BIN" -p 'process.arch')
    [ "$arch" = "$NODE_ARCH" ] || die "this tarball is for $NODE_ARCH, this machine's node is $arch"
  fi
  command -v ip >/dev/null 2>&1 || missing+=("iproute2")
  [ "${#missing[@]}" -eq 0 ] || die "missing dependencies: ${missing[*]} (Debian/Ubuntu: apt-get install nodejs iproute2)"
  command -v arping >/dev/null 2>&1 || echo "install.sh: note: arping (iputils-arping) is not installed; it is needed only with os.arp.sender: arping" >&2
fi

# --- the vipd user and group
if [ "$SYSTEM" -eq 1 ]; then
  if command -v systemd-sysusers >/dev/null 2>&1; then
    systemd-sysusers "$HERE/systemd/vipd.sysusers.conf"
  elif ! getent passwd vipd >/dev/null; then
    useradd --system --user-group --home-dir / --no-create-home --shell /usr/sbin/nologin --comment "vipd floating-IP failover daemon" vipd
  fi
fi

# --- the application: swapped in whole, so an upgrade never mixes versions
D="$DESTDIR"
mkdir -p "$D/opt"
rm -rf "$D$APP.new" "$D$APP.old"
mkdir -p "$D$APP.new"
cp -R "$HERE/dist" "$HERE/build" "$HERE/node_modules" "$HERE/config" "$HERE/alerts" "$HERE/docs" "$HERE/systemd" \
  "$HERE/package.json" "$HERE/BUILD-INFO" "$D$APP.new/"
for f in README.md LICENSE CHANGELOG.md package-lock.json; do [ -f "$HERE/$f" ] && cp "$HERE/$f" "$D$APP.new/"; done
for d in dashboards man completions; do [ -d "$HERE/$d" ] && cp -R "$HERE/$d" "$D$APP.new/"; done
chmod -R u=rwX,go=rX "$D$APP.new"
# --- before the swap: the native addons must load with this node and this C library (a tarball built on a newer
# glibc passes the checks above and then fails at start), found the way the daemon finds them.
if [ "$CHECK_DEPS" -eq 1 ]; then
  "$NODE_BIN" -e "
    const broken = require('$D$APP.new/dist/src/native/addons.js').loadNativeAddons().filter((l) => l.error !== null);
    for (const l of broken) console.error(l.error.message);
    process.exit(broken.length === 0 ? 0 : 1);
  " ||
    { rm -rf "$D$APP.new"; die "the native addons of this tarball do not load with $NODE_BIN on this machine (see the error above); the installed version is untouched: use a tarball built for this distribution"; }
fi
[ -d "$D$APP" ] && mv "$D$APP" "$D$APP.old"
mv "$D$APP.new" "$D$APP"
rm -rf "$D$APP.old"


# --- systemd unit and snippets (a different node path is written into ExecStart)
# A node that accepts --disable-sigusr1 (22.14+, 23.7+) gets it: SIGUSR1 then cannot open the
# inspector even before vipd's own listener exists (docs/operations.md, "Signals"). Node 20 refuses it.
NODE_FLAGS=
if "$NODE_BIN" --disable-sigusr1 -e 0 >/dev/null 2>&1; then NODE_FLAGS='--disable-sigusr1 '; fi
install -d -m 0755 "$D$UNIT_DIR" "$D$SYSUSERS_DIR" "$D$TMPFILES_DIR"
sed "s#^ExecStart=/usr/bin/node #ExecStart=$NODE_BIN $NODE_FLAGS#" "$HERE/systemd/vipd.service" >"$D$UNIT_DIR/vipd.service.tmp"
chmod 0644 "$D$UNIT_DIR/vipd.service.tmp"
mv "$D$UNIT_DIR/vipd.service.tmp" "$D$UNIT_DIR/vipd.service"
install -m 0644 "$HERE/systemd/vipd.sysusers.conf" "$D$SYSUSERS_DIR/vipd.conf"
install -m 0644 "$HERE/systemd/vipd.tmpfiles.conf" "$D$TMPFILES_DIR/vipd.conf"

# --- the CLI on PATH
install -d -m 0755 "$D$(dirname "$BIN")"
printf '#!/bin/sh\nexec %s %s/dist/src/cli/main.js "$@"\n' "$NODE_BIN" "$APP" >"$D$BIN.tmp"
chmod 0755 "$D$BIN.tmp"
mv "$D$BIN.tmp" "$D$BIN"

# --- man page and shell completions (generated from the CLI at build time)
if [ -f "$HERE/man/vipd.1" ]; then
  install -d -m 0755 "$D$MAN_DIR" "$D$BASH_COMPLETION_DIR" "$D$ZSH_COMPLETION_DIR"
  install -m 0644 "$HERE/man/vipd.1" "$D$MAN_DIR/vipd.1"
  install -m 0644 "$HERE/completions/vipd.bash" "$D$BASH_COMPLETION_DIR/vipd"
  install -m 0644 "$HERE/completions/_vipd" "$D$ZSH_COMPLETION_DIR/_vipd"
fi

# --- configuration: created once from the example, never overwritten
install -d -m 0750 "$D$CONF_DIR"
install -m 0644 "$HERE/config/vipd.example.yaml" "$D$CONF_DIR/vipd.yaml.example"
created_config=0
if [ ! -e "$D$CONF_DIR/vipd.yaml" ]; then
  install -m 0640 "$HERE/config/vipd.example.yaml" "$D$CONF_DIR/vipd.yaml"
  created_config=1
fi

if [ "$SYSTEM" -eq 1 ]; then
  # Ownership and modes of /etc/vipd (root:vipd 0750, vipd.yaml 0640).
  if command -v systemd-tmpfiles >/dev/null 2>&1; then
    systemd-tmpfiles --create "$TMPFILES_DIR/vipd.conf"
  else
    chown root:vipd "$CONF_DIR" "$CONF_DIR/vipd.yaml"
    install -d -m 0750 -o vipd -g vipd /var/lib/vipd
  fi
  if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
fi

echo "vipd $VIPD_VERSION installed under ${DESTDIR:-/} ($APP, $UNIT_DIR/vipd.service, $BIN)."
if [ "$created_config" -eq 1 ]; then
  echo "Created $CONF_DIR/vipd.yaml from the example: edit it before starting."
else
  echo "Kept the existing $CONF_DIR/vipd.yaml (the new example is $CONF_DIR/vipd.yaml.example)."
fi
if [ "$SYSTEM" -eq 1 ]; then
  [ -f "$CONF_DIR/heartbeat.key" ] ||
    echo "Next: head -c 32 /dev/urandom | base64 > $CONF_DIR/heartbeat.key; chmod 600 $CONF_DIR/heartbeat.key (same key on every node)."
  echo "Then: vipd check-config $CONF_DIR/vipd.yaml && systemctl enable --now vipd"
fi
