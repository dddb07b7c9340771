#!/usr/bin/env bash
# Installs what the compose test needs when it is missing (Debian/Ubuntu, root): the Docker engine
# (docker.io), debootstrap (base images), and the Compose v2 and buildx CLI plugins. Debian
# bookworm's docker-compose is v1 (ignores `configs`, no --wait), so the plugins come from the
# next Debian suite: only those two .deb files are downloaded (apt-get download with a private
# package list; the system's sources are left alone) and installed; they need only libc6.
set -euo pipefail

log() { echo "[ensure-engine] $*" >&2; }
apt_ok() { command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; }

if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null; then
  apt_ok || { log "dockerd or debootstrap missing and apt-get unavailable"; exit 1; }
  log "apt-get install docker.io debootstrap"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io debootstrap >/dev/null
fi
command -v docker >/dev/null || { log "no docker CLI"; exit 1; }

if ! docker compose version >/dev/null 2>&1 || ! docker buildx version >/dev/null 2>&1; then
  apt_ok || { log "Compose v2 / buildx plugins missing and apt-get unavailable"; exit 1; }
  suite="${COMPOSE_PLUGIN_SUITE:-trixie}"
  dir=$(mktemp -d)
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
fi
docker compose version >/dev/null && docker buildx version >/dev/null
