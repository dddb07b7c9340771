#!/usr/bin/env bash
# Installs the Compose v2 and buildx CLI plugins (Debian/Ubuntu, root). Debian bookworm's
# docker-compose is v1 (ignores `configs` and profiles in `config --services`, no --wait), so the
# plugins come from the next Debian suite: only those two .deb files are downloaded (apt-get
# download with a private package list; the system's sources are left alone) and installed; they
# need only libc6. The docker-compose package also puts a standalone `docker-compose` on PATH.
set -euo pipefail

log() { echo "[compose-plugins] $*" >&2; }
[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || {
  log "needs root and apt-get"
  exit 1
}

suite="${COMPOSE_PLUGIN_SUITE:-trixie}"
dir=$(mktemp -d)
# apt fetches as the unprivileged _apt user, who must be able to enter it.
chmod 755 "$dir"
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/lists/partial" "$dir/archives/partial"
# The mirror the system already uses, with the newer suite.
uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
[ -n "$uri" ] || uri=$(awk '/^deb / { print $2; exit }' /etc/apt/sources.list)
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $suite main" >"$dir/sources.list"
opts=(-o "Dir::Etc::SourceList=$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache::Archives=$dir/archives")
log "Compose v2 and buildx plugins from Debian $suite"
apt-get "${opts[@]}" update -qq >/dev/null
(cd "$dir" && apt-get "${opts[@]}" download docker-compose docker-buildx >/dev/null 2>&1)
dpkg -i "$dir"/docker-compose_*.deb "$dir"/docker-buildx_*.deb >/dev/null
