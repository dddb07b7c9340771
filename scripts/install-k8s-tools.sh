#!/usr/bin/env bash
# Builds the Kubernetes tools the chart's tests run (scripts/k8s-test.sh, scripts/helm-check.sh):
# etcd, the Kubernetes control plane and node binaries, helm, CoreDNS and a pause program, all from
# the Go module proxy (no container registry or release download is reachable where the tests run).
# Everything goes to a cache outside the checkout, keyed by the Kubernetes version, with one stamp
# per tool: a fresh clone on a warm cache reuses it, an interrupted build resumes where it stopped.
# The builds run at idle priority, so they take only CPU time nothing else wants.
#
#   install-k8s-tools.sh              build what is missing (cold: about 35 min on one core)
#   install-k8s-tools.sh --is-current exit 0 when every tool is built
#   install-k8s-tools.sh --dir        print the bin directory
#   install-k8s-tools.sh --only NAME  build one tool (etcd, kubernetes, helm, coredns, pause)
set -euo pipefail

KUBERNETES_VERSION=v1.36.3
ETCD_VERSION=v3.6.16
HELM_VERSION=v4.3.2
COREDNS_VERSION=v1.14.7
# The Kubernetes commands built (kubectl and kube-proxy included).
K8S_CMDS=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)

CACHE_DIR="${ECOM_K8S_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ecommerce-microservices/k8s-${KUBERNETES_VERSION}}"
BIN="$CACHE_DIR/bin"
SRC="$CACHE_DIR/src"

log() { echo "[k8s-tools] $*" >&2; }
die() {
  echo "[k8s-tools] ERROR: $*" >&2
  exit 1
}

# One stamp per tool names what it was built from.
stamp_of() {
  case "$1" in
    etcd) echo "etcd=$ETCD_VERSION" ;;
    kubernetes) echo "kubernetes=$KUBERNETES_VERSION cmds=${K8S_CMDS[*]}" ;;
    helm) echo "helm=$HELM_VERSION" ;;
    coredns) echo "coredns=$COREDNS_VERSION" ;;
    pause) echo "pause=1" ;;
  esac
}
TOOLS=(helm etcd pause coredns kubernetes)
is_built() { [ -f "$CACHE_DIR/stamps/$1" ] && [ "$(cat "$CACHE_DIR/stamps/$1")" = "$(stamp_of "$1")" ]; }
mark_built() {
  mkdir -p "$CACHE_DIR/stamps"
  stamp_of "$1" >"$CACHE_DIR/stamps/$1"
}

only=""
case "${1:-}" in
  --is-current)
    for t in "${TOOLS[@]}"; do is_built "$t" || exit 1; done
    exit 0
    ;;
  --dir)
    echo "$BIN"
    exit 0
    ;;
  --only) only="${2:?--only NAME}" ;;
  "") ;;
  *) die "unknown argument: $1" ;;
esac

command -v go >/dev/null || die "Go is required (scripts/setup.sh installs it)"
mkdir -p "$BIN" "$SRC"

# At idle priority (SCHED_IDLE: it runs only on CPU time nothing else wants), so it can build while
# the test suites run (scripts/test.sh starts it early) and still use both cores once they are done.
if chrt --idle 0 true 2>/dev/null; then IDLE=(chrt --idle 0); else IDLE=(nice -n 19); fi
gobuild() { "${IDLE[@]}" go build -trimpath "$@"; }

# A wrapper module: etcd and Kubernetes have replace directives in their go.mod, so `go install
# pkg@version` refuses them; requiring them from a module of our own works. tools.go imports each
# command so `go mod tidy` records every package's go.sum entry.
#   wrapper NAME MODULE@VERSION CMD_PACKAGE...  → prints the directory
wrapper() {
  local name="$1" modver="$2" dir="$SRC/$1"
  shift 2
  rm -rf "$dir"
  mkdir -p "$dir"
  {
    echo "//go:build tools"
    echo ""
    echo "package tools"
    echo ""
    echo "import ("
    for p in "$@"; do echo "	_ \"$p\""; done
    echo ")"
  } >"$dir/tools.go"
  (cd "$dir" && go mod init "ecom-k8s-tools/$name" >/dev/null 2>&1 &&
    go mod edit -require "$modver")
  echo "$dir"
}
tidy() { (cd "$1" && go mod tidy >"$1/tidy.log" 2>&1) || {
  tail -20 "$1/tidy.log" >&2
  return 1
}; }

