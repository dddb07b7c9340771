#!/usr/bin/env bash
# The Helm chart installed into a real Kubernetes cluster, run by `npm test` (scripts/test.sh);
# alone: `bash scripts/k8s-test.sh`. Starts a single-node cluster on this machine (etcd,
# kube-apiserver, controller-manager, scheduler, containerd, kubelet, kube-proxy, CoreDNS;
# scripts/k8s/cluster.sh), imports the locally built images, creates the Secrets the way
# docs/kubernetes.md says (deploy/helm/create-secrets.sh), installs the chart with MongoDB
# (the embedded database's image) and Redis in the cluster, and checks:
#   - the README walkthrough through the chart's entry point (nginx, on a localhost node port);
#   - one pod of each Deployment deleted under load: 0 failed requests (replicas + PDB + drain);
#   - `helm upgrade` to another image tag under load: every Deployment rolled, 0 failed requests;
#   - `helm uninstall` leaves none of the release's objects;
# then tears the cluster down and checks that no process, mount, iptables rule or interface is left.
# Each check prints "PASS: <name>" or "FAIL: <name>"; counts go to $SUITE_COUNTS_FILE. Where it
# cannot run (not Linux, not root, no Docker engine, containerd or Go) it prints
# "skipped: <why>" and writes "0 0 1".
#
# Traffic goes to 127.0.0.1 (the node port) and to the pod and service networks created here.
# The tools come from scripts/install-k8s-tools.sh (cached outside the checkout; the first build
# takes about 30 minutes on 2 cores), the images from the compose test's builders.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
CT_NAME=k8s-test
# shellcheck source=scripts/compose-test/lib.sh
. scripts/compose-test/lib.sh
# shellcheck source=scripts/k8s/cluster.sh
. scripts/k8s/cluster.sh

CHART=deploy/helm/ecommerce
K8S_NAMESPACE=ecom-k8s-test
RELEASE=ecommerce
NODE_PORT=30080
API="http://127.0.0.1:$NODE_PORT"
TAG=k8s-test
ADMIN_EMAIL=admin@example.com
ADMIN_PASSWORD="k8s-test-$RANDOM$RANDOM"
SERVICES=(api-gateway user-service product-service order-service)
DEPLOYMENTS=(nginx "${SERVICES[@]}")
STARTED_DOCKERD=""
K8S_RUN=""

counts() { [ -z "${SUITE_COUNTS_FILE:-}" ] || echo "$*" >"$SUITE_COUNTS_FILE"; }
skip() {
  echo "skipped: k8s test: $*"
  counts 0 0 1
  exit 0
}

cleanup() {
  set +e
  k8s_down
  if [ -n "$STARTED_DOCKERD" ]; then
    kill "$STARTED_DOCKERD" 2>/dev/null
    for _ in $(seq 1 30); do kill -0 "$STARTED_DOCKERD" 2>/dev/null || break; sleep 1; done
  fi
  rm -rf "${CT_TMP:?}"
}

# --- what this machine must offer ---------------------------------------------------------------
[ "$(uname -s)" = Linux ] || skip "needs Linux (found $(uname -s))"
[ "$(id -u)" = 0 ] || skip "needs root (containerd, kubelet, network interfaces, iptables)"
command -v go >/dev/null || skip "Go is needed to build the Kubernetes binaries (scripts/setup.sh installs it)"
command -v openssl >/dev/null && command -v iptables >/dev/null && command -v ip >/dev/null ||
  skip "openssl, iptables and iproute2 are needed"
if ! command -v containerd >/dev/null || ! command -v runc >/dev/null || [ ! -x /usr/lib/cni/bridge ]; then
  if command -v apt-get >/dev/null; then
    ct_log "apt-get install containerd runc containernetworking-plugins"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq containerd runc containernetworking-plugins >/dev/null 2>&1
  fi
  command -v containerd >/dev/null && command -v runc >/dev/null && [ -x /usr/lib/cni/bridge ] ||
    skip "containerd, runc and the CNI plugins (/usr/lib/cni) are needed"
