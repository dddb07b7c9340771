#!/usr/bin/env bash
# The Docker stack for real: builds the images, runs `docker compose up --build --wait` (the core
# system, then with the monitoring and tracing profiles) and a Swarm deploy of the production
# overlay, and checks what users rely on. Run by `npm test`
# (scripts/test.sh); alone: `bash scripts/compose-test.sh`. Each check prints "PASS: <name>" or
# "FAIL: <name>"; counts go to $SUITE_COUNTS_FILE ("<passed> <failed>", or "0 0 1" when skipped).
#
# Needs root on Linux (it installs and starts a Docker engine when none runs, and stops only the
# one it started); elsewhere it prints one "skipped: ..." line. No registry is reachable here, so
# the base images are built from Debian packages, the npm registry and the embedded database
# build (scripts/compose-test/base-images.sh) and swapped in by docker/compose.test.yml and
# docker/swarm.test.yml; the compose files users run keep the official images.
#
# Traffic goes only to 127.0.0.1 (published ports) and to containers of the networks it creates.
# Settings: COMPOSE_TEST_HTTP_PORT (18080), COMPOSE_TEST_PROMETHEUS_PORT (19090),
# COMPOSE_TEST_SWARM=0 skips the Swarm part, COMPOSE_TEST_COMPOSE=0 the Compose part.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/compose-test/lib.sh
. scripts/compose-test/lib.sh

HTTP_PORT="${COMPOSE_TEST_HTTP_PORT:-18080}"
PROM_PORT="${COMPOSE_TEST_PROMETHEUS_PORT:-19090}"
PROJECT=ecomtest
STACK=ecomtest
API="http://127.0.0.1:$HTTP_PORT"
PROM="http://127.0.0.1:$PROM_PORT"
ADMIN_EMAIL=admin@example.com
ADMIN_PASSWORD="compose-test-$RANDOM$RANDOM"
STARTED_DOCKERD=""
SWARM_JOINED=""

counts() { [ -z "${SUITE_COUNTS_FILE:-}" ] || echo "$*" >"$SUITE_COUNTS_FILE"; }

skip() {
  echo "skipped: compose test: $*"
  counts 0 0 1
  exit 0
}

compose() {
  # The files a plain `docker compose up` reads (base + override, which publishes Prometheus),
  # then the test-only image swaps.
  docker compose --env-file /dev/null -p "$PROJECT" -f docker-compose.yml -f docker-compose.override.yml \
    -f docker/compose.test.yml "$@"
}
# docker-compose.yml's optional parts: without them `up` starts the core system alone. `down`
# takes them too, or it would leave their containers behind.
ALL_PROFILES=monitoring,tracing
everything() { COMPOSE_PROFILES="$ALL_PROFILES" compose "$@"; }
CORE_SERVICES="api-gateway mongo nginx order-service product-service redis user-service"

cleanup() {
  set +e
  if [ -n "$SWARM_JOINED" ]; then
    docker stack rm "$STACK" >/dev/null 2>&1
    docker swarm leave --force >/dev/null 2>&1
  fi
  everything down -v --remove-orphans >/dev/null 2>&1
  remove_stale_containers
  if [ -n "$STARTED_DOCKERD" ]; then
    kill "$STARTED_DOCKERD" 2>/dev/null
    for _ in $(seq 1 30); do kill -0 "$STARTED_DOCKERD" 2>/dev/null || break; sleep 1; done
  fi
  rm -rf "${CT_TMP:?}"
}

# --- engine -----------------------------------------------------------------------------------
[ "$(uname -s)" = Linux ] || skip "needs Linux (found $(uname -s))"
[ "$(id -u)" = 0 ] || skip "needs root to install and start a Docker engine"
bash scripts/compose-test/ensure-engine.sh || skip "no Docker engine, Compose v2 and buildx could be installed"
mkdir -p .tmp/compose-test
CT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/compose-test.XXXXXX")
trap cleanup EXIT
trap 'exit 130' INT TERM
ct_ensure_dockerd .tmp/compose-test/dockerd.log || skip "dockerd did not start (see .tmp/compose-test/dockerd.log)"
for port in "$HTTP_PORT" "$PROM_PORT" "${COMPOSE_TEST_HTTPS_PORT:-18443}"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "FAIL: host port $port is free (set COMPOSE_TEST_HTTP_PORT / COMPOSE_TEST_PROMETHEUS_PORT)"
    counts 0 1
    exit 1
  fi
done
# Exited containers of our project or stack: Swarm keeps its finished task containers after
# `docker stack rm` (they carry the project label too), so a later run's "down leaves nothing"
# check would find the previous run's.
remove_stale_containers() {
  { docker ps -aq --filter "label=com.docker.compose.project=$PROJECT"
    docker ps -aq --filter "label=com.docker.stack.namespace=$STACK"; } | sort -u | xargs -r docker rm -f >/dev/null 2>&1
}
# A previous run that was killed may have left its project or swarm behind.
everything down -v --remove-orphans >/dev/null 2>&1
if docker info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null | grep -q active; then
  docker stack rm "$STACK" >/dev/null 2>&1
fi
remove_stale_containers

