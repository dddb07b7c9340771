# A throwaway single-node Kubernetes cluster on this machine, for the chart's tests (sourced by
# scripts/helm-check.sh, which needs only the API server, and scripts/k8s-test.sh, which runs the
# whole node). Binaries come from scripts/install-k8s-tools.sh; everything the cluster writes lives
# under $K8S_RUN (a temporary directory), and k8s_down undoes everything k8s_up did: processes,
# mounts, iptables rules, interfaces, sysctls.
#
# Traffic stays on this machine: the API server and etcd listen on 127.0.0.1, the node's address
# is on a veth pair created here, the pods are on a bridge created here, and the DNS server
# (CoreDNS, a host process) answers the cluster's names only.
# shellcheck shell=bash

K8S_NODE=ecom-k8s-node
K8S_NODE_IP=${K8S_NODE_IP:-10.250.77.1}
K8S_NODE_IF=ecomk8sn0
K8S_BRIDGE=ecomk8s0
K8S_POD_CIDR=${K8S_POD_CIDR:-10.244.77.0/24}
K8S_SERVICE_CIDR=${K8S_SERVICE_CIDR:-10.96.77.0/24}
K8S_FIRST_SERVICE_IP=${K8S_SERVICE_CIDR%.0/24}.1
K8S_CLUSTER_DOMAIN=cluster.local
K8S_PAUSE_IMAGE=docker.io/ecom-k8s/pause:1

K8S_IPTABLES_RULES=()
K8S_SYSCTLS=()

k8s_log() { echo "[k8s] $*" >&2; }

# k8s_free_port: a TCP port nothing listens on (from a range the usual services do not use).
k8s_free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 10000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || {
      echo "$port"
      return 0
    }
  done
  return 1
}

# k8s_start NAME COMMAND...: runs a component in the background, nice'd (shared cores), its
# output in $K8S_RUN/logs/NAME.log.
k8s_start() {
  local name="$1"
  shift
  mkdir -p "$K8S_RUN/logs"
  nice -n 10 "$@" >"$K8S_RUN/logs/$name.log" 2>&1 &
  echo "$!" >"$K8S_RUN/$name.pid"
}

# k8s_wait SECONDS WHAT COMMAND...: polls COMMAND until it succeeds.
k8s_wait() {
  local deadline=$((SECONDS + $1)) what="$2"
  shift 2
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || {
      k8s_log "timed out waiting for $what"
      return 1
    }
    sleep 0.5
  done
}

kc() { "$K8S_BIN/kubectl" --kubeconfig "$K8S_RUN/admin.kubeconfig" "$@"; }

# --- certificates -------------------------------------------------------------------------------
k8s_pki() {
  local p="$K8S_RUN/pki"
  mkdir -p "$p"
  (
    cd "$p" || exit 1
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=ecom-k8s-test-ca
    # cert NAME SUBJECT EXTENSIONS
    cert() {
      openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2"
      printf '%s\n' "$3" >"$1.ext"
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$1.crt" -days 2 -extfile "$1.ext"
    }
    cert apiserver /CN=kube-apiserver "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:$K8S_FIRST_SERVICE_IP,IP:$K8S_NODE_IP,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.$K8S_CLUSTER_DOMAIN
extendedKeyUsage=serverAuth"
    # One client identity for every component: the cluster lives for one test run.
    cert admin "/O=system:masters/CN=ecom-k8s-admin" "extendedKeyUsage=clientAuth"
    cert kubelet "/CN=$K8S_NODE" "subjectAltName=IP:$K8S_NODE_IP,DNS:$K8S_NODE
extendedKeyUsage=serverAuth"
    openssl genrsa -out sa.key 2048
    openssl rsa -in sa.key -pubout -out sa.pub
  ) >"$K8S_RUN/pki.log" 2>&1 || {
    tail -5 "$K8S_RUN/pki.log" >&2
    return 1
  }
  cat >"$K8S_RUN/admin.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: ecom-test
    cluster: { server: 'https://127.0.0.1:$K8S_API_PORT', certificate-authority: '$p/ca.crt' }
users:
  - name: admin
    user: { client-certificate: '$p/admin.crt', client-key: '$p/admin.key' }
contexts:
  - name: ecom-test
    context: { cluster: ecom-test, user: admin }
current-context: ecom-test
EOF
}

