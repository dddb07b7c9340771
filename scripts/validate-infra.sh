#!/usr/bin/env bash
# Static validation of the container and monitoring setup; needs no Docker engine.
#   bash scripts/validate-infra.sh
# Prints one line per check (PASS / FAIL / SKIP), then "validate-infra: N passed, N failed".
# Exit status is non-zero when any check failed. With $SUITE_COUNTS_FILE set (scripts/test.sh's
# run_suite), writes "<passed> <failed>" there.
#
# Tools (Debian packages, installed by scripts/setup.sh): docker-compose (Compose v2, `config` only),
# prometheus (promtool), nginx; node; python3 with PyYAML.
# Optional: the docker CLI, for `docker stack config` of the Swarm rendering (SKIP without it).
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"

PASSED=0
FAILED=0
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

pass() {
  PASSED=$((PASSED + 1))
  echo "PASS $*"
}
fail() {
  FAILED=$((FAILED + 1))
  echo "FAIL $*"
}
skip() { echo "SKIP $*"; }
have() { command -v "$1" >/dev/null 2>&1; }

# check NAME COMMAND...: PASS when COMMAND exits 0; on failure, FAIL plus the command's output.
check() {
  local name="$1"
  shift
  local out="$TMP/out"
  if "$@" >"$out" 2>&1; then
    pass "$name"
  else
    fail "$name"
    sed 's/^/    /' "$out" | tail -n 40
  fi
}

# Python with PyYAML (Debian's python3-yaml, installed by scripts/setup.sh): /usr/bin/python3 first.
PYTHON=""
for candidate in /usr/bin/python3 python3; do
  if have "$candidate" && "$candidate" -c 'import yaml' >/dev/null 2>&1; then
    PYTHON="$candidate"
    break
  fi
done

# --- environment for rendering the compose files ----------------------------------------------
# Dummy values only: the prod file refuses to render without MONGO_EXPORTER_PASSWORD, and secret
# files are referenced through SECRETS_DIR (they need not exist for `config`).
export COMPOSE_PROJECT_NAME=ecom-validate
export MONGO_EXPORTER_PASSWORD=validate-only
export SECRETS_DIR="$TMP/secrets"
mkdir -p "$SECRETS_DIR"
# The policy below covers every service: the profiled ones (monitoring, tracing) too.
export COMPOSE_PROFILES=monitoring,tracing
# What a plain `docker compose up` starts, without a profile: the core system alone.
CORE_SERVICES="api-gateway mongo nginx order-service product-service redis user-service"

# --- docker compose files ------------------------------------------------------------------------
if have docker-compose; then
  # v1 lists profiled services in `config --services` and drops `configs`: not what users run.
  check "docker-compose is Compose v2 (scripts/setup.sh installs it)" \
    sh -c '[ "$(docker-compose version --short | cut -d. -f1)" = 2 ]'
  check "docker-compose config: docker-compose.yml" \
    sh -c 'docker-compose -f docker-compose.yml config >"$0"' "$TMP/compose.yml"
  check "docker-compose config: docker-compose.yml + docker-compose.prod.yml" \
    sh -c 'docker-compose -f docker-compose.yml -f docker-compose.prod.yml config >"$0"' "$TMP/compose.prod.yml"
  check "docker-compose config without a profile: the core system only ($CORE_SERVICES)" \
    sh -c '[ "$(COMPOSE_PROFILES= docker-compose -f docker-compose.yml -f docker-compose.override.yml config --services | sort | paste -sd" ")" = "$0" ]' "$CORE_SERVICES"
  check "docker-compose config: docker-compose.yml + docker-compose.override.yml" \
    sh -c 'docker-compose -f docker-compose.yml -f docker-compose.override.yml config >"$0"' "$TMP/compose.local.yml"
else
  fail "docker-compose not installed (bash scripts/setup.sh installs Compose v2)"
fi

if [ -n "$PYTHON" ] && [ -s "$TMP/compose.yml" ] && [ -s "$TMP/compose.prod.yml" ] && [ -s "$TMP/compose.local.yml" ]; then
  check "compose policy: healthchecks, depends_on, networks, ports, images, prod limits and secrets" \
    "$PYTHON" - "$TMP/compose.yml" "$TMP/compose.prod.yml" "$ROOT/docker-compose.yml" "$TMP/compose.local.yml" <<'PY'
