#!/bin/sh
# Installs aiproxy as a systemd service:
#   the binary       -> /usr/local/bin/aiproxy
#   the unit         -> /etc/systemd/system/aiproxy.service
#   a sample config  -> /etc/aiproxy/config.yaml         (kept if it exists)
#   a proxy key      -> /etc/aiproxy/aiproxy.env          (generated if it does not exist)
#   a system user    -> aiproxy, state in /var/lib/aiproxy (mode 0700)
#
# Usage: sudo sh install.sh [BINARY]
# BINARY defaults to aiproxy-linux-<arch> next to this script or in ../dist. aiproxy.service and
# config.example.yaml are taken from next to this script (the release attaches all three).
# DESTDIR=/some/root installs into a staging tree instead (no user, ownership or systemctl).
set -eu

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
root=${DESTDIR:-}

die() {
  echo "install.sh: $*" >&2
  exit 1
}

case "$(uname -m)" in
  x86_64 | amd64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) die "no aiproxy build for $(uname -m)" ;;
esac
# musl systems (Alpine) need the musl build.
if [ "$arch" = amd64 ] && ldd --version 2>&1 | grep -qi musl; then arch=amd64-musl; fi

bin=${1:-}
if [ -z "$bin" ]; then
  for candidate in "$here/aiproxy-linux-$arch" "$here/../dist/aiproxy-linux-$arch"; do
    if [ -f "$candidate" ]; then bin=$candidate; break; fi
  done
  [ -n "$bin" ] || die "no aiproxy-linux-$arch next to this script or in dist/; pass the binary's path"
fi
[ -f "$bin" ] || die "$bin does not exist"
# A bare file name would be looked up in PATH when run below ("aiproxy-linux-amd64: not found").
case $bin in */*) ;; *) bin=./$bin ;; esac
for f in aiproxy.service config.example.yaml; do
  [ -f "$here/$f" ] || die "$here/$f is missing (download it with the binary)"
done
[ -n "$root" ] || [ "$(id -u)" -eq 0 ] || die "run as root (sudo sh $0)"

# A download is checked against the release's SHA256SUMS when it sits next to the binary.
sums="$(dirname -- "$bin")/SHA256SUMS"
if [ -f "$sums" ] && command -v sha256sum >/dev/null 2>&1; then
  name=$(basename -- "$bin")
  if grep -q "  $name\$" "$sums"; then
    (cd "$(dirname -- "$bin")" && grep "  $name\$" SHA256SUMS | sha256sum -c -) >/dev/null || die "$bin does not match SHA256SUMS"
    echo "checksum ok: $name"
  fi
fi

chmod +x "$bin"
version=$("$bin" --version) || die "$bin does not run on this machine"
echo "installing $version"

if [ -z "$root" ] && ! id aiproxy >/dev/null 2>&1; then
  useradd --system --user-group --home-dir /var/lib/aiproxy --no-create-home --shell /usr/sbin/nologin aiproxy
  echo "created system user aiproxy"
fi

# Root owns what the service only reads; the group lets it read the config and its secrets.
owner() {
  if [ -z "$root" ]; then chown "$1" "$2"; fi
}

install -d -m 0755 "$root/usr/local/bin" "$root/etc/systemd/system"
install -m 0755 "$bin" "$root/usr/local/bin/aiproxy.new"
mv -f "$root/usr/local/bin/aiproxy.new" "$root/usr/local/bin/aiproxy"
install -m 0644 "$here/aiproxy.service" "$root/etc/systemd/system/aiproxy.service"

install -d -m 0750 "$root/etc/aiproxy"
owner root:aiproxy "$root/etc/aiproxy"
if [ -f "$root/etc/aiproxy/config.yaml" ]; then
  echo "kept /etc/aiproxy/config.yaml (the current sample is $here/config.example.yaml)"
else
  install -m 0640 "$here/config.example.yaml" "$root/etc/aiproxy/config.yaml"
  owner root:aiproxy "$root/etc/aiproxy/config.yaml"
  echo "wrote /etc/aiproxy/config.yaml from the sample: add your upstream keys"
fi
if [ ! -f "$root/etc/aiproxy/aiproxy.env" ]; then
  key=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
  umask 027
  printf '# Environment for aiproxy.service. Upstream keys can go here too (OPENAI_API_KEY=...).\nAIPROXY_API_KEY=%s\n' "$key" \
    >"$root/etc/aiproxy/aiproxy.env"
  owner root:aiproxy "$root/etc/aiproxy/aiproxy.env"
  echo "wrote /etc/aiproxy/aiproxy.env with a new proxy key: $key"
fi

# The state directory (the service's HOME) is made by systemd when the service first starts; made here
# too, so that signing in as the service's user (README "Run as a service") works before that.
install -d -m 0700 "$root/var/lib/aiproxy"
owner aiproxy:aiproxy "$root/var/lib/aiproxy"

# /run/systemd/system exists only when systemd is the running init (not in containers or chroots).
if [ -z "$root" ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  if systemctl is-active --quiet aiproxy; then
    echo "aiproxy is running the old binary: systemctl restart aiproxy"
  else
    echo "start it with: systemctl enable --now aiproxy"
  fi
else
  echo "systemd is not running here: the unit is installed but not loaded"
fi
