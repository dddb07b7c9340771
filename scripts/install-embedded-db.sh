#!/usr/bin/env bash
# Builds the embedded MongoDB-compatible database that `npm start` and `npm test` run: FerretDB v2
# (a MongoDB wire-protocol server, from the Go module proxy) over PostgreSQL 18 with Microsoft's
# DocumentDB extension. PostgreSQL 18 and DocumentDB are packaged only in Debian forky, so they live
# in a debootstrap root filesystem and run chrooted (scripts/embedded-db.sh). The build is cached
# outside the checkout, with a stamp naming what is inside; it is rebuilt only when the stamp changes.
#
#   install-embedded-db.sh              build unless the cache is current (about a minute)
#   install-embedded-db.sh --is-current exit 0 when the cache holds this build
#   install-embedded-db.sh --dir        print the cache directory
#   install-embedded-db.sh --versions   print what the cache holds (one line)
set -euo pipefail

DEBIAN_SUITE=forky
POSTGRESQL_MAJOR=18
# Pinned: a rebuild on another day installs the same server. When the archive has moved on, the
# build stops and names the package; bump the version here (and re-run the tests).
PACKAGES=(
  "postgresql-${POSTGRESQL_MAJOR}=18.6-3"
  "postgresql-${POSTGRESQL_MAJOR}-documentdb=1.0-0-1"
  "postgresql-${POSTGRESQL_MAJOR}-cron=1.6.8-1"
)
FERRETDB_VERSION=v2.7.0
# Bumped when the layout of the cache changes (rootfs/, bin/, template/).
LAYOUT=1

# The template's recipe (postgresql.conf and CREATE EXTENSION) lives in embedded-db.sh: a change to it rebuilds.
RECIPE="$(sha256sum "$(dirname "${BASH_SOURCE[0]}")/embedded-db.sh" | cut -c1-12)"
STAMP="layout=${LAYOUT} debian=${DEBIAN_SUITE} ${PACKAGES[*]} ferretdb=${FERRETDB_VERSION} recipe=${RECIPE}"
CACHE_DIR="${ECOM_EMBEDDED_DB_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ecommerce-microservices/embedded-db}"

log() { echo "[embedded-db] $*"; }
die() {
  echo "[embedded-db] ERROR: $*" >&2
  exit 1
}

is_current() { [ -f "$CACHE_DIR/STAMP" ] && [ "$(cat "$CACHE_DIR/STAMP")" = "$STAMP" ]; }

case "${1:-}" in
  --is-current) is_current && exit 0 || exit 1 ;;
  --dir)
    echo "$CACHE_DIR"
    exit 0
    ;;
  --versions)
    is_current || die "not built yet (bash scripts/install-embedded-db.sh)"
    echo "FerretDB ${FERRETDB_VERSION}, ${PACKAGES[*]} (Debian ${DEBIAN_SUITE})"
    exit 0
    ;;
  "") ;;
  *) die "unknown argument: $1" ;;
esac

if is_current; then
  log "current: $STAMP"
  exit 0
fi

# --- what this machine must offer ----------------------------------------------------------------
ALTERNATIVES="set MONGODB_URL to any MongoDB 7 (npm start and npm test then start no database), or run the whole system with Docker Compose (docker compose up)"
[ "$(uname -s)" = Linux ] || die "the embedded database needs Linux; $ALTERNATIVES"
[ "$(id -u)" -eq 0 ] || die "the embedded database needs root (debootstrap, chroot, mount namespaces); $ALTERNATIVES"
command -v apt-get >/dev/null || die "the embedded database needs a Debian or Ubuntu host (apt-get, debootstrap); $ALTERNATIVES"
command -v unshare >/dev/null || die "unshare (util-linux) is missing; $ALTERNATIVES"
command -v go >/dev/null || die "Go is required to build FerretDB (scripts/setup.sh installs it)"
if ! command -v debootstrap >/dev/null || [ ! -e /usr/share/debootstrap/scripts/sid ]; then
  log "apt-get install debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null ||
    die "could not install debootstrap"
