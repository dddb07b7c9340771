#!/bin/sh
# Renders nginx.conf for Compose/Swarm (the container's command runs it before nginx starts):
#   render-compose-conf.sh <source> <target>
# EDGE_MODE=prod keeps the lines ending in "# prod" (HTTP -> HTTPS redirect, HSTS) and refuses to
# start without a certificate; any other mode drops them, and drops HTTPS ("# tls" lines) when no
# certificate is mounted at $TLS_DIR (default /etc/nginx/tls: tls.crt and tls.key).
set -eu
source=$1
target=$2
tls_dir=${TLS_DIR:-/etc/nginx/tls}
have_cert=no
if [ -s "$tls_dir/tls.crt" ] && [ -s "$tls_dir/tls.key" ]; then have_cert=yes; fi

sed -e 's/@LISTEN@/80/g' -e "s#/etc/nginx/tls/#$tls_dir/#g" "$source" >"$target"
if [ "${EDGE_MODE:-dev}" = prod ]; then
  if [ "$have_cert" = no ]; then
    echo "nginx: EDGE_MODE=prod needs tls.crt and tls.key in $tls_dir" >&2
    exit 1
  fi
else
  sed -i '/# prod$/d' "$target"
  if [ "$have_cert" = no ]; then
    echo "nginx: no certificate in $tls_dir, HTTPS is off (node scripts/dev-cert.mjs .data/tls makes one)" >&2
    sed -i '/# tls$/d' "$target"
  fi
fi
