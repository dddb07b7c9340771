#!/usr/bin/env bash
# `npm run test:quick`: the edit–test loop. Static checks (typecheck, eslint, prettier) and every
# unit and service-level integration test (real FerretDB and Redis from packages/test-support),
# without what needs whole stacks: no e2e/ (npm start, nginx, Compose), no Docker, no scans, no
# load. CI keeps running the full `npm test` (scripts/test.sh); this is a subset of it.
# Extra arguments go to vitest (e.g. `npm run test:quick -- order-service`).
# Every step runs even after one failed, so one run shows everything to fix; the exit status is
# non-zero when any step failed.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p .tmp
node_bin="$(bash scripts/node-runtime.sh)" || exit 1
export PATH="$node_bin:$PATH"

failed=()
step() {
  local name="$1"
  shift
  local started=$SECONDS
  echo "[test:quick] $name"
  if "$@"; then
    echo "[test:quick] $name: ok ($((SECONDS - started)) s)"
  else
    echo "[test:quick] $name: FAILED ($((SECONDS - started)) s)"
    failed+=("$name")
  fi
}

step typecheck npm run --silent typecheck
step lint npm run --silent lint
step format npm run --silent format:check
# e2e/ starts real stacks (npm start, nginx, two gateways): minutes of CPU, left to `npm test`.
step vitest npx vitest run --exclude 'e2e/**' --outputFile.json=.tmp/vitest-quick-report.json "$@"

if [ ${#failed[@]} -gt 0 ]; then
  echo "[test:quick] failed: ${failed[*]} (${SECONDS} s)"
  exit 1
fi
echo "[test:quick] all passed (${SECONDS} s)"
