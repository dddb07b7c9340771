#!/usr/bin/env bash
# The local stack without npm: everything happens in start-local.mjs (one place for the process
# list); this wrapper only makes sure Node runs it from the repository root. `exec` keeps one pid:
# SIGINT or SIGTERM sent to this script's pid reaches start-local.mjs, which stops every process.
# (`npm start` runs `exec node scripts/start-local.mjs` for the same reason.)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec node scripts/start-local.mjs "$@"
