#!/usr/bin/env bash
# `npm start`: the whole stack on this machine. Everything happens in start-local.mjs (one place
# for the process list); this wrapper only makes sure Node runs it from the repository root.
# Ctrl-C or SIGTERM stops every process it started.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec node scripts/start-local.mjs "$@"