# --- control plane ------------------------------------------------------------------------------
# k8s_control_plane: etcd and kube-apiserver (enough for `kubectl apply --dry-run=server`).
k8s_control_plane() {
  K8S_ETCD_PORT=$(k8s_free_port) && K8S_ETCD_PEER_PORT=$(k8s_free_port) && K8S_API_PORT=$(k8s_free_port) || return 1
  k8s_pki || return 1
  k8s_start etcd "$K8S_BIN/etcd" --name ecom-test --data-dir "$K8S_RUN/etcd" \
    --listen-client-urls "http://127.0.0.1:$K8S_ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$K8S_ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$K8S_ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$K8S_ETCD_PEER_PORT" \
    --initial-cluster "ecom-test=http://127.0.0.1:$K8S_ETCD_PEER_PORT" --log-level warn --quota-backend-bytes 536870912
  local p="$K8S_RUN/pki"
  k8s_start kube-apiserver "$K8S_BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$K8S_ETCD_PORT" \
    --bind-address 127.0.0.1 --secure-port "$K8S_API_PORT" --advertise-address "$K8S_NODE_IP" \
    --service-cluster-ip-range "$K8S_SERVICE_CIDR" --service-node-port-range 30000-32767 \
    --authorization-mode Node,RBAC --client-ca-file "$p/ca.crt" \
    --tls-cert-file "$p/apiserver.crt" --tls-private-key-file "$p/apiserver.key" \
    --kubelet-client-certificate "$p/admin.crt" --kubelet-client-key "$p/admin.key" \
    --service-account-key-file "$p/sa.pub" --service-account-signing-key-file "$p/sa.key" \
    --service-account-issuer "https://kubernetes.default.svc.$K8S_CLUSTER_DOMAIN" \
    --enable-admission-plugins NodeRestriction --profiling=false --v=0
  k8s_wait 120 "kube-apiserver /readyz" kc get --raw /readyz || {
    tail -20 "$K8S_RUN/logs/kube-apiserver.log" >&2
    return 1
  }
}

# k8s_controllers: controller-manager (Deployments → Pods, HPA, endpoints, garbage collection)
# and the scheduler. Neither serves HTTPS (--secure-port 0): nothing here needs their endpoints.
k8s_controllers() {
  local p="$K8S_RUN/pki"
  k8s_start kube-controller-manager "$K8S_BIN/kube-controller-manager" \
    --kubeconfig "$K8S_RUN/admin.kubeconfig" --secure-port 0 --leader-elect=false \
    --service-account-private-key-file "$p/sa.key" --root-ca-file "$p/ca.crt" \
    --use-service-account-credentials=false --cluster-signing-cert-file "$p/ca.crt" --cluster-signing-key-file "$p/ca.key" \
    --allocate-node-cidrs=false --controllers '*,-nodeipam,-bootstrapsigner,-tokencleaner' --v=0
  k8s_start kube-scheduler "$K8S_BIN/kube-scheduler" \
    --kubeconfig "$K8S_RUN/admin.kubeconfig" --secure-port 0 --leader-elect=false --v=0
}

# --- node ---------------------------------------------------------------------------------------
# k8s_sysctl NAME VALUE: sets a sysctl, remembering the old value for k8s_down.
k8s_sysctl() {
  local file="/proc/sys/${1//.//}" old
  old=$(cat "$file") || return 1
  [ "$old" = "$2" ] && return 0
  K8S_SYSCTLS+=("$1=$old")
  echo "$2" >"$file"
}

# k8s_iptables ARGS...: inserts a rule (iptables -I ARGS), removed again by k8s_down.
k8s_iptables() {
  iptables -w -I "$@" || return 1
  K8S_IPTABLES_RULES+=("$*")
}