export NGINX_HOST_PORT="$HTTP_PORT" PROMETHEUS_HOST_PORT="$PROM_PORT" ADMIN_EMAIL ADMIN_PASSWORD
# Ports of services left out or not tested, moved off the local stack's; an empty certificate
# directory (HTTPS off in Compose; the Swarm part brings its own certificate).
export NGINX_HTTPS_HOST_PORT="${COMPOSE_TEST_HTTPS_PORT:-18443}" GRAFANA_HOST_PORT=13030 JAEGER_HOST_PORT=26686
export DEV_TLS_DIR="$CT_TMP/no-tls"
mkdir -p "$DEV_TLS_DIR"
export REGISTRY=local TAG=compose-test
# user-service's signing keys as a secret (docker/compose.test.yml): its three replicas sign alike,
# and every other container verifies with its JWKS.
export COMPOSE_TEST_SECRETS_DIR="$CT_TMP/secrets"
SECRETS_DIR="$COMPOSE_TEST_SECRETS_DIR" sh docker/generate-secrets.sh >/dev/null

base_images() {
  local out name value
  out=$(bash scripts/compose-test/base-images.sh) || return 1
  while IFS='=' read -r name value; do
    [ -n "$name" ] && export "$name=$value"
  done <<<"$out"
}

# --- Compose ----------------------------------------------------------------------------------
compose_up() {
  compose build -q || return 1
  compose up -d --wait --wait-timeout 240 >"$CT_TMP/up.log" 2>&1 || {
    tail -20 "$CT_TMP/up.log"
    compose ps -a
    return 1
  }
  docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' "local/*:$TAG" | tee .tmp/compose-test/image-sizes.txt
}

# A plain `docker compose up`: the core system and nothing else is running.
core_only() {
  local running
  running=$(compose ps --services --status running | sort | paste -sd' ')
  echo "  running: $running"
  [ "$running" = "$CORE_SERVICES" ]
}

# The full set (--profile monitoring --profile tracing, as far as the test images go): every
# service healthy; the steps after this one run with it.
compose_up_full() {
  export COMPOSE_PROFILES="$ALL_PROFILES"
  compose up -d --wait --wait-timeout 240 >"$CT_TMP/up-full.log" 2>&1 || {
    tail -20 "$CT_TMP/up-full.log"
    compose ps -a
    return 1
  }
  compose ps --services --status running | sort | paste -sd' ' | sed 's/^/  running: /'
}

# containers SERVICE: the running containers of one Compose service.
containers() { compose ps -q "$1"; }

# spread SERVICE MARKER: how many requests carrying MARKER each of SERVICE's containers logged.
spread() {
  local service="$1" marker="$2" c
  for c in $(containers "$service"); do
    # grep -c reads everything: grep -q would close the pipe early and fail it under pipefail.
    docker logs "$c" 2>&1 | grep -c "$marker"
  done | paste -sd' '
}

# send N PATH MARKER [TOKEN]: N sequential requests through nginx, each with its X-Request-Id.
send() {
  local n="$1" path="$2" marker="$3" token="${4:-}" i failed=0
  local auth=()
  [ -n "$token" ] && auth=(-H "Authorization: Bearer $token")
  for i in $(seq 1 "$n"); do
    code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "${auth[@]}" -H "X-Request-Id: $marker-$i" "$API$path")
    [ "$code" = 200 ] || failed=$((failed + 1))
  done
  [ "$failed" -eq 0 ] || echo "  $failed of $n requests to $path failed" >&2
  return "$failed"
}

# reaches_all SERVICE REPLICAS PATH [TOKEN]: requests until every replica has served some.
reaches_all() {
  local service="$1" want="$2" path="$3" token="${4:-}" marker got=0 round counts
  marker="ct-$service-$RANDOM$RANDOM"
  for round in $(seq 1 8); do
    send 30 "$path" "$marker-$round" "$token" || return 1
    counts=$(spread "$service" "$marker")
    got=$(echo "$counts" | tr ' ' '\n' | grep -vc '^0$')
    [ "$got" -ge "$want" ] && break
    sleep 2
  done
  echo "  $service: $got of $want replicas served requests (per replica: $counts)"
  [ "$got" -ge "$want" ]
}

scale_gateway() {
  compose up -d --wait --wait-timeout 120 --no-recreate --scale api-gateway=3 >/dev/null 2>&1 || return 1
  [ "$(containers api-gateway | wc -l)" -eq 3 ] || return 1
  # nginx re-resolves the name every 10 s (resolver valid=10s).
  reaches_all api-gateway 3 /api/categories
}

scale_services() {
  compose up -d --wait --wait-timeout 180 --no-recreate \
    --scale api-gateway=3 --scale user-service=3 --scale product-service=2 >/dev/null 2>&1 || return 1
  local token
  token=$(http POST "$API/api/auth/login" "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}" |
    cut -d' ' -f2- | json accessToken)
  [ -n "$token" ] || return 1
  reaches_all user-service 3 /api/auth/profile "$token" && reaches_all product-service 2 /api/products
}

