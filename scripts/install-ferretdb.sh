#!/usr/bin/env bash
# Builds FerretDB (a MongoDB wire-protocol server over SQLite) from the Go module proxy.
# A plain `go install` produces a binary that panics at start because the module lacks the
# generated build/version/version.txt, so we build from a writable copy with that file added.
set -euo pipefail

FERRETDB_VERSION="${FERRETDB_VERSION:-v1.24.2}"
BIN_DIR="${FERRETDB_BIN_DIR:-$(go env GOPATH)/bin}"
TARGET="$BIN_DIR/ferretdb"

if [ -x "$TARGET" ] && "$TARGET" --version 2>/dev/null | grep -q "${FERRETDB_VERSION#v}"; then
  echo "ferretdb ${FERRETDB_VERSION} already at $TARGET"
  exit 0
fi

command -v go >/dev/null || { echo "install-ferretdb: Go is required (apt-get install golang)" >&2; exit 1; }
export GOTOOLCHAIN=local GOFLAGS=-mod=mod
module="github.com/FerretDB/FerretDB@${FERRETDB_VERSION}"
src_dir=$(go mod download -json "$module" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')

work=$(mktemp -d)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
cp -r "$src_dir/." "$work/"
chmod -R u+w "$work"
echo "$FERRETDB_VERSION" > "$work/build/version/version.txt"

mkdir -p "$BIN_DIR"
echo "building ferretdb ${FERRETDB_VERSION} (a few minutes on a small machine)..."
if ! (cd "$work" && go build -trimpath -o "$TARGET" ./cmd/ferretdb); then
  echo "retrying with -checklinkname=0 (needed by newer Go linkers)"
  (cd "$work" && go build -trimpath -ldflags=-checklinkname=0 -o "$TARGET" ./cmd/ferretdb)
fi
"$TARGET" --version | head -n 1
