#!/usr/bin/env bash
# Runs the pieces of the embedded database that scripts/install-embedded-db.sh built:
#
#   embedded-db.sh postgres --data DIR --port PORT [--throwaway]
#       PostgreSQL 18 + DocumentDB on 127.0.0.1:PORT with its data in DIR (a new DIR starts as a copy
#       of the template). --throwaway: no fsync at all, for test databases that die with the test.
#       SIGTERM/SIGINT stop it with PostgreSQL's fast shutdown (clients are disconnected, data kept).
#   embedded-db.sh ferretdb --postgres-port PORT [--postgres-data DIR] [FERRETDB FLAGS...]
#       FerretDB once PostgreSQL on PORT accepts queries (it would log a refused connection per
#       pooled connection otherwise), then exec'd: signals reach FerretDB itself. With the data
#       directory, FerretDB talks to PostgreSQL over the Unix socket PostgreSQL keeps there.
#   embedded-db.sh ferretdb-bin     print the FerretDB binary's path
#   embedded-db.sh versions         print what is installed (one line)
#   embedded-db.sh make-template DIR   (used by the installer)
#
# PostgreSQL runs chrooted in the Debian forky root filesystem, in a private mount namespace where
# DIR is bound onto /mnt/pgdata: the mount disappears with the process, nothing is left to unmount.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE_DIR="${ECOM_EMBEDDED_DB_DIR:-$(bash "$here/install-embedded-db.sh" --dir)}"
ROOTFS="$CACHE_DIR/rootfs"
PG_BIN=/usr/lib/postgresql/18/bin
MOUNT_POINT=/mnt/pgdata

die() {
  echo "[embedded-db] ERROR: $*" >&2
  exit 1
}

[ -d "$ROOTFS" ] || die "not built: run bash scripts/install-embedded-db.sh (npm start and npm test do)"

postgres_owner() { chroot "$ROOTFS" id -u postgres && chroot "$ROOTFS" id -g postgres; }

# in_namespace DATA_DIR COMMAND...: COMMAND (a shell snippet run as root in the chroot's namespace)
# with DATA_DIR on /mnt/pgdata and a private /dev/shm for PostgreSQL's shared memory.
in_namespace() {
  local data_dir="$1"
  shift
  exec unshare --mount --propagation private sh -c '
    rootfs="$1"; data_dir="$2"; mount_point="$3"; shift 3
    mkdir -p "$rootfs$mount_point"
    mount --bind "$data_dir" "$rootfs$mount_point"
    mount -t tmpfs -o size=512m,mode=1777 tmpfs "$rootfs/dev/shm"
    exec chroot "$rootfs" "$@"' sh "$ROOTFS" "$data_dir" "$MOUNT_POINT" "$@"
}

own_for_postgres() {
  local ids
  ids="$(postgres_owner | paste -sd: -)"
  chown -R "$ids" "$1"
  chmod 700 "$1"
}

make_template() {
  local dir="$1"
  mkdir -p "$dir"
  own_for_postgres "$dir"
  in_namespace "$dir" setpriv --reuid=postgres --regid=postgres --init-groups env HOME=/var/lib/postgresql sh -c "
    set -e
    $PG_BIN/initdb -D $MOUNT_POINT -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
    cat >>$MOUNT_POINT/postgresql.conf <<'CONF'
# The embedded database (scripts/embedded-db.sh): DocumentDB and its scheduler, loopback only.
shared_preload_libraries = 'pg_cron,pg_documentdb_core,pg_documentdb'
cron.database_name = 'postgres'
# pg_cron runs DocumentDB's index builds. In background workers rather than over connections of its
# own: a job remembers the host and port it was scheduled on, and every copy of this template
# listens on another port.
cron.use_background_workers = on
max_worker_processes = 24
cron.log_run = off
cron.log_statement = off
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
# A local database, not a server's: the last commits may be lost on a power cut, never corrupted.
synchronous_commit = off
CONF
    $PG_BIN/pg_ctl -D $MOUNT_POINT -w -s -o '-c listen_addresses= -c unix_socket_directories=$MOUNT_POINT' start >/dev/null
    $PG_BIN/psql -h $MOUNT_POINT -U postgres -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION documentdb CASCADE' postgres 2>&1 | grep -v NOTICE || true
    $PG_BIN/psql -h $MOUNT_POINT -U postgres -qtA -c \"SELECT extversion FROM pg_extension WHERE extname = 'documentdb'\" postgres | grep -q .
    $PG_BIN/pg_ctl -D $MOUNT_POINT -w -s -m fast stop
  "
}

