# Misconfiguration scan with checkov (sourced by scripts/container-scan.sh, which defines
# result/skip), installed from PyPI into $TOOLS_DIR/checkov-<version>-venv (pinned). Offline: no policy
# download, no platform mapping, no API key, so findings carry no severity and every failed check
# fails the test (stricter than "no high finding"). Accepted checks are skipped inline with a
# reason (`# checkov:skip=CKV_...: why`) and listed in docs/security.md.
#   - dockerfile framework: the service Dockerfile (Docker's best-practice policies).
#   - secrets framework: the Compose files (credentials written in them).
#   - yaml framework with our own Compose policy (checkov ships none for Compose):
#     scripts/container-scan/checkov-compose/ (no privileged service, host namespace, Docker
#     socket or cap_add). Published addresses are checked by scripts/validate-infra.sh.
# shellcheck shell=bash

CHECKOV_VERSION="${CHECKOV_VERSION:-3.3.30}"
CHECKOV_VENV="$TOOLS_DIR/checkov-$CHECKOV_VERSION-venv"
COMPOSE_FILES=(docker-compose.yml docker-compose.prod.yml docker-compose.override.yml
  docker/compose.test.yml docker/swarm.test.yml)

# checkov_run FRAMEWORK [OPTION...] -f FILE...: no download of any kind; prints the summary and
# each failure.
checkov_run() {
  local framework="$1"
  shift
  local out rc
  out=$(BC_SKIP_MAPPING=TRUE "$CHECKOV_VENV/bin/checkov" --quiet --compact --skip-download \
    --framework "$framework" "$@" 2>&1)
  rc=$?
  echo "$out" | grep -vE '^\s*$'
  return "$rc"
}

# checkov_install: the pinned checkov in its venv (also used by scripts/helm-check.sh for the
# chart's rendered manifests); exit 1 when it cannot be installed.
checkov_install() {
  if [ ! -x "$CHECKOV_VENV/bin/checkov" ] ||
    ! "$CHECKOV_VENV/bin/checkov" --version 2>/dev/null | grep -qx "$CHECKOV_VERSION"; then
    rm -rf "$CHECKOV_VENV"
    { python3 -m venv "$CHECKOV_VENV" && "$CHECKOV_VENV/bin/pip" install -q "checkov==$CHECKOV_VERSION"; } >/dev/null 2>&1
  fi
  [ -x "$CHECKOV_VENV/bin/checkov" ]
}

checkov_suite() {
  if ! checkov_install; then
    skip "checkov: could not be installed from PyPI (checkov $CHECKOV_VERSION)"
    return
  fi
  checkov_run dockerfile -f Dockerfile
  result "checkov dockerfile policies on Dockerfile (no failed check)" $?
  checkov_run secrets -f "${COMPOSE_FILES[@]}"
  result "checkov secrets scan of the Compose files (no secret written in them)" $?
  checkov_run yaml --external-checks-dir scripts/container-scan/checkov-compose -f "${COMPOSE_FILES[@]}"
  result "checkov Compose policy: no service gets host access (cadvisor accepted)" $?
}