fi
bash scripts/compose-test/ensure-engine.sh || skip "no Docker engine could be installed (the images are built with it)"
(exec 3<>"/dev/tcp/127.0.0.1/$NODE_PORT") 2>/dev/null && skip "127.0.0.1:$NODE_PORT is in use"
bash scripts/install-k8s-tools.sh || {
  echo "FAIL: building the Kubernetes tools (scripts/install-k8s-tools.sh)"
  counts 0 1
  exit 1
}
K8S_BIN=$(bash scripts/install-k8s-tools.sh --dir)
HELM="$K8S_BIN/helm"
mkdir -p .tmp/k8s-test
CT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/k8s-test.XXXXXX")
trap cleanup EXIT
trap 'exit 130' INT TERM
ct_ensure_dockerd .tmp/k8s-test/dockerd.log || skip "dockerd did not start (see .tmp/k8s-test/dockerd.log)"

helm_() { "$HELM" --kubeconfig "$K8S_RUN/admin.kubeconfig" -n "$K8S_NAMESPACE" "$@"; }
k() { kc -n "$K8S_NAMESPACE" "$@"; }

# --- images -------------------------------------------------------------------------------------
images() {
  local out name value svc port
  out=$(bash scripts/compose-test/base-images.sh) || return 1
  while IFS='=' read -r name value; do
    [ -n "$name" ] && export "$name=$value"
  done <<<"$out"
  for svc in "${SERVICES[@]}"; do
    # The build arguments docker-compose.yml passes (so the compose test's build cache serves).
    local extra=()
    case "$svc" in
      api-gateway) port=3000 extra=(--build-arg HEALTH_PATH=/ready) ;;
      user-service) port=3001 ;;
      product-service) port=3002 ;;
      order-service) port=3003 ;;
    esac
    docker build -q --build-arg "NODE_IMAGE=$NODE_IMAGE" --build-arg "SERVICE=$svc" --build-arg "PORT=$port" \
      "${extra[@]}" -t "local/$svc:$TAG" . >/dev/null || return 1
    # The upgrade's "new version": the same image under another tag (a changed pod template).
    docker tag "local/$svc:$TAG" "local/$svc:$TAG-2" || return 1
  done
  # The Redis image's own user (it owns /data in the image; the chart runs the pod as it).
  REDIS_UID=$(docker run --rm --entrypoint id "$REDIS_IMAGE" -u) || return 1
  MONGO_UID=$(docker run --rm --entrypoint id "$MONGO_IMAGE" -u) || return 1
}

cluster_up() {
  K8S_RUN=$(mktemp -d "${TMPDIR:-/tmp}/ecom-k8s.XXXXXX")
  local started=$SECONDS
  k8s_up || return 1
  local imgs=("$NGINX_IMAGE" "$REDIS_IMAGE" "$MONGO_IMAGE")
  for svc in "${SERVICES[@]}"; do imgs+=("local/$svc:$TAG" "local/$svc:$TAG-2"); done
  k8s_import_images "${imgs[@]}" || return 1
  echo "  node Ready and $((${#imgs[@]})) images imported in $((SECONDS - started)) s"
  # The images are in the node now: a Docker engine started for them is not needed any more.
  if [ -n "$STARTED_DOCKERD" ]; then
    kill "$STARTED_DOCKERD" 2>/dev/null
    for _ in $(seq 1 30); do kill -0 "$STARTED_DOCKERD" 2>/dev/null || break; sleep 1; done
    STARTED_DOCKERD=""
  fi
}

# ready_replicas DEPLOYMENT: "<available> <desired>".
ready_replicas() { k get deploy "$1" -o jsonpath='{.status.availableReplicas} {.spec.replicas}'; }

# all_available N: every Deployment has N available replicas and nothing more (no old pods left).
all_available() {
  local d r
  for d in "${DEPLOYMENTS[@]}"; do
    r=$(ready_replicas "$d") || return 1
    [ "$r" = "$1 $1" ] || return 1
    [ "$(k get pods -l "app.kubernetes.io/name=$d" --no-headers 2>/dev/null | wc -l)" -eq "$1" ] || return 1
  done
}