run_postgres() {
  local data_dir="" port="" throwaway=0
  while [ $# -gt 0 ]; do
    case "$1" in
      --data) data_dir="$2"; shift 2 ;;
      --port) port="$2"; shift 2 ;;
      --throwaway) throwaway=1; shift ;;
      *) die "postgres: unknown argument $1" ;;
    esac
  done
  [ -n "$data_dir" ] && [ -n "$port" ] || die "postgres: --data DIR --port PORT required"
  mkdir -p "$data_dir"
  data_dir="$(cd "$data_dir" && pwd)"
  if [ ! -f "$data_dir/PG_VERSION" ]; then
    cp -a "$CACHE_DIR/template/." "$data_dir/"
  fi
  own_for_postgres "$data_dir"
  # A crash leaves postmaster.pid behind; PostgreSQL checks it against live processes itself.
  # DocumentDB settles racing inserts of one unique key (and updates racing over the same rows) as
  # deadlocks, and PostgreSQL looks for one only after deadlock_timeout: at its default (1 s) every
  # such racer stalled a second before its E11000 or retry.
  # Besides 127.0.0.1, a Unix socket in the data directory (only root and postgres may enter it)
  # for FerretDB: a query and its answer then skip loopback TCP's network stack.
  # Documents over ~2 kB (a customer's pending-units tally) are compressed on every update: pglz was
  # ~0.5 ms of CPU per checkout order (perf), lz4 a fraction of that (BENCHMARKS.md). Set here, not in
  # the template, so data directories made before it get it too.
  local settings=(-c "port=$port" -c deadlock_timeout=100ms -c "unix_socket_directories=$MOUNT_POINT"
    -c default_toast_compression=lz4)
  if [ "$throwaway" = 1 ]; then settings+=(-c fsync=off -c full_page_writes=off); fi
  in_namespace "$data_dir" setpriv --reuid=postgres --regid=postgres --init-groups \
    "$PG_BIN/postgres" -D "$MOUNT_POINT" "${settings[@]}" &
  local pid=$!
  # SIGTERM is PostgreSQL's "smart" shutdown, which waits for every client to leave; a stop here
  # means fast shutdown (clients cut, data flushed).
  trap 'kill -INT "$pid" 2>/dev/null || true' TERM INT HUP
  local rc=0
  while kill -0 "$pid" 2>/dev/null; do
    wait "$pid" && rc=0 || rc=$?
  done
  exit "$rc"
}

run_ferretdb() {
  [ "${1:-}" = --postgres-port ] && [ -n "${2:-}" ] || die "ferretdb: --postgres-port PORT required"
  local port="$2" url="postgres://postgres@127.0.0.1:$2/postgres"
  shift 2
  if [ "${1:-}" = --postgres-data ] && [ -n "${2:-}" ]; then
    local socket_dir
    socket_dir="$(cd "$2" && pwd)"
    # The socket's path must fit in sun_path (108 bytes); a deeper data directory keeps to TCP.
    if [ ${#socket_dir} -lt 88 ]; then url="postgres://postgres@/postgres?host=$socket_dir&port=$port"; fi
    shift 2
  fi
  local deadline=$((SECONDS + 60))
  until chroot "$ROOTFS" "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres; do
    [ "$SECONDS" -lt "$deadline" ] || die "PostgreSQL on port $port did not accept queries within 60 s"
    sleep 0.2
  done
  exec "$CACHE_DIR/bin/ferretdb" --postgresql-url="$url" "$@"
}

case "${1:-}" in
  ferretdb)
    shift
    run_ferretdb "$@"
    ;;
  postgres)
    shift
    run_postgres "$@"
    ;;
  ferretdb-bin) echo "$CACHE_DIR/bin/ferretdb" ;;
  versions) bash "$here/install-embedded-db.sh" --versions ;;
  make-template) (make_template "${2:?directory}") ;;
  *) die "usage: embedded-db.sh postgres|ferretdb|ferretdb-bin|versions|make-template" ;;
esac
