#!/usr/bin/env bash
# Installs what the test suite needs on a Debian machine. Idempotent: only missing pieces are
# installed, so running it again is quick.
#   - redis-server                      (required: integration tests start a real Redis)
#   - the embedded database             (required unless mongod is installed or MONGODB_URL is set:
#                                         FerretDB v2 + PostgreSQL/DocumentDB, scripts/install-embedded-db.sh)
#   - nginx, prometheus, Compose v2,    (best effort: config validation / smoke tests)
#     python3-yaml
#   - Node.js 24 (.nvmrc)               (when `node` is older: scripts/node-runtime.sh, outside the checkout)
#   - npm ci                            (skipped when node_modules is current or SETUP_SKIP_NPM=1)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# FerretDB v2.7 needs Go >= 1.25. Debian bookworm's `golang` is 1.19, so when the apt Go is too
# old we fall back to the official tarball of this version.
GO_MIN_VERSION="1.25"
GO_TARBALL_VERSION="${GO_TARBALL_VERSION:-1.25.5}"

log() { echo "[setup] $*"; }
warn() { echo "[setup] WARNING: $*" >&2; }
die() {
  echo "[setup] ERROR: $*" >&2
  exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if have sudo; then SUDO=(sudo); fi
fi

APT_UPDATED=0
# Returns non-zero (instead of exiting) on failure so callers choose between die and warn.
apt_install() {
  if ! have apt-get; then
    warn "apt-get not found; install manually: $*"
    return 1
  fi
  if [ "$(id -u)" -ne 0 ] && [ ${#SUDO[@]} -eq 0 ]; then
    warn "not root and sudo is missing; install manually: $*"
    return 1
  fi
  if [ "$APT_UPDATED" -eq 0 ]; then
    log "apt-get update"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
    APT_UPDATED=1
  fi
  log "apt-get install $*"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null || return 1
}

# --- Node.js (required) ------------------------------------------------------------------------
# Everything below (npm ci builds native modules for the running Node's ABI) runs on the project's Node.
node_bin="$(bash scripts/node-runtime.sh)" || die "could not install Node.js $(cat .nvmrc)"
export PATH="$node_bin:$PATH"
log "node: $(node --version) ($(command -v node))"

# --- redis (required) --------------------------------------------------------------------------
if have redis-server; then
  log "redis-server: present"
else
  apt_install redis-server || die "could not install redis-server"
fi

# --- nginx / prometheus / Compose v2 (best effort) ---------------------------------------------
optional=()
have nginx || optional+=(nginx-light)
have prometheus || optional+=(prometheus)
if [ ${#optional[@]} -eq 0 ]; then
  log "nginx, prometheus: present"
else
  for pkg in "${optional[@]}"; do
    apt_install "$pkg" || warn "could not install $pkg; checks that need it may fail"
  done
fi
# The compose policy checks (scripts/validate-infra.sh) read the rendered files with PyYAML.
if ! /usr/bin/python3 -c 'import yaml' >/dev/null 2>&1; then
  apt_install python3-yaml || warn "could not install python3-yaml; the compose policy check will fail"
fi
# Debian bookworm's own docker-compose package is v1, whose `config` differs from what users run.
if [[ "$(docker-compose version --short 2>/dev/null)" == 2.* ]]; then
  log "docker-compose: v$(docker-compose version --short)"
else
  "${SUDO[@]}" bash scripts/compose-test/install-compose-plugins.sh ||
    warn "could not install Compose v2; the compose file checks will fail"
fi

# --- MongoDB-compatible server -----------------------------------------------------------------
# Prints e.g. "1.24" for "go version go1.24.3 linux/amd64"; empty when go is missing.
go_version() {
  have go || return 0
  go version 2>/dev/null | sed -nE 's/.*go([0-9]+\.[0-9]+).*/\1/p'
}

go_is_recent() {
  local v
  v="$(go_version)"
  [ -n "$v" ] || return 1
  [ "$(printf '%s\n%s\n' "$GO_MIN_VERSION" "$v" | sort -V | head -n 1)" = "$GO_MIN_VERSION" ]
}

install_go_tarball() {
  local arch
  case "$(uname -m)" in
    x86_64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die "no Go tarball for $(uname -m); install Go >= $GO_MIN_VERSION manually" ;;
  esac
  have curl || apt_install curl ca-certificates || die "could not install curl"
  log "installing Go $GO_TARBALL_VERSION to /usr/local/go (apt's Go is older than $GO_MIN_VERSION)"
  local tmp
  tmp="$(mktemp -d)"
  local url="https://go.dev/dl/go${GO_TARBALL_VERSION}.linux-${arch}.tar.gz"
  if ! curl -fsSL "$url" -o "$tmp/go.tgz"; then
    rm -rf "$tmp"
    die "could not download $url"
  fi
  "${SUDO[@]}" rm -rf /usr/local/go
  "${SUDO[@]}" tar -C /usr/local -xzf "$tmp/go.tgz"
  rm -rf "$tmp"
}

if [ -n "${MONGODB_URL:-}" ]; then
  log "MONGODB_URL is set: no local database needed"
elif have mongod; then
  log "mongod: present ($(command -v mongod))"
elif bash scripts/install-embedded-db.sh --is-current; then
  log "embedded database: $(bash scripts/install-embedded-db.sh --versions)"
else
  export PATH="$PATH:/usr/local/go/bin" # where the official tarball lives
  if ! have go; then
    apt_install golang ca-certificates || die "could not install golang"
  fi
  if ! go_is_recent; then
    install_go_tarball
    export PATH="/usr/local/go/bin:$PATH"
    go_is_recent || die "Go >= $GO_MIN_VERSION is required to build FerretDB (found: $(go_version))"
  fi
  have debootstrap || apt_install debootstrap || die "could not install debootstrap"
  bash scripts/install-embedded-db.sh
fi

# --- node modules ------------------------------------------------------------------------------
# npm keeps node_modules/.package-lock.json in sync with what it installed; when it is newer than
# package-lock.json, and node_modules/.node-abi (written below) names the running Node's ABI,
# node_modules is current and `npm ci` (a full reinstall) is skipped. SETUP_FORCE_NPM=1 reinstalls anyway.
# (scripts/start-local.mjs makes the same check before it calls this script.)
node_abi="$(node -p process.versions.modules)"
if [ "${SETUP_SKIP_NPM:-0}" = "1" ]; then
  log "npm ci: skipped (SETUP_SKIP_NPM=1)"
elif [ "${SETUP_FORCE_NPM:-0}" != "1" ] && [ node_modules/.package-lock.json -nt package-lock.json ] &&
  [ "$(cat node_modules/.node-abi 2>/dev/null)" = "$node_abi" ]; then
  log "node_modules: up to date with package-lock.json"
else
  have npm || die "npm not found; install Node.js $(cat .nvmrc) with npm first"
  # node-gyp (a native module without a prebuild) takes the headers of the Node.js package it runs
  # on instead of downloading them.
  if [ -f "$node_bin/../include/node/common.gypi" ]; then export npm_config_nodedir="${node_bin%/bin}"; fi
  log "npm ci (npm $(npm --version) on Node.js $(node --version))"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$node_abi" >node_modules/.node-abi
fi

log "done"