import re, sys, yaml

base = yaml.safe_load(open(sys.argv[1]))
prod = yaml.safe_load(open(sys.argv[2]))
raw = open(sys.argv[3]).read()
local = yaml.safe_load(open(sys.argv[4]))
problems = []
APP = ["api-gateway", "user-service", "product-service", "order-service"]
# On the frontend network; of these only nginx and Grafana publish a port in the files production
# (Compose and Swarm) reads. Prometheus and Jaeger have no login: docker-compose.override.yml
# publishes them for a plain `docker compose up` only.
PUBLISHED_OK = {"nginx", "grafana", "prometheus", "jaeger"}
PUBLISHED_IN_PROD = {"nginx", "grafana"}
EXPECTED = set(APP) | {"nginx", "mongo", "redis", "prometheus", "grafana", "cadvisor", "node-exporter"}

def memory_bytes(value):
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kmg]?)b?", str(value).strip().lower())
    if not match:
        return None
    return float(match.group(1)) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[match.group(2)]

missing = EXPECTED - set(base["services"])
if missing:
    problems.append(f"services missing: {sorted(missing)}")

for name, svc in base["services"].items():
    hc = svc.get("healthcheck") or {}
    if not hc.get("test") or hc.get("disable"):
        problems.append(f"{name}: no healthcheck")
    if "container_name" in svc:
        problems.append(f"{name}: container_name prevents --scale")
    for dep, spec in (svc.get("depends_on") or {}).items():
        if not isinstance(spec, dict) or spec.get("condition") != "service_healthy":
            problems.append(f"{name}: depends_on {dep} without condition: service_healthy")
    if svc.get("ports") and name not in PUBLISHED_IN_PROD:
        problems.append(f"{name}: publishes ports {svc['ports']} (only nginx and Grafana may, see docker-compose.override.yml)")
    networks = set(svc.get("networks") or {})
    if name not in PUBLISHED_OK and networks != {"backend"}:
        problems.append(f"{name}: must be on the internal backend network only (has {sorted(networks)})")
    if name in APP:
        if svc.get("ports"):
            problems.append(f"{name}: scalable service must not publish host ports")
        if not svc.get("image", "").startswith("local/") or not svc["image"].endswith(f"/{name}:latest"):
            problems.append(f"{name}: image should default to local/{name}:latest, got {svc.get('image')}")
        if not svc.get("init"):
            problems.append(f"{name}: init: true missing")

    # Published on the host's loopback unless BIND_ADDRESS says otherwise (rendered without it here).
    for port in svc.get("ports") or []:
        if isinstance(port, dict) and port.get("host_ip") != "127.0.0.1":
            problems.append(f"{name}: port {port.get('published')} published on {port.get('host_ip') or 'every interface'}, not 127.0.0.1")
    if "--web.enable-lifecycle" in (svc.get("command") or []):
        problems.append(f"{name}: --web.enable-lifecycle lets anyone who reaches Prometheus stop it")

# The local additions stay on the loopback too (rendered without BIND_ADDRESS/JAEGER_BIND_ADDRESS).
for name, svc in local["services"].items():
    for port in svc.get("ports") or []:
        if isinstance(port, dict) and port.get("host_ip") != "127.0.0.1":
            problems.append(f"local {name}: port {port.get('published')} published on {port.get('host_ip') or 'every interface'}, not 127.0.0.1")

if not (base.get("networks", {}).get("backend") or {}).get("internal"):
    problems.append("backend network must be internal: true")

# Every image line is overridable: ${REGISTRY:-local}/x:${TAG:-latest} or ${SOMETHING_IMAGE:-...}.
for line in re.findall(r"^\s*image:\s*(.+)$", raw, re.M):
    if not re.match(r"\$\{(REGISTRY|[A-Z_]+_IMAGE):-", line.strip()):
        problems.append(f"image not overridable: {line.strip()}")

