#!/bin/sh
# Creates the secret files docker-compose.prod.yml expects, one value per file, in
# ${SECRETS_DIR:-./secrets} (relative to the repository root). Existing files are kept, so it is
# safe to run again; delete a file to rotate that secret (and see docs/docker-and-monitoring.md
# for what a rotated DB password also needs).
# Values are hex (URL-safe) because DB passwords end up inside MONGODB_URL.
set -eu
cd "$(dirname "$0")/.."
dir="${SECRETS_DIR:-./secrets}"
umask 077
mkdir -p "$dir"

random_hex() { # bytes
  if command -v openssl >/dev/null 2>&1; then
    openssl rand -hex "$1"
  else
    od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'
  fi
}

for name in internal_token mongo_root_password mongo_users_password \
  mongo_products_password mongo_orders_password grafana_admin_password redis_password; do
  file="$dir/$name"
  if [ -s "$file" ]; then
    echo "kept    $file"
  else
    random_hex 32 >"$file"
    echo "created $file"
  fi
done
# user-service's access-token signing keys: a JWK Set of one Ed25519 private key (only
# user-service mounts it). To rotate, see "Rotating the signing key" in docs/docker-and-monitoring.md.
keys="$dir/jwt_signing_keys"
if [ -s "$keys" ]; then
  echo "kept    $keys"
else
  command -v node >/dev/null 2>&1 || { echo "generate-secrets: node is needed to make $keys" >&2; exit 1; }
  printf '{"keys":[%s]}\n' "$(node scripts/lib/dev-signing-keys.mjs)" >"$keys"
  echo "created $keys"
fi
# Readable by the containers' non-root users (Compose bind-mounts secret files as they are).
chmod 0644 "$dir"/*