fi

# The mirror apt already uses (a machine may only reach its own); deb.debian.org otherwise.
mirror() {
  local uri
  uri="$(grep -hE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
    grep -oE 'https?://[^ ]+/debian/?' | head -n 1 || true)"
  echo "${uri:-http://deb.debian.org/debian}"
}

started=$SECONDS
mkdir -p "$(dirname "$CACHE_DIR")"
work="$(mktemp -d "$(dirname "$CACHE_DIR")/embedded-db.build.XXXXXX")"
cleanup() {
  umount "$work/rootfs/proc" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# FerretDB builds while the root filesystem is assembled: the two take about as long.
log "building FerretDB ${FERRETDB_VERSION} with $(go version | cut -d' ' -f3) (in the background)"
mkdir -p "$work/bin"
GOBIN="$work/bin" GOFLAGS=-trimpath go install "github.com/FerretDB/FerretDB/v2/cmd/ferretdb@${FERRETDB_VERSION}" \
  >"$work/ferretdb-build.log" 2>&1 &
ferretdb_build=$!

log "debootstrap --variant=minbase ${DEBIAN_SUITE} from $(mirror)"
# bookworm's debootstrap has no forky script; forky is built like sid.
debootstrap --variant=minbase "$DEBIAN_SUITE" "$work/rootfs" "$(mirror)" /usr/share/debootstrap/scripts/sid \
  >"$work/debootstrap.log" 2>&1 || {
  tail -n 20 "$work/debootstrap.log" >&2
  die "debootstrap of Debian ${DEBIAN_SUITE} failed"
}
# The archive's Release files can be past their Valid-Until date on a mirror snapshot.
echo 'Acquire::Check-Valid-Until "false";' >"$work/rootfs/etc/apt/apt.conf.d/99no-valid-until"
in_rootfs() { chroot "$work/rootfs" env DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"; }
in_rootfs apt-get update -qq >/dev/null || die "apt-get update inside the ${DEBIAN_SUITE} root filesystem failed"
for pinned in "${PACKAGES[@]}"; do
  package="${pinned%%=*}"
  version="${pinned#*=}"
  if ! in_rootfs apt-cache madison "$package" | awk -F'|' '{gsub(/ /, "", $2); print $2}' | grep -qxF "$version"; then
    available="$(in_rootfs apt-cache madison "$package" | awk -F'|' '{gsub(/ /, "", $2); print $2}' | paste -sd, -)"
    die "Debian ${DEBIAN_SUITE} no longer has ${package} ${version} (it has: ${available:-none}); update PACKAGES in scripts/install-embedded-db.sh"
  fi
done
log "apt-get install ${PACKAGES[*]}"
mount -t proc proc "$work/rootfs/proc"
in_rootfs apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >"$work/apt.log" 2>&1 || {
  tail -n 20 "$work/apt.log" >&2
  die "installing ${PACKAGES[*]} failed"
}
in_rootfs apt-get clean
umount "$work/rootfs/proc"

wait "$ferretdb_build" || {
  tail -n 20 "$work/ferretdb-build.log" >&2
  die "building FerretDB ${FERRETDB_VERSION} failed"
}

# A data directory with the DocumentDB extension created, copied for every new database: a server
# starts in a second instead of running initdb and CREATE EXTENSION each time.
log "preparing the template data directory"
ECOM_EMBEDDED_DB_DIR="$work" bash "$(dirname "${BASH_SOURCE[0]}")/embedded-db.sh" make-template "$work/template"

echo "$STAMP" >"$work/STAMP"
rm -f "$work"/*.log
rm -rf "$CACHE_DIR"
mv "$work" "$CACHE_DIR"
trap - EXIT
log "built in $((SECONDS - started)) s: $STAMP"
