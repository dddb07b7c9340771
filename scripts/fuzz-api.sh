#!/usr/bin/env bash
# The OpenAPI contract fuzzed by schemathesis (e2e/fuzz/openapi-contract.fuzz.ts) against a
# stack it starts on free ports with throw-away databases. Installs a pinned schemathesis into
# .tmp/schemathesis-venv on first use (needs python3 with venv and the package registry).
#   FUZZ_MAX_EXAMPLES=30  examples per operation     FUZZ_SEED=20261129  the fixed seed
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SCHEMATHESIS_VERSION=4.32.5
VENV=.tmp/schemathesis-venv
if ! "$VENV/bin/st" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  echo "[fuzz] installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

report=.tmp/fuzz-report.json
rm -f "$report"
rc=0
npx vitest run --config vitest.fuzz.config.ts || rc=$?
if [ -n "${SUITE_COUNTS_FILE:-}" ] && [ -s "$report" ]; then
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    process.stdout.write(`${r.numPassedTests | 0} ${r.numFailedTests | 0}\n`);
  ' "$report" >"$SUITE_COUNTS_FILE"
fi
exit "$rc"
