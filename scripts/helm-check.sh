#!/usr/bin/env bash
# Static checks of the Helm chart (deploy/helm/ecommerce), run by `npm test` (scripts/test.sh):
#   - the chart's copies of shared files are current (scripts/helm-files.mjs --check);
#   - `helm lint --strict` and `helm template` with values.yaml, values-prod.yaml and the live
#     test's values (in-cluster MongoDB and Redis);
#   - each rendering validated by a real API server (etcd + kube-apiserver on 127.0.0.1, started
#     here): `kubectl apply --dry-run=server`; a broken manifest must be refused (the check is live);
#   - checkov's Kubernetes policies on each rendering: 0 failed checks, skips only as annotations
#     with their reason next to what they excuse;
#   - the chart's own rules (scripts/k8s/check-manifests.mjs: probes, limits, securityContext,
#     drain, PDB, HPA, NetworkPolicies, no secret in a manifest), with a self-test of each rule.
# Each check prints "PASS: <name>" or "FAIL: <name>"; counts go to $SUITE_COUNTS_FILE. Where the
# tools cannot be built (no Go) it prints "skipped: <why>" and counts the rest as skipped.
# The tools (helm, etcd, kube-apiserver, kubectl) come from scripts/install-k8s-tools.sh, cached
# outside the checkout; the first build takes about 30 minutes on 2 cores.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CHART=deploy/helm/ecommerce
NAMESPACE=ecommerce
OUT=.tmp/helm-check
passed=0 failed=0

counts() { [ -z "${SUITE_COUNTS_FILE:-}" ] || echo "$*" >"$SUITE_COUNTS_FILE"; }
result() { # NAME RC
  if [ "$2" -eq 0 ]; then
    passed=$((passed + 1))
    echo "PASS: $1"
  else
    failed=$((failed + 1))
    echo "FAIL: $1"
  fi
}
skip() {
  echo "skipped: helm check: $*"
  counts "$passed" "$failed" 1
  [ "$failed" -eq 0 ]
  exit
}

node scripts/helm-files.mjs --check
result "the chart's copies of nginx.conf, the Mongo init script, alert rules and dashboards are current" $?

command -v go >/dev/null || skip "Go is needed to build helm and the Kubernetes API server (scripts/setup.sh installs it)"
command -v openssl >/dev/null || skip "openssl is needed for the API server's certificates"
bash scripts/install-k8s-tools.sh || {
  echo "FAIL: building the Kubernetes tools (scripts/install-k8s-tools.sh)"
  counts "$passed" $((failed + 1))
  exit 1
}
K8S_BIN=$(bash scripts/install-k8s-tools.sh --dir)
HELM="$K8S_BIN/helm"
rm -rf "$OUT"
mkdir -p "$OUT"

# --- lint and render ----------------------------------------------------------------------------
# values.yaml, values-prod.yaml, values.yaml with the in-cluster MongoDB and Redis, and the live
# test's values (those pull no image: checkov's pull-policy check is not run on them).
declare -A VALUES=(
  [default]=""
  [prod]="-f $CHART/values-prod.yaml"
  [in-cluster]="--set mongodb.inCluster.enabled=true --set redis.inCluster.enabled=true"
  [live-test]="-f scripts/k8s/test-values.yaml"
)
RENDERINGS=(default prod in-cluster live-test)
for name in "${RENDERINGS[@]}"; do
  # shellcheck disable=SC2086 # the -f options
  "$HELM" lint --strict "$CHART" --namespace "$NAMESPACE" ${VALUES[$name]} >"$OUT/lint-$name.log" 2>&1
  rc=$?
  [ "$rc" -eq 0 ] || cat "$OUT/lint-$name.log"
  result "helm lint --strict ($name values)" "$rc"
  # shellcheck disable=SC2086
  "$HELM" template ecommerce "$CHART" --namespace "$NAMESPACE" ${VALUES[$name]} >"$OUT/$name.yaml" 2>"$OUT/template-$name.log"
  rc=$?
  [ "$rc" -eq 0 ] || cat "$OUT/template-$name.log"
  result "helm template ($name values): $(grep -c '^kind:' "$OUT/$name.yaml" 2>/dev/null) objects" "$rc"
done

# values.schema.json: a misspelt key is refused, not ignored.
"$HELM" template ecommerce "$CHART" --set nginx.replcas=3 >/dev/null 2>"$OUT/typo.log"
grep -q "additional properties 'replcas' not allowed" "$OUT/typo.log"
result "values.schema.json refuses a misspelt value (nginx.replcas)" $?