install() {
  kc create namespace "$K8S_NAMESPACE" >/dev/null || return 1
  # Pods below the restricted Pod Security Standard are refused, as docs/kubernetes.md advises.
  kc label namespace "$K8S_NAMESPACE" pod-security.kubernetes.io/enforce=restricted >/dev/null || return 1
  # The Secrets as docs/kubernetes.md creates them.
  KUBECTL="$K8S_BIN/kubectl --kubeconfig $K8S_RUN/admin.kubeconfig" ADMIN_EMAIL="$ADMIN_EMAIL" \
    ADMIN_PASSWORD="$ADMIN_PASSWORD" sh deploy/helm/create-secrets.sh "$K8S_NAMESPACE" "$CT_TMP/secrets" >/dev/null || return 1
  local started=$SECONDS
  helm_ install "$RELEASE" "$CHART" -f scripts/k8s/test-values.yaml --set "image.tag=$TAG" \
    --set "nginx.image=$NGINX_IMAGE" --set "mongodb.inCluster.image=$MONGO_IMAGE" \
    --set "mongodb.inCluster.runAsUser=$MONGO_UID" --set "redis.inCluster.image=$REDIS_IMAGE" \
    --set "redis.inCluster.runAsUser=$REDIS_UID" --wait --timeout 8m >"$CT_TMP/install.log" 2>&1 || {
    cat "$CT_TMP/install.log"
    k get pods -o wide
    return 1
  }
  # The HorizontalPodAutoscalers bring each Deployment to its minReplicas (2).
  retry 240 all_available 2 || {
    k get deploy,hpa,pods
    return 1
  }
  echo "  deployed, 2 ready replicas of each Deployment, in $((SECONDS - started)) s"
}

# --- load ---------------------------------------------------------------------------------------
# A steady light load (about 10 requests/s) on every service through nginx: the catalogue
# (product-service; with a token, so nginx's edge cache does not answer for it), the profile
# (user-service) and the orders (order-service). Every answer must be 200.
LOADER=""
load_start() {
  local token
  token=$(http POST "$API/api/auth/login" "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}" | cut -d' ' -f2- | json accessToken)
  [ -n "$token" ] || return 1
  rm -f "$CT_TMP/stop-load"
  (
    while [ ! -e "$CT_TMP/stop-load" ]; do
      for path in /api/products?limit=2 /api/categories /api/auth/profile /api/orders; do
        curl -s -m 10 -o /dev/null -w "%{http_code} $path\n" -H "Authorization: Bearer $token" "$API$path"
      done
      sleep 0.2
    done
  ) >"$CT_TMP/load.log" &
  LOADER=$!
}

# load_stop LABEL: stops the load; prints and checks its answers.
load_stop() {
  touch "$CT_TMP/stop-load"
  wait "$LOADER"
  local total failed
  total=$(wc -l <"$CT_TMP/load.log")
  failed=$(grep -vc '^200 ' "$CT_TMP/load.log")
  echo "  $1: $total requests, $failed failed"
  [ "$failed" -eq 0 ] || echo "  failed answers: $(grep -v '^200 ' "$CT_TMP/load.log" | sort | uniq -c | paste -sd' ')"
  [ "$total" -gt 50 ] && [ "$failed" -eq 0 ]
}

delete_pods() {
  load_start || return 1
  sleep 3
  local d pod rc=0
  for d in "${DEPLOYMENTS[@]}"; do
    pod=$(k get pods -l "app.kubernetes.io/name=$d" -o jsonpath='{.items[0].metadata.name}')
    k delete pod "$pod" --wait=false >/dev/null || rc=1
    # Replaced, and the old one gone (its drain included), before the next service's pod.
    sleep 2
    retry 120 all_available 2 || {
      echo "  $d did not come back to 2 ready replicas" >&2
      rc=1
    }
    echo "  deleted $d pod $pod; replaced"
  done
  sleep 3
  load_stop "pods deleted one by one" || rc=1
  return "$rc"
}