build_helm() {
  local dir
  dir=$(wrapper helm "helm.sh/helm/v4@$HELM_VERSION" helm.sh/helm/v4/cmd/helm)
  tidy "$dir" && (cd "$dir" && gobuild -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=$HELM_VERSION" -o "$BIN/helm" helm.sh/helm/v4/cmd/helm)
}

build_etcd() {
  local dir
  dir=$(wrapper etcd "go.etcd.io/etcd/server/v3@$ETCD_VERSION" go.etcd.io/etcd/server/v3)
  tidy "$dir" && (cd "$dir" && gobuild -ldflags "-s -w" -o "$BIN/etcd" go.etcd.io/etcd/server/v3)
}

build_coredns() {
  local dir
  dir=$(wrapper coredns "github.com/coredns/coredns@$COREDNS_VERSION" github.com/coredns/coredns)
  tidy "$dir" && (cd "$dir" && gobuild -ldflags "-s -w" -o "$BIN/coredns" github.com/coredns/coredns)
}

# The sandbox ("pause") container's process: holds the pod's namespaces, reaps nothing, exits on
# SIGTERM/SIGINT. Static, so the image is this one file (scripts/k8s-test.sh imports it).
build_pause() {
  local dir="$SRC/pause"
  rm -rf "$dir"
  mkdir -p "$dir"
  cat >"$dir/main.go" <<'EOF'
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM, syscall.SIGINT)
	<-c
}
EOF
  (cd "$dir" && go mod init ecom-k8s-tools/pause >/dev/null 2>&1 &&
    CGO_ENABLED=0 gobuild -ldflags "-s -w" -o "$BIN/pause" .)
}

# Kubernetes' staging modules (k8s.io/api, client-go, ...) are `=> ./staging/...` replaces in its
# go.mod; each is replaced here by its published version (v0.X.Y for v1.X.Y). sample-apiserver and
# sample-cli-plugin are not published and not needed. tools.go imports every command built (kube-
# proxy included, or `go mod tidy` misses a go.sum entry).
build_kubernetes() {
  local dir gomod staging_version="v0.${KUBERNETES_VERSION#v1.}" ldflags pkgs=() c
  for c in "${K8S_CMDS[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
  dir=$(wrapper kubernetes "k8s.io/kubernetes@$KUBERNETES_VERSION" "${pkgs[@]}")
  gomod=$(cd "$dir" && go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" |
    sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
  [ -f "$gomod" ] || die "could not download k8s.io/kubernetes@$KUBERNETES_VERSION"
  grep -oE '^[[:space:]]*k8s\.io/[a-z0-9-]+ => \./staging' "$gomod" | awk '{print $1}' |
    grep -vE '^k8s.io/sample-(apiserver|cli-plugin)$' |
    while read -r m; do echo "replace $m => $m $staging_version"; done >>"$dir/go.mod"
  tidy "$dir" || return 1
  local v=k8s.io/component-base/version
  ldflags="-s -w -X $v.gitVersion=$KUBERNETES_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$(echo "$KUBERNETES_VERSION" | cut -d. -f2)"
  ldflags="$ldflags -X $v.gitTreeState=clean"
  # One at a time: each binary links in ~1 GB of memory; building them together doubles the peak.
  for c in "${K8S_CMDS[@]}"; do
    [ -x "$BIN/$c" ] && [ -f "$CACHE_DIR/stamps/kubernetes-$c" ] && continue
    log "  go build $c"
    (cd "$dir" && gobuild -ldflags "$ldflags" -o "$BIN/$c" "k8s.io/kubernetes/cmd/$c") || return 1
    stamp_of kubernetes >"$CACHE_DIR/stamps/kubernetes-$c"
  done
}

mkdir -p "$CACHE_DIR/stamps"
for t in "${TOOLS[@]}"; do
  [ -n "$only" ] && [ "$only" != "$t" ] && continue
  if is_built "$t"; then continue; fi
  # One build of a tool at a time (two test suites, or --only in parallel): the second waits and
  # then finds it built.
  exec {lock}>"$CACHE_DIR/stamps/$t.lock"
  flock "$lock"
  if is_built "$t"; then
    exec {lock}>&-
    continue
  fi
  log "building $t ($(stamp_of "$t")) → $BIN"
  start=$(date +%s)
  "build_$t" || die "building $t failed"
  mark_built "$t"
  exec {lock}>&-
  log "built $t in $(($(date +%s) - start)) s"
done
