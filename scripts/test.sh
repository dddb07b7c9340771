#!/usr/bin/env bash
# The one test command (`npm test`, `.ci/run`): setup, typecheck, lint, then every test suite.
# The last line printed is always the summary `N passed, N failed` once the suites have run.
# Exit status is non-zero when any suite failed or reported a failed test.
#
# Adding a suite: write a function that runs it and, if it can count its tests, writes
# "<passed> <failed>" to the file named by $SUITE_COUNTS_FILE; then call `run_suite <name> <fn>`.
# A suite that writes no counts counts as one test (passed if it exits 0, failed otherwise).
# A suite that cannot run here prints "skipped: <why>" and writes "0 0 <skipped>": skipped
# tests are reported on their own line, never as passed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p .tmp

log() { echo "[test] $*"; }

# --- setup (fail fast: nothing below can run without it) ---------------------------------------
# The project's Node.js (.nvmrc) first on PATH: setup's npm ci, tsc, vitest and the stacks run on it.
node_bin="$(bash scripts/node-runtime.sh)"
export PATH="$node_bin:$PATH"
log "Node.js $(node --version) ($(command -v node)), npm $(npm --version)"
bash scripts/setup.sh

# The chart's suites need the Kubernetes tools, ~35 core-minutes to build cold: started now at idle
# priority, they build on what CPU the other suites leave, and those suites wait only for the rest
# (the build holds a lock per tool).
if command -v go >/dev/null && ! bash scripts/install-k8s-tools.sh --is-current; then
  log "building the Kubernetes tools in the background (.tmp/k8s-tools.log)"
  # In a session of its own, so that stopping the tests stops its compilers too.
  setsid bash scripts/install-k8s-tools.sh >.tmp/k8s-tools.log 2>&1 &
  k8s_tools_pid=$!
  trap 'kill -- "-$k8s_tools_pid" 2>/dev/null || true' EXIT
fi

# --- suites ------------------------------------------------------------------------------------
TOTAL_PASSED=0
TOTAL_FAILED=0
TOTAL_SKIPPED=0
FAILED_SUITES=()
SKIPPED_SUITES=()

# run_suite NAME COMMAND [ARGS...]: runs COMMAND without aborting on failure and adds its counts.
run_suite() {
  local name="$1"
  shift
  local counts_file=".tmp/suite-counts-${name//[^A-Za-z0-9_-]/_}"
  rm -f "$counts_file"
  log "suite: $name"

  local rc=0
  SUITE_COUNTS_FILE="$counts_file" "$@" || rc=$?

  local passed=0 failed=0 skipped=0
  if [ -s "$counts_file" ]; then
    read -r passed failed skipped <"$counts_file" || true
    [[ "$passed" =~ ^[0-9]+$ ]] || passed=0
    [[ "$failed" =~ ^[0-9]+$ ]] || failed=0
    [[ "$skipped" =~ ^[0-9]+$ ]] || skipped=0
    # A suite that breaks outside its tests (setup error, crash, missing report) must still
    # show up as a failure in the summary.
    if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
  elif [ "$rc" -eq 0 ]; then
    passed=1
  else
    failed=1
  fi

  TOTAL_PASSED=$((TOTAL_PASSED + passed))
  TOTAL_FAILED=$((TOTAL_FAILED + failed))
  TOTAL_SKIPPED=$((TOTAL_SKIPPED + skipped))
  if [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ]; then FAILED_SUITES+=("$name"); fi
  if [ "$skipped" -ne 0 ]; then SKIPPED_SUITES+=("$name"); fi
  log "suite $name: $passed passed, $failed failed, $skipped skipped (exit $rc)"
}