for name, svc in prod["services"].items():
    limit = (((svc.get("deploy") or {}).get("resources") or {}).get("limits") or {}).get("memory")
    size = memory_bytes(limit) if limit else None
    if size is None or size >= 512 * 1024**2:
        problems.append(f"prod {name}: memory limit must be set and < 512M (got {limit})")
    if name not in PUBLISHED_IN_PROD and svc.get("ports"):
        problems.append(f"prod {name}: port published")
    if "--web.enable-lifecycle" in (svc.get("command") or []):
        problems.append(f"prod {name}: --web.enable-lifecycle")
    if name in APP:
        env = svc.get("environment") or {}
        deploy = svc.get("deploy") or {}
        if env.get("NODE_ENV") != "production" or env.get("LOG_LEVEL") != "info":
            problems.append(f"prod {name}: NODE_ENV=production and LOG_LEVEL=info expected")
        for key in ("replicas", "restart_policy", "update_config"):
            if key not in deploy:
                problems.append(f"prod {name}: deploy.{key} missing")
        secrets = {s["source"] if isinstance(s, dict) else s for s in svc.get("secrets") or []}
        # Only user-service holds the private signing keys; every other service verifies with its JWKS.
        signs = name == "user-service"
        if signs and ("jwt_signing_keys" not in secrets or env.get("JWT_SIGNING_KEYS_FILE") != "/run/secrets/jwt_signing_keys"):
            problems.append(f"prod {name}: the signing keys must come from the jwt_signing_keys secret")
        if not signs and ("jwt_signing_keys" in secrets or "JWT_SIGNING_KEYS_FILE" in env):
            problems.append(f"prod {name}: only user-service may hold the jwt_signing_keys secret")
        if "jwt_secret" in secrets or "JWT_SECRET_FILE" in env:
            problems.append(f"prod {name}: the shared JWT secret is gone (migration): drop jwt_secret")
        if env.get("JWT_SIGNING_KEYS") or env.get("INTERNAL_TOKEN"):
            problems.append(f"prod {name}: JWT_SIGNING_KEYS/INTERNAL_TOKEN must not be literal env values")
        if env.get("REDIS_PASSWORD_FILE") != "/run/secrets/redis_password" or "redis_password" not in secrets:
            problems.append(f"prod {name}: the Redis password must come from the redis_password secret")
        url = env.get("MONGODB_URL")
        if url is not None and "__MONGODB_PASSWORD__" not in url:
            problems.append(f"prod {name}: MONGODB_URL must use the __MONGODB_PASSWORD__ placeholder + secret")
if "requirepass" not in " ".join(map(str, (prod["services"].get("redis") or {}).get("command") or [])):
    problems.append("prod redis: no requirepass")
for required in ("jwt_signing_keys", "internal_token", "mongo_root_password", "mongo_users_password",
                 "mongo_products_password", "mongo_orders_password", "redis_password"):
    if required not in (prod.get("secrets") or {}):
        problems.append(f"prod: secret {required} not defined")
    elif "file" not in prod["secrets"][required]:
        problems.append(f"prod: secret {required} must be a file")

for problem in problems:
    print(problem)
sys.exit(1 if problems else 0)
PY
else
  fail "compose policy: needs rendered compose files and python3 with PyYAML"
fi

check ".env.example documents every variable the compose files interpolate" bash -c '
  missing=0
  for var in $(grep -ohE "\\$\{[A-Z_][A-Z0-9_]*" docker-compose.yml docker-compose.prod.yml docker-compose.override.yml | cut -c3- | sort -u); do
    grep -qE "^${var}=" .env.example || { echo "$var is not in .env.example"; missing=1; }
  done
  exit $missing'