# Kills order-service's container from the host (as a crash would) and waits for the restart
# policy to bring it back; meanwhile the catalogue (product-service) must keep answering.
restart_policy() {
  local c pid restarts started=$SECONDS failures=0 healthy=""
  c=$(containers order-service | head -1)
  restarts=$(docker inspect -f '{{.RestartCount}}' "$c")
  pid=$(docker inspect -f '{{.State.Pid}}' "$c")
  kill -KILL "$pid" || return 1
  while [ $((SECONDS - started)) -le 30 ]; do
    code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$API/api/products?limit=1")
    [ "$code" = 200 ] || failures=$((failures + 1))
    if [ "$(docker inspect -f '{{.RestartCount}} {{.State.Health.Status}}' "$c")" = "$((restarts + 1)) healthy" ]; then
      healthy=$((SECONDS - started))
      break
    fi
    sleep 1
  done
  echo "  order-service restarted and healthy after ${healthy:-more than 30} s; catalogue failures meanwhile: $failures"
  [ -n "$healthy" ] && [ "$failures" -eq 0 ] && retry 20 expect 'orders answer again' 200 \
    "$(http GET "$API/api/orders" '' "$(http POST "$API/api/auth/login" \
      "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}" | cut -d' ' -f2- | json accessToken)")"
}

# Every target Prometheus knows is up, and every job we run has at least one target.
prometheus_targets() {
  local deadline=$((SECONDS + 60)) report
  while :; do
    report=$(curl -s -m 5 "$PROM/api/v1/targets?state=active" | node -e '
      let s = "";
      process.stdin.on("data", (d) => (s += d)).on("end", () => {
        const targets = JSON.parse(s).data.activeTargets;
        const want = process.argv[1].split(" ");
        const jobs = new Set(targets.map((t) => t.labels.job));
        const down = targets.filter((t) => t.health !== "up").map((t) => `${t.labels.job} ${t.labels.instance} ${t.health} ${t.lastError}`);
        const missing = want.filter((j) => !jobs.has(j));
        console.log(`${targets.length} targets, ${down.length} not up${down.length ? ": " + down.join("; ") : ""}${missing.length ? "; no target for " + missing.join(", ") : ""}`);
        process.exitCode = down.length || missing.length ? 1 : 0;
      });
    ' "prometheus api-gateway user-service product-service order-service nginx redis node-exporter") && break
    [ "$SECONDS" -lt "$deadline" ] || break
    sleep 5
  done
  echo "  $report"
  [[ "$report" == *" 0 not up" ]]
}

leftovers() {
  docker ps -aq --filter "label=com.docker.compose.project=$PROJECT"
  docker volume ls -q --filter "label=com.docker.compose.project=$PROJECT"
  docker network ls -q --filter "label=com.docker.compose.project=$PROJECT"
}

compose_down() {
  everything down -v --remove-orphans >/dev/null 2>&1 || return 1
  local left deadline=$((SECONDS + 20))
  # A container the restart policy was just bringing back can outlive `down` by a moment (seen
  # once: one id left right after it, none a few seconds later); what is still there after 20 s stays.
  while left=$(leftovers) && [ -n "$left" ] && [ "$SECONDS" -lt "$deadline" ]; do
    sleep 2
    everything down -v --remove-orphans >/dev/null 2>&1
  done
  [ -z "$left" ] || {
    echo "  left behind: $(for id in $left; do docker inspect --format '{{.Name}}{{if .State}} ({{.State.Status}}){{end}}' "$id" 2>/dev/null || echo "$id"; done | paste -sd' ')" >&2
    return 1
  }
}

step "base images (Debian, Node.js from the npm registry, FerretDB v2 + PostgreSQL)" base_images || {
  counts "$CT_PASSED" "$CT_FAILED"
  exit 1
}
if [ "${COMPOSE_TEST_COMPOSE:-1}" = 0 ]; then
  # Only the Swarm part (for working on it): it still needs the images.
  step "images built" compose build -q
elif step "compose up --build --wait (no profile)" compose_up; then
  step "without a profile: the core system only" core_only
  step "walkthrough through nginx :$HTTP_PORT" walkthrough "$API" "$ADMIN_EMAIL" "$ADMIN_PASSWORD"
  step "--profile monitoring --profile tracing: the full set up and healthy" compose_up_full
  step "api-gateway scaled to 3, nginx reaches all three" scale_gateway
  step "user-service=3 product-service=2, the gateway reaches every replica" scale_services
  step "killed order-service restarted by its restart policy within 30 s, catalogue kept answering" restart_policy
  step "Prometheus: every target up (up == 1)" prometheus_targets
fi
[ "${COMPOSE_TEST_COMPOSE:-1}" = 0 ] ||
  step "compose down -v leaves no container, volume or network" compose_down

# --- Swarm ------------------------------------------------------------------------------------
if [ "${COMPOSE_TEST_SWARM:-1}" != 0 ]; then
  # shellcheck source=scripts/compose-test/swarm.sh
  . scripts/compose-test/swarm.sh
fi

counts "$CT_PASSED" "$CT_FAILED"
ct_log "$CT_PASSED passed, $CT_FAILED failed"
[ "$CT_FAILED" -eq 0 ]
