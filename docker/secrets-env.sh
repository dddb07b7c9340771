#!/bin/sh
# Entry point of the service images (POSIX sh): turns secret files into environment variables,
# then replaces itself with the real command, so `node` receives SIGTERM directly.
#
#   X_FILE=/run/secrets/x   →   X="<contents of /run/secrets/x>" (trailing newlines dropped)
#
# for every X in $SECRET_FILE_VARS (default below; set it to extend the list). Only listed names
# are converted: unrelated *_FILE variables (e.g. a CA bundle path set by a platform) must not be
# turned into huge environment variables.
#
# Rules:
#   - X and X_FILE both non-empty is an error (which one should win would be a guess).
#   - An unreadable or empty X_FILE is an error: the service must not start with a blank secret.
#   - MONGODB_URL / REDIS_URL may hold the placeholder __MONGODB_PASSWORD__ / __REDIS_PASSWORD__;
#     it is replaced by MONGODB_PASSWORD / REDIS_PASSWORD (usually from MONGODB_PASSWORD_FILE),
#     so a database password lives in one secret, shared with the database's init script.
#     Such passwords must be URL-safe ([A-Za-z0-9._~-]); docker/generate-secrets.sh makes hex ones.
# The services themselves only ever see plain variables; they do not know about *_FILE.
set -eu

fail() {
  echo "secrets-env: $*" >&2
  exit 1
}

names="${SECRET_FILE_VARS:-JWT_SIGNING_KEYS JWT_PUBLIC_KEYS INTERNAL_TOKEN MONGODB_URL MONGODB_PASSWORD REDIS_URL REDIS_PASSWORD ADMIN_EMAIL ADMIN_PASSWORD}"

for name in $names; do
  case "$name" in
    '' | [0-9]* | *[!A-Za-z0-9_]*) fail "SECRET_FILE_VARS: '$name' is not a variable name" ;;
  esac
  eval "file=\${${name}_FILE:-}"
  eval "current=\${${name}:-}"
  [ -n "$file" ] || continue
  [ -z "$current" ] || fail "both $name and ${name}_FILE are set; set only one"
  [ -r "$file" ] || fail "${name}_FILE points to $file, which is not readable"
  value=$(cat "$file")
  [ -n "$value" ] || fail "${name}_FILE points to $file, which is empty"
  export "$name=$value"
  unset "${name}_FILE"
done

# fill_password URL_VAR PASSWORD_VAR PLACEHOLDER
fill_password() {
  eval "url=\${$1:-}"
  eval "password=\${$2:-}"
  case "$url" in
    *"$3"*) ;;
    *) return 0 ;;
  esac
  [ -n "$password" ] || fail "$1 contains $3 but $2 (or ${2}_FILE) is not set"
  case "$password" in
    *[!A-Za-z0-9._~-]*) fail "$2 must be URL-safe ([A-Za-z0-9._~-]) to be placed in $1" ;;
  esac
  while :; do
    case "$url" in
      *"$3"*) url="${url%%"$3"*}${password}${url#*"$3"}" ;;
      *) break ;;
    esac
  done
  export "$1=$url"
  unset "$2"
}

fill_password MONGODB_URL MONGODB_PASSWORD __MONGODB_PASSWORD__
fill_password REDIS_URL REDIS_PASSWORD __REDIS_PASSWORD__

[ "$#" -gt 0 ] || fail "no command given"
exec "$@"
