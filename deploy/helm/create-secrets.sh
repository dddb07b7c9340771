#!/bin/sh
# Creates (or updates) the Secrets the ecommerce chart references, from the secret files
# docker/generate-secrets.sh writes (random hex values; existing files are kept):
#
#   deploy/helm/create-secrets.sh NAMESPACE [SECRETS_DIR]     # default SECRETS_DIR: ./secrets
#
# Secret names and keys are the chart's defaults (values.yaml, `secrets:`). Re-running after
# deleting a file rotates that value (docs/kubernetes.md: then restart the Deployments).
# ADMIN_EMAIL and ADMIN_PASSWORD, when set, also create ecommerce-admin (the first administrator).
# KUBECTL names the kubectl to run (default: kubectl on PATH).
set -eu
cd "$(dirname "$0")/../.."
namespace="${1:?usage: create-secrets.sh NAMESPACE [SECRETS_DIR]}"
dir="${2:-./secrets}"
kubectl="${KUBECTL:-kubectl}"

SECRETS_DIR="$dir" sh docker/generate-secrets.sh >/dev/null

# secret NAME KEY=FILE...: applied, so a second run updates instead of failing.
secret() {
  name="$1"
  shift
  args=""
  for pair in "$@"; do args="$args --from-file=$pair"; done
  # shellcheck disable=SC2086 # the --from-file options
  $kubectl -n "$namespace" create secret generic "$name" $args --dry-run=client -o yaml | $kubectl -n "$namespace" apply -f - >/dev/null
  echo "secret/$name"
}

secret ecommerce-jwt "signing-keys=$dir/jwt_signing_keys"
secret ecommerce-internal-token "internal-token=$dir/internal_token"
secret ecommerce-redis "password=$dir/redis_password"
secret ecommerce-mongodb "root-password=$dir/mongo_root_password" "users-password=$dir/mongo_users_password" \
  "products-password=$dir/mongo_products_password" "orders-password=$dir/mongo_orders_password"
if [ -n "${ADMIN_EMAIL:-}" ] && [ -n "${ADMIN_PASSWORD:-}" ]; then
  umask 077
  printf '%s' "$ADMIN_EMAIL" >"$dir/admin_email"
  printf '%s' "$ADMIN_PASSWORD" >"$dir/admin_password"
  secret ecommerce-admin "email=$dir/admin_email" "password=$dir/admin_password"
fi