if have docker && docker stack config --help >/dev/null 2>&1; then
  # Read back as `docker stack deploy` reads it (interpolated a second time: literal `$` escaped).
  check "docker stack config: Swarm rendering of both files (docker/stack-deploy.sh --render), deployable as it is" \
    sh -c 'sh docker/stack-deploy.sh --render "$0" && grep -q "endpoint_mode: dnsrr" "$0" && docker stack config -c "$0" >/dev/null' "$TMP/stack.yml"
  # Swarm's merge ignores the prod file's '' for X when X_FILE is set; stack-deploy.sh drops X.
  check "docker stack config: no variable set next to its _FILE secret (mongo would refuse to start)" \
    sh -c '! grep -E "^      (MONGO_INITDB_(ROOT|USERS|PRODUCTS|ORDERS)_PASSWORD|GF_SECURITY_ADMIN_PASSWORD|JWT_SIGNING_KEYS|INTERNAL_TOKEN):" "$0"' "$TMP/stack.yml"
  # Swarm's merge appends an overriding healthcheck `test` list to the base one (a prod-only
  # Redis test once became `redis-cli ping ... CMD-SHELL ...`, unauthenticated: Redis restarted forever).
  check "docker stack config: every healthcheck test is one command (no lists appended by the merge)" \
    sh -c 'docker stack config -c "$0" | awk "/^ *test:/{t=1;n=0;next} t&&/^ *- /{if(\$2==\"CMD\"||\$2==\"CMD-SHELL\")n++; if(n>1){bad=1}; next} {t=0} END{exit bad}"' "$TMP/stack.yml"
else
  skip "docker stack config: docker CLI not installed"
fi

# --- images --------------------------------------------------------------------------------------
check "Dockerfile: one for the four services; multi-stage, pinned node base, non-root, HEALTHCHECK, STOPSIGNAL, workspace-aware" \
  bash -c '
    status=0
    f=Dockerfile
    grep -q "^ARG NODE_IMAGE=node:$(cat .nvmrc)-bookworm-slim$" "$f" || { echo "$f: base image not node:$(cat .nvmrc)-bookworm-slim (.nvmrc)"; status=1; }
    [ "$(grep -c "^FROM \${NODE_IMAGE} AS " "$f")" -ge 3 ] || { echo "$f: expected build, prod-deps and runtime stages"; status=1; }
    grep -q "npm ci --omit=dev --workspace=@ecom/\${SERVICE}" "$f" || { echo "$f: production install is not limited to the workspace"; status=1; }
    grep -q "packages/service-kit/dist" "$f" || { echo "$f: shared kit not copied"; status=1; }
    grep -q "^USER node$" "$f" || { echo "$f: not running as node"; status=1; }
    grep -q "^HEALTHCHECK .*" "$f" || { echo "$f: no HEALTHCHECK"; status=1; }
    grep -q "^STOPSIGNAL SIGTERM$" "$f" || { echo "$f: no STOPSIGNAL"; status=1; }
    grep -q "\"dist/main.js\"" "$f" || { echo "$f: does not start dist/main.js"; status=1; }
    for svc in user-service product-service order-service api-gateway; do
      [ ! -e "$svc/Dockerfile" ] || { echo "$svc/Dockerfile: a copy of ./Dockerfile is back"; status=1; }
      # Every COPY source taken from the build context must exist, for every service.
      for src in $(grep -E "^COPY [^-]" "$f" | sed -E "s/^COPY //; s/\\$\{SERVICE\}/$svc/g" | awk "{ for (i = 1; i < NF; i++) print \$i }"); do
        [ -e "$src" ] || { echo "$f: COPY source $src does not exist ($svc)"; status=1; }
      done
      # Each compose service builds it with its own SERVICE.
      grep -q "SERVICE: $svc$" docker-compose.yml || { echo "docker-compose.yml: $svc is not built with SERVICE=$svc"; status=1; }
    done
    exit $status'

check ".dockerignore: excludes node_modules, dist, .git, .env and secrets; keeps docker/" \
  bash -c 'for p in "**/node_modules" "**/dist" ".git" ".env" "secrets"; do grep -qxF "$p" .dockerignore || { echo "missing $p"; exit 1; }; done; ! grep -qx "docker" .dockerignore'

check "docker/*.sh: POSIX sh syntax" sh -c 'for f in docker/*.sh; do sh -n "$f" || exit 1; done'