# --- the API server's validation ----------------------------------------------------------------
# shellcheck source=scripts/k8s/cluster.sh
. scripts/k8s/cluster.sh
K8S_RUN=$(mktemp -d "${TMPDIR:-/tmp}/ecom-helm-check.XXXXXX")
trap 'k8s_down' EXIT
trap 'exit 130' INT TERM
if k8s_control_plane; then
  kc create namespace "$NAMESPACE" >/dev/null
  # The restricted Pod Security Standard: the API server warns about any pod template below it.
  kc label namespace "$NAMESPACE" pod-security.kubernetes.io/enforce=restricted \
    pod-security.kubernetes.io/warn=restricted >/dev/null
  # The Prometheus Operator's kinds, as CRDs that accept any spec: apply checks that the objects
  # are well-formed Kubernetes objects of those kinds, not the operator's schema.
  for kind in ServiceMonitor PrometheusRule; do
    plural="$(echo "$kind" | tr '[:upper:]' '[:lower:]')s"
    cat <<EOF
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: $plural.monitoring.coreos.com }
spec:
  group: monitoring.coreos.com
  scope: Namespaced
  names: { kind: $kind, plural: $plural }
  versions:
    - name: v1
      served: true
      storage: true
      schema: { openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true } }
EOF
    echo ---
  done | kc apply -f - >/dev/null
  k8s_wait 30 "CRDs established" kc wait --for condition=established --timeout 5s crd/servicemonitors.monitoring.coreos.com crd/prometheusrules.monitoring.coreos.com
  for name in "${RENDERINGS[@]}"; do
    kc apply --dry-run=server --validate=strict -o json -f "$OUT/$name.yaml" >"$OUT/$name.json" 2>"$OUT/apply-$name.log"
    rc=$?
    [ "$rc" -eq 0 ] || cat "$OUT/apply-$name.log"
    result "kubectl apply --dry-run=server --validate=strict ($name values): accepted by kube-apiserver" "$rc"
    ! grep -i 'would violate PodSecurity' "$OUT/apply-$name.log"
    result "every pod template meets the restricted Pod Security Standard ($name values)" $?
  done
  # The validation is real: a Deployment with negative replicas and an unknown field is refused.
  sed -e '0,/^  replicas: [0-9]*$/s//  replicas: -1/' -e '0,/^  revisionHistoryLimit: 5$/s//  revisionHistoryLimit: 5\n  notAField: 1/' \
    "$OUT/live-test.yaml" >"$OUT/broken.yaml"
  kc apply --dry-run=server --validate=strict -f "$OUT/broken.yaml" >"$OUT/apply-broken.log" 2>&1
  grep -qE 'Invalid value: -1|unknown field "spec.notAField"' "$OUT/apply-broken.log"
  result "kube-apiserver refuses a broken rendering (negative replicas, unknown field)" $?
  # And the Pod Security warning is live: one container allowed to escalate is reported.
  sed '0,/allowPrivilegeEscalation: false/s//allowPrivilegeEscalation: true/' "$OUT/live-test.yaml" >"$OUT/escalating.yaml"
  kc apply --dry-run=server -f "$OUT/escalating.yaml" >"$OUT/apply-escalating.log" 2>&1
  grep -q 'would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false' "$OUT/apply-escalating.log"
  result "kube-apiserver warns about a pod template below the restricted standard" $?
else
  result "etcd and kube-apiserver started for the validation" 1
fi
k8s_down
trap - EXIT

# --- the chart's own rules ----------------------------------------------------------------------
for name in "${RENDERINGS[@]}"; do
  [ -s "$OUT/$name.json" ] || continue
  echo "[helm-check] chart rules on the $name rendering:"
  node scripts/k8s/check-manifests.mjs "$OUT/$name.json" | sed 's/^/  /'
  result "chart rules (probes, limits, securityContext, drain, PDB, HPA, NetworkPolicies, secrets) on the $name rendering" "${PIPESTATUS[0]}"
done
if [ -s "$OUT/live-test.json" ]; then
  node scripts/k8s/check-manifests.mjs --self-test "$OUT/live-test.json" | sed 's/^/  /'
  result "each chart rule catches a manifest that breaks it (self-test)" "${PIPESTATUS[0]}"
fi

# --- checkov ------------------------------------------------------------------------------------
TOOLS_DIR="${ECOM_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ecommerce-microservices-api/tools}"
# shellcheck source=scripts/container-scan/checkov.sh
. scripts/container-scan/checkov.sh
if checkov_install; then
  for name in default prod in-cluster; do
    checkov_run kubernetes -f "$OUT/$name.yaml" | sed 's/^/  /'
    result "checkov Kubernetes policies on the $name rendering (0 failed; skips annotated with a reason)" "${PIPESTATUS[0]}"
  done
else
  echo "skipped: checkov could not be installed from PyPI"
fi

counts "$passed" "$failed"
echo "[helm-check] $passed passed, $failed failed"
[ "$failed" -eq 0 ]
