#!/usr/bin/env bash
# Installs what the compose test needs when it is missing (Debian/Ubuntu, root): the Docker engine
# (docker.io), debootstrap (base images), and the Compose v2 and buildx CLI plugins
# (install-compose-plugins.sh: Debian bookworm's own docker-compose is v1).
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
  bash "$(dirname "${BASH_SOURCE[0]}")/install-compose-plugins.sh"
fi
docker compose version >/dev/null && docker buildx version >/dev/null