check "docker/secrets-env.sh: *_FILE → env, placeholder filled, conflicts refused" bash -c '
  set -e
  t=$(mktemp -d); trap "rm -rf $t" EXIT
  printf "{\"keys\":[]}\n" >"$t/jwt"; printf "p4ss\n" >"$t/pw"; printf "a@b\n" >"$t/bad"
  run() { env -i PATH="$PATH" "$@" sh docker/secrets-env.sh env; }
  out=$(run JWT_SIGNING_KEYS_FILE="$t/jwt" MONGODB_PASSWORD_FILE="$t/pw" MONGODB_URL="mongodb://u:__MONGODB_PASSWORD__@m:27017/d?authSource=d")
  echo "$out" | grep -qx "JWT_SIGNING_KEYS={\"keys\":\[\]}"
  echo "$out" | grep -qx "MONGODB_URL=mongodb://u:p4ss@m:27017/d?authSource=d"
  ! echo "$out" | grep -q "_FILE="
  ! echo "$out" | grep -q "^MONGODB_PASSWORD="
  ! run JWT_SIGNING_KEYS=x JWT_SIGNING_KEYS_FILE="$t/jwt" >/dev/null 2>&1
  ! run JWT_SIGNING_KEYS_FILE="$t/missing" >/dev/null 2>&1
  ! run MONGODB_PASSWORD_FILE="$t/bad" MONGODB_URL="mongodb://u:__MONGODB_PASSWORD__@m/d" >/dev/null 2>&1
  ! run MONGODB_URL="mongodb://u:__MONGODB_PASSWORD__@m/d" >/dev/null 2>&1
  run JWT_SIGNING_KEYS= JWT_SIGNING_KEYS_FILE="$t/jwt" | grep -qx "JWT_SIGNING_KEYS={\"keys\":\[\]}"
  run OTHER_FILE=/etc/hostname | grep -qx "OTHER_FILE=/etc/hostname"'

check "docker/mongo/init-service-users.js: one user per service database (mongosh stubbed)" node -e '
  const vm = require("node:vm"), fs = require("node:fs"), os = require("node:os"), path = require("node:path");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mongo-init-"));
  fs.writeFileSync(path.join(dir, "pw"), "from-file\n");
  const users = [];
  const db = { getSiblingDB: (name) => ({ getUser: () => null, updateUser: () => {}, createUser: (u) => users.push({ db: name, ...u }) }) };
  const env = { MONGO_INITDB_USERS_PASSWORD: "a", MONGO_INITDB_PRODUCTS_PASSWORD_FILE: path.join(dir, "pw"), MONGO_INITDB_ORDERS_PASSWORD: "c", MONGO_INITDB_EXPORTER_PASSWORD: "m" };
  vm.runInNewContext(fs.readFileSync("docker/mongo/init-service-users.js", "utf8"), { db, process: { env }, require, print: () => {} });
  const byDb = Object.fromEntries(users.map((u) => [u.db, u]));
  const assert = require("node:assert");
  for (const [name, user] of [["users", "users_svc"], ["products", "products_svc"], ["orders", "orders_svc"]]) {
    assert.equal(byDb[name].user, user);
    assert.ok(byDb[name].roles.every((r) => r.db === name), name + " user has rights outside its database");
  }
  assert.equal(byDb.products.pwd, "from-file");
  assert.deepEqual(byDb.admin.roles.map((r) => r.role).sort(), ["clusterMonitor", "read"]);
  assert.throws(() => vm.runInNewContext(fs.readFileSync("docker/mongo/init-service-users.js", "utf8"), { db, process: { env: {} }, require, print: () => {} }));
  fs.rmSync(dir, { recursive: true });'

# --- Prometheus ----------------------------------------------------------------------------------
if have promtool; then
  check "promtool check config: monitoring/prometheus/prometheus.yml" \
    promtool check config monitoring/prometheus/prometheus.yml
  check "promtool check config: monitoring/prometheus/prometheus.local.yml" \
    promtool check config monitoring/prometheus/prometheus.local.yml
  check "promtool check rules: monitoring/prometheus/alerts.yml" \
    promtool check rules monitoring/prometheus/alerts.yml
  check "promtool test rules: monitoring/prometheus/alerts.test.yml" \
    sh -c 'cd monitoring/prometheus && promtool test rules alerts.test.yml'
else
  fail "promtool not installed (apt-get install prometheus)"
fi

