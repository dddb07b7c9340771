#!/bin/bash
# TEST-ONLY entrypoint of the MongoDB stand-in (docker/test-images/ferretdb.Dockerfile): PostgreSQL
# 18 + DocumentDB on 127.0.0.1:5432 with its data in the volume, then FerretDB on :27017 in front of
# it; the arguments go to FerretDB. One container for both, like mongo:7, so the compose files keep
# one `mongo` service. When either stops the other is stopped too and the container exits: a
# database without its front (or the reverse) must not look alive to the restart policy.
set -uo pipefail

data=/data/db/postgresql
# A new volume starts as a copy of the initialised template (initdb and CREATE EXTENSION documentdb
# would take seconds of a loaded test machine); the copy is renamed into place only when complete.
if [ ! -f "$data/PG_VERSION" ]; then
  rm -rf "$data.new"
  cp -a /usr/local/share/embedded-db/template "$data.new" && mv "$data.new" "$data" || exit 1
fi

postgres -D "$data" -c port=5432 &
pg=$!
ferret=""
stopping=""
requested=""

# FerretDB first (it closes its clients' connections), then PostgreSQL's fast shutdown: SIGTERM
# would be PostgreSQL's smart shutdown, which waits for every client to leave.
shutdown() {
  stopping=1
  if [ -n "$ferret" ]; then
    kill -TERM "$ferret" 2>/dev/null
    wait "$ferret" 2>/dev/null
  fi
  kill -INT "$pg" 2>/dev/null
}
trap 'requested=1; shutdown' TERM INT

until pg_isready -q -h 127.0.0.1 -p 5432; do
  [ -z "$stopping" ] && kill -0 "$pg" 2>/dev/null || break
  sleep 0.2
done
if [ -z "$stopping" ] && kill -0 "$pg" 2>/dev/null; then
  # --no-auth: no users, as before with FerretDB v1 (the services' URLs carry no credentials).
  ferretdb --postgresql-url=postgres://postgres@127.0.0.1:5432/postgres --listen-addr=:27017 --no-auth \
    --state-dir=/data/db --debug-addr=- --telemetry=disable "$@" &
  ferret=$!
  # Returns when either exits, or at once when a signal arrives (the trap then stops both).
  wait -n "$pg" "$ferret"
  if [ -z "$stopping" ]; then
    echo "ferretdb-entrypoint: $(kill -0 "$pg" 2>/dev/null && echo FerretDB || echo PostgreSQL) exited; stopping" >&2
    shutdown
  fi
fi
# A signal interrupts a wait (status > 128 with PostgreSQL still there): wait again.
while :; do
  wait "$pg"
  rc=$?
  [ "$rc" -gt 128 ] && kill -0 "$pg" 2>/dev/null || break
done
# Only a requested stop that went through PostgreSQL's clean shutdown is a success.
[ -n "$requested" ] && [ "$rc" -eq 0 ] && exit 0
exit 1