# Vitest: unit + integration tests (real FerretDB/MongoDB and Redis via packages/test-support).
# vitest_suite REPORT [VITEST ARGS...]: runs vitest writing its JSON report to REPORT, counts from it.
vitest_suite() {
  local report="$1"
  shift
  rm -f "$report"
  local rc=0
  npx vitest run --outputFile.json="$report" "$@" || rc=$?
  if [ ! -s "$report" ]; then
    echo "[test] vitest wrote no report at $report" >&2
    return 1
  fi
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const n = (v) => (Number.isInteger(v) ? v : 0);
    process.stdout.write(`${n(r.numPassedTests)} ${n(r.numFailedTests)}\n`);
  ' "$report" >"$SUITE_COUNTS_FILE" || return 1
  return "$rc"
}

# Static checks count as one test each, so a type error still ends in the summary line.
run_suite typecheck npm run --silent typecheck
run_suite lint npm run --silent lint
run_suite format npm run --silent format:check
run_suite vitest vitest_suite .tmp/vitest-report.json
# Compose, Prometheus rules, dashboards' PromQL and nginx config, validated without Docker.
run_suite infra bash scripts/validate-infra.sh
# The public OpenAPI contract fuzzed by schemathesis (every operation, all checks, fixed seed)
# against its own stack on free ports; installs schemathesis into .tmp/schemathesis-venv.
run_suite contract-fuzz bash scripts/fuzz-api.sh
# The whole stack for real (npm start with high rate limits), 10 s of mixed traffic: asserts
# 0 failed requests and the inventory invariant (stock sold == units ordered).
run_suite load-smoke npm run --silent load:stack -- --scenario smoke
# A real Prometheus scrapes the running stack: every target up, every dashboard query has data.
run_suite monitoring-live bash scripts/check-monitoring-live.sh --start
# Chaos under load (e2e/test/chaos.test.ts, ~2 min): SIGTERM and SIGKILL of each service and a gateway
# with Prometheus running the alert rules. Alone, not among the parallel vitest files: it bounds outages.
VITEST_CHAOS=1 run_suite chaos vitest_suite .tmp/vitest-chaos-report.json e2e/test/chaos.test.ts
# The Docker stack for real: images built, `docker compose up --build --wait`, scaling, a crash
# and restart, Prometheus targets, then the production overlay on a single-node Swarm with a
# rolling update under load (root on Linux only; elsewhere skipped). 5-6 min warm, 9-13 rebuilding.
run_suite compose bash scripts/compose-test.sh
# hadolint and checkov on the Dockerfile, checkov's secrets scan of the Compose files, npm audit of
# the production dependencies when the registry answers, and an SPDX SBOM of each service image
# (syft, into .tmp/sbom/). ~80 s warm; the first run installs checkov (~3 min) and builds syft (~9 min).
run_suite container-scan bash scripts/container-scan.sh

# The Helm chart, statically: helm lint, rendering with both values files, validation by a real
# kube-apiserver (--dry-run=server), checkov's Kubernetes policies, the chart's own rules (probes,
# limits, securityContext, drain, PDB, HPA, NetworkPolicies, no secret rendered). ~30 s warm; the
# first run builds helm, etcd, CoreDNS and the Kubernetes binaries into a cache outside the checkout
# (scripts/install-k8s-tools.sh: ~35 min measured on 2 shared cores, nice'd).
run_suite helm bash scripts/helm-check.sh
# The chart installed into a real single-node cluster started here (root on Linux only; elsewhere
# skipped): walkthrough, a pod of each Deployment deleted and a helm upgrade, both under load with
# 0 failed requests, helm uninstall, the cluster torn down. ~5 min warm (4 min 37 s measured).
run_suite k8s bash scripts/k8s-test.sh

# --- summary (keep it the very last line) ------------------------------------------------------
if [ ${#FAILED_SUITES[@]} -gt 0 ]; then
  log "failed suites: ${FAILED_SUITES[*]}"
fi
if [ ${#SKIPPED_SUITES[@]} -gt 0 ]; then
  log "skipped: ${TOTAL_SKIPPED} (suites: ${SKIPPED_SUITES[*]})"
fi
echo "${TOTAL_PASSED} passed, ${TOTAL_FAILED} failed"
[ ${#FAILED_SUITES[@]} -eq 0 ]