# --- Grafana -------------------------------------------------------------------------------------
check "grafana dashboards are up to date with monitoring/grafana/build-dashboards.mjs" \
  node monitoring/grafana/build-dashboards.mjs --check

# The dashboard checker prints its own PASS/FAIL lines; they count here one by one.
dash_out="$TMP/dashboards.txt"
SUITE_COUNTS_FILE= node scripts/check-dashboards.mjs >"$dash_out" 2>&1
dash_rc=$?
grep -E '^(PASS|FAIL|SKIP|    )' "$dash_out"
dash_pass=$(grep -c '^PASS ' "$dash_out" || true)
dash_fail=$(grep -c '^FAIL ' "$dash_out" || true)
PASSED=$((PASSED + dash_pass))
FAILED=$((FAILED + dash_fail))
if [ "$dash_rc" -ne 0 ] && [ "$dash_fail" -eq 0 ]; then
  fail "dashboards: scripts/check-dashboards.mjs exited $dash_rc"
  tail -n 20 "$dash_out" | sed 's/^/    /'
fi

# --- nginx ---------------------------------------------------------------------------------------
# nginx -t resolves upstream host names, so it runs on a rendered copy in which the compose
# service names point to 127.0.0.1. Debian's nginx is 1.22; `server ... resolve` in an upstream
# needs 1.27.3+ (the nginx image in docker-compose.yml is newer), so the copy drops that parameter
# when the local nginx is older. `@LISTEN@` becomes 80 and the pid file moves to the temp dir,
# as docker-compose.yml's nginx command does.
if [ ! -f nginx/nginx.conf ]; then
  fail "nginx -t: nginx/nginx.conf does not exist"
elif ! have nginx; then
  fail "nginx -t: nginx not installed (apt-get install nginx-light)"
else
  render="$TMP/nginx"
  mkdir -p "$render/logs"
  cp -R nginx/. "$render/"
  # As the container renders it in production: with a certificate, redirect and HSTS.
  node scripts/dev-cert.mjs "$render/tls" >/dev/null
  EDGE_MODE=prod TLS_DIR="$render/tls" sh nginx/render-compose-conf.sh nginx/nginx.conf "$render/nginx.conf"
  [ -e "$render/mime.types" ] || cp /etc/nginx/mime.types "$render/" 2>/dev/null || true
  nginx_version="$(nginx -v 2>&1 | sed -n 's|.*nginx/\([0-9.]*\).*|\1|p')"
  strip_resolve=0
  if [ "$(printf '%s\n%s\n' "1.27.3" "$nginx_version" | sort -V | head -n1)" != "1.27.3" ]; then strip_resolve=1; fi
  for f in $(find "$render" -type f -name '*.conf'); do
    sed -i -E \
      -e 's/\b(api-gateway|user-service|product-service|order-service|nginx-exporter|grafana|prometheus)(:[0-9]+)/127.0.0.1\2/g' \
      -e 's/^(\s*)user\s+[^;]+;/\1# user directive removed for nginx -t/' \
      -e 's#/etc/nginx/mime\.types#mime.types#' \
      -e 's/@LISTEN@/80/g' \
      -e 's/^(\s*)pid\s+[^;]+;/\1# pid set on the command line/' \
      "$f"
    if [ "$strip_resolve" -eq 1 ]; then sed -i -E 's/^(\s*server\s+[^;]*)\s+resolve(\s|;)/\1\2/' "$f"; fi
  done
  note=""
  [ "$strip_resolve" -eq 1 ] && note=" (nginx $nginx_version: 'resolve' dropped in the copy)"
  check "nginx -t: nginx/nginx.conf with compose hosts rendered to 127.0.0.1$note" \
    nginx -t -q -p "$render/" -e "$render/logs/error.log" -c "$render/nginx.conf" -g "pid $render/nginx.pid;"
fi

# --- summary -------------------------------------------------------------------------------------
echo "validate-infra: ${PASSED} passed, ${FAILED} failed"
if [ -n "${SUITE_COUNTS_FILE:-}" ]; then echo "${PASSED} ${FAILED}" >"$SUITE_COUNTS_FILE"; fi
[ "$FAILED" -eq 0 ]