k8s_node_network() {
  if ip link show "$K8S_NODE_IF" >/dev/null 2>&1 || ip link show "$K8S_BRIDGE" >/dev/null 2>&1; then
    k8s_log "$K8S_NODE_IF or $K8S_BRIDGE exists: another run of this test is going on (or was killed: ip link del them)"
    return 1
  fi
  # The node's address, on an interface of its own: one end of a veth pair (a dummy interface
  # would do, but not every kernel has the module; the pods' bridge takes no second address).
  ip link add "$K8S_NODE_IF" type veth peer name "${K8S_NODE_IF%0}1" || return 1
  K8S_NETWORK_UP=1
  ip addr add "$K8S_NODE_IP/32" dev "$K8S_NODE_IF" && ip link set "$K8S_NODE_IF" up &&
    ip link set "${K8S_NODE_IF%0}1" up || return 1
  modprobe br_netfilter 2>/dev/null || true
  [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] || {
    k8s_log "br_netfilter is not available: Services between pods on one bridge would not work"
    return 1
  }
  k8s_sysctl net.bridge.bridge-nf-call-iptables 1 && k8s_sysctl net.ipv4.ip_forward 1 || return 1
  # kube-proxy sets route_localnet for NodePorts on 127.0.0.1; remembered here so it is restored.
  K8S_SYSCTLS+=("net.ipv4.conf.all.route_localnet=$(cat /proc/sys/net/ipv4/conf/all/route_localnet)")
  # dockerd sets the FORWARD policy to DROP: the pods' bridge is let through while the test runs.
  k8s_iptables FORWARD -i "$K8S_BRIDGE" -j ACCEPT && k8s_iptables FORWARD -o "$K8S_BRIDGE" -j ACCEPT
}