upgrade() {
  load_start || return 1
  sleep 3
  local rc=0 before after
  before=$(k get deploy api-gateway -o jsonpath='{.spec.template.spec.containers[0].image}')
  helm_ upgrade "$RELEASE" "$CHART" --reuse-values --set "image.tag=$TAG-2" --wait --timeout 8m \
    >"$CT_TMP/upgrade.log" 2>&1 || {
    cat "$CT_TMP/upgrade.log"
    rc=1
  }
  retry 240 all_available 2 || rc=1
  local svc image
  for svc in "${SERVICES[@]}"; do
    image=$(k get pods -l "app.kubernetes.io/name=$svc" -o jsonpath='{.items[*].spec.containers[0].image}')
    [ "$image" = "local/$svc:$TAG-2 local/$svc:$TAG-2" ] || {
      echo "  $svc runs $image after the upgrade" >&2
      rc=1
    }
  done
  after=$(k get deploy api-gateway -o jsonpath='{.spec.template.spec.containers[0].image}')
  echo "  api-gateway $before → $after; revision $(helm_ list -o json | json 0.revision)"
  sleep 3
  load_stop "helm upgrade" || rc=1
  return "$rc"
}

uninstall() {
  helm_ uninstall "$RELEASE" --wait --timeout 3m >/dev/null || return 1
  local left deadline=$((SECONDS + 90))
  while :; do
    left=$(k get all,configmap,networkpolicy,pdb,hpa,serviceaccount,pvc,statefulset \
      -l "app.kubernetes.io/instance=$RELEASE" -o name 2>/dev/null
    k get pods -o name 2>/dev/null
    k get secret -o name 2>/dev/null | grep 'sh.helm.release')
    [ -z "$left" ] && break
    [ "$SECONDS" -lt "$deadline" ] || {
      echo "  left behind: $(echo "$left" | paste -sd' ')" >&2
      return 1
    }
    sleep 2
  done
  echo "  nothing of the release is left (objects, pods, release records)"
}

teardown() {
  local run="$K8S_RUN" left
  k8s_down
  left=$(
    pgrep -f "$run" 2>/dev/null | sed 's/^/process /'
    awk -v run="$run" 'index($2, run) == 1 { print "mount " $2 }' /proc/self/mounts
    iptables-save 2>/dev/null | grep -E 'KUBE-|ecomk8s' | head -5 | sed 's/^/iptables /'
    ip -o link show 2>/dev/null | grep -oE 'ecomk8s[a-z0-9]*' | sed 's/^/interface /'
    ls -d /sys/fs/cgroup/*/k8s.io /sys/fs/cgroup/k8s.io 2>/dev/null | sed 's/^/cgroup /'
  )
  [ -z "$left" ] || {
    echo "  left behind: $(echo "$left" | paste -sd'; ')" >&2
    return 1
  }
  echo "  no process, mount, iptables rule, interface or cgroup of the cluster is left"
}

step "images built (the services, nginx, Redis, the embedded database)" images || {
  counts "$CT_PASSED" "$CT_FAILED"
  exit 1
}
if step "cluster up: etcd, control plane, containerd, kubelet, kube-proxy, CoreDNS; images imported" cluster_up &&
  step "helm install --wait (in-cluster MongoDB and Redis; namespace enforcing the restricted Pod Security Standard)" install; then
  step "walkthrough through nginx (node port $NODE_PORT)" walkthrough "$API" "$ADMIN_EMAIL" "$ADMIN_PASSWORD"
  step "one pod of each Deployment deleted under load, 0 failed requests" delete_pods
  step "helm upgrade to a new image tag under load, 0 failed requests" upgrade
  step "helm uninstall leaves nothing of the release" uninstall
fi
step "cluster torn down: processes, mounts, iptables rules, interfaces, cgroups" teardown

counts "$CT_PASSED" "$CT_FAILED"
ct_log "$CT_PASSED passed, $CT_FAILED failed"
[ "$CT_FAILED" -eq 0 ]