k8s_containerd() {
  local c="$K8S_RUN/containerd"
  mkdir -p "$c" "$K8S_RUN/cni/net.d"
  cat >"$K8S_RUN/cni/net.d/10-ecom.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "ecom-k8s",
  "plugins": [
    {
      "type": "bridge", "bridge": "$K8S_BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": { "type": "host-local", "ranges": [[{ "subnet": "$K8S_POD_CIDR" }]],
                "routes": [{ "dst": "0.0.0.0/0" }], "dataDir": "$K8S_RUN/cni/ipam" }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
EOF
  # restrict_oom_score_adj: without CAP_SYS_RESOURCE (this VM) runc cannot lower a score and every
  # sandbox fails ("can't get final child's PID from pipe"). SystemdCgroup off: cgroupfs driver.
  cat >"$c/config.toml" <<EOF
version = 2
root = "$c/root"
state = "$c/state"
[grpc]
  address = "$c/containerd.sock"
[ttrpc]
  address = "$c/containerd.sock.ttrpc"
[debug]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$c/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$K8S_PAUSE_IMAGE"
  restrict_oom_score_adj = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$c/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$K8S_RUN/cni/net.d"
EOF
  K8S_CONTAINERD_SOCK="$c/containerd.sock"
  k8s_start containerd containerd --config "$c/config.toml"
  k8s_wait 30 containerd ctr -a "$K8S_CONTAINERD_SOCK" version || {
    tail -20 "$K8S_RUN/logs/containerd.log" >&2
    return 1
  }
}

# k8s_import_images IMAGE...: from the Docker engine into the node's containerd.
k8s_import_images() {
  docker save "$@" | ctr -a "$K8S_CONTAINERD_SOCK" -n k8s.io images import - >"$K8S_RUN/import.log" 2>&1 || {
    tail -5 "$K8S_RUN/import.log" >&2
    return 1
  }
}

# k8s_pause_image: the sandbox image, one static binary (install-k8s-tools.sh builds it).
k8s_pause_image() {
  local dir="$K8S_RUN/pause"
  mkdir -p "$dir"
  cp "$K8S_BIN/pause" "$dir/pause"
  tar -C "$dir" -c pause | docker import -c 'ENTRYPOINT ["/pause"]' - "${K8S_PAUSE_IMAGE#docker.io/}" >/dev/null &&
    k8s_import_images "${K8S_PAUSE_IMAGE#docker.io/}"
}

k8s_kubelet() {
  local p="$K8S_RUN/pki"
  mkdir -p "$K8S_RUN/kubelet"
  : >"$K8S_RUN/resolv.conf"
  cat >"$K8S_RUN/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $K8S_NODE_IP
port: $K8S_KUBELET_PORT
readOnlyPort: 0
healthzPort: 0
tlsCertFile: $p/kubelet.crt
tlsPrivateKeyFile: $p/kubelet.key
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: false }
  x509: { clientCAFile: $p/ca.crt }
authorization: { mode: AlwaysAllow }
containerRuntimeEndpoint: unix://$K8S_CONTAINERD_SOCK
cgroupDriver: cgroupfs
failCgroupV1: false
cgroupsPerQOS: false
enforceNodeAllocatable: []
failSwapOn: false
clusterDNS: [$K8S_NODE_IP]
clusterDomain: $K8S_CLUSTER_DOMAIN
resolvConf: $K8S_RUN/resolv.conf
maxPods: 40
serializeImagePulls: false
evictionHard: { memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1% }
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
EOF
  k8s_start kubelet "$K8S_BIN/kubelet" --config "$K8S_RUN/kubelet.yaml" --kubeconfig "$K8S_RUN/admin.kubeconfig" \
    --root-dir "$K8S_RUN/kubelet" --hostname-override "$K8S_NODE" --node-ip "$K8S_NODE_IP" --v=0
}

k8s_kube_proxy() {
  local healthz metrics
  healthz=$(k8s_free_port) && metrics=$(k8s_free_port) || return 1
  cat >"$K8S_RUN/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: { kubeconfig: $K8S_RUN/admin.kubeconfig }
mode: iptables
clusterCIDR: $K8S_POD_CIDR
hostnameOverride: $K8S_NODE
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:$healthz
metricsBindAddress: 127.0.0.1:$metrics
nodePortAddresses: [127.0.0.0/8]
conntrack: { maxPerCore: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s }
iptables: { localhostNodePorts: true }
EOF
  k8s_start kube-proxy "$K8S_BIN/kube-proxy" --config "$K8S_RUN/kube-proxy.yaml" --v=0
}

# The cluster DNS: CoreDNS as a host process on the node's address (pods reach it through the
# bridge), answering the cluster's names only; anything else is refused, nothing is forwarded.
k8s_dns() {
  cat >"$K8S_RUN/Corefile" <<EOF
.:53 {
  bind $K8S_NODE_IP
  errors
  kubernetes $K8S_CLUSTER_DOMAIN in-addr.arpa ip6.arpa {
    kubeconfig $K8S_RUN/admin.kubeconfig
    pods insecure
    ttl 5
    fallthrough in-addr.arpa ip6.arpa
  }
}
EOF
  k8s_start coredns "$K8S_BIN/coredns" -conf "$K8S_RUN/Corefile"
}

# k8s_up: the whole node; waits until it is Ready. Needs root, containerd, runc, CNI plugins.
k8s_up() {
  # The network namespaces there before: k8s_down removes only those the sandboxes left.
  K8S_NETNS_BEFORE=$(ls /var/run/netns 2>/dev/null | paste -sd' ')
  # Kubernetes' iptables chains (KUBE-*) there before: none expected; k8s_down removes what is left
  # of them only when there were none.
  K8S_KUBE_CHAINS_BEFORE=$(iptables-save 2>/dev/null | grep -c '^:KUBE-')
  # containerd puts the containers' cgroups under k8s.io (its Kubernetes namespace) in every
  # hierarchy; the emptied directories stay unless removed, which k8s_down does when it made them.
  K8S_CGROUPS_BEFORE=$(ls -d /sys/fs/cgroup/*/k8s.io /sys/fs/cgroup/k8s.io 2>/dev/null | wc -l)
  k8s_node_network || return 1
  k8s_control_plane || return 1
  k8s_controllers
  K8S_KUBELET_PORT=$(k8s_free_port) || return 1
  k8s_containerd || return 1
  k8s_pause_image || return 1
  k8s_kubelet
  k8s_kube_proxy
  k8s_dns
  k8s_wait 120 "node $K8S_NODE Ready" sh -c "'$K8S_BIN/kubectl' --kubeconfig '$K8S_RUN/admin.kubeconfig' get node $K8S_NODE -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' | grep -qx True" || {
    tail -20 "$K8S_RUN/logs/kubelet.log" >&2
    return 1
  }
}

# k8s_down: stops everything k8s_up started and undoes its changes to the host. Safe to call twice.
k8s_down() {
  local pid i rule kv name c
  [ -n "${K8S_RUN:-}" ] || return 0
  c="$K8S_RUN/containerd"
  # Nothing may restart containers while they are stopped: kube-proxy, kubelet and the controllers
  # go first (SIGTERM, then SIGKILL after 10 s); containerd and the control plane keep running.
  k8s_stop kube-proxy kubelet coredns kube-scheduler kube-controller-manager
  # Every container and sandbox of the node, through the node's own containerd.
  if [ -S "$c/containerd.sock" ]; then
    for name in $(ctr -a "$c/containerd.sock" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr -a "$c/containerd.sock" -n k8s.io tasks kill -a -s KILL "$name" >/dev/null 2>&1
    done
    sleep 1
    for name in $(ctr -a "$c/containerd.sock" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr -a "$c/containerd.sock" -n k8s.io tasks delete -f "$name" >/dev/null 2>&1
    done
  fi
  k8s_stop containerd kube-apiserver etcd
  # Shims that outlived containerd (they are meant to): by the pid files in its state directory.
  for pid in $(cat "$c"/state/io.containerd.runtime.v2.task/*/*/shim.pid 2>/dev/null); do
    kill -KILL "$pid" 2>/dev/null
  done
  [ -f "$K8S_RUN/kube-proxy.yaml" ] && "$K8S_BIN/kube-proxy" --cleanup >/dev/null 2>&1
  # What kube-proxy's cleanup does not own (the kubelet's KUBE-FIREWALL, KUBE-KUBELET-CANARY, ...).
  if [ "${K8S_KUBE_CHAINS_BEFORE:-1}" = 0 ]; then
    local table chain
    for table in filter nat mangle; do
      for chain in $(iptables -w -t "$table" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^KUBE-/ { print $2 }'); do
        # Rules that jump to the chain first, then the chain itself.
        iptables -w -t "$table" -S 2>/dev/null | grep -E -- "-j $chain( |\$)" | grep -v "^-A $chain " |
          sed 's/^-A /-D /' | while read -r rule; do
          # eval: iptables -S quotes comments ("...") as the shell would.
          eval "iptables -w -t $table $rule" 2>/dev/null
        done
        iptables -w -t "$table" -F "$chain" 2>/dev/null
      done
      for chain in $(iptables -w -t "$table" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^KUBE-/ { print $2 }'); do
        iptables -w -t "$table" -X "$chain" 2>/dev/null
      done
    done
  fi
  for rule in "${K8S_IPTABLES_RULES[@]}"; do
    # shellcheck disable=SC2086 # the rule's words
    iptables -w -D $rule 2>/dev/null
  done
  K8S_IPTABLES_RULES=()
  # Network namespaces the sandboxes left (bind mounts under /var/run/netns).
  for name in $(ls /var/run/netns 2>/dev/null); do
    case " ${K8S_NETNS_BEFORE:-} " in *" $name "*) continue ;; esac
    case "$name" in cni-*) ip netns del "$name" 2>/dev/null ;; esac
  done
  # Mounts under the run directory (pod volumes, container root filesystems, sandboxes' shm),
  # deepest first.
  awk -v run="$K8S_RUN" 'index($2, run) == 1 { print $2 }' /proc/self/mounts | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
  done
  if [ -n "${K8S_NETWORK_UP:-}" ]; then
    ip link del "$K8S_BRIDGE" 2>/dev/null
    ip link del "$K8S_NODE_IF" 2>/dev/null
    K8S_NETWORK_UP=""
  fi
  for kv in $(printf '%s\n' "${K8S_SYSCTLS[@]}" | tac); do
    echo "${kv#*=}" >"/proc/sys/$(echo "${kv%%=*}" | tr . /)" 2>/dev/null
  done
  K8S_SYSCTLS=()
  if [ "${K8S_CGROUPS_BEFORE:-1}" = 0 ]; then
    find /sys/fs/cgroup/*/k8s.io /sys/fs/cgroup/k8s.io -depth -type d -exec rmdir {} \; 2>/dev/null
  fi
  # The pods' logs (kubelet writes them under /var/log/pods whatever its root directory).
  rm -rf /var/log/pods/"${K8S_NAMESPACE:-ecom-k8s-test}"_* 2>/dev/null
  find /var/log/containers -xtype l -delete 2>/dev/null
  rm -rf "$K8S_RUN"
  K8S_RUN=""
}

# k8s_stop NAME...: stops components started by k8s_start, by their pid files.
k8s_stop() {
  local name pid i pids=() names=()
  for name in "$@"; do
    pid=$(cat "$K8S_RUN/$name.pid" 2>/dev/null) || continue
    kill -TERM "$pid" 2>/dev/null && pids+=("$pid") && names+=("$name")
    rm -f "$K8S_RUN/$name.pid"
  done
  for _ in $(seq 1 20); do
    local alive=""
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ -n "$alive" ] || return 0
    sleep 0.5
  done
  for i in "${!pids[@]}"; do
    kill -0 "${pids[$i]}" 2>/dev/null || continue
    k8s_log "${names[$i]} (pid ${pids[$i]}) did not stop within 10 s of SIGTERM: SIGKILL"
    kill -KILL "${pids[$i]}" 2>/dev/null
    wait "${pids[$i]}" 2>/dev/null
  done
}
